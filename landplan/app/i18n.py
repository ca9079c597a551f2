"""The app's words: a thin door onto the catalogue (:mod:`landplan.labels`).

App keys are the catalogue's ``app.<key>``; result codes (``idle_status.not_idle``) are its
``val.<kind>.<code>``, units its ``unit.<unit>``.

>>> t("nav.parcel", "en")
'Parcel details'
>>> t("legend.summary", "zh", n=3, mu=45.0)
'3 宗，45.00 亩'
"""

from __future__ import annotations

from .. import labels

__all__ = ["LANGS", "DEFAULT_LANG", "t"]

LANGS = labels.LANGS
DEFAULT_LANG = labels.DEFAULT_LANG

_VALUE_KINDS = ("contract_check.", "idle_status.", "idle_stage.")


def _key(key: str) -> str:
    if key.startswith(_VALUE_KINDS):
        return f"val.{key}"
    if key.startswith("unit."):
        return key
    if key in ("area_m2", "area_mu"):
        return f"col.{key}"
    return f"app.{key}"


def t(key: str, lang: str = DEFAULT_LANG, **fields: object) -> str:
    """The app's word ``key`` in ``lang`` (``"zh"`` or ``"en"``), with ``fields`` filled in."""
    return labels.t(_key(key), lang, **fields)
