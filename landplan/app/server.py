"""Start the app's Streamlit server with the workspace preloaded.

``python -m landplan.app.server run app.py [streamlit options] -- --workspace DIR`` is
``streamlit run`` with one addition: before the server answers (for up to
:data:`READY_WAIT_S`), the workspace is read into the app's caches
(:func:`landplan.app.data.load_park`), the rules parsed and the modules of the first script
run imported; for parks up to :data:`EVALUATE_BEFORE_READY` parcels the
evaluation at today's date and the latest ledger year (the sidebar's defaults) is done too.
The first planner to open the page then finds everything ready, and the server does not
compete with itself for the interpreter while it sends the page (a page load that meets a
running evaluation waits for the GIL on every message and file it is sent). The caches are the
process-wide ``st.cache_resource`` ones the pages use, so nothing is computed twice.
``landplan app`` and ``make app`` start the app this way.

Parks up to :data:`EVALUATE_UP_TO` parcels are evaluated after the server answers, once a page
has sent its map (:func:`map_sent`) or after :data:`EVALUATE_AFTER_S` seconds without one
(the map needs the parcels only); bigger parks are evaluated by the page that needs it.

The server's connections also send without Nagle's delay (:func:`tcp_nodelay`).

``landplan app`` runs this module as a child process (:func:`serve`) and passes SIGTERM,
SIGINT and SIGHUP on to it, so that stopping the command stops the server (before, the
command died and its server went on serving the port).

The server listens on ``127.0.0.1`` unless ``--server.address`` (``landplan app --address``)
says otherwise, and refuses to listen beyond loopback without the app's password
(:mod:`landplan.app.auth`); Streamlit's ``server.maxUploadSize`` is the app's own
:data:`MAX_UPLOAD_MB` (:func:`streamlit_args`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path

__all__ = ["preload", "main", "map_sent", "tcp_nodelay", "streamlit_args", "serve", "READY_WAIT_S",
           "EVALUATE_BEFORE_READY", "EVALUATE_UP_TO", "EVALUATE_AFTER_S", "MAX_UPLOAD_MB",
           "STOP_WAIT_S"]

log = logging.getLogger(__name__)

MAX_UPLOAD_MB = 200
"""Largest upload the app accepts, in MB: Streamlit's ``server.maxUploadSize`` (set by
:func:`streamlit_args`) and the data page's own check (:mod:`landplan.app.transfer`)."""

READY_WAIT_S = 3.0
"""The server answers after the preload's first part (park, rules, imports, a small park's
evaluation: 1.2 s for the 300-parcel demo), or after this many seconds: a big park's read goes
on while the server starts (100,000 parcels: 5 s), and its first page waits for it."""

EVALUATE_BEFORE_READY = 2_000
"""Parks up to this many parcels are evaluated before the server answers (about a second at
2,000 parcels on the bench machine, half a second for the 300-parcel demo)."""

EVALUATE_UP_TO = 20_000
"""Parks up to this many parcels are evaluated by the preload (4 s at 20,000 parcels), after the
server answers. A bigger park's evaluation takes long enough to hold up the first map of a
planner who opens the page while it runs (one Python process: the map's message waits for the
interpreter), so it is left to the page, which starts it after the map has been drawn."""

EVALUATE_AFTER_S = 10.0
"""The preload's evaluation after the server answers starts when a page has sent its map, or
after this many seconds without one."""

STOP_WAIT_S = 15.0
"""After passing a stop signal on to the server (:func:`serve`), how long to wait for it to
end before killing it."""

_MAP_SENT = threading.Event()


def map_sent() -> None:
    """Say that a page has sent its map to the browser: the preload may evaluate now.

    Called by :func:`landplan.app.mapview.show_map` (cheap; any session, any page)."""
    _MAP_SENT.set()


def preload(workspace: Path, *, ready: threading.Event | None = None,
            wait_s: float = EVALUATE_AFTER_S):
    """Fill the app's caches for ``workspace``; returns (park, evaluation) or ``None``.

    Reads the park, parses the rules, imports the pages, evaluates a park of up to
    :data:`EVALUATE_BEFORE_READY` parcels, then sets ``ready`` (also when something fails);
    a park of up to :data:`EVALUATE_UP_TO` parcels is evaluated after that, once a page has
    sent its map (:func:`map_sent`) or after ``wait_s`` seconds. Errors are left for the page
    to show (it reads the workspace again and says what is wrong).
    """
    from .data import evaluation, load_park, rules_text, workspace_stamp

    def evaluate(park):
        path = park.path
        year = park.years[-1] if park.years else None
        return evaluation(path, workspace_stamp(path), dt.date.today(), year, rules_text(path))

    try:
        if not workspace.is_dir():
            return None
        path = str(workspace.resolve())
        park = load_park(path, workspace_stamp(path))
        if park.parcels.empty:
            return None
        _warm_imports()
        _warm_rules(workspace)
        table = evaluate(park) if len(park.parcels) <= EVALUATE_BEFORE_READY else None
        if ready is not None:
            ready.set()
        if table is None and len(park.parcels) <= EVALUATE_UP_TO:
            _MAP_SENT.wait(wait_s)
            table = evaluate(park)
        log.info("preloaded %s", path)
        return park, table
    except Exception:  # noqa: BLE001
        log.info("preloading %s failed; the page will report it", workspace, exc_info=True)
        return None
    finally:
        if ready is not None:
            ready.set()


def _warm_rules(workspace: Path) -> None:
    """Parse the shipped default rules once (cached), as the sidebar's first run would."""
    from ..errors import LandplanError
    from ..rules import load_rules

    try:
        load_rules(workspace)
    except LandplanError:  # a broken rules.yaml: the page says what is wrong
        log.info("preloading the rules of %s failed", workspace, exc_info=True)


#: Modules the first script run would import besides the pages: pydeck (the map), altair
#: (``st.bar_chart``), rasterio (the evaluation's terrain), Streamlit's icon tables
#: (``st.navigation``). Each is optional here: a missing one is imported, or reported, where used.
WARM_MODULES = ("pydeck", "altair", "rasterio", "rasterio.features", "streamlit.emojis",
                "streamlit.material_icon_names")


def _warm_imports() -> None:
    """Import what the first script run would (the pages, the map, pydeck, ...): the first
    page load then starts drawing at once."""
    import importlib

    from .pages import PAGES

    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            log.info("preloading %s failed", name, exc_info=True)
    for name, _icon in PAGES:
        try:
            importlib.import_module(f"{__package__}.pages.{name}")
        except ImportError:  # a page that cannot be imported says so when it is opened
            log.info("preloading page %s failed", name, exc_info=True)


def tcp_nodelay() -> bool:
    """Have the server's connections send without Nagle's delay; ``True`` when it applied
    (:func:`landplan._compat.streamlit_tcp_nodelay`, which patches a private Streamlit
    function and warns when this Streamlit differs)."""
    from .._compat import streamlit_tcp_nodelay

    return streamlit_tcp_nodelay()


def _option(args: list[str], name: str) -> str | None:
    """The value of ``--name VALUE`` or ``--name=VALUE`` in ``args`` (the last one), or ``None``."""
    value = None
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith(name + "="):
            value = arg[len(name) + 1:]
    return value


def streamlit_args(args: list[str], environ: Mapping[str, str]) -> list[str]:
    """The arguments of ``streamlit run`` for ``args``: the address made explicit, the upload
    limit the app's own, Streamlit's usage statistics off.

    The address is ``--server.address``, else ``$STREAMLIT_SERVER_ADDRESS``, else
    ``127.0.0.1`` (Streamlit's own default is every interface; its config files are not
    consulted); :func:`landplan.app.auth.check_serving` refuses one beyond loopback without
    a password. ``--server.maxUploadSize`` is set to :data:`MAX_UPLOAD_MB`; another value
    is refused, since the data page would refuse what the server let through.
    ``--browser.gatherUsageStats false`` unless given: the installed package's script has no
    ``.streamlit/config.toml`` beside it to say so, and no request leaves the machine.
    Raises :class:`~landplan.errors.LandplanError`.

    >>> streamlit_args(["run", "app.py", "--", "--workspace", "data"], {})
    ['run', 'app.py', '--server.address', '127.0.0.1', '--browser.gatherUsageStats', 'false', '--server.maxUploadSize', '200', '--', '--workspace', 'data']
    """
    from .auth import LOOPBACK, ServingError, check_serving

    cut = args.index("--") if "--" in args else len(args)
    options, rest = list(args[:cut]), list(args[cut:])
    if not options or options[0] != "run":
        return list(args)
    address = _option(options, "--server.address")
    if address is None:
        address = environ.get("STREAMLIT_SERVER_ADDRESS") or LOOPBACK
        options += ["--server.address", address]
    check_serving(address, environ)
    if _option(options, "--browser.gatherUsageStats") is None:  # no request leaves the machine
        options += ["--browser.gatherUsageStats", "false"]
    upload_mb = _option(options, "--server.maxUploadSize")
    if upload_mb is None:
        options += ["--server.maxUploadSize", str(MAX_UPLOAD_MB)]
    elif upload_mb.strip() != str(MAX_UPLOAD_MB):
        raise ServingError(f"Streamlit's server.maxUploadSize {upload_mb}: the app's upload limit is "
                           f"{MAX_UPLOAD_MB} MB (MAX_UPLOAD_MB in landplan/app/server.py), "
                           "and the server takes it from there; leave the option out")
    return options + rest


def serve(cmd: list[str], env: Mapping[str, str]) -> int:
    """Run the server command ``cmd`` as a child process until it ends; returns its exit
    status.

    SIGTERM, SIGINT and SIGHUP sent to this process are passed on to the server, which stops
    (Streamlit ends on each); one that has not ended :data:`STOP_WAIT_S` seconds after it is
    killed. The server runs in its own process group: Ctrl-C in a terminal reaches it once,
    through this process, not twice. Leaving this function any other way (an error here)
    also stops it.
    """
    import signal
    import subprocess

    proc = subprocess.Popen(cmd, env=dict(env), process_group=0)
    stopping: list[float] = []

    def forward(signum, _frame) -> None:
        if proc.poll() is None:
            proc.send_signal(signum)
            stopping.append(time.monotonic())

    names = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    previous = {name: signal.signal(name, forward) for name in names}
    try:
        while True:
            try:
                return proc.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                if stopping and time.monotonic() - stopping[0] > STOP_WAIT_S:
                    log.warning("the app's server did not stop within %.0f s; killing it",
                                STOP_WAIT_S)
                    proc.kill()
    finally:
        for name, handler in previous.items():
            signal.signal(name, handler)
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def main(argv: list[str] | None = None) -> None:
    """``streamlit`` with the workspace of the arguments after ``--`` preloaded, on
    ``127.0.0.1`` unless told otherwise (:func:`streamlit_args`)."""
    from ..errors import LandplanError
    from .session import demo_workspace, resolve_workspace

    try:
        args = streamlit_args(list(sys.argv[1:] if argv is None else argv), os.environ)
    except LandplanError as exc:  # one line and exit 2, as the command line does
        print(f"landplan: error: {exc}", file=sys.stderr)
        sys.exit(2)
    script_args = args[args.index("--") + 1:] if "--" in args else []
    app = next((Path(a) for a in args if a.endswith(".py")), Path("app.py"))
    # the workspace the script will find (landplan.app.main.run): the one named, else the
    # checkout's data/ beside app.py, else the demo park in the user's cache
    beside = app.resolve().parent / "data"
    workspace = resolve_workspace(script_args, os.environ, None) or (
        beside if beside.is_dir() else demo_workspace(os.environ))
    # the preload runs outside a script run: Streamlit warns "missing ScriptRunContext" for it
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(logging.ERROR)
    # the preload of the package's module, not of ``__main__`` (``python -m`` runs this file
    # as a second module): the pages' map_sent() must reach the Event that preload waits on
    from landplan.app import server
    from landplan.labels import lang_of_locale, t

    print(t("app.server.reading", lang_of_locale(), path=workspace), file=sys.stderr, flush=True)
    ready = threading.Event()
    threading.Thread(target=server.preload, args=(workspace,), kwargs={"ready": ready},
                     name="landplan-preload", daemon=True).start()
    from streamlit.web import cli

    ready.wait(READY_WAIT_S)  # the server answers once the park is read (a small one evaluated)
    tcp_nodelay()
    from .._compat import streamlit_component_cache

    streamlit_component_cache()  # the map's deck.gl bundle kept by the browser

    sys.argv = ["streamlit", *args]
    sys.exit(cli.main())


if __name__ == "__main__":  # pragma: no cover
    main()
