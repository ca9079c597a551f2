"""土地投入产出 / Land economics (issue 22): what each mu cost, what it returns, when it pays back.

At the top, what every figure rests on: for a demo park the caveat
(:func:`~landplan.economics_workspace.economics_caveat`), then the inputs with their values,
marks and sources (:func:`~landplan.economics_workspace.economics_basis`). Then the shown
parcels' totals, the map by payback class, the payback classes (coloured as the map), the
parcels that will not pay back and those sold below the floor (a row selects its parcel), the
class change (D→C, C→B, B→A) and the per-parcel table with its CSV/XLSX downloads.

The figures are :func:`~landplan.economics_workspace.workspace_economics` on the cached
evaluation, computed once per evaluation (workspace files, date, year and rules text); with a
filter set, the totals and classes are :func:`~landplan.economics.park_economics` of the shown
parcels. When the rules lack an input, the page names every missing one by its label and where
to set it, and shows no figure.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from landplan import labels, style
from landplan.app import context, ui
from landplan.app.i18n import t
from landplan.app.mapview import show_map
from landplan.economics import class_change_summary, park_economics
from landplan.economics_workspace import (
    MissingEconomicsInputs,
    economics_basis,
    economics_caveat,
    economics_inputs,
    workspace_economics,
)
from landplan.errors import LandplanError
from landplan.labels import rulekeys

log = logging.getLogger(__name__)

MAP_KEY = "map_economics"
#: The themes the page's map offers (:data:`landplan.app.map.THEMES`), the payback first.
THEMES = ("payback", "efficiency_class", "status", "land_use")
#: Cost items (``economics_items``) → their per-mu column.
ITEMS = {"acquisition": "acquisition_wan_per_mu", "development": "development_wan_per_mu",
         "extension": "extension_wan_per_mu", "earthwork": "earthwork_wan_per_mu"}
#: The per-parcel table (its download too); the cost items not counted are left out.
PARCELS = ["parcel_id", "parcel_name", "holder", "area_mu", *ITEMS.values(), "cost_wan_per_mu", "cost_wan",
           "price_wan_per_mu", "net_outlay_wan_per_mu", "net_outlay_wan", "local_tax_year",
           "local_tax_wan_per_mu", "return_to_date_wan_per_mu", "return_to_date_wan", "years_to_date",
           "static_payback_years", "discounted_payback_years", "econ_status", "price_yuan_per_m2",
           "floor_yuan_per_m2", "floor_exception", "below_floor"]
NOT_PAYING = ["parcel_id", "parcel_name", "holder", "area_mu", "net_outlay_wan_per_mu", "local_tax_year",
              "local_tax_wan_per_mu", "return_to_date_wan_per_mu", "years_to_date"]
BELOW_FLOOR = ["parcel_id", "parcel_name", "holder", "area_mu", "price_yuan_per_m2", "floor_base_yuan_per_m2",
               "floor_factor", "floor_exception", "floor_yuan_per_m2"]
#: The totals as figure cards, three rows (counts, sums, per mu): (key of ``park["totals"]`` or a
#: count, label, unit of labels.fmt).
TOTALS = (
    (("parcels", "econ.m.parcels", "count"), ("area_mu", "econ.m.area", "mu"),
     ("not_paying_back", "econ.m.not_paying", "count"), ("below_floor", "econ.m.below_floor", "count")),
    (("cost_wan", "econ.m.cost", "wan"), ("land_price_wan", "econ.m.price", "wan"),
     ("net_outlay_wan", "econ.m.net", "wan"), ("return_to_date_wan", "econ.m.return", "wan")),
    (("cost_wan_per_mu", "econ.m.cost_per_mu", "wan_per_mu"),
     ("land_price_wan_per_mu", "econ.m.price_per_mu", "wan_per_mu"),
     ("net_outlay_wan_per_mu", "econ.m.net_per_mu", "wan_per_mu"),
     ("return_to_date_wan_per_mu", "econ.m.return_per_mu", "wan_per_mu")),
)


@dataclass
class Economics:
    """What the page shows: the per-parcel table (indexed by parcel_id as text) and the park
    dict, or the rules keys missing, or why it failed."""

    table: pd.DataFrame | None = None
    park: dict | None = None
    missing: list[str] = field(default_factory=list)
    error: str | None = None


@st.cache_resource(show_spinner=False, max_entries=4)
def economics(key: tuple, path: str, as_of, _rules, _evaluation: pd.DataFrame) -> Economics:
    """:func:`workspace_economics` of the workspace ``path`` on its evaluation, cached on
    ``key`` (the evaluation's cache key: the workspace's files, date, year and rules text)."""
    del key
    try:
        table, park = workspace_economics(path, _rules, as_of=as_of, evaluation=_evaluation)
    except MissingEconomicsInputs as exc:
        return Economics(missing=list(exc.keys))
    except LandplanError as exc:
        return Economics(error=str(exc))
    except Exception as exc:  # a broken file: say so, keep the traceback in the server log
        log.exception("land economics of %s", path)
        return Economics(error=f"{type(exc).__name__}: {exc}")
    table = table.set_axis(table.index.astype(str))
    return Economics(table, park)


def shown_economics(found: Economics, view: pd.DataFrame, evaluation: pd.DataFrame, rules
                    ) -> tuple[pd.DataFrame, dict]:
    """The per-parcel rows of the shown parcels (``view``'s, in its order, with its names and
    holders) and their park dict: the cached one when every parcel is shown, else
    :func:`park_economics` of those (the class change against the whole park's classes)."""
    ids = pd.Index(view["parcel_id"].astype(str), name="parcel_id")
    rows = found.table.reindex(ids)
    rows.attrs = dict(found.table.attrs)
    if len(ids) == len(found.table) and ids.isin(found.table.index).all():
        park = found.park
    else:
        inputs = economics_inputs(rules)[0]
        efficiency = evaluation.set_index(evaluation["parcel_id"].astype(str))
        park = park_economics(rows, efficiency, inputs)
    named = [c for c in ("parcel_name", "holder") if c in view.columns]
    frame = rows.reset_index()
    for column in named:
        frame[column] = view[column].to_numpy()
    return frame, park


def _basis(rules, lang: str) -> None:
    """The caveat (a demo park's inputs) and every input with its value, mark and source."""
    caveat = economics_caveat(rules, lang)
    if caveat:
        st.warning(caveat, icon=":material/warning:")
    basis = economics_basis(rules, lang)
    st.subheader(labels.t("econ.basis.title", lang))
    st.caption(t("econ.basis_caption", lang))
    st.dataframe(pd.DataFrame({t("econ.col.input", lang): basis["label"], t("econ.col.value", lang): basis["value"],
                               t("econ.col.mark", lang): basis["mark"], t("econ.col.source", lang): basis["source"]}),
                 hide_index=True, key="econ_basis")


def _not_computed(ctx, found: Economics, lang: str) -> None:
    """Why there is no figure: the missing inputs by their labels and where to set them."""
    from landplan.app.pages import page_path
    from landplan.app.pages.settings import FORM_SECTIONS

    if not found.missing:
        st.error(t("econ.failed", lang, error=ui.md_lines(found.error or "")))
        return
    names = labels.t("text.sep.list", lang).join(rulekeys.label(k, lang) for k in found.missing)
    path = ctx.workspace / "rules.yaml"
    settable = "economics" in FORM_SECTIONS  # the settings page's form edits the section
    where = t("econ.where_settings" if settable else "econ.where_file", lang, path=path)
    st.warning(ui.md_lines(f"{t('econ.missing', lang, inputs=names)}\n{where}"))
    if settable:
        st.page_link(page_path("settings"), label=t("nav.settings", lang), icon=":material/settings:")


def _cards(line, totals: dict, counts: dict, lang: str) -> str:
    """One row of figure cards (``data-key`` = the key of ``park["totals"]`` or the count)."""
    def text(key: str, unit: str) -> str:
        value = counts[key] if key in counts else totals[key]
        return (t("econ.n_parcels", lang, n=labels.fmt(value, "count", lang)) if unit == "count"
                else labels.fmt(value, unit, lang, with_unit=True))

    return ui.figure_cards([(key, t(label, lang), text(key, unit)) for key, label, unit in line])


def _classes(park: dict, lang: str) -> None:
    dist = park["payback"]
    st.subheader(t("econ.classes", lang))
    st.caption(t("econ.classes_caption", lang))
    if not len(dist):
        return
    names = [labels.value("payback_class", code, lang) for code in dist.index]
    area = dist["area_mu"].to_numpy(dtype="float64")
    everything = float(area.sum()) or 1.0
    left, right = st.columns([3, 2])
    with left:
        ui.show_html(ui.bar_rows(names, area.tolist(), unit=t("unit.mu", lang), title=labels.column("area_mu", lang),
                                 key="econ_classes", colours=[style.hex("payback_class", c) for c in dist.index],
                                 width_px=260))
    with right:
        ui.table_for_people(pd.DataFrame({
            labels.column("payback_class", lang): names,
            t("overview.count", lang): dist["parcels"].astype(int).to_numpy(),
            labels.column("area_mu", lang): [labels.fmt(a, "mu", lang) for a in area],
            t("econ.share", lang): [labels.fmt(100.0 * a / everything, "pct", lang, with_unit=True) for a in area],
        }), lang, key="econ_classes_table", sheet=t("econ.classes", lang))


def _class_change(park: dict, lang: str, horizon: int) -> None:
    st.subheader(t("econ.class_change", lang))
    st.caption(t("econ.class_change_caption", lang))
    change = park.get("class_change")
    if change is None or not len(change):
        st.info(t("econ.class_change_none", lang))
        return
    summary = class_change_summary(change)

    def years(value) -> str:
        return (labels.t("report.econ.not_within", lang, horizon=horizon) if pd.isna(value)
                else labels.fmt(value, "years", lang, with_unit=True))

    frame = pd.DataFrame({
        labels.t("report.eff.class", lang): [
            labels.t("report.econ.step", lang, frm=labels.value("efficiency_class", frm, lang),
                     to=labels.value("efficiency_class", to, lang))
            for frm, to in zip(summary.index, summary["target_class"], strict=True)],
        t("overview.count", lang): summary["parcels"].astype(int).to_numpy(),
        labels.column("target_tax_per_mu_wan", lang): [labels.fmt(v, "wan_per_mu", lang)
                                                       for v in summary["target_tax_per_mu_wan"]],
        labels.t("report.econ.median_before", lang): [years(v) for v in summary["median_before_years"]],
        labels.t("report.econ.median_after", lang): [years(v) for v in summary["median_after_years"]],
        labels.t("report.econ.within", lang): [
            labels.t("report.econ.within_n", lang, before=int(b), after=int(a))
            for b, a in zip(summary["within_before"], summary["within_after"], strict=True)],
    })
    ui.table_for_people(frame, lang, key="econ_class_change", sheet=t("econ.class_change", lang))


def render() -> None:
    found = context.evaluated_page("nav.economics")
    if found is None:
        return
    ctx, table, mask = found
    lang = ctx.lang
    rules = ctx.rules()
    if rules is None:
        return
    econ = economics(ctx.frame_key(table), str(ctx.workspace.resolve()), ctx.as_of, rules, table)
    if econ.table is None:  # why first, then what is set and what is not
        _not_computed(ctx, econ, lang)
        _basis(rules, lang)
        return
    _basis(rules, lang)
    view = table[mask]
    rows, park = shown_economics(econ, view, table, rules)
    horizon = int(rows.attrs.get("economics_horizon_years") or rules.economics.horizon_years)
    items = list(rows.attrs.get("economics_items", ()))
    below = rows["below_floor"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    paying = set(map(str, park["not_paying_back"]))
    not_paying = rows["parcel_id"].isin(paying).to_numpy()
    counts = {"parcels": len(rows), "not_paying_back": int(not_paying.sum()), "below_floor": int(below.sum())}

    st.subheader(t("econ.totals", lang))
    ui.show_html(*(_cards(line, park["totals"], counts, lang) for line in TOTALS))
    sep = labels.t("text.sep.list", lang)
    counted = sep.join(labels.t(f"cli.economics.item.{i}", lang) for i in items)
    left = [i for i in ITEMS if i not in items]
    notes = [t("econ.totals_caption", lang), labels.t("report.econ.items", lang, items=counted)]
    if left:
        notes.append(labels.t("report.econ.not_counted", lang,
                              items=sep.join(labels.t(f"cli.economics.item.{i}", lang) for i in left)))
    st.caption(" ".join(notes))

    show_map(ctx, table, mask, key=MAP_KEY, default_colour="payback", columns=THEMES)
    ui.thematic_download(ctx, table, mask, map_key=MAP_KEY, main="payback")
    _classes(park, lang)

    st.subheader(t("econ.not_paying", lang, horizon=horizon, n=int(not_paying.sum())))
    if not_paying.any():
        ui.parcel_table(rows[not_paying].sort_values(["net_outlay_wan_per_mu", "parcel_id"], ascending=[False, True]),
                        NOT_PAYING, lang, key="econ_not_paying", sheet=t("econ.m.not_paying", lang))
    else:
        st.info(t("econ.not_paying_none", lang, horizon=horizon))
    st.subheader(t("econ.below_floor", lang, n=int(below.sum())))
    if below.any():
        ui.parcel_table(rows[below].sort_values(["price_yuan_per_m2", "parcel_id"]), BELOW_FLOOR, lang,
                        key="econ_below_floor", sheet=t("econ.m.below_floor", lang))
    else:
        st.info(t("econ.below_floor_none", lang))
    _class_change(park, lang, horizon)

    st.subheader(t("econ.parcels", lang))
    columns = [c for c in PARCELS if c not in ITEMS.values() or c in {ITEMS[i] for i in items}]
    ui.parcel_table(rows.sort_values(["parcel_id"]), columns, lang, key="econ_parcels",
                    sheet=t("econ.parcels", lang), height=360)


if __name__ == "__main__":
    render()
