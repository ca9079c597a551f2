"""A deterministic, realistic synthetic industrial park near Hefei (合肥) for demos and benchmarks.

:func:`make_demo` builds every layer of a workspace (SPEC §2-3) in memory and
:func:`write_demo` writes them through :class:`landplan.workspace.Workspace`. The repository
ships ``write_demo("data")`` (300 parcels, seed 0) as the embedded default workspace.

The park
--------
- **Place and CRS.** Centred near 117.2°E 31.8°N (合肥), in CGCS2000 3-degree Gauss-Krüger
  zone 39 with zone-prefixed eastings (EPSG:4527).
- **Roads.** A grid of 1 km "tiles" bounded by arterial roads (主干路, 40-50 m wide, a 10 m
  green belt on each side). A secondary road (次干路, 24-30 m, 5 m green) crosses every tile at
  its middle both ways, making four quadrants; about two in three quadrants are split again by
  a branch road (支路, 12-16 m). Roads in the newest, still unsold part of the park are
  ``planned`` or ``under_construction``.
- **Parcels.** Each block between road red lines holds one or two rows of parcels, so every
  parcel fronts a road; rows are cut into strips of 10-300 mu. A few parcels are irregular:
  cut corners at intersections (切角), L-shapes between neighbours, a hole (a retained tower
  base) and two parts (split by a drainage ditch). Parcels never overlap and are all valid.
  ``parcel_id`` is a 19-character 宗地代码 (TD/T 1001-2012): county code 340104, 地籍区 and
  地籍子区 (3 digits each), 宗地特征码 ``GB`` and a 5-digit serial, e.g.
  ``340104001001GB00001``; its first 12 characters are the ``340104007001`` form.
- **Status and dates.** Every status of SPEC §3 occurs, older development near the south-west
  corner, newer land (reserve, just supplied) to the north. Dates are built around
  :data:`DEMO_AS_OF` so that at that date every idle-land rule of SPEC §8 applies to some
  parcel: not applicable (reserve; no agreed start date), not idle (start date ahead; halted
  but developed and invested above the thresholds), not due (within a year of the agreed
  start; halted less than a year), idle and unstarted for the enterprise's reasons for 1-2
  years (idle fee) and over 2 years (recovery), for the government's or force majeure
  (negotiation), idle and halted (developed < 1/3 or invested < 25 %), and one agreed start
  on 29 February (anniversaries fall on 28 February).
- **Lifecycle.** The farthest reserve land is still planned (规划), being acquired (征收中, with
  mu acquired, compensation, graves moved, houses demolished and households resettled so far)
  or approved but not supplied (已批未供); supplied parcels carry approval, completion and
  production dates, and those supplied from 2019 on are 标准地 with contract conditions and a
  full-production date, so every gap of :mod:`landplan.lifecycle` (五未) occurs.
- **Buildings and money** follow the status: no buildings on reserve or supplied land;
  parcels in production have a floor-area ratio of about 0.6-2.0 and a building coverage of
  30-60 %, with a few failing the 2008 control indicators (国土资发〔2008〕24号).
- **Networks.** Pipelines of every kind run under the roads a few metres off the centreline,
  with deliberate gaps (no gas in some tiles, heat only near a heat source, sewers missing on
  some branch roads) and ``planned`` stretches; 10 kV lines follow the roads; 110 kV lines link
  the substations along the green belts; a water plant, a sewage plant, a gas station and a
  heat source complete the facilities.
- **Terrain.** A float32 DEM in metres (10 m cells, coarser for huge parks so that it stays
  within 4000 × 4000 cells) with a gentle regional slope down to the south-east and one hill
  under the newest land, so some unsold parcels need levelling.
- **Ledger.** One row per enterprise × parcel × year for 2022-2025 (:data:`LEDGER_YEARS`) on
  parcels that produce, with lognormal figures (a few strong firms, a long tail), shared
  parcels (2-3 enterprises, ``share`` given on some, empty on others), one enterprise on two
  parcels, halted factories whose figures collapse and a few empty (not zero) values.

Everything is drawn from ``numpy.random.default_rng(seed)`` and vectorised, so a given
``(parcels, seed)`` always gives the same park, and a million parcels take seconds, not
hours. The full set of idle-land cases is present from about 60 parcels up.

The package holds one module per layer: :mod:`.parcels` (layout, shapes, profiles, dates,
attributes), :mod:`.lifecycle`, :mod:`.ledger` (enterprises), :mod:`.networks` (roads, pipelines,
power lines, facilities) and :mod:`.terrain`, over :mod:`.base` (what they share); :mod:`.park`
assembles them; :mod:`.rules` is the park's ``rules.yaml`` (the land economics' illustrative
inputs). Every public name is importable from ``landplan.demo``.
"""

from __future__ import annotations

from .base import DEMO_AS_OF, LEDGER_YEARS
from .park import DemoPark, make_demo, write_demo
from .rules import DEMO_RULES_TEXT, write_demo_rules

__all__ = ["DEMO_AS_OF", "LEDGER_YEARS", "DemoPark", "make_demo", "write_demo", "DEMO_RULES_TEXT", "write_demo_rules"]
