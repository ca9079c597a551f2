"""Per-parcel and park reports (landplan.report): sections, numbers equal to the evaluation table,
units, sources, escaping, no URL, PDF through poppler, batch with a failing parcel, bad input.

The PDF's first page is rendered with ``pdftoppm`` into pytest's tmp folder and copied to
``tests/artifacts/report-page1.png`` (gitignored) for a person to look at.
"""

from __future__ import annotations

import csv
import math
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

import landplan
from landplan import labels
from landplan.cli import main
from landplan.demo import DEMO_AS_OF
from landplan.evaluate import evaluate
from landplan.io.writers import cell_text
from landplan.labels import rulekeys
from landplan.report import SECTIONS, batch, report
from landplan.workspace import Workspace

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


class _Cells(HTMLParser):
    """Sections, data-col cells (text by column), table rows and all text of a report."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, bool] = {}
        self.cells: dict[str, list[str]] = {}
        self.rows: list[list[tuple[str | None, str, str]]] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self.captions: list[str] = []
        #: the sources list: reference number -> (rules key, full text of the entry, classes)
        self.sources: dict[str, tuple[str, str, str]] = {}
        self._source: tuple[str, str, str] | None = None
        self._cell: tuple[str | None, str] | None = None
        self._buf: list[str] = []
        self._caption = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        self._style = tag == "style"
        if tag == "section":
            self.sections[a["data-section"]] = a.get("data-empty") == "true"
        elif tag == "tr":
            self.rows.append([])
        elif tag == "caption":
            self._caption = True
            self.captions.append("")
        elif tag in ("td", "th"):
            self._cell, self._buf = (a.get("data-col"), a.get("class") or ""), []
        elif tag == "p" and "data-ref" in a:
            self._source, self._buf = (a["data-ref"], a["data-rule"], a.get("class") or ""), []

    def handle_endtag(self, tag):
        self._style = False
        if tag == "caption":
            self._caption = False
        if tag in ("td", "th") and self._cell is not None:
            col, cls = self._cell
            text = "".join(self._buf).strip()
            self.rows[-1].append((col, cls, text))
            if col:
                self.cells.setdefault(col, []).append(text)
            self._cell = None
        if tag == "p" and self._source is not None:
            ref, key, cls = self._source
            self.sources[ref] = (key, "".join(self._buf).strip(), cls)
            self._source = None

    def handle_data(self, data):
        if getattr(self, "_style", False):  # the stylesheet is no text a person reads
            return
        self.text.append(data)
        if self._caption:
            self.captions[-1] += data
        if self._cell is not None or self._source is not None:
            self._buf.append(data)


def _parse(path: Path) -> _Cells:
    parser = _Cells()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def demo_table(demo_workspace) -> pd.DataFrame:
    return evaluate(demo_workspace, as_of=DEMO_AS_OF)


@pytest.fixture(scope="module")
def demo_pid(demo_table) -> str:
    """A graded parcel with enterprises, a heat gap and terrain figures."""
    t = demo_table
    pick = t[t["efficiency_class"].notna() & (t["enterprises"] > 0) & ~t["has_heat"].astype(bool)
             & t["cut_m3"].notna()]
    return str(pick["parcel_id"].iloc[0])


@pytest.fixture(scope="module")
def demo_html(demo_workspace, demo_pid, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report_html")
    run = report(demo_workspace, [demo_pid], out=out, as_of=DEMO_AS_OF)
    assert run.failures == {}
    return run.written[demo_pid]


def _missing(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or value == "" or (
        isinstance(value, float) and math.isnan(value))


def _matches(text: str, value, col: str) -> bool:
    """The cell shows the table's value as every face shows it (codes as labels, numbers in
    their unit's decimals); a check without threshold says so."""
    if col.endswith("_ok") and _missing(value):
        return text == labels.t("report.no_threshold")
    return text == cell_text(col, value, "zh")


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def test_parcel_report_has_every_section(demo_html):
    cells = _parse(demo_html)
    assert list(cells.sections) == [*SECTIONS, "sources"]
    # the demo has no lineage and no lifecycle columns on this branch: those say so, the rest has data
    assert not any(empty for key, empty in cells.sections.items() if key not in ("lifecycle", "history"))


def test_parcel_numbers_equal_the_evaluation_table(demo_html, demo_table, demo_pid):
    cells = _parse(demo_html)
    row = demo_table.set_index("parcel_id").loc[demo_pid]
    checked = 0
    for col, texts in cells.cells.items():
        if ":" in col or col == "parcel_id":
            continue
        value = row[col]
        value = value.item() if hasattr(value, "item") else value
        for text in texts:
            if col in ("status", "lifecycle_stage"):
                assert text == labels.value("parcel_status", value), col
            elif col in ("idle_status", "idle_disposal", "idle_stage", "start_date_basis", "design_basis",
                         "leveled_source", "idle_cause", "lifecycle_gap"):
                assert text == (labels.value(col, value) if not _missing(value) else "—"), col
            elif col in ("contract_check", "contract_completion_check", "contract_production_check"):
                assert text == (labels.value("contract_check", value) if value else "—"), col
            else:
                assert _matches(text, value, col), (col, text, value)
            checked += 1
    for must in ("area_m2", "area_mu", "tax_per_mu_wan", "efficiency_score", "efficiency_class",
                 "tax_per_mu_wan_yoy_pct", "floor_area_ratio", "building_coverage_pct_min", "floor_area_ratio_ok",
                 "idle_status", "idle_fee_wan", "dist_road_m", "ext_heat_m", "ext_heat_cost_wan", "has_heat",
                 "cut_m3", "fill_m3", "relief_m", "readiness"):
        assert must in cells.cells, must
    assert checked > 80
    # hand check: area_mu is area_m2 / (10000/15), shown to 2 decimals with thousands
    # separated; area_m2 to the square metre
    assert cells.cells["area_mu"][0] == f"{round(row['area_m2'] * 15 / 10000, 2):,.2f}"
    assert cells.cells["area_m2"][0] == f"{row['area_m2']:,.0f}"


def test_enterprises_sum_to_the_parcel_figures(demo_html, demo_table, demo_pid, demo_workspace):
    cells = _parse(demo_html)
    row = demo_table.set_index("parcel_id").loc[demo_pid]
    ledger = Workspace(demo_workspace).read("ledger")
    mine = ledger[(ledger["parcel_id"] == demo_pid) & (ledger["year"] == row["year"])]
    assert len(cells.cells["ledger:tax_wan"]) == len(mine) == row["enterprises"]
    for col in ("tax_wan", "revenue_wan", "value_added_wan", "employees"):
        assert _matches(cells.cells[f"ledger_total:{col}"][0], float(row[col]), col), col


def test_every_number_has_a_unit_and_every_rule_a_source(demo_html):
    cells = _parse(demo_html)
    # rows "label (unit) | number | source": the unit is folded into the label (Table.units_in_labels)
    three = [r for r in cells.rows if len(r) == 3 and r[1][0] and "num" in r[1][1]]
    assert len(three) > 20
    for label, value, _source in three:
        unit = re.search(r" \(([^()]*)\)$", label[2])
        assert unit and unit.group(1) not in ("", "—"), (label, value)
    refs = {m for r in cells.rows for c in r for m in re.findall(r"\[(\d+)\]", c[2]) if "src" in c[1]}
    refs |= {m for caption in cells.captions for m in re.findall(r"\[(\d+)\]", caption)}
    listed = set(cells.sources)
    assert refs and refs == listed
    for ref, (key, text, _cls) in cells.sources.items():  # "[n] the rule's name — its source"
        assert text.startswith(f"[{ref}] {rulekeys.label(key)} — "), text
        assert "." not in key or key not in text  # the rules key is the HTML's data-rule, unread
    sources = {key: text for key, text, _cls in cells.sources.values()}
    assert "idle.fee_rate" in sources and "53号令第十四条" in sources["idle.fee_rate"]
    heat = next(v for v in cells.sources.values() if v[0] == "coverage.unit_cost_wan_per_m.heat")
    assert "未确认" in heat[1] and "UNCONFIRMED" not in heat[1] and "unconfirmed" in heat[2]
    # 未确认 (UNCONFIRMED) stays visible beside the figure too
    heat = next(r for r in cells.rows if r and r[0][2] == labels.value("network_type", "heat"))
    assert "未确认" in heat[-1][2]


def test_english_report(demo_workspace, demo_pid, tmp_path):
    run = report(demo_workspace, [demo_pid], out=tmp_path, as_of=DEMO_AS_OF, lang="en")
    cells = _parse(run.written[demo_pid])
    text = " ".join(cells.text)
    assert "Parcel evaluation report" in text and "Infrastructure coverage" in text
    assert "地块评价报告" not in text and "基础设施配套" not in text
    assert "tax per mu" in text
    sources = {key: text for key, text, _cls in cells.sources.values()}
    assert "Order No. 53, Art. 14(1)" in sources["idle.fee_rate"]
    assert "UNCONFIRMED" in sources["coverage.unit_cost_wan_per_m.heat"]


def _demo_copy(demo_workspace: Path, path: Path, edit) -> Path:
    """A copy of the demo park whose parcels ``edit(parcels)`` changed (data/ is never written)."""
    shutil.copytree(demo_workspace, path)
    ws = Workspace(path)
    parcels = ws.read("parcels")
    edit(parcels)
    ws.write("parcels", parcels)
    return path


def test_html_is_self_contained_and_escapes(demo_workspace, tmp_path):
    evil = '<script>alert(1)</script>'

    def edit(parcels):
        parcels.loc[0, "holder"] = evil
        parcels.loc[1, "parcel_id"] = 'P"><script>alert(2)</script>'
        parcels.loc[1, "holder"] = '" onmouseover="alert(3)'
        ids.extend(parcels["parcel_id"][:3])

    ids: list[str] = []
    ws = _demo_copy(demo_workspace, tmp_path / "ws", edit)
    run = report(ws, ids, out=tmp_path / "out", park=True, as_of=DEMO_AS_OF)
    assert run.failures == {}
    files = [*run.written.values(), run.index, run.park]
    for path in files:
        html = path.read_text(encoding="utf-8")
        assert "http" not in html.lower(), path
        assert "<script" not in html.lower(), path
        assert "src=" not in html and "url(" not in html, path
        assert 'onmouseover="' not in html, path
        cells = _parse(path)
        assert "script" not in cells.tags
    first = _parse(run.written[ids[0]])
    assert evil in " ".join(first.text)  # shown as text
    second = run.written[ids[1]]
    assert second.name == "P___script_alert_2___script_.html"
    assert 'data-parcel-id="P&#34;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"' in second.read_text(encoding="utf-8")


def test_history_from_parent_ids(demo_workspace, tmp_path):
    ids: list[str] = []

    def edit(parcels):
        ids.extend(parcels["parcel_id"][:4])
        parcels.loc[1, "parent_ids"] = f"{ids[0]}, {ids[3]}"

    ws = _demo_copy(demo_workspace, tmp_path / "ws", edit)
    run = report(ws, ids[:3], out=tmp_path / "out", as_of=DEMO_AS_OF)
    child = _parse(run.written[ids[1]])
    assert child.cells["parent_ids"] == [f"{ids[0]}, {ids[3]}"]
    parent = " ".join(_parse(run.written[ids[0]]).text)
    assert "分割/合并后的宗地" in parent and ids[1] in parent
    other = _parse(run.written[ids[2]])
    assert not other.sections["history"] and "无沿革记录" in " ".join(other.text)


def test_lifecycle_section_from_the_columns(demo_workspace, demo_table, demo_pid, tmp_path):
    """Renders the lifecycle columns when the evaluation has them (no data otherwise)."""
    cells = _parse(report(demo_workspace, [demo_pid], out=tmp_path, as_of=DEMO_AS_OF).written[demo_pid])
    if "lifecycle_stage" not in demo_table.columns:
        assert cells.sections["lifecycle"] is True
        assert "无数据" in " ".join(cells.text)
        return
    row = demo_table.set_index("parcel_id").loc[demo_pid]
    assert cells.sections["lifecycle"] is False
    assert cells.cells["lifecycle_stage"] == [labels.value("parcel_status", row["lifecycle_stage"])]
    check = row["contract_check"]
    assert cells.cells["contract_check"] == [labels.value("contract_check", check) if check else "—"]
    for col in ("contract_completion_check", "contract_production_check"):   # the two 履约 stages (issue 18)
        assert cells.cells[col] == [labels.value("contract_check", row[col]) if row[col] else "—"]
    assert {"contract_damages_wan", "contract_reason", "transfer_barred_until"} <= set(cells.cells)


def test_compliance_of_land_not_built_is_not_judged(demo_workspace, demo_table, tmp_path):
    """Issue 18 point 4: the indicators bind the finished project; a parcel under construction
    shows its ratios, 'not judged' instead of a pass or fail, and why."""
    t = demo_table
    pid = str(t.loc[t["status"].eq("under_construction") & t["floor_area_ratio"].notna(), "parcel_id"].iloc[0])
    row = t.set_index("parcel_id").loc[pid]
    assert row["compliance_scope"] == "not_built" and row["compliance_failed"] == ""
    html = report(demo_workspace, [pid], out=tmp_path, as_of=DEMO_AS_OF).written[pid]
    cells = _parse(html)
    assert cells.cells["floor_area_ratio_ok"] == [labels.value("compliance_scope", "not_built")]
    assert _matches(cells.cells["floor_area_ratio"][0], row["floor_area_ratio"], "floor_area_ratio")
    assert labels.value("parcel_status", "under_construction") in " ".join(cells.text)


def test_pdf_text_fonts_page(demo_workspace, demo_pid, tmp_path):
    run = report(demo_workspace, [demo_pid], out=tmp_path, as_of=DEMO_AS_OF, fmt="pdf")
    pdf = run.written[demo_pid]
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "地块评价报告" in text and demo_pid in text
    assert "亩均效益" in text and "规则来源" in text
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(" yes yes " in line for line in cjk)  # embedded, subset
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)
    png = next(tmp_path.glob("page*.png"))
    assert png.stat().st_size > 20_000
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(png, ARTIFACTS / "report-page1.png")


def test_batch_all_goes_on_after_a_failure(demo_workspace, demo_table, tmp_path, monkeypatch):
    bad = str(demo_table["parcel_id"].iloc[7])
    real = batch.parcel_report

    def failing(ctx, parcel_id, **kw):
        if parcel_id == bad:
            raise ValueError("broken geometry for the test")
        return real(ctx, parcel_id, **kw)

    monkeypatch.setattr(batch, "parcel_report", failing)
    seen = []
    run = report(demo_workspace, all_parcels=True, out=tmp_path, as_of=DEMO_AS_OF, workers=2,
                 progress=seen.append)
    assert run.failures == {bad: "ValueError: broken geometry for the test"}
    assert len(run.written) == len(demo_table) - 1
    assert seen[-1] == 1.0 and seen == sorted(seen)
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]+)"', index)
    assert len(links) == len(demo_table) - 1 and all((tmp_path / href).exists() for href in links)
    assert "broken geometry for the test" in index
    with open(tmp_path / "summary.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))  # a table for people: the report's language
    assert len(rows) == len(demo_table)
    failed = [r for r in rows if r["结果"] == "失败"]
    assert [r["宗地号"] for r in failed] == [bad] and failed[0]["失败原因"].endswith("broken geometry for the test")
    idle = next(r for r in rows if r["宗地号"] == str(demo_table.loc[demo_table["idle_status"] == "not_idle",
                                                                       "parcel_id"].iloc[0]))
    assert idle["闲置状态"] == "未闲置"


def test_cli_reports_a_failed_parcel_and_exits_2(demo_workspace, demo_table, tmp_path, monkeypatch, capsys):
    ids = [str(p) for p in demo_table["parcel_id"].iloc[:3]]
    real = batch.parcel_report
    monkeypatch.setattr(batch, "parcel_report", lambda ctx, pid, **kw: (_ for _ in ()).throw(
        RuntimeError("boom")) if pid == ids[1] else real(ctx, pid, **kw))
    code = main(["report", *ids, "--workspace", str(demo_workspace), "--as-of", "2026-06-30",
                 "--out", str(tmp_path), "--lang", "en"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == [f"landplan: error: report {ids[1]}: RuntimeError: boom"]
    # in Chinese the line names the parcel's report in Chinese
    assert main(["report", ids[1], "--workspace", str(demo_workspace), "--as-of", "2026-06-30",
                 "--out", str(tmp_path), "--lang", "zh"]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == f"landplan: error: 报告 {ids[1]}：RuntimeError: boom"
    assert (tmp_path / f"{ids[0]}.html").exists() and (tmp_path / f"{ids[2]}.html").exists()


@pytest.mark.parametrize("args, message", [
    (["NO-SUCH-PARCEL"], "no parcel with parcel_id 'NO-SUCH-PARCEL'"),
    (["--out-file"], "not a folder"),
    (["--out-under-file"], "cannot create the folder"),
    ([], "name parcel ids, or give --all or --park"),
])
def test_bad_input_is_one_line_exit_2(demo_workspace, demo_table, tmp_path, capsys, args, message):
    out = tmp_path / "out"
    pid = str(demo_table["parcel_id"].iloc[0])
    if args == ["--out-file"]:
        out.write_text("x")
        args = [pid]
    elif args == ["--out-under-file"]:
        (tmp_path / "file").write_text("x")
        out = tmp_path / "file" / "sub"
        args = [pid]
    code = main(["report", *args, "--workspace", str(demo_workspace), "--as-of", "2026-06-30", "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("landplan: error: ") and message in err[0], err


def test_park_report_numbers(demo_workspace, demo_table, tmp_path):
    run = landplan.report(demo_workspace, park=True, out=tmp_path, as_of=DEMO_AS_OF)
    cells = _parse(run.park)
    assert {"totals", "status", "classes", "idle", "low", "candidates", "coverage", "charts",
            "sources"} <= set(cells.sections)
    t = demo_table
    mu = t["area_mu"]
    assert cells.cells["count:all"] == [str(len(t))]
    assert _number(cells.cells["sum:area_mu"][0]) == round(mu.sum(), 2)
    for cls in "ABCD":
        mask = t["efficiency_class"] == cls
        assert cells.cells[f"count_class:{cls}"] == [str(int(mask.sum()))]
        assert _number(cells.cells[f"sum_class:{cls}"][0]) == round(mu[mask.fillna(False)].sum(), 2)
    idle = t["idle_status"].str.startswith("idle_")
    assert _number(cells.cells["sum_idle:area_mu"][0]) == round(mu[idle].sum(), 2)
    lacking = ~t["has_heat"].astype(bool)
    assert cells.cells["count_lacking:heat"] == [str(int(lacking.sum()))]
    assert _number(cells.cells["sum:ext_heat_cost_wan"][0]) == round(t["ext_heat_cost_wan"].sum(), 2)
    html = run.park.read_text(encoding="utf-8")
    assert html.count("<svg") >= 4 and "http" not in html.lower()


def test_the_histogram_keeps_its_last_edge_label_inside():
    import re as _re

    import numpy as np

    from landplan.report.svg import histogram

    chart = histogram(np.array([0.2, 260.0, 520.4]), unit="万元/亩", count_unit="宗", title="亩均税收分布")
    labels_ = _re.findall(r'<text x="([\d.]+)" y="\d+" text-anchor="(\w+)">([\d,.]+)</text>', chart)
    x, anchor, text = labels_[-1]
    assert text == "520.4" and anchor == "end" and float(x) <= 460  # centred on the edge it was cut in half
