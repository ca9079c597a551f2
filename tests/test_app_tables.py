"""Every page's tables ↔ the map, their downloads, and the 专题图 download (issue 20, items 4
and 6), through AppTest on the demo park.

A click on a table row is the table's selection state (``{"selection": {"rows": [i]}}``, a
position in the frame the page passed, whatever order the reader sorted it in), given through
the session state as AppTest allows; the page follows it (:func:`landplan.app.ui.follow_row`,
also the table's callback in the browser).
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_app import goto  # noqa: E402
from test_app_words import start  # noqa: E402
from wordcheck import cjk_in, codes_in  # noqa: E402

import landplan.errors  # noqa: E402
from landplan import labels, thematic  # noqa: E402
from landplan.app import ui  # noqa: E402
from landplan.app.i18n import t  # noqa: E402
from landplan.app.mapview import FOCUS_KEY, SELECTED_KEY, colour_key  # noqa: E402
from landplan.app.pages import idle, infrastructure, lifecycle, terrain  # noqa: E402
from landplan.app.pages.efficiency import RANKING  # noqa: E402
from landplan.workspace import Workspace  # noqa: E402

#: page → its parcel tables: dataframe key → the columns it shows.
PARCEL_TABLES = {
    "efficiency": {"efficiency_table": RANKING},
    "idle": {"idle_table": idle.IDLE, "idle_low": idle.LOW, "idle_candidates": idle.CANDIDATES},
    "infrastructure": {"infra_gaps": infrastructure.GAPS},
    "terrain": {"terrain_table": terrain.TERRAIN},
    "lifecycle": {"lifecycle_gaps": lifecycle.GAP_LIST},
}
#: page → the download keys it must offer (each as ``_csv`` and ``_xlsx``).
DOWNLOADS = {
    "overview": ["overview_by_status", "overview_by_class", "overview_by_readiness"],
    "efficiency": ["efficiency_ranking", "efficiency_classes", "trend_park"],
    "idle": ["idle_table", "idle_deadlines", "idle_low", "idle_candidates"],
    "infrastructure": ["infra_by_type", "infra_by_level", "infra_gaps"],
    "terrain": ["terrain_table"],
    "lifecycle": ["lifecycle_stages", "lifecycle_gap_counts", "lifecycle_gaps", "lifecycle_contract"],
}


@pytest.fixture(scope="module")
def evaluated(demo_workspace) -> pd.DataFrame:
    from landplan.demo import DEMO_AS_OF
    from landplan.evaluate import evaluate

    return evaluate(demo_workspace, as_of=DEMO_AS_OF)


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    pdf = tmp_path / "map.pdf"
    pdf.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def _headers(data: bytes, fmt: str) -> list[str]:
    if fmt == "csv":
        return list(pd.read_csv(io.BytesIO(data), dtype=str, encoding="utf-8-sig").columns)
    return list(pd.read_excel(io.BytesIO(data), dtype=str).columns)  # openpyxl


def test_a_row_selects_its_parcel_zooms_and_the_identify_panel_shows_it(demo_workspace, monkeypatch):
    at = goto(start(demo_workspace, "zh", monkeypatch), "idle")
    shown = at.dataframe(key="idle_table").value
    ids = shown[labels.column("parcel_id", "zh")].tolist()
    assert len(ids) >= 3
    # the page sorts the idle list (longest idle first): position 2 of the frame it passed is
    # not the evaluation's third idle parcel
    pick = 2
    at.session_state["idle_table"] = {"selection": {"rows": [pick], "columns": []}}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state[SELECTED_KEY] == ids[pick]
    assert at.session_state[FOCUS_KEY][0] == ids[pick]
    title = labels.t("identify.title", "zh", id=ids[pick])
    assert any(title in m.value for m in at.markdown), "the identify panel shows the picked parcel"
    # the same row again (no new click): nothing changes; another table's row selects its own
    seq = at.session_state[FOCUS_KEY][1]
    at.run()
    assert at.session_state[FOCUS_KEY][1] == seq
    low = at.dataframe(key="idle_low").value[labels.column("parcel_id", "zh")].tolist()
    at.session_state["idle_low"] = {"selection": {"rows": [len(low) - 1], "columns": []}}
    at.run()
    assert at.session_state[SELECTED_KEY] == low[-1]
    # and the 地块详情 page shows it
    goto(at, "parcel")
    assert any(str(low[-1]) in h.value for h in at.subheader)
    offered = {b.proto.id.rsplit("-", 1)[-1] for b in at.get("download_button")}
    assert {f"parcel_{n}_{f}" for n in ("attributes", "figures") for f in ("csv", "xlsx")} <= offered


def test_follow_row_reads_positions_of_the_frame_given_not_as_sorted(demo_workspace, monkeypatch):
    """The row's parcel is found in the ids of the frame passed: a stale or out-of-range row
    selects nothing, an unpicked row keeps the selection."""
    at = goto(start(demo_workspace, "zh", monkeypatch), "terrain")
    ids = at.dataframe(key="terrain_table").value[labels.column("parcel_id", "zh")].tolist()
    at.session_state["terrain_table"] = {"selection": {"rows": [len(ids) + 5], "columns": []}}
    at.run()
    assert not at.exception and at.session_state[SELECTED_KEY] is None
    at.session_state["terrain_table"] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    assert at.session_state[SELECTED_KEY] == ids[0]
    at.session_state["terrain_table"] = {"selection": {"rows": [], "columns": []}}
    at.run()
    assert at.session_state[SELECTED_KEY] == ids[0]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_downloads_its_tables_with_the_pages_headers(lang, demo_workspace, evaluated,
                                                               monkeypatch):
    at = start(demo_workspace, lang, monkeypatch)
    rows = evaluated.assign(parcel_id=evaluated["parcel_id"].astype(str)).set_index("parcel_id",
                                                                                    drop=False)
    for page, keys in DOWNLOADS.items():
        goto(at, page)
        offered = {b.proto.id.rsplit("-", 1)[-1] for b in at.get("download_button")}
        missing = {f"{k}_{fmt}" for k in keys for fmt in ("csv", "xlsx")} - offered
        assert not missing, (page, missing)
        for key, columns in PARCEL_TABLES.get(page, {}).items():
            shown = at.dataframe(key=key).value
            frame = rows.loc[shown[labels.column("parcel_id", lang)].tolist()]
            for fmt in ("csv", "xlsx"):
                data = ui.table_bytes(frame, columns, lang, fmt, sheet=key)
                headers = _headers(data, fmt)
                assert headers == list(shown.columns), (page, key, fmt)
                text = " ".join(headers)
                if lang == "zh":  # (in English a code may be a word: area, score)
                    assert not codes_in(text), (page, key, headers)
                    assert all(cjk_in(h) for h in headers), (page, key, headers)
                else:
                    assert not cjk_in(text), (page, key, headers)
    # a table for people already is written as shown (the counts of the infrastructure page)
    goto(at, "infrastructure")
    counts = next(d.value for d in at.dataframe if labels.t("app.infra.type", lang) in d.value.columns)
    data = ui.table_bytes(counts, None, lang, "xlsx", sheet=t("infra.by_type", lang))
    back = pd.read_excel(io.BytesIO(data), dtype=str)
    assert list(back.columns) == list(counts.columns)
    assert back.iloc[:, 0].tolist() == counts.iloc[:, 0].tolist()


def test_the_thematic_map_button_gives_the_pages_theme_as_a_pdf(demo_workspace, evaluated, monkeypatch,
                                                                tmp_path):
    at = goto(start(demo_workspace, "zh", monkeypatch), "idle")
    # a theme the 专题图 lacks: the page's own (闲置土地分布图), said in a caption
    at.session_state[colour_key(idle.MAP_KEY)] = "contract_check"
    at.run()
    theme = thematic.theme_title("idle_status", "zh")
    assert any(c.value.startswith("专题图不提供") and theme in c.value for c in at.caption)
    assert not [b for b in at.get("download_button") if "thematic_dl" in b.proto.id], \
        "drawn only when asked"
    next(b for b in at.button if b.label == t("thematic.make", "zh")).click().run()
    assert not at.exception and not at.error, [e.value for e in (*at.exception, *at.error)]
    assert [b for b in at.get("download_button") if "thematic_dl" in b.proto.id]
    made = at.session_state[f"_thematic_{idle.MAP_KEY}"][1]
    assert made[:5] == b"%PDF-"
    text = _pdf_text(made, tmp_path)
    assert theme in text
    classes = thematic.classify(evaluated, "idle_status", lang="zh")
    present = [name for k, name in enumerate(classes.names) if (classes.codes == k).any()]
    assert len(present) >= 2
    for name in present:  # the legend's classes, by their words
        assert name in text, name
    assert labels.t("thematic.north", "zh") in text


def test_siting_result_reads_rounded_in_chinese_downloads_and_a_site_row_selects_it(demo_workspace,
                                                                                   monkeypatch):
    from landplan.screen import tables_for

    at = goto(start(demo_workspace, "zh", monkeypatch), "siting")
    at.selectbox(key="siting_industry").select_index(5)
    next(b for b in at.button if b.label == t("siting.run", "zh")).click().run()
    assert not at.exception and not at.error
    sites = at.dataframe(key="siting_sites").value
    assert len(sites)
    result = at.session_state["_siting_result"]
    area = labels.column("area_mu", "zh", layer="sites")
    assert sites[area].tolist() == [labels.fmt(v, "mu", "zh") for v in result.sites["area_mu"]]
    assert all(cjk_in(h) for h in sites.columns) and not codes_in(" ".join(sites.columns))
    offered = {b.proto.id.rsplit("-", 1)[-1] for b in at.get("download_button")}
    assert {f"siting_{n}_{f}" for n in ("checks", "sites") for f in ("csv", "xlsx")} <= offered
    # the download: the page's headers, numbers as numbers rounded to their unit
    numbers = tables_for(result, "zh", formatted=False)["sites"]
    back = pd.read_excel(io.BytesIO(ui.table_bytes(numbers, None, "zh", "xlsx", sheet="s")))
    assert list(back.columns) == list(sites.columns)
    assert back[area].tolist() == pytest.approx(result.sites["area_mu"].round(2).tolist())
    at.session_state["siting_sites"] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    assert at.session_state[SELECTED_KEY] == str(result.sites["parcel_id"].iloc[0])


def test_the_thematic_map_names_the_sidebar_filter_and_draws_the_other_parcels_plain(
        demo_workspace, evaluated, monkeypatch, tmp_path):
    from landplan.app.context import FILTER_KEYS

    status = evaluated["status"].value_counts().index[0]  # the commonest: some parcels, not all
    at = goto(start(demo_workspace, "zh", monkeypatch), "terrain")
    at.multiselect(key=FILTER_KEYS["statuses"]).set_value([status]).run()
    next(b for b in at.button if b.label == t("thematic.make", "zh")).click().run()
    assert not at.exception and not at.error, [e.value for e in (*at.exception, *at.error)]
    text = _pdf_text(at.session_state["_thematic_map_terrain"][1], tmp_path)
    assert thematic.theme_title("cut_m3", "zh") in text
    said = labels.t("thematic.filter", "zh", f=f"{labels.column('status', 'zh')} = "
                    f"{labels.value('parcel_status', status, 'zh')}")
    assert said in " ".join(text.split())
    assert labels.t("thematic.legend.other", "zh") in text


@pytest.mark.browser
def test_browser_a_row_clicked_after_sorting_selects_its_parcel(streamlit_app, chromium_browser,
                                                                park_workspace):
    """In Chromium: the table sorted by the reader (宗地号, descending), a click on its first
    row runs the table's callback, which selects that parcel (the largest id), and the
    identify panel beside the map names it."""
    url = streamlit_app(park_workspace)
    ids = sorted(Workspace(park_workspace).read("parcels")["parcel_id"].astype(str))
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{url}/terrain", timeout=60_000)
        page.locator("h1", has_text=t("nav.terrain", "zh")).first.wait_for()
        grid = page.locator("[data-testid='stDataFrame']").first
        grid.scroll_into_view_if_needed()
        grid.locator("canvas").first.wait_for(state="visible")
        page.wait_for_timeout(1000)
        box = grid.bounding_box()
        header_y, row_h = box["y"] + 18, 35
        for _ in range(2):  # the first column's header: ascending, then descending
            page.mouse.click(box["x"] + 90, header_y)
            page.wait_for_timeout(400)
        page.mouse.click(box["x"] + 16, header_y + row_h)  # the first row's selection box
        title = labels.t("identify.title", "zh", id=ids[-1])
        page.get_by_text(title, exact=True).first.wait_for(timeout=30_000)
    finally:
        context.close()


def test_a_table_an_xlsx_cannot_hold_is_said_in_place_without_its_button(monkeypatch, tmp_path):
    import numpy as np
    from conftest import _park_parcels

    from landplan.app.pages.idle import IDLE

    parcels = _park_parcels()
    parcels["agreed_start_date"] = pd.to_datetime(
        np.where(parcels["parcel_id"] == "HF-006", "2019-01-01", None))
    parcels.loc[parcels["parcel_id"] == "HF-006", "holder"] = "己化工\x07有限公司"
    Workspace(tmp_path).write("parcels", parcels)
    at = goto(start(tmp_path, "zh", monkeypatch), "idle")
    offered = {b.proto.id.rsplit("-", 1)[-1] for b in at.get("download_button")}
    assert "idle_table_csv" in offered and "idle_table_xlsx" not in offered
    assert "idle_low_xlsx" in offered  # a table without that parcel keeps its XLSX
    refused = [e.value for e in at.error if e.value.startswith("XLSX 无法导出：idle_table.xlsx")]
    assert len(refused) == 1 and labels.column("holder", "zh") in refused[0]  # its header, no code
    # what the button would have made refuses it too
    with pytest.raises(landplan.errors.LandplanError):
        ui.table_bytes(parcels, IDLE, "zh", "xlsx", sheet="s")


def test_the_maps_theme_maps_onto_the_thematic_maps(evaluated):
    """The same theme where the 专题图 has it, natural breaks as its quantiles, else the page's
    main theme, else the status."""
    assert ui.thematic_theme("idle_status", "status", evaluated) == "idle_status"
    assert ui.thematic_theme("tax_per_mu_wan@jenks", "efficiency_class", evaluated) == "tax_per_mu_wan"
    assert ui.thematic_theme("contract_check", "lifecycle_gap", evaluated) == "lifecycle_gap"
    no_terrain = evaluated.drop(columns=["cut_m3", "fill_m3"], errors="ignore")
    assert ui.thematic_theme("cut_depth_m", "cut_m3", no_terrain) == "status"
