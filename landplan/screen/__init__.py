"""Project screening and site selection (招商选址), issue 6 item 4.

A proposed project (:class:`Project`: industry code, land need, total investment, expected
yearly tax and output at full production, needed utilities, optional neighbours) is

(a) **checked** against the park's entry thresholds (准入标准, rules ``screening``) and the land
    control indicators of its industry (rules ``compliance``, :func:`landplan.compliance.thresholds_for`);
    every check is listed with the project's value, the threshold, the unit, the rules key and
    its source, and the project is *refused* when any check is not met;
(b) **given a ranked list of sites**: the supplyable parcels without conflicts whose area fits
    the need, each with its area, readiness and missing utilities with the extension cost
    (coverage columns of the evaluation), cut and fill (terrain columns) and the distance to
    the project's neighbours, scored with the weights of ``screening.score_weights`` and
    explained weight by weight.

:func:`screen_project` does both on a workspace; it evaluates the workspace once with
:func:`landplan.evaluate.evaluate` (coverage and terrain are never recomputed here).

For scripts and for people
--------------------------
The :class:`ScreeningResult` holds canonical frames: column names and codes a script can
rely on (:data:`CHECK_COLUMNS`, :data:`SITE_COLUMNS`, ``excluded``: parcel_id, area_mu,
reason_code, reason_zh, reason_en), with each text a person reads as a pair of columns, one
per language (``reason_zh`` / ``reason_en``, ``explanation_zh`` / ``explanation_en``); rules
keys stay in their own column (``rules_key``), never inside a sentence. People read
:func:`tables_for` (``tables_for(result, lang)``: the checks, the ranked sites, the parcels not
ranked and how the score is made, with catalogue headers, labelled values and numbers rounded
by :func:`landplan.labels.fmt`) and :meth:`ScreeningResult.lines` (the summary ``landplan
screen`` prints), each in one language; every word comes from the catalogue
(``landplan/labels/screen.yaml``). ``write_sites`` writes the CSV and GeoPackage canonical, the
XLSX for people.

Choices this module makes (and documents)
-----------------------------------------
- **Entry thresholds.** No national entry threshold exists (shared/domain/mu-efficiency.md §5).
  ``screening.entry_thresholds.<t>.value`` null means *the park value*: the ratio of sums over
  the parcels evaluated in the ledger year (the parcels the efficiency module grades: ledger
  rows that year, in scope), as SPEC §8 defines park benchmarks, so a new project must not lower
  the park's 亩均:

  - ``investment_per_mu_wan`` 亩均投资 = Σ invested_wan / Σ area_mu (project: total investment ÷ land need);
  - ``tax_per_mu_wan`` 亩均税收 = Σ tax_wan / Σ area_mu (project: expected yearly tax at full production ÷ land need);
  - ``output_per_mu_wan`` 亩均产值 = Σ output_wan / Σ area_mu (off by default).

  A number is a fixed local threshold; ``screening.by_industry.<code>.<t>`` (2-digit GB/T
  4754-2017 code) replaces it for one industry and switches the check on. A project value equal
  to its threshold meets it. A check switched on whose project value is not stated is *not met*
  ("未申报 not stated"): a park cannot admit a project on a figure it was not given. A check
  whose threshold cannot be formed (null and no ledger) is listed as not checkable and does not
  refuse the project.
- **Control indicators.** The project's stated 容积率, 建筑系数, 绿地率 and 行政办公比重 are checked
  against the thresholds of its industry; 投资强度 (total investment ÷ land need) against
  ``investment_intensity_wan_per_mu_min`` when the rules set one. Indicators the project does
  not state are not checked (they are conditions of the later land contract).
- **Land need.** Given in mu or m² (a unit is required: ``用地面积(亩)``, ``area_m2``, ``30亩``).
  When only the investment is given, the need is *derived*: investment ÷ the largest
  investment-per-mu threshold in force (entry threshold, control indicator minimum), i.e. the
  largest area on which the project still meets them; the summary says so.
- **Refusing is a result, not bad input.** ``landplan screen`` exits 0 when the project is
  admitted, :data:`EXIT_REFUSED` (3) when it is refused (the reasons are printed, the site list
  is still given for reference), and 2 on bad input (unknown industry code or utility, negative
  area, unreadable file, unknown neighbour …) with one line on stderr and nothing written.
- **Supplyable parcels** have a status in ``screening.supplyable_statuses`` (``reserve``) and no
  conflict. Conflicts (rules ``screening.conflicts``): an intersection above ``overlap_min_m2``
  with any other parcel; a road of a listed status whose centreline runs through the parcel's
  interior; a power line of ``powerline_min_kv`` (1 kV) or more and of a status in
  ``powerline_statuses`` whose protection zone reaches into the parcel (电力设施保护条例 Art. 10,
  the same zones coverage flags: :func:`landplan.coverage.zone_widths`) or, when
  ``powerline_corridor_m`` is set, within that distance; a true value in one of the
  ``flag_columns`` (e.g. a dispute or seizure flag the park keeps on its parcels).
- **Land-use grade** (rules ``screening.land_grade``): the project's industry needs a grade of
  industrial land (26 化学 三类 100103, 39 电子 一类 100101 …); a supplyable parcel whose
  ``land_use`` is of a lower grade, ungraded (1001, for grades 2 and 3), not industrial or
  empty is not offered, with the reason (:func:`land_use_fit`). An industry without a grade
  is not checked, and the summary says so.
- **Fit.** |area_mu − need| ≤ ``area_tolerance_pct`` % of the need.
- **Score** = 100 · Σ wᵢ·cᵢ / Σ wᵢ over the components that can be formed (weights
  ``screening.score_weights``; the others are named as not used), each cᵢ in 0–1:
  ``area_fit`` = 1 − |area − need| / (tolerance · need); ``utilities`` = share of the project's
  needs (utilities and levelling) already met; ``extension_cost`` = 1 − c / max c, c = Σ
  ``ext_<t>_cost_wan`` over the needed utilities; ``earthworks`` = 1 − v / max v, v =
  cut_m3 + fill_m3; ``contiguity`` = 1 − d / max d, d = distance in metres to the nearest
  neighbour parcel (0 when they share a boundary); ``payback`` = 1 − y / max y, y = the
  project's static payback on the site (:mod:`.payback`: the site's land cost per mu with the
  extension of the networks it lacks for the project, less the offered price or the park's
  floor, against the local share of the project's promised tax after the lag; not within the
  horizon = missing). "max" is taken over the fitting parcels, as
  :func:`landplan.revitalization.candidates` scales its components; when it is 0 every parcel
  gets 1. A missing value gives 0 (worst). Without needs ``utilities`` and ``extension_cost``
  are not used, without a DEM ``earthworks``, without neighbours ``contiguity``, without a
  promised tax or complete economics inputs ``payback``. The payback's weight is the
  ``payback_weight`` of :func:`screen_project` (default the rules' ``score_weights.payback``
  when set, else 0); at 0 it stays out of the score and the explanations: the ranking is the
  one without it, its column is still given.
- **Few sites.** Zero, one or two fitting parcels are ranked like many; with none the summary
  says why (no supplyable parcel, or how many have conflicts and how many lie outside the area
  range, with the closest areas) and the sites file holds its header only.
- **Reproducible.** Sites are sorted by score (rounded to 0.01), ties by parcel_id; nothing
  depends on the order of the input rows.
- **Neighbours** are parcel ids, holders (权利人), parcel names, enterprise ids or names of the
  ledger; each must match a parcel. ``related_industries`` adds the parcels of those industries
  (2-digit codes) that are not supplyable land.

The package holds one job per module: :mod:`.project` (the project and how it is read),
:mod:`.checks` (park values and the threshold check), :mod:`.sites` (conflicts, land-use grade,
neighbours, the ranking) and :mod:`.output` (:func:`screen_project`, the result, its tables and
files), :mod:`.payback` (the project's payback on each site). Every public name is importable
from ``landplan.screen``.

>>> p = make_project({"行业代码": "C39", "用地面积(亩)": 30, "总投资(万元)": 12000,
...                   "所需配套": "三通一平, 燃气"})
>>> p.industry_code, p.area_mu, p.needs
('39', 30.0, ('road', 'water', 'gas', 'power', 'leveled'))
"""

from __future__ import annotations

# ``_x as _x``: private names other modules' tests import from here (the rules validation, the
# need derivation)
from .checks import _ENTRY as _ENTRY
from .checks import CHECK_COLUMNS, check_project, park_values
from .checks import _derive_need as _derive_need
from .checks import _entry_thresholds as _entry_thresholds
from .output import (
    EXIT_REFUSED,
    SITE_FORMATS,
    TABLES,
    ScreeningResult,
    screen_project,
    tables_for,
    write_sites,
)
from .payback import PAYBACK_COLUMNS, economics_for, site_payback
from .project import OPTION_FIELDS, UTILITIES, Project, make_project, read_project
from .sites import _COMPONENTS as _COMPONENTS
from .sites import (
    LAND_GRADES,
    SITE_COLUMNS,
    grade_need,
    grade_source,
    land_grade,
    land_use_fit,
    parcel_conflicts,
    rank_sites,
)

__all__ = [
    "Project",
    "ScreeningResult",
    "make_project",
    "read_project",
    "park_values",
    "check_project",
    "parcel_conflicts",
    "land_grade",
    "land_use_fit",
    "LAND_GRADES",
    "grade_need",
    "grade_source",
    "tables_for",
    "TABLES",
    "CHECK_COLUMNS",
    "SITE_COLUMNS",
    "rank_sites",
    "screen_project",
    "write_sites",
    "UTILITIES",
    "EXIT_REFUSED",
    "SITE_FORMATS",
    "OPTION_FIELDS",
    "PAYBACK_COLUMNS",
    "economics_for",
    "site_payback",
]

