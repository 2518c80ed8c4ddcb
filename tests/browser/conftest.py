"""The browser fixtures (one server and one Chromium per test module), shared by every test
file here; defined with the browser helpers in test_browser.py."""

from tests.browser.test_browser import browser, page, server  # noqa: F401
