"""The report's own words in Chinese (default) and English.

Column labels and units come from :func:`landplan.evaluate.column_label` (the evaluation
table's ``OUTPUT_COLUMNS``) and :mod:`landplan.schema` (parcel attributes, enums); this module
holds only what belongs to the reports: titles, headers and the labels of result codes that
no other table names.

>>> t("title.parcel", "zh")
'地块评价报告'
>>> t("title.parcel", "en")
'Parcel evaluation report'
"""

from __future__ import annotations

__all__ = ["LANGS", "WORDS", "t", "code_label"]

LANGS = ("zh", "en")

#: key -> (中文, English); ``{name}`` fields are filled by :func:`t`.
WORDS: dict[str, tuple[str, str]] = {
    "title.parcel": ("地块评价报告", "Parcel evaluation report"),
    "title.park": ("园区评价报告", "Park evaluation report"),
    "title.index": ("按地块评价报告目录", "Parcel evaluation reports"),
    "meta.as_of": ("评价日期", "evaluation date"),
    "meta.year": ("台账年度", "ledger year"),
    "meta.generated": ("由 landplan {version} 生成", "made by landplan {version}"),
    "meta.rules": ("规则：landplan/rules/default.yaml{extra}，每项注明来源；UNCONFIRMED 为未经原文确认的数值",
                   "rules: landplan/rules/default.yaml{extra}, each with its source; UNCONFIRMED marks "
                   "figures no primary text confirmed"),
    "sec.header": ("基本信息", "Parcel"),
    "sec.map": ("区位图", "Map"),
    "sec.efficiency": ("亩均效益", "Efficiency per mu (亩均效益)"),
    "sec.ledger": ("台账合计", "Ledger totals"),
    "sec.compliance": ("建设用地控制指标", "Land control indicators"),
    "sec.idle": ("闲置土地与低效用地", "Idle and low-efficiency land"),
    "sec.lifecycle": ("全生命周期与标准地履约", "Lifecycle and 标准地 contract check"),
    "sec.history": ("宗地沿革", "History"),
    "sec.coverage": ("基础设施配套", "Infrastructure coverage"),
    "sec.terrain": ("场地平整", "Terrain and levelling"),
    "sec.enterprises": ("地块上的企业", "Enterprises on the parcel"),
    "sec.sources": ("规则来源", "Sources of the rules"),
    "col.item": ("项目", "item"),
    "col.value": ("数值", "value"),
    "col.unit": ("单位", "unit"),
    "col.source": ("来源", "source"),
    "col.benchmark": ("园区基准", "park benchmark"),
    "col.weight": ("权重", "weight"),
    "col.yoy": ("同比", "year on year"),
    "col.threshold_min": ("下限", "minimum"),
    "col.threshold_max": ("上限", "maximum"),
    "col.result": ("结果", "result"),
    "col.type": ("类型", "type"),
    "col.available": ("已通", "available"),
    "col.distance": ("距离", "distance"),
    "col.service": ("服务距离", "service distance"),
    "col.extension": ("需延伸", "extension"),
    "col.cost": ("延伸费用", "extension cost"),
    "col.rule": ("规则", "rule"),
    "col.parcel": ("宗地号", "parcel"),
    "col.holder": ("权利人", "holder"),
    "col.count": ("宗数", "parcels"),
    "col.file": ("报告", "report"),
    "col.condition": ("条件", "condition"),
    "col.contract": ("约定值", "contracted"),
    "col.actual": ("实际值", "actual"),
    "col.shortfall": ("差额", "shortfall"),
    "pass": ("达标", "pass"),
    "fail": ("未达标", "fail"),
    "no_threshold": ("无阈值", "no threshold"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "no_data": ("无数据", "no data"),
    "none": ("无", "none"),
    "unit.none": ("—", "—"),
    "unit.ratio": ("比值", "ratio"),
    "unit.points": ("分", "points"),
    "unit.count": ("个", "count"),
    "unit.years": ("年", "years"),
    "unit.date": ("日期", "date"),
    "unit.text": ("—", "—"),
    "unit.wan": ("万元", "10k CNY"),
    "unit.mu": ("亩", "mu"),
    "unit.m": ("米", "m"),
    "unit.pct": ("%", "%"),
    "unit.people": ("人", "persons"),
    "unit.kva": ("千伏安", "kVA"),
    "unit.share": ("份额(0–1)", "share (0–1)"),
    "map.legend.parcel": ("本地块", "this parcel"),
    "map.legend.neighbour": ("相邻地块", "neighbouring parcels"),
    "map.legend.road": ("道路(虚线：在建/规划)", "roads (dashed: under construction/planned)"),
    "map.legend.pipe": ("管线", "pipelines"),
    "map.legend.power": ("电力线", "power lines"),
    "map.scale": ("比例尺", "scale"),
    "map.alt": ("地块 {pid} 及相邻地块、道路和管网", "Parcel {pid} with its neighbours, roads and networks"),
    "map.none": ("地块没有几何图形，无法制图", "the parcel has no geometry: no map"),
    "eff.class": ("分类", "class"),
    "eff.policy_source": ("分类政策来源", "class policy source"),
    "eff.no_rows": ("本年度无台账数据：不评分、不分类（不按零或D类处理）",
                    "no ledger rows this year: no score, no class (not zero, not D)"),
    "idle.rules": ("适用规则", "rules applied"),
    "idle.next": ("下一期限", "next deadline"),
    "lc.absent": ("评价表中没有全生命周期列：无数据", "the evaluation table has no lifecycle columns: no data"),
    "lc.no_conditions": ("无标准地约定条件", "no 标准地 contract conditions"),
    "hist.parents": ("来源宗地", "came from"),
    "hist.children": ("分割/合并后的宗地", "became (split or merged into)"),
    "hist.none": ("无沿革记录（未记录来源宗地，也无宗地由本宗地产生）",
                  "no history: no parent parcels recorded and no parcel came from this one"),
    "hist.absent": ("地块图层没有 parent_ids 列：无数据", "the parcels layer has no parent_ids column: no data"),
    "cov.readiness": ("配套水平", "readiness"),
    "cov.missing": ("缺项", "missing"),
    "cov.total": ("补齐合计", "total to close the gaps"),
    "terrain.no_dem": ("工作区没有DEM：场地平整取自 site_leveled 属性", "the workspace has no DEM: levelling comes from site_leveled"),
    "ent.none": ("本年度地块上没有企业台账记录", "no ledger rows on this parcel this year"),
    "ent.total": ("合计", "total"),
    "ent.id": ("统一社会信用代码", "enterprise id"),
    "ent.name": ("企业名称", "name"),
    "ent.prev": ("上年", "previous year"),
    "park.totals": ("总体情况", "Totals"),
    "park.status": ("按建设状态", "By status"),
    "park.classes": ("亩均效益分类(A/B/C/D)", "Efficiency classes (A/B/C/D)"),
    "park.idle": ("闲置土地", "Idle land"),
    "park.low": ("低效用地", "Low-efficiency land"),
    "park.candidates": ("盘活候选与目标进度", "Revitalization candidates and target progress"),
    "park.coverage": ("基础设施缺口", "Coverage gaps"),
    "park.readiness": ("配套水平分布", "Readiness levels"),
    "park.tax_hist": ("亩均税收分布", "Tax per mu, distribution"),
    "park.parcels": ("地块数", "parcels"),
    "park.area": ("面积", "area"),
    "park.graded": ("已分类地块", "graded parcels"),
    "park.ungraded": ("未分类", "not graded"),
    "park.lacking": ("未通地块", "parcels without"),
    "park.target": ("本年盘活目标", "this year's target"),
    "park.target_none": ("未设定目标（rules revitalization.target_mu_per_year 为空）",
                         "no target set (rules revitalization.target_mu_per_year is null)"),
    "park.progress_since": ("自 {since} 起已盘活 {mu} 亩（{n} 宗）", "{mu} mu revitalized since {since} ({n} parcels)"),
    "park.progress_none": ("进度需要年初的评价结果（--since 文件）", "progress needs an evaluation from the start of the year (--since FILE)"),
    "park.share_of_target": ("完成比例", "share of target"),
    "park.priority": ("优先级", "priority"),
    "park.path": ("盘活路径", "path"),
    "park.reason": ("列入原因", "reason"),
    "park.more": ("另有 {n} 宗未列出，见 CSV 汇总", "{n} more not listed; see the CSV summary"),
    "index.failed": ("失败", "failed"),
    "index.ok": ("已生成", "written"),
    "index.summary": ("{ok} 份报告已生成，{failed} 份失败", "{ok} reports written, {failed} failed"),
    "index.park": ("园区报告", "park report"),
}

#: Result codes of the evaluation that no schema enum labels: code -> (中文, English).
CODES: dict[str, dict[str, tuple[str, str]]] = {
    "idle_status": {
        "not_applicable": ("不适用", "not applicable"),
        "not_idle": ("非闲置", "not idle"),
        "not_due": ("未满一年", "not yet due"),
        "idle_unstarted": ("疑似闲置（未动工）", "suspected idle (not started)"),
        "idle_halted": ("疑似闲置（中止开发）", "suspected idle (halted)"),
    },
    "idle_stage": {
        "": ("—", "—"),
        "suspected": ("疑似闲置（待调查）", "suspected idle (to investigate)"),
        "investigating": ("调查中（待答复）", "under investigation (reply due)"),
        "to_be_declared": ("应认定为闲置", "to be declared idle"),
        "declared": ("已认定闲置", "declared idle (认定书)"),
        "decided": ("已下达处置决定", "disposal decided"),
    },
    "start_date_basis": {
        "": ("—", "—"),
        "agreed_start_date": ("约定动工日期", "agreed start date"),
        "delivery_date": ("交地日期（无约定动工日期，第二十二条）", "delivery date (no agreed start date, Art. 22)"),
        "supply_date": ("供地日期（无约定动工日期和交地日期）", "supply date (no agreed start or delivery date)"),
    },
    "idle_disposal": {
        "none": ("无", "none"),
        "idle_fee": ("征缴土地闲置费", "idle-land fee"),
        "recover": ("无偿收回", "recover without compensation"),
        "negotiate": ("协商处置", "negotiate"),
    },
    "design_basis": {
        "design_level_m": ("地块设计标高", "the parcel's design level"),
        "mean": ("平均高程（挖填相等）", "mean elevation (cut = fill)"),
        "balanced": ("挖填平衡（计松散系数）", "balanced after swell (松散系数)"),
    },
    "leveled_source": {
        "site_leveled": ("按记录（场地已平整字段）", "as recorded (site_leveled)"),
        "dem": ("按DEM高差判断（无记录）", "DEM relief test (nothing recorded)"),
    },
    "compliance_scope": {
        "checked": ("已建成，判定", "built: judged"),
        "not_built": ("未建成，不判定", "not built: not judged"),
        "no_status": ("建设状态未填，不判定", "status not recorded: not judged"),
    },
    "efficiency_group": {
        "above_scale": ("规上企业", "above designated size"),
        "below_scale": ("规下企业", "below designated size"),
    },
    "efficiency_status": {
        "graded": ("已评价分类", "graded"),
        "incomplete": ("数据不全，未分类", "incomplete data: not graded"),
        "out_of_scope": ("不在评价范围", "out of scope"),
        "no_rows": ("本年度无台账", "no ledger rows"),
    },
    "contract_check": {
        "": ("无约定条件", "no conditions"),
        "not_due": ("未到达产复核期", "not yet due"),
        "met": ("已履约", "met"),
        "not_met": ("未履约", "not met"),
        "no_data": ("无数据", "no data"),
    },
}


def t(key: str, lang: str = "zh", **fields: object) -> str:
    """The report word ``key`` in ``lang``; an unknown key is returned as it is."""
    pair = WORDS.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**fields) if fields else text


def code_label(kind: str, code: object, lang: str = "zh") -> str:
    """A person's label for a result code of the evaluation (the code itself when unknown)."""
    text = "" if code is None else str(code)
    pair = CODES.get(kind, {}).get(text)
    if pair is None:
        return text
    return pair[1] if lang == "en" else pair[0]
