"""数据 / Data: upload files as ``landplan import`` takes them (report shown), download the
shown parcels (GBK Shapefile zip, GeoPackage, XLSX, 界址点 txt) and the evaluation table.
Uploading asks for the app's password first when one is needed (:mod:`landplan.app.auth`);
downloads are open."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from landplan.app import auth, context, transfer
from landplan.app.i18n import t
from landplan.errors import LandplanError
from landplan.io.importer import IMPORT_LAYERS
from landplan.workspace import Workspace

UPLOAD_KEY = "data_upload"
LAYER_KEY = "data_layer"
REPORT_KEY = "_data_import_report"


def _import(ctx, lang: str) -> None:
    st.subheader(t("data.import", lang))
    if not auth.unlock(lang):  # the uploader only for a session that may write
        return
    files = st.file_uploader(t("data.upload", lang, mb=transfer.MAX_UPLOAD_MB),
                             type=transfer.UPLOAD_TYPES, accept_multiple_files=True, key=UPLOAD_KEY)
    cols = st.columns(3)
    layer = cols[0].selectbox(t("data.layer", lang), list(IMPORT_LAYERS), key=LAYER_KEY)
    crs = cols[1].text_input(t("data.crs", lang), key="data_crs")
    encoding = cols[2].text_input(t("data.encoding", lang), key="data_encoding")
    keep_extra = st.checkbox(t("data.keep_extra", lang), key="data_keep_extra")
    if st.button(t("data.run_import", lang), key="data_run_import", disabled=not files):
        try:
            report = transfer.import_upload(
                [(f.name, f.getvalue()) for f in files], layer, workspace=ctx.workspace,
                limit_mb=transfer.MAX_UPLOAD_MB,
                crs=crs.strip() or None, encoding=encoding.strip() or None, keep_extra=keep_extra)
        except LandplanError as exc:
            st.session_state[REPORT_KEY] = ("error", str(exc))
        else:
            text = "\n".join([*report.lines(), *(f"rejected: {r}" for r in report.reject_lines())])
            st.session_state[REPORT_KEY] = ("warning" if report.rejected else "success", text)
    shown = st.session_state.get(REPORT_KEY)
    if shown:
        level, text = shown
        if level == "error":
            st.error(t("data.refused", lang, error=text))
        else:
            getattr(st, level)(t("data.imported", lang))
            st.code(text, language=None)


def _downloads(ctx, lang: str) -> None:
    st.subheader(t("data.export", lang))
    first = ctx.shown()
    if first is None:
        return
    _frame, mask = first
    path = ctx.workspace
    stamp = dt.datetime.now().strftime("%Y%m%d")

    def parcels_of():
        layer = Workspace(path).read("parcels").reset_index(drop=True)
        return layer[mask] if len(layer) == len(mask) else layer

    st.caption(t("data.export_caption", lang, n=int(mask.sum())))
    cols = st.columns(len(transfer.DOWNLOADS))
    for col, (fmt, (suffix, mime)) in zip(cols, transfer.DOWNLOADS.items(), strict=True):
        col.download_button(t(f"data.download.{fmt}", lang),
                            data=lambda fmt=fmt: transfer.parcels_download(parcels_of(), fmt),
                            file_name=f"parcels-{stamp}{suffix}", mime=mime, key=f"dl_{fmt}",
                            on_click="ignore")
    st.markdown(f"**{t('data.evaluation', lang)}**")
    cols = st.columns(3)
    for col, suffix in zip(cols, (".xlsx", ".csv", ".gpkg"), strict=True):
        def build(suffix=suffix):
            table = ctx.table()
            return transfer.evaluation_download(table[mask] if table is not None else table,
                                                suffix, ctx.rules())
        col.download_button(t("data.download.evaluation", lang, fmt=suffix[1:].upper()),
                            data=build, file_name=f"evaluation-{ctx.as_of}{suffix}",
                            key=f"dl_eval{suffix}", on_click="ignore")


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
