"""Labels of the app in Chinese (default) and English.

Column and enum labels come from :mod:`landplan.schema` (:func:`~landplan.schema.label`,
:func:`~landplan.schema.enum_label`); this module holds the app's own words.

>>> t("parcels.title", "en")
'Parcels'
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
    "nav.parcels": ("地块", "Parcels"),
    "parcels.title": ("地块", "Parcels"),
    "parcels.caption": (
        "{n} 宗地块，共 {mu:,.2f} 亩 · 坐标系 {crs} · 工作区 {path}",
        "{n} parcels, {mu:,.2f} mu in all · CRS {crs} · workspace {path}",
    ),
    "map.hint": (
        "点击地块查看属性，或在右侧按宗地号、权利人搜索。滚轮缩放，拖动平移。",
        "Click a parcel to see its attributes, or search by parcel id or holder on the right. "
        "Scroll to zoom, drag to pan.",
    ),
    "map.alt": ("园区地块地图（按建设状态着色）与道路", "Map of the park's parcels by status, with roads"),
    "legend.title": ("图例：建设状态", "Legend: status"),
    "legend.summary": ("{n} 宗，{mu:,.2f} 亩", "parcels: {n}, {mu:,.2f} mu"),
    "legend.total": ("合计", "Total"),
    "legend.no_status": ("未填状态", "no status"),
    "legend.roads": ("道路：深色已建，浅色在建/规划", "Roads: dark built, light under construction/planned"),
    "legend.no_roads": ("工作区中没有道路图层。", "The workspace has no roads layer."),
    "tooltip.area": ("面积", "Area"),
    "unit.mu": ("亩", "mu"),
    "select.label": ("按宗地号或权利人查找地块", "Find a parcel by id or holder"),
    "select.placeholder": ("输入宗地号或权利人…", "Type a parcel id or holder…"),
    "select.none": ("未选择地块。点击地图上的地块或在上方搜索。",
                    "No parcel selected. Click one on the map or search above."),
    "details.title": ("地块属性", "Parcel attributes"),
    "details.field": ("项目", "Field"),
    "details.value": ("值", "Value"),
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
        "导入地块，或运行 `landplan demo --out {path}` 生成示例园区。",
        "The workspace {path} has no parcels. Import them with `landplan import FILE --layer "
        "parcels --workspace {path}`, or run `landplan demo --out {path}` to write the demo park.",
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
