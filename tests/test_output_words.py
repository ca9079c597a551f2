"""Issue 19's acceptance on the files people read: reports, tables and the command line in the
reader's language.

The demo park's report (park, an idle parcel, a low-efficiency parcel) as HTML and PDF (text by
``pdftotext``), the evaluation as XLSX and CSV, and the summaries ``landplan idle``,
``lifecycle``, ``coverage`` and ``report`` print, each in Chinese and in English. A Chinese
face fails on any code, rules key or enum value (``tests/wordcheck.codes_in``, parcel ids
allowed); an English face on any Chinese outside data values (holders, parcel and enterprise
names, approval batches, paths, the sources of the land grade and floor the rules file names).
For both parcels, every coded value the report shows reads exactly as the XLSX cell and as
``labels.value`` for that parcel.
"""

from __future__ import annotations

import io
import subprocess
from contextlib import redirect_stdout
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from wordcheck import cjk_in, codes_in

from landplan import labels
from landplan.cli import main
from landplan.demo import DEMO_AS_OF
from landplan.evaluate import column_label, write_evaluation
from landplan.io.writers import cell_text
from landplan.labels.text import LIST_KINDS
from landplan.report import batch, html, prepare
from landplan.report.park import park_report
from landplan.report.pdf import write_pdf
from landplan.rules import load_ruleset
from landplan.workspace import Workspace

LANGS = ("zh", "en")


class _Text(HTMLParser):
    """The text a person reads in an HTML file (not its stylesheet) and the cells by column."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.cells: dict[str, str] = {}
        self._skip = False
        self._col: str | None = None
        self._buf: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._skip = tag in ("style", "script")
        if tag == "td":
            self._col, self._buf = dict(attrs).get("data-col"), []

    def handle_endtag(self, tag):
        self._skip = False
        if tag == "td" and self._col:
            self.cells.setdefault(self._col, "".join(self._buf).strip())
            self._col = None

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)
            if self._col:
                self._buf.append(data)


def _read_html(path: Path) -> _Text:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture(scope="module")
def faces(demo_workspace, tmp_path_factory):
    """Every file and printout of the two languages: {lang: {name: text}}, with the table,
    the two parcels, the XLSX paths and the parsed parcel reports."""
    out = tmp_path_factory.mktemp("words")
    ctx = prepare(demo_workspace, as_of=DEMO_AS_OF)
    table = ctx.table
    idle = str(table.loc[table["idle_status"].str.startswith("idle_"), "parcel_id"].iloc[0])
    low = str(table.loc[table["low_efficiency"].fillna(False).astype(bool)
                        & ~table["idle_status"].str.startswith("idle_"), "parcel_id"].iloc[0])
    fonts = batch.pdf_fonts(ctx)
    texts: dict[str, dict[str, str]] = {}
    parsed: dict[str, dict[str, _Text]] = {}
    xlsx: dict[str, Path] = {}
    for lang in LANGS:
        seen, mine = texts.setdefault(lang, {}), parsed.setdefault(lang, {})
        for pid in (idle, low):
            for fmt in ("html", "pdf"):
                path = batch.render_one(ctx, pid, out / f"{lang}-{pid}.{fmt}", fmt=fmt, lang=lang, fonts=fonts)
                if fmt == "html":
                    mine[pid] = _read_html(path)
                    seen[path.name] = "\n".join(mine[pid].text)
                else:
                    seen[path.name] = _pdf_text(path)
        park = park_report(ctx, lang=lang)
        path = out / f"{lang}-park.html"
        path.write_text(html.render_park(park), encoding="utf-8")
        seen[path.name] = "\n".join(_read_html(path).text)
        path = write_pdf(html.render_park(park, pdf=True), out / f"{lang}-park.pdf", fonts)
        seen[path.name] = _pdf_text(path)
        xlsx[lang] = write_evaluation(table, out / f"{lang}.xlsx", lang=lang)
        book = openpyxl.load_workbook(xlsx[lang], read_only=True)
        seen["xlsx"] = "\n".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True)
                                 for v in row if v is not None)
        csv = write_evaluation(table, out / f"{lang}.csv", lang=lang)
        seen["csv"] = csv.read_text(encoding="utf-8-sig")
        for command in (["idle"], ["lifecycle"], ["coverage", "--show", "5"],
                        ["report", idle, "--out", str(out / f"cli-{lang}")]):
            buffer = io.StringIO()
            with redirect_stdout(buffer):
                assert main([*command, "--workspace", str(demo_workspace), "--lang", lang,
                             *(["--as-of", DEMO_AS_OF.isoformat()] if command[0] != "coverage" else [])]) == 0
            seen[f"landplan {command[0]}"] = buffer.getvalue()
    return {"texts": texts, "parsed": parsed, "xlsx": xlsx, "table": table, "ids": (idle, low), "out": out}


def _data_values(demo_workspace: Path, table: pd.DataFrame, out: Path) -> set[str]:
    """Values a person typed: holders, names, batches, map sheets, enterprise names, paths."""
    values = {str(out), str(demo_workspace), str(Path(demo_workspace).resolve())}
    for column in ("holder", "parcel_name", "approval_batch", "map_sheet"):
        if column in table:
            values |= {str(v) for v in table[column].dropna()}
    ledger = Workspace(demo_workspace).read("ledger")
    values |= {str(v) for v in ledger["name"].dropna()}
    # texts the park typed in its rules file: where its land grade and provincial floor come from
    economics = load_ruleset(demo_workspace).economics
    values |= {str(v) for v in (economics.land_grade_source, economics.provincial_floor_source) if v}
    for layer in ("roads", "facilities"):
        if Workspace(demo_workspace).has(layer):
            frame = Workspace(demo_workspace).read(layer)
            values |= {str(v) for v in frame.get("name", pd.Series(dtype=object)).dropna()}
    return values


def test_a_chinese_reader_sees_no_code(faces):
    allowed = set(faces["table"]["parcel_id"])
    found = {name: sorted(set(codes_in(text, allowed=allowed))) for name, text in faces["texts"]["zh"].items()}
    assert {name: codes for name, codes in found.items() if codes} == {}


def test_an_english_reader_sees_no_chinese_outside_data(faces, demo_workspace):
    data = _data_values(demo_workspace, faces["table"], faces["out"])
    found = {name: sorted(set(cjk_in(text, data=data))) for name, text in faces["texts"]["en"].items()}
    assert {name: runs for name, runs in found.items() if runs} == {}


@pytest.mark.parametrize("lang", LANGS)
def test_a_code_reads_the_same_in_the_report_and_the_xlsx(faces, lang):
    """Every coded value of the two parcels' reports equals the XLSX cell and the catalogue."""
    table = faces["table"].set_index("parcel_id")
    sheet = pd.read_excel(faces["xlsx"][lang], sheet_name=0, dtype=str)
    sheet = sheet.set_index(column_label("parcel_id", lang))
    compared = set()
    for pid in faces["ids"]:
        for column, shown in faces["parsed"][lang][pid].cells.items():
            kind = LIST_KINDS.get(column) or labels.kind_of(column)
            code = table.loc[pid, column] if column in table.columns else None
            if kind is None or not isinstance(code, str) or code == "":
                continue
            want = (labels.text.value_list(kind, code, lang) if column in LIST_KINDS
                    else labels.value(kind, code, lang))
            assert shown == want == cell_text(column, code, lang), (pid, column)
            assert sheet.loc[pid, column_label(column, lang)] == want, (pid, column)
            compared.add(column)
    # the parcels' status and lifecycle stage, the idle one's status and disposal, a list of paths
    assert {"status", "idle_status", "idle_disposal", "lifecycle_stage", "revitalization_path"} <= compared
