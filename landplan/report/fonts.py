"""A reduced CJK font for PDF reports: the system font cut down to the characters reports use.

WeasyPrint embeds a subset of every font it uses in every PDF, and subsetting the ~19 MB Noto
Sans CJK collection costs each report tens of milliseconds. A run therefore first cuts the
system font (regular and bold) down with fontTools to the characters its reports can contain,
and the PDF stylesheet names that small font first (``FAMILY``); per-report subsetting then
works on it. The characters are

- a fixed set, built once per process (:func:`fixed_charset`): every character of GB 2312
  (6,763 hanzi and 682 symbols, from Python's own ``gb2312`` codec; the 8,105 characters of
  通用规范汉字表 are not available offline), printable ASCII, Latin-1 and the punctuation, arrow,
  math and full-width blocks a report's figures use, and every character of the label
  catalogue (:func:`landplan.labels.catalogue`: labels, definitions, sources);
- plus the characters of the data being rendered (:func:`report_charset`): the workspace
  rules and every text of the evaluation table, the ledger and the map layers, so that a rare
  character in a holder or parcel name (喆, 㵘, 𬭚) is in the font too.

No source file of the package is read. The system font stays behind the reduced one in the
font list, so a character missing from the reduced font is still drawn (only slower), never
lost.

The reduced fonts are cached in ``$XDG_CACHE_HOME/landplan/fonts`` (``~/.cache``), keyed by
the system font file (path, face, size, mtime) and the character set, written atomically;
when that folder is not writable, in a temporary folder for the run. Without fontTools or
without a CJK system font, :func:`reduced_fonts` returns ``None`` and reports use the system
font as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from .. import labels
from ..io.atomic import atomic_path

__all__ = ["FAMILY", "FontFaces", "fixed_charset", "reduced_fonts", "report_charset", "system_cjk_font"]

log = logging.getLogger(__name__)

#: The family name the PDF stylesheet gives the reduced font (first in its font list).
FAMILY = "landplan CJK"
#: System families tried in order (the same as report.css).
SYSTEM_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei")
#: Bumped when the way fonts are reduced changes (part of the cache key).
_VERSION = 2
#: Reduced fonts kept in the cache folder (the newest; older ones are removed).
_KEEP = 16
#: Always in the reduced font: printable ASCII, Latin-1, general punctuation, CJK punctuation,
#: full-width forms, arrows and math signs a report's own code may write.
_BASE_RANGES = ((0x20, 0x7F), (0xA0, 0x100), (0x2000, 0x2070), (0x2190, 0x2200), (0x2200, 0x2270),
                (0x3000, 0x3040), (0xFF00, 0xFF70))
#: The GB 2312 code space: lead and trail bytes 0xA1–0xFE (rows 1–9 symbols, 16–87 hanzi).
_GB2312_BYTES = range(0xA1, 0xFF)


@dataclass(frozen=True)
class FontFaces:
    """The reduced fonts of a run: file per weight and the characters they were cut to."""

    regular: Path
    bold: Path | None
    chars: frozenset[str]

    def missing(self, text: str) -> set[str]:
        """Characters of ``text`` (other than whitespace and controls) the reduced font lacks."""
        return {c for c in set(text) - self.chars if c.isprintable() and not c.isspace()}


def _base_chars() -> set[str]:
    return {chr(c) for lo, hi in _BASE_RANGES for c in range(lo, hi)}


def _gb2312_chars() -> set[str]:
    """Every character of GB 2312 (6,763 hanzi and 682 symbols), decoded by Python's codec."""
    chars: set[str] = set()
    for lead in _GB2312_BYTES:
        for trail in _GB2312_BYTES:
            try:
                chars.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:  # an unassigned code point
                continue
    return chars


def _catalogue_chars() -> set[str]:
    """Every character of the label catalogue: labels in both languages, definitions, sources."""
    chars: set[str] = set()
    for entry in labels.catalogue().values():
        chars.update(entry.zh + entry.en + entry.definition + entry.source)
    return chars


@cache
def fixed_charset() -> frozenset[str]:
    """The characters every run's reduced font holds: GB 2312, the base ranges (ASCII, Latin-1,
    punctuation, arrows, math, full-width forms) and the label catalogue. Built once."""
    return frozenset(_base_chars() | _gb2312_chars() | _catalogue_chars())


def _value_chars(value, out: set[str]) -> None:
    if isinstance(value, str):
        out.update(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            _value_chars(k, out)
            _value_chars(v, out)
    elif isinstance(value, list | tuple | set):
        for v in value:
            _value_chars(v, out)


def _frame_chars(frame: pd.DataFrame | None, out: set[str]) -> None:
    """Characters of every text cell (and column name) of ``frame``, one join per column."""
    if frame is None:
        return
    out.update("".join(map(str, frame.columns)))
    for col in frame.columns:
        series = frame[col]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = pd.Series(series.cat.categories)
        elif not (series.dtype == object or pd.api.types.is_string_dtype(series.dtype)):
            continue
        values = pd.unique(series.dropna().astype(str)) if len(series) else []
        out.update("".join(values))


def report_charset(ctx=None, extra: Iterable[str] = ()) -> frozenset[str]:
    """The characters a run's reports can contain: :func:`fixed_charset` and those of the data.

    Parameters
    ----------
    ctx : ReportContext, optional
        The prepared run: its evaluation table, ledger rows, map layer attributes and rules.
    extra : iterable of str
        More text (e.g. a report's HTML) whose characters must be there too.
    """
    chars = set(fixed_charset())
    if ctx is not None:
        _frame_chars(ctx.table, chars)  # geometry columns are not text: skipped
        _frame_chars(ctx.ledger_year, chars)
        _frame_chars(ctx.ledger_prev, chars)
        for layer in ctx.layers.values():
            _frame_chars(layer.attrs, chars)
        _value_chars(ctx.rules.to_dict(), chars)  # the rules' words (a holder's name in a rule)
        _value_chars(ctx.defaults.to_dict(), chars)
        chars.update(str(ctx.workspace))
    for text in extra:
        chars.update(text)
    return frozenset(c for c in chars if c.isprintable() or c == " ")


def system_cjk_font(bold: bool = False) -> tuple[Path, int] | None:
    """``(file, face index)`` of the system CJK font the stylesheet names first, from fontconfig."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    for family in SYSTEM_FAMILIES:
        pattern = f"{family}:weight={'bold' if bold else 'regular'}"
        try:
            out = subprocess.run([fc_match, "-f", "%{family}\n%{file}\n%{index}", pattern], capture_output=True,
                                 text=True, timeout=20, check=True).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        lines = out.split("\n")
        if len(lines) < 3:
            continue
        families = {f.strip().lower() for f in lines[0].split(",")}
        if family.lower() in families and Path(lines[1]).is_file():
            return Path(lines[1]), int(lines[2] or 0)
    return None


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "landplan" / "fonts"


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
        return True
    except OSError:
        return False


def _prune(folder: Path) -> None:
    fonts = sorted(folder.glob("cjk-*.otf"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in fonts[_KEEP:]:
        with contextlib.suppress(OSError):  # another run removed it
            old.unlink()


def _reduce(source: Path, index: int, chars: frozenset[str], target: Path) -> None:
    """Write ``source``'s face ``index`` cut to ``chars`` to ``target`` (atomically)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(source), fontNumber=index, lazy=True)
    options = subset.Options()
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False  # WeasyPrint drops hinting from embedded fonts anyway
    # reports are horizontal and in the face's own region (SC): the regional forms of other
    # regions (locl) and the vertical forms (vert, vrt2, …) are left out — with them GB 2312's
    # 7,445 characters pull in ~6,000 more glyphs (13,777 against 7,746; 2.9 MB against 1.6 MB),
    # and every PDF's subset, which keeps glyph ids, grows with the glyph count
    options.layout_features = [f for f in options.layout_features if f != "locl" and not f.startswith("v")]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(c) for c in chars))
    subsetter.subset(font)
    with atomic_path(target) as tmp:
        font.save(str(tmp))


def reduced_fonts(chars: frozenset[str], *, cache_dir: Path | None = None) -> FontFaces | None:
    """The system CJK font (regular and bold) reduced to ``chars``, built once and cached.

    Returns ``None`` (reports then embed subsets of the system font) when fontTools is missing,
    no CJK system font is installed or the font cannot be read.
    """
    try:
        import fontTools  # noqa: F401
    except ImportError:
        log.info("fontTools is not installed: PDF reports subset the system CJK font")
        return None
    regular = system_cjk_font(bold=False)
    if regular is None:
        log.info("no CJK system font found (fc-match %s): PDF reports use the system fonts",
                 SYSTEM_FAMILIES[0])
        return None
    bold = system_cjk_font(bold=True)
    folder = cache_dir if cache_dir is not None else _cache_dir()
    if not _writable(folder):
        folder = Path(tempfile.mkdtemp(prefix="landplan-fonts-"))
    wanted = "".join(sorted(chars))
    built: dict[str, Path] = {}
    for weight, found in (("regular", regular), ("bold", bold)):
        if found is None or (weight == "bold" and found == regular):
            continue
        source, index = found
        st = source.stat()
        key = hashlib.sha256(f"{_VERSION}\0{source}\0{index}\0{st.st_size}\0{st.st_mtime_ns}\0{wanted}".encode(
            "utf-8", "surrogatepass")).hexdigest()[:20]
        target = folder / f"cjk-{weight}-{key}.otf"
        if not target.is_file():
            try:
                _reduce(source, index, chars, target)
            except Exception as exc:  # a font fontTools cannot cut: keep the system font
                log.warning("cannot reduce %s (%s): PDF reports subset the system font", source, exc)
                if weight == "regular":
                    return None
                continue
            log.debug("reduced %s face %d to %d characters: %s", source, index, len(chars), target)
        else:
            os.utime(target)
        built[weight] = target
    _prune(folder)
    return FontFaces(regular=built["regular"], bold=built.get("bold"), chars=frozenset(chars))
