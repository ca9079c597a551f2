"""YAML from strangers: alias bombs, huge files and Python tags are refused in one line.

The "billion laughs" document below is 1 KB; its nine anchors refer to each other, so that
walking the loaded value visits 9⁹ ≈ 387 million strings. Before landplan refused aliases, a
wrong type at a typed rules key put the value's ``repr`` in the error message: 1.7 GB in 60 s
from the command line, 3.6 GB through the app's settings form.
"""

from __future__ import annotations

import os
import sys
import time

import pytest
from capped import landplan_cmd, run_capped

from landplan.errors import InputFileError, RuleError, shown
from landplan.io.yamltext import MAX_YAML_BYTES, load_yaml_file, load_yaml_text
from landplan.rules import load_rules, parse_rule_value

#: Peak memory and time a refused YAML file may take in a fresh process (Python, pandas,
#: GDAL and landplan imported take ~250 MB and ~2 s of that here).
MEMORY_CAP_MB = 500
TIME_CAP_S = 10


def laughs(indent: str = "    ") -> str:
    """Nine levels of nine aliases, as list items under one key."""
    lines = [f"{indent}- &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{indent}- &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


BOMB_RULES = "idle:\n  fee_rate:\n" + laughs()  # fee_rate is a number: a list is a type error


def test_the_bomb_is_small_and_aliases_are_named_with_their_line():
    assert len(BOMB_RULES) < 1200
    with pytest.raises(InputFileError, match=r"^x\.yaml, line 4: uses the YAML alias \*a; "):
        load_yaml_text(BOMB_RULES, "x.yaml")


@pytest.mark.parametrize("command", [["rules"], ["evaluate", "--out", "e.csv"]])
def test_cli_refuses_an_alias_bomb_in_rules_yaml_within_caps(tmp_path, park_workspace, command):
    import shutil

    ws = tmp_path / "ws"
    shutil.copytree(park_workspace, ws)
    (ws / "rules.yaml").write_text(BOMB_RULES, encoding="utf-8")
    run = run_capped(landplan_cmd(*command, "--workspace", str(ws)), timeout_s=60, cwd=tmp_path)
    assert not run.timed_out
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "uses the YAML alias *a" in lines[0] and "rules.yaml, line 4" in lines[0]
    assert run.seconds <= TIME_CAP_S, run.seconds
    assert run.peak_mb <= MEMORY_CAP_MB, run.peak_mb
    assert not (tmp_path / "e.csv").exists()


def test_cli_refuses_an_alias_bomb_in_a_project_file(tmp_path, park_workspace):
    project = tmp_path / "project.yaml"
    project.write_text("name: x\nindustry_code:\n" + laughs("  "), encoding="utf-8")
    run = run_capped(landplan_cmd("screen", "--workspace", str(park_workspace), "--project",
                                  str(project)), timeout_s=60, cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    line = run.stderr.strip()
    assert "\n" not in line and "project.yaml, line 4: uses the YAML alias *a" in line
    assert run.seconds <= TIME_CAP_S and run.peak_mb <= MEMORY_CAP_MB, (run.seconds, run.peak_mb)


_SETTINGS_FORM = """
import sys
from pathlib import Path
from landplan.app.pages.settings import save_rules
from landplan.errors import RuleError
from landplan.rules import parse_rule_value
ws = Path(sys.argv[1])
try:
    parse_rule_value("idle.fee_rate", sys.argv[2])
except RuleError as exc:
    print("field:", exc)
(ws / "rules.yaml").write_text(sys.argv[2], encoding="utf-8")
try:
    save_rules(ws, {"idle.fee_rate": 0.3})
except RuleError as exc:
    print("file:", exc)
"""


def test_settings_form_refuses_an_alias_bomb_in_a_field_and_in_the_file(tmp_path):
    """What the app's settings form does with a typed value and with the workspace's file,
    in a child process so that a regression cannot take the test run's memory."""
    field = "[" + laughs("").replace("\n- ", ", ").removeprefix("- ").strip() + "]"
    run = run_capped([sys.executable, "-c", _SETTINGS_FORM, str(tmp_path), field], timeout_s=60)
    assert run.returncode == 0, run.stderr
    out = run.stdout.splitlines()
    assert out[0].startswith("field: idle.fee_rate: ") and out[0].endswith(
        "is not a value (write a number, text, true/false or null)")
    assert len(out[0]) < 200
    assert out[1].startswith(f"file: {tmp_path / 'rules.yaml'}, line 1: uses the YAML alias *a")
    assert run.seconds <= TIME_CAP_S and run.peak_mb <= MEMORY_CAP_MB, (run.seconds, run.peak_mb)


def test_a_huge_rules_file_is_refused_by_its_size_before_it_is_read(tmp_path):
    path = tmp_path / "rules.yaml"
    with open(path, "wb") as f:  # 3 GB, sparse: a few KB on disk
        f.truncate(3_000_000_000)
    start = time.perf_counter()
    with pytest.raises(RuleError, match=r"rules\.yaml: is 3,000,000,000 bytes; a YAML file read by "
                                        r"landplan is at most 1,000,000 bytes"):
        load_rules(path=path)
    assert time.perf_counter() - start < 1
    assert os.path.getsize(path) > MAX_YAML_BYTES


def test_python_tags_stay_refused(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("a: !!python/object/apply:os.system ['echo hi']\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"p\.yaml, line 1: is not valid YAML"):
        load_yaml_file(path)


def test_a_typed_key_with_a_wrong_value_names_it_bounded():
    with pytest.raises(RuleError) as caught:
        from landplan.rules import _defaults, merge_rules

        merge_rules(_defaults(), {"idle": {"fee_rate": ["x" * 5000] * 5000}})
    assert len(str(caught.value)) < 200
    assert str(caught.value).startswith("rules.yaml: idle.fee_rate: ['xxx")
    assert str(caught.value).endswith("… is not a fraction from 0 to 1")


def test_shown_is_bounded_for_self_similar_values():
    value = ["lol"] * 9
    for _ in range(8):
        value = [value] * 9  # 9**9 leaves, shared
    start = time.perf_counter()
    text = shown(value)
    assert time.perf_counter() - start < 0.1
    assert len(text) <= 80 and text.startswith("[[[")
    assert shown("x" * 10_000, limit=30).endswith("…") and len(shown("x" * 10_000, limit=30)) == 30
    assert shown(0.3) == "0.3"


def test_parse_rule_value_reads_plain_values():
    assert parse_rule_value("idle.fee_rate", "0.25") == 0.25
    assert parse_rule_value("idle.fee_rate", "  ") is None
    assert parse_rule_value("x.y", "[1, 2]") == [1, 2]
    with pytest.raises(RuleError, match=r"^x\.y: '\[1, 2' is not a value"):
        parse_rule_value("x.y", "[1, 2")
