"""The screening itself and its faces: :func:`screen_project`, :class:`ScreeningResult`,
:func:`tables_for` and :func:`write_sites`.

:func:`screen_project` evaluates a workspace once and runs the check (:mod:`.checks`) and the
ranking (:mod:`.sites`) on that table. The result holds canonical frames for scripts; people
read :func:`tables_for` and :meth:`ScreeningResult.lines` in one language, every word from the
catalogue, numbers rounded by :func:`landplan.labels.fmt`; :func:`write_sites` writes the CSV
and GeoPackage canonical, the XLSX for people.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import labels
from ..compliance import _provenance
from ..economics import EconomicsInputs
from ..economics_workspace import economics_missing, read_acquisition_zones
from ..errors import LandplanError, ParameterError
from ..io.atomic import atomic_path
from ..labels import rulekeys
from ..labels import text as words
from ..rules import load_ruleset
from ..ruleset import RuleSet, as_ruleset
from ..store.frames import ogr_frame as _ogr_frame
from ..tables import text as _text
from ..units import M2_PER_MU
from ..workspace import Workspace
from .checks import (
    _amount,
    _derive_need,
    _entry_thresholds,
    _indicator,
    _screening,
    check_project,
    park_values,
)
from .payback import floor_wan_per_mu
from .project import Project
from .sites import (
    _COMPONENTS,
    _coded,
    _neighbours,
    _payback_weight,
    _rank,
    _signed,
    grade_need,
    grade_source,
    land_grade,
)

log = logging.getLogger(__name__)

#: Exit status of ``landplan screen`` for a refused project (a result, not bad input).
EXIT_REFUSED = 3

#: Formats ``write_sites`` writes.
SITE_FORMATS = (".csv", ".xlsx", ".gpkg")

# --------------------------------------------------------------------------------------------
# the screening
# --------------------------------------------------------------------------------------------

@dataclass
class ScreeningResult:
    """The result of :func:`screen_project`.

    Its frames hold canonical column names and codes, for scripts (:data:`CHECK_COLUMNS`,
    :data:`SITE_COLUMNS`); :func:`tables_for` gives them to people, :meth:`lines` prints the
    summary, each in one language.

    Attributes
    ----------
    project : Project
        The project as screened (``area_mu`` filled in when it was derived).
    need_mu : float
        Land need in mu; ``need_basis`` says whether it was given or derived (the rules key).
    admitted : bool
        True when every check is met (checks without a threshold do not count).
    checks : DataFrame
        :func:`check_project`.
    sites : GeoDataFrame
        :func:`rank_sites`, best first.
    excluded : DataFrame
        Supplyable parcels left out, with the reason.
    park : dict
        :func:`park_values`.
    as_of : date
    year : int or None
        The ledger year of the park values.
    supplyable : int
        Supplyable parcels considered.
    area_tolerance_pct : float
        ``screening.area_tolerance_pct`` of the ranking (a site's area is within it of the need).
    land_grade : int or None
        The industrial-land grade the project's industry needs (:func:`land_grade`), None when
        its land use is not checked; ``land_grade_key`` is the rules key it comes from.
    supplyable_statuses : tuple of str
        ``screening.supplyable_statuses``.
    weights : dict
        The score weights used (component → weight); ``unused`` the components left out →
        why (``val.screen_unused.*`` codes).
    cost_unconfirmed : bool
        The extension costs of the needs use UNCONFIRMED shipped unit costs.
    payback_weight : float
        The weight of the ``payback`` component (0: the ranking without it).
    economics : EconomicsInputs or None
        The land-economics inputs of the payback columns; ``economics_missing`` the rules keys
        that are missing when they are None (:func:`landplan.economics_workspace.economics_missing`).
    rules : RuleSet or dict (a dict is deprecated)
        The rules in force (the sources of the texts).
    """

    project: Project
    need_mu: float
    need_basis: str
    admitted: bool
    checks: pd.DataFrame
    sites: gpd.GeoDataFrame
    excluded: pd.DataFrame
    park: dict
    as_of: dt.date
    year: int | None
    supplyable: int
    area_tolerance_pct: float = float("nan")
    land_grade: int | None = None
    land_grade_key: str = ""
    supplyable_statuses: tuple[str, ...] = ()
    weights: dict = field(default_factory=dict)
    unused: dict = field(default_factory=dict)
    cost_unconfirmed: bool = False
    payback_weight: float = 0.0
    economics: EconomicsInputs | None = field(default=None, repr=False)
    economics_missing: tuple[str, ...] = ()
    rules: RuleSet | None = field(default=None, repr=False)

    @property
    def unmet(self) -> pd.DataFrame:
        """The checks that are not met (the reasons of a refusal)."""
        return self.checks[self.checks["met"].eq(False).fillna(False).astype(bool)]

    def no_site_reason(self, lang: str = "zh") -> str:
        """Why no parcel is ranked, in ``lang`` (zh or en): no supplyable parcel, or how many
        have conflicts and how many lie outside the area range, with the closest areas."""
        lang = labels.check_lang(lang)

        def t(key: str, **fields: Any) -> str:
            return labels.t(key, lang, **fields)

        if self.supplyable == 0:
            return t("screen.nosite.no_supply", statuses=words.sep("list", lang).join(
                labels.value("parcel_status", s, lang) for s in self.supplyable_statuses))
        ex = self.excluded
        n_conf = int((ex["reason_code"] == "conflict").sum())
        n_use = int((ex["reason_code"] == "land_use").sum())
        area = ex[ex["reason_code"] == "area"]
        tol = self.area_tolerance_pct / 100.0
        parts = []
        if n_conf:
            parts.append(t("screen.nosite.conflict", n=n_conf))
        if n_use and self.land_grade:
            parts.append(t("screen.nosite.land_use", n=n_use, need=grade_need(self.land_grade, lang)))
        if len(area):
            gap = (area["area_mu"] - self.need_mu).abs()
            closest = area.assign(_gap=gap).sort_values(["_gap", "parcel_id"], kind="mergesort").head(3)
            items = words.sep("list", lang).join(t("screen.nosite.item", pid=r.parcel_id,
                                                    area=labels.fmt(r.area_mu, "mu", lang))
                                                  for r in closest.itertuples())
            parts.append(t("screen.nosite.area", n=len(area), lo=labels.fmt(self.need_mu * (1 - tol), "mu", lang),
                           hi=labels.fmt(self.need_mu * (1 + tol), "mu", lang),
                           need=labels.fmt(self.need_mu, "mu", lang),
                           tol=labels.fmt(self.area_tolerance_pct, "pct", lang))
                         + words.sep("clause", lang) + t("screen.nosite.closest", items=items))
        return t("screen.nosite.of", n=self.supplyable, parts=words.sep("clause", lang).join(parts))

    def payback_note(self, lang: str = "zh") -> str:
        """How the payback column is formed, in ``lang``, or why it is empty (the project has no
        promised tax; the rules keys of the land economics that are missing): said once."""
        lang = labels.check_lang(lang)
        if self.project.tax_wan is None:
            return labels.t("screen.payback.without_tax", lang)
        if self.economics is None:
            keys = words.sep("list", lang).join(rulekeys.label(k, lang) for k in self.economics_missing)
            return labels.t("screen.payback.missing", lang, keys=keys)
        e = self.economics
        price = self.project.land_price_wan_per_mu
        basis = (labels.t("screen.payback.price_project", lang, price=labels.fmt(price, "wan_per_mu", lang))
                 if price is not None else
                 labels.t("screen.payback.price_floor", lang, grade=int(e.land_grade),
                          price=labels.fmt(floor_wan_per_mu(e), "wan_per_mu", lang)))
        return labels.t("screen.payback.basis", lang, price=basis,
                        share=labels.fmt(100.0 * e.retained_local_share, "pct", lang),
                        lag=int(e.tax_lag_years), n=int(e.horizon_years))

    def lines(self, *, lang: str = "zh", top: int | None = None) -> list[str]:
        """The summary ``landplan screen`` prints, in ``lang``: the project, the threshold
        check (each check a sentence with its basis and source), then the ranked sites."""
        lang = labels.check_lang(lang)

        def t(key: str, **fields: Any) -> str:
            return labels.t(key, lang, **fields)

        p = self.project
        rules = self.rules if self.rules is not None else load_ruleset()
        title = p.name or (p.source if p.source != "options" else "")
        ledger = t("screen.ledger.none") if self.year is None else t("screen.ledger.year", year=self.year)
        industry = labels.value("industry_code", p.industry_code, lang)
        lines = [t("screen.summary.head_named" if title else "screen.summary.head", name=title,
                   industry=industry, as_of=f"{self.as_of:%Y-%m-%d}", ledger=ledger)]
        if self.need_basis == "given":
            lines.append(t("screen.summary.need_given", mu=labels.fmt(self.need_mu, "mu", lang),
                           m2=labels.fmt(self.need_mu * M2_PER_MU, "m2", lang)))
        else:
            name = "investment_per_mu_wan" if self.need_basis.startswith("screening.") \
                else "investment_intensity_wan_per_mu"
            lines.append(t("screen.summary.need_derived", mu=labels.fmt(self.need_mu, "mu", lang),
                           investment=labels.fmt(p.investment_wan, "wan", lang),
                           label=_indicator(name, lang),
                           threshold=labels.fmt(p.investment_wan / self.need_mu, "wan_per_mu", lang)))
        if self.land_grade is not None:
            lines.append(t("screen.summary.grade", need=grade_need(self.land_grade, lang),
                           source=grade_source(self.land_grade_key, rules, lang)))
        else:
            lines.append(t("screen.summary.no_grade", industry=industry))
        decision = labels.value("screen_decision", "admitted" if self.admitted else "refused", lang)
        lines.append(t("screen.summary.decision", decision=decision))
        marks = {"met": "✓", "not_met": "✗", "not_stated": "✗", "no_threshold": "–"}
        for row in self.checks.itertuples():
            lines.append(t("screen.summary.check", mark=marks[row.result], reason=getattr(row, f"reason_{lang}")))
        if not len(self.checks):
            lines.append(t("screen.summary.no_check"))
        if p.ignored:
            lines.append(t("screen.summary.ignored", fields=words.sep("list", lang).join(p.ignored)))
        n_conf, n_use, n_area = (int((self.excluded["reason_code"] == c).sum()) if len(self.excluded) else 0
                                 for c in ("conflict", "land_use", "area"))
        sites_line = t("screen.summary.sites", n=self.supplyable, conflict=n_conf, land_use=n_use, area=n_area,
                       ranked=len(self.sites))
        lines.append(sites_line if self.admitted else t("screen.summary.reference_only", line=sites_line))
        for row in self.excluded[self.excluded["reason_code"] == "conflict"].itertuples():
            lines.append(t("screen.summary.conflict", pid=row.parcel_id, reason=getattr(row, f"reason_{lang}")))
        if not len(self.sites):
            lines.append(t("screen.summary.no_site", reason=self.no_site_reason(lang)))
        shown = self.sites if top is None else self.sites.head(top)
        readiness = _coded("readiness", shown["readiness"], lang)
        networks = [x for x in p.needs if x != "leveled"]
        for row, ready in zip(shown.itertuples(), readiness, strict=True):
            lines.append(t("screen.summary.site", rank=f"{row.rank:>3}", pid=row.parcel_id,
                           score=labels.fmt(row.score, "score", lang), area=labels.fmt(row.area_mu, "mu", lang),
                           readiness=ready, cost=labels.fmt(row.ext_cost_wan if networks else None, "wan", lang),
                           cut=labels.fmt(row.cut_m3, "m3", lang), fill=labels.fmt(row.fill_m3, "m3", lang)))
            if self.economics is not None and p.tax_wan is not None:
                lines[-1] = t("screen.summary.site_payback", line=lines[-1],
                              years=payback_text(row.payback_years, row.payback_within_horizon,
                                                 self.economics.horizon_years, lang))
            lines.append(t("screen.summary.explanation", text=getattr(row, f"explanation_{lang}")))
        if len(self.sites) and self.cost_unconfirmed:
            lines.append(t("screen.summary.cost_note"))
        if len(self.sites):
            lines.append(self.payback_note(lang))
        return lines


#: The tables :func:`tables_for` gives, in order (their titles: ``screen.table.<name>``).
TABLES: tuple[str, ...] = ("checks", "sites", "excluded", "score")

# the columns of the ranked sites a person reads, with their unit (None: text)
_SITE_VIEW: tuple[tuple[str, str | None], ...] = (
    ("rank", None), ("parcel_id", None), ("area_mu", "mu"), ("area_diff_pct", "pct"), ("readiness", None),
    ("needs_missing", None), ("ext_cost_wan", "wan"), ("cut_m3", "m3"), ("fill_m3", "m3"),
    ("neighbour_label", None), ("neighbour_distance_m", "m"),
    ("cost_wan_per_mu", "wan_per_mu"), ("price_wan_per_mu", "wan_per_mu"), ("price_basis", None),
    ("net_outlay_wan_per_mu", "wan_per_mu"), ("payback_years", "years"), ("payback_discounted_years", "years"),
    *((f"c_{k}", "ratio") for k in _COMPONENTS), ("score", "score"), ("explanation", None))

#: The payback columns shown only when the land-economics inputs are complete (the payback
#: years are shown always: empty without them).
_ECONOMICS_VIEW = frozenset({"cost_wan_per_mu", "price_wan_per_mu", "price_basis", "net_outlay_wan_per_mu",
                             "payback_discounted_years"})


def payback_text(years: Any, within: Any, horizon: int, lang: str) -> str:
    """A payback as a person reads it: years (:func:`landplan.labels.fmt`), "not within N
    years" when it does not pay back within the horizon, ``—`` when not known."""
    if not pd.isna(within) and not bool(within):
        return labels.t("screen.payback.not_within", lang, n=int(horizon))
    return labels.fmt(years, "years", lang)


def _payback_texts(years: pd.Series, within: pd.Series, horizon: int | None, lang: str) -> pd.Series:
    if horizon is None:
        return pd.Series(words.numbers(years, "years", lang), index=years.index, dtype=object)
    return pd.Series([payback_text(y, w, horizon, lang) for y, w in zip(years, within, strict=True)],
                     index=years.index, dtype=object)


def _numbers(values: pd.Series, unit: str, lang: str, formatted: bool, *, signed: bool = False) -> pd.Series:
    if formatted:
        text = _signed(values, unit, lang) if signed else words.numbers(values, unit, lang)
        return pd.Series(text, index=values.index, dtype=object)
    return pd.to_numeric(values, errors="coerce").round(labels.UNIT_DIGITS.get(unit, 2))


def tables_for(result: ScreeningResult, lang: str = "zh", *, top: int | None = None,
               formatted: bool = True) -> dict[str, pd.DataFrame]:
    """The screening's tables for people, in ``lang``: catalogue headers, coded values as
    labels, reasons as sentences with their source, numbers rounded as
    :func:`landplan.labels.fmt` rounds them.

    Parameters
    ----------
    result : ScreeningResult
    lang : {"zh", "en"}
    top : int, optional
        The best ``top`` sites only.
    formatted : bool
        Numbers as text (``1,234.57``, ``—`` when missing); False keeps them numbers rounded to
        their unit's decimals (a spreadsheet's cells).

    Returns
    -------
    dict of str to DataFrame
        :data:`TABLES` → table; its title is ``labels.t(f"screen.table.{name}", lang)``:
        ``checks`` (check, kind, project value, requirement, result, explanation), ``sites``
        (rank, parcel, area, difference from the need, readiness, needs missing, extension
        cost, cut, fill, nearest neighbour and its distance, the score's components, score,
        explanation; columns of a component not used are left out), ``excluded`` (parcel,
        area, why, explanation) and ``score`` (component, weight, meaning, used or why not).
    """
    lang = labels.check_lang(lang)
    out: dict[str, pd.DataFrame] = {}
    c = result.checks

    def heads(frame: pd.DataFrame, layer: str) -> pd.DataFrame:
        return frame.set_axis([labels.column(n, lang, layer=layer) for n in frame.columns], axis=1)

    checks = pd.DataFrame({
        "indicator": [_indicator(name, lang) for name in c["indicator"]],
        "kind": words.values("screen_kind", c["kind"], lang),
        "project_value": [_amount(v, u, lang) for v, u in zip(c["project_value"], c["unit"], strict=True)],
        "requirement": [labels.t("screen.requirement", lang, op=o, threshold=_amount(x, u, lang))
                        for o, x, u in zip(c["op"], c["threshold"], c["unit"], strict=True)],
        "result": words.values("screen_result", c["result"], lang),
        "reason": c[f"reason_{lang}"].to_numpy(dtype=object)}, index=c.index)
    out["checks"] = heads(checks, "checks")

    s = pd.DataFrame(result.sites.drop(columns=result.sites.geometry.name))
    s = s if top is None else s.head(top)
    skip = {f"c_{k}" for k in result.unused}
    if not result.project.needs:
        skip |= {"needs_missing", "ext_cost_wan"}
    elif not [x for x in result.project.needs if x != "leveled"]:
        skip.add("ext_cost_wan")
    if "earthworks" in result.unused and result.unused["earthworks"] == "no_dem":
        skip |= {"cut_m3", "fill_m3"}
    if "contiguity" in result.unused and result.unused["contiguity"] == "no_neighbours":
        skip |= {"neighbour_label", "neighbour_distance_m"}
    if result.economics is None or result.project.tax_wan is None:
        skip |= _ECONOMICS_VIEW
    horizon = None if result.economics is None else int(result.economics.horizon_years)
    sites: dict[str, Any] = {}
    for name, unit in _SITE_VIEW:
        if name in skip:
            continue
        if name == "explanation":
            sites[name] = s[f"explanation_{lang}"].astype(object)
        elif name == "readiness":
            sites[name] = _coded("readiness", s["readiness"], lang)
        elif name == "needs_missing":
            sites[name] = words.value_lists("network_type", s["needs_missing"], lang)
        elif name == "price_basis":
            sites[name] = words.values("screen_price_basis", s[name], lang)
        elif name in ("payback_years", "payback_discounted_years") and formatted:
            within = s["payback_within_horizon"] if name == "payback_years" else \
                s["payback_within_horizon"].where(s[name].notna() | s["payback_within_horizon"].isna(), False)
            sites[name] = _payback_texts(s[name], within, horizon, lang)
        elif name == "neighbour_label":
            ind = words.fill("screen.expl.industry", lang, industry=words.values("industry_code", s["neighbour_industry"], lang))
            sites[name] = np.where(s["neighbour_label"].to_numpy() != "", s["neighbour_label"].to_numpy(),
                                   np.where(s["neighbour_industry"].to_numpy() != "", ind, ""))
        elif unit is None:
            sites[name] = s[name]
        else:
            sites[name] = _numbers(s[name], unit, lang, formatted, signed=name == "area_diff_pct")
    out["sites"] = heads(pd.DataFrame(sites, index=s.index), "sites")

    e = result.excluded
    excluded = pd.DataFrame({"parcel_id": e["parcel_id"], "area_mu": _numbers(e["area_mu"], "mu", lang, formatted),
                             "reason_code": words.values("screen_excluded", e["reason_code"], lang),
                             "reason": e[f"reason_{lang}"].to_numpy(dtype=object)}, index=e.index)
    out["excluded"] = heads(excluded, "excluded")

    weights = {**(result.rules or load_ruleset()).screening.score_weights, "payback": result.payback_weight}
    score = pd.DataFrame({
        "component": [labels.value("screen_component", k, lang) for k in _COMPONENTS],
        "weight": [labels.fmt(weights.get(k) or 0, "count", lang) if formatted else weights.get(k) or 0
                   for k in _COMPONENTS],
        "meaning": [labels.t(f"screen.meaning.{k}", lang) for k in _COMPONENTS],
        "used": [labels.t("screen.score.unused", lang, why=labels.value("screen_unused", result.unused[k], lang))
                 if k in result.unused else labels.t("screen.score.used", lang) for k in _COMPONENTS]})
    out["score"] = heads(score, "score")
    return out


def screen_project(project: Project, workspace: Workspace | str | Path, *,
                   as_of: dt.date | None = None, year: int | None = None,
                   rules: RuleSet | Mapping | None = None, payback_weight: float | None = None,
                   economics: EconomicsInputs | None = None) -> ScreeningResult:
    """Screen a proposed project against the park and rank the sites for it (招商选址).

    The workspace is evaluated once (:func:`landplan.evaluate.evaluate` at ``as_of`` with the
    ledger ``year``); the park values, the checks and the ranking all come from that table.

    Parameters
    ----------
    project : Project
        :func:`make_project` or :func:`read_project`.
    workspace : Workspace or path
    as_of : date, optional
        Evaluation date (default today).
    year : int, optional
        Ledger year of the park values (default the latest).
    rules : RuleSet or dict (a dict is deprecated), optional
        Rules in force (default the workspace's).
    payback_weight : float, optional
        Weight of the project's payback on each site in the score (default the rules'
        ``screening.score_weights.payback`` when set, else 0: the ranking without it).
    economics : EconomicsInputs, optional
        The land-economics inputs of the payback (default those of the rules; when they are
        incomplete the payback columns are empty and the summary names the missing keys).

    Returns
    -------
    ScreeningResult

    Raises
    ------
    LandplanError
        Bad input (unknown neighbour, no land need and nothing to derive it from, bad rules).

    Examples
    --------
    >>> from landplan.demo import DEMO_AS_OF
    >>> from landplan.screen import make_project
    >>> p = make_project({"行业代码": "39", "用地面积(亩)": 22, "总投资(万元)": 9000,
    ...                   "预计税收(万元)": 300})
    >>> result = screen_project(p, "data", as_of=DEMO_AS_OF)   # doctest: +SKIP
    >>> result.admitted, result.unmet["check"].tolist()         # doctest: +SKIP
    (False, ['tax_per_mu_wan'])
    """
    from ..evaluate import evaluate

    ws = workspace if isinstance(workspace, Workspace) else Workspace(workspace)
    rules = as_ruleset(rules) if rules is not None else load_ruleset(ws)
    spec = _screening(rules)
    if not ws.has("parcels"):
        raise LandplanError(f"the workspace {ws.path} has no parcels layer; import parcels first")
    ledger = ws.read("ledger")
    parcels = ws.read("parcels")
    _neighbours(project, parcels, ledger, spec.supplyable_statuses)  # bad names fail first
    as_of = as_of or dt.date.today()
    table = evaluate(ws, as_of=as_of, year=year, rules=rules)
    park = park_values(table)
    entry = _entry_thresholds(project, rules, park)
    need_mu, basis = _derive_need(project, entry, rules)
    if project.area_mu is None:
        project = replace(project, area_mu=need_mu)
    checks = check_project(project, rules, park, need_mu=need_mu)
    roads = ws.read("roads") if ws.has("roads") else None
    powerlines = ws.read("powerlines") if ws.has("powerlines") else None
    if economics is not None:
        inputs, missing, zones = economics, [], read_acquisition_zones(ws)
    else:
        inputs, missing, zones = economics_missing(ws, rules, table)
    sites, excluded, weights, unused = _rank(table, project, rules, need_mu=need_mu, roads=roads,
                                             powerlines=powerlines, ledger=ledger,
                                             payback_weight=payback_weight, economics=inputs, zones=zones)
    admitted = not bool(checks["met"].eq(False).fillna(False).any())
    statuses = tuple(str(s) for s in spec.supplyable_statuses)
    supplyable = int(_text(table, "status").isin(statuses).sum())
    log.info("screen %s: %s, %d sites", project.industry_code, "admitted" if admitted else "refused",
             len(sites))
    grade, grade_key = land_grade(project, rules)
    cost_unconfirmed = any(_provenance(rules, ("coverage", "unit_cost_wan_per_m", t))[1]
                           for t in project.needs if t != "leveled")
    return ScreeningResult(project=project, need_mu=need_mu, need_basis=basis, admitted=admitted,
                           checks=checks, sites=sites, excluded=excluded, park=park, as_of=as_of,
                           year=next(iter(park.values()))["year"] if park else None,
                           supplyable=supplyable, area_tolerance_pct=float(spec.area_tolerance_pct),
                           land_grade=grade, land_grade_key=grade_key, supplyable_statuses=statuses,
                           weights=weights, unused=unused, cost_unconfirmed=cost_unconfirmed,
                           payback_weight=_payback_weight(payback_weight, spec.score_weights), economics=inputs,
                           economics_missing=tuple(missing), rules=rules)


def _plain_bools(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its nullable booleans as True / False / empty cells (a spreadsheet's)."""
    out = frame.copy()
    for name in out.columns:
        if str(out[name].dtype) == "boolean":
            out[name] = out[name].astype(object).where(out[name].notna(), None)
    return out


def write_sites(result: ScreeningResult, out: str | Path, *, top: int | None = None, lang: str = "zh") -> Path:
    """Write the ranked sites to ``out`` (.csv, .xlsx or .gpkg), atomically.

    The CSV and the GeoPackage are for scripts, whatever ``lang``: canonical column names and
    codes (:data:`SITE_COLUMNS`; the GeoPackage holds the layer ``sites`` and the table
    ``checks``, :data:`CHECK_COLUMNS`). The XLSX is for people, in ``lang`` (zh or en): one
    sheet per table of :func:`tables_for` (ranked sites, entry checks, parcels not ranked, how
    the score is made), catalogue headers, numbers rounded to their unit's decimals;
    ``lang="code"`` writes the canonical frames instead (sheets ``sites``, ``checks``,
    ``excluded``).
    """
    import pyogrio

    from ..io.writers import write_table, write_xlsx

    lang = lang if lang == "code" else labels.check_lang(lang)
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in SITE_FORMATS:
        raise ParameterError("out", out, "write .csv, .xlsx or .gpkg")
    sites = result.sites if top is None else result.sites.head(top)
    plain = pd.DataFrame(sites.drop(columns=sites.geometry.name))
    if suffix == ".csv":
        return write_table(plain, out, labels="code")  # canonical whatever ``lang``: for scripts
    with atomic_path(out) as tmp:
        if suffix == ".gpkg":
            frame = gpd.GeoDataFrame(plain, geometry=sites.geometry.to_numpy(), crs=sites.crs)
            pyogrio.write_dataframe(_ogr_frame(frame), tmp, layer="sites", driver="GPKG",
                                    promote_to_multi=True)
            checks = result.checks.copy()
            checks["met"] = checks["met"].astype(object).where(checks["met"].notna(), None)
            pyogrio.write_dataframe(pd.DataFrame(checks).astype({"met": "str"}), tmp, layer="checks",
                                    driver="GPKG", append=True)
        elif lang == "code":
            write_xlsx({name: _plain_bools(frame) for name, frame in
                        (("sites", plain), ("checks", result.checks), ("excluded", result.excluded))}, tmp, out=out)
        else:
            tables = tables_for(result, lang, top=top, formatted=False)
            order = ("sites", "checks", "excluded", "score")
            write_xlsx({labels.t(f"screen.table.{name}", lang): tables[name] for name in order}, tmp, out=out)
    return out
