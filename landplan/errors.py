"""Exceptions and warnings of landplan.

Every error a user can cause derives from :class:`LandplanError`. The command line turns
any of them into one line on stderr and exit status 2; nothing else is caught there, so a
traceback always means a bug in landplan, never bad input.

Messages speak Python: they name a function's parameters, in backticks ("give `crs`",
"`crs='EPSG:4527'`"), never a command-line flag; a value given for a parameter that cannot be
used is a :class:`ParameterError`. The command line prints each parameter as its flag
(``landplan.cli.FLAGS``).

Row numbers in messages are the ones a person sees: ``feature N`` counts features from 1
in file order, ``row N`` is the spreadsheet row (the header is row 1).
"""

from __future__ import annotations

import os
import reprlib

__all__ = [
    "LandplanError",
    "InputFileError",
    "SchemaError",
    "CRSError",
    "RuleError",
    "WorkspaceError",
    "ParameterError",
    "LandplanWarning",
    "RepairWarning",
    "shown",
]


class LandplanError(Exception):
    """Root of every landplan error."""


class InputFileError(LandplanError):
    """A file given to landplan cannot be used as it is.

    Parameters
    ----------
    path : str
        The file (as the user named it).
    message : str
        What was found, what was expected and, where possible, what to do.
    where : str, optional
        ``"feature 12"`` or ``"row 7"``; omitted when the whole file is at fault.
    field : str, optional
        The column (source name) at fault, or ``"geometry"``.
    """

    def __init__(
        self, path: str, message: str, *, where: str | None = None, field: str | None = None
    ) -> None:
        self.path = str(path)
        self.where = where
        self.field = field
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [self.path]
        if self.where:
            parts.append(self.where)
        if self.field:
            parts.append(f"field {self.field}")
        return ", ".join(parts) + ": " + self.message


class SchemaError(LandplanError):
    """A layer does not meet its canonical schema (see :mod:`landplan.schema`)."""


class CRSError(LandplanError):
    """A coordinate reference system is missing, unknown or unfit for measuring."""


class RuleError(LandplanError):
    """A rules file has a wrong key, type or value."""


class WorkspaceError(LandplanError):
    """A workspace folder is missing a layer or holds something unexpected."""


class ParameterError(LandplanError):
    """A value given for a named parameter of a library function is unusable.

    The message speaks Python: ``str()`` reads "`year`=2031: the ledger has no rows for it
    (years: 2020–2023)"; a reason that refers to another parameter writes it in backticks
    ("… give `crs`", or "`crs='EPSG:4527'`" with a value). A face translates it: the command
    line maps each parameter onto its flag (``--year 2031: …``, ``give --crs``).

    Parameters
    ----------
    param : str
        The parameter's name, as the function's signature spells it.
    value : object
        The value given.
    reason : str
        Why it cannot be used and, where possible, what to give instead.
    shown : str, optional
        How the value reads in the message (default: ``str()`` of a path or a number,
        else its bounded ``repr``).

    >>> str(ParameterError("year", 2031, "the ledger has no rows for it (years: 2020–2023)"))
    '`year`=2031: the ledger has no rows for it (years: 2020–2023)'
    >>> str(ParameterError("fmt", "docx", "write html or pdf"))
    "`fmt`='docx': write html or pdf"
    """

    def __init__(self, param: str, value: object, reason: str, *, shown: str | None = None) -> None:
        self.param = param
        self.value = value
        self.reason = reason
        self.shown = shown if shown is not None else _value_text(value)
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"`{self.param}`={self.shown}: {self.reason}"

    def __reduce__(self):  # pickled whole (a worker process's error reaches the caller as it was)
        return _parameter_error, (type(self), self.param, self.value, self.reason, self.shown)


def _parameter_error(cls, param, value, reason, shown):
    return cls(param, value, reason, shown=shown)


def _value_text(value: object) -> str:
    if isinstance(value, os.PathLike):
        return shown(os.fspath(value))
    return shown(value)


class LandplanWarning(UserWarning):
    """Root of landplan's warnings: something was done on the user's behalf."""


class RepairWarning(LandplanWarning):
    """Input was repaired (e.g. an invalid polygon made valid); the repair was counted."""


_SHOWN = reprlib.Repr()  # Python 3.11's Repr takes no arguments
_SHOWN.maxlevel = 3
_SHOWN.maxtuple = _SHOWN.maxlist = _SHOWN.maxarray = _SHOWN.maxdict = 4
_SHOWN.maxset = _SHOWN.maxfrozenset = _SHOWN.maxdeque = 4
_SHOWN.maxstring, _SHOWN.maxlong, _SHOWN.maxother = 60, 40, 60


def shown(value: object, limit: int = 80) -> str:
    """``repr(value)`` bounded for a message: at most ``limit`` characters, nested containers
    cut at 4 items and 3 levels, so that a huge or self-similar value (a YAML alias bomb, a
    10,000-column row) never blows up the line that names it."""
    text = _SHOWN.repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
