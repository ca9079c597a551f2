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
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .compliance import evaluate_compliance
from .coverage import NETWORK_TYPES
from .efficiency import evaluate_efficiency
from .engine import start_spatial_columns
from .errors import LandplanError
from .geometry import area_m2
from .history import parcels_as_of
from .idle import evaluate_idle
from .io.atomic import atomic_path
from .io.writers import csv_unescaped, write_csv, write_xlsx
from .lifecycle import CONDITIONS, GAPS, evaluate_lifecycle
from .revitalization import Ranking, low_efficiency
from .rules import is_unconfirmed, load_rules, rule_source
from .schema import PARCELS
from .units import M2_PER_MU
from .workspace import Workspace, _ogr_frame

__all__ = ["evaluate", "write_evaluation", "OUTPUT_COLUMNS", "column_label", "EVALUATION_FORMATS"]

log = logging.getLogger(__name__)

EVALUATION_FORMATS = (".gpkg", ".parquet", ".csv", ".xlsx")

#: Output columns of the analyses: name -> (中文, English, definition, rules key or "").
OUTPUT_COLUMNS: dict[str, tuple[str, str, str, str]] = {
    "area_m2": ("面积(平方米)", "area (m²)", "parcel area measured in the metric CRS (SPEC §4)", ""),
    "area_mu": ("面积(亩)", "area (mu)", "area_m2 / (10000/15)", ""),
    "year": ("评价年度", "ledger year", "year of the enterprise ledger evaluated", ""),
    "enterprises": ("企业数", "enterprises", "enterprises on the parcel that year", ""),
    "tax_wan": ("税收(万元)", "tax (10k CNY)", "Σ tax_wan of the parcel's ledger rows", ""),
    "revenue_wan": ("营业收入(万元)", "revenue (10k CNY)", "Σ revenue_wan", ""),
    "output_wan": ("工业总产值(万元)", "output (10k CNY)", "Σ output_wan", ""),
    "value_added_wan": ("工业增加值(万元)", "value added (10k CNY)", "Σ value_added_wan", ""),
    "energy_tce": ("综合能耗(吨标煤)", "energy (tce)", "Σ energy_tce", ""),
    "emission_t": ("排放当量(吨)", "emissions (t)", "Σ emission_t", ""),
    "rd_wan": ("研发经费(万元)", "R&D (10k CNY)", "Σ rd_wan", ""),
    "employees": ("职工人数", "employees", "Σ employees", ""),
    "electricity_kwh": ("用电量(千瓦时)", "electricity (kWh)", "Σ electricity_kwh", ""),
    "tax_per_mu_wan": ("亩均税收(万元/亩)", "tax per mu (10k CNY/mu)", "Σ tax_wan / area_mu",
                       "efficiency.indicators.tax_per_mu_wan.weight"),
    "output_per_mu_wan": ("亩均产值(万元/亩)", "output per mu (10k CNY/mu)", "Σ output_wan / area_mu", ""),
    "revenue_per_mu_wan": ("亩均营业收入(万元/亩)", "revenue per mu (10k CNY/mu)",
                           "Σ revenue_wan / area_mu", ""),
    "value_added_per_mu_wan": ("亩均增加值(万元/亩)", "value added per mu (10k CNY/mu)",
                               "Σ value_added_wan / area_mu", "efficiency.indicators.value_added_per_mu_wan.weight"),
    "value_added_per_tce_wan": ("单位能耗增加值(万元/吨标煤)", "value added per tce (10k CNY/tce)",
                                "Σ value_added_wan / Σ energy_tce",
                                "efficiency.indicators.value_added_per_tce_wan.weight"),
    "value_added_per_emission_wan": ("单位排放增加值(万元/吨)", "value added per tonne emitted",
                                     "Σ value_added_wan / Σ emission_t",
                                     "efficiency.indicators.value_added_per_emission_wan.weight"),
    "rd_intensity_pct": ("研发投入强度(%)", "R&D intensity (%)", "100 · Σ rd_wan / Σ revenue_wan",
                         "efficiency.indicators.rd_intensity_pct.weight"),
    "productivity_wan_per_person": ("全员劳动生产率(万元/人)", "productivity (10k CNY/person)",
                                    "Σ value_added_wan / Σ employees",
                                    "efficiency.indicators.productivity_wan_per_person.weight"),
    "efficiency_score": ("亩均效益得分", "efficiency score",
                         "Σ weight · clip(value / benchmark, 0, cap); benchmark null = park value",
                         "efficiency.indicators"),
    "efficiency_class": ("亩均效益分类", "efficiency class (A–D)", "by score cutoffs or by rank shares",
                         "efficiency.classes"),
    "tax_per_kwh_yuan": ("单位用电税收(元/千瓦时)", "tax per kWh (CNY/kWh)",
                         "10000 · Σ tax_wan / Σ electricity_kwh (规下 formula)",
                         "efficiency.below_scale.tax_per_kwh_yuan.weight"),
    "efficiency_imputed": ("按基准计分的指标", "indicators scored at the benchmark",
                           "indicators without data scored at the benchmark level (黄岩 2022 rule: 规上 emissions)",
                           "efficiency.missing.value_added_per_emission_wan"),
    "efficiency_missing": ("缺数据的指标", "indicators without data",
                           "indicators that cannot be computed: 数据不全 (not graded), 0 or the benchmark, as efficiency.missing says",
                           "efficiency.missing.default"),
    "efficiency_group": ("规上/规下", "above/below designated size",
                         "above_scale (六项指标) or below_scale (规下 formula); each ranked in its own group",
                         "efficiency.below_scale"),
    "efficiency_status": ("评价状态", "evaluation status", "graded / incomplete (数据不全) / out_of_scope / no_rows",
                          "efficiency.scope.min_land_mu"),
    "efficiency_note": ("效益评价说明", "efficiency note", "why a parcel is not graded", "efficiency.scope"),
    "efficiency_policy_zh": ("分类政策", "class policy (Chinese)", "policy of the class", "efficiency.policies"),
    "efficiency_policy_en": ("分类政策(英文)", "class policy (English)", "policy of the class",
                             "efficiency.policies"),
    "floor_area_ratio": ("容积率", "floor area ratio", "floor_area_m2 / area_m2",
                         "compliance.thresholds.default.floor_area_ratio_min"),
    "building_coverage_pct": ("建筑系数(%)", "building coverage (%)",
                              "100 · footprint_area_m2 (buildings + structures + yards, or the sum of their parts) / area_m2",
                              "compliance.thresholds.default.building_coverage_pct_min"),
    "investment_intensity_wan_per_mu": ("投资强度(万元/亩)", "investment intensity (10k CNY/mu)",
                                        "invested_wan / area_mu",
                                        "compliance.thresholds.default.investment_intensity_wan_per_mu_min"),
    "green_ratio_pct": ("绿地率(%)", "green ratio (%)", "100 · green_area_m2 / area_m2",
                        "compliance.thresholds.default.green_ratio_pct_max"),
    "admin_ratio_pct": ("行政办公及生活服务设施用地比重(%)", "admin and service land share (%)",
                        "100 · admin_area_m2 / area_m2", "compliance.thresholds.default.admin_ratio_pct_max"),
    "idle_status": ("闲置状态", "idle status", "what the data show (a finding, not a 认定书): not_applicable / not_idle / not_due / idle_unstarted (疑似闲置, not started) / idle_halted (疑似闲置, halted)", "idle.idle_after_years"),
    "idle_stage": ("闲置认定程序", "idle-land procedure", "suspected 疑似闲置 / investigating / to_be_declared 应认定为闲置 / declared 已认定闲置 / decided (闲置土地处置办法 Art. 5, 9, 14)", "idle.procedure.reply_days"),
    "idle_since": ("闲置起算日", "idle since", "start date (agreed, else delivery, else supply: Art. 22) or halted date the year counts from", "idle.idle_after_years"),
    "start_date_basis": ("动工期限依据", "start date basis", "agreed_start_date, else delivery_date (交地日期, Art. 22), else supply_date", "idle.start_date_fallback"),
    "idle_years": ("闲置年数", "idle years", "days from the start of idleness to as_of / 365.25", ""),
    "idle_cause": ("闲置原因", "idle cause", "enterprise (default), government, force majeure", ""),
    "idle_disposal": ("处置方式", "disposal", "idle_fee / recover / negotiate (闲置土地处置办法 Art. 12, 14)", "idle.recover_after_years"),
    "idle_fee_wan": ("土地闲置费(万元)", "idle-land fee (10k CNY)", "fee_rate × land_price_wan for idle_fee", "idle.fee_rate"),
    "idle_reason_zh": ("闲置认定说明", "idle finding reason (Chinese)", "start date and its basis, figures, control values, articles", "idle.idle_after_years"),
    "idle_reason_en": ("闲置认定说明(英文)", "idle finding reason (English)", "start date and its basis, figures, control values, articles", "idle.idle_after_years"),
    "next_step": ("下一步", "next step", "the procedure's next step (investigate, reply_due, declare, fee_decision, hearing_notice, pay_fee …) or becomes_idle", ""),
    "next_step_date": ("下一步期限", "next step deadline", "legal deadline of the next step where the dates are known (Art. 5, 17), or the day the parcel becomes idle", "idle.procedure.reply_days"),
    "next_step_zh": ("下一步说明", "next step (Chinese)", "", ""),
    "next_step_en": ("下一步说明(英文)", "next step (English)", "", ""),
    "idle_input_problems": ("闲置认定数据问题", "idle input problems", "inconsistent dates or values", ""),
    "low_efficiency": ("低效用地", "low-efficiency land", "any low-efficiency rule holds", "idle.low_efficiency"),
    "low_efficiency_reason": ("低效原因", "low-efficiency reason", "the rules that hold", "idle.low_efficiency"),
    "revitalization_priority": ("盘活优先级", "revitalization priority", "100 × Σ weight·component / Σ weights", "revitalization.priority_weights"),
    "revitalization_path": ("盘活路径", "revitalization path", "recover, fee, negotiate, raise FAR, replace enterprise …", ""),
    "candidate_reason": ("列入原因", "candidate reason", "the rule that made it a candidate", ""),
    "priority_explained": ("优先级说明", "priority explained", "each weight × component", "revitalization.priority_weights"),
    "readiness": ("配套水平", "readiness", "first readiness level (七通一平 … 三通一平) whose needs are met", "coverage.readiness"),
    "missing": ("缺项", "missing", "unmet needs of the best level", "coverage.readiness"),
    "power_zone": ("位于电力线路保护区", "in a power-line protection zone",
                   "a line's protection zone (电力设施保护条例 Art. 10, every voltage from 1 kV) reaches into the parcel",
                   "coverage.power_protection_zone_m"),
    "power_zone_kv": ("保护区线路电压(千伏)", "zone line voltage (kV)", "the highest voltage of those lines", ""),
    "power_zone_m": ("保护区宽度(米)", "protection zone width (m)", "each side of that line, by voltage (cable 0.75 m)",
                     "coverage.power_protection_zone_m"),
    "power_zone_dist_m": ("距保护区线路(米)", "distance to that line (m)", "from the line as drawn to the parcel", ""),
    "power_zone_key": ("保护区宽度规则", "zone width rule", "the rules key of that line's zone width", ""),
    "power_zone_reason_zh": ("保护区说明", "protection zone (Chinese)", "every such line: voltage, distance, width, source", ""),
    "power_zone_reason_en": ("保护区说明(英文)", "protection zone (English)", "every such line: voltage, distance, width, source", ""),
    "elev_mean_m": ("平均高程(米)", "mean elevation (m)", "mean of the DEM cells whose centre lies inside", ""),
    "relief_m": ("高差(米)", "relief (m)", "max − min elevation", "terrain.max_relief_m"),
    "slope_mean_deg": ("平均坡度(度)", "mean slope (°)", "mean cell slope", ""),
    "design_elev_m": ("土方计算标高(米)", "design level used (m)",
                      "design_level_m of the parcel, else by terrain.design_level: mean (cut = fill) or "
                      "balanced (cut × swell_factor = fill)", "terrain.design_level"),
    "design_basis": ("标高依据", "design level basis", "design_level_m / mean / balanced", "terrain.design_level"),
    "cut_m3": ("挖方(立方米)", "cut (m³)", "Σ positive differences from the design level × cell area", ""),
    "fill_m3": ("填方(立方米)", "fill (m³)", "Σ negative differences from the design level × cell area", ""),
    "leveled": ("场地平整", "site levelled", "site_leveled where recorded, else relief_m ≤ max_relief_m",
                "terrain.max_relief_m"),
    "leveled_source": ("平整依据", "levelling basis", "site_leveled (recorded) / dem (relief test)", ""),
    "dem_cells": ("DEM单元数", "DEM cells", "cells whose centre lies inside", ""),
    "compliance_basis": ("控制指标依据", "compliance basis", "edition and thresholds used", "compliance.edition"),
    "compliance_edition": ("控制指标版本", "control indicator edition", "the edition in force at supply, else compliance.edition",
                           "compliance.in_force_from"),
    "compliance_scope": ("控制指标判定范围", "compliance scope",
                         "checked (built: completed, in production, halted after completion) / not_built / no_status",
                         "compliance.edition"),
    "compliance_note": ("控制指标说明", "compliance note", "why the indicators are not judged", ""),
    "compliance_failed": ("未达标指标", "failed indicators", "indicators below/above their threshold", ""),
}
for _name in ("floor_area_ratio", "building_coverage_pct", "investment_intensity_wan_per_mu",
              "green_ratio_pct", "admin_ratio_pct"):
    _zh, _en, _d, _k = OUTPUT_COLUMNS[_name]
    OUTPUT_COLUMNS[f"{_name}_ok"] = (f"{_zh.split('(')[0]}达标", f"{_en} ok", "against the threshold", _k)
for _name in ("tax_per_mu_wan", "output_per_mu_wan", "revenue_per_mu_wan", "value_added_per_mu_wan",
              "value_added_per_tce_wan", "value_added_per_emission_wan", "rd_intensity_pct",
              "productivity_wan_per_person", "efficiency_score"):
    _zh, _en, _d, _k = OUTPUT_COLUMNS[_name]
    OUTPUT_COLUMNS[f"{_name}_yoy_pct"] = (f"{_zh.split('(')[0]}同比(%)", f"{_en.split(' (')[0]} change (%)",
                                          "100 · (this year − last year) / |last year|", "")


_TYPE_ZH = {"road": "道路", "water": "给水", "sewer": "污水", "storm": "雨水", "gas": "燃气",
            "heat": "热力", "power": "电力", "telecom": "通信"}
for _t in NETWORK_TYPES:
    _k = f"coverage.service_distance_m.{_t}"
    OUTPUT_COLUMNS[f"has_{_t}"] = (f"通{_TYPE_ZH[_t]}", f"{_t} available", "a built line within the service distance", _k)
    OUTPUT_COLUMNS[f"dist_{_t}_m"] = (f"距{_TYPE_ZH[_t]}(米)", f"distance to {_t} (m)",
                                      "Euclidean distance to the nearest built line, metric CRS", _k)
    OUTPUT_COLUMNS[f"ext_{_t}_m"] = (f"{_TYPE_ZH[_t]}延伸(米)", f"{_t} extension (m)",
                                     "extension needed (0 when available)", _k)
    OUTPUT_COLUMNS[f"ext_{_t}_cost_wan"] = (f"{_TYPE_ZH[_t]}延伸费用(万元)", f"{_t} extension cost (10k CNY)",
                                            "ext × unit cost", f"coverage.unit_cost_wan_per_m.{_t}")


_GAP_CODES = " / ".join(f"{code} {zh}" for code, (zh, _en) in GAPS.items())
OUTPUT_COLUMNS.update({
    "lifecycle_stage": ("生命周期阶段", "lifecycle stage", "the status code in lifecycle order (规划 … 投产)", ""),
    "lifecycle_gap": ("五未类型", "lifecycle gap", f"one of {_GAP_CODES}, or empty", "lifecycle"),
    "lifecycle_gap_reason": ("五未原因", "lifecycle gap reason", "dates and figures that make the gap", "lifecycle"),
    "lifecycle_gap_years": ("五未年数", "gap years", "years since the date the gap counts from", ""),
    "years_since_approval": ("获批年数", "years since approval", "(as_of − approval_date) / 365.25",
                             "lifecycle.approved_not_supplied_min_years"),
    "contract_check": ("标准地履约", "contract check (履约)",
                       "worst of the two stages and the no-transfer period: not_met / no_data / not_due / met, "
                       "empty without conditions", "lifecycle.contract_remedies.default"),
    "contract_completion_check": ("竣工复核", "completion check",
                                  "investment, floor area ratio, floor area, coverage once completed", ""),
    "contract_production_check": ("达产复核", "full-production check",
                                  "the 亩均 conditions from full_production_due_date", ""),
    "contract_unmet": ("未履约条件", "unmet conditions", "contract conditions not met (no_transfer: transferred "
                       "within the no-transfer period)", ""),
    "contract_reason": ("履约说明", "contract check reason",
                        "figure, contract value and source of each unmet condition; the damages", ""),
    "contract_damages_wan": ("违约金(万元)", "liquidated damages (10k CNY)",
                             "land_price_wan × shortfall ÷ condition (largest share, or summed: lifecycle.damages.combine)",
                             "lifecycle.damages.method"),
    "contract_remedy": ("履约处理", "remedy", "the remedy the rules name for the unmet conditions",
                        "lifecycle.contract_remedies.default"),
    "transfer_barred_until": ("禁止转让期满", "no transfer until", "no_transfer_from + no_transfer_years (标准地)",
                              "lifecycle.no_transfer_years"),
    "transfer_breach": ("期内转让", "transferred within the period", "transfer_date before transfer_barred_until",
                        "lifecycle.no_transfer_years"),
})
for _c, (_contract, _value, _side, _zh, _en, _unit) in CONDITIONS.items():
    _u = f"({_unit})" if _unit else ""
    OUTPUT_COLUMNS[f"contract_{_c}_ok"] = (f"{_zh}履约", f"{_en} met", f"{_value} {'≥' if _side == 'min' else '≤'} {_contract}", "")
    OUTPUT_COLUMNS[f"contract_{_c}_shortfall"] = (f"{_zh}差额{_u}", f"{_en} shortfall{' (' + _unit + ')' if _unit else ''}",
                                                  f"how far {_value} is {'below' if _side == 'min' else 'above'} {_contract}; 0 when met", "")
    OUTPUT_COLUMNS[f"contract_{_c}_shortfall_pct"] = (f"{_zh}差额(%)", f"{_en} shortfall (%)",
                                                      "100 × shortfall / condition", "")


def column_label(column: str, lang: str = "zh") -> str:
    """A person's label for any column of the evaluation table."""
    if column in OUTPUT_COLUMNS:
        zh, en, _d, _k = OUTPUT_COLUMNS[column]
        return zh if lang == "zh" else en
    col = PARCELS.by_name.get(column)
    if col is not None:
        return col.zh if lang == "zh" else col.en
    if column.endswith(("_min", "_max")):
        base = column.rsplit("_", 1)[0]
        zh, en = column_label(base, "zh"), column_label(base, "en")
        bound = {"min": ("下限", "minimum"), "max": ("上限", "maximum")}[column.rsplit("_", 1)[1]]
        return f"{zh}{bound[0]}" if lang == "zh" else f"{en} {bound[1]}"
    return column


def evaluate(
    workspace: Workspace | str | Path = "data",
    *,
    as_of: dt.date | None = None,
    year: int | None = None,
    rules: dict | None = None,
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
    rules : dict, optional
        Rules in force (default: :func:`landplan.rules.load_rules` of the workspace).
    engine : {"single", "dask"}, default "single"
        Where the spatial work (terrain, coverage) runs: this process, or dask-geopandas
        spatial partitions (:mod:`landplan.engine`); the results are the same.
    partitions : int, optional
        Spatial partitions for the dask engine.
    scheduler : str, optional
        Dask scheduler: None (threads in this process), ``"local"`` (a LocalCluster) or the
        address of a running scheduler.
    """
    ws = workspace if isinstance(workspace, Workspace) else Workspace(workspace)
    if not ws.has("parcels"):
        raise LandplanError(f"the workspace {ws.path} has no parcels layer; import parcels first")
    rules = rules if rules is not None else load_rules(ws)
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
            raise LandplanError(f"--year {year}: the ledger has no rows for it (years: {years or 'none'})")
        table = parcels.copy(deep=False)  # copy-on-write: parcels stays as read
        table["area_m2"] = area_m2(parcels).to_numpy() if len(parcels) else []
        table["area_mu"] = table["area_m2"] / M2_PER_MU
        table["as_of"] = pd.Timestamp(as_of).normalize()
        table = table.set_index("parcel_id", drop=False)
        efficiency = evaluate_efficiency(parcels, ledger, rules, year=year)
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
    ranked = ranked[["revitalization_priority", "path", "candidate_reason", "priority_explained"]]
    ranked = ranked.rename(columns={"path": "revitalization_path"}).reindex(pd.RangeIndex(len(table)))
    for column in ranked.columns:
        table[column] = ranked[column].set_axis(table.index)
    table = table.reset_index(drop=True)
    geometry = table.pop("geometry")
    # copy=False: the table is this function's own (a copy would cost seconds on a big park)
    return gpd.GeoDataFrame(table, geometry=geometry, crs=parcels.crs, copy=False)


def _join_new(table: pd.DataFrame, part: pd.DataFrame) -> pd.DataFrame:
    """``table`` with the columns of ``part`` it does not have yet (left join on the index)."""
    return table.join(part.drop(columns=[c for c in part.columns if c in table.columns]), how="left")


def _edition_key(key: str, rules: dict | None) -> str:
    """``compliance.thresholds.default.X`` -> the edition block's key when the edition in force sets X."""
    prefix = "compliance.thresholds.default."
    if rules is None or not key.startswith(prefix):
        return key
    edition = str(rules["compliance"]["edition"])
    block = rules["compliance"]["editions"].get(edition) or rules["compliance"]["editions"].get(int(edition)) or {}
    name = key.removeprefix(prefix)
    if (block.get("default") or {}).get(name) is not None:
        return f"compliance.editions.{edition}.default.{name}"
    return key


def definitions(columns, rules: dict | None = None) -> pd.DataFrame:
    """The definitions sheet: every column with labels, definition, rules key, source.

    Compliance thresholds name the key of the edition in force (its per-parcel basis, with
    fallbacks, is in the ``compliance_basis`` column).
    """
    rows = []
    for column in columns:
        zh, en, definition, key = OUTPUT_COLUMNS.get(column, (column_label(column, "zh"),
                                                               column_label(column, "en"), "", ""))
        key = _edition_key(key, rules)
        if column in PARCELS.by_name:
            definition = "parcel attribute (SPEC §3)"
        source = rule_source(key) if key else ""
        rows.append({"列 column": column, "中文": zh, "English": en, "定义 definition": definition,
                     "规则 rules key": key, "来源 source": source,
                     "未确认 UNCONFIRMED": "UNCONFIRMED" if key and is_unconfirmed(key) else ""})
    return pd.DataFrame(rows)


def read_evaluation(path: str | Path) -> pd.DataFrame:
    """Read an evaluation table written by :func:`write_evaluation` (any of its formats)."""
    import pyogrio

    path = Path(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise LandplanError(f"{path}: no such evaluation file")
    if suffix == ".gpkg":
        return pyogrio.read_dataframe(path)
    if suffix == ".parquet":
        return gpd.read_parquet(path)
    if suffix == ".csv":
        return csv_unescaped(pd.read_csv(path, encoding="utf-8-sig", dtype={"parcel_id": str}))
    if suffix == ".xlsx":
        frame = pd.read_excel(path, sheet_name=0, dtype=str)
        names = {column_label(c, "zh"): c for c in (*OUTPUT_COLUMNS, *PARCELS.by_name, "as_of")}
        frame = frame.rename(columns=names)
        for column in ("area_mu",):
            if column in frame:
                frame[column] = pd.to_numeric(frame[column], errors="coerce")
        return frame
    raise LandplanError(f"{path}: read .gpkg, .parquet, .csv or .xlsx evaluations")


def write_evaluation(table: gpd.GeoDataFrame, out: str | Path, *, rules: dict | None = None) -> Path:
    """Write the evaluation table to ``out`` (.gpkg, .parquet, .csv or .xlsx), atomically."""
    import pyogrio

    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in EVALUATION_FORMATS:
        raise LandplanError(f"--out {out}: write .gpkg, .parquet, .csv or .xlsx")
    if not isinstance(table, gpd.GeoDataFrame):
        if suffix == ".gpkg":
            raise LandplanError(f"--out {out}: this table has no geometry; write .csv, .xlsx or .parquet")
        table = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries([None] * len(table), index=table.index))
    with atomic_path(out) as tmp:
        if suffix == ".gpkg":
            pyogrio.write_dataframe(_ogr_frame(table), tmp, layer="evaluation", driver="GPKG",
                                    use_arrow=True, promote_to_multi=True)
        elif suffix == ".parquet":
            if table.geometry.isna().all():
                pd.DataFrame(table.drop(columns=table.geometry.name)).to_parquet(tmp, index=False)
            else:
                table.to_parquet(tmp, index=False)
        elif suffix == ".csv":
            write_csv(pd.DataFrame(table.drop(columns=table.geometry.name)), tmp, date_format="%Y-%m-%d")
        else:
            _write_xlsx(table, tmp, rules, out=out)
    return out


def _write_xlsx(table: gpd.GeoDataFrame, path: Path, rules: dict | None, *, out: Path) -> None:
    plain = pd.DataFrame(table.drop(columns=table.geometry.name))
    for column in plain.columns:
        if str(plain[column].dtype).startswith("datetime64"):
            plain[column] = plain[column].dt.date
        elif str(plain[column].dtype) == "boolean":
            plain[column] = plain[column].map({True: "是", False: "否"}).astype(object)
    headers = [column_label(c, "zh") for c in plain.columns]
    seen: dict[str, int] = {}
    unique = []
    for header in headers:  # two columns may share a label; Excel headers must differ
        seen[header] = seen.get(header, 0) + 1
        unique.append(header if seen[header] == 1 else f"{header}({seen[header]})")
    write_xlsx({"评价结果": plain.set_axis(unique, axis=1), "定义与来源": definitions(plain.columns, rules)},
               path, out=out)
