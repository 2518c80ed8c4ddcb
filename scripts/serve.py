"""Start the Streamlit server for app.py: `python scripts/serve.py [streamlit run options]`.

app.py builds its navigation with st.navigation from the scripts in pages/. Streamlit 1.67
still treats a pages/ folder as the legacy multipage layout until some session has run app.py,
so the first visitor after a restart who opens a deep link (/supply) would get a "Page not
found" dialog. Declaring the new layout before the server starts avoids that. Streamlit has no
supported switch for it (no config option; pages/ next to the entry script is what it checks),
so this sets the private class flag that st.navigation itself sets on its first call;
tests/test_serve.py fails if a Streamlit upgrade renames the flag or changes what it does.

It also fills the model's per-process caches (export-rule masks, chip table, the default run;
about 4 s) before the first visitor arrives, rather than during that visitor's first page.
"""

from __future__ import annotations

import sys
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web.cli import main

ROOT = Path(__file__).resolve().parent.parent


def use_navigation_mode() -> None:
    """PagesManager.uses_pages_directory = False, as st.navigation's first call would set it."""
    if "uses_pages_directory" not in vars(PagesManager):
        print("serve.py: Streamlit has no PagesManager.uses_pages_directory any more; deep links "
              "may show 'Page not found' after a restart (see tests/test_serve.py)",
              file=sys.stderr)
    PagesManager.uses_pages_directory = False


def check_mode() -> None:
    """Refuse to start with a deployment mode the app does not know (CHOKEPOINT_MODE, declared
    in lib/app/access.py): a typo must not leave an operator guessing which mode runs."""
    sys.path.insert(0, str(ROOT))
    from lib.app.access import ModeError, mode

    try:
        mode()
    except ModeError as exc:
        print(f"serve.py: {exc}", file=sys.stderr)
        sys.exit(2)


def warm_up() -> None:
    sys.path.insert(0, str(ROOT))
    try:
        from lib.core.runs import run
        from lib.core.scenario import Scenario

        run(Scenario())
    except Exception as exc:  # damaged data: the app itself shows the message to visitors
        print(f"serve.py: warm-up skipped: {type(exc).__name__}: {exc}", file=sys.stderr)


if __name__ == "__main__":
    check_mode()
    use_navigation_mode()
    warm_up()
    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *sys.argv[1:]]
    sys.exit(main())
