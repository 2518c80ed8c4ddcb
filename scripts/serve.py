"""Start the Streamlit server for app.py: `python scripts/serve.py [streamlit run options]`.

app.py builds its navigation with st.navigation from the scripts in pages/. Streamlit 1.67
still treats a pages/ folder as the legacy multipage layout until some session has run app.py,
so the first visitor after a restart who opens a deep link (/supply) would get a "Page not
found" dialog. Declaring the new layout before the server starts avoids that.

It also fills the model's per-process caches (export-rule masks, chip table, the default run;
about 4 s) before the first visitor arrives, rather than during that visitor's first page.
"""

from __future__ import annotations

import sys
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web.cli import main

from lib.core.runs import run
from lib.core.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent


def warm_up() -> None:
    sys.path.insert(0, str(ROOT))
    try:

        run(Scenario())
    except Exception as exc:  # damaged data: the app itself shows the message to visitors
        print(f"serve.py: warm-up skipped: {type(exc).__name__}: {exc}", file=sys.stderr)


if __name__ == "__main__":
    PagesManager.uses_pages_directory = False
    warm_up()
    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *sys.argv[1:]]
    sys.exit(main())
