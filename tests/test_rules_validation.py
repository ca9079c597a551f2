"""Every key and value of a rules file is checked on load, and every problem named at once.

``landplan.rules.RULE_KINDS`` gives the kind of every value by key path and
``OPEN_MAPS`` the kind of the keys of the mappings whose keys are data; a bad ``rules.yaml``
is one RuleError, one line per problem: ``<file>: <key path>: <value> is not <kind>``.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from landplan import Workspace
from landplan.compliance import THRESHOLD_KEYS
from landplan.coverage import evaluate_coverage
from landplan.errors import RuleError
from landplan.rules import DEFAULT_RULES_TEXT, RULE_KINDS, THRESHOLD_KINDS, load_rules
from landplan.screen import _COMPONENTS, _ENTRY

NETWORKS = "road, water, sewer, storm, gas, heat, power, telecom, leveled"
STATUSES = "planned, acquiring, approved, reserve, supplied, under_construction, completed, in_production, halted"


def _problems(tmp_path: Path, text: str) -> list[str]:
    """The lines of the RuleError for a rules file holding ``text``, without the file name."""
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        load_rules(path=path)
    lines = str(caught.value).splitlines()
    assert all(line.startswith(f"{path}: ") for line in lines)
    return [line.removeprefix(f"{path}: ") for line in lines]


def test_several_problems_at_once_through_the_cli(tmp_path, park_parcels, park_roads):
    """The coverage command ended in a ValueError traceback for ``needs: [roads]``."""
    ws = tmp_path / "ws"
    Workspace(ws).write("parcels", park_parcels)
    Workspace(ws).write("roads", park_roads)
    rules = ws / "rules.yaml"
    rules.write_text(
        "coverage:\n"
        "  readiness:\n"
        "    - {name: 三通一平, needs: [water, power, roads, leveled]}\n"
        "  service_distance_m: {road: -5}\n"
        "idle:\n"
        "  fee_rate: 1.5\n"
        "  fee_rat: 0.2\n"
        "screening:\n"
        "  supplyable_statuses: [reserve, 储备]\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "landplan.cli", "coverage", "--workspace", str(ws)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert run.stdout == "" and "Traceback" not in run.stderr
    assert run.stderr.splitlines() == [f"landplan: error: {rules}: {line}" for line in [
        "idle.fee_rat: unknown key (allowed: idle_after_years, recover_after_years, fee_rate, "
        "developed_share_min, invested_share_min, gov_extension_max_years, gov_temporary_use_max_years, "
        "start_date_fallback, recover_halted_from_halt, procedure, low_efficiency)",
        "idle.fee_rate: 1.5 is not a fraction from 0 to 1",
        "coverage.service_distance_m.road: -5 is not a number ≥ 0",
        f"coverage.readiness.三通一平.needs: 'roads' is not a network (allowed: {NETWORKS})",
        f"screening.supplyable_statuses: '储备' is not a parcel status (allowed: {STATUSES})",
    ]]
    # fixed, the same workspace is evaluated
    rules.write_text("coverage:\n  readiness:\n    - {name: 三通一平, needs: [water, power, road, leveled]}\n",
                     encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "landplan.cli", "coverage", "--workspace", str(ws), "--lang", "zh"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "  三通一平：0.00 亩，0 宗" in run.stdout


@pytest.mark.parametrize(("text", "problem"), [
    # numbers
    ("coverage:\n  service_distance_m: {road: -5}\n", "coverage.service_distance_m.road: -5 is not a number ≥ 0"),
    ("terrain:\n  max_relief_m: .nan\n", "terrain.max_relief_m: nan is not a number ≥ 0"),
    ("terrain:\n  max_relief_m: '5'\n", "terrain.max_relief_m: '5' is not a number ≥ 0"),
    ("screening:\n  entry_thresholds:\n    tax_per_mu_wan: {value: true}\n",
     "screening.entry_thresholds.tax_per_mu_wan.value: True is not a number ≥ 0 or null"),
    ("coverage:\n  power_substation_radius_km: {urban: 0}\n",
     "coverage.power_substation_radius_km.urban: 0 is not a number > 0"),
    ("idle:\n  fee_rate: 20\n", "idle.fee_rate: 20 is not a fraction from 0 to 1"),
    ("compliance:\n  thresholds:\n    '39': {green_ratio_pct_max: 120}\n",
     "compliance.thresholds.39.green_ratio_pct_max: 120 is not a percentage from 0 to 100 or null"),
    ("screening:\n  area_tolerance_pct: 200\n", "screening.area_tolerance_pct: 200 is not a percentage from 0 to 100"),
    ("idle:\n  idle_after_years: 1.5\n", "idle.idle_after_years: 1.5 is not a whole number of years ≥ 0"),
    ("lifecycle:\n  approved_not_supplied_min_years: -1\n",
     "lifecycle.approved_not_supplied_min_years: -1 is not a whole number of years ≥ 0 or null"),
    ("compliance:\n  thresholds:\n    default: {investment_intensity_wan_per_mu_min: {五类: -1}}\n",
     "compliance.thresholds.default.investment_intensity_wan_per_mu_min: {'五类': -1} is not a number ≥ 0 "
     "or a mapping {region tier: number ≥ 0} or null"),
    # true/false, text
    ("efficiency:\n  scope:\n    include_above_scale: 'yes'\n",
     "efficiency.scope.include_above_scale: 'yes' is not true or false"),
    ("coverage:\n  below: ''\n", "coverage.below: '' is not text"),
    # enumerations and lists of them
    ("efficiency:\n  classes:\n    method: rank\n",
     "efficiency.classes.method: 'rank' is not a class method (allowed: score, share)"),
    ("screening:\n  supplyable_statuses: [reserve, 储备]\n",
     f"screening.supplyable_statuses: '储备' is not a parcel status (allowed: {STATUSES})"),
    ("screening:\n  conflicts:\n    road_statuses: built\n",
     "screening.conflicts.road_statuses: 'built' is not a list of road statuses"),
    ("idle:\n  low_efficiency:\n    efficiency_classes: [D, E]\n",
     "idle.low_efficiency.efficiency_classes: 'E' is not an efficiency class (allowed: A, B, C, D)"),
    ("coverage:\n  power_voltages_kv: [10, 20kV]\n", "coverage.power_voltages_kv: '20kV' is not a number > 0"),
    ("compliance:\n  code_standard: GB/T 4754-2008\n",
     "compliance.code_standard: 'GB/T 4754-2008' is not an industry classification or null "
     "(allowed: GB/T 4754-2002, GB/T 4754-2011, GB/T 4754-2017)"),
    ("compliance:\n  code_map_2017_to_2002: {'30': 3}\n",
     "compliance.code_map_2017_to_2002.30: 3 is not a 2-digit industry code such as '39' "
     "(quoted: 07 unquoted is the number 7) or null"),
    # readiness levels
    ("coverage:\n  readiness:\n    - {name: 三通一平, needs: [water, power, roads, leveled]}\n",
     f"coverage.readiness.三通一平.needs: 'roads' is not a network (allowed: {NETWORKS})"),
    ("coverage:\n  readiness:\n    - {name: 三通一平, needs: [road], cost: 1}\n",
     "coverage.readiness.三通一平.cost: unknown key (allowed: name, needs)"),
    ("coverage:\n  readiness:\n    - {name: 通路, needs: [road]}\n    - {name: 通路, needs: [road, water]}\n",
     "coverage.readiness.通路.name: '通路' names two levels"),
    ("coverage:\n  readiness:\n    - {needs: [road]}\n", "coverage.readiness[1].name: None is not text"),
    ("coverage:\n  readiness: []\n", "coverage.readiness: [] is not a list of levels such as "
     "[{name: <the level's name>, needs: [water, power, road, leveled]}]"),
    # keys
    ("idle:\n  fee_rat: 0.2\n", "idle.fee_rat: unknown key (allowed: idle_after_years, recover_after_years, "
     "fee_rate, developed_share_min, invested_share_min, gov_extension_max_years, "
     "gov_temporary_use_max_years, start_date_fallback, recover_halted_from_halt, procedure, "
     "low_efficiency)"),
    ("compliance:\n  thresholds:\n    7: {floor_area_ratio_min: 1}\n",
     "compliance.thresholds.7: unknown key, not default or a 2-digit industry code such as '39' (quoted)"),
    ("compliance:\n  thresholds:\n    default: {far_min: 1}\n",
     "compliance.thresholds.default.far_min: unknown key, not a threshold (allowed: floor_area_ratio_min, "
     "floor_area_ratio_max, building_coverage_pct_min, building_coverage_pct_max, investment_intensity_wan_per_mu_min, "
     "green_ratio_pct_min, green_ratio_pct_max, admin_ratio_pct_min, admin_ratio_pct_max, "
     "far_double_count_storey_height_m)"),
    ("compliance:\n  editions:\n    v3: {}\n", "compliance.editions.v3: unknown key, not an edition year such as 2023"),
    ("lifecycle:\n  contract_remedies: {tax_per_mu: {zh: 整改, fr: x}}\n",
     "lifecycle.contract_remedies.tax_per_mu.fr: unknown key, not a language (allowed: zh, en)"),
    ("screening:\n  by_industry: {'39': {tax_per_m: 30}}\n",
     "screening.by_industry.39.tax_per_m: unknown key, not an entry threshold "
     "(allowed: investment_per_mu_wan, tax_per_mu_wan, output_per_mu_wan)"),
    # mappings
    ("idle: [1, 2]\n", "idle: [1, 2] is not a mapping"),
    ("screening:\n  by_industry: {'39': 30}\n", "screening.by_industry.39: 30 is not a mapping"),
    ("screening:\n  conflicts: null\n", "screening.conflicts: None is not a mapping"),
    ("- idle\n", "the file: ['idle'] is not a mapping"),
    # rules between values
    ("efficiency:\n  classes:\n    shares: {A: 0.5}\n",
     "efficiency.classes.shares: A, B, C, D must sum to 1 (they sum to 1.3)"),
    ("efficiency:\n  classes: {method: score, cutoffs: {A: 60, B: 90, C: 30}}\n",
     "efficiency.classes.cutoffs: must satisfy A ≥ B ≥ C (they are 60, 90, 30)"),
    ("compliance:\n  edition: 2015\n",
     "compliance.edition: 2015 has no block under compliance.editions (known: 2008, 2023)"),
    ("screening:\n  score_weights: {area_fit: 0, utilities: 0, extension_cost: null, earthworks: 0, "
     "contiguity: 0}\n", "screening.score_weights: every weight is 0 or null: at least one must be > 0"),
    ("coverage:\n  below: 三通一平\n", "coverage.below: '三通一平' is also the name of a readiness level"),
])
def test_each_kind_of_check(tmp_path, text, problem):
    assert _problems(tmp_path, text) == [problem]


def test_the_shipped_defaults_pass_and_every_default_value_has_a_kind():
    rules = load_rules()
    assert rules == yaml.safe_load(DEFAULT_RULES_TEXT)
    patterns = [tuple(p.split(".")) for p in RULE_KINDS]

    def kinds(parts: tuple[str, ...]) -> list[tuple[str, ...]]:
        return [p for p in patterns if len(p) == len(parts)
                and all(a in ("*", b) for a, b in zip(p, parts, strict=True))]

    def leaves(node, parts=()):
        if isinstance(node, dict) and not kinds(parts):  # an empty mapping holds no value
            for key, value in node.items():
                yield from leaves(value, (*parts, str(key)))
        else:
            yield parts

    found = list(leaves(rules))
    assert len(found) > 150
    assert [".".join(p) for p in found if not kinds(p)] == []
    used = {p for parts in found for p in kinds(parts)}
    unused = {".".join(p) for p in patterns if p not in used and "thresholds" not in p and "editions" not in p}
    assert unused == {"screening.by_industry.*.*"}  # no entry in the defaults: by_industry is {}
    # the vocabularies the code uses are the ones the table allows
    assert set(THRESHOLD_KINDS) == {*THRESHOLD_KEYS, "far_double_count_storey_height_m"}
    assert set(rules["screening"]["score_weights"]) == set(_COMPONENTS)
    assert set(rules["screening"]["entry_thresholds"]) == set(_ENTRY)


def test_local_rules_of_every_open_map_load(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(
        "compliance:\n"
        "  edition: 2030\n"
        "  region_tier: 五类\n"
        "  thresholds:\n"
        "    '39': {building_coverage_pct_min: 35, investment_intensity_wan_per_mu_min: {五类: 300, 六类: null}}\n"
        "    '99': {floor_area_ratio_min: 2.0}\n"
        "  editions:\n"
        "    '2030': {default: {green_ratio_pct_max: 12}, '39': {floor_area_ratio_min: 1.2}}\n"
        "  code_map_2017_to_2002: {'29': '30'}\n"
        "coverage:\n"
        "  load_kva_per_mu: {'39': 150, default: 100}\n"
        "  readiness:\n"
        "    - {name: 五通一平, needs: [water, power, road, telecom, gas, leveled]}\n"
        "    - {name: 通路, needs: [road]}\n"
        "lifecycle:\n"
        "  contract_remedies: {tax_per_mu: {zh: 按差额补缴, en: pay the difference}}\n"
        "screening:\n"
        "  by_industry: {'39': {tax_per_mu_wan: 30, investment_per_mu_wan: null}}\n"
        "  supplyable_statuses: [reserve, approved]\n"
        "  conflicts: {powerline_corridor_m: 25, flag_columns: [disputed]}\n", encoding="utf-8")
    rules = load_rules(path=path)
    assert rules["compliance"]["thresholds"]["39"] == {
        "floor_area_ratio_min": 0.7, "building_coverage_pct_min": 35,
        "investment_intensity_wan_per_mu_min": {"五类": 300, "六类": None}}
    assert rules["compliance"]["editions"]["2030"]["39"] == {"floor_area_ratio_min": 1.2}
    assert rules["coverage"]["load_kva_per_mu"] == {"default": 100, "39": 150}
    assert [lvl["name"] for lvl in rules["coverage"]["readiness"]] == ["五通一平", "通路"]
    assert rules["lifecycle"]["contract_remedies"]["tax_per_mu"]["en"] == "pay the difference"
    assert rules["screening"]["by_industry"] == {"39": {"tax_per_mu_wan": 30, "investment_per_mu_wan": None}}


def test_many_problems_are_listed_up_to_a_bound(tmp_path):
    text = "".join(f"    '{code}': {{floor_area_ratio_min: -1}}\n" for code in range(10, 100))
    lines = _problems(tmp_path, "compliance:\n  thresholds:\n" + text)
    assert len(lines) == 51
    # in the order of the rules: the rows of the defaults (13 … 43) first, then the new ones
    rows = [k for k in load_rules()["compliance"]["thresholds"] if k != "default"]
    codes = rows + [str(c) for c in range(10, 100) if str(c) not in rows]
    assert lines[:50] == [f"compliance.thresholds.{c}.floor_area_ratio_min: -1 is not a number ≥ 0 or null"
                          for c in codes[:50]]
    assert lines[50] == "… and 40 more problems"


def test_the_settings_form_refuses_bad_values_and_writes_nothing(tmp_path):
    from landplan.app.pages.settings import save_rules

    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "rules.yaml").write_text("idle:\n  fee_rate: 0.25\n", encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        save_rules(ws, {"idle.fee_rate": 1.5, "coverage.below": "", "terrain.max_relief_m": 3})
    lines = [line.split(": ", 1)[1] for line in str(caught.value).splitlines()]
    assert lines == ["idle.fee_rate: 1.5 is not a fraction from 0 to 1", "coverage.below: '' is not text"]
    assert (ws / "rules.yaml").read_text(encoding="utf-8") == "idle:\n  fee_rate: 0.25\n"


def test_a_rules_dict_built_in_code_with_an_unknown_need_is_a_rule_error(park_parcels, park_roads):
    rules = copy.deepcopy(load_rules())
    rules["coverage"]["readiness"][-1]["needs"] = ["water", "roads"]
    with pytest.raises(RuleError, match=r"^rules: coverage\.readiness\.三通一平\.needs: 'roads' is not a network "
                                        rf"\(allowed: {NETWORKS}\)$"):
        evaluate_coverage(park_parcels, roads=park_roads, rules=rules)
