"""The map's themes (地块着色), its legend and its networks side by side (issue 20, item 3).

Every theme of the overview counts the parcels of each class as the evaluation does; graduated
classes have ordered limits that hold every value; the legend lists every layer drawn
(facilities by kind, roads by status, power lines by voltage band); two network types laid on
one centreline are drawn apart, over the parcels, with the road underneath.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import time
from collections import Counter

import numpy as np
import pandas as pd
import pytest
import shapely
from test_app import deck_spec, run_app

import landplan
from landplan import labels, style
from landplan.app import map as lpmap
from landplan.app.mapview import LAYER_KEYS, PAGE_THEMES, SELECTED_KEY, colour_key
from landplan.demo import DEMO_AS_OF
from landplan.workspace import Workspace

_ROW = re.compile(r"</span>([^<]*?) · ([\d,]+) 宗，([\d,.]+) 亩</div>")


def legend_rows(at) -> tuple[dict[str, int], list[str]]:
    """The legend's classes (words → parcels, the total row under its own words) and its
    other entries (the layers' words)."""
    text = next(m.value for m in at.markdown if "landplan-legend" in m.value)
    classes = {html.unescape(name): int(n.replace(",", "")) for name, n, _ in _ROW.findall(text)}
    total = re.search(r"<b>([^<]*)</b> · ([\d,]+) 宗", text)
    classes[total.group(1)] = int(total.group(2).replace(",", ""))
    others = [html.unescape(w) for w in re.findall(r"margin-top:0.2em'>.*?</span>([^<]*)</div>", text)]
    return classes, others


@pytest.fixture(scope="module")
def demo_table(demo_workspace):
    return landplan.evaluate(demo_workspace, as_of=DEMO_AS_OF)


@pytest.fixture(scope="module")
def overview(demo_workspace):
    with pytest.MonkeyPatch.context() as mp:
        yield run_app(demo_workspace, mp, as_of=DEMO_AS_OF)


def _payback_word(years: float, status: str | None) -> str:
    """A parcel's payback class as the legend words it: its static years in 0–5, 5–10, 10–20,
    20–30, 30+, else not within the horizon, else not computed."""
    if pd.notna(years):
        code = next(c for c, top in (("0_5", 5), ("5_10", 10), ("10_20", 20), ("20_30", 30),
                                     ("30_plus", np.inf)) if years < top)
        return labels.value("payback_class", code, "zh")
    if status == "not_within_horizon":
        return labels.value("payback_class", status, "zh")
    return labels.t("app.map.no_payback", "zh")


def test_a_parcel_gets_the_colour_of_its_payback_class():
    years = [0.0, 4.9, 5.0, 12.0, 29.9, 30.0, np.nan, np.nan, np.nan]
    status = ["paid_at_sale", "paid_back", "will_pay_back", "will_pay_back", "will_pay_back",
              "will_pay_back", "not_within_horizon", "no_ledger", None]
    classes = lpmap.classify(pd.DataFrame({"static_payback_years": years, "econ_status": status}),
                             "payback")
    shown = [classes.colours[c] if c >= 0 else classes.missing_colour for c in classes.codes]
    codes = ["0_5", "0_5", "5_10", "10_20", "20_30", "30_plus", "not_within_horizon"]
    assert shown == [style.rgb("payback_class", c) for c in codes] + [style.missing("payback_class")] * 2
    assert classes.values[1] == "5年以内" and classes.values[7] == "未测算回收期"
    assert lpmap.classify(pd.DataFrame({"static_payback_years": years, "econ_status": status}),
                          "payback", lang="en").labels[0] == "under 5 years"


def _expected(table: pd.DataFrame, theme: str) -> Counter:
    """The parcels of each class of a coded theme, counted on the evaluation table itself."""
    column = lpmap.theme_column(theme)
    no_data = labels.t("app.map.no_data", "zh")
    if column == "payback":
        return Counter(_payback_word(y, s) for y, s in
                       zip(table["static_payback_years"], table["econ_status"], strict=True))
    raw = table[column]
    if column == "status":
        words = raw.map(lambda c: labels.value("parcel_status", c, "zh") if isinstance(c, str) and c
                        else labels.t("app.legend.no_status", "zh"))
    elif column == "efficiency_class":
        words = raw.map(lambda c: labels.t("app.map.class", "zh", c=c) if isinstance(c, str)
                        else labels.t("app.map.not_graded", "zh"))
    elif column.startswith("has_"):
        words = raw.map(lambda v: no_data if pd.isna(v) else "已配套" if bool(v) else "未配套")
    elif column == "lifecycle_gap":
        words = raw.map(lambda c: no_data if c is None or (isinstance(c, float) and np.isnan(c))
                        else labels.t("app.map.no_gap", "zh") if c == ""
                        else labels.value("lifecycle_gap", c, "zh"))
    elif column == "contract_check":
        words = raw.map(lambda c: labels.value("contract_check", c, "zh") if isinstance(c, str) and c
                        else labels.value("contract_check", "", "zh"))
    else:  # land use, idle status, readiness: the catalogue's words of each code
        kind = labels.kind_of(column) or column
        words = raw.map(lambda c: labels.value(kind, c, "zh") if isinstance(c, str) and c
                        else no_data)
    return Counter(words.tolist())


def test_every_theme_counts_as_the_evaluation(overview, demo_table, demo_workspace):
    at = overview
    picker = at.selectbox(key=colour_key("map_overview"))
    assert picker.value == "status" and len(picker.options) == len(lpmap.THEMES)
    assert "给水·已配套" not in picker.options and "通给水" in picker.options
    assert "亩均税收(万元/亩)·自然断点分级" in picker.options
    n = len(demo_table)
    for theme in lpmap.THEMES:
        at.selectbox(key=colour_key("map_overview")).set_value(theme).run()
        assert not at.exception, (theme, [e.value for e in at.exception])
        classes, _ = legend_rows(at)
        total = classes.pop(labels.t("app.legend.total", "zh"))
        assert total == n, theme
        column = lpmap.theme_column(theme)
        if column in lpmap.NUMBER_UNITS:
            num, den = lpmap.DERIVED.get(column, (column, None))
            values = pd.to_numeric(demo_table[num], errors="coerce")
            if den:
                values = values / pd.to_numeric(demo_table[den], errors="coerce")
            finite = int(np.isfinite(values.to_numpy(dtype="float64")).sum())
            missing = classes.pop(labels.t("app.map.no_data", "zh"), 0)
            assert (sum(classes.values()), missing) == (finite, n - finite), theme
            assert finite > 0, theme  # the demo has every figure
            lows = [float(re.match(r"-?[\d,.]+", k).group().replace(",", "")) for k in classes]
            assert lows == sorted(lows) and len(set(lows)) == len(lows), (theme, list(classes))
        else:
                    assert +Counter(classes) == _expected(demo_table, theme), theme  # + drops empty classes
    # has/lacks answers "which parcels lack water": the lacking ones are the evaluation's
    at.selectbox(key=colour_key("map_overview")).set_value("has_water").run()
    lacking = {r["id"] for layer in deck_spec(at)["layers"] if layer["id"].startswith("parcels-1")
               for r in layer["data"]}
    assert lacking == set(demo_table.loc[demo_table["has_water"] == False, "parcel_id"])  # noqa: E712


def test_each_page_offers_its_themes():
    assert set(PAGE_THEMES["map_overview"]) == set(lpmap.THEMES)
    assert {f"has_{n}" for n in ("water", "power")} <= set(PAGE_THEMES["map_infrastructure"])
    assert PAGE_THEMES["map_terrain"][0] == "cut_depth_m"
    assert "tax_per_mu_wan" + lpmap.JENKS in PAGE_THEMES["map_efficiency"]
    for themes in PAGE_THEMES.values():
        assert set(themes) <= set(lpmap.THEMES) and len(set(themes)) == len(themes)
        for theme in themes:  # every theme has words in both languages
            zh, en = lpmap.theme_title(theme, "zh"), lpmap.theme_title(theme, "en")
            assert zh != en and not re.search(r"[\u4e00-\u9fff]", en), theme


def _brute_force(values: list[float], k: int) -> float:
    """The least within-class sum of squares of ``k`` classes of sorted ``values``."""
    x = np.sort(values)
    best = np.inf
    for cuts in itertools.combinations(range(1, len(x)), k - 1):
        parts = np.split(x, cuts)
        best = min(best, sum(((p - p.mean()) ** 2).sum() for p in parts))
    return best


def _ssd(values, limits) -> float:
    x = np.sort(values)
    codes = np.searchsorted(limits[1:-1], x, side="left")
    return sum(((x[codes == c] - x[codes == c].mean()) ** 2).sum() for c in np.unique(codes))


def test_natural_breaks_are_the_optimum():
    rng = np.random.default_rng(20)
    for _ in range(5):
        values = np.round(rng.lognormal(size=12), 2)
        limits = lpmap.jenks_limits(values, 4)
        assert len(limits) == 5 and (np.diff(limits) > 0).all()
        assert _ssd(values, limits) == pytest.approx(_brute_force(values, 4), rel=1e-9)
    big = rng.lognormal(size=100_000)
    t0 = time.perf_counter()
    limits = lpmap.jenks_limits(big, 5)
    assert time.perf_counter() - t0 < 2.0
    assert limits[0] == big.min() and limits[-1] == big.max() and (np.diff(limits) > 0).all()


@pytest.mark.parametrize("theme", ["tax_per_mu_wan", "tax_per_mu_wan@jenks", "cut_depth_m"])
def test_graduated_limits_are_ordered_and_hold_every_value(theme, demo_table):
    classes = lpmap.classify(demo_table, theme, lang="zh")
    values = lpmap.theme_values(demo_table, theme).astype("float64").to_numpy()
    ok = np.isfinite(values)
    limits = lpmap.class_limits(values, style.ramp_size("number"),
                                "jenks" if theme.endswith(lpmap.JENKS) else "quantiles")
    assert (np.diff(limits) > 0).all() and len(limits) == len(classes.labels) + 1
    assert limits[0] == values[ok].min() and limits[-1] == values[ok].max()
    codes = classes.codes
    assert (codes[~ok] == -1).all() and (codes[ok] >= 0).all()
    assert (limits[codes[ok]] <= values[ok]).all() and (values[ok] <= limits[codes[ok] + 1]).all()
    lows = [name.split(" – ")[0] for name in classes.labels]  # the limits in the legend,
    assert len(set(lows)) == len(lows)  # each its own, with as many decimals as that takes
    for text, limit in zip(lows, limits, strict=False):
        decimals = len(text.partition(".")[2])
        assert float(text.replace(",", "")) == pytest.approx(limit, abs=0.5 * 10 ** -decimals + 1e-9)
    assert classes.colours == style.ramp("number", len(classes.labels))


def test_the_legend_lists_every_layer_drawn(overview, demo_workspace):
    at = overview
    at.selectbox(key=colour_key("map_overview")).set_value("status").run()
    at.multiselect(key=LAYER_KEYS["pipelines"]).set_value(["water", "gas"]).run()
    at.multiselect(key=LAYER_KEYS["powerlines"]).set_value([10.0, 110.0]).run()
    assert not at.exception
    _, others = legend_rows(at)
    facilities = Workspace(demo_workspace).read("facilities")
    roads = Workspace(demo_workspace).read("roads")
    want = [*(f"道路（{labels.value('line_status', s, 'zh')}）" for s in style.codes("road_status")
              if s in set(roads["status"])),
            "给水管线", "燃气管线", "≤ 20 千伏 电力线", "35–110 千伏 电力线",
            *(f"{w}（设施）" for w, _ in style.legend("facility", "zh")
              if any(style.label("facility", k, "zh") == w for k in facilities["kind"]))]
    assert others == want
    assert len(want) == 3 + 4 + facilities["kind"].nunique()
    text = next(m.value for m in at.markdown if "landplan-legend" in m.value)
    for kind in set(facilities["kind"]):  # each marker's colour beside its words
        r, g, b = style.rgb("facility", kind)
        assert f"rgba({r},{g},{b},1.0)\"></span>{style.label('facility', kind, 'zh')}（设施）" in text
    spec = deck_spec(at)
    ids = [layer["id"] for layer in spec["layers"]]
    first_parcels = next(i for i, name in enumerate(ids) if name.startswith("parcels-"))
    assert ids.index("roads-built") < first_parcels < ids.index("pipes-water") < ids.index("facilities")
    # water and gas laid along the same roads are drawn apart: no segment drawn twice
    water, gas = ({tuple(r) for r in next(la for la in spec["layers"] if la["id"] == name)["data"]}
                  for name in ("pipes-water", "pipes-gas"))
    assert water and gas and not water & gas
    at.multiselect(key=LAYER_KEYS["pipelines"]).set_value([]).run()
    at.multiselect(key=LAYER_KEYS["powerlines"]).set_value([]).run()
    assert "选中地块" not in legend_rows(at)[1]
    at.session_state[SELECTED_KEY] = str(
        Workspace(demo_workspace).read("parcels")["parcel_id"].iloc[0])
    at.run()
    assert legend_rows(at)[1][-1] == "选中地块" and "parcel-selected" in {
        layer["id"] for layer in deck_spec(at)["layers"]}
    at.session_state[SELECTED_KEY] = None
    at.run()


def test_two_networks_on_one_centreline_are_drawn_apart():
    centre = shapely.LineString([(0, 500), (400, 500), (700, 800), (1000, 800)])
    bounds = (0.0, 0.0, 1000.0, 1000.0)
    keys = ["water", "gas", "telecom"]
    pipes = lpmap.line_records(keys, [centre] * 3,
                               offset_m={k: lpmap.network_offset_m(k, bounds) for k in keys})
    power = lpmap.line_records([110.0], [centre], offset_m={110.0: lpmap.network_offset_m("power", bounds)})
    roads = lpmap.road_records(pd.DataFrame({"status": ["built"], "grade": ["arterial"]}), [centre])
    classes = lpmap.classify(pd.DataFrame({"status": ["reserve"]}), "status")
    parcel = {"id": "P", "h": "—", "v": "x", "mu": 1.0, "p": [[0, 0], [300, 0], [300, 300], [0, 300]]}
    deck = lpmap.park_deck({0: [parcel]}, classes, bounds=bounds, road_groups=roads,
                           pipe_groups=pipes, power_groups=power)

    spec = json.loads(deck.to_json())  # as the browser gets it
    layers = {layer["id"]: layer for layer in spec["layers"]}
    ids = list(layers)
    assert ids.index("roads-built") < ids.index("parcels-0") < ids.index("pipes-water")
    px = lpmap.metres_per_px(bounds)
    where = {}
    for name, key in (("pipes-water", "water"), ("pipes-gas", "gas"), ("pipes-telecom", "telecom"),
                      ("power-110kV", "power")):
        rows = np.asarray(layers[name]["data"])
        dist = shapely.distance(shapely.points((rows[:, :2] + rows[:, 2:]) / 2), centre)
        assert dist.max() - dist.min() < 0.2, name  # parallel to the centreline, bends too
        first = rows[np.minimum(rows[:, 0], rows[:, 2]) < 300]  # the first, along y = 500: left is up
        where[name] = float(first[:, [1, 3]].mean()) - 500
        assert where[name] == pytest.approx(lpmap.network_offset_m(key, bounds), abs=0.1), name
    offsets = sorted(where.values())
    assert all(b - a >= style.network_spacing_px() * px - 0.2 for a, b in itertools.pairwise(offsets))
    # every type its own slot, the centreline left to a pipe of no known kind
    slots = [style.network_slot(k) for k in (*style.codes("pipe"), "power")]
    assert len(set(slots)) == len(slots) and 0 not in slots and style.network_slot("x") == 0


def test_style_doctests():
    import doctest

    assert doctest.testmod(style).failed == 0
    from landplan import breaks

    assert doctest.testmod(breaks).attempted > 0 and doctest.testmod(breaks).failed == 0
