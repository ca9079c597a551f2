"""Panels over library pieces: a parcel's history (:func:`landplan.history.parcel_history`)
and its report (:func:`landplan.report`). A failure is shown as an error naming the piece;
nothing is ever made up in its place.
"""

from __future__ import annotations

import logging
import tempfile

import pandas as pd
import streamlit as st

from .context import Context
from .i18n import t
from .ui import md_lines

__all__ = ["guarded", "history_panel", "report_download"]

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
    frame = pd.DataFrame(changes.drop(columns=[c for c in changes.columns if c == "geometry"]))
    if frame.empty:
        st.caption(t("history.none", lang))
    else:
        st.dataframe(frame.astype(str), hide_index=True)


@st.cache_resource(show_spinner=False, max_entries=64)
def _history(path: str, stamp: tuple, parcel_id: str) -> pd.DataFrame:
    """:func:`landplan.history.parcel_history`, cached on the workspace's files (``stamp``):
    it reads the whole layer and history (1.8 s at 100,000 parcels), the page's every run
    shows it."""
    del stamp
    from ..history import parcel_history

    return parcel_history(path, parcel_id)


def report_download(ctx: Context, parcel_id: str) -> None:
    """Make the parcel's report (``landplan.report``) and offer it for download."""
    lang = ctx.lang
    fmt = st.radio(t("report.format", lang), ["html", "pdf"], horizontal=True, key="report_fmt")
    if not st.button(t("report.make", lang), key="report_make"):
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
                       key="report_download")
