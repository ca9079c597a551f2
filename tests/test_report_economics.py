"""The land economics section (土地投入产出, issue 22 item 5) of the parcel and park reports.

On the demo park (its illustrative inputs), a copy with a park's own inputs and acquisition
zones but no earthworks price, and a copy with the shipped rules (inputs missing): a parcel's
figures equal ``workspace_economics``' row for its parcel id (and a changed table shows), the
park's totals, payback classes, class change and zones equal the park dict, the demo caveat and
the ⚠ 未确认 marks show, the missing inputs are named by their labels, a Chinese reader meets no
code and an English one no Chinese outside data; the PDF has the section.
"""

from __future__ import annotations

import dataclasses
import math
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box
from test_economics_workspace import RULES as OWN_RULES
from test_economics_workspace import _copy
from wordcheck import cjk_in, codes_in

from landplan import labels
from landplan.demo import DEMO_AS_OF
from landplan.economics import class_change_summary
from landplan.economics_workspace import economics_basis, economics_caveat, workspace_economics
from landplan.evaluate import evaluate
from landplan.io.writers import cell_text
from landplan.labels import rulekeys
from landplan.report import batch, html, prepare
from landplan.report.model import parcel_report
from landplan.report.park import park_report
from landplan.rules import load_ruleset
from landplan.workspace import Workspace


class _Section(HTMLParser):
    """The economics section of a report: its cells by ``data-col``, its caveat and its text."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[str, list[str]] = {}
        self.text: list[str] = []
        self.caveats: list[str] = []
        self.empty = None
        self.rows: list[list[tuple[str, str]]] = []
        self._in = False
        self._cell: tuple[str, str] | None = None
        self._caveat = False
        self._buf: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self._in = a.get("data-section") == "economics"
            if self._in:
                self.empty = a.get("data-empty") == "true"
        if not self._in:
            return
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell, self._buf = (a.get("data-col") or "", a.get("class") or ""), []
        elif tag == "p" and a.get("class") == "caveat":
            self._caveat, self._buf = True, []

    def handle_endtag(self, tag):
        if tag == "section":
            self._in = False
        if tag in ("td", "th") and self._cell is not None:
            text = "".join(self._buf).strip()
            self.rows[-1].append((self._cell[1], text))
            if self._cell[0]:
                self.cells.setdefault(self._cell[0], []).append(text)
            self._cell = None
        if tag == "p" and self._caveat:
            self.caveats.append("".join(self._buf).strip())
            self._caveat = False

    def handle_data(self, data):
        if self._in:
            self.text.append(data)
            if self._cell is not None or self._caveat:
                self._buf.append(data)


def _section(page: str) -> _Section:
    parser = _Section()
    parser.feed(page)
    assert parser.empty is not None, "no economics section"
    return parser


def _parcel(ctx, pid: str, lang: str = "zh") -> _Section:
    return _section(html.render_parcel(parcel_report(ctx, pid, lang=lang, map_svg="")))


def _park(ctx, lang: str = "zh") -> _Section:
    return _section(html.render_park(park_report(ctx, lang=lang)))


@pytest.fixture(scope="module")
def demo(demo_workspace):
    """The demo park's report context and, made apart from it, its land economics."""
    ctx = prepare(demo_workspace, as_of=DEMO_AS_OF)
    rules = load_ruleset(demo_workspace)
    econ, park = workspace_economics(Workspace(demo_workspace), rules, as_of=DEMO_AS_OF,
                                     evaluation=evaluate(demo_workspace, as_of=DEMO_AS_OF, rules=rules))
    return ctx, econ.set_axis(econ.index.astype(str)), park


@pytest.fixture(scope="module")
def own(demo_workspace, tmp_path_factory):
    """A park with its own inputs (not illustrative), no earthworks price, acquisition zones."""
    path = Path(_copy(demo_workspace, tmp_path_factory, "econ_own", OWN_RULES))
    ws = Workspace(path)
    parcels = ws.read("parcels")
    x0, y0, x1, y1 = parcels.total_bounds
    (path / "economics").mkdir()
    gpd.GeoDataFrame({"zone_name": ["西区"], "acquisition_wan_per_mu": [7.0]},
                     geometry=[box(x0 - 10, y0 - 10, (x0 + x1) / 2, y1 + 10)], crs=parcels.crs
                     ).to_file(path / "economics" / "acquisition_zones.gpkg")
    return prepare(path, as_of=DEMO_AS_OF)


def _expected(col: str, row, lang: str, horizon: int) -> str:
    value = row[col]
    if col in ("econ_status", "floor_exception"):
        return labels.value(col, value, lang)
    if col.endswith("payback_years") and math.isnan(value):
        within = row[col.replace("_years", "_within_horizon")]
        if row["econ_status"] == "not_within_horizon" or within is False:
            return labels.t("report.econ.not_within", lang, horizon=horizon)
        return labels.value("econ_status", row["econ_status"], lang)
    return cell_text(col, value, lang)


def _differences(section: _Section, econ, pid: str, lang: str = "zh") -> list[tuple]:
    row = econ.loc[pid]
    horizon = econ.attrs["economics_horizon_years"]
    out = []
    for key, texts in section.cells.items():
        if key.startswith("econ:"):
            col = key[5:]
            out += [(col, text, _expected(col, row, lang, horizon)) for text in texts
                    if text != _expected(col, row, lang, horizon)]
    return out


def test_a_parcels_figures_are_its_row_of_the_economics_table(demo):
    ctx, econ, _park_dict = demo
    # a parcel paying back within the horizon, one that never will
    paying = econ.index[(econ["econ_status"] == "paid_back") & econ["discounted_payback_years"].notna()][0]
    never = econ.index[econ["econ_status"] == "not_within_horizon"][0]
    for pid in (paying, never):
        section = _parcel(ctx, pid)
        assert not section.empty
        assert _differences(section, econ, pid) == []
        shown = {k[5:] for k in section.cells if k.startswith("econ:")}
        assert {"acquisition_wan_per_mu", "development_wan_per_mu", "extension_wan_per_mu", "earthwork_wan_per_mu",
                "cost_wan_per_mu", "price_wan_per_mu", "net_outlay_wan_per_mu", "net_outlay_wan",
                "local_tax_wan_per_mu", "return_to_date_wan_per_mu", "static_payback_years",
                "discounted_payback_years", "econ_status", "floor_base_yuan_per_m2", "floor_factor",
                "floor_exception", "floor_yuan_per_m2", "below_floor"} <= shown
    assert _parcel(ctx, never).cells["econ:static_payback_years"] == ["50 年内无法收回"]
    # the year of the current tax reads beside it
    year = int(econ.loc[paying, "local_tax_year"])
    assert any(f"{year} 年亩均地方留成税收" in text for r in _parcel(ctx, paying).rows for _, text in r)
    # the check can fail: another net outlay in the context's table shows in the report
    changed = ctx.economics.copy()
    changed.loc[paying, "net_outlay_wan_per_mu"] += 1.0
    section = _parcel(dataclasses.replace(ctx, economics=changed), paying)
    assert [d[0] for d in _differences(section, econ, paying)] == ["net_outlay_wan_per_mu"]


def test_the_park_section_equals_the_park_dict(demo):
    ctx, econ, park = demo
    section = _park(ctx)
    tot = park["totals"]
    units = {"area_mu": "mu", "land_price_wan": "wan", "cost_wan": "wan", "net_outlay_wan": "wan",
             "return_to_date_wan": "wan"}
    for key, value in tot.items():
        unit = units.get(key, "wan_per_mu")
        expected = str(value) if key == "costed_parcels" else labels.fmt(value, unit)
        assert section.cells[f"econ_total:{key}"] == [expected], key
    assert section.cells["econ_total:parcels"] == [str(len(econ))]
    assert section.cells["econ_total:below_floor"] == [str(int(econ["below_floor"].fillna(False).sum()))]
    assert section.cells["econ_total:not_paying_back"] == [str(len(park["not_paying_back"]))]
    for code, row in park["payback"].iterrows():
        assert section.cells[f"econ_payback:{code}"] == [str(int(row["parcels"]))]
        assert section.cells[f"econ_payback_mu:{code}"] == [labels.fmt(row["area_mu"], "mu")]
    labelled = [text for r in section.rows for cls, text in r[:1]]
    assert labels.value("payback_class", "0_5") in labelled
    summary = class_change_summary(park["class_change"])
    assert len(summary) == 3
    for frm, row in summary.iterrows():
        assert section.cells[f"econ_change:{frm}:parcels"] == [str(int(row["parcels"]))]
        assert section.cells[f"econ_change:{frm}:median_after_years"] == [labels.fmt(row["median_after_years"], "years")]
    # the parcels not paying back are listed by id
    assert all(any(pid == text for r in section.rows for _, text in r) for pid in park["not_paying_back"][:30])


def test_the_demo_caveat_and_the_basis_with_its_marks(demo, own):
    ctx, _econ, _park_dict = demo
    caveat = economics_caveat(ctx.rules, "zh")
    assert caveat
    for section in (_parcel(ctx, next(iter(ctx.position))), _park(ctx)):
        assert section.caveats == [caveat]
        assert section.cells["basis:economics.land_grade"] == ["10等"]
        marks = [text for r in section.rows for cls, text in r if "unconfirmed" in cls]
        assert marks.count("演示假设值") >= 7
    # a park's own inputs: no caveat; the earthworks price unset reads ⚠ 未确认 and is not counted
    pid = next(iter(own.position))
    section = _parcel(own, pid)
    assert section.caveats == [] and economics_caveat(own.rules, "zh") == ""
    basis = economics_basis(own.rules, "zh").set_index("key")
    earth = next(r for r in section.rows if r and r[0][1] == basis.loc["economics.earthwork_yuan_per_m3", "label"])
    assert [text for _, text in earth[1:3]] == ["未设，不计土方", "⚠ 未确认"]
    assert "未计入：土方" in "".join(section.text)
    assert "econ:earthwork_wan_per_mu" not in section.cells
    # the zones: the park section's table by zone is the park dict's
    park = _park(own)
    zones = own.economics_park["by_zone"]
    assert list(zones.index) == ["西区"]
    assert park.cells["econ_zone:parcels"] == [str(int(zones.loc["西区", "parcels"]))]
    assert park.cells["econ_zone:cost_wan"] == [labels.fmt(zones.loc["西区", "cost_wan"], "wan")]


def test_missing_inputs_are_named_by_their_labels(demo_workspace, tmp_path_factory):
    ctx = prepare(_copy(demo_workspace, tmp_path_factory, "econ_none", None), as_of=DEMO_AS_OF)
    assert ctx.economics is None and "economics.land_grade" in ctx.economics_missing
    pid = next(iter(ctx.position))
    for lang in ("zh", "en"):
        for section in (_parcel(ctx, pid, lang), _park(ctx, lang)):
            text = "".join(section.text)
            assert section.empty and section.rows == []
            for key in ctx.economics_missing:
                assert rulekeys.label(key, lang) in text and key not in text
            assert "rules.yaml" in text
            assert labels.t("report.econ.missing", lang, inputs="X").split("X")[0] in text


def test_a_chinese_reader_meets_no_code_an_english_one_no_chinese(demo, demo_workspace, tmp_path):
    ctx, econ, park = demo
    never = park["not_paying_back"][0]
    ids = set(ctx.position)
    data = {str(v) for v in ctx.table["holder"].dropna()} | {str(ctx.rules.economics.land_grade_source)}
    for pid in (never, econ.index[0]):
        zh = "".join(_parcel(ctx, pid, "zh").text)
        assert codes_in(zh, allowed=ids) == [] and "economics." not in zh
        assert cjk_in("".join(_parcel(ctx, pid, "en").text), data=data) == []
    zh = "".join(_park(ctx, "zh").text)
    assert codes_in(zh, allowed=ids) == []
    assert cjk_in("".join(_park(ctx, "en").text), data=data) == []
    # the PDF has the section, its caveat and its marks
    path = batch.render_one(ctx, never, tmp_path / "p.pdf", fmt="pdf", lang="zh", fonts=batch.pdf_fonts(ctx))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    text = text.replace("\u200b", "").replace("\n", "")
    assert "土地投入产出" in text and "50 年内无法收回" in text and "演示假设值" in text
    assert economics_caveat(ctx.rules, "zh")[:20] in text
