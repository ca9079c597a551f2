"""The park report (园区评价报告): totals, distributions, A/B/C/D, idle and low-efficiency land,
revitalization candidates and target progress, coverage gaps, land economics
(:mod:`.economics`), with inline SVG charts.

Built from the same evaluation table as the parcel reports; every figure is a sum, count or
ratio of its columns (cells name them as ``sum:<column>``, ``count:<filter>`` … so tests can
recompute them).
"""

from __future__ import annotations

import pandas as pd

from .. import labels, style
from ..columns import text_column
from ..coverage import NETWORK_TYPES
from ..io.writers import cell_text
from ..labels import rulekeys
from ..revitalization import candidates, scenario_median_tax, target_progress
from ..schema import ENUMS
from ..tables import num as _num
from .economics import park_economics_section
from .i18n import t
from .model import (
    Cell,
    Report,
    Section,
    Table,
    _Builder,
    _number_refs,
    fmt_value,
    person_column,
    sources_section,
    split_label,
)
from .svg import bar_chart, histogram

__all__ = ["park_report", "LIST_LIMIT"]

#: Rows listed per table (idle, low-efficiency, candidates); the CSV summary has them all.
LIST_LIMIT = 30



def _flag(table: pd.DataFrame, col: str) -> pd.Series:
    if col not in table.columns:
        return pd.Series(False, index=table.index)
    return table[col].astype("boolean").fillna(False).astype(bool)


def _more(n: int, lang: str) -> list[str]:
    return [t("park.more", lang, n=n - LIST_LIMIT)] if n > LIST_LIMIT else []


def park_report(ctx, *, lang: str = "zh", before: pd.DataFrame | None = None) -> Report:
    """The park report of the prepared context (``before``: an evaluation from the start of the year)."""
    table = ctx.table
    b = _Builder(ctx, pd.Series(dtype=object), lang)
    rules = b.rules
    mu = _num(table, "area_mu").fillna(0.0)
    unit_mu, unit_wan, unit_n = t("unit.mu", lang), t("unit.wan", lang), t("unit.count", lang)
    head4 = b.headers("col.item", "col.value", "col.unit", "col.source")

    graded = table["efficiency_class"].notna() if "efficiency_class" in table else pd.Series(False, index=table.index)
    idle = table["idle_status"].astype(str).str.startswith("idle_") if "idle_status" in table else graded & False
    low = _flag(table, "low_efficiency")
    tax = _num(table, "tax_wan")
    totals = [
        [Cell(t("park.parcels", lang)), Cell(str(len(table)), "count:all", "num"), Cell(unit_n, None, "unit"), b.source("")],
        [Cell(split_label("area_mu", lang)[0]), Cell(fmt_value(mu.sum(), lang, "mu"), "sum:area_mu", "num"),
         Cell(unit_mu, None, "unit"), b.source("")],
        [Cell(split_label("area_m2", lang)[0]), Cell(fmt_value(_num(table, "area_m2").sum(), lang, "m2"), "sum:area_m2", "num"),
         Cell(t("unit.m2", lang), None, "unit"), b.source("")],
        [Cell(t("park.graded", lang)), Cell(str(int(graded.sum())), "count:graded", "num"), Cell(unit_n, None, "unit"),
         b.source("efficiency.classes")],
        [Cell(split_label("tax_wan", lang)[0]), Cell(fmt_value(tax.sum(min_count=1), lang, "wan"), "sum:tax_wan", "num"),
         Cell(unit_wan, None, "unit"), b.source("")],
        [Cell(split_label("tax_per_mu_wan", lang)[0] + f" ({t('col.benchmark', lang)})"),
         Cell(fmt_value(ctx.benchmarks.get("tax_per_mu_wan"), lang, "wan_per_mu"), "benchmark:tax_per_mu_wan", "num"),
         Cell(split_label("tax_per_mu_wan", lang)[1], None, "unit"), b.source("efficiency.indicators.tax_per_mu_wan")],
        [Cell(t("park.idle", lang)), Cell(fmt_value(mu[idle].sum(), lang, "mu"), "sum_idle:area_mu", "num"),
         Cell(unit_mu, None, "unit"), b.source("idle.idle_after_years")],
        [Cell(t("park.low", lang)), Cell(fmt_value(mu[low].sum(), lang, "mu"), "sum_low:area_mu", "num"),
         Cell(unit_mu, None, "unit"), b.source("idle.low_efficiency")],
    ]
    sections = [Section("totals", t("park.totals", lang), [Table(head4, totals)])]

    # status distribution
    status = table["status"].astype(object).where(table["status"].notna(), "") if "status" in table else None
    if status is not None:
        rows, names, values = [], [], []
        for code in [*ENUMS["parcel_status"], ""]:
            mask = status == code
            if not mask.any():
                continue
            label = labels.value("parcel_status", code, lang) if code else t("no_data", lang)
            rows.append([Cell(label), Cell(str(int(mask.sum())), f"count_status:{code}", "num"),
                         Cell(fmt_value(mu[mask].sum(), lang, "mu"), f"sum_status:{code}", "num")])
            names.append(label)
            values.append(float(mu[mask].sum()))
        sec = Section("status", t("park.status", lang), [Table(
            [t("col.type", lang), f"{t('col.count', lang)} ({unit_n})", f"{t('park.area', lang)} ({unit_mu})"],
            rows, widths=[40, 30, 30])])
        sec.svg = bar_chart(names, values, unit=unit_mu, title=t("park.status", lang))
        sections.append(sec)

    # classes
    rows, values = [], []
    total_mu = float(mu.sum()) or 1.0
    policy = text_column("efficiency_policy", lang)
    policies = rules.efficiency.policies
    for cls in style.codes("efficiency_class"):
        mask = table["efficiency_class"] == cls if "efficiency_class" in table else graded & False
        mask = mask.fillna(False).astype(bool)
        text = (policies.get(cls) or {}).get("zh" if lang == "zh" else "en", "")
        rows.append([Cell(cls), Cell(str(int(mask.sum())), f"count_class:{cls}", "num"),
                     Cell(fmt_value(mu[mask].sum(), lang, "mu"), f"sum_class:{cls}", "num"),
                     Cell(fmt_value(100 * mu[mask].sum() / total_mu, lang, "pct"), None, "num"),
                     Cell(fmt_value(tax[mask].sum(min_count=1), lang, "wan"), f"sum_class_tax:{cls}", "num"),
                     Cell(text), b.source(f"efficiency.policies.{cls}")])
        values.append(float(mu[mask].sum()))
    ungraded = ~graded
    rows.append([Cell(t("park.ungraded", lang)), Cell(str(int(ungraded.sum())), "count_class:", "num"),
                 Cell(fmt_value(mu[ungraded].sum(), lang, "mu"), "sum_class:", "num"),
                 Cell(fmt_value(100 * mu[ungraded].sum() / total_mu, lang, "pct"), None, "num"),
                 Cell("—", None, "num"), Cell(t("eff.no_rows", lang)), b.source("efficiency.scope")])
    sec = Section("classes", t("park.classes", lang), [Table(
        [t("eff.class", lang), f"{t('col.count', lang)} ({unit_n})", f"{t('park.area', lang)} ({unit_mu})",
         f"{t('park.area', lang)} (%)", f"{split_label('tax_wan', lang)[0]} ({unit_wan})",
         split_label(policy, lang)[0], t("col.source", lang)], rows, widths=[8, 10, 12, 10, 13, 33, 14])])
    classes = style.codes("efficiency_class")
    sec.svg = bar_chart([style.label("efficiency_class", c, lang) for c in classes], values, unit=unit_mu,
                        title=t("park.classes", lang), colours=[style.hex("efficiency_class", c) for c in classes])
    sections.append(sec)

    # idle land
    step = text_column("next_step", lang)

    def cell(r, col: str, cls: str = "") -> Cell:
        return Cell(cell_text(col, r.get(col), lang), col, cls)

    idle_rows = table[idle].sort_values(["next_step_date", "parcel_id"], na_position="last") if idle.any() else table.iloc[:0]
    rows = [[Cell(str(r["parcel_id"])), Cell(fmt_value(r.get("holder"), lang)), cell(r, "area_mu", "num"),
             cell(r, "idle_status"), cell(r, "idle_disposal"), cell(r, "idle_fee_wan", "num"),
             cell(r, "next_step_date"), cell(r, step)]
            for _, r in idle_rows.head(LIST_LIMIT).iterrows()]
    heads = [t("col.parcel", lang), t("col.holder", lang), f"{t('park.area', lang)} ({unit_mu})",
             split_label("idle_status", lang)[0], split_label("idle_disposal", lang)[0],
             f"{split_label('idle_fee_wan', lang)[0]} ({unit_wan})", t("idle.next", lang),
             split_label(step, lang)[0]]
    sec = Section("idle", t("park.idle", lang), [Table(heads, rows, widths=[15, 14, 8, 11, 11, 9, 10, 22])]
                  if rows else [], _more(len(idle_rows), lang) or ([] if rows else [t("none", lang)]))
    sections.append(sec)

    # low-efficiency land
    low_rows = table[low].sort_values("parcel_id")
    low_reason = person_column("low_efficiency_reason", lang)
    rows = [[Cell(str(r["parcel_id"])), Cell(fmt_value(r.get("holder"), lang)), cell(r, "area_mu", "num"),
             cell(r, "efficiency_class"), cell(r, low_reason)] for _, r in low_rows.head(LIST_LIMIT).iterrows()]
    sections.append(Section("low", t("park.low", lang), [Table(
        [t("col.parcel", lang), t("col.holder", lang), f"{t('park.area', lang)} ({unit_mu})", t("eff.class", lang),
         split_label(low_reason, lang)[0]], rows, widths=[18, 18, 10, 8, 46])] if rows else [],
        _more(len(low_rows), lang) or ([] if rows else [t("none", lang)])))

    # candidates and target progress
    ranked = candidates(table, rules).rename(columns={"path": "revitalization_path"})
    reason = person_column("candidate_reason", lang)
    rows = [[Cell(str(r["parcel_id"])), cell(r, "area_mu", "num"), cell(r, "revitalization_priority", "num"),
             cell(r, "revitalization_path"), cell(r, reason)] for _, r in ranked.head(LIST_LIMIT).iterrows()]
    target = rules.revitalization.target_mu_per_year
    progress = [[Cell(t("park.candidates", lang)), Cell(fmt_value(float(ranked["area_mu"].sum()) if len(ranked) else 0.0,
                                                                  lang, "mu"), "sum_candidates:area_mu", "num"),
                 Cell(unit_mu, None, "unit"), b.source("revitalization.priority_weights")],
                [Cell(t("park.target", lang)),
                 Cell(fmt_value(target, lang, "mu") if target is not None else t("park.target_none", lang, rule=rulekeys.label("revitalization.target_mu_per_year", lang))),
                 Cell(unit_mu, None, "unit"), b.source("revitalization.target_mu_per_year")]]
    notes = []
    if before is not None:
        p = target_progress(before, table, rules, year=ctx.as_of.year)
        progress.append([Cell(t("park.progress_since", lang, since=p["before_as_of"] or "—",
                                mu=fmt_value(p["revitalized_mu"], lang, "mu"), n=len(p["parcels"]))),
                         Cell(fmt_value(p["revitalized_mu"], lang, "mu"), None, "num"), Cell(unit_mu, None, "unit"),
                         b.source("revitalization.target_mu_per_year")])
        if p["share_of_target"] is not None:
            progress.append([Cell(t("park.share_of_target", lang)), Cell(fmt_value(100 * p["share_of_target"], lang, "pct"), None, "num"),
                             Cell("%", None, "unit"), b.source("")])
    else:
        notes.append(t("park.progress_none", lang))
    if len(ranked) and tax.notna().any():
        s = scenario_median_tax(table, ranked["parcel_id"])
        progress.append([Cell(t("park.scenario", lang)),
                         Cell(fmt_value(s["park_tax_after_wan"], lang, "wan"), None, "num"), Cell(unit_wan, None, "unit"),
                         b.source("")])
    tables = [Table(head4, progress)]
    if rows:
        tables.append(Table([t("col.parcel", lang), f"{t('park.area', lang)} ({unit_mu})",
                             f"{t('park.priority', lang)} ({t('unit.points', lang)})", t("park.path", lang),
                             t("park.reason", lang)], rows, widths=[18, 10, 10, 18, 44]))
    sections.append(Section("candidates", t("park.candidates", lang), tables, notes + _more(len(ranked), lang)))

    # coverage gaps
    rows = []
    for kind in NETWORK_TYPES:
        col = f"has_{kind}"
        if col not in table.columns:
            continue
        lacking = ~_flag(table, col)
        rows.append([Cell(labels.value("network_type", kind, lang)),
                     Cell(str(int(lacking.sum())), f"count_lacking:{kind}", "num"),
                     Cell(fmt_value(mu[lacking].sum(), lang, "mu"), f"sum_lacking:{kind}", "num"),
                     Cell(fmt_value(_num(table, f"ext_{kind}_m").sum(min_count=1), lang, "m"), f"sum:ext_{kind}_m", "num"),
                     Cell(fmt_value(_num(table, f"ext_{kind}_cost_wan").sum(min_count=1), lang, "wan"),
                          f"sum:ext_{kind}_cost_wan", "num"), b.source(f"coverage.unit_cost_wan_per_m.{kind}")])
    sec = Section("coverage", t("park.coverage", lang), [Table(
        [t("col.type", lang), f"{t('park.lacking', lang)} ({unit_n})", f"{t('park.area', lang)} ({unit_mu})",
         f"{t('col.extension', lang)} ({t('unit.m', lang)})", f"{t('col.cost', lang)} ({unit_wan})", t("col.source", lang)],
        rows, widths=[18, 14, 14, 16, 16, 22])])
    if "readiness" in table.columns:
        levels = [lvl.name for lvl in rules.coverage.readiness] + [rules.coverage.below]
        counts = [float((table["readiness"] == lvl).sum()) for lvl in levels]
        sec.svg = bar_chart([cell_text("readiness", lvl, lang) for lvl in levels], counts, unit=unit_n,
                            title=t("park.readiness", lang))
    sections.append(sec)

    sections.append(park_economics_section(b, limit=LIST_LIMIT))

    # tax per mu distribution
    chart = Section("charts", t("park.tax_hist", lang))
    chart.svg = histogram(_num(table, "tax_per_mu_wan").to_numpy(), unit=split_label("tax_per_mu_wan", lang)[1],
                          count_unit=t("econ.unit_parcels", lang), title=t("park.tax_hist", lang))
    sections.append(chart)
    _number_refs(b, sections)
    sections.append(sources_section(b))
    from .. import __version__

    meta = [f"{t('meta.as_of', lang)} {ctx.as_of.isoformat()}", f"{t('meta.year', lang)} {ctx.year or '—'}",
            t("meta.rules", lang, extra=" + rules.yaml" if (ctx.workspace / "rules.yaml").exists() else ""),
            t("meta.generated", lang, version=__version__)]
    return Report("", t("title.park", lang), str(ctx.workspace), lang, sections, meta)
