"""Chokepoint: U.S. AI-chip export controls on China. Entry point: navigation and the shared
sidebar; each page in pages/ draws results read from lib/."""

import logging

from lib.app import shell

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

shell.main()
