"""Identify in place (issue 20, item 1): a click on a parcel shows its key facts beside the
map, each read from the evaluation row of THAT parcel_id as every face shows it
(:func:`landplan.io.writers.cell_text`), also after an edit; no code in Chinese, no Chinese
in English outside data. AppTest: the click is the chart's selection event, as in test_app.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil

import pytest
from test_app import click_event, deck_spec, run_app
from wordcheck import cjk_in, codes_in

import landplan
from landplan import labels
from landplan.demo import DEMO_AS_OF
from landplan.edit import update_parcel
from landplan.io.writers import cell_text
from landplan.workspace import Workspace

#: (fact, its column in zh, in en): the facts the panel shows, in order.
FACTS = [("holder", "holder", "holder"), ("land_use", "land_use", "land_use"),
         ("area_mu", "area_mu", "area_mu"), ("status", "status", "status"),
         ("efficiency_class", "efficiency_class", "efficiency_class"),
         ("tax_per_mu_wan", "tax_per_mu_wan", "tax_per_mu_wan"),
         ("idle_status", "idle_status", "idle_status"),
         ("next_step", "next_step_zh", "next_step_en"), ("readiness", "readiness", "readiness"),
         ("missing", "missing", "missing"), ("lifecycle_gap", "lifecycle_gap", "lifecycle_gap")]


def panel_lines(at) -> list[str]:
    """The facts the identify panel shows, one text each."""
    block = next(m.value for m in at.markdown if "landplan-identify" in m.value)
    return [html.unescape(s) for s in re.findall(r"<div>(.*?)</div>", block)]


def expected(table, parcel_id: str, lang: str) -> list[str]:
    """The panel's lines as the evaluation's own row of ``parcel_id`` gives them."""
    row = table.set_index("parcel_id").loc[parcel_id]
    sep = "：" if lang == "zh" else ": "
    return [labels.column(name, lang) + sep + cell_text(col, row[col], lang)
            for name, zh, en in FACTS for col in [zh if lang == "zh" else en]]


@pytest.fixture
def park(demo_workspace, tmp_path):
    path = tmp_path / "demo"
    shutil.copytree(demo_workspace, path)
    return path


def rich_parcel(table) -> str:
    """An idle parcel with a next step and something missing (every fact has a value)."""
    rows = table[table["idle_status"].astype(str).str.startswith("idle")
                 & table["next_step_zh"].fillna("").astype(str).ne("")
                 & table["missing"].fillna("").astype(str).ne("")]
    return str((rows if len(rows) else table)["parcel_id"].iloc[-1])


def test_click_shows_the_parcels_own_facts_also_after_an_edit(park, monkeypatch):
    table = landplan.evaluate(park, as_of=DEMO_AS_OF)
    pid = rich_parcel(table)
    at = run_app(park, monkeypatch, as_of=DEMO_AS_OF)  # the overview: its map has the parcels
    assert not any("landplan-identify" in m.value for m in at.markdown)  # none selected yet
    at.session_state["map_overview"] = click_event(deck_spec(at), pid)
    at.run()
    assert not at.exception and not at.error
    lines = panel_lines(at)
    assert lines == expected(table, pid, "zh")
    assert f"{labels.t('identify.title', 'zh', id=pid)}" in " ".join(m.value for m in at.markdown)
    ids = set(table["parcel_id"].astype(str))
    assert not codes_in(" ".join(lines), allowed=ids)
    holder = "新宏精密制造有限公司"
    update_parcel(Workspace(park), pid, {"holder": holder},
                  date=DEMO_AS_OF - dt.timedelta(days=1))
    at.run()
    assert not at.exception and not at.error
    lines = panel_lines(at)
    assert lines[0] == f"土地使用权人：{holder}"
    assert lines == expected(landplan.evaluate(park, as_of=DEMO_AS_OF), pid, "zh")


def test_english_panel_on_the_idle_page(park, monkeypatch):
    table = landplan.evaluate(park, as_of=DEMO_AS_OF)
    pid = rich_parcel(table)
    at = run_app(park, monkeypatch, as_of=DEMO_AS_OF, page="idle")
    at.selectbox(key="lang").set_value("en").run()
    at.session_state["map_idle"] = click_event(deck_spec(at), pid)
    at.run()
    assert not at.exception and not at.error
    lines = panel_lines(at)
    assert lines == expected(table, pid, "en")
    data = {str(v) for v in table["holder"].dropna()}
    assert not cjk_in(" ".join(lines), data=data)
