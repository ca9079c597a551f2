"""Land-use and industry codes with their names (issue 19): 用地用海分类 (2023), GB 50137-2011 and
三调 land-use codes, GB/T 4754-2017 divisions and the 2002 divisions of the 2008 tables."""

from __future__ import annotations

import re
from pathlib import Path

import pyogrio
import pytest

from landplan import labels
from landplan.io.writers import people_table
from landplan.rules import load_rules
from landplan.schema import LAND_USE_CODES

DATA = Path(__file__).resolve().parents[1] / "data"


# Checked by hand against the sources: GB/T 4754-2017 (two public code lists of the standard,
# shared/domain/land-control-indicators.md §1.3), GB/T 4754-2002 (the 2008 tables' rows),
# shared/domain/land-use-codes.md.
@pytest.mark.parametrize(("kind", "code", "name"), [
    ("industry_code", "05", "农、林、牧、渔专业及辅助性活动"),
    ("industry_code", "13", "农副食品加工业"),
    ("industry_code", "26", "化学原料和化学制品制造业"),
    ("industry_code", "29", "橡胶和塑料制品业"),
    ("industry_code", "34", "通用设备制造业"),
    ("industry_code", "36", "汽车制造业"),
    ("industry_code", "39", "计算机、通信和其他电子设备制造业"),
    ("industry_code", "43", "金属制品、机械和设备修理业"),
    ("industry_code", "59", "装卸搬运和仓储业"),
    ("industry_code", "79", "土地管理业"),
    ("industry_code", "97", "国际组织"),
    ("industry_code_2002", "16", "烟草制品业"),
    ("industry_code_2002", "35", "通用设备制造业"),
    ("industry_code_2002", "40", "通信设备、计算机及其他电子设备制造业"),
    ("land_use", "100101", "一类工业用地"),
    ("land_use", "100102", "二类工业用地"),
    ("land_use", "110103", "三类物流仓储用地"),
    ("land_use", "1102", "储备库用地"),
    ("land_use", "1207", "城镇村道路用地"),
    ("land_use_gb50137", "M2", "二类工业用地"),
    ("land_use_survey3", "0601", "工业用地"),
])
def test_names_of_codes_as_the_sources_write_them(kind, code, name):
    assert labels.t(f"val.{kind}.{code}", "zh") == name


def test_every_gbt4754_2017_division_once_with_its_own_name_and_section():
    divisions = labels.value_kinds()["industry_code"]
    assert sorted(divisions) == [f"{i:02d}" for i in range(1, 98)]
    names = [e.zh for e in divisions.values()]
    assert len(set(names)) == 97, "two divisions share a name"
    assert all(e.source == "GB/T 4754-2017" for e in divisions.values())
    # the sections A-T hold the divisions 01-97 in order, each exactly once
    held = []
    for _letter, e in sorted(labels.value_kinds()["industry_section"].items()):
        first, _, last = e.definition.partition("–")
        held += [f"{i:02d}" for i in range(int(first), int(last or first) + 1)]
    assert held == sorted(divisions)


def test_the_2002_divisions_cover_the_2008_tables_and_the_code_map():
    old = labels.value_kinds()["industry_code_2002"]
    assert sorted(old) == [str(i) for i in range(13, 44) if i != 38]  # 2002 has no 38
    rules = load_rules()
    assert set(old) >= {str(c) for c in rules["compliance"]["thresholds"] if c != "default"}
    cmap = rules["compliance"]["code_map_2017_to_2002"]
    for new, old_code in cmap.items():
        assert labels.has(f"val.industry_code.{new}")
        assert old_code is None or str(old_code) in old, f"2017 {new} → 2002 {old_code} has no name"


def test_industry_reads_the_code_with_its_name_in_the_edition_asked():
    assert labels.industry("34") == "34 通用设备制造业"
    assert labels.industry("34", "en") == "34 Manufacture of general-purpose machinery"
    assert labels.industry("35", "zh", edition="2002") == "35 通用设备制造业"
    assert labels.industry("35", "zh") == "35 专用设备制造业"
    assert labels.industry("34", "zh", edition="GB/T 4754-2002") == "34 金属制品业"
    assert labels.industry(13.0) == "13 农副食品加工业"  # a code read as a number
    assert labels.industry("C3911") == "C3911 (39 计算机、通信和其他电子设备制造业)"
    assert labels.industry(None) == ""
    assert labels.industry("6") == "6"  # not a two-digit code: data, as written
    assert labels.industry("44", edition="2002") == "44"  # 2002 non-manufacturing: not named
    assert labels.value("industry_code", "34") == labels.industry("34")  # one rendering
    for code in [*labels.value_kinds()["industry_code"], "3911"]:  # the code first: tables read back
        assert all(labels.industry(code, lang).split(" ", 1)[0] == code for lang in labels.LANGS)
    with pytest.raises(ValueError, match="2017"):
        labels.industry("82", edition="2011")  # 2011 82 is 教育, 2017 82 is 其他服务业


def test_land_use_names_agree_with_the_codes_read_on_import():
    for spelling, code in LAND_USE_CODES.items():
        if re.fullmatch(r"[a-z]\d?", spelling):  # a GB 50137-2011 code: its entry maps to code
            e = labels.entry(f"val.land_use_gb50137.{spelling.upper()}")
            assert e.definition.split()[1] == code, spelling
            assert e.zh == labels.t(f"val.land_use.{code}"), spelling
        else:  # a name: it is the code's name
            assert labels.value("land_use", code) == spelling
    for code, e in labels.value_kinds()["land_use_survey3"].items():
        assert labels.has(f"val.land_use.{e.definition.split()[1].rstrip(';')}"), code
    for code, e in labels.value_kinds()["land_use"].items():
        assert e.source.startswith("用地用海分类指南"), f"{code}: no source"


def test_a_parcels_frame_reads_land_use_and_industry_by_name():
    parcels = pyogrio.read_dataframe(DATA / "parcels" / "parcels.gpkg")
    zh = people_table(parcels, "zh", layer="parcels")[0]
    assert set(zh["土地用途"]) == {"一类工业用地", "二类工业用地", "三类工业用地", "物流仓储用地", "工业用地"}
    codes = [c for c in parcels["industry_code"] if isinstance(c, str)]
    shown = [v for v in zh["行业代码"] if isinstance(v, str) and v]
    assert len(shown) == len(codes) and all(re.fullmatch(r"\d\d \S+业", v) for v in shown), shown[:5]
    row = parcels.index[parcels["industry_code"] == "34"][0]
    assert zh.loc[row, "行业代码"] == "34 通用设备制造业"
    en = people_table(parcels.loc[[row]], "en", layer="parcels")[0]
    assert en.loc[row, "industry code (GB/T 4754)"] == "34 Manufacture of general-purpose machinery"
    assert en.loc[row, "land use"] == labels.value("land_use", parcels.loc[row, "land_use"], "en")
