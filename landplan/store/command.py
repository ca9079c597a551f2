"""Which command is changing the workspace: named by the command line, read by the history
(each change records its command) and the lock (the busy message names the holder's).

The command line wraps its run in :func:`command_context`; outside it the command is
``python API``.
"""

from __future__ import annotations

import contextlib
import contextvars
import shlex
from collections.abc import Iterator, Sequence

__all__ = ["command_context", "current_command"]

_COMMAND: contextvars.ContextVar[str | None] = contextvars.ContextVar("landplan_command", default=None)


@contextlib.contextmanager
def command_context(argv: Sequence[str]) -> Iterator[None]:
    """Name the command (argv) that changes made inside the block are recorded with."""
    token = _COMMAND.set(shlex.join(str(a) for a in argv))
    try:
        yield
    finally:
        _COMMAND.reset(token)


def current_command() -> str:
    """The command being run (its argv), or ``python API`` outside the command line."""
    return _COMMAND.get() or "python API"
