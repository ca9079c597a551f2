"""The catalogue of labels (landplan.labels): complete, in both languages, one word per code."""

from __future__ import annotations

import doctest
import re
import string

import pytest

from landplan import labels
from landplan.evaluate import OUTPUT_NAMES
from landplan.schema import ENUM_CODES, LAYERS

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def test_doctests():
    result = doctest.testmod(labels)
    assert result.attempted > 0 and result.failed == 0


def test_every_entry_has_chinese_and_english_with_the_same_fields():
    for key, e in labels.catalogue().items():
        assert e.zh.strip() and e.en.strip(), f"{key} ({e.file}) lacks a Chinese or an English label"
        assert _fields(e.zh) == _fields(e.en), f"{key}: fields differ between zh and en"


def test_english_labels_hold_no_chinese():
    allowed = {"app.app.language"}  # the language switch reads in both languages
    bad = [k for k, e in labels.catalogue().items() if k not in allowed and CJK.search(e.en)]
    assert not bad, f"English labels with CJK characters: {bad[:20]}"


def test_every_schema_column_enum_and_layer_has_labels():
    for name, spec in LAYERS.items():
        assert labels.has(f"layer.{name}")
        for col in spec.columns:
            assert col.zh != col.name and col.en, f"{name}.{col.name} has no catalogue label"
    for kind, codes in ENUM_CODES.items():
        for code in codes:
            assert labels.has(f"val.{kind}.{code}"), f"val.{kind}.{code}"


def test_every_output_column_has_a_label():
    missing = [n for n in OUTPUT_NAMES if not labels.has(f"col.{n}")]
    assert not missing


def test_unknown_codes_are_data_unknown_keys_are_bugs():
    assert labels.value("parcel_status", "M0-local", "zh") == "M0-local"
    assert labels.value("parcel_status", None) == ""
    assert labels.column("my_own_column") == "my_own_column"
    with pytest.raises(KeyError, match="no catalogue entry"):
        labels.t("app.no.such.key")


@pytest.mark.parametrize(("number", "unit", "text"), [
    (384.32802952275523, "wan", "384.33"), (12345.678, "mu", "12,345.68"), (45.06, "pct", "45.1"),
    (1234.56, "m", "1,234.6"), (-0.001, "wan", "0.00"), (None, "mu", "—"), (float("nan"), "m", "—"),
])
def test_one_format_per_unit(number, unit, text):
    assert labels.fmt(number, unit) == text


def test_relabel_gives_chinese_headers_and_values():
    import pandas as pd

    frame = pd.DataFrame({"parcel_id": ["A-1"], "status": ["halted"], "area_mu": [1.5]})
    out = labels.relabel(frame, "zh", layer="parcels")
    assert list(out.columns) == ["宗地号", "建设状态", "面积(亩)"]
    assert out.iloc[0].tolist() == ["A-1", "停工/停产", 1.5]
    en = labels.relabel(frame, "en", layer="parcels")
    assert en.iloc[0]["status"] == "halted"


@pytest.mark.parametrize(("env", "lang"), [
    ({"LANG": "zh_CN.UTF-8"}, "zh"), ({"LANG": "en_US.UTF-8"}, "en"), ({"LANG": "C"}, "zh"),
    ({"LC_ALL": "de_DE.UTF-8", "LANG": "zh_CN"}, "en"), ({"LANDPLAN_LANG": "en", "LANG": "zh_CN"}, "en"),
])
def test_language_follows_the_locale(monkeypatch, env, lang):
    for var in ("LANDPLAN_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    for var, v in env.items():
        monkeypatch.setenv(var, v)
    assert labels.lang_of_locale() == lang
