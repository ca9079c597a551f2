"""The notes an import makes, in the reader's language.

A reader or the importer says what it assumed (an id taken from the file name, a zone taken
from the eastings, an encoding it judged) with a :class:`Note`: a catalogue key under
``import.note.`` and the fields that fill it. A note *is* its English text (a ``str``), so
scripts, logs and ``"title row" in note`` keep working; the faces that show it to a person
call :func:`note_text` with the reader's language.

>>> n = Note("title_row", row=1)
>>> n
'row 1 skipped as a title row'
>>> n.text("zh")
'第 1 行是标题行，已跳过'
>>> Note("encoding_detected", file="a.csv", encoding="GBK",
...      why=[Note("not_utf8"), Note("encoding_option")]).text("zh")
'a.csv：编码判定为 GBK（不是 UTF-8；可用 `encoding` 指定编码）'
"""

from __future__ import annotations

import re
from typing import Any

from .. import labels

__all__ = ["Note", "Column", "GeosReason", "note_text"]


class Column(str):
    """A schema column named in a note: its code in English (what ``fields`` takes), its
    header in Chinese (``labels.column``)."""

    def __new__(cls, name: str, layer: str | None = None) -> Column:
        self = super().__new__(cls, name)
        self.layer = layer
        return self

    def text(self, lang: str) -> str:
        return str(self) if lang == "en" else labels.column(str(self), lang, layer=self.layer)

    def __reduce__(self):
        return Column, (str(self), self.layer)


class GeosReason(str):
    """Why GEOS finds a geometry invalid (:func:`shapely.is_valid_reason`, ``Self-intersection[x
    y]``): the reason in the reader's language (``import.geos.<reason>``), its coordinates as
    they are; a reason the catalogue does not know reads as GEOS wrote it."""

    def text(self, lang: str) -> str:
        name, bracket, rest = str(self).partition("[")
        key = "import.geos." + re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")
        if lang == "en" or not labels.has(key):
            return str(self)
        return labels.t(key, lang) + bracket + rest


def _field(value: Any, lang: str) -> Any:
    """A field as ``lang`` reads it: a note or a column in that language, a list of notes
    joined by the language's separator, anything else (data) as it is."""
    if isinstance(value, (list, tuple)):
        return labels.t("import.note.sep", lang).join(str(_field(v, lang)) for v in value)
    if hasattr(value, "text") and callable(value.text):
        return value.text(lang)
    return value


class Note(str):
    """One note of an import: ``import.note.<key>`` filled with ``fields``.

    The string is the English text; :meth:`text` gives it in another language. Fields are
    data (file names, header text, ids, encodings) shown as they are, or notes and
    :class:`Column` s rendered in the reader's language, or lists of notes.
    """

    def __new__(cls, key: str, /, **fields: Any) -> Note:
        self = super().__new__(cls, _render(key, "en", fields))
        self.key, self.fields = key, dict(fields)
        return self

    def text(self, lang: str) -> str:
        """The note in ``lang`` (``zh`` or ``en``)."""
        return _render(self.key, lang, self.fields)

    def __reduce__(self):
        return _rebuild, (self.key, self.fields)


def _render(key: str, lang: str, fields: dict) -> str:
    return labels.t(f"import.note.{key}", lang, **{k: _field(v, lang) for k, v in fields.items()})


def _rebuild(key: str, fields: dict) -> Note:
    return Note(key, **fields)


def note_text(note: Any, lang: str) -> str:
    """``note`` in ``lang``: a :class:`Note` in that language, a plain string (a note a script
    added) as it is."""
    return note.text(lang) if hasattr(note, "text") and callable(note.text) else str(note)
