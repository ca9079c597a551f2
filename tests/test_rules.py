"""Rules: every default has a source, overrides deep-merge, wrong keys and types are named."""

from __future__ import annotations

import pytest
import yaml

from landplan.cli import main
from landplan.errors import RuleError
from landplan.rules import DEFAULT_RULES_TEXT, is_unconfirmed, load_rules, render_rules, rule_source


def leaves(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, f"{path}.{key}" if path else str(key))
    else:
        yield path, node


def test_every_default_value_has_a_source_comment():
    defaults = yaml.safe_load(DEFAULT_RULES_TEXT)
    missing = [p for p, _ in leaves(defaults) if "source" not in rule_source(p).lower()]
    assert not missing, missing
    assert len(list(leaves(defaults))) > 100
    assert load_rules() == defaults  # the fast (libyaml) loader reads the same document


def test_unconfirmed_marks_are_kept():
    assert is_unconfirmed("compliance.editions.2023.default.building_coverage_pct_min")
    assert is_unconfirmed("coverage.unit_cost_wan_per_m.water")
    assert not is_unconfirmed("idle.fee_rate")
    assert DEFAULT_RULES_TEXT.count("UNCONFIRMED") >= 30


def test_spec_keys_exist():
    rules = load_rules()
    assert set(rules["efficiency"]["indicators"]) == {
        "tax_per_mu_wan", "value_added_per_mu_wan", "value_added_per_tce_wan",
        "value_added_per_emission_wan", "rd_intensity_pct", "productivity_wan_per_person"}
    assert rules["idle"]["recover_after_years"] == 2 and rules["idle"]["fee_rate"] == 0.2
    assert rules["compliance"]["edition"] == 2008  # the only confirmed edition (issue 18 point 5)
    assert rules["compliance"]["in_force_from"] == {"2008": None, "2023": None}
    assert is_unconfirmed("compliance.in_force_from.2023")
    assert rules["compliance"]["thresholds"]["39"]["floor_area_ratio_min"] == 0.7
    assert [lvl["name"] for lvl in rules["coverage"]["readiness"]][-1] == "三通一平"


def test_workspace_rules_deep_merge(tmp_path):
    (tmp_path / "rules.yaml").write_text(
        "idle:\n  fee_rate: 0.25\ncompliance:\n  region_tier: 六类\n  thresholds:\n"
        "    '39': {floor_area_ratio_min: 1.5}\n    '99': {floor_area_ratio_min: 2.0}\n", encoding="utf-8")
    rules = load_rules(tmp_path)
    assert rules["idle"]["fee_rate"] == 0.25
    assert rules["idle"]["recover_after_years"] == 2  # untouched sibling
    assert rules["compliance"]["thresholds"]["39"]["floor_area_ratio_min"] == 1.5
    assert rules["compliance"]["thresholds"]["40"]["floor_area_ratio_min"] == 1.0
    assert rules["compliance"]["thresholds"]["99"]["floor_area_ratio_min"] == 2.0  # codes are data
    text = render_rules(tmp_path)
    assert "fee_rate: 0.25  # workspace rules.yaml (default: 0.2;" in text
    assert "UNCONFIRMED" in text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("idle:\n  fee_rat: 0.25\n", r"idle\.fee_rat: unknown key \(allowed: idle_after_years, "),
        ("idle:\n  fee_rate: twenty\n", r"idle\.fee_rate: 'twenty' is not a fraction from 0 to 1$"),
        ("efficiency:\n  classes:\n    method: rank\n",
         r"efficiency\.classes\.method: 'rank' is not a class method \(allowed: score, share\)"),
        ("efficiency:\n  classes:\n    method: score\n",
         r"efficiency\.classes\.cutoffs: method is score but A, B, C are not all set"),
        ("efficiency:\n  classes:\n    shares: {A: 0.5, B: 0.4, C: 0.35, D: 0.05}\n",
         r"efficiency\.classes\.shares: A, B, C, D must sum to 1 \(they sum to 1\.3\)"),
        ("efficiency:\n  indicators:\n    tax_per_mu_wan: {weight: -3}\n",
         r"efficiency\.indicators\.tax_per_mu_wan\.weight: -3 is not a number ≥ 0$"),
        ("compliance:\n  edition: 2015\n", r"compliance\.edition: 2015 has no block"),
        ("idle: [1, 2]\n", r"idle: \[1, 2\] is not a mapping"),
        ("idle:\n  fee_rate: 0.2\n bad indent: [\n", r"rules\.yaml, line \d+: is not valid YAML"),
    ],
)
def test_bad_rules_are_named(tmp_path, capsys, text, message):
    (tmp_path / "rules.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(RuleError, match=message):
        load_rules(tmp_path)
    assert main(["rules", "--workspace", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("landplan: error:")


def test_score_method_with_cutoffs(tmp_path):
    (tmp_path / "rules.yaml").write_text(
        "efficiency:\n  classes:\n    method: score\n    cutoffs: {A: 120, B: 90, C: 60}\n", encoding="utf-8")
    assert load_rules(tmp_path)["efficiency"]["classes"]["cutoffs"]["A"] == 120


def test_rules_command_prints_sources(capsys, tmp_path):
    assert main(["rules", "--workspace", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "fee_rate: 0.2  # source: 53号令" in out
    assert "building_coverage_pct_min: 40  # source: 2023 edition as reported in the brief; UNCONFIRMED" in out
