"""数据 / Data: upload files as ``landplan import`` takes them (report shown), download the
shown parcels (GBK Shapefile zip, GeoPackage, XLSX, 界址点 txt) and the evaluation table.
Uploading asks for the app's password first when one is needed (:mod:`landplan.app.auth`);
downloads are open.

The downloads are made when clicked (Streamlit runs the function then, outside the page),
where an error could only show as Streamlit's "Failed to generate file": what can refuse a
download is checked on the page (an XLSX cannot hold a control character), said as an error,
and that button is disabled.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import streamlit as st

from landplan import labels
from landplan.app import auth, context, server, transfer
from landplan.app.i18n import t
from landplan.errors import LandplanError
from landplan.io.importer import IMPORT_LAYERS

UPLOAD_KEY = "data_upload"
LAYER_KEY = "data_layer"
REPORT_KEY = "_data_import_report"


def layer_label(name: str, lang: str) -> str:
    """A layer's name in ``lang`` (``layer.<name>``; the DEM is 地形 / terrain)."""
    return labels.t(f"layer.{name}", lang) if labels.has(f"layer.{name}") else t(f"data.layer_{name}", lang)


def _import(ctx, lang: str) -> None:
    st.subheader(t("data.import", lang))
    if not auth.unlock(lang):  # the uploader only for a session that may write
        return
    files = st.file_uploader(t("data.upload", lang, mb=transfer.MAX_UPLOAD_MB),
                             type=transfer.UPLOAD_TYPES, accept_multiple_files=True, key=UPLOAD_KEY)
    cols = st.columns(3)
    layer = cols[0].selectbox(t("data.layer", lang), list(IMPORT_LAYERS), key=LAYER_KEY,
                              format_func=lambda name: layer_label(name, lang))
    crs = cols[1].text_input(t("data.crs", lang), key="data_crs")
    encoding = cols[2].text_input(t("data.encoding", lang), key="data_encoding")
    keep_extra = st.checkbox(t("data.keep_extra", lang), key="data_keep_extra")
    if st.button(t("data.run_import", lang), key="data_run_import", disabled=not files):
        try:
            report = transfer.import_upload(
                [(f.name, f.getvalue()) for f in files], layer, workspace=ctx.workspace,
                limit_mb=transfer.MAX_UPLOAD_MB,
                crs=crs.strip() or None, encoding=encoding.strip() or None, keep_extra=keep_extra)
        except transfer.UploadRefused as exc:
            st.session_state[REPORT_KEY] = ("error", t("data.unreadable", lang, name=exc.unreadable)
                                            if exc.unreadable else t("data.refused", lang, error=exc))
        except LandplanError as exc:
            st.session_state[REPORT_KEY] = ("error", t("data.refused", lang, error=exc))
        else:
            text = "\n".join([*report.lines(lang), *(t("data.rejected", lang, line=r)
                                                      for r in report.reject_lines())])
            st.session_state[REPORT_KEY] = ("warning" if report.rejected else "success", text)
    shown = st.session_state.get(REPORT_KEY)
    if shown:
        level, text = shown
        if level == "error":
            st.error(text)
        else:
            getattr(st, level)(t("data.imported", lang))
            st.code(text, language=None)


def _downloads(ctx, lang: str) -> None:
    st.subheader(t("data.export", lang))
    first = ctx.shown()
    if first is None:
        return
    frame, mask = first
    stamp = dt.datetime.now().strftime("%Y%m%d")
    columns = [c for c in ctx.park.parcels.columns if c not in ("area_m2", "area_mu")]

    def parcels_of():  # the shown parcels, by parcel_id
        return transfer.shown_parcels(frame, mask, workspace=ctx.workspace, columns=columns)

    st.caption(t("data.export_caption", lang, n=int(mask.sum())))
    refusals = {"xlsx": _refusal(ctx, frame, mask, f"parcels-{stamp}.xlsx", evaluation=False)}
    cols = st.columns(len(transfer.DOWNLOADS))
    for col, (fmt, (suffix, mime)) in zip(cols, transfer.DOWNLOADS.items(), strict=True):
        col.download_button(t(f"data.download.{fmt}", lang),
                            data=lambda fmt=fmt: transfer.parcels_download(parcels_of(), fmt),
                            file_name=f"parcels-{stamp}{suffix}", mime=mime, key=f"dl_{fmt}",
                            on_click="ignore", disabled=bool(refusals.get(fmt)))
    st.markdown(f"**{t('data.evaluation', lang)}**")

    def evaluated():  # the evaluation, and its rows of the shown parcels (by parcel_id)
        table = ctx.table()
        if table is None or table is frame:
            return table, mask
        shown_ids = frame["parcel_id"].astype(str)[mask]
        return table, table["parcel_id"].astype(str).isin(shown_ids).to_numpy()

    key = ctx.frame_key(frame)
    # checked here when the evaluation is at hand or quick (the server's preload evaluates
    # such parks anyway); a big park's is made when a download asks for it
    if (key is not None and key[0] == "evaluation") or len(frame) <= server.EVALUATE_UP_TO:
        table, shown = evaluated()
        if table is not None:
            refusals["evaluation"] = _refusal(ctx, table, shown, f"evaluation-{ctx.as_of}.xlsx",
                                              evaluation=True)
    cols = st.columns(3)
    for col, suffix in zip(cols, (".xlsx", ".csv", ".gpkg"), strict=True):
        def build(suffix=suffix):
            table, shown = evaluated()
            return transfer.evaluation_download(table[shown] if table is not None else table,
                                                suffix, ctx.rules(), lang)
        col.download_button(t("data.download.evaluation", lang, fmt=suffix[1:].upper()),
                            data=build, file_name=f"evaluation-{ctx.as_of}{suffix}",
                            key=f"dl_eval{suffix}", on_click="ignore",
                            disabled=suffix == ".xlsx" and bool(refusals.get("evaluation")))
    for which, error in refusals.items():
        if error:
            what = (t("data.download.xlsx", lang) if which == "xlsx" else
                    t("data.download.evaluation", lang, fmt="XLSX"))
            st.error(t("data.download_refused", lang, fmt=what, error=error))


def _refusal(ctx, frame, mask, name: str, *, evaluation: bool) -> str | None:
    """Why the shown rows of ``frame`` cannot be an XLSX (:func:`transfer.xlsx_refusal`),
    cached while ``frame`` is one of the context's."""
    key = ctx.frame_key(frame)
    if key is None:
        return transfer.xlsx_refusal(frame[mask], name=name, evaluation=evaluation, lang=ctx.lang)
    digest = hashlib.sha1(np.packbits(np.asarray(mask, dtype=bool)).tobytes()).hexdigest()
    return _cached_refusal((key, digest, name, evaluation), frame[mask], name, evaluation, ctx.lang)


@st.cache_resource(show_spinner=False, max_entries=8)
def _cached_refusal(key: tuple, _rows, name: str, evaluation: bool, lang: str) -> str | None:
    return transfer.xlsx_refusal(_rows, name=name, evaluation=evaluation, lang=lang)


def render() -> None:
    ctx = context.current()
    lang = ctx.lang if ctx else "zh"
    st.title(t("nav.data", lang))
    if ctx is None:
        # an empty or new workspace can still receive its first layers
        from landplan.app import session

        ctx = st.session_state.get("_landplan_context")
        if ctx is None or not session.workspace().is_dir():
            return
        _import(ctx, lang)
        return
    _import(ctx, lang)
    _downloads(ctx, lang)


if __name__ == "__main__":
    render()
