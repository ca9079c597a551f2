"""The park summary ``landplan coverage`` prints: mu per readiness level, extensions by type."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from .. import labels
from ..ruleset import RuleSet, as_ruleset, is_unconfirmed
from .lines import NETWORK_TYPES


def coverage_summary(table: pd.DataFrame, rules: RuleSet | Mapping, *, lang: str = "zh") -> list[str]:
    """The park summary printed by ``landplan coverage`` in ``lang``: mu per readiness level,
    extensions by type.

    Unit costs are the rules file's (placeholders marked UNCONFIRMED there until a park sets
    its own 估算指标); the summary says so.
    """
    lang = labels.check_lang(lang)
    area = pd.to_numeric(table["area_mu"], errors="coerce").fillna(0.0)
    cov = as_ruleset(rules).coverage
    levels = [level.name for level in cov.readiness] + [cov.below]
    lines = [labels.t("summary.coverage.readiness", lang)]
    for name in levels:
        mask = table["readiness"] == name
        lines.append("  " + labels.t("summary.mu_parcels", lang, label=labels.value("readiness", name, lang),
                              mu=labels.fmt(area[mask].sum(), "mu"), n=labels.fmt(int(mask.sum()), "count")))
    lines.append(labels.t("summary.coverage.extensions", lang))
    for kind in NETWORK_TYPES:
        network = labels.value("network_type", kind, lang)
        ext = pd.to_numeric(table.get(f"ext_{kind}_m"), errors="coerce")
        cost = pd.to_numeric(table.get(f"ext_{kind}_cost_wan"), errors="coerce")
        if ext is None or ext.isna().all():
            lines.append("  " + labels.t("summary.coverage.no_network", lang, network=network))
            continue
        flag = (labels.t("summary.coverage.unit_cost_unconfirmed", lang)
                if is_unconfirmed(f"coverage.unit_cost_wan_per_m.{kind}") else "")
        lines.append("  " + labels.t("summary.coverage.extension", lang, network=network, n=labels.fmt(int((ext > 0).sum()), "count"),
                              km=labels.fmt(ext.sum() / 1000, "km"), cost=labels.fmt(cost.sum(), "wan"), flag=flag))
    return lines
