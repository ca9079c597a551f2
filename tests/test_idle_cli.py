"""landplan idle and the idle columns of landplan evaluate, on the demo park."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from landplan import Workspace, labels
from landplan.cli import main
from landplan.evaluate import evaluate
from landplan.revitalization import PATH_CODES

DATA = Path(__file__).resolve().parent.parent / "data"
AS_OF = dt.date(2026, 6, 30)


def test_evaluate_has_idle_and_revitalization_columns():
    table = evaluate(DATA, as_of=AS_OF)
    for column in ("idle_status", "idle_years", "idle_cause", "idle_disposal", "idle_fee_wan",
                   "next_step_date", "low_efficiency", "low_efficiency_reason", "revitalization_priority"):
        assert column in table, column
    idle = table["idle_status"].str.startswith("idle_")
    assert idle.sum() > 0
    assert table.loc[idle, "revitalization_priority"].notna().all()
    assert not (idle & table["low_efficiency"].fillna(False).astype(bool)).any()
    fee = table["idle_disposal"] == "idle_fee"
    assert (table.loc[fee, "idle_fee_wan"] == 0.2 * table.loc[fee, "land_price_wan"]).all()
    assert (table.loc[~fee, "idle_fee_wan"].fillna(0) == 0).all()


def test_idle_command_summary_and_candidates(tmp_path, capsys):
    out = tmp_path / "candidates.xlsx"
    assert main(["idle", "--workspace", str(DATA), "--as-of", "2026-06-30", "--out", str(out), "--lang", "zh"]) == 0
    text = capsys.readouterr().out
    assert "  疑似闲置（未动工）：" in text and "土地闲置费（" in text and "下一步期限：" in text
    assert "认定程序：疑似闲置（待调查）" in text and "盘活候选已写入" in text
    # one language: no English word (an option to type, --since, is no word)
    assert not re.search(r"[A-Za-z]{4}", re.sub(r"--[a-z-]+", "", text.replace(str(out), "")))
    rows = list(openpyxl.load_workbook(out, read_only=True)["评价结果"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert "列入原因" in header and "盘活优先级" in header and "盘活路径" in header and len(body) > 10
    reason = header.index("列入原因")
    assert all(row[reason] for row in body)  # every candidate says which rule made it one
    priority = [row[header.index("盘活优先级")] for row in body]
    assert priority == sorted(priority, reverse=True)
    paths = {p for row in body for p in str(row[header.index("盘活路径")]).split("、")}
    assert paths <= {labels.value("revitalization_path", c) for c in PATH_CODES}
    capsys.readouterr()
    assert main(["idle", "--workspace", str(DATA), "--as-of", "2026-06-30", "--lang", "en"]) == 0
    text = capsys.readouterr().out
    assert "suspected idle (not started):" in text and "next deadlines:" in text
    assert not re.search(r"[\u4e00-\u9fff]", text)


def test_target_progress_between_two_evaluations(tmp_path, capsys):
    ws_path = tmp_path / "ws"
    shutil.copytree(DATA, ws_path)
    start = tmp_path / "start.parquet"
    assert main(["evaluate", "--workspace", str(ws_path), "--as-of", "2026-01-01", "--out", str(start)]) == 0
    before = pd.read_parquet(start)
    idle = before[before["idle_status"].str.startswith("idle_")].sort_values("parcel_id").iloc[0]
    ws = Workspace(ws_path)
    parcels = ws.read("parcels")
    row = parcels["parcel_id"] == idle["parcel_id"]
    parcels.loc[row, "actual_start_date"] = pd.Timestamp("2026-03-01")
    parcels.loc[row, "halted_since"] = pd.NaT
    parcels.loc[row, "status"] = "under_construction"
    ws.write("parcels", parcels)
    capsys.readouterr()
    assert main(["idle", "--workspace", str(ws_path), "--as-of", "2026-06-30", "--since", str(start),
                 "--target-mu", "300", "--lang", "zh"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last == (f"本年盘活（2026 年）：{idle['area_mu']:,.2f} 亩（1 宗），自 2026-01-01 起；"
                    "目标 300.00 亩（命令行指定）：未完成")


def test_bad_since_file(capsys, tmp_path):
    assert main(["idle", "--workspace", str(DATA), "--since", str(tmp_path / "nope.parquet")]) == 2
    assert "no such evaluation file" in capsys.readouterr().err


@pytest.mark.parametrize("as_of", ["2026-13-01", "yesterday"])
def test_bad_as_of(capsys, as_of):
    assert main(["idle", "--workspace", str(DATA), "--as-of", as_of]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_bad_inputs_are_one_line_each_and_do_not_stop_others(tmp_path, capsys):
    ws_path = tmp_path / "ws"
    shutil.copytree(DATA, ws_path)
    ws = Workspace(ws_path)
    parcels = ws.read("parcels")
    supplied = parcels["supply_date"].notna() & parcels["agreed_start_date"].notna()
    first, second = parcels.index[supplied][:2]
    parcels.loc[first, "agreed_start_date"] = parcels.loc[first, "supply_date"] - pd.Timedelta(days=30)
    parcels.loc[second, "agreed_completion_date"] = parcels.loc[second, "agreed_start_date"] - pd.Timedelta(days=1)
    ws.write("parcels", parcels)
    capsys.readouterr()
    assert main(["idle", "--workspace", str(ws_path), "--as-of", "2026-06-30"]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("landplan: warning:")]
    assert any(f"feature {first + 1} (parcel_id {parcels.loc[first, 'parcel_id']})" in w for w in warnings)
    assert any(f"feature {second + 1}" in w and "agreed_completion_date" in w for w in warnings)
    table = evaluate(ws_path, as_of=AS_OF)
    assert table["idle_status"].notna().all()
