"""Infrastructure coverage of parcels (基础设施配套: 七通一平 / 五通一平 / 三通一平), SPEC §5, §8.

For every parcel and every network type ``t`` in :data:`NETWORK_TYPES`:

- ``dist_<t>_m``: the shortest Euclidean distance, in the metric CRS of the parcels
  (:func:`landplan.geometry.to_metric`), between the parcel geometry and any **built** line of
  type ``t``; 0 when touching; NaN when the workspace has no such line.
- ``has_<t>``: ``dist_<t>_m ≤ coverage.service_distance_m[t]`` (False when there is no network).
- ``ext_<t>_m``: 0 when ``has_<t>``; else the length of the extension needed (see below);
  ``ext_<t>_cost_wan`` = ``ext_<t>_m × coverage.unit_cost_wan_per_m[t]``. NaN when there is no
  network of that type at all (nothing to extend from).
- ``readiness``: the name of the first level of ``coverage.readiness`` (best first) whose needs
  are all met, else ``coverage.below``; ``missing``: the unmet needs of the **best** level,
  comma-separated in rules order (``""`` when none).
- ``power_zone``: a power line's protection zone (电力线路保护区, 电力设施保护条例 Art. 10: no
  building inside) reaches into the parcel, for every voltage from 1 kV (10 kV included);
  ``power_zone_kv``, ``power_zone_m``, ``power_zone_dist_m``, ``power_zone_key``: voltage, zone
  width, distance and the width's rules key of the highest-voltage such line;
  ``power_zone_reason_zh`` / ``_en``: every such line with its figures and source
  (:func:`power_zone_columns`).

Choices this module makes (and documents):

- **Which lines count** (SPEC §8): status ``built`` only; a line with no status (column missing
  or empty) is taken as built (SPEC §3). ``road`` = built roads; ``water, sewer, storm, gas,
  heat, telecom`` = built pipelines of that ``kind`` (``reclaimed`` and unknown kinds are
  ignored); ``power`` = built power lines whose ``voltage_kv`` is in
  ``coverage.power_voltages_kv`` (transmission lines such as 110 kV do not supply parcels; a
  line without a voltage does not count). Lines with no or an empty geometry are dropped.
- **Distances** use one ``shapely.STRtree`` per type: an envelope query grown by the service
  distance gives every line that can be within it, ``shapely.distance`` on those pairs the
  exact distances; parcels with no line that near are searched again with an upper bound
  (the distance from one of their vertices to its nearest line). Exact, ties broken by the
  lower line index; run in chunks on a small thread pool (shapely releases the GIL). No Python
  loop over parcels. A parcel without a geometry
  gets NaN distances and ``has_* = False``. A polygon hole is not part of the parcel: a line
  running inside a hole is at its distance from the hole's ring.
- **Leveled** (the ``leveled`` need, 一平): from the ``leveled`` argument (a Series by
  parcel_id, e.g. from terrain, which keeps a recorded ``site_leveled``) when given, else the
  parcels' ``site_leveled`` column; a missing value is *not met*.
- **Protection zones** (:func:`zone_widths`): an overhead line (or one whose laying is not
  known) takes the band of ``coverage.power_protection_zone_m`` of its voltage, a cable
  ``coverage.cable_protection_zone_m``; lines built, under construction or without status
  (:data:`ZONE_STATUSES`: a planned line has no zone yet) whose distance to the parcel is below
  the width. The width is measured from the line as drawn (its centreline), not from the outer
  conductor: the real zone is wider by half the conductors' spread. A line without a voltage
  has no zone (network QA reports it).
- **Extensions.** With ``routes=False`` (the default, fast) a gap parcel's ``ext_<t>_m`` is the
  straight line, i.e. ``dist_<t>_m``. With ``routes=True`` it is routed along the road
  network, because new pipes and cables are laid in road corridors; see
  :func:`extension_routes` for the model and its approximations. Every routed length is
  ≥ the straight distance (triangle inequality; enforced against rounding with ``max``).

>>> import geopandas as gpd
>>> from shapely.geometry import box, LineString
>>> from landplan.rules import load_ruleset
>>> crs = "EPSG:4527"
>>> parcels = gpd.GeoDataFrame({"parcel_id": ["P1"]},
...     geometry=[box(39_500_000, 3_400_000, 39_500_100, 3_400_100)], crs=crs)
>>> roads = gpd.GeoDataFrame({"status": ["built"]},
...     geometry=[LineString([(39_500_000, 3_399_980), (39_500_100, 3_399_980)])], crs=crs)
>>> out = evaluate_coverage(parcels, roads=roads, rules=load_ruleset())
>>> float(out.loc["P1", "dist_road_m"]), bool(out.loc["P1", "has_road"])
(20.0, True)
>>> bool(out.loc["P1", "has_water"]), out.loc["P1", "readiness"]
(False, '未达三通一平')

The package, one job per module (every public name is importable from ``landplan.coverage``):

- :mod:`~landplan.coverage.lines`: which lines count (:func:`network_lines`), shared helpers;
- :mod:`~landplan.coverage.nearest`: nearest line and distance per parcel and type;
- :mod:`~landplan.coverage.zones`: power-line protection zones;
- :mod:`~landplan.coverage.routing`: the road graph and its Dijkstra (``scipy.sparse.csgraph``);
- :mod:`~landplan.coverage.networks`: :class:`Networks` prepared once per run;
- :mod:`~landplan.coverage.evaluate`: :func:`evaluate_coverage`, :func:`extension_routes`;
- :mod:`~landplan.coverage.qa`: :func:`network_qa`; :mod:`~landplan.coverage.loads`:
  :func:`substation_loads`; :mod:`~landplan.coverage.summary`: the CLI's park summary.
"""

from __future__ import annotations

from .evaluate import evaluate_coverage, extension_routes, with_leveled
from .lines import (
    ALL_PIPE_KINDS,
    FACILITY_KINDS,
    NETWORK_TYPES,
    PIPE_KINDS,
    READINESS_NEEDS,
    STATUSES,
    network_lines,
)
from .loads import substation_loads

# private names the tests reach (the nearest search and its thread count), importable as before
from .nearest import _THREADS as _THREADS
from .nearest import _nearest as _nearest
from .nearest import _threads as _threads
from .networks import Networks, RoutesBuild, prepare_networks
from .qa import QA_TOLERANCE_M, network_qa
from .routing import NODE_DECIMALS
from .summary import coverage_summary
from .zones import (
    POWER_ZONE_COLUMNS,
    ZONE_MIN_KV,
    ZONE_STATUSES,
    ZoneLines,
    power_zone_columns,
    zone_lines,
    zone_pairs,
    zone_texts,
    zone_widths,
)

__all__ = [
    "NETWORK_TYPES",
    "READINESS_NEEDS",
    "PIPE_KINDS",
    "ALL_PIPE_KINDS",
    "FACILITY_KINDS",
    "STATUSES",
    "NODE_DECIMALS",
    "QA_TOLERANCE_M",
    "network_lines",
    "evaluate_coverage",
    "with_leveled",
    "extension_routes",
    "network_qa",
    "substation_loads",
    "coverage_summary",
    "Networks",
    "RoutesBuild",
    "prepare_networks",
    "POWER_ZONE_COLUMNS",
    "ZONE_MIN_KV",
    "ZONE_STATUSES",
    "ZoneLines",
    "zone_lines",
    "zone_pairs",
    "zone_widths",
    "zone_texts",
    "power_zone_columns",
]
