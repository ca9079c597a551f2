"""Start the app's Streamlit server with the workspace preloaded.

``python -m landplan.app.server run app.py [streamlit options] -- --workspace DIR`` is
``streamlit run`` with one addition: while the server starts, a background thread imports the
library, the pages and pydeck and fills the app's caches for the workspace (:func:`landplan.app.data.load_park`, and
for parks up to :data:`EVALUATE_UP_TO` parcels the evaluation at today's date and the latest
ledger year, the sidebar's defaults). The first planner to open the page then finds the park
read instead of waiting for it; the caches are the process-wide ``st.cache_resource``
ones the pages use, so nothing is computed twice (a page arriving during the preload waits for
the same computation). ``landplan app`` and ``make app`` start the app this way.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import threading
from pathlib import Path

__all__ = ["preload", "main", "EVALUATE_UP_TO"]

log = logging.getLogger(__name__)

EVALUATE_UP_TO = 20_000
"""Parks up to this many parcels are also evaluated by the preload (a second or two). A bigger
park's evaluation takes long enough to hold up the first map of a planner who opens the page
while it runs (one Python process: the map's message waits for the interpreter), so it is left
to the page, which starts it after the map has been drawn."""


def preload(workspace: Path):
    """Fill the app's caches for ``workspace``; returns (park, evaluation) or ``None``.

    Errors are left for the page to show (it reads the workspace again and says what is wrong).
    """
    from .data import evaluation, load_park, rules_text, workspace_stamp

    try:
        if not workspace.is_dir():
            return None
        path = str(workspace.resolve())
        park = load_park(path, workspace_stamp(path))
        if park.parcels.empty:
            return None
        table = None
        if len(park.parcels) <= EVALUATE_UP_TO:
            year = park.years[-1] if park.years else None
            table = evaluation(path, workspace_stamp(path), dt.date.today(), year, rules_text(path))
        _import_pages()
        log.info("preloaded %s", path)
        return park, table
    except Exception:  # noqa: BLE001
        log.info("preloading %s failed; the page will report it", workspace, exc_info=True)
        return None


def _import_pages() -> None:
    """Import what the first script run would (the pages, the map, pydeck): the first page
    load then starts drawing at once."""
    import importlib

    import pydeck  # noqa: F401

    from .pages import PAGES

    for name, _icon in PAGES:
        try:
            importlib.import_module(f"{__package__}.pages.{name}")
        except ImportError:  # a page that cannot be imported says so when it is opened
            log.info("preloading page %s failed", name, exc_info=True)


def main(argv: list[str] | None = None) -> None:
    """``streamlit`` with the workspace of the arguments after ``--`` preloaded."""
    from .session import resolve_workspace

    args = list(sys.argv[1:] if argv is None else argv)
    script_args = args[args.index("--") + 1:] if "--" in args else []
    app = next((Path(a) for a in args if a.endswith(".py")), Path("app.py"))
    workspace = resolve_workspace(script_args, os.environ, app.resolve().parent / "data")
    # the preload runs outside a script run: Streamlit warns "missing ScriptRunContext" for it
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(logging.ERROR)
    threading.Thread(target=preload, args=(workspace,), name="landplan-preload", daemon=True).start()
    from streamlit.web import cli

    sys.argv = ["streamlit", *args]
    sys.exit(cli.main())


if __name__ == "__main__":  # pragma: no cover
    main()
