"""The project's payback on each ranked site (招商选址, issue 22 item 4): hand-worked sites, the
weight 0 ranking unchanged, a positive weight reordering, incomplete inputs said once."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pytest
from test_screen import _cell, _table
from wordcheck import cjk_in, codes_in

from landplan import labels
from landplan.economics import EconomicsInputs
from landplan.errors import ParameterError
from landplan.rules import load_rules
from landplan.screen import make_project, rank_sites, screen_project, tables_for

DATA = Path(__file__).resolve().parent.parent / "data"

# grade 8: 252 CNY/m² (307号 附件1) = 252 × 666.67 / 10,000 = 16.80 万元/亩
INPUTS = EconomicsInputs(land_grade=8, land_grade_source="307 annex 2 (2006)", development_wan_per_mu=20.0,
                         retained_local_share=0.5, discount_rate=0.05, tax_lag_years=2, acquisition_wan_per_mu=10.0)
PROJECT = {"行业代码": "34", "用地面积(亩)": 10, "所需配套": "三通一平", "预计税收(万元)": 60}


def _discounted_by_hand(outlay: float, flow: float, lag: int, rate: float) -> float:
    """Year by year: no flow in the first ``lag`` years, then ``flow`` discounted to year 0."""
    cum, t = 0.0, 0
    while True:
        t += 1
        pv = flow / (1 + rate) ** t if t > lag else 0.0
        if cum + pv >= outlay:
            return (t - 1) + (outlay - cum) / pv
        cum += pv


def test_site_lacking_water_pays_back_as_worked_by_hand():
    table = _table([
        {"parcel_id": "A", "status": "reserve", "area_mu": 10.0, "cut_m3": 0.0, "fill_m3": 0.0, "geometry": _cell(0)},
        {"parcel_id": "W", "status": "reserve", "area_mu": 10.0, "has_water": False, "ext_water_cost_wan": 60.0,
         "cut_m3": 0.0, "fill_m3": 0.0, "geometry": _cell(1)},
    ])
    sites, _ = rank_sites(table, make_project(PROJECT), load_rules(), need_mu=10.0, economics=INPUTS)
    w = sites.set_index("parcel_id").loc["W"]
    # cost 10 acquisition + 20 development + 60 / 10 mu water extension = 36; price = the floor 16.8
    assert w["cost_wan_per_mu"] == pytest.approx(36.0) and w["extension_wan_per_mu"] == pytest.approx(6.0)
    assert w["price_wan_per_mu"] == pytest.approx(16.8) and w["price_basis"] == "floor"
    assert w["net_outlay_wan_per_mu"] == pytest.approx(19.2)
    # tax 60 / 10 mu = 6 per mu, local half = 3 a year from year 3: 2 + 19.2 / 3 = 8.4 years
    assert w["tax_per_mu_wan"] == pytest.approx(6.0)
    assert w["payback_years"] == pytest.approx(8.4)
    assert w["payback_discounted_years"] == pytest.approx(_discounted_by_hand(19.2, 3.0, 2, 0.05))
    a = sites.set_index("parcel_id").loc["A"]
    assert a["payback_years"] == pytest.approx(2 + 13.2 / 3)  # no extension: 30 − 16.8 = 13.2
    # an offered price replaces the floor; a price above the cost pays at sale
    offered = make_project({**PROJECT, "出让单价(万元/亩)": 40})
    sites, _ = rank_sites(table, offered, load_rules(), need_mu=10.0, economics=INPUTS)
    assert set(sites["price_basis"]) == {"project"} and sites["payback_years"].tolist() == [0.0, 0.0]


def test_payback_for_people_rounded_or_not_within_the_horizon(incomplete):
    table = _table([
        {"parcel_id": "A", "status": "reserve", "area_mu": 10.0, "cut_m3": 0.0, "fill_m3": 0.0, "geometry": _cell(0)},
        {"parcel_id": "W", "status": "reserve", "area_mu": 10.0, "has_water": False, "ext_water_cost_wan": 60.0,
         "cut_m3": 0.0, "fill_m3": 0.0, "geometry": _cell(1)},
    ])
    short = replace(INPUTS, horizon_years=8)  # W pays back in 8.4 years
    p = make_project(PROJECT)
    sites = rank_sites(table, p, load_rules(), need_mu=10.0, economics=short)[0]
    result = replace(incomplete, project=p, sites=sites, economics=short, economics_missing=())
    for lang in ("zh", "en"):
        shown = tables_for(result, lang)["sites"].set_index(labels.t("col.sites.parcel_id", lang))
        years = shown[labels.t("col.sites.payback_years", lang)]
        assert years["A"] == "6.4"
        assert years["W"] == labels.t("screen.payback.not_within", lang, n=8)
    assert years["W"] == "not within 8 years"
    zh = "\n".join(result.lines(lang="zh"))
    assert "回收期6.4" in zh and "工业用地出让最低价16.80万元/亩（8等）" in zh and "地方留成50.0%" in zh
    assert not codes_in(zh) and not cjk_in("\n".join(result.lines(lang="en")))


def test_weight_0_keeps_the_ranking_and_a_weight_reorders_by_payback():
    rules = load_rules()
    hand = _table([  # the sites of test_screen.test_score_by_hand
        {"parcel_id": "B", "status": "reserve", "area_mu": 11.0, "has_water": False, "has_power": False,
         "ext_water_cost_wan": 30.0, "ext_power_cost_wan": 10.0, "leveled": False, "cut_m3": 300.0,
         "fill_m3": 300.0, "geometry": _cell(0)},
        {"parcel_id": "A", "status": "reserve", "area_mu": 10.0, "cut_m3": 100.0, "fill_m3": 100.0, "geometry": _cell(1)},
        {"parcel_id": "C", "status": "reserve", "area_mu": 9.0, "has_power": False, "ext_power_cost_wan": 20.0,
         "cut_m3": 200.0, "fill_m3": 200.0, "geometry": _cell(2)},
    ])
    before, _ = rank_sites(hand, make_project({k: v for k, v in PROJECT.items() if k != "预计税收(万元)"}), rules,
                           need_mu=10.0)
    after, _ = rank_sites(hand, make_project(PROJECT), rules, need_mu=10.0, economics=INPUTS, payback_weight=0)
    assert after["parcel_id"].tolist() == before["parcel_id"].tolist() == ["A", "C", "B"]
    assert after["score"].tolist() == before["score"].tolist() == [91.67, 52.08, 18.75]
    assert after["explanation_zh"].tolist() == before["explanation_zh"].tolist()
    assert after["payback_years"].notna().all() and before["payback_years"].isna().all()

    # X fits the need exactly but its acquisition zone is dear (50 a mu); Y is 11 mu and has its own 5
    pair = _table([
        {"parcel_id": "X", "status": "reserve", "area_mu": 10.0, "cut_m3": 100.0, "fill_m3": 100.0,
         "geometry": _cell(0)},
        {"parcel_id": "Y", "status": "reserve", "area_mu": 11.0, "acquisition_wan_per_mu": 5.0,
         "cut_m3": 100.0, "fill_m3": 100.0, "geometry": _cell(1)},
    ])
    zones = gpd.GeoDataFrame({"zone_name": ["east"], "acquisition_wan_per_mu": [50.0]},
                             geometry=[_cell(0).buffer(5)], crs=pair.crs)
    p = make_project(PROJECT)
    plain, _ = rank_sites(pair, p, rules, need_mu=10.0, economics=INPUTS, zones=zones)
    assert plain["parcel_id"].tolist() == ["X", "Y"] and plain["score"].tolist() == [75.0, 62.5]
    assert plain["acquisition_wan_per_mu"].tolist() == [50.0, 5.0]
    weighted, _ = rank_sites(pair, p, rules, need_mu=10.0, economics=INPUTS, payback_weight=100, zones=zones)
    # X: 2 + (70 − 16.8) / 3 = 19.733 years; Y: 2 + (25 − 16.8) / (0.5 · 60 / 11) = 5.007 years
    y_x, y_y = 2 + 53.2 / 3, 2 + 8.2 / (0.5 * 60 / 11)
    assert weighted["parcel_id"].tolist() == ["Y", "X"]
    c_y = 1 - y_y / y_x
    assert weighted["score"].tolist() == [round(100 * (10 + 20 + 20 + 100 * c_y) / 180, 2), round(100 * 60 / 180, 2)]
    assert "回收期 100×" in weighted.iloc[0]["explanation_zh"]
    with pytest.raises(ParameterError, match="payback_weight"):
        rank_sites(pair, p, rules, need_mu=10.0, economics=INPUTS, payback_weight=-1)


@pytest.fixture(scope="module")
def incomplete():
    """The demo park with the shipped rules: no land grade, development cost … (UNCONFIRMED)."""
    return screen_project(make_project({"行业代码": "38", "用地面积(亩)": 22, "总投资(万元)": 9000,
                                        "预计税收(万元)": 550, "所需配套": "三通一平"}),
                          DATA, as_of=dt.date(2026, 6, 30), payback_weight=50,
                          rules=load_rules(None))  # not the demo's own rules.yaml, which sets the inputs


def test_incomplete_inputs_leave_the_column_empty_and_name_the_keys_once(incomplete):
    r = incomplete
    assert len(r.sites) and r.sites["payback_years"].isna().all()
    assert r.economics is None and "economics.land_grade" in r.economics_missing
    assert r.unused["payback"] == "no_economics" and "payback" not in r.weights
    zh, en = "\n".join(r.lines(lang="zh")), "\n".join(r.lines(lang="en"))
    note = labels.t("screen.payback.missing", "zh", keys="").split("；")[0]  # said once, not per site
    assert zh.count(note) == 1 and "土地等别" in zh
    assert not codes_in(zh) and "economics." not in zh and not cjk_in(en)
    assert en.count("The land economics inputs are incomplete") == 1 and "land grade (1–15)" in en
    shown = tables_for(r, "zh")["sites"]
    assert set(shown[labels.t("col.sites.payback_years", "zh")]) == {"—"}
    assert labels.t("col.sites.cost_wan_per_mu", "zh") not in shown.columns
    score = tables_for(r, "zh")["score"].set_index(labels.t("col.score.component", "zh"))
    assert score.loc["回收期", labels.t("col.score.weight", "zh")] == "50"


def test_without_a_promised_tax_the_term_is_absent():
    p = make_project({k: v for k, v in PROJECT.items() if k != "预计税收(万元)"})
    table = _table([{"parcel_id": "A", "status": "reserve", "area_mu": 10.0, "cut_m3": 0.0, "fill_m3": 0.0,
                     "geometry": _cell(0)}])
    sites, _ = rank_sites(table, p, load_rules(), need_mu=10.0, economics=INPUTS, payback_weight=10)
    assert sites["payback_years"].isna().all() and sites["c_payback"].isna().all()
    assert sites["cost_wan_per_mu"].tolist() == [30.0]  # the cost is known, the return is not


ECONOMICS_RULES = ("economics:\n  land_grade: 8\n  land_grade_source: \"307 annex 2 (2006)\"\n"
                   "  development_wan_per_mu: 20\n  acquisition_wan_per_mu: 10\n  retained_local_share: 0.5\n"
                   "  discount_rate: 0.05\n  tax_lag_years: 2\n")


def test_siting_page_shows_the_payback_and_weighs_it(tmp_path, monkeypatch):
    from test_app import frame_with, run_app

    from landplan.app.i18n import t

    ws = tmp_path / "ws"
    shutil.copytree(DATA, ws)
    (ws / "rules.yaml").write_text(ECONOMICS_RULES, encoding="utf-8")
    as_of = dt.date(2026, 6, 30)
    at = run_app(ws, monkeypatch, page="siting", as_of=as_of)
    at.selectbox(key="siting_industry").set_value("39")
    at.number_input(key="siting_area").set_value(30.0)
    project = make_project({"industry_code": "39", "area_mu": 30.0, "investment_wan": 20000.0, "tax_wan": 1000.0,
                            "output_wan": 50000.0, "needs": ["road", "water", "power"]}, source="options")
    header = labels.t("col.sites.payback_years", "zh")
    for weight in (0.0, 50.0):
        at.number_input(key="siting_payback_weight").set_value(weight)
        next(b for b in at.button if b.label == t("siting.run", "zh")).click().run()
        assert not at.exception and not at.error
        want = screen_project(project, ws, as_of=as_of, payback_weight=weight)
        sites = frame_with(at, header)
        assert len(want.sites) and sites["宗地号"].tolist() == want.sites["parcel_id"].tolist()
        assert sites[header].tolist() == [labels.fmt(y, "years", "zh") for y in want.sites["payback_years"]]
        assert sites[labels.t("col.sites.score", "zh")].tolist() == [labels.fmt(x, "score", "zh")
                                                                     for x in want.sites["score"]]
        assert any(c.value == want.payback_note("zh") for c in at.caption)
    assert "回收期 50×" in want.sites.iloc[0]["explanation_zh"]
