"""Every `landplan … --help` text comes from the catalogue: Chinese under a Chinese (or C)
locale, English under an English one — the option lines, the command descriptions and the
headings argparse would write itself ("usage:", "options:", "show this help message and exit")."""

from __future__ import annotations

import re

import pytest
from wordcheck import cjk_in

from landplan.cli import main
from landplan.labels import t

CJK = re.compile(r"[\u3400-\u9fff]")
#: what a help line may hold in any language: flags, metavars, {choices}, file suffixes and
#: code-like words (snake_case, dotted, with digits, $VARS, comma-joined lists, paths, addresses)
_CODES = re.compile(r"-{1,2}[A-Za-z][\w-]*|\b[A-Z][A-Z0-9_=]*\b|\{[^}]*\}|\$\w+|\S*[\d_:/<>.=]\S*"
                    r"|\w+(?:,\w+)+|\b[a-z]+-[a-z0-9]+\b")
#: an English phrase: three ASCII words in a row
_PHRASE = re.compile(r"[A-Za-z]+(?: [A-Za-z]+){2,}")


def _all_help(monkeypatch, capsys, lang: str) -> dict[str, str]:
    """`landplan --help` and `landplan <command> --help` for every command, under LANG=lang."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANDPLAN_LANG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", lang)
    monkeypatch.setenv("COLUMNS", "100")

    def one(*argv: str) -> str:
        with pytest.raises(SystemExit) as done:
            main([*argv, "--help"])
        assert done.value.code == 0
        return capsys.readouterr().out

    top = one()
    commands = re.search(r"\{([a-z,-]+)\}", top).group(1).split(",")
    assert len(commands) >= 18 and "economics" in commands
    return {"landplan": top, **{f"landplan {c}": one(c) for c in commands}}


def test_help_is_chinese_under_a_chinese_locale(monkeypatch, capsys):
    usage = t("cli.help.usage", "zh")
    helps = _all_help(monkeypatch, capsys, "zh_CN.UTF-8")
    for name, text in helps.items():
        assert text.startswith(usage), (name, text[:40])
        body = text.split("\n\n", 1)[1]  # the usage block aside: it is flags and metavars
        for line in body.splitlines():
            assert line.rstrip(":") not in ("options", "positional arguments"), (name, line)
            rest = _CODES.sub(" ", line)
            assert not _PHRASE.search(rest), (name, line)  # no English sentence
            if re.search(r"[A-Za-z]{2}", rest):  # words left besides the codes: they say something
                assert CJK.search(line), (name, line)
        assert "%%" not in text, name  # argparse's % escaping undone
    assert "%" in helps["landplan screen"]  # its percentages, still readable
    assert all("退出状态：0" in helps[f"landplan {c}"] for c in ("import", "import-ledger", "screen"))


def test_help_is_english_under_an_english_locale(monkeypatch, capsys):
    for name, text in _all_help(monkeypatch, capsys, "en_US.UTF-8").items():
        assert not cjk_in(text), (name, cjk_in(text))
        assert text.startswith("usage: "), name
        assert "%%" not in text, name
