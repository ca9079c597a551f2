"""PDF reports through the reduced CJK font (landplan.report.fonts, landplan.report.pdf).

The run's fonts are the system Noto Sans CJK cut down to the characters the reports can contain;
these tests check that every character of a real report is in it, that a holder name with a
character outside GB2312 (喆) is embedded and extracted by pdftotext, that a character no
installed font has (𠀀) does not break the report, that the fetcher serves the font files and
nothing else, and the zero-width break points of the PDF HTML.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from landplan.demo import DEMO_AS_OF
from landplan.errors import LandplanError
from landplan.evaluate import evaluate
from landplan.report import batch, fonts, html, pdf, report
from landplan.report.context import prepare
from landplan.report.model import parcel_report
from landplan.workspace import Workspace


@pytest.fixture(scope="module", autouse=True)
def cjk_font():
    """`make test` installs fonts-noto-cjk (make sysdeps): without a CJK font these fail, not skip."""
    assert fonts.system_cjk_font() is not None, "no CJK system font: run `make sysdeps`"


@pytest.fixture(scope="module")
def run_ctx(demo_workspace):
    ws = Workspace(demo_workspace)
    table = evaluate(ws, as_of=DEMO_AS_OF)
    ids = [str(p) for p in table["parcel_id"]]
    return prepare(ws, ids, table=table)


@pytest.fixture(scope="module")
def faces(run_ctx, tmp_path_factory):
    return fonts.reduced_fonts(fonts.report_charset(run_ctx), cache_dir=tmp_path_factory.mktemp("fonts"))


def _cmap(path: Path) -> set[str]:
    return {chr(c) for c in TTFont(str(path)).getBestCmap()}


def _pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_reduced_font_has_every_character_of_the_reports(run_ctx, faces):
    assert faces is not None and faces.bold is not None
    regular, bold = _cmap(faces.regular), _cmap(faces.bold)
    assert faces.regular.stat().st_size < 2_000_000  # the system face is ~19 MB
    for pid in list(run_ctx.position)[::40]:
        for lang in ("zh", "en"):
            text = html.render_parcel(parcel_report(run_ctx, pid, lang=lang), pdf=True)
            assert faces.missing(text) == set(), (pid, lang)
            drawable = {c for c in text if c.isprintable() and not c.isspace()}
            assert drawable <= regular and drawable <= bold, (pid, lang, "".join(sorted(drawable - regular))[:20])


def test_reduced_font_is_cached_by_font_and_characters(run_ctx, faces, tmp_path):
    chars = fonts.report_charset(run_ctx)
    again = fonts.reduced_fonts(chars, cache_dir=faces.regular.parent)
    assert again.regular == faces.regular and again.bold == faces.bold  # same file: not rebuilt
    more = fonts.reduced_fonts(chars | {"喆"}, cache_dir=faces.regular.parent)
    assert more.regular != faces.regular and "喆" in _cmap(more.regular)
    assert not list(faces.regular.parent.glob(".~*"))  # written atomically, nothing left over


def test_pdf_embeds_the_reduced_font_and_extracts_chinese(demo_workspace, tmp_path):
    holder = "张喆精密机械有限公司"  # 喆 is not in GB2312
    ws = tmp_path / "ws"
    shutil.copytree(demo_workspace, ws)
    parcels = Workspace(ws).read("parcels")
    pid = str(parcels.loc[3, "parcel_id"])
    parcels.loc[3, "holder"] = holder
    Workspace(ws).write("parcels", parcels)
    run = report(ws, [pid], out=tmp_path / "out", fmt="pdf", as_of=DEMO_AS_OF)
    assert run.failures == {}
    text = _pdftotext(run.written[pid])
    assert "地块评价报告" in text and pid in text and holder in text
    assert "\u200b" not in text  # break points are invisible to text extraction
    listing = subprocess.run(["pdffonts", str(run.written[pid])], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
    assert listing and all("landplan-CJK" in line and " yes yes " in line for line in listing), listing


def test_a_character_no_font_has_still_renders(run_ctx, faces, tmp_path):
    pid = next(iter(run_ctx.position))
    page = html.render_parcel(parcel_report(run_ctx, pid), pdf=True).replace("</h1>", " 𠀀</h1>", 1)
    assert faces.missing(page) == {"𠀀"}
    out = pdf.write_pdf(page, tmp_path / "rare.pdf", faces)
    text = _pdftotext(out)
    assert "地块评价报告" in text and pid in text


def test_fetcher_serves_only_the_font_files(faces, tmp_path):
    other = tmp_path / "other.css"
    other.write_text("p { color: red }", encoding="utf-8")
    fetch = pdf._renderer(faces).fetcher
    assert fetch(faces.regular.resolve().as_uri()).read()[:4] in (b"OTTO", b"\x00\x01\x00\x00")
    for url in (other.resolve().as_uri(), "http://example.org/x.css", "data:text/css,p{}"):
        with pytest.raises(LandplanError, match="must not fetch"):
            fetch(url)
    # a report that asks for anything else still renders, without it
    data = pdf.html_to_pdf(f'<html><body><img src="{other.resolve().as_uri()}">地块</body></html>', faces)
    assert data.startswith(b"%PDF-")


def test_without_reduced_fonts_the_system_font_is_embedded(run_ctx, tmp_path):
    pid = next(iter(run_ctx.position))
    out = batch.render_one(run_ctx, pid, tmp_path / "p.pdf", fmt="pdf", fonts=None)
    listing = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    assert "Noto-Sans-CJK" in listing and "landplan-CJK" not in listing
    assert "地块评价报告" in _pdftotext(out)


def test_break_points_only_in_pdf_html(run_ctx):
    pid = next(iter(run_ctx.position))
    rep = parcel_report(run_ctx, pid)
    page, for_pdf = html.render_parcel(rep), html.render_parcel(rep, pdf=True)
    assert "\u200b" not in page and "<style>" in page  # the HTML report: text as is, self-contained
    assert "<style>" not in for_pdf  # the PDF renderer brings the parsed stylesheet
    assert for_pdf.replace("\u200b", "") == page.replace(f"<style>{html.CSS}</style>", "")
    broken = html.break_points("(idle.low_efficiency.far_below_control_on)")
    assert broken.replace("\u200b", "") == "(idle.low_efficiency.far_below_control_on)"
    assert all(len(piece) <= 20 for piece in broken.split("\u200b"))
    assert html.break_points("91340100MA0EDK9TXA") == "91340100MA0EDK9TXA"  # 18 characters: kept whole
    assert html.break_points("地块评价报告 短 text") == "地块评价报告 短 text"


def test_the_enterprise_table_gives_the_credit_code_room(run_ctx):
    """The PDF lays tables out with fixed widths: 9 equal columns cut an 18-character credit code
    into the company name; the padding comes on top of the widths, so they stay under 100 %."""
    pid = next(p for p in run_ctx.position if any(s.key == "enterprises" and s.tables
                                                  for s in parcel_report(run_ctx, p).sections))
    table = next(s for s in parcel_report(run_ctx, pid).sections if s.key == "enterprises").tables[0]
    assert len(table.widths) == len(table.headers) and table.widths[0] >= 19 and sum(table.widths) <= 90
    # a cell's width holds its padding (fixed layout with widths summing to 100 % stays on the page)
    assert re.search(r"th, td \{[^}]*box-sizing: border-box", html.CSS)


def test_reduced_user_agent_stylesheet_draws_the_same_page(run_ctx, faces, tmp_path):
    """The user-agent sheet without footnote/note/marker rules (pdf._html_class): same pixels, fewer styles."""
    renderer = pdf._renderer(faces)
    assert renderer.html is not renderer.weasyprint.HTML  # the installed WeasyPrint has the expected sheet
    pid = next(iter(run_ctx.position))
    page = html.render_parcel(parcel_report(run_ctx, pid), pdf=True)
    full = renderer.weasyprint.HTML(string=page, url_fetcher=renderer.fetcher).write_pdf(
        stylesheets=renderer.stylesheets, font_config=renderer.font_config)
    pngs = []
    for name, data in (("full", full), ("reduced", renderer.pdf(page))):
        (tmp_path / f"{name}.pdf").write_bytes(data)
        subprocess.run(["pdftoppm", "-r", "50", "-png", str(tmp_path / f"{name}.pdf"), str(tmp_path / name)],
                       check=True)
        pngs.append(sorted(tmp_path.glob(f"{name}-*.png")))
    assert len(pngs[0]) == len(pngs[1]) >= 2
    for a, b in zip(*pngs, strict=True):
        assert a.read_bytes() == b.read_bytes(), (a.name, b.name)
