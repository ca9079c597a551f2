"""Open what land bureaus and park offices hand over, as raw frames with honest diagnostics.

:func:`open_source` reads one source — Shapefile (plain or zipped), GeoPackage, GeoJSON,
FileGDB, the ministry's coordinate text file (界址点 txt), CSV, XLSX or a DEM GeoTIFF — into
a :class:`RawSource`: the columns exactly as the source names them, the CRS and where it
came from, the text encoding, and for every row the number a person would look up
(``feature N`` in file order from 1, or the spreadsheet ``row N``).

Everything GDAL would silently get wrong is checked first and refused with one line naming
the file, the feature/row and the field: a truncated ``.shp``, a missing ``.dbf`` or
``.shx``, text that is not valid in the declared encoding, a zip member that would escape
its folder, merged header cells in a spreadsheet, an empty file. So is what would take all
memory or time: a zip bomb, a .dbf header announcing billions of records, a table of a
million columns (the caps are the module's ``MAX_*`` constants).
"""

from __future__ import annotations

import csv
import functools
import io
import logging
import re
import shutil
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pandas as pd
import pyogrio
from pyproj import CRS

from ..crs import check_coords_fit, detect_crs_from_coords
from ..errors import CRSError, InputFileError, shown
from .notes import Note

__all__ = ["RawSource", "open_source", "detect_dbf_encoding", "VECTOR_SUFFIXES", "TABLE_SUFFIXES"]

log = logging.getLogger(__name__)

VECTOR_SUFFIXES = {".shp", ".gpkg", ".geojson", ".json", ".gdb", ".txt", ".parquet", ".fgb"}
TABLE_SUFFIXES = {".csv", ".xlsx", ".xlsm"}
RASTER_SUFFIXES = {".tif", ".tiff"}

#: Largest size one zip member may unpack to, in bytes (2 GiB). The caps are checked on the sizes
#: the archive declares, before anything is unpacked; members are then streamed to disk in 1 MiB
#: chunks, never read whole.
MAX_MEMBER_BYTES = 2 * 1024**3
#: Largest size all members of a zip together may unpack to, in bytes (4 GiB).
MAX_UNZIPPED_BYTES = 4 * 1024**3
#: Largest ratio of unpacked to packed size of one zip member (100:1). Real layers pack far
#: less (the demo's exported Shapefile: .dbf 9.9:1, .shp 5.5:1); a zip bomb packs gigabytes of
#: zeros 1,000:1. Members unpacking to less than :data:`RATIO_FLOOR_BYTES` are exempt.
MAX_RATIO = 100
#: Members unpacking to less than this many bytes (16 MiB) are not held to :data:`MAX_RATIO`.
RATIO_FLOOR_BYTES = 16 * 1024**2
_CHUNK = 1024**2
#: Most columns a source may have (a parcels layer has 47). A wider table is refused in one
#: line before its rows are built: a header of a million columns otherwise never finishes.
MAX_COLUMNS = 500

_CPG_CODECS = {
    "936": "gb18030", "cp936": "gb18030", "gbk": "gb18030", "gb2312": "gb18030",
    "gb18030": "gb18030", "65001": "utf-8", "utf-8": "utf-8", "utf8": "utf-8",
    "1252": "cp1252", "cp1252": "cp1252", "950": "big5", "big5": "big5",
}
# dBASE language driver ids (byte 29 of the header) that name an encoding.
_LDID_CODECS = {0x4D: "gb18030", 0x7A: "gb18030", 0x78: "big5", 0x57: None, 0x00: None}
#: Share of the non-ASCII characters of a decoded text that must look like the encoding's
#: language for the decode to be plausible (see :func:`judge_encoding`).
PLAUSIBLE_SHARE = 0.75


@dataclass
class RawSource:
    """One source as read, before any recognition or repair.

    Attributes
    ----------
    frame : GeoDataFrame or DataFrame
        Source columns under their own names (``geometry`` for vector sources).
    path : str
        The file as the user named it (``a.zip!parcels.shp`` for a member of a zip).
    kind : {"vector", "table", "raster"}
    crs : CRS or None
        The source CRS (vector and raster sources).
    crs_source : str
        Where the CRS came from: ``.prj``/file, ``crs``, zone prefix, header (a
        :class:`~landplan.io.notes.Note`: English, in another language with ``.text(lang)``).
    encoding : str or None
        Text encoding used.
    row_label : {"feature", "row"}
    row_numbers : list of int
        The number a person sees for every row of ``frame``.
    notes : list of Note
        Things done on the user's behalf (title rows skipped, ids from file names…): English
        strings, in another language with :meth:`~landplan.io.notes.Note.text`.
    """

    frame: pd.DataFrame
    path: str
    kind: str
    crs: CRS | None = None
    crs_source: str = ""
    encoding: str | None = None
    row_label: str = "feature"
    row_numbers: list[int] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    def where(self, position: int) -> str:
        """``feature 7`` / ``row 9`` for the row at ``position`` of ``frame``."""
        return f"{self.row_label} {self.row_numbers[position]}"


# --------------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------------


def open_source(
    path: str | Path,
    *,
    workdir: Path,
    source_layer: str | None = None,
    encoding: str | None = None,
    crs: CRS | None = None,
    display: str | None = None,
) -> RawSource:
    """Read ``path`` into a :class:`RawSource`.

    Parameters
    ----------
    path : str or Path
        A file, a ``.gdb`` folder, or a ``.zip`` holding one of those.
    workdir : Path
        A scratch folder (zip members are extracted there, never next to the source).
    source_layer : str, optional
        Layer (GeoPackage, FileGDB), sheet (XLSX) or member (zip) to read.
    encoding : str, optional
        Text encoding; overrides ``.cpg`` and detection.
    crs : CRS, optional
        CRS to assume (overrides the file's).
    display : str, optional
        The name to use in messages (default: ``path``).

    Hostile files are refused in one line before memory or time grows: a zip member is
    streamed to disk and refused past :data:`MAX_MEMBER_BYTES` or :data:`MAX_RATIO` (an archive
    past :data:`MAX_UNZIPPED_BYTES`); a .dbf header is checked against the file size and the
    .shx before any record is read; a source of more than :data:`MAX_COLUMNS` columns is
    refused (a CSV or XLSX before its rows are built); an XLSX formula cell without a saved
    value is evaluated when it is plain arithmetic, else refused with its address.
    """
    raw = _open(Path(path), workdir, source_layer, encoding, crs, display)
    _check_width(len(raw.frame.columns) - ("geometry" in raw.frame.columns), raw.path)
    if raw.kind == "vector" and raw.crs is not None:
        xs, ys = _sample_coords(raw.frame.geometry)
        try:
            check_coords_fit(raw.crs, xs, ys, declared_by=raw.crs_source, explicit=crs is not None)
        except CRSError as exc:
            raise InputFileError(raw.path, str(exc), field="geometry") from None
    return raw


def _sample_coords(geometry: gpd.GeoSeries, most: int = 5000):
    """x and y of about ``most`` vertices spread over the layer."""
    coords = geometry.get_coordinates()
    sample = coords.iloc[:: max(1, len(coords) // most)]
    return sample.x.to_numpy(), sample.y.to_numpy()


def _open(path: Path, workdir, source_layer, encoding, crs, display) -> RawSource:
    name = display or str(path)
    if not path.exists():
        raise InputFileError(name, "no such file or folder")
    if path.is_file() and path.stat().st_size == 0:
        raise InputFileError(name, "the file is empty (0 bytes)")
    suffix = path.suffix.lower()
    if path.is_dir() and suffix != ".gdb":
        raise InputFileError(name, "a folder that is not a FileGDB (.gdb); name a file in it")
    if suffix == ".zip" or (path.is_file() and zipfile.is_zipfile(path) and suffix not in
                            {".xlsx", ".xlsm", ".gpkg"}):
        return _open_zip(path, name, workdir, source_layer, encoding, crs)
    if suffix in RASTER_SUFFIXES:
        return _open_raster(path, name, crs)
    if suffix in TABLE_SUFFIXES:
        if suffix == ".csv":
            return _open_csv(path, name, encoding)
        return _open_xlsx(path, name, source_layer)
    if suffix == ".xls":
        raise InputFileError(name, "old Excel .xls files are not read; save it as .xlsx")
    if suffix == ".txt":
        from .coordtxt import looks_like_coordtxt, read_coordtxt

        if looks_like_coordtxt(path):
            frame, info = read_coordtxt(path, encoding=encoding)
            raw = RawSource(frame, name, "vector", crs=crs or info.crs,
                            crs_source=Note("crs_by_option") if crs else Note("crs_by_header", keys="坐标系/带号"),
                            encoding=info.encoding, row_label="parcel",
                            row_numbers=list(range(1, len(frame) + 1)), notes=list(info.notes))
            return raw
        return _open_csv(path, name, encoding)
    if suffix == ".shp":
        return _open_shapefile(path, name, encoding, crs)
    if suffix == ".parquet":
        return _open_parquet(path, name, crs)
    if suffix == ".dbf":
        raise InputFileError(name, "a .dbf alone has no geometry; name the .shp beside it")
    if suffix in VECTOR_SUFFIXES:
        return _open_ogr(path, name, source_layer, encoding, crs)
    raise InputFileError(
        name, f"unknown file type {suffix or '(no suffix)'}; landplan reads .shp, .zip, .gpkg, "
        ".geojson, .gdb, .txt (界址点), .csv, .xlsx and .tif"
    )


# --------------------------------------------------------------------------------------------
# zip
# --------------------------------------------------------------------------------------------


def _member_name(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437", errors="replace")
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return info.filename


def _open_zip(path, name, workdir, source_layer, encoding, crs) -> RawSource:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise InputFileError(name, f"not a readable zip archive ({exc})") from None
    target = Path(workdir) / f"unzipped-{path.stem}"
    with archive:
        members = archive.infolist()
        for info in members:  # the sizes the archive declares, before anything is unpacked
            member = _member_name(info)
            pure = PurePosixPath(member.replace("\\", "/"))
            if pure.is_absolute() or ".." in pure.parts or (pure.parts and ":" in pure.parts[0]):
                raise InputFileError(
                    name, f"zip member {member!r} would be written outside the archive's folder "
                    "(path traversal); refusing to open this archive", field=member,
                )
            if info.flag_bits & 0x1:
                raise InputFileError(name, f"zip member {member!r} is password-protected; unzip it "
                                     "yourself and import the files", field=member)
            _check_member(name, member, info.file_size, info.compress_size)
        total = sum(info.file_size for info in members)
        if total > MAX_UNZIPPED_BYTES:
            raise InputFileError(name, f"the archive unpacks to {_gb(total)}; archives are limited "
                                 f"to {_gb(MAX_UNZIPPED_BYTES)} (MAX_UNZIPPED_BYTES): {_BOMB_ADVICE}")
        target.mkdir(parents=True, exist_ok=True)
        for info in members:
            member = _member_name(info).replace("\\", "/")
            out = target / member
            if info.is_dir():
                out.mkdir(parents=True, exist_ok=True)
                continue
            out.parent.mkdir(parents=True, exist_ok=True)
            _unpack_member(archive, info, out, name, member)
    candidates = datasets_in(target)
    if not candidates:
        raise InputFileError(name, "the archive holds no file landplan reads (.shp, .gpkg, "
                             ".geojson, .gdb, .txt, .csv, .xlsx, .tif)")
    chosen = candidates
    if len(candidates) > 1 and source_layer:
        chosen = [c for c in candidates if c.stem == source_layer or c.name == source_layer]
        if chosen:
            source_layer = None  # it named the member, not a layer inside it
    if len(chosen) != 1:
        listing = ", ".join(str(c.relative_to(target)) for c in candidates)
        raise InputFileError(name, f"the archive holds several datasets ({listing}); pick one "
                             "with `source_layer=NAME`")
    member = chosen[0]
    raw = open_source(member, workdir=workdir, source_layer=source_layer, encoding=encoding,
                      crs=crs, display=f"{name}!{member.relative_to(target)}")
    mapping = member.parent / f"{member.stem}.fields.csv"
    if mapping.exists():
        raw = _apply_field_map(raw, mapping)
    return raw


_BOMB_ADVICE = "a zip bomb or a damaged archive; if you trust it, unzip it yourself and import the files"


def _check_member(name: str, member: str, size: int, packed: int) -> None:
    """Refuse a zip member over :data:`MAX_RATIO` or :data:`MAX_MEMBER_BYTES` from the sizes
    the archive declares, before anything is unpacked."""
    if size > RATIO_FLOOR_BYTES and size > MAX_RATIO * packed:
        ratio = f"{size / packed:,.0f}:1" if packed else "no packed bytes at all"
        raise InputFileError(name, f"zip member {member!r} unpacks to {_gb(size)} from "
                             f"{_gb(packed)} packed ({ratio}); the limit is {MAX_RATIO}:1 "
                             f"(MAX_RATIO): {_BOMB_ADVICE}", field=member)
    if size > MAX_MEMBER_BYTES:
        raise InputFileError(name, f"zip member {member!r} unpacks to {_gb(size)}; members are "
                             f"limited to {_gb(MAX_MEMBER_BYTES)} (MAX_MEMBER_BYTES): {_BOMB_ADVICE}",
                             field=member)


def _unpack_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, out: Path, name: str,
                   member: str) -> None:
    """Stream one member to ``out`` in 1 MiB chunks (never the whole member in memory).

    :mod:`zipfile` yields no more than the size the archive declares for a member (it stops
    there and checks the CRC), so the caps checked on the declared sizes bound what is written.
    """
    try:
        with archive.open(info) as src, open(out, "wb") as dst:
            shutil.copyfileobj(src, dst, _CHUNK)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError) as exc:
        raise InputFileError(name, f"zip member {member!r} is damaged ({exc})", field=member) from None


def _gb(size: int) -> str:
    """``3.0 GB``, ``16.0 MB`` or ``512 bytes`` (binary units)."""
    if size >= 1024**3:
        return f"{size / 1024**3:,.1f} GB"
    return f"{size / 1024**2:,.1f} MB" if size >= 1024**2 else f"{size:,} bytes"


def datasets_in(folder: Path) -> list[Path]:
    found = []
    for item in sorted(folder.rglob("*")):
        if any(part.lower().endswith(".gdb") for part in item.relative_to(folder).parts[:-1]):
            continue  # inside a FileGDB
        suffix = item.suffix.lower()
        if item.is_dir() and suffix == ".gdb":
            found.append(item)
        elif item.is_file() and suffix in (VECTOR_SUFFIXES | TABLE_SUFFIXES | RASTER_SUFFIXES) - {".gdb"}:
            if item.name.startswith(".") or item.name.endswith(".fields.csv"):
                continue
            found.append(item)
    return found


def _apply_field_map(raw: RawSource, mapping: Path) -> RawSource:
    """Restore full column names from a ``<stem>.fields.csv`` written by landplan's export."""
    from .writers import csv_unescaped

    table = csv_unescaped(pd.read_csv(mapping, dtype=str, encoding="utf-8-sig", keep_default_na=False))
    if {"shp_field", "column"} <= set(table.columns):
        renames = {r.shp_field: r.column for r in table.itertuples() if r.shp_field in raw.frame.columns}
        raw.frame = raw.frame.rename(columns=renames)
        raw.notes.append(Note("fields_restored", file=mapping.name, count=len(renames)))
    return raw


# --------------------------------------------------------------------------------------------
# Shapefile
# --------------------------------------------------------------------------------------------


def _sidecar(path: Path, ext: str) -> Path | None:
    for candidate in (path.with_suffix(ext), path.with_suffix(ext.upper())):
        if candidate.exists():
            return candidate
    return None


def _dbf_layout(dbf: Path, name: str):
    """The record count, header length, record length and fields of a .dbf, from its header
    alone, checked against the file size before any record is read."""
    size = dbf.stat().st_size
    with open(dbf, "rb") as handle:
        head = handle.read(32)
        if len(head) < 32:
            raise InputFileError(name, "the .dbf is shorter than its 32-byte header (truncated)")
        nrec, header_len, rec_len = struct.unpack("<IHH", head[4:12])
        data = head + handle.read(max(0, header_len - 32))
    if header_len < 33 or header_len > size:
        raise InputFileError(name, f"the .dbf header is damaged: it says the header is {header_len} "
                             f"bytes long, the file has {size:,} bytes; not a usable attribute table")
    fields = []
    pos = 32
    offset = 1  # the deletion flag
    while pos + 32 <= header_len and data[pos] != 0x0D:
        fname = data[pos:pos + 11].split(b"\x00")[0]
        ftype = chr(data[pos + 11])
        flen = data[pos + 16]
        fields.append((fname, ftype, offset, flen))
        offset += flen
        pos += 32
    if nrec and rec_len < offset:
        raise InputFileError(
            name, f"the .dbf header is damaged: it announces {nrec:,} records of {rec_len} bytes, "
            f"but its {len(fields)} fields and the deletion flag need {offset} byte"
            f"{'s' if offset != 1 else ''} a record; "
            "not a usable attribute table"
        )
    need = header_len + nrec * rec_len
    if size < need:
        raise InputFileError(
            name, f"the .dbf is truncated: its header announces {nrec:,} records "
            f"({need:,} bytes), the file has {size:,} bytes"
        )
    return nrec, header_len, rec_len, fields, data[29]


def detect_dbf_encoding(dbf: Path, *, declared: str | None, declared_by: str, name: str) -> str:
    """Check or detect the text encoding of a .dbf, naming the first bad feature and field.

    ``declared`` (from ``encoding`` or the ``.cpg``) is verified on every text value; when
    nothing is declared, a language-driver byte naming a Chinese encoding is used, else UTF-8
    if every value decodes as UTF-8, else GB18030 (a superset of GBK) or CP1252, whichever
    reads plausibly (:func:`judge_encoding`).
    """
    return _dbf_encoding(dbf, declared=declared, declared_by=declared_by, name=name)[0]


def _dbf_encoding(dbf: Path, *, declared, declared_by: str, name: str) -> tuple[str, list[Note]]:
    """The codec of a .dbf and, when it was judged, why (for the report's note)."""
    nrec, header_len, rec_len, fields, ldid = _dbf_layout(dbf, name)
    data = dbf.read_bytes()
    text_fields = [f for f in fields if f[1] in "CM"]
    samples: dict[bytes, tuple[int, bytes]] = {}  # non-ASCII value -> its first feature, field
    for rec in range(nrec):
        base = header_len + rec * rec_len
        for fname, _t, off, flen in text_fields:
            value = data[base + off: base + off + flen]
            if not value.isascii():
                samples.setdefault(value.rstrip(b" \x00"), (rec, fname))

    def first_bad(codec: str):
        for value, where in samples.items():  # in feature order; ASCII decodes in every codec
            try:
                value.decode(codec)
            except UnicodeDecodeError:
                return where
        return None  # field names are not checked: writers cut them mid-character at 10 bytes

    if declared:
        codec = _CPG_CODECS.get(declared.strip().lower(), declared.strip().lower())
        try:
            "".encode(codec)
        except LookupError:
            raise InputFileError(name, f"unknown encoding {declared!r} ({declared_by})") from None
        bad = first_bad(codec)
        if bad:
            rec, fname = bad
            other = "gbk" if codec == "utf-8" else "utf-8"
            raise InputFileError(
                name, f"text is not valid {declared} although {declared_by} says so; "
                f"fix the .cpg or give `encoding={other!r}`",
                where=f"feature {rec + 1}", field=fname.decode(codec, errors="replace"),
            )
        return codec, []
    ldid_codec = _LDID_CODECS.get(ldid)
    for codec in ([ldid_codec] if ldid_codec else []) + ["utf-8"]:
        if first_bad(codec) is None:
            return codec, []
    codec, why = judge_encoding(list(samples))
    if codec is None:
        rec, fname = first_bad("gb18030")
        raise InputFileError(name, "text is neither UTF-8, GBK nor CP1252; give `encoding`",
                             where=f"feature {rec + 1}",
                             field=fname.decode("gb18030", errors="replace"))
    return codec, ([Note("language_byte", byte=f"0x{ldid:02X}")] if ldid else []) + why


_LONE_BETWEEN_LATIN = re.compile(r"(?<=[A-Za-z])[^\x00-\x7f](?=[A-Za-z])")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


@functools.lru_cache(maxsize=65536)
def _common_chinese(char: str) -> bool:
    """A GB2312 level-1 hanzi (the 3,755 common characters) or a GB2312 symbol (full-width
    punctuation and letters); level-2 and GBK-only characters are rare in real text."""
    try:
        lead = char.encode("gb2312")[0]
    except UnicodeEncodeError:
        return False
    return 0xB0 <= lead <= 0xD7 or 0xA1 <= lead <= 0xA9


def _gbk_implausible(text: str) -> int:
    """How many characters of a GB18030 decode are implausible as Chinese: rare characters
    and lone characters between Latin letters (``Na玢o``)."""
    rare = sum(1 for ch in text if ord(ch) > 0x7F and not _common_chinese(ch))
    return rare + sum(1 for m in _LONE_BETWEEN_LATIN.finditer(text) if _common_chinese(m.group()))


def _cp1252_implausible(text: str) -> int:
    """How many characters of a CP1252 decode are implausible as a Latin-script language:
    those outside runs of one or two letters touching a Latin letter (``ção`` in ``Nação``)
    or a lone punctuation mark or symbol (``°``, ``–``, ``“``)."""
    bad = 0
    for m in _NON_ASCII_RUN.finditer(text):
        run = m.group()
        before = text[m.start() - 1: m.start()]
        after = text[m.end(): m.end() + 1]
        letters = len(run) <= 2 and all(ch.isalpha() for ch in run) and (
            before.isascii() and before.isalpha() or after.isascii() and after.isalpha())
        mark = len(run) == 1 and not run.isalpha()
        bad += 0 if letters or mark else len(run)
    return bad


def judge_encoding(samples: list[bytes]) -> tuple[str | None, list[Note]]:
    """GB18030 or CP1252 for text that is not UTF-8, judged on the decoded text.

    Bytes that decode as GB18030 are not enough: CP1252 text (``Alto da Nação``) often does,
    into rare characters (``Alto da Na玢o``). Each decode is scored by the share of its
    non-ASCII characters that are plausible: for GB18030 the common GB2312 level-1 characters
    and full-width punctuation, not alone between Latin letters; for CP1252 accented letters in
    short runs inside Latin words and lone punctuation marks. A decode is plausible when that
    share reaches :data:`PLAUSIBLE_SHARE`; GB18030 is preferred when both are.

    Parameters
    ----------
    samples : list of bytes
        The distinct text values that are not plain ASCII.

    Returns
    -------
    codec : str or None
        ``"gb18030"`` or ``"cp1252"``; ``None`` when neither decodes plausibly (and GB18030
        not at all).
    why : list of Note
        What the other reading looked like and which ``encoding`` chooses it (one note), or
        ``[]`` when nothing else was plausible.
    """
    decoded = {codec: _decode_all(samples, codec) for codec in ("gb18030", "cp1252")}
    judges = {"gb18030": _gbk_implausible, "cp1252": _cp1252_implausible}
    plausible, worst = {}, {}
    for codec, texts in decoded.items():
        if texts is None:
            plausible[codec] = False
            continue
        counts = [judges[codec](t) for t in texts]
        total = sum(sum(1 for ch in t if ord(ch) > 0x7F) for t in texts)
        plausible[codec] = total == 0 or sum(counts) <= (1 - PLAUSIBLE_SHARE) * total
        worst[codec] = texts[counts.index(max(counts))] if counts else ""
    gbk, cp = decoded["gb18030"], decoded["cp1252"]
    if plausible["gb18030"]:
        if not plausible["cp1252"]:
            return "gb18030", []
        i = next((i for i, (a, b) in enumerate(zip(gbk, cp, strict=True)) if a != b), 0)
        return "gb18030", [Note("also_cp1252", as_cp1252=shown(cp[i], 40), as_gbk=shown(gbk[i], 40))]
    if plausible["cp1252"]:
        if gbk is None:
            return "cp1252", [Note("not_gbk")]
        return "cp1252", [Note("gbk_implausible", text=shown(worst["gb18030"], 40))]
    if gbk is not None:
        return "gb18030", [Note("both_implausible", text=shown(worst["gb18030"], 40))]
    return None, []


def _decode_all(samples: list[bytes], codec: str) -> list[str] | None:
    try:
        return [value.decode(codec) for value in samples]
    except UnicodeDecodeError:
        return None


def _check_shp(path: Path, name: str) -> int:
    data = path.read_bytes()
    if len(data) < 100:
        raise InputFileError(name, "the .shp is shorter than its 100-byte header (truncated or not a Shapefile)")
    code, = struct.unpack(">i", data[0:4])
    if code != 9994:
        raise InputFileError(name, "not a Shapefile (.shp header code is not 9994)")
    declared = struct.unpack(">i", data[24:28])[0] * 2
    if len(data) < declared:
        raise InputFileError(
            name, f"the .shp is truncated: its header says {declared} bytes, the file has "
            f"{len(data)}; the copy is incomplete"
        )
    shx = _sidecar(path, ".shx")
    if shx is None:
        raise InputFileError(name, "the .shx index beside the .shp is missing; copy all the "
                             "Shapefile's files (.shp .shx .dbf .prj .cpg) together")
    shx_len = shx.stat().st_size
    return max(0, (shx_len - 100) // 8)


def _open_shapefile(path: Path, name: str, encoding, crs) -> RawSource:
    features = _check_shp(path, name)
    dbf = _sidecar(path, ".dbf")
    if dbf is None:
        raise InputFileError(name, "the .dbf attribute table beside the .shp is missing; "
                             "without it every attribute (parcel ids included) is lost")
    cpg = _sidecar(path, ".cpg")
    if encoding:
        declared, declared_by = encoding, "`encoding`"
    elif cpg is not None:
        declared = cpg.read_bytes().decode("ascii", errors="replace").strip() or None
        declared_by = f"the .cpg ({declared})"
    else:
        declared, declared_by = None, ""
    nrec = _dbf_layout(dbf, name)[0]  # header against file size and .shx, before any record
    if nrec != features:
        raise InputFileError(name, f"the .dbf has {nrec:,} records but the .shp/.shx {features:,} "
                             "features; the files do not belong together")
    codec, why = _dbf_encoding(dbf, declared=declared, declared_by=declared_by, name=name)
    raw = _read_ogr(path, name, None, codec, crs)
    raw.encoding = _label(codec)
    if not declared:
        raw.notes.append(_detected(name, raw.encoding, [Note("no_cpg"), *why]))
    return raw


def _detected(name: str, label: str, why: list[Note]) -> Note:
    """The note on a detected encoding: which, why, and the option that changes it."""
    if not any("`encoding" in w for w in why):
        why = [*why, Note("encoding_option")]
    return Note("encoding_detected", file=name, encoding=label, why=why)


def _label(codec: str) -> str:
    """``GBK`` for GB18030 (the name users know), else the codec upper-cased."""
    return "GBK" if codec == "gb18030" else codec.upper()


# --------------------------------------------------------------------------------------------
# GDAL/OGR sources
# --------------------------------------------------------------------------------------------


def _open_ogr(path: Path, name: str, source_layer, encoding, crs) -> RawSource:
    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:  # pyogrio.errors.DataSourceError and friends
        raise InputFileError(name, f"GDAL cannot open it ({_first_line(exc)})") from None
    names = [str(layer[0]) for layer in layers]
    if not names:
        raise InputFileError(name, "the file holds no layer")
    if source_layer is None:
        if len(names) > 1:
            raise InputFileError(name, f"the file holds several layers ({', '.join(names)}); "
                                 "pick one with `source_layer=NAME`")
        layer = names[0]
    elif source_layer in names:
        layer = source_layer
    else:
        raise InputFileError(name, f"no layer {source_layer!r}; layers are: {', '.join(names)}")
    return _read_ogr(path, name, layer, encoding, crs)


def _read_ogr(path: Path, name: str, layer, encoding, crs) -> RawSource:
    try:
        frame = pyogrio.read_dataframe(path, layer=layer, encoding=encoding)
    except UnicodeDecodeError as exc:
        raise InputFileError(name, f"text is not valid {exc.encoding}; give `encoding`") from None
    except Exception as exc:
        raise InputFileError(name, f"GDAL cannot read it ({_first_line(exc)})") from None
    rows = list(range(1, len(frame) + 1))
    has_geometry = isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns
    if not has_geometry or frame.geometry.isna().all() and len(frame) and _no_geometry(path, layer):
        plain = pd.DataFrame(frame.drop(columns=[frame.geometry.name]) if has_geometry else frame)
        return RawSource(plain, name, "table", row_label="feature", row_numbers=rows,
                         encoding=encoding)
    if crs is not None:
        source = Note("crs_by_option") if frame.crs is None else Note("crs_overridden", name=CRS(frame.crs).name)
        frame = frame.set_crs(crs, allow_override=True)
    elif frame.crs is not None:
        source = Note("crs_by_prj") if path.suffix.lower() == ".shp" else Note("crs_by_file")
    else:
        try:
            frame = frame.set_crs(detect_crs_from_coords(*_sample_coords(frame.geometry)))
        except CRSError as exc:
            raise InputFileError(name, str(exc).removeprefix(f"{name}: "), field="geometry") from None
        source = Note("crs_by_prefix", missing=Note("no_prj" if path.suffix.lower() == ".shp" else "no_crs"))
    return RawSource(frame, name, "vector", crs=CRS.from_user_input(frame.crs), crs_source=source,
                     encoding=encoding, row_numbers=rows)


def _open_parquet(path: Path, name: str, crs) -> RawSource:
    """GeoParquet through pyarrow (GDAL's Parquet driver is often missing from wheels)."""
    try:
        frame = gpd.read_parquet(path)
    except ValueError:  # no geometry metadata: a plain table
        frame = pd.read_parquet(path)
        return RawSource(frame, name, "table", row_label="row",
                         row_numbers=list(range(1, len(frame) + 1)))
    except Exception as exc:
        raise InputFileError(name, f"not a readable GeoParquet file ({_first_line(exc)})") from None
    if crs is not None:
        frame, source = frame.set_crs(crs, allow_override=True), Note("crs_by_option")
    elif frame.crs is None:
        raise InputFileError(name, "the GeoParquet file has no CRS; give `crs`", field="geometry")
    else:
        source = Note("crs_by_file")
    return RawSource(frame, name, "vector", crs=CRS.from_user_input(frame.crs), crs_source=source,
                     row_numbers=list(range(1, len(frame) + 1)))


def _no_geometry(path: Path, layer) -> bool:
    info = pyogrio.read_info(path, layer=layer)
    return info.get("geometry_type") in (None, "None", "Unknown") and not info.get("crs")


# --------------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------------


def _decode_text(path: Path, name: str, encoding: str | None) -> tuple[str, str, list[Note]]:
    """The text of ``path``, the encoding's label and a note when the encoding was judged."""
    data = path.read_bytes()
    if encoding:
        codec = _CPG_CODECS.get(encoding.lower(), encoding)
        try:
            return data.decode(codec), encoding, []
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise InputFileError(name, f"not valid {encoding} text; try "
                                 f"`encoding={'gbk' if codec == 'utf-8' else 'utf-8'!r}`", where=f"line {line}") from None
        except LookupError:
            raise InputFileError(name, f"unknown encoding {encoding!r}") from None
    try:
        return data.decode("utf-8-sig"), "UTF-8", []
    except UnicodeDecodeError as exc:
        first = exc
    lines = list(dict.fromkeys(line.rstrip(b"\r") for line in data.split(b"\n") if not line.isascii()))
    codec, why = judge_encoding(lines)
    if codec is None:
        line = data[: first.start].count(b"\n") + 1
        raise InputFileError(name, "text is neither UTF-8, GBK nor CP1252; give `encoding`",
                             where=f"line {line}")
    label = _label(codec)
    return data.decode(codec), label, [_detected(name, label, [Note("not_utf8"), *why])]


def _open_csv(path: Path, name: str, encoding: str | None) -> RawSource:
    text, used, notes = _decode_text(path, name, encoding)
    if not text.strip():
        raise InputFileError(name, "the file holds no rows")
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return _table_from_rows(rows, name, used, row_base=1, notes=notes)


def _table_from_rows(rows: list[list], name: str, encoding, *, row_base: int, notes: list[Note],
                     header_index: int | None = None) -> RawSource:
    """Build a raw table: ``rows[header_index]`` is the header; ``row_base`` numbers rows[0]."""
    if header_index is None:
        header_index = 0
        while header_index < len(rows) and sum(1 for v in rows[header_index] if _filled(v)) <= 1:
            if any(_filled(v) for v in rows[header_index]):
                notes.append(Note("title_row", row=header_index + row_base))
            header_index += 1
    if header_index >= len(rows):
        raise InputFileError(name, "no header row found (a table needs a row of column names)")
    header = ["" if v is None else str(v).strip() for v in rows[header_index]]
    while header and not header[-1]:
        header.pop()
    _check_width(len(header), name, where=f"row {header_index + row_base}")
    seen: dict[str, int] = {}
    for col, text in enumerate(header):
        if not text:
            raise InputFileError(name, "a column has no header; name every column",
                                 where=f"row {header_index + row_base}", field=f"column {col + 1}")
        if text in seen:
            raise InputFileError(name, f"two columns are both called {text!r}",
                                 where=f"row {header_index + row_base}", field=text)
        seen[text] = col
    records, numbers = [], []
    for offset, row in enumerate(rows[header_index + 1:], start=header_index + 1):
        values = list(row[: len(header)]) + [None] * (len(header) - len(row))
        if not any(_filled(v) for v in values):
            continue
        extra = [v for v in row[len(header):] if _filled(v)]
        if extra:
            raise InputFileError(name, f"the row has {len(row)} values but the header only "
                                 f"{len(header)} columns", where=f"row {offset + row_base}",
                                 field=f"column {len(header) + 1}")
        records.append(values)
        numbers.append(offset + row_base)
    frame = pd.DataFrame(records, columns=header, dtype=object)
    return RawSource(frame, name, "table", encoding=encoding, row_label="row",
                     row_numbers=numbers, notes=notes)


def _check_width(columns: int, name: str, *, where: str | None = None) -> None:
    if columns > MAX_COLUMNS:
        raise InputFileError(name, f"the table has {columns:,} columns; landplan reads at most "
                             f"{MAX_COLUMNS} (MAX_COLUMNS); delete the columns the park does not "
                             "need and save it again", where=where)


def _filled(value) -> bool:
    return value is not None and str(value).strip() != ""


def _open_xlsx(path: Path, name: str, sheet: str | None) -> RawSource:
    import openpyxl
    from openpyxl.utils import get_column_letter

    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:
        raise InputFileError(name, f"not a readable .xlsx workbook ({_first_line(exc)})") from None
    if sheet is not None and sheet not in book.sheetnames:
        raise InputFileError(name, f"no sheet {sheet!r}; sheets are: {', '.join(book.sheetnames)}")
    ws = book[sheet] if sheet else book.worksheets[0]
    notes = [] if sheet or len(book.sheetnames) == 1 else [
        Note("first_sheet", sheet=ws.title, count=len(book.sheetnames))
    ]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    if not rows:
        raise InputFileError(name, f"sheet {ws.title!r} is empty")
    unevaluated = _fill_formulas(rows, path, name, ws.title, notes)
    header_index = 0
    while header_index < len(rows) and sum(1 for v in rows[header_index] if _filled(v)) <= 1:
        header_index += 1
    header_row = header_index + 1
    if unevaluated:
        (row, col), formula = min(unevaluated.items())
        header = rows[header_index] if row > header_row else []
        more = len(unevaluated) - 1
        more = f" (and {more} more formula cell{'s' if more > 1 else ''} without a value)" if more else ""
        raise InputFileError(
            name, f"formula {formula} has no saved value; open the file in Excel or WPS and save "
            f"it, or type the value{more}", where=f"sheet {ws.title}, cell {_cell(row, col)}",
            field=str(header[col - 1]) if col <= len(header) and _filled(header[col - 1]) else None,
        )
    for merged in ws.merged_cells.ranges:
        spans_header = merged.min_row <= header_row <= merged.max_row
        title_only = merged.max_row < header_row
        if spans_header and not title_only:
            cells = f"{get_column_letter(merged.min_col)}{merged.min_row}:" \
                    f"{get_column_letter(merged.max_col)}{merged.max_row}"
            raise InputFileError(
                name, "merged header cells; unmerge them so every column has its own one-row "
                "header (e.g. 税收（万元）)", where=f"row {header_row}", field=cells,
            )
    return _with_titles(rows, name, notes, header_index)


def _fill_formulas(rows: list[list], path: Path, name: str, sheet: str, notes: list[Note]) -> dict:
    """Put the value of every formula cell without a saved value that is plain arithmetic
    into ``rows`` (with a note counting them); return ``{(row, column): formula}`` of the rest."""
    from xml.etree import ElementTree

    from .formulas import evaluate_arithmetic, formulas_without_values

    try:
        formulas = formulas_without_values(path, sheet)
    except ElementTree.ParseError as exc:
        raise InputFileError(name, f"sheet {sheet}: a formula cell is not well-formed XML ({exc}); "
                             "open the file in Excel or WPS and save it") from None
    unevaluated = {}
    evaluated = []
    for (row, col), formula in sorted(formulas.items()):
        value = evaluate_arithmetic(formula)
        if value is None or row > len(rows) or col > len(rows[row - 1]):
            unevaluated[row, col] = formula
            continue
        rows[row - 1][col - 1] = value
        evaluated.append(f"{_cell(row, col)} {formula} → {value:.12g}")
    if evaluated:
        shown = ", ".join(evaluated[:3]) + (", …" if len(evaluated) > 3 else "")
        notes.append(Note("formulas_evaluated", count=len(evaluated), cells=shown))
    return unevaluated


def _cell(row: int, col: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col)}{row}"


def _with_titles(rows, name, notes, header_index) -> RawSource:
    notes.extend(Note("title_row", row=i + 1) for i in range(header_index)
                 if any(_filled(v) for v in rows[i]))
    return _table_from_rows(rows, name, None, row_base=1, notes=notes, header_index=header_index)


# --------------------------------------------------------------------------------------------
# rasters
# --------------------------------------------------------------------------------------------


def _open_raster(path: Path, name: str, crs) -> RawSource:
    import rasterio

    try:
        with rasterio.open(path) as src:
            src_crs = src.crs
            bounds = src.bounds
            count = src.count
    except Exception as exc:
        raise InputFileError(name, f"not a readable GeoTIFF ({_first_line(exc)})") from None
    if count < 1:
        raise InputFileError(name, "the raster has no band")
    if crs is not None:
        used, source = CRS.from_user_input(crs), Note("crs_by_option")
    elif src_crs is not None:
        used, source = CRS.from_user_input(src_crs.to_wkt()), Note("crs_by_file")
    else:
        try:
            used = detect_crs_from_coords([bounds.left, bounds.right], [bounds.bottom, bounds.top])
        except CRSError as exc:
            raise InputFileError(name, str(exc)) from None
        source = Note("crs_by_prefix", missing=Note("no_crs_in_file"))
    return RawSource(pd.DataFrame(), name, "raster", crs=used, crs_source=source)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
