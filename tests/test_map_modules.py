"""The app map's modules: one job each, every name still read from ``landplan.app.map``.

``landplan/app/map.py`` was split into :mod:`~landplan.app.mapgeom` (coordinates, drawing
geometry), :mod:`~landplan.app.mapthemes` (themes, classes), :mod:`~landplan.app.mapraster`
(the server-drawn image, tiles) and the deck (``map.py``), which re-exports the others' names
for the pages and tests that read ``lpmap.X``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from landplan.app import map as lpmap
from landplan.app import mapgeom, mapraster, mapthemes

APP = Path(lpmap.__file__).parent
PARTS = (mapgeom, mapthemes, mapraster)


@pytest.mark.parametrize("part", PARTS, ids=lambda m: m.__name__)
def test_the_map_reexports_every_name_of_its_parts_as_the_same_object(part):
    missing = [n for n in part.__all__ if n not in lpmap.__all__]
    assert not missing
    assert all(getattr(lpmap, n) is getattr(part, n) for n in part.__all__)
    assert all(hasattr(lpmap, n) for n in lpmap.__all__)


def test_the_parts_are_plain_no_pydeck_no_streamlit():
    """Geometry, themes and the raster import neither pydeck nor Streamlit (the deck does)."""
    code = ("import sys, landplan.app.mapgeom, landplan.app.mapthemes, landplan.app.mapraster; "
            "print(sorted(m for m in ('pydeck', 'streamlit') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_no_map_module_over_900_lines():
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines())
             for p in sorted(APP.glob("map*.py"))}
    assert {"map.py", "mapgeom.py", "mapthemes.py", "mapraster.py"} <= set(sizes)
    assert max(sizes.values()) <= 900, sizes
