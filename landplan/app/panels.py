"""Panels over library pieces: a parcel's history (:func:`landplan.history.parcel_history`),
its report (:func:`landplan.report`) and its key facts beside the map (:func:`identify_panel`).
A failure is shown as an error naming the piece; nothing is ever made up in its place.
"""

from __future__ import annotations

import html
import logging
import tempfile

import pandas as pd
import streamlit as st

from .. import labels
from . import ui
from .context import Context
from .i18n import t
from .ui import md_lines

__all__ = ["IDENTIFY_ECONOMICS", "IDENTIFY_FACTS", "guarded", "history_panel", "history_table",
           "identify_economics", "identify_facts", "identify_panel", "report_download"]

log = logging.getLogger(__name__)


def guarded(what: str, lang: str, fn, /, *args, **kwargs) -> tuple[bool, object]:
    """``(True, fn(...))``; or ``(False, None)`` after showing why it failed: a LandplanError
    (bad input) as a warning, anything else as an error naming the piece (traceback in the log)."""
    from ..errors import LandplanError

    try:
        return True, fn(*args, **kwargs)
    except LandplanError as exc:
        st.warning(md_lines(exc))
    except Exception as exc:
        log.exception("%s failed", what)
        st.error(t("hook.failed", lang, what=t(f"hook.{what}", lang), error=f"{type(exc).__name__}: {exc}"))
    return False, None


def history_panel(ctx: Context, parcel_id: str, parcel: pd.Series | None = None) -> None:
    """A parcel's change list (``landplan.history``) and its lineage (``parent_ids``)."""
    lang = ctx.lang
    st.markdown(f"**{t('history.title', lang)}**")
    if parcel is not None and "parent_ids" in parcel.index and isinstance(parcel["parent_ids"], str) \
            and parcel["parent_ids"].strip():
        st.caption(t("history.parents", lang, ids=parcel["parent_ids"]))
    ok, changes = guarded("history", lang, _history, str(ctx.workspace.resolve()), ctx.stamp(),
                          parcel_id)
    if not ok:
        return
    if changes.empty:
        st.caption(t("history.none", lang))
    else:
        st.dataframe(history_table(changes, lang), hide_index=True)


#: Columns of the history read as the parcels' own (``col.*``); the others are the history's.
_CATALOGUE_COLUMNS = ("parcel_id", "parent_ids", "area_mu")
#: The columns of :func:`landplan.history.parcel_history` a person reads, in order.
HISTORY_COLUMNS = ("relation", "parcel_id", "kind", "effective_date", "valid_from", "valid_to",
                   "parent_ids", "area_mu")


def history_table(changes: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A parcel's lineage (:func:`landplan.history.parcel_history`) for a person: the version's
    relation to the parcel, its id, the change that made it and when, its dates in force, its
    parents and its area in mu; headers and coded values from the catalogue. The change's
    log line (``summary``), the command and the ids of versions and changes stay in the
    history file."""
    from ..units import M2_PER_MU

    frame = pd.DataFrame(changes.drop(columns=[c for c in changes.columns if c == "geometry"]))
    frame["area_mu"] = pd.to_numeric(frame.get("area_m2"), errors="coerce") / M2_PER_MU
    frame["relation"] = [t(f"history.relation.{r}", lang) if isinstance(r, str) else ""
                         for r in frame.get("relation", pd.Series([None] * len(frame)))]
    frame["kind"] = [labels.value("change_kind", k, lang)
                     for k in frame.get("kind", pd.Series([None] * len(frame)))]
    shown = [c for c in HISTORY_COLUMNS if c in frame.columns]
    out = pd.DataFrame({c: ui.cell_texts(c, frame[c], lang) for c in shown})
    out.columns = [labels.column(c, lang) if c in _CATALOGUE_COLUMNS else t(f"history.col.{c}", lang)
                   for c in shown]
    return out


@st.cache_resource(show_spinner=False, max_entries=64)
def _history(path: str, stamp: tuple, parcel_id: str) -> pd.DataFrame:
    """:func:`landplan.history.parcel_history`, cached on the workspace's files (``stamp``):
    it reads the whole layer and history (1.8 s at 100,000 parcels), the page's every run
    shows it."""
    del stamp
    from ..history import parcel_history

    return parcel_history(path, parcel_id)


def report_download(ctx: Context, parcel_id: str, *, key: str = "report") -> None:
    """Make the parcel's report (``landplan.report``) and offer it for download; its widgets'
    keys start with ``key``."""
    lang = ctx.lang
    fmt = st.radio(t("report.format", lang), ["html", "pdf"], horizontal=True, key=f"{key}_fmt")
    if not st.button(t("report.make", lang), key=f"{key}_make"):
        return
    from ..report import report

    with tempfile.TemporaryDirectory(prefix="landplan-report-") as tmp:
        ok, run = guarded("report", lang, report, ctx.workspace, [parcel_id], out=tmp, fmt=fmt,
                          as_of=ctx.as_of, year=ctx.year, lang=lang, workers=1)
        if not ok:
            return
        written = run.written.get(parcel_id)
        if written is None:
            st.error(t("hook.failed", lang, what=t("hook.report", lang),
                       error=run.failures.get(parcel_id, "no file written")))
            return
        data = written.read_bytes()
    st.download_button(t("report.download", lang), data, file_name=written.name,
                       mime="text/html" if fmt == "html" else "application/pdf",
                       key=f"{key}_download")


#: The key facts the identify panel shows, in order: evaluation columns, a text for people
#: (:data:`landplan.columns.PERSON_TEXT`) by its name, read in the reader's language.
IDENTIFY_FACTS = ("holder", "land_use", "area_mu", "status", "efficiency_class",
                  "tax_per_mu_wan", "idle_status", "next_step", "readiness", "missing",
                  "lifecycle_gap")
#: Facts only the evaluation has: a frame without them (the parcels alone) is looked up in
#: the evaluation.
_EVALUATED = ("efficiency_class", "idle_status", "readiness", "lifecycle_gap")


def identify_facts(row: pd.Series, lang: str) -> list[tuple[str, str]]:
    """``(name, value)`` of each of :data:`IDENTIFY_FACTS` that ``row`` has, as a person reads
    them in ``lang``: the column's label, the value by :func:`landplan.io.writers.cell_text`
    (a text for people from its column in ``lang``)."""
    from ..io.writers import cell_text, person_column

    out = []
    for name in IDENTIFY_FACTS:
        column = person_column(name, lang)
        if column in row.index:
            out.append((labels.column(name, lang), cell_text(column, row[column], lang)))
    return out


#: The parcel's land economics in the identify panel (issue 22): evaluation columns, in order.
IDENTIFY_ECONOMICS = ("cost_wan_per_mu", "net_outlay_wan_per_mu", "local_tax_wan_per_mu",
                      "static_payback_years", "discounted_payback_years", "below_floor")


def identify_economics(row: pd.Series, horizon: int, lang: str) -> list[tuple[str, str]]:
    """``(name, value)`` of each of :data:`IDENTIFY_ECONOMICS` of ``row`` as a person reads
    them; a payback that is empty reads as not within ``horizon`` years (a judged parcel) or
    as the parcel's status in words (no ledger, no cost …). ``[]`` when the land economics is
    not computed (no ``econ_status``: inputs missing)."""
    from ..io.writers import cell_text

    status = row.get("econ_status")
    if not isinstance(status, str) or not status:
        return []
    judged = status in ("paid_back", "will_pay_back", "not_within_horizon")
    out = []
    for name in IDENTIFY_ECONOMICS:
        value = row.get(name)
        if name.endswith("_payback_years") and pd.isna(value):
            text = (labels.t("report.econ.not_within", lang, horizon=horizon) if judged
                    else labels.value("econ_status", status, lang))
        else:
            text = cell_text(name, value, lang)
        out.append((labels.column(name, lang), text))
    return out


def _economics_lines(ctx: Context, row: pd.Series, lang: str) -> str:
    """The identify panel's land economics: a heading (marked when the inputs are a demo's
    illustrative values) and :func:`identify_economics`; ``""`` when not computed."""
    from ..economics_workspace import economics_caveat

    rules = ctx.rules()
    facts = identify_economics(row, int(rules.economics.horizon_years), lang) if rules is not None else []
    if not facts:
        return ""
    head = labels.t("app.econ.identify_demo" if economics_caveat(rules, lang) else "app.econ.identify", lang)
    return (f"<div><b>{html.escape(head)}</b></div>" + "".join(
        f"<div>{html.escape(labels.t('identify.fact', lang, name=name, value=value))}</div>"
        for name, value in facts))


def identify_panel(ctx: Context, frame: pd.DataFrame, parcel_id: str, *, key: str) -> None:
    """The key facts of the parcel ``parcel_id`` beside the map ``key``, read from its own
    row (found by parcel_id) of ``frame``, or of the evaluation when ``frame`` is the parcels
    alone; a link to its detail page and its report."""
    from .data import same_ids
    from .pages import page_path

    lang = ctx.lang
    if not set(_EVALUATED) <= set(frame.columns):
        table = ctx.table()
        frame = frame if table is None else table
    at = ctx.joined(frame).row_of(parcel_id)
    if at is None:
        return
    row = frame.iloc[at]
    same_ids([row["parcel_id"]], [parcel_id], "the identified row and the selected parcel")
    st.markdown(f"**{html.escape(labels.t('identify.title', lang, id=parcel_id))}**")
    st.markdown("<div class='landplan-identify'>" + "".join(
        f"<div>{html.escape(labels.t('identify.fact', lang, name=name, value=value))}</div>"
        for name, value in identify_facts(row, lang)) + "</div>", unsafe_allow_html=True)
    economics = _economics_lines(ctx, row, lang)
    if economics:
        st.markdown(f"<div class='landplan-economics'>{economics}</div>", unsafe_allow_html=True)
    st.page_link(page_path("parcel"), label=labels.t("identify.details", lang),
                 icon=":material/place:")
    with st.expander(labels.t("identify.report", lang)):
        report_download(ctx, parcel_id, key=f"{key}_report")
