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

The package holds two modules: :mod:`.specs` (the layers and their columns, validation) and
:mod:`.parsing` (header recognition and value coercion, with the spellings recognised on
import). Every public name is importable from ``landplan.schema``.
"""

from __future__ import annotations

# ``_x as _x``: private names other modules import from here (the booleans and enum spellings
# the import reads, the land-use parser, the Arrow number parser)
from .parsing import _ENUM_TABLES as _ENUM_TABLES
from .parsing import _FALSE as _FALSE
from .parsing import _TRUE as _TRUE
from .parsing import LAND_USE_CODES, coerce_column, match_column, normalize_header, unit_wanted
from .parsing import _arrow_numbers as _arrow_numbers
from .parsing import _norm_text as _norm_text
from .parsing import _parse_land_use as _parse_land_use
from .specs import (
    ENUM_CODES,
    ENUMS,
    FACILITIES,
    LAYERS,
    LEDGER,
    PARCELS,
    PIPELINES,
    POWERLINES,
    ROADS,
    VECTOR_LAYERS,
    Column,
    LayerSpec,
    canonical_dtype,
    empty_layer,
    enum_label,
    label,
    layer_spec,
    validate_layer,
)

__all__ = [
    "Column",
    "LayerSpec",
    "LAYERS",
    "ENUMS",
    "VECTOR_LAYERS",
    "layer_spec",
    "normalize_header",
    "match_column",
    "unit_wanted",
    "coerce_column",
    "validate_layer",
    "empty_layer",
    "label",
    "enum_label",
    "canonical_dtype",
    "ENUM_CODES",
    "LAND_USE_CODES",
    "PARCELS",
    "LEDGER",
    "ROADS",
    "PIPELINES",
    "POWERLINES",
    "FACILITIES",
]
