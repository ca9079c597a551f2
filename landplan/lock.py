"""One writer at a time — kept for ``from landplan.lock import …``; it lives in
:mod:`landplan.store.lock`."""

from __future__ import annotations

from .store.lock import (
    LOCK_FILE,
    LOCK_WAIT_S,
    PG_LOCK_CLASS,
    RECOVERED_FOLDERS,
    WorkspaceBusyError,
    WorkspaceChangedError,
    holds_lock,
    lock_key,
    workspace_lock,
)

__all__ = ["LOCK_FILE", "LOCK_WAIT_S", "PG_LOCK_CLASS", "RECOVERED_FOLDERS", "WorkspaceBusyError",
           "WorkspaceChangedError", "workspace_lock", "holds_lock", "lock_key"]
