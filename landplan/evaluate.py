"""One evaluation table, one row per parcel (SPEC §5), and its files.

:func:`evaluate` joins the parcels' own attributes, their measured area, the per-mu
efficiency (:mod:`landplan.efficiency`) and the land control compliance
(:mod:`landplan.compliance`) for an evaluation date and a ledger year, so that results are
reproducible. :func:`write_evaluation` writes it as GeoPackage, GeoParquet, CSV or XLSX; the
XLSX has Chinese headers and a second sheet with every column's definition and source.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from . import labels
from .columns import ECONOMICS, OUTPUT_NAMES, PERSON_TEXT, text_column
from .compliance import evaluate_compliance
from .economics_workspace import evaluation_columns, tax_ledger
from .efficiency import evaluate_efficiency
from .engine import start_spatial_columns
from .errors import LandplanError, ParameterError
from .geometry import area_m2
from .history import parcels_as_of
from .idle import evaluate_idle
from .io.atomic import atomic_path
from .io.writers import (
    canonical_table,
    check_table_lang,
    column_unit,
    csv_unescaped,
    number_format,
    people_table,
    write_table,
    write_xlsx,
)
from .labels import rulekeys
from .lifecycle import evaluate_lifecycle
from .revitalization import EVALUATION_COLUMNS, Ranking, low_efficiency
from .rules import is_unconfirmed, load_ruleset, rule_source
from .ruleset import RuleSet, as_ruleset
from .schema import PARCELS
from .store.frames import ogr_frame as _ogr_frame
from .units import M2_PER_MU
from .workspace import Workspace

__all__ = ["evaluate", "write_evaluation", "OUTPUT_NAMES", "OUTPUT_COLUMNS", "PERSON_TEXT", "text_column",
           "column_label", "EVALUATION_FORMATS"]

log = logging.getLogger(__name__)

EVALUATION_FORMATS = (".gpkg", ".parquet", ".csv", ".xlsx")

def _output_columns() -> dict[str, tuple[str, str, str, str]]:
    out = {}
    for name in OUTPUT_NAMES:
        e = labels.entry(f"col.{name}")
        out[name] = (e.zh, e.en, e.definition, e.rule)
    return out


#: Output columns of the analyses: name -> (中文, English, definition, rules key or ""), read
#: from the catalogue.
OUTPUT_COLUMNS: dict[str, tuple[str, str, str, str]] = _output_columns()


def column_label(column: str, lang: str = "zh") -> str:
    """A person's label for any column of the evaluation table, from the catalogue.

    A threshold's bound (``floor_area_ratio_min``) reads as its measure with 下限/上限; the
    evaluation date as 评价日期; a column the catalogue does not know keeps its name (data).
    """
    column = str(column)
    if labels.has(f"col.{column}"):
        return labels.column(column, lang)
    if column == "as_of":
        return labels.t("report.meta.as_of", lang)
    base, _, bound = column.rpartition("_")
    if bound in ("min", "max") and labels.has(f"col.{base}"):
        label = labels.column(base, lang)
        m = re.match(r"^(.*?)(\s*[(（][^()（）]*[)）])?$", label)
        word = labels.t(f"report.col.threshold_{bound}", lang)
        return f"{m.group(1)}{word if lang == 'zh' else ' ' + word}{m.group(2) or ''}"
    return column


#: Columns an evaluation file may hold, in table order (for reading one back).
def _known_columns() -> list[str]:
    from .compliance import THRESHOLD_KEYS

    return list(dict.fromkeys([*PARCELS.by_name, "as_of", *OUTPUT_NAMES, *THRESHOLD_KEYS]))


def evaluate(
    workspace: Workspace | str | Path,
    *,
    as_of: dt.date | None = None,
    year: int | None = None,
    rules: RuleSet | Mapping | None = None,
    engine: str = "single",
    partitions: int | None = None,
    scheduler: str | None = None,
) -> gpd.GeoDataFrame:
    """The evaluation table of a workspace: one row per parcel, SPEC §5 columns.

    Parameters
    ----------
    workspace : Workspace or path
    as_of : date, optional
        Evaluation date (default today); stored in the ``as_of`` column. The parcels are
        those in force on that date (:func:`landplan.history.parcels_as_of`).
    year : int, optional
        Ledger year (default: the latest year in the ledger).
    rules : RuleSet, optional
        Rules in force (default: :func:`landplan.rules.load_ruleset` of the workspace; a rules
        dict is accepted, deprecated).
    engine : {"single", "dask"}, default "single"
        Where the spatial work (terrain, coverage) runs: this process, or dask-geopandas
        spatial partitions (:mod:`landplan.engine`); the results are the same.
    partitions : int, optional
        Spatial partitions for the dask engine.
    scheduler : str, optional
        Dask scheduler: None (threads in this process), ``"local"`` (a LocalCluster) or the
        address of a running scheduler.

    The land economics columns (:data:`landplan.columns.ECONOMICS`) are empty (NA) when the
    rules lack its inputs: ``attrs["economics_missing"]`` names the rules keys (a warning,
    not an error); ``attrs["economics_items"]`` the cost items counted.
    """
    ws = workspace if isinstance(workspace, Workspace) else Workspace(workspace)
    if not ws.has("parcels"):
        raise LandplanError(f"the workspace {ws.path} has no parcels layer; import parcels first")
    rules = as_ruleset(rules) if rules is not None else load_ruleset(ws)
    as_of = as_of or dt.date.today()
    parcels = parcels_as_of(ws, as_of)  # the parcels as they were on as_of (landplan.history)

    def networks() -> dict:
        return {name: ws.read(name) if ws.has(name) else None for name in ("roads", "pipelines", "powerlines")}

    # the spatial columns (terrain, coverage) start first: on a large park they are computed
    # in a worker process while this one computes the park-wide tables (landplan.engine); a
    # workspace whose reads must stay in this process (a database connection) reads them here
    with start_spatial_columns(parcels, networks if ws.fork_safe else networks(), dem_path=ws.dem_path,
                               rules=rules, engine=engine, partitions=partitions,
                               scheduler=scheduler) as spatial:
        ledger = ws.read("ledger")
        if year is not None and len(ledger) and year not in set(ledger["year"].dropna()):
            years = ", ".join(str(y) for y in sorted(set(ledger["year"].dropna())))
            raise ParameterError("year", year, f"the ledger has no rows for it (years: {years or 'none'})")
        table = parcels.copy(deep=False)  # copy-on-write: parcels stays as read
        table["area_m2"] = area_m2(parcels).to_numpy() if len(parcels) else []
        table["area_mu"] = table["area_m2"] / M2_PER_MU
        table["as_of"] = pd.Timestamp(as_of).normalize()
        table = table.set_index("parcel_id", drop=False)
        efficiency = evaluate_efficiency(parcels, ledger, rules, year=year)
        tax_rows = tax_ledger(ledger)  # the land economics' columns only
        del ledger  # its figures are in efficiency now: memory for the worker process
        compliance = evaluate_compliance(parcels, rules)
        idle = evaluate_idle(parcels, rules, as_of=as_of)
        for part in (efficiency, compliance, idle):
            table = _join_new(table, part)
        # low efficiency and the lifecycle need no spatial column: computed before waiting
        # low efficiency, the lifecycle and the revitalization list but for its readiness
        # component need no spatial column: computed before waiting for them
        low = low_efficiency(table, rules, as_of=as_of)
        with_low = table.join(low, how="left")
        lifecycle = evaluate_lifecycle(with_low, rules, as_of=as_of)
        ranking = Ranking(with_low.reset_index(drop=True), rules)
        del with_low
        spatial_part = spatial.result()
    table = _join_new(table, spatial_part).join(low, how="left").join(lifecycle, how="left")
    readiness = pd.Series(table["readiness"].to_numpy(), index=pd.RangeIndex(len(table))) \
        if "readiness" in table.columns else None
    ranked = ranking.ranked(readiness, order=False)  # indexed by row position
    ranked = ranked[list(EVALUATION_COLUMNS)].rename(columns=EVALUATION_COLUMNS).reindex(pd.RangeIndex(len(table)))
    for column in ranked.columns:
        table[column] = ranked[column].set_axis(table.index)
    table = table.reset_index(drop=True)
    econ, missing, items = evaluation_columns(ws, table, tax_rows, rules, as_of=as_of)
    for column in econ.columns:
        table[column] = econ[column].to_numpy() if column != "below_floor" else econ[column].array
    geometry = table.pop("geometry")
    # copy=False: the table is this function's own (a copy would cost seconds on a big park)
    out = gpd.GeoDataFrame(table, geometry=geometry, crs=parcels.crs, copy=False)
    out.attrs["economics_missing"] = missing
    out.attrs["economics_items"] = items
    return out


def _join_new(table: pd.DataFrame, part: pd.DataFrame) -> pd.DataFrame:
    """``table`` with the columns of ``part`` it does not have yet (left join on the index)."""
    return table.join(part.drop(columns=[c for c in part.columns if c in table.columns]), how="left")


def _edition_key(key: str, rules: RuleSet | Mapping | None) -> str:
    """``compliance.thresholds.default.X`` -> the edition block's key when the edition in force sets X."""
    prefix = "compliance.thresholds.default."
    if rules is None or not key.startswith(prefix):
        return key
    comp = as_ruleset(rules).compliance
    edition = str(comp.edition)
    editions = comp.editions
    block = editions.get(edition) or editions.get(int(edition)) or {}
    name = key.removeprefix(prefix)
    if (block.get("default") or {}).get(name) is not None:
        return f"compliance.editions.{edition}.default.{name}"
    return key


def rule_citation(key: str, lang: str = labels.DEFAULT_LANG) -> str:
    """Where rules key ``key``'s default comes from, in ``lang``: the source its help names
    (:func:`landplan.labels.rulekeys.help_text`, the words after 来源： / Source:), else the
    source named by the help of its nearest parent key, else the key's own help."""
    first = ""
    parts = str(key).split(".")
    while parts:
        try:
            text = rulekeys.help_text(".".join(parts), lang)
        except KeyError:  # a key of the workspace's own rules.yaml, or an inner key without words
            text = ""
        for mark in (labels.t("report.src.mark", lg) for lg in labels.LANGS):
            if mark in text:
                return text.split(mark, 1)[1].strip()
        first = first or text
        parts.pop()
    return first


def definitions(columns, rules: RuleSet | Mapping | None = None, lang: str | None = None) -> pd.DataFrame:
    """The definitions sheet: every column with labels, definition, rules key, source.

    Compliance thresholds name the key of the edition in force (its per-parcel basis, with
    fallbacks, is in the ``compliance_basis`` column). Without ``lang`` the sheet is for
    scripts (``column``, ``label_zh``, ``label_en``, ``definition``, ``rules_key``, ``source``
    as the rules file writes it, ``unconfirmed``); with ``lang`` (``zh`` or ``en``) it is for a person: each column's header,
    unit, rule and source in that language, UNCONFIRMED read 未确认 in Chinese.
    """
    rows = []
    for column in columns:
        zh, en, definition, key = OUTPUT_COLUMNS.get(column, (column_label(column, "zh"),
                                                               column_label(column, "en"), "", ""))
        key = _edition_key(key, None if rules is None else as_ruleset(rules))
        if lang is not None:
            unit = column_unit(str(column))
            rows.append({
                labels.t("report.def.column", lang): zh if lang == "zh" else en,
                labels.t("report.col.unit", lang): labels.t(f"unit.{unit}", lang)
                if unit and labels.has(f"unit.{unit}") else "",
                labels.t("report.col.rule", lang): rulekeys.label(key, lang) if key else "",
                labels.t("report.col.source", lang): rule_citation(key, lang) if key else "",
                labels.t("report.def.unconfirmed", lang):
                    labels.t("report.unconfirmed", lang) if key and is_unconfirmed(key) else "",
            })
            continue
        if column in PARCELS.by_name:
            definition = "parcel attribute (SPEC §3)"
        source = rule_source(key) if key else ""
        rows.append({"column": column, "label_zh": zh, "label_en": en, "definition": definition,
                     "rules_key": key, "source": source,
                     "unconfirmed": "UNCONFIRMED" if key and is_unconfirmed(key) else ""})
    return pd.DataFrame(rows)


def read_evaluation(path: str | Path) -> pd.DataFrame:
    """Read an evaluation table written by :func:`write_evaluation` (any of its formats).

    A CSV or XLSX may have Chinese, English or canonical headers (``lang`` zh, en or code):
    headers, value labels and 是/否 read back to the canonical names and codes.
    """
    import pyogrio

    path = Path(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise LandplanError(f"{path}: no such evaluation file")
    if suffix == ".gpkg":
        return pyogrio.read_dataframe(path)
    if suffix == ".parquet":
        return gpd.read_parquet(path)
    if suffix in (".csv", ".xlsx"):
        if suffix == ".csv":
            def read(**options):
                return pd.read_csv(path, encoding="utf-8-sig", **options)
        else:
            def read(**options):
                return pd.read_excel(path, sheet_name=0, **options)
        known = _known_columns()
        head = read(nrows=0).columns
        names = canonical_table(pd.DataFrame(columns=head), known, header=column_label).columns
        text = {h: str for h, c in zip(head, names, strict=True)
                if c in PARCELS.by_name and PARCELS.by_name[c].kind in ("str", "enum")}
        frame = read(dtype=text)
        return canonical_table(csv_unescaped(frame) if suffix == ".csv" else frame, known, header=column_label)
    raise LandplanError(f"{path}: read .gpkg, .parquet, .csv or .xlsx evaluations")


def write_evaluation(table: gpd.GeoDataFrame, out: str | Path, *, rules: RuleSet | Mapping | None = None,
                     lang: str = labels.DEFAULT_LANG) -> Path:
    """Write the evaluation table to ``out`` (.gpkg, .parquet, .csv or .xlsx), atomically.

    GeoPackage and GeoParquet are for GIS and scripts: canonical column names and codes,
    whatever ``lang``. CSV and XLSX are tables for people in ``lang`` (``zh``, the default, or
    ``en``): the catalogue's headers, coded values as labels (未闲置, 已履约 …), 是/否, the
    person-texts (reasons, next steps) in that language only; numbers keep their exact values
    (the XLSX shows them with their unit's decimals). ``lang="code"`` writes them with the
    canonical names and codes, for scripts. :func:`read_evaluation` reads every variant back.
    """
    import pyogrio

    out = Path(out)
    suffix = out.suffix.lower()
    check_table_lang(lang)
    if suffix not in EVALUATION_FORMATS:
        raise ParameterError("out", out, "write .gpkg, .parquet, .csv or .xlsx")
    if not isinstance(table, gpd.GeoDataFrame):
        if suffix == ".gpkg":
            raise ParameterError("out", out, "this table has no geometry; write .csv, .xlsx or .parquet")
        table = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries([None] * len(table), index=table.index))
    if suffix == ".csv":
        return write_table(for_people(table, lang), out, labels=lang, header=column_label)
    with atomic_path(out) as tmp:
        if suffix == ".gpkg":
            pyogrio.write_dataframe(_ogr_frame(table), tmp, layer="evaluation", driver="GPKG",
                                    use_arrow=True, promote_to_multi=True)
        elif suffix == ".parquet":
            if table.geometry.isna().all():
                pd.DataFrame(table.drop(columns=table.geometry.name)).to_parquet(tmp, index=False)
            else:
                table.to_parquet(tmp, index=False)
        else:
            _write_xlsx(table, tmp, rules, out=out, lang=lang)
    return out


def for_people(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The columns of ``table`` a person reads in ``lang``: of each person-text pair
    (:data:`~landplan.columns.PERSON_TEXT`) the one in ``lang`` only (both for ``code``)."""
    if lang == "code":
        return table
    other = [text_column(text, "zh" if lang == "en" else "en") for text in PERSON_TEXT]
    return table.drop(columns=[c for c in other if c in table.columns])


def _basis_sheet(rules: RuleSet | Mapping | None, lang: str) -> pd.DataFrame:
    """The economics' inputs (:func:`landplan.economics_workspace.economics_basis`) for a
    sheet: a demo's caveat first, then each input's label, value, mark and source."""
    from .economics_workspace import economics_basis, economics_caveat

    words = "en" if lang == "code" else lang
    basis = economics_basis(rules, words)
    cols = ["label", "value", "mark", "source"]
    caveat = economics_caveat(rules, words)
    frame = pd.concat([pd.DataFrame([{"label": caveat, "value": "", "mark": "", "source": ""}]) if caveat else None,
                       basis[cols]], ignore_index=True)
    if lang == "code":
        return frame.assign(key=[""] * (len(frame) - len(basis)) + basis["key"].tolist())[["key", *cols]]
    return frame.set_axis([labels.t(f"app.econ.col.{c}", lang) for c in ("input", "value", "mark", "source")], axis=1)


def _write_xlsx(table: gpd.GeoDataFrame, path: Path, rules: RuleSet | Mapping | None, *, out: Path, lang: str) -> None:
    plain = pd.DataFrame(for_people(table, lang).drop(columns=table.geometry.name))
    for column in plain.columns:
        if str(plain[column].dtype).startswith("datetime64"):
            plain[column] = plain[column].dt.date
        elif lang == "code" and str(plain[column].dtype) == "boolean":  # kept as True/False with gaps
            plain[column] = plain[column].map({True: "True", False: "False"}).astype(object)
    shown, units = people_table(plain, lang, header=column_label)
    if lang == "code":
        sheets = {"evaluation": shown, "definitions": definitions(plain.columns, rules)}
    else:
        sheets = {labels.t("report.sheet.evaluation", lang): shown,
                  labels.t("report.sheet.definitions", lang): definitions(plain.columns, rules, lang)}
    if set(ECONOMICS) & set(table.columns) and table[[c for c in ECONOMICS if c in table.columns]].notna().any().any():
        # economics figures: the inputs they rest on, with their marks, on a sheet of their own
        sheets[labels.t("econ.basis.title", "en" if lang == "code" else lang)] = _basis_sheet(rules, lang)
    first = next(iter(sheets))
    write_xlsx(sheets, path, out=out,
               number_formats={first: {h: number_format(u) for h, u in units.items()}})
