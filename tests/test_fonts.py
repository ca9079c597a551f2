"""The characters of the reduced CJK font (landplan.report.fonts): a fixed set (GB 2312, the base
ranges, the label catalogue) plus the data's own characters; no source file of the package read."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from fontTools.ttLib import TTFont

from landplan import labels
from landplan.demo import DEMO_AS_OF
from landplan.evaluate import evaluate
from landplan.report import fonts, html, pdf
from landplan.report.context import prepare
from landplan.report.model import parcel_report
from landplan.workspace import Workspace


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def test_fixed_charset_is_gb2312_and_the_catalogue():
    chars = fonts.fixed_charset()
    hanzi = {c for c in chars if _in_gb2312(c) and 0x4E00 <= ord(c) <= 0x9FFF}
    assert len(hanzi) == 6763  # every hanzi of GB 2312
    assert {"①", "℃", "№", "Ⅻ", "ぁ", "А"} <= chars  # and its symbol rows
    catalogue = {c for e in labels.catalogue().values() for c in e.zh + e.en + e.definition + e.source}
    assert {c for c in catalogue if c.isprintable()} <= chars
    assert fonts.fixed_charset() is chars  # built once


def test_no_source_file_is_read():
    """fonts.py names no path of its own (``__file__``), no file-reading call and no source
    pattern (``*.py``, ``*.yaml``, ``*.j2``), and building the
    fixed set opens no file at all (an audit hook watches, the catalogue being loaded already)."""
    tree = ast.parse(Path(fonts.__file__).read_text(encoding="utf-8"))
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    attrs = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert "__file__" not in names and "open" not in names
    assert not attrs & {"rglob", "read_text", "read_bytes", "walk"}, attrs
    patterns = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                and n.value.endswith((".py", ".yaml", ".j2"))]
    assert patterns == []  # the only glob left is of the font cache's own cjk-*.otf files
    labels.catalogue()
    opened: list[str] = []
    watching = [True]

    def hook(event, args):
        if watching[0] and event == "open":
            opened.append(str(args[0]))

    sys.addaudithook(hook)  # a hook cannot be removed: it stops watching below
    try:
        fonts.fixed_charset.cache_clear()
        fonts.report_charset()
    finally:
        watching[0] = False
    assert opened == []


def test_a_rare_character_of_a_holder_name_is_embedded(demo_workspace, tmp_path):
    """㵘 (CJK extension A) and 𬭚 (extension E, 通用规范汉字表) are outside GB 2312 and in the
    system font: the run's font, cut for an evaluation whose holder is so named, holds them and
    the parcel's PDF draws them from it (no system-font fallback embedded)."""
    rare = "㵘𬭚"
    source, index = fonts.system_cjk_font()
    covered = TTFont(str(source), fontNumber=index, lazy=True).getBestCmap()
    assert all(not _in_gb2312(c) and ord(c) in covered for c in rare)
    ws = Workspace(demo_workspace)
    table = evaluate(ws, as_of=DEMO_AS_OF)
    holder = f"合肥{rare}精密机械有限公司"
    table.loc[5, "holder"] = holder
    pid = str(table.loc[5, "parcel_id"])
    ctx = prepare(ws, [pid], table=table)
    faces = fonts.reduced_fonts(fonts.report_charset(ctx), cache_dir=tmp_path / "fonts")
    assert set(rare) <= {chr(c) for c in TTFont(str(faces.regular)).getBestCmap()}
    out = pdf.write_pdf(html.render_parcel(parcel_report(ctx, pid), pdf=True), tmp_path / "p.pdf", faces)
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert holder in text
    embedded = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True,
                              check=True).stdout.splitlines()[2:]
    assert embedded and all("landplan-CJK" in line for line in embedded), embedded
