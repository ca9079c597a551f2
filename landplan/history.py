"""Parcel history — kept for ``from landplan.history import …``; it lives in
:mod:`landplan.store.history` (a capability of the folder store) and, for an update of one
parcel made in place, :mod:`landplan.store.inplace`."""

from __future__ import annotations

from .store.backend import NotInPlace  # noqa: F401
from .store.command import command_context, current_command
from .store.history import (  # noqa: F401 - _untracked: read by tests/test_crash.py
    CHANGE_KINDS,
    HISTORY_FILE,
    KIND_LABELS,
    LOG_COPY,
    PENDING_FILE,
    SYNC_FILE,
    Change,
    _untracked,
    change_log,
    change_table,
    changed_columns,
    changes_between,
    check_history,
    has_history,
    history_path,
    in_sync,
    keeps_history,
    mark_synced,
    parcel_history,
    parcels_as_of,
    read_history,
    record_write,
    used_ids,
)
from .store.inplace import can_update_in_place, finish_pending, update_in_place  # noqa: F401

__all__ = ["HISTORY_FILE", "CHANGE_KINDS", "KIND_LABELS", "has_history", "history_path", "read_history",
           "parcels_as_of", "parcel_history", "change_log", "changes_between", "Change",
           "command_context", "current_command", "update_in_place"]
