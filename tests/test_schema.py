"""Schema: header recognition, value coercion, labels."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from landplan.errors import SchemaError
from landplan.schema import (
    ENUMS,
    LAYERS,
    PARCELS,
    coerce_column,
    enum_label,
    label,
    match_column,
    normalize_header,
)
from landplan.units import M2_PER_MU


@pytest.mark.parametrize(
    ("layer", "header", "column", "factor"),
    [
        ("parcels", "宗地代码", "parcel_id", 1.0),
        ("parcels", "ZDDM", "parcel_id", 1.0),
        ("parcels", "zddm", "parcel_id", 1.0),
        ("parcels", "ＺＤＤＭ", "parcel_id", 1.0),               # full-width
        ("parcels", " 宗地 号 ", "parcel_id", 1.0),               # spaces
        ("parcels", "BDCDYH", "parcel_id", 1.0),
        ("parcels", "QLR", "holder", 1.0),
        ("parcels", "地类编码", "land_use", 1.0),
        ("parcels", "用地面积(亩)", "area_declared_m2", M2_PER_MU),
        ("parcels", "用地面积（公顷）", "area_declared_m2", 10000.0),
        ("parcels", "宗地面积(㎡)", "area_declared_m2", 1.0),
        ("parcels", "出让价款（元）", "land_price_wan", 1e-4),
        ("parcels", "出让金(亿元)", "land_price_wan", 1e4),
        ("parcels", "用地面积_亩_", "area_declared_m2", M2_PER_MU),
        ("parcels", "容积率", "floor_area_ratio_declared", 1.0),
        ("ledger", "税收（万元）", "tax_wan", 1.0),
        ("ledger", "入库税收(元)", "tax_wan", 1e-4),
        ("ledger", "统一社会信用代码", "enterprise_id", 1.0),
        ("ledger", "年度", "year", 1.0),
        ("ledger", "综合能耗(吨标准煤)", "energy_tce", 1.0),
        ("roads", "路宽(千米)", "width_m", 1000.0),
        ("pipelines", "管径(mm)", "diameter_mm", 1.0),
        ("powerlines", "电压等级", "voltage_kv", 1.0),
        ("parcels", "备注", None, 1.0),
    ],
)
def test_header_recognition(layer, header, column, factor):
    got, got_factor, _unit = match_column(layer, header)
    assert got == column
    assert got_factor == pytest.approx(factor)


def test_a_unit_the_column_cannot_take_is_an_error():
    with pytest.raises(SchemaError, match="unit '英亩'"):
        match_column("parcels", "用地面积(英亩)")
    with pytest.raises(SchemaError, match="takes no unit"):
        match_column("parcels", "宗地代码(亩)")


def test_normalize_header():
    assert normalize_header("税收（万元）") == ("税收", "万元")
    assert normalize_header("Ｔａｘ_Wan") == ("tax_wan", None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("2021-03-01", "2021-03-01"), ("2021/3/1", "2021-03-01"), ("2021年3月1日", "2021-03-01"),
     ("20210301", "2021-03-01"), (44256, "2021-03-01"), ("44256", "2021-03-01"),
     (dt.date(2021, 3, 1), "2021-03-01"), ("2021.03.01", "2021-03-01"),
     ("2021-03-01 00:00:00", "2021-03-01"), ("2020-02-29", "2020-02-29"), (20210301, "2021-03-01")],
)
def test_dates(raw, expected):
    series, errors = coerce_column(pd.Series([raw], dtype=object), PARCELS.by_name["supply_date"])
    assert not errors
    assert series.iloc[0] == pd.Timestamp(expected)
    assert str(series.dtype) == "datetime64[ms]"


@pytest.mark.parametrize("raw", ["2021-02-31", "2021-13-01", "2019年2月29日", "明年", "2021-3"])
def test_bad_dates(raw):
    _, errors = coerce_column(pd.Series([raw], dtype=object), PARCELS.by_name["supply_date"])
    assert errors and "date" in errors[0]


@pytest.mark.parametrize(
    ("column", "raw", "expected"),
    [("status", "已投产", "in_production"), ("status", "停产", "halted"), ("status", "储备", "reserve"),
     ("status", " In_Production ", "in_production"), ("idle_cause", "政府原因", "government"),
     ("idle_cause", "不可抗力", "force_majeure"), ("site_leveled", "是", True),
     ("site_leveled", "N", False), ("site_leveled", 0, False), ("land_use", "二类工业用地", "100102"),
     ("land_use", "M3", "100103"), ("land_use", "W1", "110101"), ("land_use", "0601", "0601"),
     ("industry_code", 39.0, "39"), ("industry_code", "C39", "39"),
     ("invested_wan", "1,234.5", 1234.5), ("invested_wan", "１２", 12.0),
     ("invested_wan", "500万元", 500.0), ("invested_wan", "5000000元", 500.0)],
)
def test_values(column, raw, expected):
    series, errors = coerce_column(pd.Series([raw], dtype=object), PARCELS.by_name[column])
    assert not errors
    assert series.iloc[0] == expected


def test_network_enums():
    spec = LAYERS["pipelines"].by_name["kind"]
    series, errors = coerce_column(pd.Series(["给水", "天然气", "中水", "通讯", "煤气"], dtype=object), spec)
    assert list(series[:4]) == ["water", "gas", "reclaimed", "telecom"]
    assert list(errors) == [4] and "'煤气'" in errors[4]


def test_missing_values_stay_empty_not_zero():
    series, errors = coerce_column(pd.Series(["", None, "-", np.nan, "3"], dtype=object),
                                   PARCELS.by_name["invested_wan"])
    assert not errors
    assert series.isna().sum() == 4 and series.iloc[4] == 3.0


def test_labels_exist_in_both_languages():
    for spec in LAYERS.values():
        for col in spec.columns:
            assert col.zh and col.en and col.zh != col.name
            assert any("\u4e00" <= ch <= "\u9fff" for ch in col.zh), col.name
    for enum, values in ENUMS.items():
        for code in values:
            assert enum_label(enum, code, "zh") != enum_label(enum, code, "en") or code == "cable"
    assert label("parcels", "holder") == "土地使用权人"
    assert label("parcels", "holder", "en") == "land-use right holder"


@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_every_date_spelling_agrees(day):
    spellings = [day.isoformat(), f"{day.year}/{day.month}/{day.day}",
                 f"{day.year}年{day.month}月{day.day}日", day.strftime("%Y%m%d"),
                 (day - dt.date(1899, 12, 30)).days]
    series, errors = coerce_column(pd.Series(spellings, dtype=object), PARCELS.by_name["supply_date"])
    assert not errors
    assert (series == pd.Timestamp(day)).all()


@pytest.mark.parametrize("layer,name,values", [
    ("ledger", "tax_wan", ["1", " 2.5 ", "1,234", "3万元", "inf", "-1", "abc", "", None, "nan", "1e3", "0x10",
                           "1_000", "４５", "-inf", "NaN", "—"]),
    ("parcels", "graves_moved", ["1", "2.0", "2.5", "-3", "", "7", "x"]),
    ("powerlines", "voltage_kv", ["10", "10kV", "110千伏", "0.4", "-10", "高压"]),
    ("ledger", "year", ["2024", "2025.0", "x", ""]),
])
def test_large_text_columns_parse_as_the_value_rules_do(layer, name, values):
    """Big text tables take pandas' number parser first; results and messages are the same."""
    from landplan.schema import coerce_column, layer_spec

    col = layer_spec(layer).by_name[name]
    series = pd.Series(values * 300)
    fast, fast_errors = coerce_column(series, col)
    slow, slow_errors = coerce_column(series, col, _fast=False)
    pd.testing.assert_series_equal(fast, slow)
    assert fast_errors == slow_errors and fast_errors


@pytest.mark.parametrize("layer,name,values", [
    ("ledger", "tax_wan", ["1", "2.5", "", "1e3", "inf", "nan", "+5", ".5", "1.", "-0"]),
    ("ledger", "employees", ["12", "", "7.0", "7.5"]),
    ("parcels", "graves_moved", ["1", "2.0", "", "3"]),
])
def test_arrow_number_parser_agrees_with_the_value_rules(layer, name, values):
    """Stored tables are arrow-backed text: arrow's parser reads them, with the same results and
    messages as the value rules (and refuses whole columns it cannot read, e.g. '1,234')."""
    from landplan.schema import _arrow_numbers, coerce_column, layer_spec

    col = layer_spec(layer).by_name[name]
    series = pd.Series(values * 300, dtype="str")
    assert isinstance(series.array, pd.arrays.ArrowStringArray)
    assert _arrow_numbers(series) is not None
    assert _arrow_numbers(pd.Series(["1", "1,234"] * 600, dtype="str")) is None
    fast, fast_errors = coerce_column(series, col)
    slow, slow_errors = coerce_column(series, col, _fast=False)
    pd.testing.assert_series_equal(fast, slow)
    assert fast_errors == slow_errors


def test_doctests():
    import doctest

    import landplan.schema.parsing

    result = doctest.testmod(landplan.schema.parsing)
    assert result.attempted > 0 and result.failed == 0
