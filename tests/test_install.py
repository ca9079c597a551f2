"""The installed package starts its app: a wheel built from this tree, installed into a fresh
venv outside the checkout, runs ``landplan app`` from an empty folder; the server answers,
the page draws in Chromium, and what ran is the installed package (not this checkout) on the
demo park it wrote to the user's cache.

The venv gets landplan from the wheel and nothing else; its dependencies come from the
checkout's venv through a ``.pth`` path line (no network here). A path line does not run that
folder's own ``.pth`` files, so the checkout's editable install of landplan is not seen.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import _stop, wait_healthy

REPO = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _run(cmd: list, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{cmd}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A venv outside the checkout with landplan installed from a wheel of this tree."""
    root = tmp_path_factory.mktemp("install")
    src = root / "src"  # a copy: building in the checkout would write build/ into it
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, src / name)
    shutil.copytree(REPO / "landplan", src / "landplan",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
          "-w", root / "dist", src])
    wheel = next((root / "dist").glob("landplan-*.whl"))
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", venv])
    site = Path(_run([venv / "bin" / "python", "-c",
                      "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "checkout_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([venv / "bin" / "python", "-m", "pip", "install", "--no-deps", "--no-index", "-q", wheel])
    return venv


def test_wheel_has_the_app_and_its_data(installed):
    where = _run([installed / "bin" / "python", "-c",
                  "import landplan, landplan.app.main as m, landplan.labels as l; "
                  "print(landplan.__file__); print(m.SCRIPT); print(l.t('app.app.title', 'zh'))"],
                 cwd=installed.parent).stdout.split("\n")
    assert str(installed) in where[0] and str(REPO) not in where[0]
    assert Path(where[1]).is_file() and str(installed) in where[1]
    assert where[2].strip()  # the catalogue (package data) is in the wheel


def test_installed_landplan_app_starts_on_the_demo_park(installed, tmp_path, free_port,
                                                         chromium_browser):
    empty = tmp_path / "elsewhere"  # no data/ here: the app writes and opens the demo park
    empty.mkdir()
    cache = tmp_path / "cache"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("STREAMLIT_", "LANDPLAN_", "VIRTUAL_ENV"))}
    env.update(XDG_CACHE_HOME=str(cache), HOME=str(tmp_path),
               PATH=f"{installed / 'bin'}:{env.get('PATH', '')}")
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([installed / "bin" / "landplan", "app", "--port", str(free_port)],
                                cwd=empty, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{free_port}"
        wait_healthy(proc, url, log, timeout=120)
        park = next(cache.glob("landplan/demo-*"))
        assert (park / "parcels" / "parcels.gpkg").is_file()
        assert str(park) in log.read_text()  # the server read the park it wrote
        page = chromium_browser.new_page()
        try:
            page.goto(url, timeout=60_000)
            page.get_by_text("园区土地规划").first.wait_for(timeout=60_000)
            page.get_by_text("宗").first.wait_for(timeout=60_000)  # the overview's counts
            assert "Traceback" not in page.content()
        finally:
            page.close()
    finally:
        _stop(proc)
    assert not list(empty.iterdir())  # nothing written where it was started
