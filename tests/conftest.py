"""Shared fixtures: small workspaces built in code, the demo park, a free port, Chromium.

Fixtures here are generic: add new ones beside them rather than specialising these.

- ``repo_root``: the repository folder (where ``app.py`` and ``data/`` are).
- ``park_parcels`` / ``park_roads``: a small park in EPSG:4527 (CGCS2000 GK zone 39, eastings
  prefixed with the zone, 39_5xx_xxx): 9 parcels covering every status, one without status,
  a two-part parcel, a parcel with a hole and one without a holder; 6 roads of every grade
  and status. Function-scoped copies, safe to modify.
- ``park_workspace``: a workspace folder (session-scoped, GeoPackage) holding exactly those
  two layers, written with :meth:`landplan.workspace.Workspace.write`. Do not write into it.
- ``parcels_only_workspace``: the same parcels and no roads layer.
- ``empty_workspace``: an existing, empty folder.
- ``demo_workspace``: the demo park: ``data/`` when it holds parcels, else one written by
  ``landplan.demo.write_demo`` into a temporary folder; skipped while ``landplan.demo``
  does not exist.
- ``free_port``: a TCP port free on 127.0.0.1 at the time of the call.
- ``chromium_executable``: Debian's Chromium; skips when missing (fails under ``CI``).
- ``chromium_browser``: a headless Chromium driven by Playwright (session-scoped), launched
  from Debian's binary with the flags this machine needs (never ``playwright install``).
- ``streamlit_app``: a factory ``streamlit_app(workspace) -> url`` that starts
  ``streamlit run app.py -- --workspace DIR`` on 127.0.0.1 and stops it at teardown.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, MultiPolygon, Polygon, box

from landplan.workspace import Workspace

REPO_ROOT = Path(__file__).resolve().parent.parent

#: Lower-left corner of the small park (EPSG:4527: zone 39 prefixed to the easting).
PARK_X0, PARK_Y0 = 39_512_000.0, 3_521_000.0


def _park_parcels() -> gpd.GeoDataFrame:
    x0, y0 = PARK_X0, PARK_Y0

    def cell(i: int, j: int, w: float = 180.0, h: float = 120.0):
        return box(x0 + 200 * i, y0 + 150 * j, x0 + 200 * i + w, y0 + 150 * j + h)

    with_hole = Polygon(
        [(x0 + 400, y0 + 300), (x0 + 580, y0 + 300), (x0 + 580, y0 + 420), (x0 + 400, y0 + 420)],
        [[(x0 + 460, y0 + 340), (x0 + 520, y0 + 340), (x0 + 520, y0 + 380), (x0 + 460, y0 + 380)]],
    )
    two_parts = MultiPolygon([box(x0, y0 + 300, x0 + 80, y0 + 420),
                              box(x0 + 100, y0 + 300, x0 + 180, y0 + 420)])
    rows = [
        # parcel_id, holder, status, land_use, industry, invested_wan, supply_date, leveled, geom
        ("HF-001", "合肥甲科技有限公司", "reserve", "100101", None, None, None, None, cell(0, 0)),
        ("HF-002", "安徽乙新材料股份有限公司", "supplied", "100102", "26", 0.0, "2022-03-01",
         True, cell(1, 0)),
        ("HF-003", "丙精密机械(合肥)有限公司", "under_construction", "100101", "34", 5200.5,
         "2021-06-15", True, cell(2, 0)),
        ("HF-004", "丁电子有限公司", "completed", "100101", "39", 12000.0, "2019-11-30", True,
         cell(0, 1)),
        ("HF-005", "戊汽车零部件有限公司", "in_production", "100102", "36", 30500.0, "2016-05-20",
         True, cell(1, 1)),
        ("HF-006", "己化工有限公司", "halted", "100103", "26", 800.0, "2018-01-10", False,
         cell(2, 1)),
        ("HF-007", None, None, "1101", None, None, None, None, two_parts),
        ("HF-008", "庚物流有限公司", "in_production", "110102", "59", 4100.0, "2017-09-01", True,
         with_hole),
        ("HF-009", "Xin & Sons <Ltd>", "supplied", "100101", "39", None, "2023-12-31", None,
         cell(3, 0)),
    ]
    cols = ["parcel_id", "holder", "status", "land_use", "industry_code", "invested_wan",
            "supply_date", "site_leveled", "geometry"]
    frame = pd.DataFrame(rows, columns=cols)
    frame["supply_date"] = pd.to_datetime(frame["supply_date"])
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4527")


def _park_roads() -> gpd.GeoDataFrame:
    x0, y0 = PARK_X0, PARK_Y0
    rows = [
        ("R1", "繁华大道", "arterial", 40.0, "built", [(x0 - 30, y0 - 20), (x0 + 800, y0 - 20)]),
        ("R2", "始信路", "secondary", None, "built", [(x0 + 190, y0 - 20), (x0 + 190, y0 + 440)]),
        ("R3", "天都路", "branch", 12.0, "under_construction",
         [(x0 - 10, y0 + 135), (x0 + 780, y0 + 135)]),
        ("R4", "规划一路", "branch", None, "planned", [(x0 + 790, y0 - 20), (x0 + 790, y0 + 440)]),
        ("R5", "快速路", "expressway", None, "built", [(x0 - 60, y0 - 60), (x0 - 60, y0 + 460)]),
        ("R6", None, None, None, None, [(x0 + 390, y0 + 280), (x0 + 600, y0 + 280)]),
    ]
    frame = pd.DataFrame([r[:5] for r in rows], columns=["road_id", "name", "grade", "width_m",
                                                         "status"])
    return gpd.GeoDataFrame(frame, geometry=[LineString(r[5]) for r in rows], crs="EPSG:4527")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture
def park_parcels() -> gpd.GeoDataFrame:
    return _park_parcels()


@pytest.fixture
def park_roads() -> gpd.GeoDataFrame:
    return _park_roads()


@pytest.fixture(scope="session")
def park_workspace(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("park") / "workspace"
    ws = Workspace(path)
    ws.write("parcels", _park_parcels())
    ws.write("roads", _park_roads())
    return path


@pytest.fixture(scope="session")
def parcels_only_workspace(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("parcels_only") / "workspace"
    Workspace(path).write("parcels", _park_parcels())
    return path


@pytest.fixture(scope="session")
def empty_workspace(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("empty_workspace")


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory) -> Path:
    data = REPO_ROOT / "data"
    if Workspace(data).has("parcels"):
        return data
    from landplan.demo import write_demo

    path = tmp_path_factory.mktemp("demo") / "workspace"
    write_demo(path)
    return path


@pytest.fixture
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    for candidate in ("/usr/lib/chromium/chromium", shutil.which("chromium") or "",
                      "/usr/bin/chromium"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail("Debian chromium is not installed; `make test` installs it (apt-get install chromium)")


#: Flags for Debian's Chromium here: no sandbox as root, software GL, and none of the
#: background connections that this machine's closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]


@pytest.fixture(scope="session")
def chromium_browser(chromium_executable):
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_executable, args=CHROMIUM_ARGS,
                                     headless=True, timeout=60_000)
        try:
            yield browser
        finally:
            browser.close()


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)  # the server's own process group (start_new_session)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)


def wait_healthy(proc: subprocess.Popen, url: str, log: Path, timeout: float = 60.0) -> None:
    """Wait until the Streamlit server ``proc`` answers its health check at ``url``; fail with
    its ``log`` when it exits or does not answer within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.25)
    pytest.fail(f"streamlit did not answer within {timeout:.0f} s:\n{log.read_text()}")


@pytest.fixture
def streamlit_app(tmp_path_factory):
    """Factory: start the app on a workspace, as ``landplan app`` does (landplan.app.server:
    the workspace preloaded while the server starts); returns its URL. Servers stop at teardown."""
    procs: list[subprocess.Popen] = []

    def start(workspace: Path, *, script: str = "app.py", timeout: float = 60.0) -> str:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        log = tmp_path_factory.mktemp("streamlit") / "server.log"
        env = {k: v for k, v in os.environ.items() if k != "LANDPLAN_WORKSPACE"}
        env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "landplan.app.server", "run", str(REPO_ROOT / script),
                 "--server.headless", "true", "--server.address", "127.0.0.1",
                 "--server.port", str(port), "--server.fileWatcherType", "none",
                 "--browser.gatherUsageStats", "false", "--", "--workspace", str(workspace)],
                cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
        procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        wait_healthy(proc, url, log, timeout)
        return url

    yield start
    for proc in procs:
        _stop(proc)


@pytest.fixture(scope="session")
def postgis():
    """A running PostGIS server (session-scoped, tests/postgis.py); fails when PostgreSQL/PostGIS
    are missing (``make test`` installs them)."""
    from postgis import postgis_session

    yield from postgis_session()


def file_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file below ``folder`` by relative path (a command left it unchanged?)."""
    import hashlib

    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def demo(tmp_path) -> Path:
    """A copy of the demo workspace in ``data/`` to change."""
    path = tmp_path / "ws"
    shutil.copytree(REPO_ROOT / "data", path)
    return path

