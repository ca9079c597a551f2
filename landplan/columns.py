"""The evaluation table's own columns, in table order, and its text for people.

Their labels, definitions and rules keys are in the catalogue (:mod:`landplan.labels`,
``col.<name>``). A text a person reads (a reason, a next step) comes as a pair of columns,
one per language: :data:`PERSON_TEXT` names them, :func:`text_column` picks one.
"""

from __future__ import annotations

from .coverage import NETWORK_TYPES
from .lifecycle import CONDITIONS

__all__ = ["OUTPUT_NAMES", "ECONOMICS", "PERSON_TEXT", "text_column"]

#: The evaluation's own columns, in table order.
_MEASURES = (
    "area_m2", "area_mu", "year", "enterprises", "tax_wan", "revenue_wan", "output_wan",
    "value_added_wan", "energy_tce", "emission_t", "rd_wan", "employees", "electricity_kwh",
    "tax_per_mu_wan", "output_per_mu_wan", "revenue_per_mu_wan", "value_added_per_mu_wan",
    "value_added_per_tce_wan", "value_added_per_emission_wan", "rd_intensity_pct",
    "productivity_wan_per_person", "efficiency_score", "efficiency_class", "tax_per_kwh_yuan",
    "efficiency_imputed", "efficiency_missing", "efficiency_group", "efficiency_status",
    "efficiency_note", "efficiency_note_en", "efficiency_policy_zh", "efficiency_policy_en", "floor_area_ratio",
    "building_coverage_pct", "investment_intensity_wan_per_mu", "green_ratio_pct", "admin_ratio_pct",
    "idle_status", "idle_stage", "idle_since", "start_date_basis", "idle_years", "idle_cause",
    "idle_disposal", "idle_fee_wan", "idle_reason_zh", "idle_reason_en", "next_step",
    "next_step_date", "next_step_zh", "next_step_en", "idle_input_problems", "idle_input_problems_en", "low_efficiency",
    "low_efficiency_reason", "low_efficiency_reason_en", "low_efficiency_rules", "revitalization_priority",
    "revitalization_path", "candidate_reason", "candidate_reason_en", "priority_explained", "priority_explained_en", "readiness", "missing", "power_zone", "power_zone_kv", "power_zone_m",
    "power_zone_dist_m", "power_zone_key", "power_zone_reason_zh", "power_zone_reason_en",
    "elev_mean_m", "relief_m", "slope_mean_deg", "design_elev_m", "design_basis", "cut_m3", "fill_m3",
    "leveled", "leveled_source", "dem_cells", "compliance_basis", "compliance_basis_en",
    "compliance_edition", "compliance_scope", "compliance_note", "compliance_note_en", "compliance_failed",
)
_CONTROLS = ("floor_area_ratio", "building_coverage_pct", "investment_intensity_wan_per_mu",
             "green_ratio_pct", "admin_ratio_pct")
_TRENDS = ("tax_per_mu_wan", "output_per_mu_wan", "revenue_per_mu_wan", "value_added_per_mu_wan",
           "value_added_per_tce_wan", "value_added_per_emission_wan", "rd_intensity_pct",
           "productivity_wan_per_person", "efficiency_score")
_LIFECYCLE = (
    "lifecycle_stage", "lifecycle_gap", "lifecycle_gap_reason", "lifecycle_gap_reason_en", "lifecycle_gap_years",
    "years_since_approval", "contract_check", "contract_completion_check",
    "contract_production_check", "contract_unmet", "contract_reason", "contract_reason_en",
    "contract_damages_wan", "contract_remedy", "contract_remedy_en", "transfer_barred_until", "transfer_breach",
)
#: The land economics a planner reads per parcel (:mod:`landplan.economics`, named as
#: :func:`~landplan.economics.parcel_economics` names them); empty when the rules lack inputs.
ECONOMICS = (
    "cost_wan_per_mu", "net_outlay_wan_per_mu", "local_tax_wan_per_mu", "return_to_date_wan_per_mu",
    "static_payback_years", "discounted_payback_years", "econ_status", "below_floor",
)
OUTPUT_NAMES: tuple[str, ...] = (
    *_MEASURES,
    *(f"{n}_ok" for n in _CONTROLS),
    *(f"{n}_yoy_pct" for n in _TRENDS),
    *(f"{kind}_{t}{unit}" for t in NETWORK_TYPES
      for kind, unit in (("has", ""), ("dist", "_m"), ("ext", "_m"), ("ext", "_cost_wan"))),
    *_LIFECYCLE,
    *(f"contract_{c}{end}" for c in CONDITIONS for end in ("_ok", "_shortfall", "_shortfall_pct")),
    *ECONOMICS,
)



#: A text for people → its (Chinese, English) columns in the evaluation table.
PERSON_TEXT: dict[str, tuple[str, str]] = {
    "idle_reason": ("idle_reason_zh", "idle_reason_en"),
    "next_step": ("next_step_zh", "next_step_en"),
    "idle_input_problems": ("idle_input_problems", "idle_input_problems_en"),
    "power_zone_reason": ("power_zone_reason_zh", "power_zone_reason_en"),
    "efficiency_policy": ("efficiency_policy_zh", "efficiency_policy_en"),
    "efficiency_note": ("efficiency_note", "efficiency_note_en"),
    "low_efficiency_reason": ("low_efficiency_reason", "low_efficiency_reason_en"),
    "candidate_reason": ("candidate_reason", "candidate_reason_en"),
    "priority_explained": ("priority_explained", "priority_explained_en"),
    "compliance_basis": ("compliance_basis", "compliance_basis_en"),
    "compliance_note": ("compliance_note", "compliance_note_en"),
    "lifecycle_gap_reason": ("lifecycle_gap_reason", "lifecycle_gap_reason_en"),
    "contract_reason": ("contract_reason", "contract_reason_en"),
    "contract_remedy": ("contract_remedy", "contract_remedy_en"),
}


def text_column(text: str, lang: str) -> str:
    """The column holding the text ``text`` (a key of :data:`PERSON_TEXT`) in ``lang``.

    >>> text_column("idle_reason", "en")
    'idle_reason_en'
    """
    zh, en = PERSON_TEXT[text]
    return en if lang == "en" else zh
