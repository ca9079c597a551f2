"""Who can reach the app, and who can write through it (:mod:`landplan.app.auth`).

The real server is started as ``landplan app`` starts it (a subprocess of the command line,
which starts ``landplan.app.server``), and its listening socket read with psutil: 127.0.0.1
by default, so a connection to the machine's other addresses is refused. Beyond loopback it
refuses to start without a password (one line, exit 2). The writing pages (the data page's
upload and import, the settings page's rules form) are driven through AppTest with the server
option they read, ``server.address``, set to ``0.0.0.0``, and with a password configured.
"""

from __future__ import annotations

import doctest
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest
import yaml
from conftest import REPO_ROOT, _park_parcels, _park_roads, _stop, wait_healthy
from streamlit import config
from streamlit.testing.v1 import AppTest

from landplan import labels
from landplan.app import auth, server, transfer
from landplan.app.auth import PASSWORD_ENV, PASSWORD_FILE_ENV, ServingError
from landplan.app.i18n import t
from landplan.app.pages.settings import rule_field_key
from landplan.app.server import MAX_UPLOAD_MB, streamlit_args
from landplan.errors import InputFileError
from landplan.workspace import Workspace

APP = REPO_ROOT / "app.py"
PASSWORD = "园区-s3cret pass"  # not ASCII, with a space: compared as UTF-8 bytes


@pytest.fixture
def workspace(tmp_path) -> Path:
    path = tmp_path / "workspace"
    Workspace(path).write("parcels", _park_parcels())
    Workspace(path).write("roads", _park_roads())
    return path


@pytest.fixture
def no_password(monkeypatch):
    for name in (PASSWORD_ENV, PASSWORD_FILE_ENV, "STREAMLIT_SERVER_ADDRESS"):
        monkeypatch.delenv(name, raising=False)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {PASSWORD_ENV, PASSWORD_FILE_ENV, "LANDPLAN_WORKSPACE",
                        "STREAMLIT_SERVER_ADDRESS"}}
    env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    return {**env, **extra}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _other_addresses() -> list[str]:
    """This machine's IPv4 addresses that are not loopback."""
    return sorted({a.address for addrs in psutil.net_if_addrs().values() for a in addrs
                   if a.family == socket.AF_INET and not a.address.startswith("127.")})


def _listening(pid: int, port: int) -> set[str]:
    """Addresses the process ``pid`` and its children listen on at ``port``."""
    parent = psutil.Process(pid)
    found = set()
    for proc in [parent, *parent.children(recursive=True)]:
        try:
            conns = proc.net_connections(kind="inet")
        except psutil.NoSuchProcess:
            continue
        found |= {c.laddr.ip for c in conns
                  if c.status == psutil.CONN_LISTEN and c.laddr.port == port}
    return found


def _command_lines(pid: int) -> list[str]:
    parent = psutil.Process(pid)
    return [" ".join(p.cmdline()) for p in [parent, *parent.children(recursive=True)]]


#: How the app is started: ``landplan app`` (which starts the server module), and the server
#: module as ``make app`` runs it, without an address.
LAUNCHERS = {
    "landplan app": lambda port: ["-m", "landplan.cli", "app", "--port", str(port)],
    "make app": lambda port: ["-m", "landplan.app.server", "run", str(APP), "--server.headless",
                              "true", "--server.port", str(port)],
}


@pytest.fixture
def landplan_app(tmp_path):
    """Factory: start the app (``landplan app ARGS`` or the server as ``make app`` runs it) in a
    subprocess of its own session -> (process, port, log); every server stops at teardown."""
    procs: list[subprocess.Popen] = []

    def start(*args: str, launcher: str = "landplan app", env: dict[str, str] | None = None):
        port = _free_port()
        log = tmp_path / f"server-{port}.log"
        command = [sys.executable, *LAUNCHERS[launcher](port), *args]
        with open(log, "wb") as out:
            proc = subprocess.Popen(command, cwd=tmp_path, env=env or _env(), stdout=out,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
        procs.append(proc)
        return proc, port, log

    yield start
    for proc in procs:
        _stop(proc)


def _refused(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    """Run a start that should be refused; one that starts a server instead is stopped."""
    proc = subprocess.Popen([sys.executable, *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        _stop(proc)
        pytest.fail("the server started instead of refusing")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


# ------------------------------------------------------------------------------- the real server
@pytest.mark.slow
@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_the_app_listens_on_loopback_only_by_default(launcher, landplan_app, workspace):
    workspace_args = ["--", "--workspace"] if launcher == "make app" else ["--workspace"]
    proc, port, log = landplan_app(*workspace_args, str(workspace), launcher=launcher)
    wait_healthy(proc, f"http://127.0.0.1:{port}", log)
    assert _listening(proc.pid, port) == {"127.0.0.1"}
    for address in _other_addresses():  # e.g. eth0: nothing listens there
        with pytest.raises(ConnectionRefusedError), \
                socket.create_connection((address, port), timeout=5):
            pass


@pytest.mark.slow
def test_the_app_opened_with_a_password_file(landplan_app, workspace, tmp_path):
    secret = tmp_path / "app-password"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    proc, port, log = landplan_app("--workspace", str(workspace), "--address", "0.0.0.0",
                                   "--password-file", str(secret))
    wait_healthy(proc, f"http://127.0.0.1:{port}", log)
    assert _listening(proc.pid, port) == {"0.0.0.0"}
    for address in _other_addresses():
        with urllib.request.urlopen(f"http://{address}:{port}/_stcore/health", timeout=5) as r:
            assert r.read().strip() == b"ok"
    lines = _command_lines(proc.pid)
    assert any("--server.address 0.0.0.0" in line for line in lines)
    assert not any(PASSWORD in line for line in lines)  # ps shows the file's name only


@pytest.mark.parametrize("launcher, address", [
    ("landplan app", ["--address", "0.0.0.0"]),
    ("make app", ["--server.address", "0.0.0.0"]),
    ("make app", ["--server.address="]),  # Streamlit's "every interface"
])
def test_the_server_refuses_to_open_without_a_password(launcher, address, workspace, tmp_path):
    port = _free_port()
    workspace_args = ["--", "--workspace"] if launcher == "make app" else ["--workspace"]
    done = _refused([*LAUNCHERS[launcher](port), *address, *workspace_args, str(workspace)],
                    _env(), tmp_path)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("landplan: error: address ")
    assert PASSWORD_ENV in lines[0] and PASSWORD_FILE_ENV in lines[0] and "--" not in lines[0]
    said = done.stdout + done.stderr  # refused before reading the park, in either language
    assert "正在读取园区" not in said and "reading the park" not in said
    with socket.socket() as sock:  # and nothing listens
        sock.bind(("0.0.0.0", port))


@pytest.mark.parametrize("extra, env, message", [
    (["--password-file", "missing.txt"], {}, "missing.txt: the app's password file cannot be read"),
    ([], {PASSWORD_ENV: ""}, f"${PASSWORD_ENV} is set but empty"),
])
def test_a_broken_password_setting_is_refused_on_any_address(extra, env, message, workspace,
                                                             tmp_path):
    done = _refused([*LAUNCHERS["landplan app"](_free_port()), "--workspace", str(workspace),
                     *extra], _env(**env), tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr


# ------------------------------------------------------------------------------- arguments
def test_streamlit_args_bind_loopback_and_set_the_upload_limit():
    args = streamlit_args(["run", "app.py", "--server.port", "1", "--", "--workspace", "w"], {})
    assert args == ["run", "app.py", "--server.port", "1", "--server.address", "127.0.0.1",
                    "--browser.gatherUsageStats", "false", "--server.maxUploadSize", "200", "--",
                    "--workspace", "w"]
    assert MAX_UPLOAD_MB == transfer.MAX_UPLOAD_MB == 200  # one limit: the server's is the page's
    # Streamlit's own variable is the address when no flag gives one
    assert "0.0.0.0" in streamlit_args(["run", "app.py"], {"STREAMLIT_SERVER_ADDRESS": "0.0.0.0",
                                                           PASSWORD_ENV: "x"})
    given = ["run", "app.py", "--server.address=::1", "--browser.gatherUsageStats", "false",
             "--server.maxUploadSize", "200"]
    assert streamlit_args(given, {}) == given
    assert streamlit_args(["config", "show"], {}) == ["config", "show"]


@pytest.mark.parametrize("args, env, match", [
    (["run", "a.py", "--server.address", "0.0.0.0"], {}, "address 0.0.0.0: .*LANDPLAN_APP_PASSWORD"),
    (["run", "a.py", "--server.address=192.0.2.7"], {}, "address 192.0.2.7"),
    (["run", "a.py", "--server.address", "park.example"], {}, "address park.example"),
    (["run", "a.py"], {"STREAMLIT_SERVER_ADDRESS": "0.0.0.0"}, "address 0.0.0.0"),
    (["run", "a.py", "--server.maxUploadSize", "1000"], {},
     "maxUploadSize 1000: the app's upload limit is 200 MB"),
])
def test_streamlit_args_refusals(args, env, match):
    with pytest.raises(ServingError, match=match):
        streamlit_args(args, env)


@pytest.mark.parametrize("address, loopback", [
    ("127.0.0.1", True), ("127.8.9.1", True), ("localhost", True), ("::1", True),
    ("[::1]", True), ("0.0.0.0", False), ("::", False), ("", False), (None, False),
    ("192.0.2.2", False), ("park.example", False),
])
def test_is_loopback(address, loopback):
    assert auth.is_loopback(address) is loopback


def test_the_password_comes_from_the_variable_or_the_file(tmp_path):
    secret = tmp_path / "pw"
    secret.write_text(f"  {PASSWORD}  \nsecond line\n", encoding="utf-8")
    assert auth.configured_password({}) is None
    assert auth.configured_password({PASSWORD_FILE_ENV: str(secret)}) == PASSWORD
    assert auth.configured_password({PASSWORD_ENV: "env", PASSWORD_FILE_ENV: str(secret)}) == "env"
    secret.write_text("\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="pw, line 1: the app's password file is empty"):
        auth.configured_password({PASSWORD_FILE_ENV: str(secret)})
    secret.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputFileError, match="not UTF-8 text"):
        auth.configured_password({PASSWORD_FILE_ENV: str(secret)})
    assert auth.password_required("127.0.0.1", {}) is False
    assert auth.password_required("127.0.0.1", {PASSWORD_ENV: "x"}) is True
    assert auth.password_required("0.0.0.0", {}) is True


@pytest.mark.parametrize("module", [auth, server])
def test_doctests(module):
    assert doctest.testmod(module, raise_on_error=False).failed == 0


# ------------------------------------------------------------------------------- the pages
@pytest.fixture
def served_on(no_password):
    """Set Streamlit's ``server.address`` (what a running server binds) for AppTest runs."""
    before = config.get_option("server.address")

    def serve(address: str | None) -> None:
        config.set_option("server.address", address)

    yield serve
    config.set_option("server.address", before)


def _page(workspace: Path, page: str, monkeypatch) -> AppTest:
    monkeypatch.setenv("LANDPLAN_WORKSPACE", str(workspace))
    monkeypatch.setattr(sys, "argv", [str(APP)])
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    at.switch_page(f"landplan/app/pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _button(at: AppTest, label_key: str):
    return next(b for b in at.button if b.label == t(label_key, "zh"))


def _unlock(at: AppTest, password: str) -> AppTest:
    at.text_input(key="auth_password").input(password)
    return _button(at, "auth.unlock").click().run()


def _upload(at: AppTest, source: Path) -> AppTest:
    at.file_uploader(key="data_upload").upload(source.name, source.read_bytes(),
                                               "application/geo+json")
    at.run()
    return at.button(key="data_run_import").click().run()


def test_loopback_without_a_password_writes_as_before(workspace, served_on, monkeypatch):
    served_on("127.0.0.1")
    at = _page(workspace, "settings", monkeypatch)
    assert not any(ti.key == "auth_password" for ti in at.text_input)
    at.text_input(key=rule_field_key("idle.fee_rate")).set_value("0.3")
    _button(at, "settings.save").click().run()
    assert yaml.safe_load((workspace / "rules.yaml").read_text(encoding="utf-8")) == \
        {"idle": {"fee_rate": 0.3}}


def test_open_address_without_a_password_never_writes(workspace, served_on, monkeypatch,
                                                      park_parcels, tmp_path):
    served_on("0.0.0.0")  # a plain `streamlit run app.py --server.address 0.0.0.0`
    before = {p: p.stat().st_mtime_ns for p in workspace.rglob("*") if p.is_file()}
    at = _page(workspace, "data", monkeypatch)
    assert len(at.warning) == 1 and PASSWORD_ENV in at.warning[0].value
    assert at.warning[0].value == t("auth.no_password", "zh", env=PASSWORD_ENV,
                                    address="127.0.0.1")
    assert not at.get("file_uploader")  # no upload at all
    assert len(at.get("download_button")) == 7  # downloads are reading: open
    at.switch_page("landplan/app/pages/settings.py").run()
    assert not at.exception
    assert len(at.warning) == 1 and PASSWORD_ENV in at.warning[0].value
    assert all(ti.disabled for ti in at.text_input if (ti.key or "").startswith("rule:"))
    assert all(sb.disabled for sb in at.selectbox if (sb.key or "").startswith("rule:"))
    save = _button(at, "settings.save")
    assert save.disabled
    save.proto.disabled = False  # a client that ignores `disabled` (a crafted message) ...
    save.click().run()  # ... still writes nothing
    assert not at.exception and not at.success
    after = {p: p.stat().st_mtime_ns for p in workspace.rglob("*") if p.is_file()}
    assert after == before and not (workspace / "rules.yaml").exists()


def test_the_password_unlocks_writing_for_the_session(workspace, served_on, monkeypatch,
                                                      park_parcels, tmp_path):
    served_on("0.0.0.0")
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    source = tmp_path / "宗地.geojson"
    park_parcels.iloc[:4].to_crs(4326).to_file(source, driver="GeoJSON")
    at = _page(workspace, "settings", monkeypatch)
    assert [ti.label for ti in at.text_input if ti.key == "auth_password"] == \
        [t("auth.password", "zh")]
    assert _button(at, "settings.save").disabled

    started = time.monotonic()
    _unlock(at, PASSWORD + " ")  # wrong: still locked, after a delay
    assert time.monotonic() - started >= auth.WRONG_PASSWORD_DELAY_S
    assert [e.value for e in at.error] == [t("auth.wrong", "zh")]
    assert _button(at, "settings.save").disabled
    assert not (workspace / "rules.yaml").exists()

    _unlock(at, PASSWORD)
    assert not at.error and not any(ti.key == "auth_password" for ti in at.text_input)
    assert not _button(at, "settings.save").disabled
    at.text_input(key=rule_field_key("idle.fee_rate")).set_value("0.3")
    _button(at, "settings.save").click().run()
    assert at.success and "rules.yaml" in at.success[0].value
    assert yaml.safe_load((workspace / "rules.yaml").read_text(encoding="utf-8")) == \
        {"idle": {"fee_rate": 0.3}}

    # the same session: the data page's upload without asking again
    at.switch_page("landplan/app/pages/data.py").run()
    assert not any(ti.key == "auth_password" for ti in at.text_input)
    _upload(at, source)
    assert not at.exception and not at.error
    assert labels.t("import.counts", "zh", read=4, imported=4, repaired=0, rejected=0) in at.code[0].value
    assert len(Workspace(workspace).read("parcels")) == 4


def test_a_new_session_asks_again_and_english_labels(workspace, served_on, monkeypatch):
    served_on("127.0.0.1")  # a password configured is asked for on loopback too
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    at = _page(workspace, "data", monkeypatch)
    _unlock(at, PASSWORD)
    assert at.get("file_uploader")
    again = _page(workspace, "data", monkeypatch)  # another browser: another session
    assert not again.get("file_uploader")
    again.selectbox(key="lang").set_value("en").run()
    assert [ti.label for ti in again.text_input if ti.key == "auth_password"] == ["App password"]
    assert any(b.label == "Unlock writing" for b in again.button)


def test_a_broken_password_file_keeps_writing_off(workspace, served_on, monkeypatch, tmp_path):
    served_on("127.0.0.1")
    monkeypatch.setenv(PASSWORD_FILE_ENV, str(tmp_path / "gone"))
    at = _page(workspace, "data", monkeypatch)
    assert not at.get("file_uploader")
    assert len(at.error) == 1 and "gone: the app's password file cannot be read" in at.error[0].value
