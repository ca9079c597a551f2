"""Typed rules at the edges (issue 21, item 2): every function that takes the rules declares the
typed :class:`~landplan.ruleset.RuleSet` (a dict only where the rules file itself is checked),
the faces hand a RuleSet on, and the package exports the typed loader."""

from __future__ import annotations

import ast
from pathlib import Path

import landplan
from landplan.app.ui import get_rule, rule_value
from landplan.rules import load_ruleset
from landplan.ruleset import RuleSet
from landplan.trends import parcel_trends

PACKAGE = Path(__file__).resolve().parents[1] / "landplan"
DATA = Path(__file__).resolve().parents[1] / "data"
#: where a rules dict is the point: the loader checks the file's dict before it is typed
DICT_ALLOWED = {"rules.py", "ruleset.py"}


def test_no_signature_takes_the_rules_as_a_dict():
    found = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel in DICT_ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            annotated = []
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                a = node.args
                annotated = [(arg.arg, arg.annotation) for arg in (*a.posonlyargs, *a.args, *a.kwonlyargs)]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                annotated = [(node.target.id, node.annotation)]  # a dataclass field
            for name, annotation in annotated:
                text = ast.unparse(annotation) if annotation is not None else ""
                if name.endswith("rules") and "dict" in text:
                    found.append(f"{rel}:{node.lineno} {name}: {text}")
    assert not found, found


def test_the_package_exports_the_typed_loader():
    assert {"load_ruleset", "RuleSet", "ParameterError"} <= set(landplan.__all__)
    rules = landplan.load_ruleset(DATA)
    assert isinstance(rules, landplan.RuleSet) and rules == load_ruleset(DATA)


def test_the_app_reads_a_rule_of_the_typed_rules():
    rules = load_ruleset()
    assert get_rule(rules, "coverage.service_distance_m.road") == 50
    assert get_rule(rules, "efficiency.classes.method") == rules.efficiency.classes.method
    assert get_rule(rules, "coverage.service_distance_m") == dict(rules.coverage.service_distance_m)
    assert get_rule(rules, "idle.no_such_key") is None and get_rule(rules, "idle.fee_rate.x") is None
    assert rule_value(rules, "idle.fee_rate", "zh") == "0.2"


def test_trends_take_a_ruleset_and_a_dict_alike():
    import pandas as pd

    parcels = pd.DataFrame({"parcel_id": ["P1"], "area_mu": [10.0]})
    ledger = pd.DataFrame({"enterprise_id": ["E1", "E1"], "parcel_id": ["P1", "P1"],
                           "year": [2023, 2024], "tax_wan": [100.0, 150.0]})
    typed = load_ruleset()
    assert isinstance(typed, RuleSet)
    pd.testing.assert_frame_equal(parcel_trends(parcels, ledger, typed),
                                  parcel_trends(parcels, ledger, typed.to_dict()))
