"""The typed rules (landplan.ruleset): one schema of frozen sections, checked like the dict.

The schema's fields are the keys of ``rules/default.yaml``: a RuleSet gives back the very dict
load_rules gives, refuses keys it does not know (and keys it lacks), is read-only, and the
evaluation of the demo park is the same column by column whether the rules come as the dict of
load_rules or as the RuleSet of load_ruleset.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import pickle
import re
from pathlib import Path

import pandas as pd
import pytest

from landplan.errors import RuleError
from landplan.evaluate import evaluate
from landplan.rules import RULE_KINDS, THRESHOLD_KINDS, load_rules, load_ruleset
from landplan.ruleset import (
    ReadinessLevel,
    RuleSet,
    as_ruleset,
    from_dict,
    is_unconfirmed,
    rule_fields,
    schema_patterns,
)

DATA = Path(__file__).resolve().parent.parent / "data"


def test_ruleset_is_the_dict_typed_and_frozen():
    rules = load_ruleset()
    assert rules.to_dict() == load_rules()
    assert rules.idle.fee_rate == 0.2
    assert rules.coverage.readiness[0] == ReadinessLevel(
        "七通一平", ("water", "sewer", "storm", "power", "telecom", "road", "gas", "heat", "leveled"))
    assert rules.screening.entry_thresholds["tax_per_mu_wan"].check is True
    assert rules.compliance.thresholds["26"]["floor_area_ratio_min"] == 0.6
    with pytest.raises(dataclasses.FrozenInstanceError):
        rules.idle.fee_rate = 0.3
    with pytest.raises(TypeError):
        rules.coverage.service_distance_m["road"] = 10
    assert as_ruleset(rules) is rules
    assert as_ruleset(load_rules()) == rules and hash(as_ruleset(load_rules())) == hash(rules)
    assert as_ruleset(None) == rules
    assert pickle.loads(pickle.dumps(rules)) == rules  # to a worker process (landplan.engine)


def test_a_changed_value_changes_the_key():
    changed = copy.deepcopy(load_rules())
    changed["idle"]["fee_rate"] = 0.3
    assert as_ruleset(changed).idle.fee_rate == 0.3
    assert as_ruleset(changed).key() != load_ruleset().key()
    assert {as_ruleset(changed), load_ruleset(), as_ruleset(load_rules())} == {as_ruleset(changed), load_ruleset()}


def test_the_schema_has_every_checked_key_and_no_other():
    patterns = set(schema_patterns())
    checked = {k for k in RULE_KINDS if not any(k.endswith("." + t) for t in THRESHOLD_KINDS)}
    # a compliance row's thresholds are a mapping (a key missing from a row ≠ null)
    assert patterns == checked | {"compliance.thresholds.*.*", "compliance.editions.*.*.*"}


def test_unknown_and_missing_keys_refused_all_at_once():
    bad = copy.deepcopy(load_rules())
    bad["idle"]["fee_percent"] = 20
    del bad["terrain"]["swell_factor"]
    bad["coverage"]["readiness"][0]["colour"] = "red"
    with pytest.raises(RuleError) as err:
        from_dict(bad)
    lines = str(err.value).splitlines()
    assert any("idle.fee_percent: unknown key" in line for line in lines)
    assert any("terrain.swell_factor: missing" in line for line in lines)
    assert any("coverage.readiness[0].colour: unknown key" in line for line in lines)


def test_load_ruleset_checks_as_load_rules(tmp_path):
    (tmp_path / "rules.yaml").write_text("idle:\n  fee_rate: 2\n  fee_percent: 20\nterrain:\n  swell_factor: 0.5\n",
                                         encoding="utf-8")
    with pytest.raises(RuleError) as err:
        load_ruleset(tmp_path)
    text = str(err.value)
    assert "idle.fee_rate: 2 is not a fraction" in text and "idle.fee_percent: unknown key" in text
    assert "terrain.swell_factor" in text
    (tmp_path / "rules.yaml").write_text("idle:\n  fee_rate: 0.25\n", encoding="utf-8")
    assert load_ruleset(tmp_path).idle.fee_rate == 0.25


def test_every_field_documented_and_every_value_sourced():
    fields = rule_fields()
    assert len(fields) > 150
    assert all(f.doc for f in fields), [f.path for f in fields if not f.doc]
    assert all(f.source for f in fields), [f.path for f in fields if not f.source]
    assert [f.unconfirmed for f in fields] == [is_unconfirmed(f.path) for f in fields]
    unconfirmed = {f.path for f in fields if f.unconfirmed}
    assert "coverage.unit_cost_wan_per_m.road" in unconfirmed and "idle.fee_rate" not in unconfirmed
    assert all(f.metadata.get("doc") for f in dataclasses.fields(RuleSet))
    assert [f.path for f in rule_fields(section="terrain")] == [
        "terrain.max_relief_m", "terrain.design_level", "terrain.swell_factor"]


def test_demo_evaluation_same_from_the_dict_and_the_ruleset():
    as_of = dt.date(2026, 6, 30)
    from_dict_rules = evaluate(DATA, as_of=as_of, year=2025, rules=load_rules(DATA))
    from_ruleset = evaluate(DATA, as_of=as_of, year=2025, rules=load_ruleset(DATA))
    assert list(from_dict_rules.columns) == list(from_ruleset.columns)
    for column in from_dict_rules.columns:
        pd.testing.assert_series_equal(from_dict_rules[column], from_ruleset[column], check_exact=True, obj=column)


def test_rules_command_and_settings_list_the_schema(tmp_path, capsys):
    from landplan.app.pages.settings import FORM_SECTIONS, scalar_leaves
    from landplan.cli import main

    (tmp_path / "rules.yaml").write_text("idle:\n  fee_rate: 0.25\n", encoding="utf-8")
    assert main(["rules", "--workspace", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    fields = rule_fields(load_ruleset(tmp_path))
    # one line per value of the schema, in its order; a section's line carries its doc
    values = [m.group(1).strip('"') for m in map(re.compile(r'^\s*("?[^":]+"?): (?! )').match, lines[1:]) if m]
    assert values == [f.parts[-1] for f in fields]
    assert "idle:  # idle land" in lines and "  low_efficiency:  # low-efficiency land rules" in lines
    assert "  fee_rate: 0.25  # workspace rules.yaml (default: 0.2; source: 53号令 Art. 14(1): 20 % of " \
           "出让/划拨价款; not a production cost)" in lines
    listed = [path for section in FORM_SECTIONS for path, _ in scalar_leaves(load_ruleset(tmp_path), section)]
    assert "idle.fee_rate" in listed and "idle.procedure.reply_days" in listed
    assert "coverage.readiness" not in listed and "idle.start_date_fallback" not in listed  # lists stay in the file
    assert set(listed) <= {f.path for f in fields}
