"""Read and write the ministry's 界址点 coordinate text file (坐标txt).

The file has a ``[属性描述]`` section of ``key=value`` lines (坐标系, 几度分带, 投影类型,
计量单位, 带号, 精度, 转换参数) and a ``[地块坐标]`` section holding, per parcel, a header line
``点数,面积(公顷),地块编号,地块名称,图形属性,图幅号,地块用途,地类编码,@`` and its point lines
``J点号,圈号,X(北),Y(东)``. X is the northing, Y the easting, usually with the zone number
prefixed (``38378508.034``). What the real files (tests/data/polygon-txt) show:

- 点数 counts the point lines of the parcel, the closing point of each ring included;
- every ring is closed by repeating its first point, numbered ``J1`` (ministry tools) or
  ``J{n}`` (the ArcGIS-written dialect, which also leaves the area blank, writes empty fields
  as one space and has no final newline);
- exterior rings run clockwise on the map (east to the right, north up).

The reader also accepts rings without a closing point, a 点数 that leaves the closing points
out, blank lines, trailing spaces, GBK/GB18030 or UTF-8 (with or without BOM), CRLF or LF.
"""

from __future__ import annotations

import logging
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from pyproj import CRS
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.polygon import orient

from ..crs import gk_epsg, zone_from_easting
from ..errors import CRSError, InputFileError, SchemaError
from .atomic import atomic_path
from .notes import GeosReason, Note

__all__ = ["CoordTxtInfo", "read_coordtxt", "write_coordtxt", "looks_like_coordtxt"]

log = logging.getLogger(__name__)

#: Fields of a parcel header line and of a point line, in file order.
HEADER_FIELDS = ("点数", "面积(公顷)", "地块编号", "地块名称", "图形属性", "图幅号", "地块用途", "地类编码")
POINT_FIELDS = ("J点号", "圈号", "X(北)", "Y(东)")
_TEXT_FIELDS = HEADER_FIELDS[2:]
#: Unfilled writer placeholders (the source field names), read as empty.
_PLACEHOLDER = re.compile(r"FID_\d+|DKMC|TFH|DKYT|DLBM|DKBH")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: (datum, degrees per zone) -> (first zone, last zone, EPSG of the first zone with the zone
#: number prefixed to the easting, EPSG of the first zone without it). Verified with pyproj.
_EPSG = {
    ("CGCS2000", 3): (25, 45, 4513, 4534),
    ("CGCS2000", 6): (13, 23, 4491, 4502),
    ("Xian 1980", 3): (25, 45, 2349, 2370),
    ("Xian 1980", 6): (13, 23, 2327, 2338),
    ("Beijing 1954", 3): (25, 45, 2401, 2422),
    ("Beijing 1954", 6): (13, 23, 21413, 21453),
}
_DATUMS = (("CGCS2000", "2000|CGCS"), ("Xian 1980", "西安|XIAN|80"), ("Beijing 1954", "北京|BEIJING|54"))
_DATUM_NAMES = {"CGCS2000": "2000国家大地坐标系", "Xian 1980": "1980西安坐标系", "Beijing 1954": "1954北京坐标系"}
#: File field <- first column present among these (canonical names first, then the file's own).
_WRITE_COLUMNS = {"地块编号": ("parcel_id", "地块编号"), "地块名称": ("parcel_name", "name", "地块名称"),
                  "图幅号": ("map_sheet", "图幅号"), "地块用途": ("land_use_name", "地块用途"),
                  "地类编码": ("land_use", "地类编码")}
_CODECS = {"gbk": "gbk", "gb18030": "gb18030", "utf-8": "utf-8", "utf8": "utf-8", "utf-8-sig": "utf-8-sig"}


@dataclass(frozen=True)
class CoordTxtInfo:
    """What :func:`read_coordtxt` found besides the parcels.

    Attributes
    ----------
    encoding : str
        Codec used: ``utf-8``, ``utf-8-sig`` (UTF-8 with BOM), ``gb18030`` (GBK) or the one given.
    crs : pyproj.CRS
        CRS from 坐标系, 几度分带, 带号 and whether the eastings carry the zone prefix.
    header : dict of str to str
        The ``[属性描述]`` keys and values as written.
    notes : list of Note
        Assumptions made while reading (ids from the file name, inferred header values, …):
        English strings, in another language with :meth:`~landplan.io.notes.Note.text`.
    parcels, points : int
        Number of parcels and of point lines read.
    """

    encoding: str
    crs: CRS
    header: dict[str, str]
    notes: list[Note] = field(default_factory=list)
    parcels: int = 0
    points: int = 0


def looks_like_coordtxt(path: str | os.PathLike) -> bool:
    """Cheap sniff: the first non-blank line is ``[属性描述]`` or the text has ``[地块坐标]``."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
    except OSError:
        return False
    for codec in ("utf-8-sig", "gb18030"):
        text = head.decode(codec, errors="ignore")
        first = next((s.strip() for s in text.splitlines() if s.strip()), "")
        if first == "[属性描述]" or "[地块坐标]" in text:
            return True
    return False


def _bad(path: str, no: int, field: str, message: str) -> InputFileError:
    return InputFileError(path, message, where=f"line {no}", field=field)


def _decode(path: str, raw: bytes, encoding: str | None) -> tuple[str, str]:
    if encoding is None:
        codecs = ["utf-8-sig", "gb18030"]
    else:
        codec = _CODECS.get(encoding.lower().replace("_", "-"), encoding)
        codecs = ["utf-8-sig" if codec == "utf-8" else codec]
    for codec in codecs:
        try:
            text = raw.decode(codec).rstrip("\x1a")  # \x1a: DOS end-of-file mark
        except LookupError:
            raise InputFileError(path, f"unknown encoding {encoding!r}; use gbk or utf-8",
                                 field="encoding") from None
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            continue
        if (found := _CONTROL.search(text)) is not None:
            line = text.count("\n", 0, found.start()) + 1
            raise _bad(path, line, "[地块坐标]", f"binary data ({found.group()!r}), not a "
                       "coordinate text file")
        if not text.strip():
            raise _bad(path, 1, "[地块坐标]", "the file is empty; expected [属性描述] and [地块坐标]")
        if codec == "utf-8-sig" and not raw.startswith(b"\xef\xbb\xbf"):
            codec = "utf-8"
        return text, codec
    raise _bad(path, line, "[地块坐标]", f"undecodable bytes: not {' or '.join(codecs)} text, so "
               "not a coordinate text file (or give its encoding)")


def _whole(text: str) -> bool:
    return bool(re.fullmatch(r"\s*[0-9]+\s*", text))


def _empty(value: str) -> str | None:
    value = value.strip()
    return None if not value or _PLACEHOLDER.fullmatch(value) else value


def _parcel_header(path: str, text: str, no: int) -> dict:
    body = text[:-1].rstrip()  # drop "@" and the comma before it
    parts = (body[:-1] if body.endswith(",") else body).split(",")
    parts += [""] * (len(HEADER_FIELDS) - len(parts))
    if not _whole(parts[0]):
        raise _bad(path, no, "点数", f"点数 {parts[0].strip()!r} is not a whole number")
    area = math.nan
    if parts[1].strip():
        try:
            area = float(parts[1])
        except ValueError:
            raise _bad(path, no, "面积(公顷)", f"面积(公顷) {parts[1].strip()!r} is not a number") from None
    values = {name: _empty(v) for name, v in zip(_TEXT_FIELDS, parts[2:], strict=False)}
    if values["图形属性"] in ("点", "线"):
        raise _bad(path, no, "图形属性", f"图形属性 is {values['图形属性']}; only 面 can be read")
    return {"line": no, "count": int(parts[0]), "area": area, "values": values, "points": []}


def _point(path: str, text: str, no: int) -> tuple[int, int, float, float]:
    parts = [p.strip() for p in text.split(",")]
    if len(parts) < 4:
        raise _bad(path, no, POINT_FIELDS[len(parts)], "expected J点号,圈号,X(北),Y(东) or a "
                   f"parcel header line ending in @, found {text!r}")
    if not _whole(parts[1]) or int(parts[1]) < 1:
        raise _bad(path, no, "圈号", f"圈号 {parts[1]!r} is not a ring number 1, 2, …")
    coords = []
    for name, value in zip(POINT_FIELDS[2:], parts[2:4], strict=True):
        try:
            coords.append(float(value))
        except ValueError:
            coords.append(math.nan)
        if not math.isfinite(coords[-1]):
            raise _bad(path, no, name, f"{name} {value!r} is not a number")
    return no, int(parts[1]), coords[0], coords[1]


def _geometry(path: str, parcel: dict, notes: list[Note]) -> Polygon | MultiPolygon:
    rings: list[tuple[int, int, list[tuple[float, float]]]] = []
    for no, ring, north, east in parcel["points"]:
        if not rings or rings[-1][1] != ring:
            if any(r[1] == ring for r in rings):
                raise _bad(path, no, "圈号", f"圈号 {ring} continues after another ring")
            rings.append((no, ring, []))
        rings[-1][2].append((east, north))
    closing = 0
    for _, _, pts in rings:
        if len(pts) > 1 and math.dist(pts[0], pts[-1]) < 1e-6:
            pts.pop()
            closing += 1
    lines, count, head = len(parcel["points"]), parcel["count"], parcel["line"]
    if count != lines or not lines:
        if count != lines - closing or not lines:
            raise _bad(path, head, "点数", f"点数 is {count} but {lines} point lines follow")
        notes.append(Note("closing_left_out", line=head, field="点数", count=count, closing=closing))
    parts: list[tuple[Polygon, list, list]] = []  # shell, hole rings, hole polygons
    for no, ring, pts in rings:
        if len(set(pts)) < 3:
            raise _bad(path, no, "圈号", f"ring 圈号 {ring} has {len(set(pts))} distinct point(s); "
                       "a ring needs at least 3")
        vertices = shapely.points(pts)
        for shell, holes, hole_polys in parts:  # a hole when inside a part but not in its holes
            if shapely.covers(shell, vertices).all() and not any(
                shapely.covers(h, vertices).all() for h in hole_polys
            ):
                holes.append(pts)
                hole_polys.append(Polygon(pts))
                break
        else:
            parts.append((Polygon(pts), [], []))
    polys = [Polygon(shell.exterior.coords, holes) for shell, holes, _ in parts]
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def _prefix_zone(east: float) -> int | None:
    zone = zone_from_easting(east)  # 3-degree zones 25-45
    if zone is None and 1e7 <= east < 1e8 and 1e5 <= east % 1e6 <= 9e5 and 13 <= east // 1e6 <= 23:
        zone = int(east // 1e6)  # 6-degree zones 13-23
    return zone


def _epsg_of(datum: str, band: int, zone: int, prefixed: bool) -> int:
    first, last, pre, nopre = _EPSG[(datum, band)]
    if not first <= zone <= last:
        raise CRSError(f"{datum} {band}-degree Gauss-Krüger zone {zone} has no EPSG code "
                       f"(zones are {first} to {last})")
    if (datum, band) == ("CGCS2000", 3):
        return gk_epsg(zone, prefixed=prefixed)
    return (pre if prefixed else nopre) + zone - first


def _resolve_crs(path: str, header: dict, lines: dict, points: list, notes: list[Note]) -> CRS:
    def bad(key: str, message: str) -> InputFileError:
        return _bad(path, lines.get(key, 1), key, message)

    text = header.get("坐标系", "")
    datum = next((d for d, pat in _DATUMS if re.search(pat, text.upper())), None) if text else "CGCS2000"
    if datum is None:
        raise CRSError(f"{path}, line {lines['坐标系']}: 坐标系={text} is none of "
                       "2000国家大地坐标系, 1980西安坐标系, 1954北京坐标系")
    if not text:
        notes.append(Note("crs_assumed", key="坐标系", section="[属性描述]"))
    band_text, zone_text = header.get("几度分带", ""), header.get("带号", "")
    match = re.fullmatch(r"([36])\s*(度|°)?(分带)?", band_text)
    if band_text and not match:
        raise bad("几度分带", f"几度分带={band_text}; expected 3 or 6")
    if zone_text and not _whole(zone_text):
        raise bad("带号", f"带号={zone_text} is not a zone number")
    band = int(match.group(1)) if match else None
    header_zone = int(zone_text) if zone_text else None
    first_no, _, _, first_east = points[0]
    prefixed, prefix = first_east >= 1e7, _prefix_zone(first_east)
    for no, _, _, east in points:
        if (east >= 1e7) != prefixed or (
            (prefix is None or _prefix_zone(east) != prefix) if prefixed else not 0 < east < 1e6
        ):
            raise _bad(path, no, "Y(东)", f"Y(东) {east} is not a Gauss-Krüger easting of the same "
                       f"zone and form as {first_east} on line {first_no}")
    if prefixed and header_zone is not None and header_zone != prefix:
        raise bad("带号", f"带号={header_zone} but the eastings carry zone prefix {prefix} "
                  f"(line {first_no}: {first_east})")
    zone = header_zone if header_zone is not None else prefix
    if zone is None:
        raise bad("带号", "no 带号 in [属性描述] and the eastings carry no zone prefix")
    if header_zone is None:
        notes.append(Note("zone_from_prefix", key="带号", section="[属性描述]", zone=zone))
    if band is None:
        band = 6 if 13 <= zone <= 23 else 3  # the zone numbers of the two systems do not overlap
        notes.append(Note("band_assumed", key="几度分带", section="[属性描述]", zone=zone, band=band))
    try:
        return CRS.from_epsg(_epsg_of(datum, band, zone, prefixed))
    except CRSError as exc:
        raise CRSError(f"{path}: {exc}") from None


def read_coordtxt(
    path: str | os.PathLike, *, encoding: str | None = None
) -> tuple[gpd.GeoDataFrame, CoordTxtInfo]:
    """Read a 界址点 coordinate text file into one row per parcel.

    Parameters
    ----------
    path : str or path-like
        The ``.txt`` file.
    encoding : str, optional
        Codec of the file; by default UTF-8 (BOM stripped), else GB18030 (a superset of GBK).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns 地块编号, 地块名称, 图形属性, 图幅号, 地块用途, 地类编码 (str or None),
        面积(公顷) (float, NaN when blank) and geometry (Polygon, or MultiPolygon for several
        parts; x = easting as written, y = northing) in the CRS the file gives.
    CoordTxtInfo
        Encoding, CRS, the ``[属性描述]`` header, notes and counts.

    Raises
    ------
    InputFileError
        For anything wrong in the file, naming the line and the field.
    CRSError
        When the datum, zone width and zone have no EPSG code.
    """
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InputFileError(name, f"cannot be read ({exc.strerror})") from None
    text, used = _decode(name, raw, encoding)
    header: dict[str, str] = {}
    header_lines: dict[str, int] = {}  # key -> line number, for messages
    parcels: list[dict] = []
    section, coord_line, last = None, None, 1
    for no, line in enumerate(re.split(r"\r\n|\r|\n", text), 1):
        if not (s := line.strip()):
            continue
        last = no
        if s.startswith("[") and s.endswith("]"):
            section = s
            coord_line = no if s == "[地块坐标]" and coord_line is None else coord_line
        elif section == "[属性描述]":
            key, sep, value = s.partition("=")
            if not sep and s.endswith("@"):
                raise _bad(name, no, "[地块坐标]", "parcel header line before any [地块坐标] line")
            if not sep:
                raise _bad(name, no, "[属性描述]", f"expected key=value, found {s!r}")
            header[key.strip()], header_lines[key.strip()] = value.strip(), no
        elif section == "[地块坐标]":
            if s.endswith("@"):
                parcels.append(_parcel_header(name, s, no))
            elif not parcels:
                raise _bad(name, no, "点数", "a point line before the first parcel header line")
            else:
                parcels[-1]["points"].append(_point(name, s, no))
    if coord_line is None:
        raise _bad(name, last, "[地块坐标]", "no [地块坐标] section; not a coordinate text file")
    if not parcels:
        raise _bad(name, coord_line, "[地块坐标]", "[地块坐标] holds no parcel")
    notes: list[Note] = []
    geoms = [_geometry(name, p, notes) for p in parcels]
    points = [pt for p in parcels for pt in p["points"]]
    crs = _resolve_crs(name, header, header_lines, points, notes)
    stem, rows = Path(path).stem, []
    for k, (parcel, geom) in enumerate(zip(parcels, geoms, strict=True), 1):
        row, line, area = dict(parcel["values"]), parcel["line"], parcel["area"]
        if row["地块编号"] is None:
            row["地块编号"] = stem if len(parcels) == 1 else f"{stem}-{k}"
            notes.append(Note("id_from_file_name", line=line, field="地块编号", id=row["地块编号"]))
        if not math.isnan(area) and abs(geom.area / 1e4 - area) > max(1e-3 * area, 1e-4):
            notes.append(Note("area_differs", line=line, field="面积", area=area,
                              measured=f"{geom.area / 1e4:.4f}"))
        if not geom.is_valid:
            notes.append(Note("boundary_invalid", line=line, reason=GeosReason(shapely.is_valid_reason(geom))))
        rows.append(row | {"面积(公顷)": area})
    columns = {f: pd.Series([r[f] for r in rows], dtype=object) for f in _TEXT_FIELDS}
    columns["面积(公顷)"] = pd.Series([r["面积(公顷)"] for r in rows], dtype="float64")
    gdf = gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)
    log.info("%s: %d parcels, %d points, %s, EPSG:%s%s", name, len(rows), len(points), used,
             crs.to_epsg(), "".join(f"\n  {n}" for n in notes))
    return gdf, CoordTxtInfo(used, crs, header, notes, len(parcels), len(points))


def _gk_of_crs(crs) -> tuple[str, int, int, bool]:
    crs = CRS.from_user_input(crs) if crs is not None else None
    code = crs.to_epsg() if crs is not None else None
    for (datum, band), (first, last, pre, nopre) in _EPSG.items():
        for base, prefixed in ((pre, True), (nopre, False)):
            if code is not None and base <= code <= base + last - first:
                return datum, band, code - base + first, prefixed
    raise CRSError(f"a coordinate text file needs a CGCS2000 (or Xian 1980/Beijing 1954) Gauss-"
                   f"Krüger CRS, the layer has {crs.name if crs else 'no CRS'}; export with "
                   "`crs`, e.g. `crs='EPSG:4526'`")


def _text(value) -> str:
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    clean = re.sub(r"\s*[\r\n]+\s*", " ", text).replace(",", "，")
    if clean != text:
        log.warning("%r written as %r: commas and line breaks would break the file", text, clean)
    return clean


def write_coordtxt(
    gdf: gpd.GeoDataFrame,
    path: str | os.PathLike,
    *,
    encoding: str = "gbk",
    newline: str = "\r\n",
    precision: int = 3,
) -> None:
    """Write polygons as a 界址点 coordinate text file, atomically.

    Each ring is written clockwise (exteriors) or counter-clockwise (holes), closed by its
    first point repeated with that point's number; points are numbered J1… across the
    parcel's rings; eastings always carry the zone prefix (带号).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Polygons/MultiPolygons in a CGCS2000 (or Xian 1980/Beijing 1954) Gauss-Krüger CRS,
        with or without the zone prefix. Columns parcel_id, parcel_name (or name), map_sheet,
        land_use_name and land_use (or the file's own 地块编号 …) fill the header lines.
    path : str or path-like
        Output file; replaced only once it is completely written.
    encoding : {"gbk", "utf-8"}
        Codec of the file.
    newline : {"\\r\\n", "\\n"}
        Line ending.
    precision : int
        Decimals of the coordinates (3 = millimetres).

    Raises
    ------
    CRSError
        When the layer is not in such a Gauss-Krüger CRS (the message names ``crs``).
    SchemaError
        For a feature without a polygon, or text the encoding cannot hold.
    """
    codec, p = _CODECS.get(encoding.lower().replace("_", "-")), int(precision)
    if codec is None or newline not in ("\r\n", "\n") or not 0 <= p <= 6:
        raise ValueError(f"encoding must be gbk or utf-8, newline \\r\\n or \\n, precision 0-6; "
                         f"got {encoding!r}, {newline!r}, {precision!r}")
    datum, band, zone, prefixed = _gk_of_crs(gdf.crs)
    if len(gdf) == 0:
        raise SchemaError(f"{path}: no features to write")
    offset = 0.0 if prefixed else zone * 1e6
    out = ["[属性描述]", f"坐标系={_DATUM_NAMES[datum]}", f"几度分带={band}", "投影类型=高斯克吕格",
           "计量单位=米", f"带号={zone}", f"精度={10.0 ** -p:.{p}f}", "转换参数=,,,,,,", "[地块坐标]"]
    cols = {k: next((c for c in names if c in gdf.columns), None) for k, names in _WRITE_COLUMNS.items()}
    for i, geom in enumerate(gdf.geometry):
        if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            kind = "no geometry" if geom is None or geom.is_empty else geom.geom_type
            raise SchemaError(f"{path}: feature {i + 1} has {kind}; only polygons can be written")
        values = {k: _text(gdf[c].iloc[i]) if c else "" for k, c in cols.items()}
        body: list[str] = []
        ring_no = number = 0
        for part in getattr(geom, "geoms", [geom]):
            part = orient(part, sign=-1.0)  # exterior clockwise, holes counter-clockwise
            for ring in (part.exterior, *part.interiors):
                ring_no += 1
                pts: list[tuple[float, float]] = []
                for x, y in ring.coords[:-1]:
                    pt = (round(x + offset, p), round(y, p))
                    if not pts or pt != pts[-1]:
                        pts.append(pt)
                while len(pts) > 1 and pts[-1] == pts[0]:
                    pts.pop()
                if len(set(pts)) < 3:
                    raise SchemaError(f"{path}: feature {i + 1}, ring {ring_no} has fewer than 3 "
                                      f"distinct points at {p} decimals")
                first = number + 1
                for x, y in pts:
                    number += 1
                    body.append(f"J{number},{ring_no},{y:.{p}f},{x:.{p}f}")
                body.append(f"J{first},{ring_no},{pts[0][1]:.{p}f},{pts[0][0]:.{p}f}")
        area = f"{round(geom.area / 1e4, 4):.4f}".rstrip("0").rstrip(".")
        out.append(f"{len(body)},{area},{values['地块编号']},{values['地块名称']},面,"
                   f"{values['图幅号']},{values['地块用途']},{values['地类编码']},@")
        out.extend(body)
    text = newline.join(out) + newline
    try:
        data = text.encode(codec)
    except UnicodeEncodeError as exc:
        raise SchemaError(f"{path}: line {text.count(chr(10), 0, exc.start) + 1} holds "
                          f"{exc.object[exc.start:exc.end]!r}, which {encoding} cannot encode; "
                          "write with encoding='utf-8'") from None
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    log.info("wrote %d parcels to %s (%s, EPSG:%s)", len(gdf), path, codec, gdf.crs.to_epsg())
