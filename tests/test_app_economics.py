"""The app's land economics page (土地投入产出, issue 22 item 5) and the identify panel's lines.

AppTest on the demo park (its rules.yaml sets the demo's illustrative inputs) and on a copy
without rules.yaml (the shipped defaults: the inputs missing); one real Chromium run.

- The caveat and every input (label, value, mark, source) stand above the first figure.
- The totals are :func:`workspace_economics`'s park totals, rounded by ``labels.fmt``; the
  payback classes its ``payback``; the tables list its not-paying and below-floor parcels.
- A row of the not-paying table selects its parcel; the identify panel then shows its cost,
  net outlay, local tax, paybacks and floor check as the evaluation has them, marked as a demo's.
- The per-parcel XLSX has the page's Chinese headers.
- Missing inputs: named by their labels in Chinese, where to set them, no figure, no traceback.
- Words: no code or rules key on the Chinese page; no Chinese outside data on the English one.
"""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_app import goto, html_figures  # noqa: E402
from test_app_words import _data_values, _rules_keys, problems, start, visible_texts  # noqa: E402
from wordcheck import cjk_in  # noqa: E402

from landplan import labels  # noqa: E402
from landplan.app import ui  # noqa: E402
from landplan.app.mapview import SELECTED_KEY  # noqa: E402
from landplan.app.pages import economics as page  # noqa: E402
from landplan.demo import DEMO_AS_OF  # noqa: E402
from landplan.economics import park_economics  # noqa: E402
from landplan.economics_workspace import (  # noqa: E402
    economics_basis,
    economics_caveat,
    economics_inputs,
    workspace_economics,
)
from landplan.io.writers import cell_text  # noqa: E402
from landplan.labels import rulekeys  # noqa: E402
from landplan.rules import load_ruleset  # noqa: E402
from landplan.workspace import Workspace  # noqa: E402


@pytest.fixture(scope="module")
def expected(demo_workspace):
    """The economics the page must show: computed here, outside the app."""
    from landplan.evaluate import evaluate

    evaluation = evaluate(demo_workspace, as_of=DEMO_AS_OF)
    rules = load_ruleset(demo_workspace)
    table, park = workspace_economics(demo_workspace, rules, as_of=DEMO_AS_OF, evaluation=evaluation)
    return evaluation, table, park, rules


def _cards(at) -> dict[str, str]:
    """The figure cards: key of the park totals (or a count) → the value shown."""
    return html_figures(at).cards


def _texts(at) -> str:
    return "\n".join(text for _, text in visible_texts(at))


def _frame(at, header: str) -> pd.DataFrame:
    """The page's first table with the column ``header`` (a table nobody selects in has no key
    in AppTest)."""
    return next(d.value for d in at.dataframe if header in d.value.columns)


def test_the_page_shows_the_inputs_first_and_the_park_totals_of_workspace_economics(
        demo_workspace, expected, monkeypatch):
    evaluation, table, park, rules = expected
    at = goto(start(demo_workspace, "zh", monkeypatch), "economics")
    # above every figure: the caveat of a demo's inputs, then each input with value, mark, source
    caveat = economics_caveat(rules, "zh")
    assert caveat and [w.value for w in at.warning][:1] == [caveat]
    basis = _frame(at, "标注")
    want = economics_basis(rules, "zh")
    assert basis.iloc[:, 0].tolist() == want["label"].tolist()
    assert basis.iloc[:, 1].tolist() == want["value"].tolist()
    assert basis.iloc[:, 2].tolist() == want["mark"].tolist()
    assert basis.iloc[:, 3].tolist() == want["source"].tolist()
    assert "演示假设值" in basis.iloc[:, 2].tolist() and "10等" in basis.iloc[:, 1].tolist()
    # the totals: workspace_economics's, in one format per unit
    tot = park["totals"]
    shown = _cards(at)
    for key, _label, unit in (k for line in page.TOTALS for k in line):
        if unit != "count":
            assert shown[key] == labels.fmt(tot[key], unit, "zh", with_unit=True), key
    assert shown["parcels"] == f"{len(table)} 宗"
    not_paying = park["not_paying_back"]
    assert shown["not_paying_back"] == f"{len(not_paying)} 宗"
    below = table.index[table["below_floor"].astype("boolean").fillna(False).to_numpy(dtype=bool)]
    assert shown["below_floor"] == f"{len(below)} 宗" and len(below) > 0
    assert "亩均净投入" in _texts(at)
    # the payback classes: parcels and mu per class as park["payback"]
    classes = _frame(at, "回收期分段")
    assert classes["回收期分段"].tolist() == [labels.value("payback_class", c, "zh") for c in park["payback"].index]
    assert classes["宗数"].tolist() == park["payback"]["parcels"].tolist()
    assert classes["面积(亩)"].tolist() == [labels.fmt(a, "mu", "zh") for a in park["payback"]["area_mu"]]
    # the lists: the parcels not paying back, those below the floor, the class change
    ids = labels.column("parcel_id", "zh")
    assert sorted(at.dataframe(key="econ_not_paying").value[ids]) == sorted(map(str, not_paying))
    assert sorted(at.dataframe(key="econ_below_floor").value[ids]) == sorted(map(str, below))
    change = _frame(at, "现状中位数")
    assert change.iloc[:, 0].tolist() == ["D→C", "C→B", "B→A"]
    # every parcel in the per-parcel table, its figures as the table has them
    parcels = at.dataframe(key="econ_parcels").value.set_index(ids)
    assert sorted(parcels.index) == sorted(table.index.astype(str))
    pid = str(not_paying[0])
    for column in ("cost_wan_per_mu", "net_outlay_wan_per_mu", "econ_status"):
        assert parcels.loc[pid, labels.column(column, "zh")] == cell_text(column, table.loc[pid, column], "zh")


def test_a_row_selects_its_parcel_and_the_identify_panel_shows_its_economics(
        demo_workspace, expected, monkeypatch):
    evaluation, table, park, rules = expected
    at = goto(start(demo_workspace, "zh", monkeypatch), "economics")
    ids = at.dataframe(key="econ_not_paying").value[labels.column("parcel_id", "zh")].tolist()
    at.session_state["econ_not_paying"] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state[SELECTED_KEY] == ids[0]
    panel = next(m.value for m in at.markdown if "landplan-economics" in m.value)
    assert "土地投入产出（演示假设值）" in panel
    row = evaluation.set_index(evaluation["parcel_id"].astype(str)).loc[ids[0]]
    for column in ("cost_wan_per_mu", "net_outlay_wan_per_mu", "local_tax_wan_per_mu"):
        assert f"{labels.column(column, 'zh')}：{cell_text(column, row[column], 'zh')}" in panel, column
    # a parcel not paying back: both paybacks read "not within 50 years", and its floor check
    assert panel.count(f"{labels.column('static_payback_years', 'zh')}：50 年内无法收回") == 1
    assert f"{labels.column('below_floor', 'zh')}：{cell_text('below_floor', row['below_floor'], 'zh')}" in panel
    # the per-parcel download: an XLSX with the page's Chinese headers
    shown = at.dataframe(key="econ_parcels").value
    frame, _park = page.shown_economics(page.Economics(table.set_axis(table.index.astype(str)), park),
                                        evaluation, evaluation, rules)
    columns = [c for c in page.PARCELS if c in frame.columns]
    back = pd.read_excel(io.BytesIO(ui.table_bytes(frame, columns, "zh", "xlsx", sheet="s")), dtype=str)
    assert list(back.columns) == list(shown.columns)
    assert all(cjk_in(h) for h in back.columns)
    assert {b.proto.id.rsplit("-", 1)[-1] for b in at.get("download_button")} >= {"econ_parcels_xlsx",
                                                                                  "econ_parcels_csv"}


def test_a_filter_gives_the_totals_of_the_shown_parcels(demo_workspace, expected, monkeypatch):
    evaluation, table, park, rules = expected
    at = goto(start(demo_workspace, "zh", monkeypatch), "economics")
    at.multiselect(key="f_status").set_value(["in_production"]).run()
    assert not at.exception, [e.value for e in at.exception]
    shown = evaluation.loc[evaluation["status"] == "in_production", "parcel_id"].astype(str)
    assert 0 < len(shown) < len(table)
    mine = park_economics(table.loc[shown], evaluation.set_index("parcel_id"), economics_inputs(rules)[0])
    cards = _cards(at)
    assert cards["parcels"] == f"{len(shown)} 宗"
    for key in ("area_mu", "cost_wan", "net_outlay_wan_per_mu", "return_to_date_wan"):
        unit = {"area_mu": "mu", "net_outlay_wan_per_mu": "wan_per_mu"}.get(key, "wan")
        assert cards[key] == labels.fmt(mine["totals"][key], unit, "zh", with_unit=True), key
    assert cards["cost_wan"] != labels.fmt(park["totals"]["cost_wan"], "wan", "zh", with_unit=True)
    classes = _frame(at, "回收期分段")
    assert classes["宗数"].tolist() == mine["payback"]["parcels"].tolist()


@pytest.fixture
def default_rules_park(demo_workspace, tmp_path) -> Path:
    """The demo park on the shipped rules: no economics inputs."""
    path = tmp_path / "park"
    shutil.copytree(demo_workspace, path)
    (path / "rules.yaml").unlink()
    return path


def test_missing_inputs_are_named_in_chinese_with_where_to_set_them(default_rules_park, monkeypatch):
    at = goto(start(default_rules_park, "zh", monkeypatch), "economics")
    assert not at.error and not _cards(at)
    _inputs, missing = economics_inputs(None)
    assert "economics.land_grade" in missing
    said = "\n".join(w.value for w in at.warning)
    for key in missing:
        assert rulekeys.label(key, "zh") in said, key
    assert "未计算土地投入产出" in said and str(default_rules_park / "rules.yaml") in said
    assert len(at.dataframe) == 1  # the inputs; no figure
    # the basis still says what is not set; no rules key, code or English on the page
    assert "未设" in _frame(at, "标注").iloc[:, 1].tolist()
    ids = set(Workspace(default_rules_park).read("parcels")["parcel_id"].astype(str))
    texts = [("economics", w, x) for w, x in visible_texts(at)]
    assert not problems(texts, "zh", ids=ids, data=set(), keys=frozenset())
    from landplan.app.pages import settings

    if "economics" not in settings.FORM_SECTIONS:  # no link to a form that cannot set them
        assert not at.get("page_link")
    at.selectbox(key="lang").set_value("en").run()
    said = "\n".join(w.value for w in at.warning)
    assert rulekeys.label("economics.land_grade", "en") in said and not cjk_in(said)
    # once the settings form edits the section, the page points there
    monkeypatch.setattr(settings, "FORM_SECTIONS", (*settings.FORM_SECTIONS, "economics"))
    at.run()
    assert labels.t("app.nav.settings", "en") in [p.proto.label for p in at.get("page_link")]
    assert "Settings and rules page" in "\n".join(w.value for w in at.warning)
    # a selected parcel's identify panel (beside another page's map) has no economics lines
    at.session_state[SELECTED_KEY] = sorted(ids)[0]
    goto(at, "idle")
    assert any("landplan-identify" in m.value for m in at.markdown)
    assert not any("landplan-economics" in m.value for m in at.markdown)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_page_reads_in_the_readers_words(lang, demo_workspace, monkeypatch):
    at = goto(start(demo_workspace, lang, monkeypatch), "economics")
    at.session_state["econ_below_floor"] = {"selection": {"rows": [0], "columns": []}}
    at.run()  # with the identify panel
    assert any("landplan-economics" in m.value for m in at.markdown)
    ids = set(Workspace(demo_workspace).read("parcels")["parcel_id"].astype(str))
    data = _data_values(demo_workspace)  # with the sources typed in the rules file
    texts = [("economics", w, x) for w, x in visible_texts(at)]
    found = problems(texts, lang, ids=ids, data=data, keys=_rules_keys(demo_workspace))
    assert not found, "\n".join(found)


@pytest.mark.browser
def test_browser_the_page_renders(streamlit_app, chromium_browser, demo_workspace):
    from mapspec import wait_map

    url = streamlit_app(demo_workspace)
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 4200}, locale="zh-CN")
    try:
        tab = context.new_page()
        tab.set_default_timeout(60_000)
        tab.goto(f"{url}/economics", timeout=60_000)
        tab.locator("h1", has_text="土地投入产出").first.wait_for()
        wait_map(tab)
        tab.get_by_text("测算依据", exact=False).first.wait_for()
        tab.get_by_text("亩均净投入", exact=True).first.wait_for()
        tab.get_by_text("升一类情景", exact=True).first.wait_for()
        tab.wait_for_timeout(500)
        assert not tab.locator("[data-testid='stException']").count()
        shots = Path("/tmp/shots")
        shots.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(shots / "econ_page.png"), full_page=True)
        assert (shots / "econ_page.png").stat().st_size > 10_000
    finally:
        context.close()
