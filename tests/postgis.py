"""A throwaway PostgreSQL + PostGIS server for tests (imported by tests, not collected).

:class:`PostGIS` creates a temporary folder, runs ``initdb`` in it (as the ``postgres`` user
through ``runuser`` when the tests run as root: initdb refuses root), starts the server with
``pg_ctl`` on a free port of 127.0.0.1 and a Unix socket in that folder, creates a database
with the ``postgis`` extension, and at exit stops the server (``pg_ctl stop -m fast``) and
removes the folder, also when the start or the test failed.

The binaries come from Debian's ``postgresql-15`` and ``postgresql-15-postgis-3`` (in
``/usr/lib/postgresql/<version>/bin``, not on PATH); ``make test`` installs them
(``SYSDEPS_POSTGIS`` in the Makefile). Set ``LANDPLAN_PG_BINDIR`` to use other binaries.

::

    with PostGIS() as pg:
        engine = sqlalchemy.create_engine(pg.url)     # postgresql+psycopg://...
        with psycopg.connect(pg.dsn) as conn: ...

:func:`postgis_session` is the body of a session-scoped fixture: it turns a missing install
into ``pytest.fail`` naming ``make test`` (never a skip).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = ["PostGIS", "PostGISUnavailable", "find_bindir", "postgis_session"]

#: How long the server may take to start or stop (seconds); pg_ctl waits at most this long.
TIMEOUT_S = 60
INSTALL_HINT = (
    "`make test` installs them (apt-get install postgresql-15 postgresql-15-postgis-3, "
    "see SYSDEPS_POSTGIS in the Makefile)"
)


class PostGISUnavailable(RuntimeError):
    """The PostgreSQL binaries or the PostGIS extension are not installed."""


def _has_postgis(bindir: Path) -> bool:
    """Whether the server in ``bindir`` has the postgis extension installed."""
    try:
        sharedir = subprocess.run(
            [str(bindir / "pg_config"), "--sharedir"], capture_output=True, text=True,
            check=True, timeout=30,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        # Debian's layout without pg_config: /usr/lib/postgresql/15/bin -> /usr/share/postgresql/15
        sharedir = f"/usr/share/postgresql/{bindir.parent.name}"
    return Path(sharedir, "extension", "postgis.control").is_file()


def find_bindir() -> Path:
    """The newest PostgreSQL ``bin`` folder with initdb, pg_ctl and the postgis extension.

    Raises
    ------
    PostGISUnavailable
        When there is none.
    """
    env = os.environ.get("LANDPLAN_PG_BINDIR")
    candidates = [Path(env)] if env else sorted(
        (Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, reverse=True,
    )
    seen = []
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            seen.append(str(bindir))
            if _has_postgis(bindir):
                return bindir
    found = f"PostgreSQL in {', '.join(seen)} has no postgis extension" if seen else (
        "no PostgreSQL server binaries (initdb, pg_ctl) in "
        + (env or "/usr/lib/postgresql/*/bin"))
    raise PostGISUnavailable(f"PostGIS tests need a PostgreSQL server with PostGIS: {found}; "
                             + INSTALL_HINT)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostGIS:
    """A PostgreSQL server with PostGIS in a temporary folder, for the length of a ``with``.

    Attributes (set by ``__enter__``)
    ----------
    url : str
        SQLAlchemy URL, ``postgresql+psycopg://postgres@127.0.0.1:PORT/DBNAME``.
    dsn : str
        psycopg connection string (TCP on 127.0.0.1; no password: trust authentication).
    port : int
    socket_dir : Path
        Where the server's Unix socket is (``host=socket_dir`` connects through it).
    start_s, stop_s : float
        Seconds taken by initdb + start + createdb/extension, and by stop + clean-up.
    """

    def __init__(self, dbname: str = "landplan_test", *, bindir: Path | None = None) -> None:
        self.dbname = dbname
        self._bindir = bindir
        self.root: Path | None = None
        self.port = 0
        self.url = ""
        self.dsn = ""
        self.postgis_version = ""
        self.start_s = float("nan")
        self.stop_s = float("nan")
        self._started = False

    # -- helpers ------------------------------------------------------------------------
    @property
    def datadir(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        assert self.root is not None
        return self.root

    @property
    def logfile(self) -> Path:
        assert self.root is not None
        return self.root / "server.log"

    def _as_owner(self, argv: list[str]) -> list[str]:
        """``argv`` run as ``postgres`` when we are root (initdb and postgres refuse root)."""
        return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv

    def _run(self, argv: list[str], what: str) -> subprocess.CompletedProcess:
        proc = subprocess.run(self._as_owner(argv), capture_output=True, text=True,
                              cwd=self.root, timeout=TIMEOUT_S + 30, stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            raise RuntimeError(f"{what} failed (exit {proc.returncode}): {' '.join(argv)}\n"
                               f"{proc.stdout}{proc.stderr}{self._log_tail()}")
        return proc

    def _log_tail(self, lines: int = 30) -> str:
        try:
            text = self.logfile.read_text(errors="replace").splitlines()[-lines:]
        except (OSError, AssertionError):
            return ""
        return "\n--- server log (tail) ---\n" + "\n".join(text) if text else ""

    # -- life cycle ---------------------------------------------------------------------
    def __enter__(self) -> PostGIS:
        bindir = self._bindir or find_bindir()
        self._bindir = bindir
        t0 = time.perf_counter()
        # Short path: the Unix socket path must stay under ~107 bytes.
        self.root = Path(tempfile.mkdtemp(prefix="landplan-pg-", dir="/tmp"))
        try:
            if os.geteuid() == 0:
                shutil.chown(self.root, "postgres", "postgres")
            self._run([str(bindir / "initdb"), "-D", str(self.datadir), "-A", "trust",
                       "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"], "initdb")
            self._start(bindir)
            self._create_database()
        except BaseException:
            self._teardown()
            raise
        self.start_s = time.perf_counter() - t0
        return self

    def _start(self, bindir: Path, attempts: int = 3) -> None:
        # The free port can be taken between the check and the bind: try a few ports.
        for attempt in range(attempts):
            self.port = _free_port()
            opts = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.socket_dir} "
                    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
            try:
                self._run([str(bindir / "pg_ctl"), "-D", str(self.datadir), "-l",
                           str(self.logfile), "-w", "-t", str(TIMEOUT_S), "-o", opts, "start"],
                          "pg_ctl start")
            except RuntimeError:
                self._stop_server()  # pg_ctl may have timed out with a postmaster running
                if attempt == attempts - 1 or "already in use" not in self._log_tail(200):
                    raise
                continue
            self._started = True
            break
        self.dsn = f"host=127.0.0.1 port={self.port} user=postgres dbname={self.dbname}"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{self.dbname}"

    def _create_database(self) -> None:
        import psycopg

        admin = f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"
        deadline = time.monotonic() + TIMEOUT_S
        while True:  # pg_ctl -w already waited; this only covers a slow first connection
            try:
                conn = psycopg.connect(admin, autocommit=True, connect_timeout=5)
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        with conn:
            conn.execute(f'CREATE DATABASE "{self.dbname}"')
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
            self.postgis_version = conn.execute("SELECT postgis_full_version()").fetchone()[0]

    def _postmaster_pid(self) -> int | None:
        try:
            return int((self.datadir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def _stop_server(self) -> None:
        if self._bindir is None or self.root is None or not self.datadir.exists():
            return
        pid = self._postmaster_pid()
        if pid is None:
            return
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(self._as_owner([str(self._bindir / "pg_ctl"), "-D", str(self.datadir),
                                           "-w", "-t", str(TIMEOUT_S), "-m", "fast", "stop"]),
                           capture_output=True, cwd=self.root, timeout=TIMEOUT_S + 30,
                           stdin=subprocess.DEVNULL)
        # Still there (pg_ctl failed or timed out): end our own postmaster by its pid.
        deadline = time.monotonic() + 10
        sig = signal.SIGQUIT
        while self._postmaster_pid() == pid:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                break
            if time.monotonic() > deadline:
                sig = signal.SIGKILL
            time.sleep(0.2)
            if sig == signal.SIGKILL and time.monotonic() > deadline + 5:
                break

    def _teardown(self) -> None:
        try:
            self._stop_server()
        finally:
            self._started = False
            if self.root is not None:
                shutil.rmtree(self.root, ignore_errors=True)

    def __exit__(self, *exc) -> None:
        t0 = time.perf_counter()
        self._teardown()
        self.stop_s = time.perf_counter() - t0

    def __repr__(self) -> str:
        state = f"running on 127.0.0.1:{self.port}" if self._started else "stopped"
        return f"PostGIS({self.dbname!r}, {state})"


def postgis_session() -> Iterator[PostGIS]:
    """Body of a session-scoped fixture: a running :class:`PostGIS`; fails (no skip) when
    PostgreSQL or PostGIS is not installed.

    ::

        @pytest.fixture(scope="session")
        def postgis():
            yield from postgis_session()
    """
    server = PostGIS()
    try:
        server.__enter__()
    except PostGISUnavailable as exc:
        missing = str(exc)
    else:
        missing = ""
    if missing:
        pytest.fail(missing, pytrace=False)
    try:
        yield server
    finally:
        server.__exit__(None, None, None)
