"""Labels of the app in Chinese (default) and English.

Column and enum labels come from :mod:`landplan.schema` (:func:`~landplan.schema.label`,
:func:`~landplan.schema.enum_label`); this module holds the app's own words.

>>> t("nav.parcel", "en")
'Parcel details'
>>> t("legend.summary", "zh", n=3, mu=45.0)
'3 宗，45.00 亩'
"""

from __future__ import annotations

__all__ = ["LANGS", "DEFAULT_LANG", "LABELS", "t"]

#: Languages of the app: code → name shown in the language switch.
LANGS: dict[str, str] = {"zh": "中文", "en": "English"}
DEFAULT_LANG = "zh"

#: key → (中文, English). ``{name}`` fields are filled by :func:`t`.
LABELS: dict[str, tuple[str, str]] = {
    "app.title": ("园区土地规划", "Park land planning"),
    "app.language": ("语言 / Language", "语言 / Language"),
    "app.workspace": ("工作区", "Workspace"),
    "nav.overview": ("总览", "Overview"),
    "nav.efficiency": ("亩均效益", "Efficiency per mu"),
    "nav.idle": ("闲置土地", "Idle land"),
    "nav.infrastructure": ("基础设施", "Infrastructure"),
    "nav.terrain": ("场地平整", "Site levelling"),
    "nav.lifecycle": ("全生命周期", "Lifecycle"),
    "nav.siting": ("招商选址", "Site selection"),
    "nav.parcel": ("地块详情", "Parcel details"),
    "nav.data": ("数据导入导出", "Data in and out"),
    "nav.settings": ("设置与规则", "Settings and rules"),
    "overview.caption": (
        "{n} 宗地块，共 {mu:,.2f} 亩 · 坐标系 {crs} · 工作区 {path}",
        "{n} parcels, {mu:,.2f} mu in all · CRS {crs} · workspace {path}",
    ),
    "overview.parcels": ("地块数(宗)", "parcels"),
    "overview.area": ("面积", "area"),
    "overview.idle": ("闲置土地", "idle land"),
    "overview.graded": ("参评面积(A–D)", "graded area (A–D)"),
    "overview.ready": ("达三通一平及以上", "three utilities or better"),
    "overview.by_status": ("按建设状态", "By status"),
    "overview.by_class": ("亩均效益分类", "Efficiency classes"),
    "overview.by_readiness": ("配套水平", "Readiness"),
    "overview.mu_by_status": ("各状态面积", "Area by status"),
    "overview.count": ("宗数", "parcels"),
    "overview.mu_share": ("面积占比(%)", "area share (%)"),
    "overview.tax_share": ("税收占比(%)", "tax share (%)"),
    "efficiency.ranking": ("亩均效益排名", "Ranking"),
    "efficiency.distribution": ("亩均税收分布(万元/亩)", "Tax per mu (10k CNY/mu)"),
    "efficiency.bin": ("亩均税收区间(万元/亩)", "tax per mu (10k CNY/mu)"),
    "efficiency.by_class": ("分类汇总", "By class"),
    "efficiency.tax_per_mu": ("亩均税收(万元/亩)", "tax per mu (10k CNY/mu)"),
    "efficiency.no_data": ("所选地块没有税收数据。", "The shown parcels have no tax data."),
    "idle.count": ("闲置宗数", "idle parcels"),
    "idle.fees": ("应收土地闲置费", "idle-land fees due"),
    "idle.low": ("低效用地", "low-efficiency land"),
    "idle.idle_list": ("闲置土地与处置", "Idle parcels and disposal"),
    "idle.deadlines": ("下一步期限", "Next deadlines"),
    "idle.low_list": ("低效用地", "Low-efficiency land"),
    "idle.candidates": ("盘活候选(按优先级)", "Revitalization candidates (by priority)"),
    "idle.target": ("本年盘活进度", "Revitalized this year"),
    "idle.target_since": ("年初评价日期", "Earlier evaluation date"),
    "idle.progress": ("{year} 年已盘活 {mu:,.2f} 亩（{n} 宗，自 {since} 起）；{goal}",
                      "{year}: {mu:,.2f} mu revitalized ({n} parcels since {since}); {goal}"),
    "idle.no_target": ("规则中未设年度目标 (revitalization.target_mu_per_year)",
                       "no yearly target in the rules (revitalization.target_mu_per_year)"),
    "idle.target_of": ("目标 {target:,.2f} 亩", "target {target:,.2f} mu"),
    "infra.routes": ("在地图上显示延伸线路", "Show extension routes on the map"),
    "infra.routes_shown": ("延伸线路 {n} 条，共 {km:,.2f} 千米", "{n} extension routes, {km:,.2f} km"),
    "infra.by_type": ("按管网类型", "By network type"),
    "infra.type": ("类型", "type"),
    "infra.served": ("已通(宗)", "served (parcels)"),
    "infra.served_mu": ("已通(亩)", "served (mu)"),
    "infra.gaps": ("缺口(宗)", "gaps (parcels)"),
    "infra.ext_km": ("延伸(千米)", "extension (km)"),
    "infra.cost": ("延伸费用(万元)", "extension cost (10k CNY)"),
    "infra.by_level": ("配套水平", "Readiness levels"),
    "infra.gap_list": ("缺项地块", "Parcels with gaps"),
    "terrain.no_dem": ("工作区没有 DEM：场地平整按地块的 site_leveled 属性判断，无挖填方。",
                       "The workspace has no DEM: levelling comes from site_leveled; no cut/fill."),
    "terrain.cut": ("挖方合计", "total cut"),
    "terrain.fill": ("填方合计", "total fill"),
    "terrain.leveled": ("场地已平整", "levelled land"),
    "terrain.table": ("地块土方(按高差排序)", "Earthworks by parcel (largest relief first)"),
    "lifecycle.stages": ("生命周期阶段", "Stages"),
    "lifecycle.gaps": ("五未", "The five gaps"),
    "lifecycle.gap": ("五未类型", "gap"),
    "lifecycle.gap_list": ("五未地块", "Parcels with a gap"),
    "lifecycle.contract": ("标准地履约", "Contract performance (标准地)"),
    "contract_check.met": ("达标", "met"),
    "contract_check.not_met": ("未达标", "not met"),
    "contract_check.not_due": ("未到期", "not due"),
    "contract_check.no_data": ("无数据", "no data"),
    "contract_check.": ("无履约条件", "no conditions"),
    "idle_status.not_applicable": ("不适用", "not applicable"),
    "idle_status.not_idle": ("未闲置", "not idle"),
    "idle_status.not_due": ("未满认定期", "not yet due"),
    "idle_status.idle_unstarted": ("闲置(未动工)", "idle (not started)"),
    "idle_status.idle_halted": ("闲置(中止开发)", "idle (halted)"),
    "siting.industry": ("行业代码(2位)", "industry code (2 digits)"),
    "siting.area": ("用地需求(亩)", "land needed (mu)"),
    "siting.investment": ("总投资(万元)", "total investment (10k CNY)"),
    "siting.tax": ("达产年税收(万元)", "yearly tax at full production (10k CNY)"),
    "siting.output": ("达产年产值(万元)", "yearly output at full production (10k CNY)"),
    "siting.needs": ("所需配套", "utilities needed"),
    "siting.run": ("检查并选址", "Check and rank parcels"),
    "siting.admitted": ("项目符合准入门槛；用地需求 {need:,.2f} 亩，可选地块 {n} 宗（按排名）。",
                        "The project clears the entry thresholds; it needs {need:,.2f} mu; {n} sites ranked."),
    "siting.refused": ("项目未达准入门槛（见下表未达标项）；用地需求 {need:,.2f} 亩，可选地块 {n} 宗。",
                       "The project does not clear the entry thresholds (see the unmet checks); it "
                       "needs {need:,.2f} mu; {n} sites ranked."),
    "siting.checks": ("准入检查", "Entry checks"),
    "siting.sites": ("推荐地块(按排名)", "Ranked sites"),
    "siting.hint": ("填写项目后点击“检查并选址”。", "Enter the project and press the button."),
    "hook.failed": ("{what}失败：{error}", "{what} failed: {error}"),
    "hook.screen": ("项目准入检查与选址", "Project screening and site selection"),
    "hook.report": ("地块评价报告", "The parcel report"),
    "hook.history": ("地块变更历史", "Parcel history"),
    "history.title": ("变更历史", "History"),
    "history.parents": ("来源地块：{ids}", "Came from parcels: {ids}"),
    "history.none": ("该地块没有变更记录。", "No changes recorded for this parcel."),
    "report.title": ("评价报告", "Report"),
    "report.format": ("格式", "Format"),
    "report.make": ("生成报告", "Make the report"),
    "report.download": ("下载报告", "Download the report"),
    "data.import": ("导入数据", "Import"),
    "data.upload": ("上传文件（zip 打包的 Shapefile、GeoPackage、GeoJSON、XLSX 台账、界址点 txt；每个不超过 {mb} MB）",
                    "Upload files (zipped Shapefile, GeoPackage, GeoJSON, XLSX ledger, 界址点 txt; "
                    "up to {mb} MB each)"),
    "data.layer": ("导入到图层", "Into layer"),
    "data.crs": ("坐标系（可选，如 EPSG:4527）", "CRS (optional, e.g. EPSG:4527)"),
    "data.encoding": ("编码（可选，如 gbk）", "Encoding (optional, e.g. gbk)"),
    "data.keep_extra": ("保留未识别的列（默认不导入，仅在报告中列出）",
                        "Keep unrecognised columns (by default they are left out and listed in the report)"),
    "data.run_import": ("导入", "Import"),
    "data.refused": ("未导入：{error}", "Not imported: {error}"),
    "data.imported": ("导入完成，报告如下：", "Imported; the report:"),
    "data.export": ("导出当前显示的地块", "Export the shown parcels"),
    "data.export_caption": ("按当前筛选导出 {n} 宗地块。", "{n} parcels, as filtered."),
    "data.download.shp": ("Shapefile (GBK, zip)", "Shapefile (GBK, zip)"),
    "data.download.gpkg": ("GeoPackage", "GeoPackage"),
    "data.download.xlsx": ("Excel 属性表", "Excel attributes"),
    "data.download.coordtxt": ("界址点坐标 txt", "界址点 coordinate txt"),
    "data.evaluation": ("评价结果表", "Evaluation table"),
    "data.download.evaluation": ("评价结果 {fmt}", "Evaluation {fmt}"),
    "settings.rules": ("规则", "Rules"),
    "settings.rules_caption": ("修改后保存到 {path}；与默认值相同的项不写入。⚠ 表示默认值未经来源确认 (UNCONFIRMED)。",
                               "Saved to {path}; values equal to the default are left out. "
                               "⚠ marks defaults no source confirmed (UNCONFIRMED)."),
    "settings.save": ("保存规则", "Save the rules"),
    "settings.saved": ("规则已保存到 {path}。", "Rules saved to {path}."),
    "settings.tiles": ("底图", "Basemap"),
    "settings.tiles_caption": ("默认不加载任何底图（不发出外部请求）。可填写 XYZ 瓦片地址（如天地图加密钥、OSM）。",
                               "No basemap by default (no request leaves the server). Enter an "
                               "XYZ tile URL (e.g. 天地图 with your key, or OSM) to draw one."),
    "settings.tile_url": ("XYZ 瓦片地址", "XYZ tile URL"),
    "settings.tile_bad": ("瓦片地址须以 http(s):// 开头，并含 {z}、{x}、{y}。",
                          "The tile URL must start with http(s):// and contain {z}, {x} and {y}."),
    "auth.caption": ("写入工作区（上传导入、保存规则）需要应用密码；本次会话输入一次即可。",
                     "Writing to the workspace (upload and import, saving the rules) needs the "
                     "app's password; once per session."),
    "auth.password": ("应用密码", "App password"),
    "auth.unlock": ("解锁写入", "Unlock writing"),
    "auth.wrong": ("密码不正确，未解锁。", "Wrong password; still locked."),
    "auth.no_password": (
        "本服务器对其他计算机开放，但未设置应用密码，因此写入已关闭。请设置环境变量 {env}"
        "（或 landplan app --password-file 文件）后重启，或只在本机提供服务（{address}）。",
        "This server is open to other computers and has no app password, so writing is off. "
        "Set {env} (or landplan app --password-file FILE) and restart, or serve on this "
        "machine only ({address}).",
    ),
    "auth.broken": ("应用密码设置有误，写入已关闭：{error}",
                    "The app's password setting is broken, writing is off: {error}"),
    "rules.used": ("本页使用的规则", "Rules used on this page"),
    "rules.unconfirmed": ("未确认", "UNCONFIRMED"),
    "rules.no_source": ("无来源", "no source"),
    "rules.invalid": ("规则无效：{error}", "Invalid rules: {error}"),
    "eval.running": ("正在评价…", "Evaluating…"),
    "eval.failed": ("评价失败：{error}", "The evaluation failed: {error}"),
    "filters.title": ("筛选", "Filters"),
    "filters.count": ("显示 {n} / {total} 宗，{mu:,.2f} 亩", "showing {n} of {total} parcels, {mu:,.2f} mu"),
    "filters.as_of": ("评价日期", "Evaluation date"),
    "filters.year": ("台账年度", "Ledger year"),
    "filters.status": ("建设状态", "Status"),
    "filters.industry": ("行业代码", "Industry code"),
    "filters.class": ("亩均效益分类", "Efficiency class"),
    "filters.idle": ("闲置状态", "Idle status"),
    "filters.readiness": ("配套水平", "Readiness"),
    "filters.area": ("面积(亩)", "Area (mu)"),
    "filters.text": ("宗地号或权利人", "Parcel id or holder"),
    "filters.any": ("全部", "all"),
    "filters.none": ("未填", "empty"),
    "layers.title": ("图层", "Layers"),
    "layers.shown": ("显示", "Show"),
    "layers.roads": ("道路", "Roads"),
    "layers.pipelines": ("管线(按类型)", "Pipelines (by kind)"),
    "layers.powerlines": ("电力线(按电压)", "Power lines (by voltage)"),
    "layers.facilities": ("设施", "Facilities"),
    "layers.outlines": ("地块边界线", "Parcel boundary lines"),
    "layers.outlines_help": ("地块边界线：未选时地块之间留出细缝表示边界（首屏更快）；选中后以 1 像素白线描边，放大时更清晰。",
                             "Parcel boundary lines: not chosen, parcels are drawn with a thin "
                             "gap between them (a faster first map); chosen, 1-pixel white "
                             "boundary lines, sharper when zoomed in."),
    "layers.none": ("不显示", "none"),
    "map.colour_by": ("地块着色", "Colour parcels by"),
    "map.hint": (
        "点击地块查看属性（地块详情页），或在侧栏按宗地号、权利人搜索。滚轮缩放，拖动平移。",
        "Click a parcel to pick it (see Parcel details), or search by parcel id or holder in "
        "the sidebar. Scroll to zoom, drag to pan.",
    ),
    "map.hint_raster": (
        "显示的地块超过 {n} 宗，地图按图片绘制（无悬停提示）；用筛选缩小范围或在地块详情页搜索。",
        "More than {n} parcels shown: the map is drawn as an image (no tooltips); narrow the "
        "filters, or search on the Parcel details page.",
    ),
    "map.tiles_on": ("已启用外部底图（设置页）。", "External basemap on (Settings)."),
    "map.alt": ("园区地块专题地图与道路管线", "Thematic map of the park's parcels with roads and networks"),
    "map.no_data": ("无数据", "no data"),
    "map.not_graded": ("未参评", "not graded"),
    "map.no_gap": ("无", "none"),
    "map.class": ("{c} 类", "class {c}"),
    "legend.title": ("图例：", "Legend: "),
    "legend.summary": ("{n} 宗，{mu:,.2f} 亩", "parcels: {n}, {mu:,.2f} mu"),
    "legend.total": ("合计", "Total"),
    "legend.no_status": ("未填状态", "no status"),
    "legend.roads": ("道路（深色已建，浅色在建/规划）", "Roads (dark built, light under construction/planned)"),
    "legend.pipe": ("{kind}管线", "{kind} pipes"),
    "legend.power": ("{kv} kV 电力线", "{kv} kV power lines"),
    "tooltip.area": ("面积", "Area"),
    "unit.mu": ("亩", "mu"),
    "unit.wan": ("万元", "10k CNY"),
    "unit.year": ("年", "years"),
    "unit.m": ("米", "m"),
    "unit.wan_per_m": ("万元/米", "10k CNY/m"),
    "select.label": ("按宗地号或权利人查找地块", "Find a parcel by id or holder"),
    "select.placeholder": ("输入宗地号或权利人…", "Type a parcel id or holder…"),
    "select.none": ("未选择地块。点击地图上的地块或在上方搜索。",
                    "No parcel selected. Click one on the map or search above."),
    "details.title": ("地块属性", "Parcel attributes"),
    "details.attributes": ("属性", "Attributes"),
    "details.figures": ("评价指标", "Evaluation figures"),
    "details.enterprises": ("企业", "Enterprises"),
    "details.no_enterprises": ("台账中没有该地块的企业。", "No enterprise of the ledger is on this parcel."),
    "details.field": ("项目", "Field"),
    "details.value": ("值", "Value"),
    "details.rule": ("规则", "Rule"),
    "details.source": ("来源", "Source"),
    "details.unconfirmed": ("未确认", "Unconfirmed"),
    "area_m2": ("面积(平方米)", "area (m²)"),
    "area_mu": ("面积(亩)", "area (mu)"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "empty.missing": (
        "工作区文件夹不存在：{path}。请用 --workspace 或环境变量 LANDPLAN_WORKSPACE 指定工作区，"
        "或运行 `landplan demo --out {path}` 生成示例园区。",
        "The workspace folder does not exist: {path}. Name one with --workspace or the "
        "LANDPLAN_WORKSPACE variable, or run `landplan demo --out {path}` to write the demo park.",
    ),
    "empty.no_parcels": (
        "工作区 {path} 中没有地块。请用 `landplan import 文件 --layer parcels --workspace {path}` "
        "导入地块（或在“数据导入导出”页上传），或运行 `landplan demo --out {path}` 生成示例园区。",
        "The workspace {path} has no parcels. Import them with `landplan import FILE --layer "
        "parcels --workspace {path}` (or upload them on the Data page), or run "
        "`landplan demo --out {path}` to write the demo park.",
    ),
    "empty.not_folder": ("这是一个文件，不是文件夹", "this is a file, not a folder"),
    "empty.error": ("无法读取工作区 {path}：{error}", "Could not read the workspace {path}: {error}"),
}


def t(key: str, lang: str = DEFAULT_LANG, **fields: object) -> str:
    """The label ``key`` in ``lang`` (``"zh"`` or ``"en"``), with ``fields`` filled in.

    An unknown key is returned as it is, so a missing label shows rather than fails.
    """
    pair = LABELS.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**fields) if fields else text
