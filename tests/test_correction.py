"""An import without --date corrects the record; --date D is a change in the world on D
(issue 17, item 2).

Before: `import 宗地.shp`, then `import 宗地信息表.xlsx` (attributes, no --date), then
`evaluate --as-of 2026-06-30` gave every attribute of the XLSX empty, without a word, because the
attribute import was recorded as a change effective the day it was run.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pandas as pd
import pyogrio
import pytest

from landplan.cli import main
from landplan.history import change_log, parcel_history, parcels_as_of, read_history
from landplan.workspace import Workspace

BEFORE = "2026-06-30"


@pytest.fixture
def shapes_then_attributes(tmp_path, park_parcels):
    """A parcels file of geometry and ids only, imported; then an attribute workbook."""
    shapes = tmp_path / "宗地.gpkg"
    park_parcels[["parcel_id", "geometry"]].to_file(shapes, layer="parcels")
    table = pd.DataFrame({
        "宗地号": park_parcels["parcel_id"],
        "土地使用权人": park_parcels["holder"],
        "供地日期": park_parcels["supply_date"].dt.strftime("%Y-%m-%d"),
        "建设状态": ["储备", "已供未建", "在建", "竣工", "投产", "停工", "", "投产", "已供未建"],
        "约定动工日期": ["", "2023-03-01", "2022-06-15", "2020-11-30", "2017-05-20", "2019-01-10",
                   "", "2018-09-01", "2024-12-31"],
    })
    xlsx = tmp_path / "宗地信息表.xlsx"
    table.to_excel(xlsx, index=False)
    ws = tmp_path / "ws"
    assert main(["import", str(shapes), "--layer", "parcels", "--workspace", str(ws)]) == 0
    return ws, xlsx


def _holders(frame) -> dict:
    return dict(zip(frame["parcel_id"], frame["holder"], strict=True))


def test_an_undated_attribute_import_holds_for_earlier_dates(shapes_then_attributes, park_parcels):
    ws, xlsx = shapes_then_attributes
    assert main(["import", str(xlsx), "--layer", "parcels", "--workspace", str(ws)]) == 0
    earlier = parcels_as_of(ws, dt.date.fromisoformat(BEFORE))
    want = _holders(park_parcels)
    assert _holders(earlier) == want  # the values hold as of any date: the record was corrected
    assert earlier.set_index("parcel_id").loc["HF-005", "status"] == "in_production"
    assert _holders(Workspace(ws).read("parcels")) == want
    # the change log still says what was done and when
    changes = change_log(ws)
    last = changes.iloc[-1]
    assert last["kind"] == "import" and pd.isna(last["effective_date"])
    assert last["summary"].startswith("correction of the record (no effective date; validity unchanged)")
    assert last["recorded_at"].startswith(dt.date.today().isoformat())
    # the corrected versions are kept, in force on no day; validity of the new ones unchanged
    versions, _ = read_history(ws)
    old = versions[versions["superseded_by"].notna()]
    assert set(old["superseded_by"]) == {int(last["change_id"])}
    assert len(old) == 8  # HF-007 has no attribute in the workbook: unchanged, not corrected
    new = versions[versions["change_id"] == last["change_id"]]
    assert new["valid_from"].isna().all() and new["valid_to"].isna().all()
    lineage = parcel_history(ws, "HF-003")
    assert len(lineage) == 2 and lineage["superseded_by"].notna().sum() == 1


def test_evaluate_as_of_an_earlier_date_sees_the_corrected_attributes(shapes_then_attributes, tmp_path):
    ws, xlsx = shapes_then_attributes
    assert main(["import", str(xlsx), "--layer", "parcels", "--workspace", str(ws)]) == 0
    out = tmp_path / "e.gpkg"   # a GeoPackage keeps the canonical columns and codes
    assert main(["evaluate", "--workspace", str(ws), "--as-of", BEFORE, "--out", str(out)]) == 0
    table = pyogrio.read_dataframe(out, read_geometry=False).set_index("parcel_id")
    assert table.loc["HF-002", "holder"] == "安徽乙新材料股份有限公司"
    # statuses and agreed start dates are known: HF-002, supplied and not started a year after
    # its agreed start (2023-03-01), is idle as of 2026-06-30
    assert table.loc["HF-002", "idle_status"] == "idle_unstarted"
    assert (table["idle_status"] != "not_applicable").sum() == 7


def test_a_dated_import_is_a_change_on_its_date_and_as_of_says_what_it_leaves_out(
        shapes_then_attributes, park_parcels):
    ws, xlsx = shapes_then_attributes
    assert main(["import", str(xlsx), "--layer", "parcels", "--date", "2026-09-01",
                 "--workspace", str(ws)]) == 0
    earlier = parcels_as_of(ws, dt.date.fromisoformat(BEFORE))
    assert "holder" not in earlier.columns or earlier["holder"].isna().all()
    assert _holders(parcels_as_of(ws, dt.date(2026, 9, 1))) == _holders(park_parcels)
    last = change_log(ws).iloc[-1]
    assert last["effective_date"] == pd.Timestamp("2026-09-01")
    run = subprocess.run([sys.executable, "-m", "landplan.cli", "idle", "--workspace", str(ws),
                          "--as-of", BEFORE], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    said = [line for line in run.stderr.splitlines() if "left out" in line]
    assert said == [f"WARNING landplan.history: as of {BEFORE}: 1 later change(s) left out, 8 "
                    f"parcel(s) differ today (change {last['change_id']} import 2026-09-01)"]
    # nothing is said when nothing is left out
    quiet = subprocess.run([sys.executable, "-m", "landplan.cli", "idle", "--workspace", str(ws),
                            "--as-of", "2026-09-01"], capture_output=True, text=True)
    assert "left out" not in quiet.stderr


def test_an_undated_reimport_corrects_kept_parcels_and_ends_the_missing_ones_today(
        shapes_then_attributes, tmp_path, park_parcels):
    ws, _ = shapes_then_attributes
    shapes = tmp_path / "fewer.gpkg"
    fewer = park_parcels[park_parcels["parcel_id"] != "HF-009"][["parcel_id", "holder", "geometry"]]
    fewer.to_file(shapes, layer="parcels")
    assert main(["import", str(shapes), "--layer", "parcels", "--workspace", str(ws)]) == 0
    versions, changes = read_history(ws)
    assert _holders(parcels_as_of(ws, dt.date(2020, 1, 1)))["HF-001"] == "合肥甲科技有限公司"
    gone = versions[(versions["parcel_id"] == "HF-009") & versions["superseded_by"].isna()]
    assert gone["valid_to"].tolist() == [pd.Timestamp(dt.date.today())]
    assert "HF-009" in set(parcels_as_of(ws, dt.date(2020, 1, 1))["parcel_id"])
    assert "HF-009" not in set(Workspace(ws).read("parcels")["parcel_id"])
