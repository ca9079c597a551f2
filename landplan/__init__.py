"""landplan: land and infrastructure planning for Chinese industrial parks (工业园区土地规划).

The public API::

    import landplan
    ws = landplan.Workspace.open("data")
    rules = landplan.load_ruleset(ws)                  # the typed rules (RuleSet) in force
    report = landplan.import_layer("宗地.zip", "parcels", workspace=ws)
    parcels = ws.read("parcels")
    landplan.export_layer("parcels", workspace=ws, fmt="shp", out="宗地.zip")
    table = landplan.evaluate(ws, year=2025, rules=rules)  # one row per parcel, SPEC §5 columns
    result = landplan.screen_project(landplan.read_project("项目.xlsx"), ws)   # 招商选址
    landplan.split_parcel(ws, "HF-001", area_mu=20)   # recorded in parcels/history.gpkg
    before = landplan.parcels_as_of(ws, datetime.date(2025, 12, 31))
    landplan.report(ws, ["HF-001"], out="reports")    # 按地块评价报告, HTML (fmt="pdf" for A4 PDF)
"""

from __future__ import annotations

from .compliance import evaluate_compliance
from .coverage import evaluate_coverage, extension_routes, network_qa, substation_loads
from .crs import gk_epsg, metric_crs
from .edit import EditError, EditResult, merge_parcels, split_parcel, update_parcel
from .efficiency import evaluate_efficiency, evaluate_enterprises, park_benchmarks
from .errors import (
    CRSError,
    InputFileError,
    LandplanError,
    LandplanWarning,
    ParameterError,
    RepairWarning,
    RuleError,
    SchemaError,
    WorkspaceError,
)
from .evaluate import evaluate, write_evaluation
from .geometry import area_m2, area_mu
from .history import change_log, changes_between, parcel_history, parcels_as_of
from .idle import check_idle_inputs, evaluate_idle
from .io.importer import ImportReport, import_layer
from .io.writers import ExportReport, export_layer
from .lifecycle import contract_check, evaluate_lifecycle, lifecycle_summary
from .report import ReportRun, report
from .revitalization import (
    candidates,
    low_efficiency,
    park_summary,
    scenario_median_tax,
    target_progress,
)
from .rules import load_rules, load_ruleset, render_rules, rule_source
from .ruleset import RuleSet
from .schema import LAYERS, label, validate_layer
from .screen import Project, ScreeningResult, make_project, read_project, screen_project
from .terrain import evaluate_terrain
from .units import M2_PER_MU, m2_to_mu, mu_to_m2
from .workspace import Workspace

__version__ = "0.1.0"

__all__ = [
    "Workspace",
    "import_layer",
    "ImportReport",
    "export_layer",
    "ExportReport",
    "evaluate",
    "write_evaluation",
    "split_parcel",
    "merge_parcels",
    "update_parcel",
    "EditResult",
    "parcels_as_of",
    "parcel_history",
    "change_log",
    "changes_between",
    "evaluate_efficiency",
    "evaluate_enterprises",
    "park_benchmarks",
    "evaluate_compliance",
    "evaluate_idle",
    "check_idle_inputs",
    "low_efficiency",
    "candidates",
    "scenario_median_tax",
    "target_progress",
    "park_summary",
    "evaluate_coverage",
    "extension_routes",
    "network_qa",
    "substation_loads",
    "evaluate_terrain",
    "evaluate_lifecycle",
    "contract_check",
    "lifecycle_summary",
    "screen_project",
    "make_project",
    "read_project",
    "Project",
    "ScreeningResult",
    "report",
    "ReportRun",
    "load_ruleset",
    "RuleSet",
    "load_rules",
    "render_rules",
    "rule_source",
    "area_m2",
    "area_mu",
    "m2_to_mu",
    "mu_to_m2",
    "M2_PER_MU",
    "gk_epsg",
    "metric_crs",
    "LAYERS",
    "label",
    "validate_layer",
    "LandplanError",
    "InputFileError",
    "SchemaError",
    "CRSError",
    "RuleError",
    "WorkspaceError",
    "ParameterError",
    "EditError",
    "LandplanWarning",
    "RepairWarning",
    "__version__",
]
