"""The content of one parcel's report: sections of tables whose cells know their column.

:func:`parcel_report` turns one row of the evaluation table (plus the prepared layers and the
ledger, see :mod:`landplan.report.context`) into a :class:`Report`: the same content is
rendered to HTML (:mod:`landplan.report.html`) and, through it, to PDF. Every number cell
names the evaluation column it shows (``Cell.col``), so that tests can compare the report
with the table; every rule row cites its rules key and the source comment of that key, and
keeps UNCONFIRMED visible.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from .. import labels
from ..columns import text_column
from ..coverage import NETWORK_TYPES
from ..efficiency import FIGURES, INDICATORS
from ..evaluate import OUTPUT_COLUMNS, _edition_key, column_label, rule_citation
from ..io.writers import cell_text, column_unit, person_column
from ..labels import rulekeys
from ..rules import is_unconfirmed
from ..ruleset import RuleSet, as_ruleset, plain
from .i18n import LANGS, t

__all__ = ["Cell", "Table", "Section", "Source", "Report", "parcel_report", "fmt_value", "split_label",
           "source_text", "SECTIONS"]

#: Section keys of a parcel report, in order.
SECTIONS: tuple[str, ...] = ("header", "map", "efficiency", "compliance", "idle", "lifecycle",
                             "history", "coverage", "terrain", "economics", "enterprises")

COMPLIANCE: tuple[str, ...] = ("floor_area_ratio", "building_coverage_pct",
                               "investment_intensity_wan_per_mu", "green_ratio_pct", "admin_ratio_pct")


@dataclass(frozen=True)
class Cell:
    """One table cell: its text, the evaluation column it shows (if any) and a CSS class."""

    text: str
    col: str | None = None
    cls: str = ""
    #: rules key of a source cell until the report numbers its references
    ref: str | None = None


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Cell]]
    caption: str = ""
    #: column widths in % (the PDF lays tables out with fixed widths)
    widths: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.widths:
            self.widths = _WIDTHS.get(len(self.headers), [])

    def units_in_labels(self) -> Table:
        """The table with each unit column folded into its rows' labels: ``面积 (平方米)``.

        A unit column (header 单位 / unit) holds the unit of every number in its row; it goes,
        in brackets, after the label that starts its group of columns (the first column, or the
        one after the previous unit column: the two halves of the header table). A dash or an
        empty unit adds nothing. Fewer cells: a table cell is what the PDF layout spends most on.
        """
        units = [j for j, h in enumerate(self.headers) if h in _UNIT_HEADERS]
        if not units:
            return self
        into = {j: (units[k - 1] + 1 if k else 0) for k, j in enumerate(units)}
        keep = [j for j in range(len(self.headers)) if j not in into]
        widths = list(self.widths)
        if len(widths) == len(self.headers):
            for j, i in into.items():
                widths[i] += widths[j]
            widths = [widths[j] for j in keep]
        else:
            widths = []
        rows = []
        for row in self.rows:
            cells = list(row)
            for j, i in into.items():
                unit = cells[j].text if j < len(cells) else ""
                if unit not in ("", "—") and i < len(cells):
                    cells[i] = replace(cells[i], text=f"{cells[i].text} ({unit})")
            rows.append([cells[j] for j in keep if j < len(cells)])
        return Table([self.headers[j] for j in keep], rows, self.caption, widths)


#: the header of a unit column, in every language (see Table.units_in_labels)
_UNIT_HEADERS = frozenset(t("col.unit", lang) for lang in LANGS)
_WIDTHS = {3: [40, 20, 40], 4: [34, 26, 16, 24], 6: [17, 25, 8, 17, 25, 8],
           7: [20, 13, 11, 13, 10, 11, 22]}


@dataclass
class Section:
    key: str
    title: str
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    svg: str = ""
    empty: bool = False
    #: map legend: (inline CSS of the key, label)
    legend: list[tuple[str, str]] = field(default_factory=list)
    #: the sources list: one entry per cited rules key (a list, not a table: it is long text)
    sources: list[Source] = field(default_factory=list)
    #: sentences shown above the tables (a caveat on what every figure of the section rests on)
    intro: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Source:
    """One entry of the sources list: reference number, rules key (kept for scripts, not
    shown), the rule's name and its source in the report's language."""

    ref: int
    key: str
    text: str
    unconfirmed: bool = False
    label: str = ""


@dataclass
class Report:
    parcel_id: str
    title: str
    subtitle: str
    lang: str
    sections: list[Section]
    meta: list[str]


# --------------------------------------------------------------------------------------------
# values, units, sources
# --------------------------------------------------------------------------------------------

def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    try:
        return bool(pd.isna(value)) if not isinstance(value, str | bytes) else False
    except (TypeError, ValueError):
        return False


def fmt_value(value: Any, lang: str = "zh", unit: str | None = None) -> str:
    """Display text of a value that is no column's (a total, a benchmark, a rules value): a
    number by :func:`landplan.labels.fmt` in ``unit`` (a whole number without unit as it is),
    a date ISO, yes/no in ``lang``, missing ``—``. A column's value reads through
    :func:`landplan.io.writers.cell_text`."""
    if _missing(value):
        return "—"
    if isinstance(value, bool | np.bool_):
        return t("yes" if value else "no", lang)
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | np.integer) and unit is None:
        return str(int(value))
    if isinstance(value, int | float | np.integer | np.floating):
        return labels.fmt(value, unit or "", lang)
    return str(value)


_BRACKET = re.compile(r"^(?P<name>.*?)\s*[\(（](?P<unit>[^()（）]*)[\)）]$")


def split_label(column: str, lang: str = "zh") -> tuple[str, str]:
    """``(name, unit)`` of an evaluation column: the unit in its label's brackets, else the
    catalogue's name of its unit (:func:`landplan.io.writers.column_unit`), else ``—``."""
    label = column_label(column, lang)
    m = _BRACKET.match(label)
    if m and m.group("unit"):
        return m.group("name"), m.group("unit")
    unit = column_unit(column)
    return label, t(f"unit.{unit}", lang) if unit and labels.has(f"unit.{unit}") else t("unit.none", lang)


def _get(rules: RuleSet | Mapping, key: str) -> Any:
    """The value of dotted rules ``key`` as plain data (None when there is none)."""
    node: Any = rules
    for part in key.split("."):
        if dataclasses.is_dataclass(node):
            node = getattr(node, part, None)
            continue
        if not isinstance(node, Mapping):
            return None
        node = node.get(part, node.get(int(part)) if part.isdigit() else None)
    return plain(node)


def source_text(key: str, rules: RuleSet | Mapping | None = None, defaults: RuleSet | Mapping | None = None,
                lang: str = "zh") -> tuple[str, bool]:
    """``(text, unconfirmed)``: where rules key ``key``'s value comes from, in ``lang``
    (:func:`landplan.evaluate.rule_citation`); a value the workspace's rules.yaml sets says so."""
    if not key:
        return "—", False
    source = rule_citation(key, lang) or t("src.none", lang)
    unconfirmed = is_unconfirmed(key)
    if rules is not None and defaults is not None and _get(rules, key) != _get(defaults, key):
        return t("src.override", lang, source=source), unconfirmed
    return source, unconfirmed


class _Builder:
    """Cells of one parcel's row, in one language."""

    def __init__(self, ctx, row: pd.Series, lang: str) -> None:
        self.ctx, self.row, self.lang = ctx, row, lang
        self.rules = as_ruleset(ctx.rules)
        #: rules key -> reference number, in order of first citation
        self.refs: dict[str, int] = {}

    def has(self, col: str) -> bool:
        return col in self.row.index

    def value(self, col: str) -> Any:
        return self.row[col] if col in self.row.index else None

    def num(self, col: str, cls: str = "num") -> Cell:
        if not self.has(col):
            return Cell(t("no_data", self.lang), None, "na")
        return Cell(cell_text(col, self.value(col), self.lang), col, cls)

    def text(self, col: str, kind: str | None = None) -> Cell:
        """A text, code or list cell: codes as the catalogue's labels (``kind`` names the coded
        kind where the column's own entry does not), a person-text in the reader's language."""
        value = self.value(col)
        if _missing(value) or value == "":
            return Cell("—", col if self.has(col) else None, "na")
        if kind is not None and kind in labels.value_kinds():
            return Cell(labels.value(kind, value, self.lang), col)
        return Cell(cell_text(col, value, self.lang), col)

    def ok(self, col: str) -> Cell:
        value = self.value(col)
        if _missing(value):
            return Cell(t("no_threshold", self.lang), col if self.has(col) else None, "na")
        return Cell(cell_text(col, bool(value), self.lang), col, "ok" if bool(value) else "fail")

    def source(self, key: str) -> Cell:
        """A reference ``[n]`` to the rules key (listed with its source at the end), UNCONFIRMED kept."""
        if not key:
            return Cell("—", None, "src")
        return Cell("", None, "src unconfirmed" if is_unconfirmed(key) else "src", ref=key)

    def unit(self, col: str) -> Cell:
        return Cell(split_label(col, self.lang)[1], None, "unit")

    def name(self, col: str) -> Cell:
        return Cell(split_label(col, self.lang)[0], None, "label")

    def key_of(self, col: str) -> str:
        return _edition_key(OUTPUT_COLUMNS.get(col, ("", "", "", ""))[3], self.rules)

    def line(self, col: str, kind: str | None = None, *, key: str | None = None) -> list[Cell]:
        """``[label, value, unit, source]`` for one column (a person-text in the reader's language)."""
        col = person_column(col, self.lang)
        if kind is None and self.has(col) and isinstance(self.value(col), str | bool | np.bool_):
            kind = "plain"
        value = self.text(col, None if kind == "plain" else kind) if kind else self.num(col)
        return [self.name(col), value, self.unit(col) if kind is None else Cell("—", None, "unit"),
                self.source(self.key_of(col) if key is None else key)]

    def headers(self, *keys: str) -> list[str]:
        return [t(k, self.lang) for k in keys]


# --------------------------------------------------------------------------------------------
# sections
# --------------------------------------------------------------------------------------------

_HEADER_TEXT = ("parcel_id", "parcel_name", "holder", "land_use", "industry_code")
_HEADER_DATES = ("supply_date", "delivery_date", "agreed_start_date", "agreed_completion_date", "actual_start_date",
                 "halted_since", "actual_completion_date", "production_date")


def _header(b: _Builder) -> Section:
    items = [b.line(c, "plain") for c in _HEADER_TEXT if b.has(c)]
    items += [b.line(c) for c in ("area_m2", "area_mu", "area_declared_m2") if b.has(c)]
    items.append(b.line("status", "status"))
    items += [b.line(c, "plain") for c in _HEADER_DATES if b.has(c)]
    items.append([Cell(t("meta.as_of", b.lang)), b.num("as_of", ""), Cell("—", None, "unit")])
    items.append([Cell(t("meta.year", b.lang)), b.num("year", ""), Cell("—", None, "unit")])
    items = [r[:3] for r in items]
    if len(items) % 2:
        items.append([Cell(""), Cell(""), Cell("")])
    half = len(items) // 2
    rows = [items[i] + items[half + i] for i in range(half)]
    return Section("header", t("sec.header", b.lang),
                   [Table(b.headers("col.item", "col.value", "col.unit") * 2, rows)])


def _efficiency(b: _Builder) -> Section:
    lang = b.lang
    indicators = b.rules.efficiency.indicators
    rows = []
    for name in INDICATORS:
        spec = indicators.get(name)
        weight = spec.weight if spec is not None else None
        bench = b.ctx.benchmarks.get(name)
        unit = column_unit(name)
        if (spec is None or spec.benchmark is None) and bench is not None:
            bench_text = f"{fmt_value(bench, lang, unit)} ({t('park_value', lang)})"
        else:
            bench_text = fmt_value(bench, lang, unit) if bench is not None else "—"
        rows.append([b.name(name), b.num(name), b.unit(name), Cell(bench_text, None, "num"),
                     Cell(fmt_value(weight, lang, "score") if weight is not None else "—", None, "num"),
                     b.num(f"{name}_yoy_pct"),
                     b.source(f"efficiency.indicators.{name}" if name in indicators else "")])
    table = Table(b.headers("col.item", "col.value", "col.unit", "col.benchmark", "col.weight",
                            "col.yoy", "col.source"), rows,
                  caption=t("eff.yoy", lang))
    cls = b.value("efficiency_class")
    policy_col = text_column("efficiency_policy", lang)
    summary = [b.line("efficiency_score"), b.line("efficiency_score_yoy_pct"),
               [b.name("efficiency_class"), b.text("efficiency_class"), Cell("A–D", None, "unit"),
                b.source("efficiency.classes")],
               [b.name(policy_col), b.text(policy_col), Cell("—", None, "unit"),
                b.source(f"efficiency.policies.{cls}" if not _missing(cls) else "efficiency.policies")]]
    for col in ("efficiency_imputed", "efficiency_note"):
        if b.has(col) and not _missing(b.value(col)) and b.value(col) != "":
            summary.append(b.line(col, "plain"))
    notes = [] if not _missing(cls) else [t("eff.no_rows", lang)]
    ledger = [b.line(c) for c in ("enterprises", *FIGURES) if b.has(c)]
    return Section("efficiency", t("sec.efficiency", lang), [
        Table(b.headers("col.item", "col.value", "col.unit", "col.source"), summary),
        table,
        Table(b.headers("col.item", "col.value", "col.unit", "col.source"), ledger,
              caption=t("sec.ledger", lang)),
    ], notes)


def _compliance(b: _Builder) -> Section:
    # the indicators bind the finished project: land not yet built is "not judged", not "no threshold"
    scope = b.value("compliance_scope") if b.has("compliance_scope") else None
    judged = _missing(scope) or scope == "checked"
    rows = []
    for name in COMPLIANCE:
        key = b.key_of(name)
        lo, hi = f"{name}_min", f"{name}_max"
        rows.append([b.name(name), b.num(name), b.unit(name),
                     b.num(lo) if b.has(lo) else Cell("—", None, "na"),
                     b.num(hi) if b.has(hi) else Cell("—", None, "na"),
                     b.ok(f"{name}_ok") if judged
                     else Cell(labels.value("compliance_scope", scope, b.lang), f"{name}_ok", "na"),
                     b.source(_edition_key(key.replace("_min", "_max"), b.rules)
                              if not b.has(lo) and b.has(hi) else key)])
    notes = []
    for col in ("compliance_note", "compliance_basis", "compliance_failed"):
        col = person_column(col, b.lang)
        if b.has(col) and not _missing(b.value(col)) and b.value(col) != "":
            notes.append(t("note", b.lang, name=split_label(col, b.lang)[0],
                           text=cell_text(col, b.value(col), b.lang)))
    return Section("compliance", t("sec.compliance", b.lang), [
        Table(b.headers("col.item", "col.value", "col.unit", "col.threshold_min", "col.threshold_max",
                        "col.result", "col.source"), rows)], notes)


_IDLE_RULES = ("idle.idle_after_years", "idle.recover_after_years", "idle.fee_rate",
               "idle.developed_share_min", "idle.invested_share_min", "idle.start_date_fallback",
               "idle.recover_halted_from_halt", "idle.procedure.reply_days", "idle.procedure.payment_days")


def _idle(b: _Builder) -> Section:
    lang = b.lang
    step = text_column("next_step", lang)
    reason = text_column("idle_reason", lang)
    rows = [b.line("idle_status", "idle_status"), b.line("idle_stage", "idle_stage"),
            b.line("idle_since", "plain"), b.line("start_date_basis", "start_date_basis"),
            b.line("idle_years"), b.line("idle_cause", "idle_cause"), b.line(reason, "plain"),
            b.line("idle_disposal", "idle_disposal"), b.line("idle_fee_wan"),
            [Cell(t("idle.next", lang)), b.text("next_step_date"), Cell(t("unit.date", lang), None, "unit"),
             b.source("idle.procedure.reply_days")],
            b.line(step, "plain")]
    for col in ("idle_input_problems", "low_efficiency", "low_efficiency_reason", "revitalization_priority",
                "revitalization_path", "candidate_reason", "priority_explained"):
        col = person_column(col, lang)
        if b.has(col):
            value = b.value(col)
            rows.append(b.line(col) if col in ("revitalization_priority",) else
                        b.line(col, None if isinstance(value, bool | np.bool_) else "plain"))
    rules = []
    for key in _IDLE_RULES:
        value = _get(b.rules, key)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        rules.append([Cell(rulekeys.label(key, lang)),
                      Cell(fmt_value(value, lang, "ratio" if isinstance(value, float) else None) if number
                           else rulekeys.value_text(key, value, lang), None, "num" if number else ""),
                      b.source(key)])
    return Section("idle", t("sec.idle", lang), [
        Table(b.headers("col.item", "col.value", "col.unit", "col.source"), rows),
        Table(b.headers("col.rule", "col.value", "col.source"), rules, caption=t("idle.rules", lang)),
    ])


def _lifecycle(b: _Builder) -> Section:
    from ..lifecycle import CONDITIONS

    lang = b.lang
    title = t("sec.lifecycle", lang)
    if not b.has("lifecycle_stage"):
        return Section("lifecycle", title, notes=[t("lc.absent", lang)], empty=True)
    rows = [b.line("lifecycle_stage", "parcel_status"), b.line("lifecycle_gap", "plain")]
    for col in ("lifecycle_gap_reason", "lifecycle_gap_years", "years_since_approval", "contract_check",
                "contract_completion_check", "contract_production_check", "contract_unmet", "contract_reason",
                "contract_damages_wan", "contract_remedy", "transfer_barred_until", "transfer_breach"):
        col = person_column(col, lang)
        if b.has(col):
            kind = "contract_check" if col.endswith("_check") else (
                None if col.endswith(("_years", "_wan")) or col.startswith("years") else "plain")
            rows.append(b.line(col, kind))
    names = sorted({m.group(1) for c in b.row.index if (m := re.match(r"^contract_(.+)_ok$", str(c)))},
                   key=lambda c: list(CONDITIONS).index(c) if c in CONDITIONS else len(CONDITIONS))
    cond_rows = []
    for c in names:
        spec = CONDITIONS.get(c)
        if spec is None:
            continue
        label, unit = split_label(spec[0], lang)
        contract = b.num(spec[0]) if b.has(spec[0]) else Cell("—", None, "na")
        actual = b.num(spec[1]) if b.has(spec[1]) else Cell("—", None, "na")
        cond_rows.append([Cell(label), contract, actual, Cell(unit, None, "unit"), b.ok(f"contract_{c}_ok"),
                          b.num(f"contract_{c}_shortfall"), b.num(f"contract_{c}_shortfall_pct")])
    tables = [Table(b.headers("col.item", "col.value", "col.unit", "col.source"), rows)]
    notes = []
    if cond_rows and any(r[1].text != "—" for r in cond_rows):
        tables.append(Table(b.headers("col.condition", "col.contract", "col.actual", "col.unit", "col.result",
                                      "col.shortfall", "col.shortfall"), cond_rows, caption=t("lc.conditions", lang)))
    else:
        notes.append(t("lc.no_conditions", lang))
    return Section("lifecycle", title, tables, notes)


def _history(b: _Builder) -> Section:
    lang = b.lang
    title = t("sec.history", lang)
    if not b.has("parent_ids"):
        return Section("history", title, notes=[t("hist.absent", lang, column=labels.column("parent_ids", lang))], empty=True)
    pid = str(b.value("parcel_id"))
    parents = b.value("parent_ids")
    parents = "" if _missing(parents) else ", ".join(p.strip() for p in str(parents).split(",") if p.strip())
    children = ", ".join(b.ctx.children.get(pid, []))
    if not parents and not children:
        return Section("history", title, notes=[t("hist.none", lang)])
    rows = [[Cell(t("hist.parents", lang)), Cell(parents or "—", "parent_ids"), Cell("—", None, "unit"),
             Cell("—", None, "src")],
            [Cell(t("hist.children", lang)), Cell(children or "—"), Cell("—", None, "unit"), Cell("—", None, "src")]]
    return Section("history", title, [Table(b.headers("col.item", "col.value", "col.unit", "col.source"), rows)])


def _coverage(b: _Builder) -> Section:
    lang = b.lang
    service = b.rules.coverage.service_distance_m
    rows = []
    unit_m = t("unit.m", lang)
    for kind in NETWORK_TYPES:
        label = labels.value("network_type", kind, lang)
        cost_key = f"coverage.unit_cost_wan_per_m.{kind}"
        has = b.value(f"has_{kind}")
        avail = (Cell("—", None, "na") if _missing(has) else
                 Cell(t("yes" if bool(has) else "no", lang), f"has_{kind}", "ok" if bool(has) else "fail"))
        rows.append([Cell(label), avail, b.num(f"dist_{kind}_m"),
                     Cell(fmt_value(service.get(kind), lang, "m"), None, "num"),
                     b.num(f"ext_{kind}_m"), b.num(f"ext_{kind}_cost_wan"), b.source(cost_key)])
    costs = [b.value(f"ext_{k}_cost_wan") for k in NETWORK_TYPES]
    total = float(np.nansum([c for c in costs if not _missing(c)])) if any(not _missing(c) for c in costs) else None
    summary = [b.line("readiness", "plain"), b.line("missing", "plain"),
               [Cell(t("cov.total", lang)), Cell(fmt_value(total, lang, "wan"), None, "num"),
                Cell(t("unit.wan", lang), None, "unit"),
                b.source("coverage.unit_cost_wan_per_m")]]
    if b.has("power_zone"):
        zone_key = b.value("power_zone_key")
        summary.append(b.line("power_zone", "plain", key=zone_key if isinstance(zone_key, str) else ""))
        if not _missing(b.value("power_zone")) and bool(b.value("power_zone")):
            summary.append(b.line(text_column("power_zone_reason", lang), "plain", key=""))
    head = [t("col.type", lang), t("col.available", lang), f"{t('col.distance', lang)} ({unit_m})",
            f"{t('col.service', lang)} ({unit_m})", f"{t('col.extension', lang)} ({unit_m})",
            f"{t('col.cost', lang)} ({t('unit.wan', lang)})", t("col.source", lang)]
    return Section("coverage", t("sec.coverage", lang), [
        Table(b.headers("col.item", "col.value", "col.unit", "col.source"), summary),
        Table(head, rows, caption=f"@ref:coverage.service_distance_m|{t('col.service', lang)}: {{ref}}"),
    ])


_TERRAIN = ("elev_mean_m", "relief_m", "slope_mean_deg", "design_elev_m", "cut_m3", "fill_m3", "dem_cells")


def _terrain(b: _Builder) -> Section:
    lang = b.lang
    rows = [b.line(c) for c in _TERRAIN if b.has(c)]
    if b.has("design_basis"):
        own = b.value("design_basis") == "design_level_m"
        rows.append(b.line("design_basis", "design_basis", key="" if own else "terrain.design_level"))
    by_dem = b.value("leveled_source") == "dem"
    rows.append(b.line("leveled", None, key="terrain.max_relief_m" if by_dem else "") if b.has("leveled") else
                b.line("site_leveled", None, key=""))
    if b.has("leveled_source"):
        rows.append(b.line("leveled_source", "leveled_source", key=""))
    rows.append([Cell(rulekeys.label("terrain.max_relief_m", lang)),
                 Cell(fmt_value(_get(b.rules, "terrain.max_relief_m"), lang, "m"), None, "num"),
                 Cell(t("unit.m", lang), None, "unit"), b.source("terrain.max_relief_m")])
    notes = [] if b.ctx.has_dem else [t("terrain.no_dem", lang, column=labels.column("site_leveled", lang))]
    return Section("terrain", t("sec.terrain", lang),
                   [Table(b.headers("col.item", "col.value", "col.unit", "col.source"), rows)], notes)


_ENT_FIGURES = ("share", "tax_wan", "revenue_wan", "output_wan", "value_added_wan", "employees")


def _enterprises(b: _Builder) -> Section:
    lang, ctx = b.lang, b.ctx
    pid = str(b.value("parcel_id"))
    title = t("sec.enterprises", lang)
    rows_idx = ctx.ledger_rows.get(pid)
    if rows_idx is None or not len(rows_idx):
        return Section("enterprises", title, notes=[t("ent.none", lang)])
    rows = ctx.ledger_year.iloc[rows_idx]
    prev_idx = ctx.ledger_prev_rows.get(pid)
    prev = ctx.ledger_prev.iloc[prev_idx] if prev_idx is not None else ctx.ledger_prev.iloc[:0]
    prev_tax = prev.groupby("enterprise_id")["tax_wan"].sum(min_count=1) if len(prev) else pd.Series(dtype=float)
    heads = [t("ent.id", lang), t("ent.name", lang)]
    for col in _ENT_FIGURES:
        name, unit = split_label(col, lang)
        heads.append(f"{name} ({unit})" if unit != t("unit.none", lang) else name)
    heads.append(f"{t('ent.prev', lang)} {labels.column('tax_wan', lang, layer='ledger')}")
    body = []
    for _, r in rows.iterrows():
        cells = [Cell(str(r["enterprise_id"])), Cell(fmt_value(r.get("name"), lang))]
        cells += [Cell(cell_text(c, r.get(c), lang), f"ledger:{c}", "num") for c in _ENT_FIGURES]
        cells.append(Cell(cell_text("tax_wan", prev_tax.get(r["enterprise_id"]), lang), None, "num"))
        body.append(cells)
    total = [Cell(t("ent.total", lang)), Cell(f"{len(rows)}")]
    for c in _ENT_FIGURES:
        if c == "share":
            total.append(Cell("", None, "num"))
        else:
            total.append(Cell(cell_text(c, rows[c].sum(min_count=1), lang), f"ledger_total:{c}", "num"))
    total.append(Cell(cell_text("tax_wan", prev_tax.sum(min_count=1) if len(prev_tax) else None, lang), None, "num"))
    body.append(total)
    # the 18-character credit code (kept whole, html.break_points) and the name need room (19 % and
    # 15 %); the widths add up to 90 %, the cells' padding takes the rest of the page's width
    k = len(heads) - 2
    widths = [19, 15] + [56 // k] * (k - 1) + [56 - (56 // k) * (k - 1)]
    return Section("enterprises", title, [Table(heads, body, caption=f"{t('meta.year', lang)} {ctx.year}",
                                                widths=widths)])


def _number_refs(b: _Builder, sections: list[Section]) -> None:
    """Number the references in the order a reader meets them (cells hold their key until then)."""
    order: dict[str, int] = {}
    for section in sections:
        for table in section.tables:
            if table.caption.startswith("@ref:"):
                key = table.caption.split(":", 1)[1].split("|", 1)[0]
                order.setdefault(key, len(order) + 1)
            for row in table.rows:
                for cell in row:
                    if cell.ref:
                        order.setdefault(cell.ref, len(order) + 1)
    for section in sections:
        for table in section.tables:
            if table.caption.startswith("@ref:"):
                key, text = table.caption.removeprefix("@ref:").split("|", 1)
                table.caption = text.replace("{ref}", _ref_text(key, order[key], b.lang))
            for row in table.rows:
                row[:] = [replace(c, text=_ref_text(c.ref, order[c.ref], b.lang), ref=None) if c.ref else c
                          for c in row]
    b.refs = order


def _ref_text(key: str, n: int, lang: str) -> str:
    return f"[{n}] {t('unconfirmed', lang)}" if is_unconfirmed(key) else f"[{n}]"


def sources_section(b: _Builder) -> Section:
    """Every rules key the report cites: its number, its name and where its value comes from,
    in the report's language (the key itself stays in the HTML's ``data-rule``, unseen)."""
    items = []
    mark = t("unconfirmed", b.lang)
    for key, n in b.refs.items():
        text, unconfirmed = source_text(key, b.rules, b.ctx.defaults, b.lang)
        if unconfirmed and mark not in text:
            text = t("src.unconfirmed", b.lang, source=text)
        items.append(Source(n, key, text, unconfirmed, rulekeys.label(key, b.lang)))
    return Section("sources", t("sec.sources", b.lang), sources=items)


def parcel_report(ctx, parcel_id: str, *, lang: str = "zh", map_svg: str | None = None) -> Report:
    """The content of ``parcel_id``'s report (see the module docstring)."""
    from .economics import parcel_economics_section
    from .svg import map_legend, parcel_map

    row = ctx.row(parcel_id)
    b = _Builder(ctx, row, lang)
    map_section = Section("map", t("sec.map", lang))
    map_section.svg = map_svg if map_svg is not None else parcel_map(ctx, parcel_id, lang=lang)
    map_section.legend = map_legend(lang)
    if not map_section.svg:
        map_section.notes.append(t("map.none", lang))
        map_section.empty = True
    sections = [_header(b), map_section, _efficiency(b), _compliance(b), _idle(b), _lifecycle(b),
                _history(b), _coverage(b), _terrain(b), parcel_economics_section(b), _enterprises(b)]
    _number_refs(b, sections)
    sections.append(sources_section(b))
    holder = row.get("holder")
    subtitle = " · ".join(x for x in (parcel_id, "" if _missing(holder) else str(holder)) if x)
    from .. import __version__

    meta = [f"{t('meta.as_of', lang)} {ctx.as_of.isoformat()}", f"{t('meta.year', lang)} {ctx.year or '—'}",
            t("meta.rules", lang, extra=" + rules.yaml" if (ctx.workspace / "rules.yaml").exists() else ""),
            t("meta.generated", lang, version=__version__)]
    return Report(parcel_id, t("title.parcel", lang), subtitle, lang, sections, meta)
