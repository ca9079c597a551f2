"""专题图 (landplan map, landplan.thematic) on the demo park: every theme written as PNG, PDF and
SVG; the PDF's text read back with pdftotext (title, legend with parcels and 亩 per class, scale,
CRS, dates) and its fonts embedded; the scale bar measured in the SVG against the map's CRS; bad
input one line and exit 2."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from wordcheck import cjk_in, codes_in

from landplan import labels, thematic
from landplan.errors import LandplanError
from landplan.evaluate import evaluate
from landplan.rules import load_rules
from landplan.workspace import Workspace

AS_OF = dt.date(2025, 6, 30)
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def park(demo_workspace):
    """One evaluation of the demo park, its network layers and readiness levels, reused."""
    ws = Workspace(demo_workspace)
    rules = load_rules(ws)
    table = evaluate(ws, as_of=AS_OF, rules=rules)
    layers = {n: ws.read(n) for n in ("roads", "pipelines", "powerlines", "facilities") if ws.has(n)}
    cov = rules["coverage"]
    levels = [level["name"] for level in cov["readiness"]] + [cov["below"]]
    return table, layers, levels


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "landplan.cli", *args], capture_output=True,
                          text=True, timeout=300)


def _pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_every_theme_as_png_pdf_and_svg(park, tmp_path):
    table, layers, levels = park
    assert thematic.themes(table) == list(thematic.THEMES)  # the demo has terrain and a ledger
    for theme in thematic.THEMES:
        for fmt in thematic.FORMATS:
            result = thematic.render(table, theme, out=tmp_path / f"{theme}.{fmt}", lang="zh",
                                     readiness_levels=levels, dpi=20, **layers)
            data = result.out.read_bytes()
            head = {"png": b"\x89PNG", "pdf": b"%PDF", "svg": b"<?xml"}[fmt]
            assert data.startswith(head), (theme, fmt)
            assert result.parcels == len(table)
        if theme == "payback":  # the demo's economics inputs: parcels in a payback class
            assert (thematic.classify(table, theme).codes >= 0).any()
        if theme == "readiness":  # the levels in the rules' order, best first
            assert thematic.classify(table, theme, readiness_levels=levels).names[:len(levels)] == \
                [labels.value("readiness", v, "zh") for v in levels]
    data = thematic.render(table, "status", fmt="png", dpi=20).data  # the app's download
    assert data.startswith(b"\x89PNG")


def test_pdf_reads_title_legend_scale_crs_and_dates(park, demo_workspace, tmp_path):
    table, _, _ = park
    out = tmp_path / "idle.pdf"
    run = _cli("map", "--theme", "idle_status", "--out", str(out), "--workspace", str(demo_workspace),
               "--as-of", AS_OF.isoformat(), "--lang", "zh")
    assert run.returncode == 0, run.stderr
    text = _pdftotext(out)
    flat = re.sub(r"\s+", " ", text)
    assert "闲置土地分布图" in flat
    assert "CGCS2000" in flat and "第 39 带" in flat and "EPSG:4527" in flat
    assert f"评价日期：{AS_OF.isoformat()}" in flat
    scale = int(re.search(r"比例尺 1:(\d+)", flat).group(1))
    assert f"1:{scale}" in run.stdout
    # every class of the legend with its parcels and 亩, counted here from the table
    for code in ("not_applicable", "not_idle", "not_due", "idle_unstarted", "idle_halted"):
        rows = table[table["idle_status"] == code]
        line = next(li for li in text.splitlines() if labels.value("idle_status", code, "zh") in li
                    and "宗" in li)
        assert labels.t("thematic.legend.count", "zh", n=labels.fmt(len(rows), "count"),
                        mu=labels.fmt(rows["area_mu"].sum(), "mu")) in line, line
    assert labels.fmt(table["idle_fee_wan"].sum(), "wan") in flat  # the totals table
    assert codes_in(flat) == []
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes " in r for r in rows), fonts  # every font embedded
    assert any("CJK" in r for r in rows), fonts


def test_payback_map_states_its_inputs(demo_workspace, tmp_path):
    out = tmp_path / "payback.pdf"
    run = _cli("map", "--theme", "payback", "--out", str(out), "--workspace", str(demo_workspace),
               "--as-of", AS_OF.isoformat(), "--lang", "zh")
    assert run.returncode == 0, run.stderr
    text = " ".join(_pdftotext(out).split())
    # the demo's caveat and every input with its mark, wrapped under the map, none cut off
    assert "演示园区的假设值" in text and "测算依据：土地等别 10等（演示假设值）" in text
    assert "168 元/平方米" in text and "回收期限 50 年" in text


def test_notes_wrap_to_the_width_without_losing_a_character():
    from landplan.economics_workspace import basis_line
    from landplan.rules import load_ruleset

    for lang in ("zh", "en"):
        line = basis_line(load_ruleset(), lang)
        lines = thematic._wrap(line, 60)
        assert len(lines) > 1 and "".join(lines).replace(" ", "") == line.replace(" ", "")
        assert all(sum(map(thematic._ems, x)) <= 60 for x in lines)
    assert thematic.theme_notes("idle", None) == []


def test_english_map_has_no_chinese(park, tmp_path):
    table, layers, levels = park
    out = tmp_path / "ready.pdf"
    thematic.render(table, "readiness", out=out, lang="en", readiness_levels=levels, **layers)
    text = _pdftotext(out)
    assert "Infrastructure readiness map" in text and "Gauss-Kruger zone 39" in text
    assert cjk_in(text) == []


def _path_xy(d: str) -> np.ndarray:
    return np.array([float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", d)]).reshape(-1, 2)


def test_scale_bar_against_the_crs(park, tmp_path):
    """One parcel chosen: its width drawn in the SVG (points, 1/72 in) against its width in the
    CRS gives the map's true scale; the printed 1:N and the scale bar must agree within 1 %."""
    table, layers, _ = park
    pid = table.loc[table["area_mu"].idxmax(), "parcel_id"]
    result = thematic.render(table, "status", out=tmp_path / "one.svg", filters={"parcel_id": pid},
                             **layers)
    assert result.parcels == 1
    root = ET.parse(result.out).getroot()
    group = root.find(f".//{SVG}g[@id='parcels']")
    xy = np.concatenate([_path_xy(p.get("d")) for p in group.iter(f"{SVG}path")])
    drawn_pt = xy[:, 0].max() - xy[:, 0].min()
    minx, _, maxx, _ = table.loc[table["parcel_id"] == pid].total_bounds
    true_scale = (maxx - minx) / (drawn_pt / 72 * 0.0254)  # ground metres per paper metre
    text = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    printed = int(re.search(r"1:(\d+)", text).group(1))
    assert printed == result.scale
    assert abs(printed / true_scale - 1) < 0.01, (printed, true_scale)
    bar = root.find(f".//{SVG}g[@id='scalebar']/{SVG}path")
    bar_xy = _path_xy(bar.get("d"))
    bar_pt = bar_xy[:, 0].max() - bar_xy[:, 0].min()
    bar_m = bar_pt / 72 * 0.0254 * true_scale
    label = re.search(r"(\d+(?:\.\d+)?) (米|千米)", text)
    labelled = float(label.group(1)) * (1000 if label.group(2) == "千米" else 1)
    assert labelled == result.bar_m
    assert abs(bar_m / labelled - 1) < 0.01, (bar_m, labelled)


@pytest.mark.parametrize("args, words", [
    (["--theme", "nope"], "nope"),
    (["--theme", "status", "--filter", "nocolumn=1"], "nocolumn"),
    (["--theme", "status", "--filter", "status=nothing"], "nothing"),
    (["--theme", "status", "--filter", "status"], "COLUMN=VALUE"),
])
def test_bad_theme_or_filter_is_one_line_exit_2(demo_workspace, tmp_path, args, words):
    out = tmp_path / "m.png"
    run = _cli("map", *args, "--out", str(out), "--workspace", str(demo_workspace), "--lang", "en")
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("landplan: error:") and words in lines[0], run.stderr
    assert not out.exists()


def test_bad_output_suffix(park, tmp_path):
    table, _, _ = park
    with pytest.raises(LandplanError, match=r"\.png"):
        thematic.render(table, "status", out=tmp_path / "m.txt", lang="en")
