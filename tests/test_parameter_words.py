"""The library speaks Python (issue 21, item 4): its errors name parameters, never command-line
flags; the command line maps each parameter onto its flag in one table (``cli.FLAGS``)."""

from __future__ import annotations

import ast
import pickle
import re
from pathlib import Path

import pytest

from landplan.cli import FLAGS, SET_ELSEWHERE, error_words, flag_words, main
from landplan.errors import LandplanError, ParameterError

PACKAGE = Path(__file__).resolve().parents[1] / "landplan"
DEMO = Path(__file__).resolve().parents[1] / "data"

#: Files whose messages may name flags: the command line's own errors name its flags.
ALLOWED = ("cli.py",)
_FLAG = re.compile(r"(?<![\w-])--[a-z]")
_NAMED = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*)(?:=[^`]*)?`")


def _raise_texts():
    """(file, line, text) of every string constant (f-string parts too) inside a ``raise``."""
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and node.exc is not None:
                for part in ast.walk(node.exc):
                    if isinstance(part, ast.Constant) and isinstance(part.value, str):
                        yield rel, part.lineno, part.value


def test_no_library_error_names_a_flag():
    found = [f"{rel}:{line}: {text!r}" for rel, line, text in _raise_texts()
             if _FLAG.search(text) and not rel.startswith(ALLOWED)]
    assert not found, "library errors naming command-line flags:\n" + "\n".join(found)


def test_the_scan_sees_flags_where_they_are():
    # the scan would catch one: the command line's own errors name flags
    assert any(_FLAG.search(text) for rel, _, text in _raise_texts() if rel == "cli.py")


def test_every_parameter_an_error_names_has_a_flag():
    """A parameter named in backticks in a raise, or by a ParameterError, is in cli.FLAGS, or
    is set elsewhere and named so (cli.SET_ELSEWHERE: a rules key, a layer's column): the
    command line never prints a Python name."""
    named = {(rel, line, m.group(1)) for rel, line, text in _raise_texts() if not rel.startswith(ALLOWED)
             for m in _NAMED.finditer(text)}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", "").endswith("ParameterError")
                    and node.args and isinstance(node.args[0], ast.Constant)):
                named.add((path.name, node.lineno, node.args[0].value))
    assert len(named) > 10
    missing = sorted(item for item in named if item[2] not in FLAGS and item[2] not in SET_ELSEWHERE)
    assert not missing, missing
    assert not set(FLAGS) & set(SET_ELSEWHERE)  # one name, one place to set it


def test_a_rules_file_parameter_reads_as_its_rules_key():
    from landplan.economics import EconomicsInputs

    with pytest.raises(ParameterError) as caught:
        EconomicsInputs(land_grade=16, land_grade_source="x", development_wan_per_mu=1, retained_local_share=0.4,
                        discount_rate=0.05, tax_lag_years=2)
    assert error_words(caught.value, {**SET_ELSEWHERE, **FLAGS}).startswith(
        "economics.land_grade in rules.yaml 16: give the national land grade")


def test_parameter_error_reads_as_python_and_the_cli_as_flags():
    exc = ParameterError("year", 2031, "the ledger has no rows for it (years: 2020–2023)")
    assert str(exc) == "`year`=2031: the ledger has no rows for it (years: 2020–2023)"
    assert error_words(exc) == "--year 2031: the ledger has no rows for it (years: 2020–2023)"
    exc = ParameterError("out", Path("a/b.txt"), "write .csv or .xlsx; or give `fmt`")
    assert str(exc) == "`out`='a/b.txt': write .csv or .xlsx; or give `fmt`"
    assert error_words(exc) == "--out a/b.txt: write .csv or .xlsx; or give --format"
    assert error_words(exc, {**FLAGS, "out": "--routes"}).startswith("--routes a/b.txt: ")
    # it crosses a process boundary whole (the evaluation's worker process)
    again = pickle.loads(pickle.dumps(exc))
    assert type(again) is ParameterError and (again.param, again.value, str(again)) == (exc.param, exc.value, str(exc))
    assert isinstance(exc, LandplanError)


@pytest.mark.parametrize(("text", "cli"), [
    ("give `crs`", "give --crs"),
    ("e.g. `crs='EPSG:4527'`", "e.g. --crs EPSG:4527"),
    ("`fields={'ID': 'parcel_id'}` wins", "--field ID=parcel_id wins"),
    ("with `source_layer=NAME`", "with --source-layer NAME"),
    ("give `all_parcels` or `park`", "give --all or --park"),
    ("run `make sysdeps`", "run `make sysdeps`"),
    ("`unknown_name`", "`unknown_name`"),
])
def test_flag_words(text, cli):
    assert flag_words(text) == cli


def test_library_and_cli_word_the_same_bad_year(capsys):
    from landplan.evaluate import evaluate

    with pytest.raises(ParameterError, match=r"^`year`=1999: the ledger has no rows for it") as caught:
        evaluate(DEMO, year=1999)
    assert caught.value.param == "year" and caught.value.value == 1999
    assert main(["evaluate", "--workspace", str(DEMO), "--year", "1999", "--out", "x.csv"]) == 2
    assert capsys.readouterr().err.startswith("landplan: error: --year 1999: the ledger has no rows for it")


def _names_the_data_folder(default: ast.expr) -> bool:
    """``"data"``, ``Path("data")`` or a constant named like ``DEFAULT_WORKSPACE``."""
    if isinstance(default, ast.Constant):
        return default.value == "data"
    if isinstance(default, ast.Call):
        return any(_names_the_data_folder(arg) for arg in default.args)
    name = default.id if isinstance(default, ast.Name) else getattr(default, "attr", "")
    return "WORKSPACE" in name.upper()


def test_no_default_workspace_in_the_library():
    """No library function defaults to a workspace folder ("data"): the caller names it (the
    command line's --workspace defaults to ./data)."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        # the faces (the command line, the app) and the demo writer's output folder (demo/ was
        # being rewritten by another part of issue 21)
        if rel.startswith(("cli.py", "app/", "demo/")):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = node.args
                defaults = [*args.defaults, *args.kw_defaults]  # the last positionals', the keywords'
                found += [f"{rel}:{node.lineno} {node.name}" for default in defaults
                          if default is not None and _names_the_data_folder(default)]
    assert not found, found


def test_shared_options_are_defined_once():
    """--workspace, --as-of, --year and --lang come from one parent parser each: every command
    holds the same option object, not a copy of it."""
    from landplan.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")  # argparse has no public walk
    seen: dict[str, set[int]] = {}
    for name, parser in sub.choices.items():
        for action in parser._actions:
            for flag in action.option_strings:
                if flag in ("--workspace", "--as-of", "--year") and name != "app":
                    seen.setdefault(flag, set()).add(id(action))
                if flag == "--lang":
                    seen.setdefault(f"--lang {sorted(action.choices)}", set()).add(id(action))
    assert set(seen) == {"--workspace", "--as-of", "--year", "--lang ['en', 'zh']", "--lang ['code', 'en', 'zh']"}
    assert all(len(ids) == 1 for ids in seen.values()), {k: len(v) for k, v in seen.items()}
    assert sub.choices["evaluate"].parse_args(["--out", "e.csv"]).workspace == "data"
