"""The land economics section (土地投入产出, issue 22) of the parcel and park reports.

The figures are those of the run's context (:func:`landplan.report.context.prepare` computes
:func:`landplan.economics_workspace.workspace_economics` once, on the run's evaluation): a
parcel's row of the per-parcel table, joined by parcel id, and the park dict. Cells name what
they show, so tests compare them with that table and dict: ``econ:<column>`` (a parcel's),
``econ_total:<key>`` (``park["totals"]``), ``econ_payback:<class>`` / ``econ_payback_mu:<class>``
(``park["payback"]``), ``econ_change:<class>:<column>`` (the class change), ``econ_zone:<column>``.

Every economics figure rests on inputs that may be a demo's illustrative values or UNCONFIRMED:
the section shows them below the figures (:func:`~landplan.economics_workspace.economics_basis`,
each with its mark and source) and, for a demo park, the caveat above them
(:func:`~landplan.economics_workspace.economics_caveat`). When the rules lack an input the
section names every missing one by its label and says where to set it: no table, no figure.
"""

from __future__ import annotations

from typing import Any

from .. import labels
from ..economics import class_change_summary
from ..economics_workspace import economics_basis, economics_caveat
from ..io.writers import cell_text
from ..labels import rulekeys
from .i18n import t
from .model import Cell, Section, Table, _Builder, _get, _missing, fmt_value, split_label

__all__ = ["parcel_economics_section", "park_economics_section", "KEY"]

#: The section's key (``data-section``) in both reports.
KEY = "economics"

#: Cost items of the per-parcel table: item code (``economics_items``) → (column, rules key cited).
_ITEMS: dict[str, tuple[str, str]] = {
    "acquisition": ("acquisition_wan_per_mu", "economics.acquisition_wan_per_mu"),
    "development": ("development_wan_per_mu", "economics.development_wan_per_mu"),
    "extension": ("extension_wan_per_mu", "coverage.unit_cost_wan_per_m"),
    "earthwork": ("earthwork_wan_per_mu", "economics.earthwork_yuan_per_m3"),
}


def _item_names(items, lang: str) -> str:
    return labels.t("text.sep.list", lang).join(labels.t(f"cli.economics.item.{i}", lang) for i in items)


def _not_computed(ctx, lang: str) -> Section:
    """The section without figures: the missing inputs by their labels and where to set them."""
    if ctx.economics_missing:
        names = labels.t("text.sep.list", lang).join(rulekeys.label(k, lang) for k in ctx.economics_missing)
        note = t("econ.missing", lang, inputs=names)
    else:
        note = t("econ.failed", lang)
    return Section(KEY, t("sec.economics", lang), notes=[note], empty=True)


def _basis(ctx, lang: str) -> Table:
    """What every figure rests on: the inputs, their values, marks and sources."""
    rows = [[Cell(r.label), Cell(r.value, f"basis:{r.key}"), Cell(r.mark, None, "unconfirmed" if r.mark else ""),
             Cell(r.source, None, "src")] for r in economics_basis(ctx.rules, lang).itertuples()]
    return Table([t("col.item", lang), t("col.value", lang), t("econ.col.mark", lang), t("col.source", lang)],
                 rows, caption=t("econ.basis", lang), widths=[22, 22, 16, 40])


def _section(ctx, lang: str, tables: list[Table], notes: list[str]) -> Section:
    caveat = economics_caveat(ctx.rules, lang)
    return Section(KEY, t("sec.economics", lang), [*tables, _basis(ctx, lang)], notes,
                   intro=[caveat] if caveat else [])


def _horizon(ctx) -> int:
    return int(ctx.economics.attrs.get("economics_horizon_years") or _get(ctx.rules, "economics.horizon_years"))


# --------------------------------------------------------------------------------------------
# one parcel
# --------------------------------------------------------------------------------------------

def _floor_key(ctx) -> str:
    """The rules key of the floor the check applied: the provincial one when set, else the grade's."""
    if _get(ctx.rules, "economics.provincial_floor_yuan_per_m2") is not None:
        return "economics.provincial_floor_yuan_per_m2"
    return f"economics.floor_prices_yuan_per_m2.{int(_get(ctx.rules, 'economics.land_grade'))}"


def parcel_economics_section(b: _Builder) -> Section:
    """The parcel's land economics: cost by item, land price, net outlay, local tax, return to
    date, payback and the floor-price check, from its row of the context's per-parcel table."""
    ctx, lang = b.ctx, b.lang
    if ctx.economics is None:
        return _not_computed(ctx, lang)
    pid = str(b.value("parcel_id"))
    if pid not in ctx.economics.index:
        return Section(KEY, t("sec.economics", lang), notes=[t("econ.no_parcel", lang)], empty=True)
    e = ctx.economics.loc[pid]
    items = list(ctx.economics.attrs.get("economics_items", ()))
    horizon = _horizon(ctx)

    def num(col: str) -> Cell:
        return Cell(cell_text(col, e[col], lang), f"econ:{col}", "num")

    def line(col: str, key: str = "", name: str | None = None, unit: str | None = None) -> list[Cell]:
        return [Cell(name) if name else b.name(col), num(col),
                Cell(t(f"unit.{unit}", lang), None, "unit") if unit else b.unit(col), b.source(key)]

    def payback(col: str, within: str, key: str) -> list[Cell]:
        if not _missing(e[col]):
            return line(col, key)
        w = e[within]
        if e["econ_status"] == "not_within_horizon" or (not _missing(w) and not bool(w)):
            text = t("econ.not_within", lang, horizon=horizon)
        else:
            text = labels.value("econ_status", e["econ_status"], lang)
        return [b.name(col), Cell(text, f"econ:{col}", "na"), b.unit(col), b.source(key)]

    costs = []
    for item in items:
        col, key = _ITEMS[item]
        if item == "acquisition" and _get(ctx.rules, key) != e[col]:
            key = ""  # the parcel's own price or its zone's, not the rules' park-wide value
        costs.append(line(col, key))
    year = e["local_tax_year"]
    costs += [line("cost_wan_per_mu"), line("cost_wan"), line("price_wan_per_mu"),
              line("net_outlay_wan_per_mu"), line("net_outlay_wan"),
              line("local_tax_wan_per_mu", "economics.retained_local_share",
                   None if _missing(year) else t("econ.current_tax", lang, year=int(year))),
              line("return_to_date_wan_per_mu"), line("return_to_date_wan")]
    paybacks = [
        line("years_to_date", unit="years"),
        payback("static_payback_years", "static_payback_within_horizon", "economics.horizon_years"),
        payback("discounted_payback_years", "discounted_payback_within_horizon", "economics.discount_rate"),
        [b.name("econ_status"), Cell(labels.value("econ_status", e["econ_status"], lang), "econ:econ_status"),
         Cell("—", None, "unit"), b.source("economics.horizon_years")],
    ]
    below = e["below_floor"]
    floor = [line("price_yuan_per_m2"), line("floor_base_yuan_per_m2", _floor_key(ctx)), line("floor_factor", unit="ratio"),
             [b.name("floor_exception"),
              Cell(labels.value("floor_exception", e["floor_exception"], lang), "econ:floor_exception"),
              Cell("—", None, "unit"), b.source("")],
             line("floor_yuan_per_m2"),
             [b.name("below_floor"), Cell(cell_text("below_floor", below, lang), "econ:below_floor",
                                          "na" if _missing(below) else ("fail" if bool(below) else "ok")),
              Cell("—", None, "unit"), b.source("")]]
    head = b.headers("col.item", "col.value", "col.unit", "col.source")
    notes = [t("econ.items", lang, items=_item_names(items, lang))]
    left = [i for i in _ITEMS if i not in items]
    if left:
        notes.append(t("econ.not_counted", lang, items=_item_names(left, lang)))
    notes += [t("econ.payback_note", lang), t("econ.floor_note", lang)]
    return _section(ctx, lang, [Table(head, costs, caption=t("econ.costs", lang)),
                                Table(head, paybacks, caption=t("econ.payback", lang)),
                                Table(head, floor, caption=t("econ.floor", lang))], notes)


# --------------------------------------------------------------------------------------------
# the park
# --------------------------------------------------------------------------------------------

def _head(col: str, lang: str) -> str:
    """A column's header for people: its name and, in brackets, its unit."""
    name, unit = split_label(col, lang)
    return name if unit in ("", "—") else f"{name} ({unit})"


def _years(value: Any, lang: str, horizon: int) -> str:
    """A median payback in years; NaN (half or more not within the horizon) in words."""
    return t("econ.not_within", lang, horizon=horizon) if _missing(value) else fmt_value(value, lang, "years")


def park_economics_section(b: _Builder, *, limit: int = 30) -> Section:
    """The park's land economics: totals, payback classes, parcels not paying back (the first
    ``limit`` listed), below-floor count, the class change and the zones, from the park dict."""
    ctx, lang = b.ctx, b.lang
    if ctx.economics is None:
        return _not_computed(ctx, lang)
    econ, park = ctx.economics, ctx.economics_park
    tot = park["totals"]
    horizon = _horizon(ctx)
    unit_n, unit_mu, unit_wan = t("econ.unit_parcels", lang), t("unit.mu", lang), t("unit.wan", lang)
    unit_wan_mu = t("unit.wan_per_mu", lang)

    def total(key: str, name: str, unit: str, fmt_unit: str, source: str = "") -> list[Cell]:
        return [Cell(name), Cell(fmt_value(tot[key], lang, fmt_unit), f"econ_total:{key}", "num"),
                Cell(unit, None, "unit"), b.source(source)]

    below = int(econ["below_floor"].astype("boolean").fillna(False).sum())
    not_paying = list(park["not_paying_back"])
    totals = [
        [Cell(t("econ.parcels", lang)), Cell(str(len(econ)), "econ_total:parcels", "num"), Cell(unit_n, None, "unit"),
         b.source("")],
        total("area_mu", split_label("area_mu", lang)[0], unit_mu, "mu"),
        [Cell(t("econ.costed_parcels", lang)), Cell(str(int(tot["costed_parcels"])), "econ_total:costed_parcels", "num"),
         Cell(unit_n, None, "unit"), b.source("")],
        total("cost_wan", split_label("cost_wan", lang)[0], unit_wan, "wan"),
        total("cost_wan_per_mu", split_label("cost_wan_per_mu", lang)[0], unit_wan_mu, "wan_per_mu"),
        total("land_price_wan", t("econ.land_price", lang), unit_wan, "wan"),
        total("land_price_wan_per_mu", t("econ.land_price_per_mu", lang), unit_wan_mu, "wan_per_mu"),
        total("net_outlay_wan", split_label("net_outlay_wan", lang)[0], unit_wan, "wan"),
        total("net_outlay_wan_per_mu", split_label("net_outlay_wan_per_mu", lang)[0], unit_wan_mu, "wan_per_mu"),
        total("return_to_date_wan", split_label("return_to_date_wan", lang)[0], unit_wan, "wan",
              "economics.retained_local_share"),
        total("return_to_date_wan_per_mu", split_label("return_to_date_wan_per_mu", lang)[0], unit_wan_mu,
              "wan_per_mu", "economics.retained_local_share"),
        [Cell(t("econ.below_floor", lang)), Cell(str(below), "econ_total:below_floor", "num"),
         Cell(unit_n, None, "unit"), b.source(_floor_key(ctx))],
        [Cell(split_label("not_paying_back", lang)[0]), Cell(str(len(not_paying)), "econ_total:not_paying_back", "num"),
         Cell(unit_n, None, "unit"), b.source("economics.horizon_years")],
    ]
    tables = [Table(b.headers("col.item", "col.value", "col.unit", "col.source"), totals,
                    caption=t("econ.totals", lang))]

    dist = park["payback"]
    all_mu = float(dist["area_mu"].sum()) or 1.0
    rows = [[Cell(labels.value("payback_class", code, lang)),
             Cell(str(int(r["parcels"])), f"econ_payback:{code}", "num"),
             Cell(fmt_value(r["area_mu"], lang, "mu"), f"econ_payback_mu:{code}", "num"),
             Cell(fmt_value(100 * r["area_mu"] / all_mu, lang, "pct"), None, "num")] for code, r in dist.iterrows()]
    tables.append(Table([labels.column("payback_class", lang), f"{t('col.count', lang)} ({unit_n})",
                         f"{t('park.area', lang)} ({unit_mu})", f"{t('park.area', lang)} (%)"], rows,
                        caption=t("econ.classes", lang), widths=[40, 20, 20, 20]))

    notes = []
    if not_paying:
        rows = []
        for pid in not_paying[:limit]:
            e = econ.loc[str(pid)]
            holder = ctx.row(str(pid)).get("holder") if str(pid) in ctx.position else None
            rows.append([Cell(str(pid)), Cell(fmt_value(holder, lang)),
                         Cell(cell_text("area_mu", e["area_mu"], lang), "econ_list:area_mu", "num"),
                         Cell(cell_text("net_outlay_wan_per_mu", e["net_outlay_wan_per_mu"], lang), None, "num"),
                         Cell(cell_text("local_tax_wan_per_mu", e["local_tax_wan_per_mu"], lang), None, "num"),
                         Cell(cell_text("return_to_date_wan_per_mu", e["return_to_date_wan_per_mu"], lang), None, "num")])
        heads = [t("col.parcel", lang), t("col.holder", lang),
                 *(_head(c, lang) for c in ("area_mu", "net_outlay_wan_per_mu", "local_tax_wan_per_mu",
                                            "return_to_date_wan_per_mu"))]
        tables.append(Table(heads, rows, caption=t("econ.not_paying", lang, horizon=horizon, n=len(not_paying)),
                            widths=[22, 18, 12, 16, 16, 16]))
        if len(not_paying) > limit:
            notes.append(t("park.more", lang, n=len(not_paying) - limit))
    else:
        notes.append(t("econ.not_paying_none", lang, horizon=horizon))

    change = park.get("class_change")
    if change is not None and len(change):
        summary = class_change_summary(change)
        rows = []
        for frm, r in summary.iterrows():
            rows.append([Cell(t("econ.step", lang, frm=labels.value("efficiency_class", frm, lang),
                                to=labels.value("efficiency_class", r["target_class"], lang))),
                         Cell(str(int(r["parcels"])), f"econ_change:{frm}:parcels", "num"),
                         Cell(fmt_value(r["target_tax_per_mu_wan"], lang, "wan_per_mu"),
                              f"econ_change:{frm}:target_tax_per_mu_wan", "num"),
                         Cell(_years(r["median_before_years"], lang, horizon), f"econ_change:{frm}:median_before_years",
                              "num"),
                         Cell(_years(r["median_after_years"], lang, horizon), f"econ_change:{frm}:median_after_years",
                              "num"),
                         Cell(t("econ.within_n", lang, before=int(r["within_before"]), after=int(r["within_after"])),
                              None, "num")])
        tables.append(Table([t("eff.class", lang), f"{t('col.count', lang)} ({unit_n})",
                             f"{split_label('target_tax_per_mu_wan', lang)[0]} ({unit_wan_mu})",
                             f"{t('econ.median_before', lang)} ({t('unit.years', lang)})",
                             f"{t('econ.median_after', lang)} ({t('unit.years', lang)})", t("econ.within", lang)],
                            rows, caption=t("econ.class_change", lang), widths=[12, 12, 19, 17, 17, 23]))

    zones = park.get("by_zone")
    if zones is not None and len(zones):
        rows = [[Cell(str(zone)), Cell(str(int(r["parcels"])), "econ_zone:parcels", "num"),
                 Cell(fmt_value(r["area_mu"], lang, "mu"), "econ_zone:area_mu", "num"),
                 Cell(fmt_value(r["cost_wan"], lang, "wan"), "econ_zone:cost_wan", "num"),
                 Cell(fmt_value(r["net_outlay_wan"], lang, "wan"), "econ_zone:net_outlay_wan", "num"),
                 Cell(fmt_value(r["return_to_date_wan"], lang, "wan"), "econ_zone:return_to_date_wan", "num"),
                 Cell(str(int(r["not_paying_back"])), "econ_zone:not_paying_back", "num")]
                for zone, r in zones.iterrows()]
        tables.append(Table([labels.column("economics_zone", lang), f"{t('col.count', lang)} ({unit_n})",
                             f"{t('park.area', lang)} ({unit_mu})",
                             *(f"{split_label(c, lang)[0]} ({unit_wan})"
                               for c in ("cost_wan", "net_outlay_wan", "return_to_date_wan")),
                             _head("not_paying_back", lang)], rows,
                            caption=t("econ.by_zone", lang), widths=[20, 10, 12, 15, 15, 15, 13]))

    notes = [t("econ.items", lang, items=_item_names(econ.attrs.get("economics_items", ()), lang)), *notes]
    left = [i for i in _ITEMS if i not in econ.attrs.get("economics_items", ())]
    if left:
        notes.append(t("econ.not_counted", lang, items=_item_names(left, lang)))
    return _section(ctx, lang, tables, notes)
