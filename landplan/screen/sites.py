"""The sites of a screening: conflicts, land-use grade, neighbours and the ranking.

:func:`parcel_conflicts` finds the parcels that cannot be offered (overlaps, roads through
them, power-line protection zones, flag columns); :func:`land_grade` and :func:`land_use_fit`
check that a parcel's land use is of the industrial grade the project's industry needs;
:func:`rank_sites` scores the fitting supplyable parcels with ``screening.score_weights`` and
explains each score weight by weight. The choices are documented in :mod:`landplan.screen`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import labels
from ..compliance import _provenance
from ..coverage import NETWORK_TYPES, zone_lines, zone_pairs, zone_texts
from ..economics import EconomicsInputs
from ..errors import ParameterError, shown
from ..geometry import to_metric
from ..labels import text as words
from ..rules import rule_source
from ..ruleset import RuleSet, as_ruleset
from ..schema import _parse_land_use
from ..tables import join as _join
from ..tables import num as _num
from ..tables import text as _text
from .checks import _screening, _with_flag
from .payback import PAYBACK_COLUMNS, economics_for, site_payback, unused_reason
from .project import Project, _fail, _is_blank

#: Score components, in order (rules ``screening.score_weights``; words ``val.screen_component.*``,
#: meanings ``screen.meaning.*``).
_COMPONENTS: tuple[str, ...] = ("area_fit", "utilities", "extension_cost", "earthworks", "contiguity", "payback")

_TRUE_WORDS = ("true", "1", "1.0", "是", "y", "yes", "有", "√")  # a flag column's "yes" (as schema booleans)
_TOUCH_M = 0.01  # parcels closer than this share a boundary (numerical precision, not a rule)
# --------------------------------------------------------------------------------------------
# conflicts
# --------------------------------------------------------------------------------------------

def _metric_geoms(frame: gpd.GeoDataFrame, crs) -> np.ndarray:
    geo = frame.geometry
    if crs is not None and geo.crs is not None and not geo.crs.equals(crs):
        geo = geo.to_crs(crs)
    return np.asarray(geo.array, dtype=object)


def _m2(x: float, lang: str) -> str:
    """An overlap in m² (:func:`landplan.labels.fmt`); one below 1 m² keeps two decimals, not "0"."""
    return labels.fmt(x, "m2", lang, digits=2 if abs(x) < 1 else None)


def _pair_text(index: pd.Index, rows: np.ndarray, texts: pd.Series, lang: str) -> pd.Series:
    """Texts of pairs (row position -> text) joined per row, in a stable order."""
    if not len(rows):
        return pd.Series("", index=index, dtype=object)
    frame = pd.DataFrame({"row": rows, "text": texts.to_numpy()}).drop_duplicates()
    joined = frame.sort_values(["row", "text"], kind="mergesort").groupby("row")["text"].agg(words.sep("clause", lang).join)
    out = pd.Series("", index=range(len(index)), dtype=object)
    out[joined.index] = joined.to_numpy()
    return out.set_axis(index)


def parcel_conflicts(parcels: gpd.GeoDataFrame, rules: RuleSet | Mapping, *, roads: gpd.GeoDataFrame | None = None,
                     powerlines: gpd.GeoDataFrame | None = None,
                     subset: pd.Series | np.ndarray | None = None) -> pd.DataFrame:
    """Why each parcel (of ``subset``) cannot be offered to a project (rules ``screening.conflicts``).

    Parameters
    ----------
    parcels : GeoDataFrame
        Every parcel of the park (overlaps are sought among all of them), ``parcel_id``.
    rules : RuleSet or dict (a dict is deprecated)
        Rules in force.
    roads, powerlines : GeoDataFrame, optional
        Network layers (``status``; ``voltage_kv``).
    subset : boolean array, optional
        The parcels to check (default all).

    Returns
    -------
    DataFrame
        Same index as ``parcels``: ``conflict`` (bool), ``conflicts`` (codes joined with ``,``:
        overlap, road, powerline, flag) and ``conflict_zh`` / ``conflict_en`` (the details: for a
        power line its voltage, distance, zone width and source).
    """
    rules = as_ruleset(rules)
    spec = _screening(rules).conflicts
    n = len(parcels)
    idx = parcels.index
    check = np.ones(n, dtype=bool) if subset is None else np.asarray(subset, dtype=bool)
    metric = to_metric(parcels.geometry) if n else parcels.geometry
    geoms = np.asarray(metric.array, dtype=object)
    ids = parcels["parcel_id"].astype(str).to_numpy()
    rows_zh: list[tuple[np.ndarray, pd.Series]] = []
    rows_en: list[tuple[np.ndarray, pd.Series]] = []
    codes: dict[str, np.ndarray] = {}
    where = np.flatnonzero(check & ~shapely.is_missing(geoms))
    if len(where):
        tree = shapely.STRtree(geoms)
        # overlaps with any other parcel
        a, b = tree.query(geoms[where], predicate="intersects")
        a = where[a]
        keep = a != b
        a, b = a[keep], b[keep]
        area = shapely.area(shapely.intersection(geoms[a], geoms[b])) if len(a) else np.zeros(0)
        hit = area > float(spec.overlap_min_m2 or 0.0)
        a, b, area = a[hit], b[hit], area[hit]
        codes["overlap"] = np.isin(np.arange(n), a)
        for lang, rows in (("zh", rows_zh), ("en", rows_en)):
            rows.append((a, pd.Series([labels.t("screen.conflict.overlap", lang, other=p, area=_m2(x, lang))
                                       for p, x in zip(ids[b], area, strict=True)], dtype=object)))

        def crossing(lines: gpd.GeoDataFrame, label, code: str) -> None:
            lg = _metric_geoms(lines, metric.crs)
            ok = ~shapely.is_missing(lg)
            lines, lg = lines[ok], lg[ok]
            if not len(lg):
                codes[code] = np.zeros(n, dtype=bool)
                return
            ltree = shapely.STRtree(lg)
            pi, li = ltree.query(geoms[where], predicate="intersects")
            pi = where[pi]
            inside = shapely.length(shapely.intersection(lg[li], geoms[pi])) - shapely.length(
                shapely.intersection(lg[li], shapely.boundary(geoms[pi])))
            sel = inside > _TOUCH_M
            pi, li = pi[sel], li[sel]
            codes[code] = np.isin(np.arange(n), pi)
            rows_zh.append((pi, pd.Series([label(lines.iloc[j], "zh") for j in li], dtype=object)))
            rows_en.append((pi, pd.Series([label(lines.iloc[j], "en") for j in li], dtype=object)))

        statuses = set(spec.road_statuses)
        if roads is not None and len(roads) and statuses:
            status = _text(roads, "status").replace("", "built")
            sel_roads = roads[status.isin(statuses).to_numpy()]

            def road_label(row, lang):
                rid = row.get("road_id") or row.get("name") or "?"
                st = row.get("status") if isinstance(row.get("status"), str) and row.get("status") else "built"
                return labels.t("screen.conflict.road", lang, status=labels.value("line_status", st, lang), road=rid)

            crossing(sel_roads, road_label, "road")
        kv = spec.powerline_min_kv
        if powerlines is not None and len(powerlines) and kv is not None:
            # the protection zones of the power lines (电力设施保护条例 Art. 10)
            corridor = spec.powerline_corridor_m
            zones = zone_lines(powerlines, rules, crs=metric.crs, min_kv=float(kv),
                               statuses=tuple(spec.powerline_statuses))
            pi, li, d = zone_pairs(geoms[where], zones, corridor_m=corridor)
            pi = where[pi]
            zh, en = zone_texts(li, d, zones, corridor_m=corridor)
            codes["powerline"] = np.isin(np.arange(n), pi)
            rows_zh.append((pi, pd.Series(zh, dtype=object)))
            rows_en.append((pi, pd.Series(en, dtype=object)))
    flag = np.zeros(n, dtype=bool)
    for column in spec.flag_columns:
        if column not in parcels.columns:
            continue
        said = _text(parcels, column).str.strip().str.lower()
        truthy = said.isin(_TRUE_WORDS).to_numpy(dtype=bool) & check
        flag |= truthy
        for lang, rows in (("zh", rows_zh), ("en", rows_en)):
            text = labels.t("screen.conflict.flag", lang, column=labels.column(column, lang))
            rows.append((np.flatnonzero(truthy), pd.Series(text, index=range(int(truthy.sum())), dtype=object)))
    codes["flag"] = flag
    pos = pd.RangeIndex(n)

    def joined(parts: list[tuple[np.ndarray, pd.Series]], lang: str) -> pd.Series:
        rows = np.concatenate([r for r, _ in parts]) if parts else np.zeros(0, dtype=int)
        texts = pd.concat([t.reset_index(drop=True) for _, t in parts], ignore_index=True) if parts else pd.Series([], dtype=object)
        return _pair_text(pos, rows.astype(int), texts, lang)

    order = ("overlap", "road", "powerline", "flag")
    code_text = pd.Series("", index=pos, dtype=object)
    for code in order:
        mask = codes.get(code, np.zeros(n, dtype=bool))
        code_text = code_text + pd.Series(np.where(mask & (code_text != ""), ",", ""), index=pos) \
            + pd.Series(np.where(mask, code, ""), index=pos)
    any_conflict = (code_text != "").to_numpy()
    return pd.DataFrame({"conflict": any_conflict, "conflicts": code_text.to_numpy(),
                         "conflict_zh": joined(rows_zh, "zh").to_numpy(),
                         "conflict_en": joined(rows_en, "en").to_numpy()}, index=idx)


# --------------------------------------------------------------------------------------------
# land-use grade
# --------------------------------------------------------------------------------------------

#: Grades of the industrial-land codes of the 2023 用地用海分类 (shared/domain/land-use-codes.md §1):
#: 一类 100101, 二类 100102, 三类 100103; ``1001`` is industrial land without a grade.
LAND_GRADES: dict[str, int] = {"100101": 1, "100102": 2, "100103": 3}
_UNGRADED = "1001"


def land_grade(project: Project, rules: RuleSet | Mapping) -> tuple[int | None, str]:
    """The industrial-land grade the project's industry needs (``screening.land_grade``) and the
    rules key it comes from; None when neither its industry nor ``default`` has one."""
    spec = _screening(rules).land_grade
    for key, value in spec.by_industry.items():
        if str(key).zfill(2) == project.industry_code:
            return (None if value is None else int(value)), f"screening.land_grade.by_industry.{key}"
    default = spec.default
    return (None if default is None else int(default)), "screening.land_grade.default"


def _grade_name(grade: int, lang: str) -> str:
    """The name of an industrial-land grade: the catalogue's name of its land-use code."""
    return labels.value("land_use", next(c for c, g in LAND_GRADES.items() if g == grade), lang)


def grade_need(grade: int, lang: str = "zh") -> str:
    """What a grade needs, in words: "二类工业用地或更高等级" (grade 1 takes ungraded industrial
    land 1001 too)."""
    name = _grade_name(grade, lang)
    if grade == max(LAND_GRADES.values()):
        return labels.t("screen.grade.only", lang, grade=name)
    if grade == 1:
        return labels.t("screen.grade.or_higher_ungraded", lang, grade=name,
                        industrial=labels.value("land_use", _UNGRADED, lang))
    return labels.t("screen.grade.or_higher", lang, grade=name)


def grade_source(key: str, rules: RuleSet | Mapping, lang: str = "zh") -> str:
    """Where the land grade of rules key ``key`` comes from, in ``lang`` ("来源：GBJ 137-90 …")."""
    _key, unconfirmed, overridden = _provenance(rules, tuple(key.split(".")))
    if overridden:
        text = labels.t("src.local_rules", lang)
    elif rule_source(key).removeprefix("source:").strip().startswith("GBJ 137-90"):
        text = labels.t("screen.source.land_grade", lang)
    else:
        text = labels.t("screen.source.land_grade_judgement", lang)
    return labels.t("screen.source.label", lang, source=_with_flag(text, unconfirmed, lang))


def _land_use_words(code: str, lang: str) -> str:
    """A parcel's land use as the grade test reads it."""
    if not code:
        return labels.t("screen.grade.empty", lang)
    if code in LAND_GRADES:
        return labels.value("land_use", code, lang)
    if code == _UNGRADED:
        return labels.t("screen.grade.ungraded", lang, use=labels.value("land_use", code, lang))
    return labels.t("screen.grade.not_industrial", lang, use=labels.value("land_use", code, lang))


def land_use_fit(land_use: pd.Series, project: Project, rules: RuleSet | Mapping) -> tuple[np.ndarray, pd.Series, pd.Series]:
    """Whether each parcel's land use takes the project's industry, and why not (zh, en).

    A parcel fits when the grade of its ``land_use`` is at least the grade the industry needs
    (:func:`land_grade`; 一类 land takes no 二/三类 plant, 二类 land no 三类 plant, a lower-grade
    plant may go on higher-grade land: 工业用地规划导则 3.1.9, land-economics.md §5.2); ungraded
    industrial land (1001) fits grade 1 only; any other or an empty land use fits no grade.
    Every parcel fits when the industry has no grade.
    """
    index = land_use.index
    grade, key = land_grade(project, rules)
    if grade is None:
        return np.ones(len(index), dtype=bool), pd.Series("", index=index), pd.Series("", index=index)
    code = land_use.map(lambda v: "" if _is_blank(v) else _parse_land_use(v)).astype(object)
    have = code.map(LAND_GRADES)
    ok = (have >= grade).fillna(False).to_numpy(dtype=bool) | ((code == _UNGRADED).to_numpy() & (grade == 1))
    out = []
    for lang in ("zh", "en"):
        fixed = {"industry": labels.value("industry_code", project.industry_code, lang),
                 "need": grade_need(grade, lang), "source": grade_source(key, rules, lang)}
        text = {c: labels.t("screen.grade.mismatch", lang, have=_land_use_words(c, lang), **fixed)
                for c in code[~ok].unique()}
        out.append(code.map(text).where(~ok, "").fillna("").astype(object))
    return ok, out[0], out[1]


# --------------------------------------------------------------------------------------------
# neighbours
# --------------------------------------------------------------------------------------------

def _neighbours(project: Project, parcels: pd.DataFrame, ledger: pd.DataFrame | None,
                supplyable: Iterable[str]) -> pd.DataFrame:
    """The neighbour parcels of the project, by parcel_id: ``label`` (the name that matched, or
    the parcel's holder for a parcel of a related industry) and ``industry`` (the related
    industry's 2-digit code that brought the parcel in, else "")."""
    ids = parcels["parcel_id"].astype(str)
    holder = _text(parcels, "holder").str.strip()
    pname = _text(parcels, "parcel_name").str.strip()
    out: dict[str, tuple[str, str]] = {}
    ent = pd.DataFrame(columns=["parcel_id", "enterprise_id", "name"])
    if ledger is not None and len(ledger):
        ent = pd.DataFrame({"parcel_id": _text(ledger, "parcel_id"),
                            "enterprise_id": _text(ledger, "enterprise_id").str.strip(),
                            "name": _text(ledger, "name").str.strip()})
    for item in project.neighbours:
        hit = set(ids[(ids == item) | (holder == item) | (pname == item)])
        hit |= set(ent.loc[(ent["enterprise_id"] == item) | (ent["name"] == item), "parcel_id"])
        hit &= set(ids)
        if not hit:
            raise _fail(project.source, project.field_name("neighbours"),
                        f"{shown(item)} is no parcel id, holder, parcel name or ledger enterprise of the workspace")
        for pid in hit:
            out.setdefault(pid, (item, ""))
    if project.related_industries:
        code = _text(parcels, "industry_code").str.extract(r"^[A-Za-z]?(\d{2})", expand=False).fillna("")
        status = _text(parcels, "status")
        sel = code.isin(project.related_industries) & ~status.isin(list(supplyable))
        for pid, c, h in zip(ids[sel], code[sel], holder[sel], strict=True):
            out.setdefault(pid, (h, c))
    return pd.DataFrame.from_dict(out, orient="index", columns=["label", "industry"], dtype=object).sort_index()


# --------------------------------------------------------------------------------------------
# ranking
# --------------------------------------------------------------------------------------------

def _relative_low(x: pd.Series) -> pd.Series:
    """1 − x / max(x) over the candidates (lower x is better); 1 when the max is 0; NaN → 0."""
    top = float(x.max()) if x.notna().any() else float("nan")
    if not math.isfinite(top):
        return pd.Series(0.0, index=x.index)
    comp = (1.0 - x / top) if top > 0 else pd.Series(1.0, index=x.index)
    return comp.where(x.notna(), 0.0).clip(0.0, 1.0)


def _coded(column: str, values: Any, lang: str) -> np.ndarray:
    """The values of a coded evaluation column (``readiness`` …) as the catalogue labels them;
    as they are when the catalogue has no kind for the column (the rules' own names)."""
    kind = labels.kind_of(column)
    return words.values(kind, values, lang) if kind else np.asarray(values, dtype=object)


def _signed(values: pd.Series, unit: str, lang: str) -> np.ndarray:
    """Numbers with their sign (``+2.3``, ``-9.1``)."""
    text = words.numbers(values, unit, lang)
    plus = (values.to_numpy(dtype=float) > 0) & ~np.isin(text, ["0", "0.0", "0.00"])
    return np.where(plus, "+" + text.astype(str), text).astype(object)


def _unused_components(project: Project, earth_known: bool, neighbours: bool,
                       weights: Mapping[str, Any], payback: str = "") -> dict[str, str]:
    """Components not used in the score → why (``val.screen_unused.*``); ``payback`` is why
    the payback cannot be formed (:func:`landplan.screen.payback.unused_reason`)."""
    why = {"utilities": "no_needs" if not project.needs else "",
           "extension_cost": "no_network_needs" if not [t for t in project.needs if t != "leveled"] else "",
           "earthworks": "" if earth_known else "no_dem",
           "contiguity": "" if neighbours else "no_neighbours",
           "payback": payback}
    out = {k: why.get(k, "") for k in _COMPONENTS if why.get(k)}
    for k in _COMPONENTS:
        if not weights.get(k) and k not in out:
            out[k] = "zero_weight"
    return out


def _explanations(lang: str, *, rank: pd.Series, pid: pd.Series, area: pd.Series, need_mu: float,
                  diff_pct: pd.Series, readiness: pd.Series, project: Project, needs_missing: pd.Series,
                  cost: pd.Series, earth_known: bool, sel: pd.DataFrame, lev: pd.Series, neighbours: bool,
                  dist: pd.Series, label: pd.Series, industry: pd.Series, nearest: pd.Series,
                  raw: Mapping[str, pd.Series], weights: Mapping[str, float], unused: Mapping[str, str],
                  score: pd.Series) -> np.ndarray:
    """The explanation of every ranked site in ``lang``, in words and weight by weight."""
    def t(key: str, **fields: Any) -> str:
        return labels.t(key, lang, **fields)

    n = len(rank)
    if project.needs:
        lack = words.fill("screen.expl.needs_lack", lang, missing=words.value_lists("network_type", needs_missing, lang))
        utilities = np.where(needs_missing.to_numpy() == "", t("screen.expl.needs_met"), lack)
        if [x for x in project.needs if x != "leveled"]:
            utilities = words.fill("screen.expl.ext_cost", lang, utilities=utilities,
                                   cost=words.numbers(cost, "wan", lang))
    else:
        utilities = np.full(n, t("screen.expl.no_needs"), dtype=object)
    done, unknown = lev.fillna(False).to_numpy(dtype=bool), lev.isna().to_numpy()
    if earth_known:
        leveled = np.where(done, t("screen.expl.leveled"), np.where(unknown, "", t("screen.expl.not_leveled")))
        earth = words.fill("screen.expl.earth", lang, cut=words.numbers(_num(sel, "cut_m3"), "m3", lang),
                           fill=words.numbers(_num(sel, "fill_m3"), "m3", lang),
                           relief=words.numbers(_num(sel, "relief_m"), "m", lang), leveled=leveled)
    else:
        earth = np.where(done, t("screen.expl.no_dem_leveled"),
                         np.where(unknown, t("screen.expl.no_dem"), t("screen.expl.no_dem_not_leveled")))
    if neighbours:
        name = np.where(label.to_numpy() != "", label.to_numpy(),
                        words.fill("screen.expl.industry", lang, industry=words.values("industry_code", industry, lang)))
        near = np.where(dist.isna(), t("screen.expl.no_neighbour"),
                        np.where(dist.to_numpy() == 0, words.fill("screen.expl.adjacent", lang, name=name, pid=nearest),
                                 words.fill("screen.expl.distance", lang, name=name, pid=nearest,
                                            dist=words.numbers(dist, "m", lang))))
        near = words.fill("screen.expl.near", lang, text=near)
    else:
        near = np.full(n, "", dtype=object)
    terms: list[Any] = []
    for k, w in weights.items():
        terms += [" + "] if terms else []
        terms.append(words.fill("screen.expl.term", lang, name=labels.value("screen_component", k, lang),
                                weight=f"{w:g}", value=words.numbers(raw[k], "ratio", lang)))
    formula = words.fill("screen.expl.formula", lang, terms=words.concat(*terms, np.full(n, "", dtype=object)),
                         total=f"{sum(weights.values()):g}", score=words.numbers(score, "score", lang))
    skipped = [k for k, why in unused.items() if why != "zero_weight"]
    if skipped:
        items = words.sep("list", lang).join(
            t("screen.expl.not_used_item", name=labels.value("screen_component", k, lang),
              why=labels.value("screen_unused", unused[k], lang)) for k in skipped)
        formula = words.fill("screen.expl.not_used", lang, formula=formula, items=items)
    return np.asarray(words.fill("screen.expl.sentence", lang, rank=rank.astype(str).to_numpy(), pid=pid.to_numpy(),
                                 area=words.numbers(area, "mu", lang), need=labels.fmt(need_mu, "mu", lang),
                                 diff=_signed(diff_pct, "pct", lang), readiness=_coded("readiness", readiness, lang),
                                 utilities=utilities, earth=earth, near=near, formula=formula), dtype=object)


#: The columns of the ranked sites (canonical names, for scripts), in order; ``<t>`` runs over
#: the network types. :func:`tables_for` gives them to people.
SITE_COLUMNS: tuple[str, ...] = (
    "rank", "parcel_id", "area_mu", "area_m2", "need_mu", "area_diff_pct", "readiness", "missing",
    "needs_missing", "ext_cost_wan", *(f"{k}_{t}{u}" for t in NETWORK_TYPES
                                       for k, u in (("has", ""), ("ext", "_m"), ("ext", "_cost_wan"))),
    "cut_m3", "fill_m3", "relief_m", "leveled", "neighbour_distance_m", "neighbour_adjacent",
    "neighbour_nearest", "neighbour_label", "neighbour_industry", *PAYBACK_COLUMNS, *(f"c_{k}" for k in _COMPONENTS),
    "score", "explanation_zh", "explanation_en")


def rank_sites(table: gpd.GeoDataFrame, project: Project, rules: RuleSet | Mapping, *, need_mu: float,
               roads: gpd.GeoDataFrame | None = None, powerlines: gpd.GeoDataFrame | None = None,
               ledger: pd.DataFrame | None = None, payback_weight: float | None = None,
               economics: EconomicsInputs | None = None,
               zones: gpd.GeoDataFrame | None = None) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Rank the supplyable parcels that fit a project (see the module docstring for the score).

    Parameters
    ----------
    table : GeoDataFrame
        The evaluation table (:func:`landplan.evaluate.evaluate`), one row per parcel: status,
        area_mu, area_m2, the coverage and terrain columns.
    project : Project
    rules : RuleSet or dict (a dict is deprecated)
        Rules in force (``screening``).
    need_mu : float
        The land need in mu.
    roads, powerlines : GeoDataFrame, optional
        For the conflicts.
    ledger : DataFrame, optional
        The enterprise ledger (neighbours named by enterprise).
    payback_weight : float, optional
        Weight of the ``payback`` component (the project's payback on the site,
        :mod:`landplan.screen.payback`); default ``screening.score_weights.payback`` when the
        rules have it, else 0: the ranking is the one without it.
    economics : EconomicsInputs, optional
        The land-economics inputs; default those of the rules
        (:func:`landplan.screen.payback.economics_for`), none when they are incomplete.
    zones : GeoDataFrame, optional
        The acquisition zones (:func:`landplan.economics_workspace.read_acquisition_zones`): a site's
        acquisition price is its zone's when it has none of its own.

    Returns
    -------
    (sites, excluded)
        ``sites``: the ranked parcels (:data:`SITE_COLUMNS` and the geometry), best first,
        ties by parcel_id: rank, parcel_id, area, need, readiness, missing and needs_missing
        (network-type codes joined with ``,``), ext_<t>_m / ext_<t>_cost_wan, ext_cost_wan,
        cut_m3, fill_m3, relief_m, leveled, neighbour columns (``neighbour_label`` the name
        that matched, ``neighbour_industry`` the related industry that brought the neighbour
        in), the payback columns (:data:`landplan.screen.payback.PAYBACK_COLUMNS`: cost,
        price, net outlay and tax per mu, ``payback_years`` …), c_<component> (0–1), score
        and explanation_zh / explanation_en (for people).
        ``excluded``: the supplyable parcels left out, with reason_code (``conflict`` /
        ``land_use`` / ``area``, the first that applies) and reason_zh / reason_en.
    """
    if economics is None:
        economics = economics_for(rules, table)[0]
    sites, excluded, _weights, _unused = _rank(table, project, rules, need_mu=need_mu, roads=roads,
                                               powerlines=powerlines, ledger=ledger,
                                               payback_weight=payback_weight, economics=economics, zones=zones)
    return sites, excluded


def _payback_weight(given: float | None, weights: Mapping[str, Any]) -> float:
    """The weight of the payback component: ``given``, else the rules' (when they have one), else 0."""
    w = weights.get("payback") if given is None else given
    if w is None:
        return 0.0
    if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w) or w < 0:
        raise ParameterError("payback_weight", w, "give a weight ≥ 0 (0: the ranking without the payback)")
    return float(w)


def _rank(table: gpd.GeoDataFrame, project: Project, rules: RuleSet | Mapping, *, need_mu: float,
          roads: gpd.GeoDataFrame | None, powerlines: gpd.GeoDataFrame | None,
          ledger: pd.DataFrame | None, payback_weight: float | None = None,
          economics: EconomicsInputs | None = None, zones: gpd.GeoDataFrame | None = None
          ) -> tuple[gpd.GeoDataFrame, pd.DataFrame, dict[str, float], dict[str, str]]:
    """:func:`rank_sites`, with the weights used and the components left out (→ why)."""
    rules = as_ruleset(rules)
    spec = _screening(rules)
    all_weights = {**spec.score_weights, "payback": _payback_weight(payback_weight, spec.score_weights)}
    table = table.reset_index(drop=True)
    statuses = [str(s) for s in spec.supplyable_statuses]
    status = _text(table, "status")
    supply = status.isin(statuses).to_numpy()
    conflicts = parcel_conflicts(table, rules, roads=roads, powerlines=powerlines, subset=supply)
    area = _num(table, "area_mu")
    tol = float(spec.area_tolerance_pct) / 100.0
    diff = (area - need_mu) / need_mu
    fits = (diff.abs() <= tol + 1e-9).to_numpy()
    conflict = conflicts["conflict"].to_numpy()
    use_ok, use_zh, use_en = land_use_fit(table["land_use"] if "land_use" in table.columns
                                          else pd.Series("", index=table.index), project, rules)
    chosen = supply & ~conflict & use_ok & fits
    # excluded supplyable parcels: a conflict first, then the land use, then the area
    ex_mask = supply & ~chosen
    ex = table.loc[ex_mask, ["parcel_id"]].copy()
    ex["area_mu"] = area[ex_mask]
    why = [conflict[ex_mask], ~use_ok[ex_mask]]
    ex["reason_code"] = np.select(why, ["conflict", "land_use"], "area")
    lo, hi = need_mu * (1 - tol), need_mu * (1 + tol)
    for lang, use in (("zh", use_zh), ("en", use_en)):
        ex[f"reason_{lang}"] = np.select(why, [
            words.fill("screen.excluded.conflict", lang, detail=conflicts.loc[ex_mask, f"conflict_{lang}"].to_numpy()),
            words.fill("screen.excluded.land_use", lang, detail=use[ex_mask].to_numpy())],
            words.fill("screen.excluded.area", lang, area=words.numbers(area[ex_mask], "mu", lang),
                       lo=labels.fmt(lo, "mu", lang), hi=labels.fmt(hi, "mu", lang))).astype(object)
    ex = ex.sort_values("parcel_id", kind="mergesort").reset_index(drop=True)

    sel = table[chosen].copy()
    idx = sel.index
    needs_net = [t for t in project.needs if t != "leveled"]
    has = {t: sel[f"has_{t}"].astype("boolean").fillna(False).astype(bool) if f"has_{t}" in sel
           else pd.Series(False, index=idx) for t in NETWORK_TYPES}
    has["leveled"] = sel["leveled"].astype("boolean").fillna(False).astype(bool) if "leveled" in sel \
        else pd.Series(False, index=idx)
    needs_missing = _join([pd.Series(np.where(~has[t], t, ""), index=idx) for t in project.needs], idx, ",")
    cost = pd.Series(0.0, index=idx)
    cost_known = pd.Series(True, index=idx)
    for t in needs_net:
        c = _num(sel, f"ext_{t}_cost_wan")
        cost = cost + c.fillna(0.0)
        cost_known &= c.notna()
    cost = cost.where(cost_known)
    earth = _num(sel, "cut_m3") + _num(sel, "fill_m3")

    # neighbours
    neigh = _neighbours(project, table, ledger, statuses)
    dist = pd.Series(np.nan, index=idx)
    nearest = pd.Series("", index=idx, dtype=object)
    label = pd.Series("", index=idx, dtype=object)
    industry = pd.Series("", index=idx, dtype=object)
    if len(neigh) and len(sel):
        metric = to_metric(table.geometry)
        all_geoms = np.asarray(metric.array, dtype=object)
        npos = np.flatnonzero(table["parcel_id"].astype(str).isin(neigh.index).to_numpy())
        tree = shapely.STRtree(all_geoms[npos])
        cand = all_geoms[idx.to_numpy()]
        (qi, ti), d = tree.query_nearest(cand, return_distance=True, exclusive=True, all_matches=True)
        if len(qi):
            pairs = pd.DataFrame({"q": qi, "pid": table["parcel_id"].astype(str).to_numpy()[npos[ti]], "d": d})
            pairs = pairs.sort_values(["q", "d", "pid"], kind="mergesort").drop_duplicates("q")
            at = pairs["q"].to_numpy()
            dist.iloc[at] = np.where(pairs["d"].to_numpy() < _TOUCH_M, 0.0, pairs["d"].to_numpy())
            nearest.iloc[at] = pairs["pid"].to_numpy()
            label.iloc[at] = neigh["label"].reindex(pairs["pid"]).to_numpy()
            industry.iloc[at] = neigh["industry"].reindex(pairs["pid"]).to_numpy()

    # components and score
    raw: dict[str, pd.Series] = {"area_fit": (1.0 - diff[idx].abs() / tol).clip(0.0, 1.0) if tol > 0
                                 else pd.Series(1.0, index=idx)}
    if project.needs:
        raw["utilities"] = sum(has[t].astype(float) for t in project.needs) / len(project.needs)
    if needs_net:
        raw["extension_cost"] = _relative_low(cost)
    if earth.notna().any():
        raw["earthworks"] = _relative_low(earth)
    if len(neigh):
        raw["contiguity"] = _relative_low(dist)
    pay_why = unused_reason(project.tax_wan, economics)
    pay = site_payback(sel, cost, tax_wan=project.tax_wan, land_price_wan_per_mu=project.land_price_wan_per_mu,
                       inputs=economics, zones=zones)
    if not pay_why:
        raw["payback"] = _relative_low(pay["payback_years"])
    # a payback of weight 0 stays out of the score and its explanation: the ranking without it
    weights = {k: float(w) for k, w in all_weights.items() if w is not None and k in raw and (k != "payback" or w)}
    unused = _unused_components(project, bool(earth.notna().any()), bool(len(neigh)), all_weights, pay_why)
    total = sum(weights.values())
    score = pd.Series(0.0, index=idx)
    for k, w in weights.items():
        score = score + w * raw[k]
    score = (100.0 * score / total).round(2) if total > 0 else score
    sel = sel.assign(_score=score, _pid=sel["parcel_id"].astype(str))
    order = sel.sort_values(["_score", "_pid"], ascending=[False, True], kind="mergesort").index

    rank = pd.Series(0, index=idx)
    rank[order] = np.arange(1, len(order) + 1)
    pid = sel["_pid"]
    diff_pct = 100.0 * diff[idx]
    readiness = _text(sel, "readiness")
    lev = sel["leveled"].astype("boolean") if "leveled" in sel else pd.Series(pd.NA, index=idx, dtype="boolean")
    # a payback the user did not weigh is not mentioned: the explanations without it
    said = {k: why for k, why in unused.items() if k != "payback" or all_weights["payback"]}
    explained = {lang: _explanations(
        lang, rank=rank, pid=pid, area=area[idx], need_mu=need_mu, diff_pct=diff_pct, readiness=readiness,
        project=project, needs_missing=needs_missing, cost=cost, earth_known=bool(earth.notna().any()), sel=sel,
        lev=lev, neighbours=bool(len(neigh)), dist=dist, label=label, industry=industry, nearest=nearest, raw=raw,
        weights=weights, unused=said, score=score) for lang in ("zh", "en")}

    cols: dict[str, Any] = {
        "rank": rank, "parcel_id": pid, "area_mu": area[idx], "area_m2": _num(sel, "area_m2"),
        "need_mu": pd.Series(need_mu, index=idx), "area_diff_pct": diff_pct.round(2),
        "readiness": readiness, "missing": _text(sel, "missing"), "needs_missing": needs_missing,
        "ext_cost_wan": cost,
    }
    for t in NETWORK_TYPES:
        cols[f"has_{t}"] = has[t]
        cols[f"ext_{t}_m"] = _num(sel, f"ext_{t}_m")
        cols[f"ext_{t}_cost_wan"] = _num(sel, f"ext_{t}_cost_wan")
    cols.update({"cut_m3": _num(sel, "cut_m3"), "fill_m3": _num(sel, "fill_m3"),
                 "relief_m": _num(sel, "relief_m"), "leveled": lev,
                 "neighbour_distance_m": dist, "neighbour_adjacent": (dist == 0).astype("boolean").where(dist.notna()),
                 "neighbour_nearest": nearest, "neighbour_label": label, "neighbour_industry": industry})
    cols.update({c: pay[c] for c in PAYBACK_COLUMNS})
    for k in _COMPONENTS:
        cols[f"c_{k}"] = raw[k].round(4) if k in raw else pd.Series(np.nan, index=idx)
    cols.update({"score": score, "explanation_zh": pd.Series(explained["zh"], index=idx, dtype=object),
                 "explanation_en": pd.Series(explained["en"], index=idx, dtype=object)})
    frame = pd.DataFrame(cols, index=idx).loc[order].reset_index(drop=True)
    geometry = sel.geometry.loc[order].reset_index(drop=True)
    sites = gpd.GeoDataFrame(frame, geometry=geometry.to_numpy(), crs=table.crs)
    return sites, ex, weights, unused


