"""The house rules a newcomer relies on: small files, thin pages, and the layers of lib/ as
pyproject.toml's import contracts declare them."""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from lib.core.limits import MAX_UPLOAD_MB

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 400
MAX_PAGE_LINES = 120  # a page lays out what lib/ computes; logic lives in lib/


def lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


@pytest.mark.parametrize("path", sorted((ROOT / "lib").rglob("*.py")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_over_the_limit(path):
    assert lines(path) <= MAX_LINES, f"{path.relative_to(ROOT)}: split it by responsibility"


@pytest.mark.parametrize("path", sorted((ROOT / "pages").glob("*.py")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_are_thin(path):
    assert lines(path) <= MAX_PAGE_LINES, f"{path.relative_to(ROOT)}: move logic into lib/"


def test_layers_keep_their_import_contracts():
    """core <- analysis <- report <- app, store beside, Streamlit and Plotly where allowed:
    the contracts in pyproject.toml, checked by import-linter."""
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                          env=os.environ | {"PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


def test_server_upload_cap_is_the_declared_limit():
    """.streamlit/config.toml cannot read Python: the one copy of the limit is checked here."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == MAX_UPLOAD_MB
