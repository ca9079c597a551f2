"""The map drawn on the server: a big park's choropleth as one image, and basemap tiles.

Above :data:`landplan.app.map.VECTOR_MAX_PARCELS` shown parcels, the browser would receive
tens of MB of polygons and, without a GPU (software WebGL), rasterize every line itself; the
parcels and lines are drawn here instead into one palette PNG (:func:`raster_image`, shown by
a ``BitmapLayer``): a 100,000-parcel park then costs a few hundred kB. Its cells are the map's
resolution (:data:`landplan.app.mapgeom.DRAW_WIDTH_PX` across the park).

Basemap tiles (:func:`xyz_tiles`) are placed by their corners in the map's own planar view
(local metres of the workspace's CRS), not reprojected: none by default, so no request leaves
the machine.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence

import numpy as np

from .mapgeom import DRAW_WIDTH_PX, span_m

__all__ = ["raster_image", "TILE_MAX", "xyz_tiles"]

def raster_image(polygons: np.ndarray, codes: np.ndarray, colours: Sequence[tuple[int, int, int]],
                 missing_colour: tuple[int, int, int], *, bounds: Sequence[float],
                 lines: Sequence[tuple[np.ndarray, tuple[int, int, int]]] = (),
                 max_px: int = DRAW_WIDTH_PX) -> tuple[str, list[float]]:
    """The choropleth (and lines over it) drawn into one PNG, as a data URL and its bounds.

    ``polygons`` are local geometries, ``codes`` their classes (``-1`` = ``missing_colour``).
    Cells are ``max(span) / max_px`` metres; the image is palette PNG with a transparent
    background. Returns ``(data URL, [minx, miny, maxx, maxy])`` for a ``BitmapLayer``.
    """
    from PIL import Image
    from rasterio.features import rasterize
    from rasterio.transform import from_bounds

    from ..terrain import burn

    minx, miny, maxx, maxy = (float(b) for b in bounds)
    cell = span_m(bounds) / max_px
    width = max(1, math.ceil((maxx - minx) / cell))
    height = max(1, math.ceil((maxy - miny) / cell))
    maxx, maxy = minx + width * cell, miny + height * cell
    transform = from_bounds(minx, miny, maxx, maxy, width, height)
    palette = [(255, 255, 255), missing_colour, *colours]
    values = (np.asarray(codes, dtype=np.int64) + 2).astype(np.uint8)
    image = burn(polygons, values, transform=transform, shape=(height, width))
    for geoms, colour in lines:
        geoms = np.asarray(geoms, dtype=object)
        geoms = geoms[[g is not None and not g.is_empty for g in geoms]]
        if len(geoms):
            palette.append(colour)
            burnt = rasterize(((g, 1) for g in geoms), out_shape=(height, width),
                              transform=transform, fill=0, dtype="uint8", all_touched=True)
            image[burnt == 1] = len(palette) - 1
    pil = Image.fromarray(image, mode="P")
    flat = [v for rgb in palette for v in rgb]
    pil.putpalette(flat + [0] * (768 - len(flat)))
    buffer = io.BytesIO()
    pil.save(buffer, format="PNG", optimize=False, transparency=0)
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return url, [minx, miny, maxx, maxy]


#: At most this many XYZ tiles are drawn under the park (the zoom is lowered until they fit).
TILE_MAX = 64
_WEB_MERCATOR_M_PER_PX = 156_543.033_928  # metres per pixel of a 256-pixel tile at zoom 0


def _tile_lonlat(x: np.ndarray, y: np.ndarray, z: int) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude of the corner (x, y) of XYZ tiles at zoom ``z``."""
    n = 2.0 ** z
    lon = x / n * 360.0 - 180.0
    lat = np.degrees(np.arctan(np.sinh(np.pi * (1 - 2 * y / n))))
    return lon, lat


def xyz_tiles(tile_url: str, bounds: Sequence[float], origin: tuple[float, float], crs,
              *, max_tiles: int = TILE_MAX) -> list[tuple[str, list[list[float]]]]:
    """The XYZ tiles of ``tile_url`` covering ``bounds`` (local metres), as ``(url, corners)``:
    each tile's four corners in local metres (bottom-left, top-left, top-right, bottom-right),
    for a ``BitmapLayer`` in the map's own planar view.

    The zoom gives about two tile pixels per map pixel at the first view (the park's span
    over 1,024 pixels), lowered until at most ``max_tiles`` tiles cover the park. A tile is a
    square in Web Mercator; placed by its corners, projected into ``crs`` (the workspace's),
    it lies where it belongs to within a pixel over a park's few kilometres. No tiles (an
    empty list) where the CRS has no way to longitude and latitude.
    """
    from pyproj import Transformer
    from pyproj.exceptions import ProjError

    minx, miny, maxx, maxy = (float(b) for b in bounds)
    xs = np.array([minx, maxx, maxx, minx, (minx + maxx) / 2]) + origin[0]
    ys = np.array([miny, miny, maxy, maxy, (miny + maxy) / 2]) + origin[1]
    try:
        to_lonlat = Transformer.from_crs(crs, 4326, always_xy=True)
        to_crs = Transformer.from_crs(4326, crs, always_xy=True)
        lon, lat = to_lonlat.transform(xs, ys)
    except ProjError:  # a CRS without a way to longitude and latitude: no tiles
        return []
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()) or abs(lat[4]) > 85:
        return []
    metres_per_px = span_m(bounds) / 1024
    zoom = int(np.clip(math.floor(math.log2(_WEB_MERCATOR_M_PER_PX * math.cos(math.radians(lat[4]))
                                            / metres_per_px)), 0, 19))
    while True:
        n = 2 ** zoom
        x0, x1 = (int(np.clip(math.floor((v + 180.0) / 360.0 * n), 0, n - 1))
                  for v in (lon[:4].min(), lon[:4].max()))
        y0, y1 = (int(np.clip(math.floor((1 - math.asinh(math.tan(math.radians(v))) / math.pi)
                                         / 2 * n), 0, n - 1)) for v in (lat[:4].max(), lat[:4].min()))
        if (x1 - x0 + 1) * (y1 - y0 + 1) <= max_tiles or zoom == 0:
            break
        zoom -= 1
    tx, ty = np.meshgrid(np.arange(x0, x1 + 1), np.arange(y0, y1 + 1))
    tx, ty = tx.ravel(), ty.ravel()
    # corners per tile: bottom-left (x, y+1), top-left (x, y), top-right (x+1, y), bottom-right
    cx = np.stack([tx, tx, tx + 1, tx + 1], axis=1).ravel()
    cy = np.stack([ty + 1, ty, ty, ty + 1], axis=1).ravel()
    clon, clat = _tile_lonlat(cx.astype(float), cy.astype(float), zoom)
    px, py = to_crs.transform(clon, clat)
    corners = np.round(np.column_stack([np.asarray(px) - origin[0], np.asarray(py) - origin[1]]),
                       1).reshape(-1, 4, 2)
    url = tile_url.replace("'", "%27")  # the URL is a quoted literal in the deck's JSON
    return [(url.replace("{z}", str(zoom)).replace("{x}", str(int(x))).replace("{y}", str(int(y))),
             quad.tolist()) for x, y, quad in zip(tx, ty, corners, strict=True)
            if np.isfinite(quad).all()]
