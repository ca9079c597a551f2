"""One writer at a time: the workspace lock.

Two clerks editing one park at once (two ``landplan update``, an app upload during a
``landplan split``) each read the parcels, change them and write them back; without a lock the
second write silently drops the first edit. Every change to a workspace therefore runs under
its lock, from the read it is based on to the last file written:

- a **folder** workspace: an exclusive ``flock`` on ``<workspace>/.landplan.lock``. The kernel
  releases it when the holder's process ends, however it ends, so a killed command never
  leaves the workspace locked. The file names the holder (pid, command, since when) for the
  busy message; it is not removed. (``flock`` works on local disks; on a network share it may
  not lock across machines: keep a shared workspace in PostGIS.)
- a **PostGIS** workspace: a session-level advisory lock (``pg_try_advisory_lock``) on a
  connection of its own, named by the schema; the holder is read from ``pg_stat_activity``.

A writer that finds the lock taken waits up to :data:`LOCK_WAIT_S` seconds (environment
variable ``LANDPLAN_LOCK_WAIT_S``, or ``wait_s=``) and then gives up with
:class:`WorkspaceBusyError`: ``workspace busy: … is being changed by landplan update … (pid
1234) since 14:32:05; nothing was written, try again when it has finished``.

Taking the lock of a folder also repairs what a killed writer left
(:func:`landplan.io.atomic.recover`): a change interrupted after its commit point is
finished, temporary files of dead processes are removed; each repair is logged as a warning.

The lock is re-entrant within a thread (an edit holds it and its ``Workspace.write`` takes it
again) and exclusive between threads (each app session is a thread) and processes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

from ..errors import WorkspaceError
from ..io.atomic import recover
from .command import current_command

__all__ = ["LOCK_FILE", "LOCK_WAIT_S", "WorkspaceBusyError", "WorkspaceChangedError",
           "workspace_lock", "holds_lock"]

log = logging.getLogger("landplan.lock")

#: The lock file of a folder workspace.
LOCK_FILE = ".landplan.lock"
#: Seconds a writer waits for another one to finish before giving up.
LOCK_WAIT_S = 30.0
#: Advisory lock class of landplan's PostGIS workspaces (the other key is the schema's CRC-32).
PG_LOCK_CLASS = 0x4C50  # "LP"
_POLL_S = 0.05
#: Subfolders of a folder workspace where a killed writer's temporary files are looked for.
RECOVERED_FOLDERS = ("parcels", "networks", "terrain")


class WorkspaceBusyError(WorkspaceError):
    """Another process or session is changing the workspace; nothing was written."""


class WorkspaceChangedError(WorkspaceError):
    """A layer was written by someone else after the frame being written was read from it."""


_held = threading.local()  # key -> depth, per thread


def _depths() -> dict[str, int]:
    if not hasattr(_held, "depth"):
        _held.depth = {}
    return _held.depth


def holds_lock(workspace) -> bool:
    """Whether this thread holds ``workspace``'s lock."""
    return _depths().get(lock_key(workspace), 0) > 0


def lock_key(workspace) -> str:
    """What identifies a workspace's lock: its folder, resolved, or its database and schema."""
    url = getattr(workspace, "url", None)
    if url is not None:
        return f"{getattr(workspace, 'display', url)}#{getattr(workspace, 'schema', 'public')}"
    return str(Path(getattr(workspace, "path", workspace)).resolve())


def _wait_s(wait_s: float | None) -> float:
    if wait_s is not None:
        return max(0.0, float(wait_s))
    env = os.environ.get("LANDPLAN_LOCK_WAIT_S")
    try:
        return max(0.0, float(env)) if env else LOCK_WAIT_S
    except ValueError:
        raise WorkspaceError(f"LANDPLAN_LOCK_WAIT_S={env[:40]!r}: give a number of seconds") from None


def _holder(what: str | None) -> dict:
    return {"pid": os.getpid(), "command": (what or current_command())[:200],
            "since": dt.datetime.now().astimezone().isoformat(timespec="seconds")}


def _busy(shown: str, holder: dict | None, waited: float) -> WorkspaceBusyError:
    who = "another writer"
    if holder:
        when = str(holder.get("since") or "")
        with contextlib.suppress(ValueError):
            when = dt.datetime.fromisoformat(when).strftime("%Y-%m-%d %H:%M:%S")
        who = f"{holder.get('command') or 'a landplan command'} (pid {holder.get('pid', '?')})"
        who += f" since {when}" if when else ""
    return WorkspaceBusyError(f"workspace busy: {shown} is being changed by {who}; waited "
                              f"{waited:g} s, nothing was written: try again when it has finished")


@contextlib.contextmanager
def workspace_lock(workspace, *, wait_s: float | None = None, what: str | None = None) -> Iterator[None]:
    """Hold ``workspace``'s writer lock for the block (re-entrant in a thread).

    Parameters
    ----------
    workspace : Workspace or path
    wait_s : float, optional
        How long to wait for another writer (default :data:`LOCK_WAIT_S` or
        ``LANDPLAN_LOCK_WAIT_S``); 0 gives up at once.
    what : str, optional
        The holder's description shown to others (default: the command being run).

    Raises
    ------
    WorkspaceBusyError
        When another writer still holds the lock after ``wait_s``.
    """
    key = lock_key(workspace)
    depths = _depths()
    if depths.get(key, 0):
        depths[key] += 1
        try:
            yield
        finally:
            depths[key] -= 1
        return
    acquire = _pg_lock if getattr(workspace, "url", None) is not None else _file_lock
    with acquire(workspace, _wait_s(wait_s), _holder(what)):
        depths[key] = 1
        try:
            yield
        finally:
            depths.pop(key, None)


@contextlib.contextmanager
def _file_lock(workspace, wait_s: float, holder: dict) -> Iterator[None]:
    folder = Path(getattr(workspace, "path", workspace))
    start = time.monotonic()
    made: list[Path] = []
    while True:
        made = made or [p for p in (folder, *folder.parents) if not p.exists()]
        fd = _open_lock_file(folder)
        try:
            if _flock(fd, folder, start, wait_s):
                break  # held, on the lock file that is in place
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # the file was removed meanwhile (see _unmake): lock the new one
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder, ensure_ascii=False).encode("utf-8"), 0)
        log.debug("locked %s", folder)
        for line in recover(folder, RECOVERED_FOLDERS):  # what a killed writer left
            log.warning("%s: %s", folder, line)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            if made:
                _unmake(folder, made)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _open_lock_file(folder: Path) -> int:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise WorkspaceError(f"{folder}: cannot create the lock file {LOCK_FILE} "
                             f"({exc.strerror or exc}); is the folder writable?") from None


def _flock(fd: int, folder: Path, start: float, wait_s: float) -> bool:
    """Wait for the exclusive lock on ``fd``; whether the file locked is still the lock file
    (the last holder may have removed it, with the folder it made)."""
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            waited = time.monotonic() - start
            if waited >= wait_s:
                raise _busy(str(folder), _read_holder(fd), round(waited, 1)) from None
            time.sleep(_POLL_S)
    try:
        same = os.stat(folder / LOCK_FILE).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        same = False
    if not same:
        fcntl.flock(fd, fcntl.LOCK_UN)
    return same


def _unmake(folder: Path, made: list[Path]) -> None:
    """A workspace folder made for the lock, by a change that then wrote nothing (an import
    that kept no feature), goes again with its lock file: nothing is left behind. (A writer
    waiting on that lock file at this moment gets it and makes the folder anew to write.)"""
    if any(p.name != LOCK_FILE for p in folder.iterdir()):
        return
    with contextlib.suppress(OSError):
        (folder / LOCK_FILE).unlink()
        for path in made:  # the deepest first
            path.rmdir()


def _read_holder(fd: int) -> dict | None:
    try:
        text = os.pread(fd, 4096, 0).decode("utf-8", errors="replace")
        found = json.loads(text) if text.strip() else None
        return found if isinstance(found, dict) else None
    except (OSError, ValueError):
        return None


@contextlib.contextmanager
def _pg_lock(workspace, wait_s: float, holder: dict) -> Iterator[None]:
    from sqlalchemy import text

    key = zlib.crc32(str(workspace.schema).encode("utf-8")) & 0x7FFFFFFF
    con = workspace._connect()
    try:
        con.execute(text("SELECT set_config('application_name', :n, false)"),
                    {"n": f"landplan {holder['command']}"[:63]})
        con.commit()
        start = time.monotonic()
        while not con.execute(text("SELECT pg_try_advisory_lock(:c, :k)"),
                              {"c": PG_LOCK_CLASS, "k": key}).scalar():
            con.commit()
            waited = time.monotonic() - start
            if waited >= wait_s:
                row = con.execute(text(
                    "SELECT a.pid, a.application_name, a.state_change FROM pg_locks l "
                    "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
                    "AND l.granted AND l.classid = :c AND l.objid = :k"),
                    {"c": PG_LOCK_CLASS, "k": key}).first()
                found = None if row is None else {
                    "pid": row[0], "command": str(row[1] or "").removeprefix("landplan ") or None,
                    "since": row[2].astimezone().isoformat(timespec="seconds") if row[2] else ""}
                raise _busy(f"{workspace.display} (schema {workspace.schema})", found,
                            round(waited, 1))
            time.sleep(_POLL_S)
        con.commit()
        try:
            yield
        finally:
            con.execute(text("SELECT pg_advisory_unlock(:c, :k)"), {"c": PG_LOCK_CLASS, "k": key})
            con.commit()
    finally:
        con.close()
