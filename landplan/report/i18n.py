"""The reports' words: a thin door onto the catalogue (:mod:`landplan.labels`).

>>> t("title.parcel", "zh")
'地块评价报告'
>>> t("title.parcel", "en")
'Parcel evaluation report'
"""

from __future__ import annotations

from .. import labels

__all__ = ["LANGS", "t", "code_label"]

LANGS = tuple(labels.LANGS)


def t(key: str, lang: str = "zh", **fields: object) -> str:
    """The report word ``key`` in ``lang`` (the catalogue's ``report.<key>``, ``unit.<unit>``)."""
    return labels.t(key if key.startswith("unit.") else f"report.{key}", lang, **fields)


def code_label(kind: str, code: object, lang: str = "zh") -> str:
    """A person's label for a result code of the evaluation (the code itself when unknown)."""
    return labels.value(kind, code, lang)
