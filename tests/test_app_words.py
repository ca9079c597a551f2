"""Issue 19's acceptance for the app: every page in the planner's words.

Every page is walked with AppTest, in Chinese and in English, on the demo park and on an
edited park (a parcel split and one updated through :mod:`landplan.edit`, the rules changed),
with the widgets that open more of a page used (a project screened, a parcel picked, a
parcel's history). Every text a person can read is collected: titles, Markdown (its HTML as
text), captions, alerts, metrics, table headers and cells, widget labels, options, helps and
placeholders, expander and tab labels, chart columns and the map's tooltips and rows.

- Chinese: no canonical code, rules key or enum value (:func:`wordcheck.codes_in`; parcel
  ids are data). A rules key may stand in small print (a Markdown code span), in a tooltip
  or in the rules-key column of a table, never in the text.
- English: no Chinese outside data values (holders, parcel names, enterprises, paths).
- Both: no ``None``/``nan``, no number with more than four decimals, no date with its time,
  no error.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import yaml
from mapspec import args_of, spec_of
from streamlit.testing.v1 import AppTest
from wordcheck import CJK, cjk_in, codes_in

from landplan import labels
from landplan.app.mapview import SELECTED_KEY
from landplan.app.pages import PAGES
from landplan.demo import DEMO_AS_OF
from landplan.edit import split_parcel, update_parcel
from landplan.labels import LANGS
from landplan.rules import load_rules, load_ruleset, rule_sources
from landplan.workspace import Workspace

APP = Path(__file__).resolve().parent.parent / "app.py"
#: Texts no reader should see.
_MISSING = re.compile(r"(?<![A-Za-z])(None|nan|NaN|NaT|null|<NA>)(?![A-Za-z])")
_LONG_DECIMAL = re.compile(r"\d\.\d{5,}")
_RAW_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")  # a date reads 2026-06-30
_CODE_SPAN = re.compile(r"`[^`]*`")


class _Text(HTMLParser):
    """The text of a Markdown element's HTML (and its aria-label, alt and title)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.parts += [v for k, v in attrs if k in ("aria-label", "alt", "title") and v]

    def handle_data(self, data):
        self.parts.append(data)


def _html_text(text: str) -> str:
    parser = _Text()
    parser.feed(text)
    return " ".join(parser.parts)


def _frame_texts(frame: pd.DataFrame, where: str) -> list[tuple[str, str]]:
    out = [(f"{where} header", str(c)) for c in frame.columns]
    for column in frame.columns:
        for value in frame[column]:
            if value is None or (isinstance(value, float) and value != value):
                out.append((f"{where} [{column}]", "None"))
            else:
                out.append((f"{where} [{column}]", str(value)))
    return out


def _deck_texts(spec: dict) -> list[tuple[str, str]]:
    out = []
    tooltip = spec.get("tooltip") or {}
    if isinstance(tooltip, dict):
        # its words; the {field} templates are the rows' values, read below
        out.append(("map tooltip", re.sub(r"\{\w+\}", " ", _html_text(tooltip.get("html", "")))))
    for layer in spec.get("layers", []):
        for row in layer.get("data", []) if isinstance(layer.get("data"), list) else []:
            if isinstance(row, dict):
                out += [(f"map {layer.get('id')} [{k}]", _html_text(str(v))) for k, v in row.items()
                        if k in ("h", "v", "mu", "name", "k")]
    return out


def visible_texts(at: AppTest) -> list[tuple[str, str]]:
    """``(where, text)`` of every text a person can read on the page AppTest holds."""
    out: list[tuple[str, str]] = []
    for node in at._tree:
        kind = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        if kind in ("title", "header", "subheader", "markdown", "caption", "text", "latex"):
            value = node.value
            out.append((kind, _html_text(value) if "<" in value else value))
        elif kind in ("error", "warning", "info", "success", "exception", "toast", "code"):
            out.append((kind, str(node.value)))
        elif kind == "metric":
            out += [("metric label", proto.label), ("metric value", proto.body),
                    ("metric help", proto.help)]
        elif kind in ("arrow_data_frame", "dataframe", "table", "arrow_table"):
            out += _frame_texts(node.value, kind)
        elif args_of(node) is not None:  # a map: its rows and tooltip
            out += _deck_texts(spec_of(args_of(node)))
        elif kind in ("arrow_vega_lite_chart", "vega_lite_chart"):  # its axes and their ticks
            for data in [proto.data, *(d.data for d in proto.datasets)]:
                if data.data:
                    out += _frame_texts(pa.ipc.open_stream(data.data).read_pandas(), "chart")
        elif kind in ("expander", "tab"):
            out.append((kind, node.label))
        elif proto is not None and hasattr(proto, "label"):  # a widget
            out.append((f"{kind} label", proto.label))
            for name in ("help", "placeholder"):
                if getattr(proto, name, ""):
                    out.append((f"{kind} {name}", getattr(proto, name)))
            if kind == "text_input" and isinstance(node.value, str):  # what the box holds
                out.append((f"{kind} value", node.value))
            for option in getattr(proto, "options", []) or []:
                out.append((f"{kind} option", str(option)))
    return [(w, t) for w, t in out if t]


# ------------------------------------------------------------------------------ the parks
@pytest.fixture(scope="module")
def edited_park(demo_workspace, tmp_path_factory) -> Path:
    """The demo park with a parcel split in two and another updated (both dated before the
    demo's evaluation date), and its rules changed (idle after two years, a yearly target,
    classes by score, the balanced design level)."""
    path = tmp_path_factory.mktemp("words") / "park"
    shutil.copytree(demo_workspace, path)
    ws = Workspace(path)
    parcels = ws.read("parcels")
    day = DEMO_AS_OF - dt.timedelta(days=30)
    ids = parcels["parcel_id"].astype(str).tolist()
    split_parcel(ws, ids[0], area_mu=float(parcels.to_crs(3857).area.iloc[0]) / 666.67 / 3,
                 date=day)
    update_parcel(ws, ids[1], {"holder": "新宏机械有限公司", "status": "halted"}, date=day)
    (path / "rules.yaml").write_text(yaml.safe_dump({
        "idle": {"idle_after_years": 2},
        "revitalization": {"target_mu_per_year": 300},
        "efficiency": {"classes": {"method": "score", "cutoffs": {"A": 80, "B": 60, "C": 40}}},
        "terrain": {"design_level": "balanced"},
    }, allow_unicode=True), encoding="utf-8")
    return path


def _data_values(path: Path) -> set[str]:
    """Texts of the park that are data (holders, names, enterprises), and its paths."""
    ws = Workspace(path)
    out = {str(path), str(path.resolve())}
    for layer in ("parcels", "ledger", "roads", "pipelines", "powerlines", "facilities"):
        if not ws.has(layer):
            continue
        frame = ws.read(layer)
        for name in frame.columns:
            if name == "geometry" or labels.kind_of(str(name)) is not None:
                continue
            if frame[name].dtype == object or pd.api.types.is_string_dtype(frame[name]):
                out.update(str(v) for v in frame[name].dropna() if CJK.search(str(v)))
    # texts the park typed in its rules file: where its land grade and provincial floor come
    # from (the economics page's inputs show them as their sources)
    economics = load_ruleset(path).economics
    out |= {str(v) for v in (economics.land_grade_source, economics.provincial_floor_source) if v}
    return out | set(LANGS.values())  # the language switch names each language in itself


# ------------------------------------------------------------------------------ the walk
def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def start(workspace: Path, lang: str, monkeypatch) -> AppTest:
    """The app on ``workspace`` in ``lang``, evaluated on the demo's date."""
    monkeypatch.setenv("LANDPLAN_WORKSPACE", str(workspace))
    monkeypatch.setattr(sys, "argv", [str(APP)])
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["lang"] = lang
    _run(at)
    at.date_input(key="as_of").set_value(DEMO_AS_OF)
    return _run(at)


def walk(workspace: Path, lang: str, monkeypatch) -> list[tuple[str, str, str]]:
    """``(page, where, text)`` of every page of the app on ``workspace`` in ``lang``."""
    at = start(workspace, lang, monkeypatch)
    ids = Workspace(workspace).read("parcels")["parcel_id"].astype(str).tolist()
    children = [i for i in ids if re.fullmatch(r".+-\d+", i)]  # a split's children
    pick = children[0] if children else ids[1]
    out: list[tuple[str, str, str]] = []
    for page, _icon in PAGES:
        at.switch_page(f"landplan/app/pages/{page}.py")
        if page == "parcel":
            at.session_state[SELECTED_KEY] = pick
        _run(at)
        if page == "siting":
            at.selectbox(key="siting_industry").set_value("34")
            next(b for b in at.button if b.proto.is_form_submitter).click()
            _run(at)
        if page == "lifecycle":
            at.selectbox(key="lifecycle_history_pick").set_value(pick)
            _run(at)
        out += [(page, where, text) for where, text in visible_texts(at)]
    return out


def _rules_keys(workspace: Path) -> frozenset[str]:
    """Every dotted key of the rules in force and of the defaults."""
    from wordcheck import _rule_keys

    return frozenset(rule_sources()) | frozenset(_rule_keys(load_rules(workspace)))


def problems(texts, lang: str, *, ids: set[str], data: set[str], keys: frozenset[str]) -> list[str]:
    """What a reader of ``lang`` must not find in ``texts``: a rules key may stand in small
    print (a code span), in a tooltip or in the rules-key column of a table only."""
    key_column = f"[{labels.t('app.details.rule', lang)}]"
    found: dict[tuple[str, str], tuple[set, str]] = {}
    for page, where, text in texts:
        small = where.endswith((" help", key_column)) or where.startswith("map tooltip")
        plain = _CODE_SPAN.sub(" ", text)  # a rules key in small print (a code span)
        if lang == "zh":
            bad = codes_in(plain, allowed=ids | (keys if small else frozenset()))
            bad += [k for k in _CODE_SPAN.findall(text) if k.strip("`") not in keys
                    and codes_in(k.strip("`"), allowed=ids)]
        else:
            bad = cjk_in(text, data=data)
        bad += _MISSING.findall(plain) + _RAW_TIME.findall(plain)
        if where != "text_input value":  # a rule's exact value stays exact where it is edited
            bad += _LONG_DECIMAL.findall(plain)
        if where in ("error", "exception"):  # a walk of a sound park shows no error
            bad.append(where)
        if bad:
            seen = found.setdefault((page, where), (set(), text[:160]))
            seen[0].update(bad)
    return [f"{page} · {where}: {sorted(bad)} e.g. in {text!r}"
            for (page, where), (bad, text) in found.items()]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("park", ["demo", "edited"])
def test_every_page_reads_in_the_planners_words(park, lang, demo_workspace, request, monkeypatch):
    workspace = demo_workspace if park == "demo" else request.getfixturevalue("edited_park")
    ids = set(Workspace(workspace).read("parcels")["parcel_id"].astype(str))
    texts = walk(workspace, lang, monkeypatch)
    assert {p for p, _, _ in texts} == {name for name, _ in PAGES}
    shown = {text for _, _, text in texts}
    if park == "edited":  # the walk saw the split in the history and the changed rules
        assert labels.value("change_kind", "split", lang) in shown
        assert any(labels.t("app.idle.target_of", lang, target=300) in text for text in shown)
    found = problems(texts, lang, ids=ids, data=_data_values(workspace), keys=_rules_keys(workspace))
    if lang == "zh":  # the coordinate system in Chinese words, not pyproj's English name
        crs_name = Workspace(workspace).read("parcels").crs.name
        found += [f"{page} · {where}: {crs_name!r}" for page, where, text in texts if crs_name in text]
    assert not found, f"{len(found)} places:\n" + "\n".join(found)


def rules_leaves(tree: dict, prefix: str = ""):
    """Every dotted key of a rules tree, sections included."""
    for key, value in tree.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        yield path
        if isinstance(value, dict):
            yield from rules_leaves(value, path)


def test_every_rules_key_has_words_in_both_languages(edited_park):
    """Every key of the shipped rules and of an edited park's (its own industry codes and
    editions through the catalogue's patterns) has a label and a help in Chinese and in
    English: no code in the Chinese, no Chinese in the English, the source in the help."""
    from landplan.labels import rulekeys

    keys = set(rules_leaves(load_rules())) | set(rules_leaves(load_rules(edited_park))) | {
        "compliance.thresholds.39.floor_area_ratio_max", "compliance.editions.2030.26.green_ratio_pct_min",
        "screening.by_industry.39.tax_per_mu_wan", "efficiency.missing.tax_per_mu_wan"}
    allowed = frozenset(keys)
    for key in sorted(keys):
        for text in (rulekeys.label(key, "zh"), rulekeys.help_text(key, "zh")):
            assert not codes_in(text, allowed=allowed), (key, text)
        for text in (rulekeys.label(key, "en"), rulekeys.help_text(key, "en")):
            assert not CJK.search(text), (key, text)
    assert rulekeys.label("compliance.thresholds.39.floor_area_ratio_max", "zh") == "容积率上限（行业 39）"
    assert rulekeys.label("efficiency.missing.tax_per_mu_wan", "en").startswith("scoring a missing figure of tax per mu")
    assert "来源" in rulekeys.help_text("idle.fee_rate", "zh") and "Art. 14(1)" in rulekeys.help_text("idle.fee_rate", "en")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_code_reads_the_same_on_the_page_and_in_the_download(lang, demo_workspace, monkeypatch):
    """The idle table of the page and the evaluation CSV the data page offers (a table for
    people) read every coded value of a parcel alike: 闲置状态, 闲置认定程序, 处置方式."""
    from landplan.app.data import evaluation, rules_text, workspace_stamp
    from landplan.app.transfer import evaluation_download

    at = start(demo_workspace, lang, monkeypatch)
    at.switch_page("landplan/app/pages/idle.py")
    _run(at)
    page = next(d.value for d in at.dataframe if labels.column("idle_disposal", lang) in d.value.columns)
    path = str(demo_workspace.resolve())
    table = evaluation(path, workspace_stamp(path), DEMO_AS_OF, None, rules_text(path))
    csv = pd.read_csv(io.BytesIO(evaluation_download(table, ".csv", load_rules(demo_workspace), lang)),
                      encoding="utf-8-sig", dtype=str, keep_default_na=False)
    key = labels.column("parcel_id", lang)
    joined = page.merge(csv, on=key, suffixes=("", " (csv)"))
    assert len(joined) == len(page) > 0
    for column in ("idle_status", "idle_stage", "idle_disposal"):
        header = labels.column(column, lang)
        shown = joined[header].replace("—", "")
        assert shown.tolist() == joined[f"{header} (csv)"].replace("—", "").tolist(), column
