"""Issue 18's acceptance on one park handed over as a clerk would: GeoJSON parcels with Chinese
headers, an XLSX ledger, a flat DEM, imported without ``--date`` and evaluated ``--as-of`` a
past date through the command line. Each case is one parcel; the figures are worked by hand.

Parcels are 100 × 100 m (10,000 m², 15 亩), 300 m apart, on ground flat at 50 m.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from pyproj import Transformer

from landplan.cli import main
from landplan.evaluate import read_evaluation

X0, Y0 = 39_512_000.0, 3_521_000.0  # EPSG:4527
TO_WGS84 = Transformer.from_crs("EPSG:4527", "EPSG:4326", always_xy=True)
AS_OF = "2024-06-30"

#: 宗地号, 建设状态, 土地用途, 行业代码, 供地日期, 交地日期, 约定竣工日期, 总建筑面积, 基底及堆场面积, 场地已平整
PARCELS = [
    ("D1", "已供未建", "100101", "34", "2023-01-10", "2023-03-01", None, None, None, "是"),
    ("S1", "已供未建", "100101", "34", "2023-05-20", None, None, None, None, "是"),
    ("U1", "在建", "100101", "34", "2022-01-01", "2022-02-01", "2025-12-31", 1_000, 500, "是"),
    ("C1", "投产", "100101", "34", "2015-06-01", "2015-07-01", "2017-06-30", 10_000, 3_500, "是"),
    ("T1", "投产", "100101", "34", "2016-01-01", "2016-02-01", "2018-01-01", 12_000, 4_500, "是"),
    ("T2", "投产", "100101", "34", "2016-01-01", "2016-02-01", "2018-01-01", 12_000, 4_500, "是"),
    ("T3", "投产", "100101", "34", "2016-01-01", "2016-02-01", "2018-01-01", 12_000, 4_500, "是"),
    ("N1", "投产", "100101", "34", "2016-01-01", "2016-02-01", "2018-01-01", 12_000, 4_500, "否"),
    ("R1", "储备", "100101", None, None, None, None, None, None, "是"),
    ("R3", "储备", "100103", None, None, None, None, None, None, "是"),
]
#: 宗地号 → tax (万元) in 2023; C1 and U1 pay none that year; N1's figure is missing.
TAX = {"C1": 60.0, "T1": 3_000.0, "T2": 60.0, "T3": 60.0, "N1": None}


def _ring(i: int) -> list:
    x0, y0 = X0 + 300 * i, Y0
    corners = ((x0, y0), (x0 + 100, y0), (x0 + 100, y0 + 100), (x0, y0 + 100), (x0, y0))
    return [list(TO_WGS84.transform(x, y)) for x, y in corners]


@pytest.fixture(scope="module")
def park(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clerk_park")
    keys = ["宗地号", "建设状态", "土地用途", "行业代码", "供地日期", "交地日期", "约定竣工日期",
            "总建筑面积", "建筑物、构筑物基底及堆场面积", "场地已平整"]
    features = [{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [_ring(i)]},
                 "properties": dict(zip(keys, row, strict=True))} for i, row in enumerate(PARCELS)]
    parcels = folder / "宗地.geojson"
    parcels.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                                  ensure_ascii=False), encoding="utf-8")
    ledger = folder / "企业台账.xlsx"
    pd.DataFrame({
        "统一社会信用代码": [f"9134{n:014d}" for n in range(len(TAX))],
        "企业名称": [f"{pid}公司" for pid in TAX], "宗地号": list(TAX), "年度": 2023,
        "是否规上": "是", "税收": list(TAX.values()), "工业增加值": 300.0, "工业总产值": 1_500.0,
        "综合能耗": 100.0, "排放当量": 10.0, "研发经费": 30.0, "营业收入": 1_500.0,
        "年平均职工人数": 50,
    }).to_excel(ledger, index=False)
    dem = folder / "dem.tif"
    with rasterio.open(dem, "w", driver="GTiff", height=300, width=3200, count=1, dtype="float32",
                       crs="EPSG:4527", transform=Affine(1, 0, X0 - 100, 0, -1, Y0 + 200)) as dst:
        dst.write(np.full((300, 3200), 50.0, dtype="float32"), 1)
    ws = folder / "ws"
    assert main(["import", str(parcels), "--layer", "parcels", "--workspace", str(ws)]) == 0
    assert main(["import-ledger", str(ledger), "--workspace", str(ws)]) == 0
    assert main(["import", str(dem), "--layer", "terrain", "--workspace", str(ws)]) == 0
    out = folder / "evaluation.csv"
    assert main(["evaluate", "--workspace", str(ws), "--as-of", AS_OF, "--year", "2023",
                 "--out", str(out)]) == 0
    return ws, read_evaluation(out).set_index("parcel_id")


def test_idle_by_article_22_from_delivery_and_from_supply(park):
    _, table = park
    # D1: no agreed start, delivered 2023-03-01 → idle (a finding) from 2024-03-01
    assert table.loc["D1", "idle_status"] == "idle_unstarted"
    assert table.loc["D1", "start_date_basis"] == "delivery_date"
    assert str(table.loc["D1", "idle_since"])[:10] == "2023-03-01"  # the year counts from here
    assert table.loc["D1", "idle_stage"] == "suspected"
    # S1: nothing delivered on record → from its supply date 2023-05-20, the fallback named
    assert table.loc["S1", "idle_status"] == "idle_unstarted"
    assert table.loc["S1", "start_date_basis"] == "supply_date"
    assert str(table.loc["S1", "idle_since"])[:10] == "2023-05-20"


def test_an_unfinished_project_is_neither_under_built_nor_low_efficiency(park):
    _, table = park
    assert table.loc["U1", "floor_area_ratio"] == pytest.approx(0.1)  # described, not judged
    assert pd.isna(table.loc["U1", "compliance_failed"]) or not table.loc["U1", "compliance_failed"]
    assert table.loc["U1", "compliance_scope"] != "judged"
    assert str(table.loc["U1", "low_efficiency"]) in {"False", "nan", "<NA>", ""}
    assert str(table.loc["U1", "lifecycle_gap"]) in {"nan", "<NA>", "", "none"}


def test_a_2015_parcel_with_35_pct_coverage_passes_under_the_2008_edition(park):
    _, table = park
    assert table.loc["C1", "building_coverage_pct"] == pytest.approx(35.0)
    assert str(table.loc["C1", "compliance_edition"]) == "2008"
    assert str(table.loc["C1", "building_coverage_pct_ok"]) == "True"


def test_fifty_times_the_tax_is_capped_and_a_missing_tax_is_not_graded(park):
    _, table = park
    scores = table["efficiency_score"].dropna()
    assert scores.max() <= 200.0  # every indicator capped at 2 × its weight (weights sum to 100)
    assert table.loc["T1", "tax_per_mu_wan"] == pytest.approx(200.0)  # 3,000 万元 / 15 亩
    assert table.loc["T1", "efficiency_score"] < 2 * table.loc["T2", "efficiency_score"]
    assert table.loc["N1", "efficiency_class"] not in {"A", "B"}
    assert pd.isna(table.loc["N1", "efficiency_score"])


def test_a_recorded_not_levelled_parcel_on_a_flat_dem_is_not_levelled(park):
    _, table = park
    assert table.loc["N1", "relief_m"] == 0.0
    assert str(table.loc["N1", "leveled"]) == "False"
    assert table.loc["N1", "leveled_source"] == "site_leveled"
    assert str(table.loc["R1", "leveled"]) == "True"


def test_a_chemicals_project_is_offered_class_3_land_only(park, tmp_path):
    ws, _ = park
    sites = tmp_path / "sites.csv"
    assert main(["screen", "--workspace", str(ws), "--as-of", AS_OF, "--industry", "26",
                 "--area-mu", "15", "--tax-wan", "1500", "--investment-wan", "9000",
                 "--output-wan", "30000", "--out", str(sites)]) == 0
    offered = pd.read_csv(sites, dtype=str)["parcel_id"].tolist()
    assert offered == ["R3"]
