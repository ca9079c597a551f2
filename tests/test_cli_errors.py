"""argparse's error lines in the reader's language: under a Chinese (or C) locale every kind of
message a user meets reads from the catalogue (labels/cli_errors.yaml) with its flags, values
and choices as typed; under an English locale argparse's own English, word for word. One line
on stderr, exit status 2, both ways."""

from __future__ import annotations

import re

import pytest
from wordcheck import cjk_in, codes_in

from landplan.cli import _Parser, main
from landplan.labels import t

#: what a line may hold in any language: flags, quoted values, choices and the typed values
_TYPED = re.compile(r"-{1,2}[A-Za-z][\w-]*|'[^']*'|\b(?:extra|P1)\b")
#: an English phrase: three ASCII words in a row
_PHRASE = re.compile(r"[A-Za-z]+(?:\W+[A-Za-z]+){2,}")

LAYERS = "'parcels', 'roads', 'pipelines', 'powerlines', 'facilities', 'terrain'"
#: a bad command line of each kind → argparse's English error line for it
CASES = {
    "required": (["import", "a.txt"], "landplan import: error: the following arguments are required: --layer"),
    "required, two": (["export", "parcels"], "landplan export: error: the following arguments are required: "
                      "--format, --out"),
    "no command": ([], "landplan: error: the following arguments are required: command"),
    "invalid choice": (["import", "a.txt", "--layer", "foo"],
                       f"landplan import: error: argument --layer: invalid choice: 'foo' (choose from {LAYERS})"),
    "unknown command": (["foo"], "landplan: error: argument command: invalid choice: 'foo' (choose from 'demo', "),
    "unrecognized": (["rules", "extra"], "landplan: error: unrecognized arguments: extra"),
    "expected one": (["evaluate", "--workspace"], "landplan evaluate: error: argument --workspace: expected one argument"),
    "invalid int": (["demo", "--parcels", "x"], "landplan demo: error: argument --parcels: invalid int value: 'x'"),
    "invalid float": (["idle", "--target-mu", "x"],
                      "landplan idle: error: argument --target-mu: invalid float value: 'x'"),
    "not allowed with": (["screen", "--area-mu", "1", "--area-m2", "2"],
                         "landplan screen: error: argument --area-m2: not allowed with argument --area-mu"),
    "one of": (["split", "P1"], "landplan split: error: one of the arguments --line --area-m2 --area-mu is required"),
    "ambiguous": (["screen", "--area", "5"],
                  "landplan screen: error: ambiguous option: --area could match --area-mu, --area-m2"),
    "explicit ignored": (["report", "--all=xx", "--out", "r"],
                         "landplan report: error: argument --all: ignored explicit argument 'xx'"),
}


def _error_line(monkeypatch, capsys, lang: str, argv: list[str]) -> str:
    for var in ("LC_ALL", "LC_MESSAGES", "LANDPLAN_LANG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", lang)
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and err.endswith("\n") and err.count("\n") == 1, err  # one line, nothing else
    return err.rstrip("\n")


@pytest.mark.parametrize("kind", CASES)
def test_an_argparse_error_reads_in_chinese_under_a_chinese_locale(monkeypatch, capsys, kind):
    argv, english = CASES[kind]
    line = _error_line(monkeypatch, capsys, "zh_CN.UTF-8", argv)
    prog = english.split(": error: ")[0]
    assert line.startswith(t("cli.error.line", "zh", prog=prog, message="")), line
    assert "error" not in line and "argument" not in line, line
    rest = _TYPED.sub(" ", line.replace(prog, " "))
    assert not _PHRASE.search(rest), line  # no English sentence left around the flags and values
    assert not re.search(r"[A-Za-z]{2}", rest), line  # nor an English word
    quoted = re.findall(r"'([^']*)'", line)  # values and choices, as argparse quotes them
    typed = {*prog.split(), *argv, *quoted, *(w for q in quoted for w in q.split("-"))}
    flagless = re.sub(r"-{1,2}[A-Za-z][\w-]*", " ", line)  # a flag is as typed
    assert not codes_in(flagless, allowed=typed), line  # no rules key, column name or coded value
    # the flags, values and choices of argparse's English, as typed
    for typed in re.findall(r"-{1,2}[a-z][\w-]*|'[^']*'", english.split(": error: ")[1]):
        assert typed in line, (typed, line)


def test_the_words_read_as_the_catalogue_puts_them(monkeypatch, capsys):
    line = _error_line(monkeypatch, capsys, "zh_CN.UTF-8", ["import", "a.txt", "--layer", "foo"])
    assert line == f"landplan import：错误：参数 --layer：无效的选择：'foo'（可选：{LAYERS}）"
    line = _error_line(monkeypatch, capsys, "C", ["demo", "--parcels", "x"])  # the C locale reads Chinese
    assert line == "landplan demo：错误：参数 --parcels：无效的整数：'x'"
    assert _error_line(monkeypatch, capsys, "zh_CN.UTF-8", []) == "landplan：错误：缺少必需的参数：命令"


@pytest.mark.parametrize("kind", CASES)
def test_an_argparse_error_is_argparse_english_under_an_english_locale(monkeypatch, capsys, kind):
    argv, english = CASES[kind]
    line = _error_line(monkeypatch, capsys, "en_US.UTF-8", argv)
    assert line.startswith(english), line
    assert not cjk_in(line), line


UNKNOWN = "argument --y: a message argparse may add one day"


@pytest.mark.parametrize(("lang", "line"), [
    ("zh_CN.UTF-8", "landplan x：错误：参数 --y：a message argparse may add one day"),
    ("en_US.UTF-8", f"landplan x: error: {UNKNOWN}"),
])
def test_a_message_it_does_not_know_is_shown_as_it_is(monkeypatch, lang, line, capsys):
    monkeypatch.setenv("LANG", lang)
    for var in ("LC_ALL", "LC_MESSAGES", "LANDPLAN_LANG"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(SystemExit) as stop:
        _Parser(prog="landplan x").error(UNKNOWN)
    assert stop.value.code == 2
    assert capsys.readouterr().err == line + "\n"


#: every ``_()`` error message of argparse a user can meet, as argparse.py spells it, with fields
ARGPARSE = {
    "the following arguments are required: %s": ("--a, B",),
    "one of the arguments %s is required": ("--a --b",),
    "unrecognized arguments: %s": ("x y",),
    "not allowed with argument %s": ("--a",),
    "ignored explicit argument %r": ("x",),
    "expected one argument": (),
    "expected at most one argument": (),
    "expected at least one argument": (),
    "expected %s argument": (1,),
    "expected %s arguments": (2,),
    "ambiguous option: %(option)s could match %(matches)s": {"option": "--a", "matches": "--ab, --ac"},
    "invalid %(type)s value: %(value)r": {"type": "int", "value": "x"},
    "invalid choice: %(value)r (choose from %(choices)s)": {"value": "x", "choices": "'a', 'b'"},
    "unknown parser %(parser_name)r (choices: %(choices)s)": {"parser_name": "x", "choices": "a, b"},
}


@pytest.mark.parametrize("msgid", ARGPARSE)
def test_each_argparse_message_has_its_words(msgid):
    import argparse
    import inspect

    assert repr(msgid)[1:-1] in inspect.getsource(argparse), msgid  # this Python's argparse says it
    message = "argument --a: " + msgid % ARGPARSE[msgid]
    assert _Parser.error_message(message, "en") == message  # argparse's English, word for word
    chinese = _Parser.error_message(message, "zh")
    assert chinese.startswith("参数 --a：") and chinese != message
    assert not re.search(r"[A-Za-z]{2}", re.sub(r"-{1,2}[a-z]+|'[^']*'|\b[xyB]\b", " ", chinese)), chinese


@pytest.mark.parametrize(("argv", "chinese", "english"), [
    (["evaluate", "--partitions", "0", "--out", "e.csv"], "0 小于 1", "0 is not ≥ 1"),
    (["evaluate", "--partitions", "x", "--out", "e.csv"], "“x”不是整数", "'x' is not a whole number"),
    (["screen", "--payback-weight", "abc"], "“abc”不是不小于 0 的数", "'abc' is not a number ≥ 0"),
])
def test_landplan_own_argument_checks_read_in_the_locale(monkeypatch, capsys, argv, chinese, english):
    zh = _error_line(monkeypatch, capsys, "zh_CN.UTF-8", argv)
    assert zh.endswith(chinese) and not _PHRASE.search(_TYPED.sub("", zh.split("：", 2)[-1]))
    assert _error_line(monkeypatch, capsys, "en_US.UTF-8", argv).endswith(english)


def test_the_park_report_alone_prints_no_count_of_parcel_reports():
    from pathlib import Path

    from landplan.report.batch import ReportRun as Run

    run = Run(out=Path("r"), fmt="pdf", park=Path("r/park.pdf"))
    assert run.lines("zh") == [t("cli.report.park", "zh", path=Path("r/park.pdf"))]
    assert len(Run(out=Path("r"), fmt="pdf").lines("zh")) == 1  # nothing at all asked: says 0
