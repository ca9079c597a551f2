"""The words of the rules file: each key's label, its meaning and source, its values.

The catalogue holds them (``rules.yaml`` beside this module): ``rule.<key>`` the label,
``rulehelp.<key>`` what the key means and where its default comes from, both translated from
the key's comment in ``landplan/rules/default.yaml``. A key of an open mapping (an industry
code, an edition, a voltage) reads through its pattern, ``*`` for that part:
``compliance.thresholds.34.floor_area_ratio_min`` → ``rule.compliance.thresholds.*.floor_area_ratio_min``,
whose ``{0}`` is ``34``.

>>> label("idle.fee_rate", "zh"), label("idle.fee_rate", "en")
('土地闲置费费率', 'idle-land fee rate')
>>> label("compliance.thresholds.26.floor_area_ratio_min", "zh")
'容积率下限（行业 26）'
>>> value_text("terrain.design_level", "balanced", "en")
'balanced after swell'
>>> value_text("idle.start_date_fallback", ["delivery_date", "supply_date"], "zh")
'交地日期、供地日期'
"""

from __future__ import annotations

from functools import cache
from itertools import combinations
from typing import Any

from . import catalogue, column, entry, has, t, value

__all__ = ["pattern_of", "label", "help_text", "value_text"]


@cache
def pattern_of(key: str) -> tuple[str, tuple[str, ...]]:
    """The catalogue pattern of rules ``key`` and the parts its ``*`` stand for: the key
    itself, else the key with the fewest parts (the last ones first) made ``*``.
    :class:`KeyError` when the catalogue has neither (a rules key without words: a bug)."""
    if f"rule.{key}" in catalogue():
        return key, ()
    parts = key.split(".")
    for n in range(1, len(parts)):
        for wild in sorted(combinations(range(1, len(parts)), n), key=lambda c: [-i for i in c]):
            pattern = ".".join("*" if i in wild else p for i, p in enumerate(parts))
            if f"rule.{pattern}" in catalogue():
                return pattern, tuple(parts[i] for i in sorted(wild))
    raise KeyError(f"no catalogue entry rule.{key} (landplan/labels/rules.yaml)")


def _part(part: str, lang: str) -> str:
    """A wildcard's key as read: an indicator by its label, a contract condition by its
    name, anything else (a code, a year, a voltage) as it is."""
    if has(f"val.contract_condition.{part}"):
        return value("contract_condition", part, lang)
    if has(f"col.{part}"):
        return column(part, lang)
    return part


def label(key: str, lang: str = "zh") -> str:
    """The label of rules ``key`` in ``lang`` (the settings page's field, a rule's line)."""
    pattern, parts = pattern_of(key)
    text = t(f"rule.{pattern}", lang)
    return text.format(*(_part(p, lang) for p in parts)) if parts else text


def help_text(key: str, lang: str = "zh") -> str:
    """What rules ``key`` means and where its default comes from, in ``lang``."""
    pattern, _parts = pattern_of(key)
    return t(f"rulehelp.{pattern}", lang)


def value_text(key: str, rule_value: Any, lang: str = "zh") -> str:
    """A value of rules ``key`` as a person reads it: a code by its label (the kind the
    key's entry names; ``col``: a column's header), yes/no, lists joined, empty as 未设."""
    if rule_value is None:
        return t("app.rules.unset", lang)
    if isinstance(rule_value, bool):
        return t("app.yes" if rule_value else "app.no", lang)
    if isinstance(rule_value, (list, tuple)):
        if not rule_value:
            return t("app.rules.none", lang)
        return t("text.sep.list", lang).join(value_text(key, v, lang) for v in rule_value)
    if isinstance(rule_value, dict):
        return "; ".join(f"{k}: {value_text(key, v, lang)}" for k, v in rule_value.items())
    kind = entry(f"rule.{pattern_of(key)[0]}").values
    if kind == "col":
        return column(str(rule_value), lang)
    if kind:
        return value(kind, rule_value, lang)
    if isinstance(rule_value, float):
        return f"{rule_value:,.10g}"
    return str(rule_value)
