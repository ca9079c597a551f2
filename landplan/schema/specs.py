"""Column specs: every canonical layer (SPEC §3) as a :class:`LayerSpec` of :class:`Column` s.

A column has its name, kind (dtype), unit, enum, whether it is required or non-negative, the
spellings recognised on import (English names, Chinese headers, cadastral field codes) and its
Shapefile name. The enumerations' codes are :data:`ENUM_CODES`; their words come from the
catalogue (:data:`ENUMS`). :func:`validate_layer` checks a layer against its spec before it is
written, reporting every problem at once; :func:`empty_layer` gives a layer without rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from .. import labels
from ..errors import SchemaError

# --------------------------------------------------------------------------------------------
# Enumerations: their codes; the words are the catalogue's (spellings recognised on import: .parsing).
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
    unit_required : bool
        A header recognised by one of its ``aliases`` must write its unit in brackets: the
        values are published in units a factor of 10,000 apart (区片综合地价 in 元/亩, 元/平方米
        or 万元/亩), so none is assumed; without one the column is not imported and the import
        report asks for the unit. The canonical and Shapefile names carry the unit themselves.
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
    unit_required: bool = False
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
        # land economics (issue 22): the parcel's own acquisition price per mu (区片综合地价 of its
        # zone, or its acquisition cost per mu: 征地成本(万元/亩), the column's own header), winning
        # over the zones and the rules' park-wide value. A total (征地成本(万元)) is refused by its unit
        _c("acquisition_wan_per_mu", "float", "区片综合地价", "征地区片综合地价", "征地区片价", "区片价",
           "征地成本", "亩均征地成本", "征地成本单价", "征地单价", shp="acq_wan_mu", unit="wan_per_mu", unit_required=True, **_N),
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
