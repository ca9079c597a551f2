"""Canonical layers: column names, dtypes, enums, Chinese labels and aliases, in one place.

Every layer of a workspace (SPEC §3) is described by a :class:`LayerSpec` of
:class:`Column` s. The same description drives

- recognition of source columns on import (:func:`match_column`: English names, Chinese
  headers, cadastral field codes such as ``ZDDM``, a unit in brackets honoured and converted);
- coercion of raw values to canonical dtypes (:func:`coerce_column`: Chinese enum names,
  ``2021年3月1日`` dates, ``是/否`` booleans, ``10kV``), with one message per bad value;
- validation of a layer before it is written (:func:`validate_layer`), reporting every
  problem at once;
- the Shapefile field names of exports (``shp``, at most 10 bytes) and the bilingual labels
  of reports and the app (:func:`label`).

Canonical dtypes: ``str`` → pandas ``str``; ``float`` → ``float64`` (NaN = empty);
``int`` → ``Int64``; ``bool`` → ``boolean``; ``date`` → ``datetime64[ms]`` at midnight;
``enum`` → ``str`` holding the English code (see :data:`ENUMS`).
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from . import labels
from .errors import SchemaError
from .units import UNIT_FACTORS, unit_factor

__all__ = [
    "Column",
    "LayerSpec",
    "LAYERS",
    "ENUMS",
    "VECTOR_LAYERS",
    "layer_spec",
    "normalize_header",
    "match_column",
    "coerce_column",
    "validate_layer",
    "empty_layer",
    "label",
    "enum_label",
    "canonical_dtype",
]

# --------------------------------------------------------------------------------------------
# Enumerations: code -> (中文, English), plus extra spellings recognised on import.
# --------------------------------------------------------------------------------------------

#: Codes of each enumeration (their labels are ``val.<enum>.<code>`` in :mod:`landplan.labels`).
ENUM_CODES: dict[str, tuple[str, ...]] = {
    "parcel_status": ("planned", "acquiring", "approved", "reserve", "supplied", "under_construction", "completed", "in_production", "halted"),
    "idle_cause": ("enterprise", "government", "force_majeure"),
    "line_status": ("built", "under_construction", "planned"),
    "road_grade": ("expressway", "arterial", "secondary", "branch"),
    "pipe_kind": ("water", "sewer", "storm", "gas", "heat", "telecom", "reclaimed"),
    "laying": ("overhead", "cable"),
    "facility_kind": ("substation", "water_plant", "sewage_plant", "gas_station", "heat_source"),
}

#: code → (中文, English) per enumeration, read from the catalogue.
ENUMS: dict[str, dict[str, tuple[str, str]]] = {
    kind: {code: (labels.t(f"val.{kind}.{code}", "zh"), labels.t(f"val.{kind}.{code}", "en"))
           for code in codes}
    for kind, codes in ENUM_CODES.items()
}

_ENUM_SYNONYMS: dict[str, dict[str, str]] = {
    "parcel_status": {
        "规划": "planned", "规划用地": "planned", "未征收": "planned",
        "征收中": "acquiring", "征地中": "acquiring", "征地拆迁": "acquiring", "拆迁中": "acquiring",
        "已批未供": "approved", "已批": "approved", "已获批": "approved", "已报批": "approved",
        "储备": "reserve", "未供": "reserve", "储备/未供": "reserve", "未出让": "reserve",
        "已供未建": "supplied", "已出让": "supplied", "已供": "supplied", "已供地": "supplied",
        "在建": "under_construction", "建设中": "under_construction", "已动工": "under_construction",
        "竣工": "completed", "已竣工": "completed",
        "投产": "in_production", "已投产": "in_production", "生产": "in_production",
        "停工": "halted", "停产": "halted", "停工/停产": "halted", "停建": "halted",
    },
    "idle_cause": {
        "企业原因": "enterprise", "企业": "enterprise",
        "政府原因": "government", "政府": "government",
        "不可抗力": "force_majeure",
    },
    "line_status": {
        "已建": "built", "建成": "built", "现状": "built", "已建成": "built",
        "在建": "under_construction", "规划": "planned", "拟建": "planned",
    },
    "road_grade": {
        "快速路": "expressway", "主干路": "arterial", "主干道": "arterial",
        "次干路": "secondary", "次干道": "secondary", "支路": "branch",
    },
    "pipe_kind": {
        "给水": "water", "供水": "water", "污水": "sewer", "雨水": "storm",
        "燃气": "gas", "天然气": "gas", "热力": "heat", "供热": "heat",
        "通信": "telecom", "电信": "telecom", "通讯": "telecom",
        "再生水": "reclaimed", "中水": "reclaimed",
    },
    "laying": {"架空": "overhead", "电缆": "cable", "地埋": "cable", "埋地": "cable"},
    "facility_kind": {
        "变电站": "substation", "水厂": "water_plant", "自来水厂": "water_plant",
        "污水处理厂": "sewage_plant", "污水厂": "sewage_plant",
        "燃气门站": "gas_station", "门站": "gas_station", "热源厂": "heat_source",
        "热源": "heat_source",
    },
}

# Land-use names and GB 50137-2011 codes mapped to 用地用海分类 (2023) codes
# (source: shared/domain/land-use-codes.md §1-2). Other codes are kept as written.
LAND_USE_CODES: dict[str, str] = {
    "工业用地": "1001", "一类工业用地": "100101", "二类工业用地": "100102", "三类工业用地": "100103",
    "采矿用地": "1002", "盐田": "1003",
    "物流仓储用地": "1101", "一类物流仓储用地": "110101", "二类物流仓储用地": "110102",
    "三类物流仓储用地": "110103", "储备库用地": "1102",
    "m": "1001", "m1": "100101", "m2": "100102", "m3": "100103",
    "w": "1101", "w1": "110101", "w2": "110102", "w3": "110103", "h5": "1002",
}


def _norm_text(value: str) -> str:
    """NFKC (full-width → half-width), trimmed, lower-case, inner spaces removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))).lower()


def _enum_lookup(enum: str) -> dict[str, str]:
    table = {_norm_text(code): code for code in ENUMS[enum]}
    for code, (zh, _en) in ENUMS[enum].items():
        table[_norm_text(zh)] = code
    for spelling, code in _ENUM_SYNONYMS.get(enum, {}).items():
        table[_norm_text(spelling)] = code
    return table


_ENUM_TABLES = {name: _enum_lookup(name) for name in ENUMS}

# --------------------------------------------------------------------------------------------
# Columns and layers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One canonical column.

    Attributes
    ----------
    name : str
        Canonical English snake_case name, unit last (``tax_wan``).
    kind : {"str", "float", "int", "bool", "date", "enum"}
        Canonical dtype family (see the module docstring).
    aliases : tuple of str
        Other headers recognised on import (matching ignores case, width and spaces).
    unit : str, optional
        Key of :data:`landplan.units.UNIT_FACTORS` the values are in; a unit written in
        brackets after a header, or after a value (``10kV``), is converted to it.
    enum : str, optional
        Key of :data:`ENUMS` for ``kind="enum"``.
    nonneg : bool
        Negative values are errors.
    required : bool
        Missing values are errors.
    shp : str, optional
        Shapefile field name (≤ 10 bytes) when the canonical name is longer or a cadastral
        field code exists (``ZDDM``); otherwise the canonical name is used.
    layer : str
        The layer the column belongs to (set by :class:`LayerSpec`).

    Its labels for people, :attr:`zh` and :attr:`en` (with the unit), are the catalogue's
    ``col.<layer>.<name>`` or ``col.<name>`` (:mod:`landplan.labels`).
    """

    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    unit: str | None = None
    enum: str | None = None
    nonneg: bool = False
    required: bool = False
    shp: str | None = None
    layer: str = ""

    @property
    def shp_name(self) -> str:
        return self.shp or self.name

    def label(self, lang: str = "zh") -> str:
        """The column's header for people in ``lang``."""
        return labels.column(self.name, lang, layer=self.layer or None)

    @property
    def zh(self) -> str:
        return self.label("zh")

    @property
    def en(self) -> str:
        return self.label("en")


@dataclass(frozen=True)
class LayerSpec:
    """A canonical layer: its file in the workspace, geometry family and columns."""

    name: str
    geometry: str | None  # "polygon", "line", "point" or None (a table)
    columns: tuple[Column, ...]
    id_column: str | None = None
    folder: str = ""
    stem: str = ""
    by_name: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(replace(c, layer=self.name) for c in self.columns))
        self.by_name.update({c.name: c for c in self.columns})

    @property
    def zh(self) -> str:
        return labels.t(f"layer.{self.name}", "zh")

    @property
    def en(self) -> str:
        return labels.t(f"layer.{self.name}", "en")

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _c(name, kind, *aliases, **kw) -> Column:
    return Column(name, kind, tuple(aliases), **kw)


_M2 = {"unit": "m2", "nonneg": True}
_WAN = {"unit": "wan", "nonneg": True}
_MU = {"unit": "mu", "nonneg": True}
_N = {"nonneg": True}

PARCELS = LayerSpec(
    "parcels", "polygon",
    (
        _c("parcel_id", "str", "宗地号", "宗地代码", "宗地编号", "地块编号",
           "地块号", "ZDDM", "ZDH", "DKBH", "BDCDYH", "不动产单元号", "地块代码", "id",
           required=True, shp="ZDDM"),
        _c("parcel_name", "str", "地块名称", "宗地名称", "DKMC", shp="DKMC"),
        _c("holder", "str", "权利人", "土地使用权人",
           "使用权人", "QLR", "SYQR", shp="QLR"),
        _c("land_use", "str", "用途", "土地用途", "用地性质", "地类",
           "地类编码", "YT", "TDYT", "DLBM", shp="YT"),
        _c("area_declared_m2", "float", "宗地面积",
           "用地面积", "土地面积", "面积", "ZDMJ", "YDMJ", "TDMJ", shp="ZDMJ", **_M2),
        _c("industry_code", "str", "行业代码",
           "行业分类代码", "国民经济行业代码", "HYDM", shp="HYDM"),
        _c("status", "enum", "状态", "建设状态", "项目状态", "供地状态",
           enum="parcel_status"),
        _c("supply_date", "date", "供地日期", "出让日期",
           "合同签订日期", shp="supply_dt"),
        # 交付土地之日: the idle-land clock runs from it where the contract sets no start date
        # (闲置土地处置办法 Art. 22; landplan.idle.start_dates)
        _c("delivery_date", "date", "交地日期", "交付日期",
           "交付土地日期", "土地交付日期", "实际交地日期", "交地时间", shp="deliver_dt"),
        _c("agreed_start_date", "date", "约定动工日期",
           "约定开工日期", "约定动工", shp="agr_start"),
        _c("agreed_completion_date", "date", "约定竣工日期", "约定竣工", shp="agr_compl"),
        _c("actual_start_date", "date", "实际动工日期",
           "实际开工日期", "动工日期", "实际动工", shp="act_start"),
        _c("halted_since", "date", "停工日期", "中止日期",
           "中止开发日期", shp="halted"),
        _c("idle_cause", "enum", "闲置原因", enum="idle_cause"),
        # the idle-land procedure (闲置土地处置办法 Arts. 5, 9, 14, 17): the dates its papers were served
        _c("investigation_notice_date", "date", "闲置土地调查通知书送达日期", "调查通知书送达日期",
           "闲置土地调查通知书日期", "调查通知书日期", "调查通知日期", shp="inv_notice"),
        _c("idle_declared_date", "date", "闲置土地认定书日期", "闲置土地认定书送达日期", "认定书日期", "认定书送达日期", "闲置认定日期",
           shp="idle_decl"),
        _c("disposal_decision_date", "date", "处置决定书送达日期", "处置决定书日期",
           "征缴土地闲置费决定书日期", "闲置费决定书日期", "收回决定书日期",
           "收回国有建设用地使用权决定书日期", "决定书送达日期", shp="disp_dec"),
        _c("land_price_wan", "float", "出让价款",
           "土地价款", "成交价款", "出让金", shp="price_wan", **_WAN),
        _c("agreed_investment_wan", "float", "约定总投资", "约定投资", "协议投资", shp="agr_inv", **_WAN),
        _c("invested_wan", "float", "已完成投资",
           "实际投资", "累计投资", "已投资", shp="inv_wan", **_WAN),
        _c("developed_area_m2", "float", "已开发面积", "已动工面积", shp="dev_m2", **_M2),
        _c("floor_area_m2", "float", "总建筑面积",
           "建筑面积", "JZMJ", shp="JZMJ", **_M2),
        # 建筑系数 counts buildings, structures (构筑物) and open storage yards (堆场): the total,
        # or its parts summed where the total is empty (landplan.compliance.footprint_m2)
        _c("footprint_area_m2", "float", "建筑物、构筑物基底及堆场面积",
           "建筑物构筑物基底及堆场面积", "建筑物、构筑物基底及露天堆场面积", "建筑系数计算面积",
           "建筑基底面积", "基底面积", "建筑占地面积", "JDMJ", shp="JDMJ", **_M2),
        _c("building_footprint_m2", "float", "建筑物基底面积", "建筑物占地面积", "建筑物基底占地面积", shp="bld_fp_m2", **_M2),
        _c("structure_footprint_m2", "float", "构筑物基底面积", "构筑物占地面积", "构筑物基底占地面积", shp="str_fp_m2", **_M2),
        _c("yard_area_m2", "float", "露天堆场及操作场地面积", "露天堆场面积", "堆场面积", "堆场占地面积", "露天操作场地面积",
           "操作场地面积", shp="yard_m2", **_M2),
        _c("green_area_m2", "float", "绿地面积", "LDMJ",
           shp="LDMJ", **_M2),
        _c("admin_area_m2", "float", "行政办公及生活服务设施用地面积", "行政办公面积",
           "配套用地面积", shp="admin_m2", **_M2),
        _c("load_kva", "float", "用电负荷", "报装容量",
           "用电容量", "负荷", unit="kva", nonneg=True, shp="load_kva"),
        _c("site_leveled", "bool", "场地已平整", "场地平整",
           "是否平整", shp="leveled"),
        _c("design_level_m", "float", "设计标高", "场地设计标高",
           "设计高程", "场平标高", "竖向设计标高", unit="m", shp="dsgn_lvl"),
        _c("floor_area_ratio_declared", "float", "容积率", "RJL", shp="RJL", nonneg=True),
        _c("building_density_pct_declared", "float", "建筑密度", "JZMD", shp="JZMD", unit="pct",
           nonneg=True),
        _c("map_sheet", "str", "图幅号", "TFH", shp="TFH"),
        # lifecycle (土地全生命周期): acquisition progress, approval, completion, production
        _c("acquired_mu", "float", "已征收面积", "已征面积",
           "征地面积", "征收面积", shp="acq_mu", **_MU),
        _c("compensation_paid_wan", "float", "已付补偿款", "补偿款", "征收补偿款", "已支付补偿", shp="comp_wan", **_WAN),
        _c("graves_moved", "int", "迁坟", "迁坟数", "已迁坟",
           shp="graves", **_N),
        _c("houses_demolished", "int", "拆除房屋", "房屋拆迁",
           "拆迁房屋", "已拆房屋", shp="houses", **_N),
        _c("households_resettled", "int", "安置户数", "安置户",
           "已安置户", shp="househlds", **_N),
        _c("approval_date", "date", "批准日期", "农转用批准日期", "批复日期",
           "获批日期", shp="appr_date"),
        _c("approval_batch", "str", "报批批次", "批次", "批次名称",
           shp="appr_batch"),
        _c("actual_completion_date", "date", "实际竣工日期",
           "竣工日期", shp="act_compl"),
        _c("production_date", "date", "投产日期", "实际投产日期",
           shp="prod_date"),
        _c("full_production_due_date", "date", "约定达产日期",
           "达产日期", "达产时间", shp="full_due"),
        # 标准地 contract conditions (出让合同/投资协议), checked at completion (竣工复核: investment,
        # floor area ratio, floor area, coverage) or full production (达产复核: the 亩均 figures);
        # landplan.lifecycle.CONTRACT_STAGES
        _c("standard_land", "bool", "标准地", "是否标准地",
           shp="std_land"),
        _c("contract_investment_intensity_wan_per_mu", "float", "约定投资强度", "投资强度要求", "亩均投资要求",
           shp="c_inv_mu", unit="wan_per_mu", **_N),
        _c("contract_tax_per_mu_wan", "float", "约定亩均税收", "亩均税收要求", "地均税收要求", shp="c_tax_mu", unit="wan_per_mu", **_N),
        _c("contract_value_added_per_mu_wan", "float", "约定亩均增加值", "亩均增加值要求",
           shp="c_va_mu", unit="wan_per_mu", **_N),
        _c("contract_productivity_wan_per_person", "float", "约定全员劳动生产率", "劳动生产率要求",
           shp="c_prod", unit="wan_per_person", **_N),
        _c("contract_value_added_per_tce_wan", "float", "约定单位能耗增加值", "单位能耗增加值要求",
           shp="c_va_tce", unit="wan_per_tce", **_N),
        _c("contract_far_min", "float", "约定容积率下限", "容积率下限", shp="c_far_min", **_N),
        _c("contract_far_max", "float", "约定容积率上限", "容积率上限", shp="c_far_max", **_N),
        _c("contract_coverage_min_pct", "float", "约定建筑系数下限", "建筑系数下限", "建筑密度下限",
           unit="pct", shp="c_cov_min", **_N),
        _c("contract_coverage_max_pct", "float", "约定建筑系数上限", "建筑系数上限", "建筑密度上限",
           unit="pct", shp="c_cov_max", **_N),
        _c("contract_floor_area_m2", "float", "约定总建筑面积", "约定建筑面积", "约定建筑总面积", "建筑面积要求", shp="c_floor", **_M2),
        _c("contract_value_added_per_emission_wan", "float", "约定单位排放增加值",
           "单位排放增加值要求", shp="c_va_emis", unit="wan_per_t", **_N),
        _c("contract_rd_intensity_pct", "float", "约定研发投入强度", "约定研发经费占比", "研发投入强度要求", "研发经费占比要求",
           unit="pct", shp="c_rd_pct", **_N),
        _c("transfer_date", "date", "转让日期", "土地转让日期",
           "转让登记日期", "转让时间", shp="transfer"),
        # lineage: the parcels a parcel was split from or merged from
        _c("parent_ids", "str", "来源宗地", "原宗地号", "母宗地",
           shp="parents"),
    ),
    id_column="parcel_id", folder="parcels", stem="parcels",
)

LEDGER = LayerSpec(
    "ledger", None,
    (
        _c("enterprise_id", "str", "统一社会信用代码",
           "信用代码", "社会信用代码", required=True),
        _c("name", "str", "企业名称", "单位名称", "名称"),
        _c("parcel_id", "str", *PARCELS.columns[0].aliases, required=True),
        _c("year", "int", "年份", "年度", required=True),
        _c("share", "float", "用地份额", "占用比例", nonneg=True),
        _c("above_scale", "bool", "是否规上", "规上企业"),
        _c("tax_wan", "float", "税收", "实缴税收", "实缴税金",
           "税收总额", "入库税收", unit="wan"),
        _c("revenue_wan", "float", "营业收入",
           "主营业务收入", "销售收入", unit="wan"),
        _c("output_wan", "float", "工业总产值",
           "产值", unit="wan"),
        _c("value_added_wan", "float", "工业增加值",
           "增加值", unit="wan"),
        _c("energy_tce", "float", "综合能耗", "能耗",
           "能源消费量", unit="tce", nonneg=True),
        _c("emission_t", "float", "排放当量", "污染物排放当量",
           "排放量", unit="t", nonneg=True),
        _c("rd_wan", "float", "研发经费", "研发投入",
           "R&D经费", unit="wan", nonneg=True),
        _c("employees", "float", "职工人数", "从业人员",
           "年平均职工人数", "员工人数", unit="person", nonneg=True),
        # for the 规下 formula's 单位用电税收 (tax per kWh, 黄岩 2022)
        _c("electricity_kwh", "float", "用电量", "年用电量",
           "用电总量", "总用电量", "工业用电量", unit="kwh", nonneg=True, shp="elec_kwh"),
    ),
    folder="parcels", stem="enterprises",
)

_STATUS = _c("status", "enum", "状态", "建设状态", enum="line_status")

ROADS = LayerSpec(
    "roads", "line",
    (
        _c("road_id", "str", "道路编号", "编号"),
        _c("name", "str", "道路名称", "名称"),
        _c("grade", "enum", "等级", "道路等级", enum="road_grade"),
        _c("width_m", "float", "宽度", "路宽", "道路宽度", unit="m",
           nonneg=True),
        _STATUS,
    ),
    id_column="road_id", folder="networks", stem="roads",
)

PIPELINES = LayerSpec(
    "pipelines", "line",
    (
        _c("pipe_id", "str", "管线编号", "编号"),
        _c("kind", "enum", "类型", "管线类型", "管类", enum="pipe_kind"),
        _c("diameter_mm", "float", "管径", unit="mm", nonneg=True,
           shp="diam_mm"),
        _STATUS,
    ),
    id_column="pipe_id", folder="networks", stem="pipelines",
)

POWERLINES = LayerSpec(
    "powerlines", "line",
    (
        _c("line_id", "str", "线路编号", "编号"),
        _c("voltage_kv", "float", "电压等级", "电压", unit="kv",
           nonneg=True),
        _STATUS,
        _c("laying", "enum", "敷设方式", enum="laying"),
    ),
    id_column="line_id", folder="networks", stem="powerlines",
)

FACILITIES = LayerSpec(
    "facilities", "point",
    (
        _c("facility_id", "str", "设施编号", "编号", shp="fac_id"),
        _c("name", "str", "设施名称", "名称"),
        _c("kind", "enum", "类型", "设施类型", enum="facility_kind"),
        _c("capacity", "float", "容量", "规模", nonneg=True),
        _c("capacity_unit", "str", "容量单位", shp="cap_unit"),
        _STATUS,
    ),
    id_column="facility_id", folder="networks", stem="facilities",
)

#: Every tabular layer by name.
LAYERS: dict[str, LayerSpec] = {s.name: s for s in (PARCELS, LEDGER, ROADS, PIPELINES, POWERLINES,
                                                     FACILITIES)}
#: The layers with geometry, in load order.
VECTOR_LAYERS: tuple[str, ...] = ("parcels", "roads", "pipelines", "powerlines", "facilities")

_DTYPES = {"str": "str", "enum": "str", "float": "float64", "int": "Int64", "bool": "boolean",
           "date": "datetime64[ms]"}


def layer_spec(name: str) -> LayerSpec:
    """The :class:`LayerSpec` called ``name``; a clear error for an unknown layer."""
    try:
        return LAYERS[name]
    except KeyError:
        raise SchemaError(
            f"unknown layer {name!r}; layers are: {', '.join(LAYERS)} (and terrain for a DEM)"
        ) from None


def canonical_dtype(column: Column) -> str:
    """The pandas dtype a column of this kind has in a canonical layer."""
    return _DTYPES[column.kind]


def label(layer: str, column: str, lang: str = "zh") -> str:
    """A person's label for a column (``lang`` ``"zh"`` or ``"en"``); the name if unknown."""
    return labels.column(column, lang, layer=layer if layer in LAYERS else None)


def enum_label(enum: str, code: str, lang: str = "zh") -> str:
    """A person's label for an enum code, e.g. ``enum_label("parcel_status", "halted")``."""
    return labels.value(enum, code, lang)


# --------------------------------------------------------------------------------------------
# Header recognition
# --------------------------------------------------------------------------------------------

# "税收（万元）"; also "税收（万元" as Shapefile writers leave it after cutting the name at 10 bytes
_BRACKET_UNIT = re.compile(r"^(?P<name>.+?)[\(\[（【](?P<unit>[^\)\]）】]*)[\)\]）】]?$")
# "用地面积_亩_": the same header after GDAL laundered the brackets (FileGDB, PostGIS)
_LAUNDERED_UNIT = re.compile(r"^(?P<name>.+?)_(?P<unit>[^_]+)_?$")


def normalize_header(header: str) -> tuple[str, str | None]:
    """Split a header into its normalised name and the unit written in brackets, if any.

    >>> normalize_header("税收（万元）")
    ('税收', '万元')
    >>> normalize_header(" Parcel_ID ")
    ('parcel_id', None)
    """
    text = unicodedata.normalize("NFKC", str(header)).strip()
    unit = None
    m = _BRACKET_UNIT.match(text)
    if m:
        text, unit = m.group("name"), m.group("unit").strip()
    return _norm_text(text), unit


def _alias_table(spec: LayerSpec) -> dict[str, str]:
    table: dict[str, str] = {}
    for col in spec.columns:  # canonical names first: they win over any alias
        table[_norm_text(col.name)] = col.name
    for col in spec.columns:
        for alias in (col.shp_name, *col.aliases):
            table.setdefault(_norm_text(alias), col.name)
    return table


_ALIASES = {name: _alias_table(spec) for name, spec in LAYERS.items()}


def match_column(layer: str, header: str) -> tuple[str | None, float, str | None]:
    """Recognise a source header for ``layer``.

    Returns
    -------
    (column, factor, unit) : tuple
        ``column`` is the canonical name or ``None`` when unrecognised; ``factor`` converts
        the values to the canonical unit (1.0 when no unit is written); ``unit`` is the unit
        written in the header. A unit the column cannot take raises :class:`SchemaError`.
    """
    name, unit = normalize_header(header)
    column = _ALIASES[layer].get(name)
    if column is None:
        column = _ALIASES[layer].get(_norm_text(header))
        if column is not None:  # a bracket that is part of a name, not a unit
            return column, 1.0, None
        m = _LAUNDERED_UNIT.match(unicodedata.normalize("NFKC", str(header)).strip())
        if m is None:
            return None, 1.0, None
        column = _ALIASES[layer].get(_norm_text(m.group("name")))
        col = LAYERS[layer].by_name.get(column) if column else None
        if col is None or col.unit is None or unit_factor(col.unit, m.group("unit")) is None:
            return None, 1.0, None
        unit = m.group("unit")
    if unit is None:
        return column, 1.0, None
    col = LAYERS[layer].by_name[column]
    if unit == "" and col.unit is not None:
        return None, 1.0, None  # "用地面积(": the unit was cut off; m² or mu cannot be told
    if col.unit is None:
        raise SchemaError(f"header {header!r}: column {column} takes no unit, but {unit!r} is written")
    factor = unit_factor(col.unit, unit)
    if factor is None:
        known = ", ".join(UNIT_FACTORS[col.unit])
        raise SchemaError(f"header {header!r}: unit {unit!r} is not one of {known}")
    return column, factor, unit


# --------------------------------------------------------------------------------------------
# Value coercion
# --------------------------------------------------------------------------------------------

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_EXCEL_EPOCH = _dt.date(1899, 12, 30)
_TRUE = {"是", "y", "yes", "true", "t", "1", "有", "√", "1.0"}
_FALSE = {"否", "n", "no", "false", "f", "0", "无", "×", "0.0"}
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$")


def _is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and value.strip() in {"", "-", "—", "/", "nan", "NaN", "null", "NULL"}


def _parse_float(value, col: Column) -> float:
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    text = _norm_text(value).replace(",", "")
    factor = 1.0
    if col.unit and not _NUMBER.match(text):
        for written, f in sorted(UNIT_FACTORS[col.unit].items(), key=lambda kv: -len(kv[0])):
            if text.endswith(written) and _NUMBER.match(text[: -len(written)]):
                text, factor = text[: -len(written)], f
                break
    if not _NUMBER.match(text):
        raise ValueError(f"{value!r} is not a number")
    return float(text) * factor


def _parse_date(value) -> pd.Timestamp:
    if isinstance(value, pd.Timestamp):
        return value.normalize()
    if isinstance(value, (_dt.datetime, _dt.date, np.datetime64)):
        return pd.Timestamp(value).normalize()
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        number = float(value)
        if number.is_integer() and 19000101 <= number <= 21001231:
            value = str(int(number))
        elif number.is_integer() and 1 <= number < 80000:  # an Excel serial day number
            return pd.Timestamp(_EXCEL_EPOCH + _dt.timedelta(days=int(number)))
        else:
            raise ValueError(f"{value!r} is not a date")
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    if re.fullmatch(r"\d{4,5}(\.0+)?", text) and not re.fullmatch(r"\d{8}", text):
        number = int(float(text))
        if 1 <= number < 80000:
            return pd.Timestamp(_EXCEL_EPOCH + _dt.timedelta(days=number))
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            y, mo, d = (int(g) for g in m.groups()[:3])
            try:
                return pd.Timestamp(_dt.date(y, mo, d))
            except ValueError:
                raise ValueError(f"{value!r} is not a valid date ({y}-{mo:02d}-{d:02d} does not exist)") from None
    raise ValueError(
        f"{value!r} is not a date (write 2021-03-01, 2021/3/1, 2021年3月1日 or 20210301)"
    )


def _parse_str(value) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))  # codes read as numbers from spreadsheets: 44120000105.0
    if isinstance(value, (_dt.datetime, pd.Timestamp)):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def _parse_land_use(value) -> str:
    text = _parse_str(value)
    return LAND_USE_CODES.get(_norm_text(text), text)


def _parse_industry(value) -> str:
    text = _parse_str(value)
    m = re.fullmatch(r"[A-Ta-t](\d{2,4})", text)
    return m.group(1) if m else text


def _parse_value(value, col: Column):
    if col.kind == "str":
        if col.name == "land_use":
            return _parse_land_use(value)
        if col.name == "industry_code":
            return _parse_industry(value)
        return _parse_str(value)
    if col.kind == "float":
        number = _parse_float(value, col)
        if not np.isfinite(number):
            raise ValueError(f"{value!r} is not a finite number")
        if col.nonneg and number < 0:
            raise ValueError(f"negative value {number:g} (must be ≥ 0)")
        return number
    if col.kind == "int":
        number = _parse_float(value, col)
        if not float(number).is_integer():
            raise ValueError(f"{value!r} is not a whole number")
        if col.nonneg and number < 0:
            raise ValueError(f"negative value {number:g} (must be ≥ 0)")
        return int(number)
    if col.kind == "bool":
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        text = _norm_text(value)
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(f"{value!r} is not yes/no (write 是/否, Y/N or 1/0)")
    if col.kind == "date":
        return _parse_date(value)
    if col.kind == "enum":
        code = _ENUM_TABLES[col.enum].get(_norm_text(value))
        if code is None:
            choices = ", ".join(f"{k} {zh}" for k, (zh, _) in ENUMS[col.enum].items())
            raise ValueError(f"unknown value {value!r} (expected one of: {choices})")
        return code
    raise AssertionError(col.kind)  # pragma: no cover - kinds are fixed above


def _arrow_numbers(values: pd.Series) -> np.ndarray | None:
    """float64 of an arrow-backed text column when arrow's own parser reads every value (empty
    text → NaN; 10× pandas' ``to_numeric``); None when a value needs the slower readers."""
    if not isinstance(values.array, pd.arrays.ArrowStringArray):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array(values.array)
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text)
    try:
        return pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def coerce_column(values: pd.Series, col: Column, *, factor: float = 1.0,
                  _fast: bool = True) -> tuple[pd.Series, dict]:
    """Convert raw values to the canonical dtype of ``col``.

    Parameters
    ----------
    values : Series
        Raw values as read (text, numbers, dates, None).
    col : Column
        The canonical column.
    factor : float
        Unit conversion from the header's unit (numeric columns only).

    Returns
    -------
    (series, errors)
        The converted Series (same index, canonical dtype; a bad value becomes empty) and a
        dict ``{index label: message}`` for every value that could not be converted.
    """
    dtype = canonical_dtype(col)
    errors: dict = {}
    if col.kind in {"float", "int"} and values.dtype.kind in "iuf":  # numbers already: vectorised
        numbers = values.astype("float64") * factor
        problems = pd.Series("", index=values.index, dtype=object)
        problems[~np.isfinite(numbers) & numbers.notna()] = "not a finite number"
        if col.nonneg:
            negative = numbers.lt(0).to_numpy()
            problems[negative] = [f"negative value {v:g} (must be ≥ 0)" for v in numbers[negative]]
        if col.kind == "int":
            fractional = (numbers.notna() & (numbers % 1 != 0)).to_numpy()
            problems[fractional] = [f"{v!r} is not a whole number" for v in numbers[fractional]]
        bad = problems.ne("").to_numpy()
        errors = dict(zip(values.index[bad], problems[bad], strict=True))
        numbers[bad] = np.nan
        return (numbers if col.kind == "float" else numbers.astype(dtype)), errors
    if col.kind == "date" and values.dtype.kind == "M":
        return values.dt.normalize().astype(dtype), errors
    if col.kind in {"float", "int"} and _fast and len(values) > 1000:
        # plain decimal text (a stored table, a big CSV): pandas' parser first, the values it
        # cannot read (units, thousands separators, words) by the rules below, each once
        numbers = _arrow_numbers(values)
        if numbers is None:
            try:
                numbers = pd.to_numeric(values, errors="coerce")
            except (TypeError, ValueError):  # mixed objects: go through Python objects
                numbers = pd.to_numeric(pd.Series(values.to_numpy(dtype=object), index=values.index),
                                        errors="coerce")
        numbers = pd.Series(np.asarray(numbers, dtype="float64"), index=values.index)
        rest = ~np.isfinite(numbers.to_numpy()) & ~values.isna().to_numpy()  # 'inf' too: its own message
        if col.kind == "int":
            rest |= np.isfinite(numbers.to_numpy()) & (numbers.to_numpy() % 1 != 0)  # messages quote the text
        plain, errors = coerce_column(numbers.where(~rest), col, factor=factor)
        if rest.any():
            parsed, more = coerce_column(values[rest], col, factor=factor, _fast=False)
            plain = plain.astype("float64")
            plain[rest] = parsed.astype("float64").to_numpy()
            errors.update(more)
            plain = plain if col.kind == "float" else plain.astype(dtype)
        return plain, errors
    # Anything else: parse every distinct value once, then spread the results.
    codes, uniques = pd.factorize(pd.Series(values.to_numpy(dtype=object), dtype=object))
    parsed: list = []
    failed: dict[int, str] = {}
    for k, value in enumerate(uniques):
        if _is_missing(value):
            parsed.append(None)
            continue
        try:
            result = _parse_value(value, col)
            parsed.append(result * factor if col.kind == "float" and factor != 1.0 else result)
        except (ValueError, TypeError, OverflowError) as exc:
            failed[k] = str(exc)
            parsed.append(None)
    for k, message in failed.items():
        for idx in values.index[codes == k]:
            errors[idx] = message
    lookup = np.empty(len(parsed) + 1, dtype=object)
    lookup[: len(parsed)] = parsed
    lookup[-1] = None  # code -1: missing
    out = lookup[codes]
    if col.kind == "float":
        series = pd.Series(np.where(pd.isna(out), np.nan, out).astype("float64"), index=values.index)
    elif col.kind == "date":
        series = pd.Series(pd.to_datetime(pd.Series(out, dtype=object)).to_numpy(), index=values.index)
        series = series.astype(dtype)
    else:
        series = pd.Series(out, index=values.index, dtype=object).astype(dtype)
    return series, errors


def empty_layer(name: str):
    """An empty canonical layer (GeoDataFrame for vector layers, DataFrame for the ledger)."""
    import geopandas as gpd

    spec = layer_spec(name)
    frame = pd.DataFrame({c.name: pd.Series(dtype=canonical_dtype(c)) for c in spec.columns})
    if spec.geometry is None:
        return frame
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], dtype="geometry"))


_GEOM_FAMILY = {
    "polygon": {"Polygon", "MultiPolygon"},
    "line": {"LineString", "MultiLineString"},
    "point": {"Point", "MultiPoint"},
}


def validate_layer(name: str, frame) -> None:
    """Check a layer against its canonical schema; raise :class:`SchemaError` listing every problem.

    Checks: canonical columns have canonical dtypes; required columns are present and filled;
    the id column is unique; enum values are known; non-negative columns hold no negatives;
    geometries (vector layers) are non-empty, valid and of the layer's family; the layer has
    a CRS.
    """
    spec = layer_spec(name)
    problems: list[str] = []
    for col in spec.columns:
        if col.name not in frame.columns:
            if col.required:
                problems.append(f"required column {col.name} ({col.zh}) is missing")
            continue
        series = frame[col.name]
        if str(series.dtype) != canonical_dtype(col):
            problems.append(f"column {col.name} has dtype {series.dtype}, expected {canonical_dtype(col)}")
            continue
        if col.required and series.isna().any():
            rows = list(series.index[series.isna()][:5])
            problems.append(f"column {col.name} is empty in rows {rows}")
        if col.kind == "enum":
            bad = sorted(set(series.dropna()) - set(ENUMS[col.enum]))
            if bad:
                problems.append(f"column {col.name} has unknown values {bad}")
        if col.nonneg and col.kind == "float" and (series < 0).any():
            problems.append(f"column {col.name} has negative values")
    if spec.id_column and spec.id_column in frame.columns and spec.name != "ledger":
        ids = frame[spec.id_column].dropna()
        dup = ids[ids.duplicated()]
        if len(dup):
            problems.append(f"{spec.id_column} is not unique: {sorted(set(dup))[:5]}")
    if spec.geometry is not None:
        geoms = frame.geometry
        if frame.crs is None:
            problems.append("the layer has no CRS")
        if (geoms.isna() | geoms.is_empty).any():
            problems.append("some geometries are empty")
        types = set(geoms.dropna().geom_type) - _GEOM_FAMILY[spec.geometry]
        if types:
            problems.append(f"geometry types {sorted(types)} in a {spec.geometry} layer")
        if spec.geometry == "polygon" and not geoms.dropna().is_valid.all():
            problems.append("some polygons are invalid")
    if problems:
        raise SchemaError(f"{name}: " + "; ".join(problems))
