"""``landplan screen`` on a small park: zero, one or two candidate sites are results.

A park of two reserve parcels and one producing neighbour, built here and screened through
the command line in a subprocess: no site (by area, or no supplyable land), one site and two
sites, with the scores worked out by hand.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import LineString, box

from landplan import Workspace, labels

X0, Y0 = 39_512_000.0, 3_521_000.0
M2_PER_MU = 10_000 / 15


@pytest.fixture(scope="module")
def small_park(tmp_path_factory) -> Path:
    """R1 100 × 100 m (15 mu) with a built road 20 m south of it; R2 100 × 110 m (16.5 mu),
    200 m east of the road's end; S1 a producing parcel. No ledger, no pipes, no DEM. The
    reserve parcels are 三类工业用地 (100103), the land the chemicals projects screened here need."""
    path = tmp_path_factory.mktemp("small") / "park"
    parcels = gpd.GeoDataFrame(
        {"parcel_id": ["R1", "R2", "S1"], "holder": [None, None, "甲化工有限公司"],
         "status": ["reserve", "reserve", "in_production"], "industry_code": [None, None, "26"],
         "land_use": ["100103", "100103", "100103"]},
        geometry=[box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 300, Y0, X0 + 400, Y0 + 110),
                  box(X0, Y0 + 300, X0 + 100, Y0 + 400)], crs="EPSG:4527")
    roads = gpd.GeoDataFrame({"road_id": ["A"], "status": ["built"]},
                             geometry=[LineString([(X0, Y0 - 20), (X0 + 100, Y0 - 20)])], crs="EPSG:4527")
    ws = Workspace(path)
    ws.write("parcels", parcels)
    ws.write("roads", roads)
    return path


def _screen(workspace: Path, *args: str) -> subprocess.CompletedProcess:
    lang = [] if "--lang" in args else ["--lang", "zh"]
    return subprocess.run([sys.executable, "-m", "landplan.cli", "screen", "--workspace", str(workspace),
                           "--as-of", "2026-06-30", "--industry", "26", *lang, *args],
                          capture_output=True, text=True, timeout=120)


def test_no_site_by_area_is_a_result_with_the_reason(small_park, tmp_path):
    out = tmp_path / "sites.xlsx"
    run = _screen(small_park, "--area-mu", "30", "--needs", "road", "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""  # no traceback
    lines = run.stdout.splitlines()
    assert "选址：可供地块2宗，有冲突0宗，用地等级不符0宗，面积不符2宗，排序0宗" in lines
    # 30 mu ± 20 %: 24–36 mu; R2 (16.5 mu) is closer to 30 than R1 (15 mu)
    assert ("  无合适地块：2宗可供地块中2宗面积不在24.00–36.00亩内（需求30.00亩±20.0%）；"
            "面积最接近的：R2 16.50亩、R1 15.00亩") in lines
    assert lines[0].endswith("，无台账") and "None" not in run.stdout
    # the workbook is written, its sites sheet with the header and no row, the parcels not
    # ranked each with why
    book = openpyxl.load_workbook(out, read_only=True)
    rows = list(book["选址排序"].iter_rows(values_only=True))
    assert len(rows) == 1 and "选址得分" in rows[0]
    excluded = list(book["未入选的可供地块"].iter_rows(values_only=True))
    assert [r[:3] for r in excluded[1:]] == [("R1", 15.0, "面积不符"), ("R2", 16.5, "面积不符")]

    en = _screen(small_park, "--area-mu", "30", "--lang", "en", "--out", str(tmp_path / "sites.csv"))
    assert en.returncode == 0 and en.stderr == ""
    assert ("  no site fits: of 2 supplyable parcels, 2 outside 24.00–36.00 mu (need 30.00 mu "
            "± 20.0 %); closest areas: R2 16.50 mu, R1 15.00 mu") in en.stdout.splitlines()
    # the CSV is for scripts in any language: canonical header, no row
    written = pd.read_csv(tmp_path / "sites.csv", encoding="utf-8-sig")
    assert len(written) == 0 and {"rank", "parcel_id", "score", "explanation_zh"} <= set(written.columns)


def test_no_supplyable_parcel_says_so(small_park, tmp_path):
    ws = tmp_path / "ws"
    Workspace(ws).write("parcels", Workspace(small_park).read("parcels"))
    (ws / "rules.yaml").write_text("screening:\n  supplyable_statuses: [acquiring]\n", encoding="utf-8")
    run = _screen(ws, "--area-mu", "15", "--out", str(tmp_path / "sites.gpkg"))
    assert run.returncode == 0 and run.stderr == ""
    assert "选址：可供地块0宗，有冲突0宗，用地等级不符0宗，面积不符0宗，排序0宗" in run.stdout
    assert "  无合适地块：园区没有可供地块（可供状态：征收中）" in run.stdout.splitlines()
    assert len(pyogrio.read_dataframe(tmp_path / "sites.gpkg", layer="sites")) == 0


def test_one_site_with_no_extension_cost(small_park, tmp_path):
    # 13 mu ± 20 % = 10.4–15.6 mu: only R1 (15 mu), which has its road (20 m ≤ 50 m)
    out = tmp_path / "one.csv"
    run = _screen(small_park, "--area-mu", "13", "--needs", "road", "--out", str(out))
    assert run.returncode == 0 and run.stderr == ""
    sites = pd.read_csv(out, encoding="utf-8-sig")
    assert sites["parcel_id"].tolist() == ["R1"] and sites["rank"].tolist() == [1]
    area_fit = 1 - (2 / 13) / 0.2
    assert sites.loc[0, "c_area_fit"] == pytest.approx(round(area_fit, 4))
    # the largest cost among the sites is 0: the extension_cost component is 1 (not 0/0)
    assert (sites.loc[0, "c_utilities"], sites.loc[0, "c_extension_cost"]) == (1.0, 1.0)
    assert sites.loc[0, "score"] == round(100 * (20 * area_fit + 20 + 20) / 60, 2) == 74.36
    assert "    1. R1 得分 74.4  15.00 亩" in run.stdout and "无合适地块" not in run.stdout


def test_two_sites_ranked_by_hand(small_park, tmp_path):
    out = tmp_path / "two.csv"
    run = _screen(small_park, "--area-mu", "15", "--needs", "road", "--lang", "en", "--out", str(out))
    assert run.returncode == 0 and run.stderr == ""
    sites = pd.read_csv(out, encoding="utf-8-sig")
    assert sites["parcel_id"].tolist() == ["R1", "R2"]
    # R2 lacks the road: the straight extension from the road's end (X0 + 100, Y0 − 20) to its
    # corner (X0 + 300, Y0), at 2.0 万元/m (coverage.unit_cost_wan_per_m.road)
    cost = 2.0 * math.hypot(200, 20)
    readiness_en = labels.value(labels.kind_of("readiness") or "readiness", "未达三通一平", "en")
    assert sites["ext_cost_wan"].tolist() == pytest.approx([0.0, cost])
    assert sites["c_area_fit"].tolist() == [1.0, 0.5]           # 16.5 mu is 10 % over: 1 − 0.1 / 0.2
    assert sites["c_utilities"].tolist() == [1.0, 0.0]
    assert sites["c_extension_cost"].tolist() == [1.0, 0.0]     # 1 − cost / largest cost
    assert sites["c_earthworks"].isna().all() and sites["c_contiguity"].isna().all()
    assert sites["score"].tolist() == [100.0, round(100 * 20 * 0.5 / 60, 2)] == [100.0, 16.67]
    assert (f"#2 R2: 16.50 mu (need 15.00 mu, +10.0 %); {readiness_en}, the project's needs lack road, "
            f"extensions cost {cost:.2f} 10k CNY") in sites.loc[1, "explanation_en"]
    assert ("Sites: 2 supplyable parcels, 0 with conflicts, 0 on land of another grade or use, 0 outside the area "
            "tolerance, 2 ranked") in run.stdout
