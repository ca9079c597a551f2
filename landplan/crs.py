"""Coordinate reference systems: CGCS2000 Gauss-Krüger zones and the metric CRS to measure in.

China's land bureaus deliver CGCS2000 (China Geodetic Coordinate System 2000) coordinates in
3-degree Gauss-Krüger zones, usually with the zone number prefixed to the easting
(``38378508.034`` = zone 38, easting 378508.034). The EPSG codes are

- EPSG:4513–4533: 3-degree zones 25–45, zone number prefixed to the easting;
- EPSG:4534–4554: the same zones (central meridians 75°E–135°E) without the prefix.

All measurements are made in a conformal projection with small scale error over the data
(SPEC §4): the CRS of the data when it is a transverse Mercator whose central meridian lies
within :data:`MAX_CM_OFFSET_DEG` of the data, else the CGCS2000 3-degree zone of the data's
centroid inside China and the UTM zone elsewhere. Geographic CRSs and Web Mercator are never
used to measure.
"""

from __future__ import annotations

import math

import numpy as np
from pyproj import CRS, Transformer

from .errors import CRSError, ParameterError

__all__ = [
    "CGCS2000",
    "gk_epsg",
    "gk_zone_of_lon",
    "zone_from_easting",
    "detect_crs_from_coords",
    "parse_crs",
    "metric_crs",
    "is_metric_conformal",
    "gk_zone_of_crs",
    "check_coords_fit",
]

#: CGCS2000 geographic (EPSG:4490).
CGCS2000 = CRS.from_epsg(4490)
#: Furthest the data may lie from a transverse Mercator's central meridian to measure in it
#: (a 3-degree zone spans ±1.5°; scale error at 3° off the meridian is about 1.4e-3).
MAX_CM_OFFSET_DEG = 3.0
#: Degrees the data may lie beyond the area of use of its CRS before it is refused as not fitting
#: it (a park straddles a zone edge; reclaimed land lies offshore). Coordinates in the wrong
#: units, zone or axis order lie tens to millions of degrees off.
AREA_MARGIN_DEG = 3.0
#: China in degrees (west, south, east, north): a generous box used to pick the CGCS2000 zone and
#: to tell swapped latitude/longitude.
CHINA_LONLAT = (73.0, 3.0, 136.0, 54.0)
_ZONES = range(25, 46)
_TM_METHODS = {"transverse mercator", "transverse_mercator", "gauss-kruger", "gauss kruger"}


def gk_epsg(zone: int, *, prefixed: bool = True) -> int:
    """EPSG code of the CGCS2000 3-degree Gauss-Krüger zone ``zone`` (25–45).

    >>> gk_epsg(38), gk_epsg(38, prefixed=False)
    (4526, 4547)
    """
    if zone not in _ZONES:
        raise CRSError(f"CGCS2000 3-degree zone {zone} does not exist (zones are 25 to 45)")
    return (4513 if prefixed else 4534) + zone - 25


def gk_zone_of_lon(lon: float) -> int:
    """The 3-degree zone whose central meridian (3·zone degrees) is nearest to ``lon``.

    >>> gk_zone_of_lon(117.2)
    39
    """
    return int(math.floor(lon / 3.0 + 0.5))


def zone_from_easting(x: float) -> int | None:
    """Zone number prefixed to an easting (``38378508.0`` → 38), or ``None`` if it has none.

    An easting carries a prefix when it has 8 digits before the decimal point, the first two
    form a zone number 25–45 and the remaining six a plausible false-easting-based value.
    """
    if not np.isfinite(x) or not (1e7 <= x < 1e8):
        return None
    zone = int(x // 1_000_000)
    rest = x - zone * 1_000_000
    if zone in _ZONES and 100_000 <= rest <= 900_000:
        return zone
    return None


def detect_crs_from_coords(xs, ys, *, source: str = "") -> CRS:
    """Resolve a CRS-less layer from zone-prefixed eastings, or raise :class:`CRSError`.

    Parameters
    ----------
    xs, ys : array-like
        Eastings and northings of (a sample of) the layer's vertices.
    source : str
        Name of the file, for the message.
    """
    xs = np.asarray(xs, dtype="float64")
    ys = np.asarray(ys, dtype="float64")
    finite = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[finite], ys[finite]
    where = f"{source}: " if source else ""
    if xs.size == 0:
        raise CRSError(f"{where}no CRS (.prj) and no coordinates to guess one from; give `crs`")
    zones = {zone_from_easting(x) for x in np.unique(xs)}
    northing_ok = bool(np.all((ys >= 0) & (ys < 6_500_000)))
    if None not in zones and len(zones) == 1 and northing_ok:
        return CRS.from_epsg(gk_epsg(zones.pop()))
    if None not in zones and len(zones) > 1:
        raise CRSError(
            f"{where}no CRS (.prj) and the eastings carry several zone prefixes "
            f"({', '.join(str(z) for z in sorted(zones))}); give `crs`"
        )
    y_zones = {zone_from_easting(y) for y in np.unique(ys)}
    if None not in y_zones and len(y_zones) == 1:
        raise CRSError(
            f"{where}no CRS (.prj) and X/Y look swapped (the northing column carries a zone "
            f"prefix); swap the columns or give `crs`"
        )
    raise CRSError(
        f"{where}no CRS (.prj) and the coordinates do not identify one (no zone-prefixed "
        f"8-digit eastings); give the CRS with `crs`, e.g. `crs='EPSG:4527'`"
    )


class _CRSValueError(ParameterError, CRSError):
    """A ``crs`` value pyproj does not know (a CRS error, and one of a named parameter)."""


def parse_crs(text) -> CRS:
    """A CRS from what a user types: ``EPSG:4527``, ``4527``, ``CGCS2000 / 3-degree GK zone 39``, WKT."""
    if isinstance(text, CRS):
        return text
    value = str(text).strip()
    try:
        if value.isdigit():
            return CRS.from_epsg(int(value))
        return CRS.from_user_input(value)
    except Exception as exc:  # pyproj raises CRSError of its own with a long text
        raise _CRSValueError("crs", value, f"not a CRS pyproj knows ({str(exc).splitlines()[0]})") from None


def _central_meridian(crs: CRS) -> float | None:
    op = crs.coordinate_operation
    if op is None or op.method_name.lower().replace("-", " ") not in {
        m.replace("_", " ").replace("-", " ") for m in _TM_METHODS
    }:
        return None
    for param in op.params:
        if param.name.lower() in {"longitude of natural origin", "central meridian"}:
            return float(param.value)
    return None


def is_metric_conformal(crs: CRS) -> bool:
    """True for projected transverse Mercator CRSs in metres (Gauss-Krüger, UTM, local TM)."""
    if crs is None or not crs.is_projected:
        return False
    unit = crs.axis_info[0].unit_name if crs.axis_info else ""
    return unit in {"metre", "meter", "m"} and _central_meridian(crs) is not None


def gk_zone_of_crs(crs: CRS) -> int | None:
    """The CGCS2000 3-degree zone number of a GK CRS (prefixed or not), else ``None``."""
    code = crs.to_epsg() if crs is not None else None
    if code is None:
        return None
    if 4513 <= code <= 4533:
        return code - 4513 + 25
    if 4534 <= code <= 4554:
        return code - 4534 + 25
    return None


def _lonlat_centroid(bounds, crs: CRS) -> tuple[float, float]:
    minx, miny, maxx, maxy = bounds
    to_ll = Transformer.from_crs(crs, CGCS2000, always_xy=True)
    lon, lat = to_ll.transform((minx + maxx) / 2.0, (miny + maxy) / 2.0)
    return float(lon), float(lat)


def metric_crs(crs: CRS, bounds) -> CRS:
    """The CRS to measure data with extent ``bounds`` (in ``crs``) in, following SPEC §4.

    Returns ``crs`` itself when it is a metric transverse Mercator whose central meridian is
    within :data:`MAX_CM_OFFSET_DEG` of the data's centroid; otherwise the CGCS2000 3-degree
    zone (prefixed, EPSG:4513–4533) of the centroid inside China, else its WGS84 UTM zone.

    >>> metric_crs(CRS.from_epsg(4490), (117.1, 31.7, 117.3, 31.9)).to_epsg()
    4527
    >>> metric_crs(CRS.from_epsg(3857), (1.3e7, 3.7e6, 1.31e7, 3.71e6)).to_epsg()
    4527
    """
    if crs is None:
        raise CRSError("the data has no CRS; give one with `crs`")
    crs = CRS.from_user_input(crs)
    if not all(np.isfinite(bounds)):
        raise CRSError("the data has no extent (no geometries) to choose a metric CRS for")
    lon, lat = _lonlat_centroid(bounds, crs)
    if not (np.isfinite(lon) and np.isfinite(lat)):
        raise CRSError(f"the coordinates ({bounds[0]:.0f}, {bounds[1]:.0f}) lie outside {crs.name}; "
                       "is the CRS right (zone prefix, axis order)? give `crs`")
    cm = _central_meridian(crs)
    if is_metric_conformal(crs) and cm is not None and abs(lon - cm) <= MAX_CM_OFFSET_DEG:
        return crs
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise CRSError(f"the coordinates ({bounds[0]:.0f}, {bounds[1]:.0f}) give longitude {lon:.6g}, "
                       f"latitude {lat:.6g} in {crs.name}; is the CRS right (zone prefix, axis order)? "
                       "give `crs`")
    if _in_china(lon, lat):
        return CRS.from_epsg(gk_epsg(min(max(gk_zone_of_lon(lon), 25), 45)))
    zone = int((lon + 180.0) // 6.0) + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def _in_china(lon: float, lat: float) -> bool:
    west, south, east, north = CHINA_LONLAT
    return west <= lon <= east and south <= lat <= north


def _lonlat(crs: CRS, x: float, y: float) -> tuple[float, float]:
    """Longitude and latitude of the point (x, y) of ``crs`` (NaN where it has none)."""
    if crs.is_geographic:
        return x, y
    try:
        lon, lat = Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True).transform(x, y)
    except Exception:  # pyproj.exceptions.ProjError: no inverse for these numbers
        return math.nan, math.nan
    return float(lon), float(lat)


def _area_of_use(crs: CRS) -> tuple[float, float, float, float]:
    """(west, south, east, north) of ``crs``, from its EPSG entry when the WKT carries none."""
    area = crs.area_of_use
    if area is None:
        code = crs.to_epsg(min_confidence=70)
        area = CRS.from_epsg(code).area_of_use if code else None
    if area is None:
        return (-180.0, -90.0, 180.0, 90.0)
    return area.bounds


def _numbers_fit(x: float, y: float, crs: CRS) -> str:
    """What the typical point (x, y) of a layer looks like, and the ``crs`` that fits it."""
    zone = zone_from_easting(x)
    if zone is not None and 0 <= y < 6_500_000:
        code = gk_epsg(zone)
        if crs.to_epsg() == code:
            return (f"if the data really lies there (beyond China), confirm it with `crs='EPSG:{code}'`")
        return (f"they fit EPSG:{code} {CRS.from_epsg(code).name} (the eastings carry the zone "
                f"prefix {zone}): give `crs='EPSG:{code}'`")
    if zone_from_easting(y) is not None and 0 <= x < 6_500_000:
        return ("X and Y look swapped (the northings carry a zone prefix): swap the columns in the "
                "source, or give `crs`")
    if -90 <= x <= 90 and 90 < abs(y) <= 180:
        return ("x holds latitudes and y longitudes (latitude and longitude swapped): swap x and y "
                "in the source (longitude first) and import again")
    if -180 <= x <= 180 and -90 <= y <= 90:
        return ("they fit longitude/latitude in degrees: give `crs='EPSG:4490'` (CGCS2000) or "
                "`crs='EPSG:4326'` (WGS 84)")
    if 100_000 <= x <= 900_000 and 0 <= y < 6_500_000:
        return ("they fit a transverse Mercator zone without prefix (Gauss-Krüger EPSG:4534–4554 "
                "or UTM): give `crs` with the zone, e.g. `crs='EPSG:4548'`")
    return ("give the CRS they were measured in with `crs`, e.g. `crs='EPSG:4527'` (if the data "
            "really lies there, `crs` with this CRS confirms it)")


def _num(value: float) -> str:
    """``38,420,000`` for eastings, ``31.8`` for degrees."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.6g}"


def check_coords_fit(crs, xs, ys, *, declared_by: str, explicit: bool = False) -> None:
    """Refuse coordinates that do not fit ``crs``, naming the CRS they do fit.

    The median vertex (robust to a few stray features, which are rejected one by one later)
    must lie within the area of use of ``crs``, widened by :data:`AREA_MARGIN_DEG`. A
    geographic layer that lies outside China but inside it with x and y exchanged (a park in
    the Arctic Ocean) is taken as latitude/longitude swapped. A CRS the user gave
    (``explicit``) wins over both judgements: its coordinates need only lie on Earth.

    Parameters
    ----------
    crs : CRS
        The CRS the layer says (or the user says) it is in.
    xs, ys : array-like
        Coordinates of (a sample of) the layer's vertices.
    declared_by : str
        Where ``crs`` came from, for the message (``the .prj``, ``crs``).
    explicit : bool
        ``crs`` was given by the user.

    Raises
    ------
    CRSError
        One line: the typical coordinates, the CRS and its area of use, and the fix.

    Examples
    --------
    >>> check_coords_fit(CRS.from_epsg(4326), [38_420_000.0], [3_500_000.0],
    ...                  declared_by="the .prj")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    landplan.errors.CRSError: the coordinates (x 38,420,000, y 3,500,000) lie outside ... of \
WGS 84 ...; they fit EPSG:4526 CGCS2000 / 3-degree Gauss-Kruger zone 38 ...: give `crs='EPSG:4526'`
    """
    crs = CRS.from_user_input(crs)
    xs = np.asarray(xs, dtype="float64")
    ys = np.asarray(ys, dtype="float64")
    finite = np.isfinite(xs) & np.isfinite(ys)
    if not finite.any():
        return
    if crs.geodetic_crs is None:
        return  # a local grid: nothing to place it by
    x, y = float(np.median(xs[finite])), float(np.median(ys[finite]))
    lon, lat = _lonlat(crs, x, y)
    # the user's --crs is trusted anywhere on Earth; a file's own CRS only near its area of use
    west, south, east, north = (-180.0, -90.0, 180.0, 90.0) if explicit else _area_of_use(crs)
    m = 0.0 if explicit else AREA_MARGIN_DEG
    inside = (max(west - m, -180.0) <= lon <= min(east + m, 180.0)
              and max(south - m, -90.0) <= lat <= min(north + m, 90.0))
    if inside and crs.is_geographic and not explicit and not _in_china(x, y) and _in_china(y, x):
        raise CRSError(
            f"the coordinates (x {x:.6g}, y {y:.6g}) put the data at latitude {y:.6g}° in the "
            f"Arctic; read as latitude, longitude they lie in China: x holds latitudes and y "
            f"longitudes (swapped), swap x and y in the source (longitude first) and import again"
        )
    if inside:
        return
    raise CRSError(
        f"the coordinates (x {_num(x)}, y {_num(y)}) lie outside the area of use of {crs.name} "
        f"(from {declared_by}; longitude {west:g}…{east:g}°, latitude {south:g}…{north:g}°); "
        f"{_numbers_fit(x, y, crs)}"
    )
