"""HTML rendering: one self-contained file per report (CSS and SVG inline, no URL at all).

Templates are Jinja2 with autoescape on, so every text and every attribute value is escaped
(a holder named ``<script>alert(1)</script>`` shows as text). The same HTML, with its
``@page`` A4 rules, is what :mod:`landplan.report.pdf` lays out.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import jinja2

__all__ = ["render_parcel", "render_park", "render_index", "break_points", "CSS"]

_TEMPLATES = Path(__file__).resolve().parent / "templates"

#: The stylesheet inlined in every report.
CSS = (_TEMPLATES / "report.css").read_text(encoding="utf-8")


#: Zero-width space: a line-break opportunity that shows nothing (and pdftotext does not return).
ZWSP = "\u200b"
#: Runs this long without a break opportunity get some (CJK text breaks anywhere anyway).
_LONG = 14
_RUN = re.compile(r"[^\s\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]{" + str(_LONG) + ",}")
_AFTER = re.compile(r"(?<=[._,/;:=+&|)\]-])(?=[^\s)\]])|(?<=[^\s(\[])(?=[(\[])")
#: Pieces longer than this (ids, codes) may break every _CHUNK characters.
_PIECE, _CHUNK = 20, 10


def _break_run(match: re.Match) -> str:
    pieces = _AFTER.sub(ZWSP, match.group(0)).split(ZWSP)
    return ZWSP.join(ZWSP.join(p[i:i + _CHUNK] for i in range(0, len(p), _CHUNK)) if len(p) > _PIECE else p
                     for p in pieces)


def break_points(text, pdf: bool = True) -> str:
    """``text`` with zero-width spaces where a long run without spaces may break (PDF only).

    The PDF stylesheet has no ``overflow-wrap: anywhere``: in WeasyPrint breaking an overflowing
    word costs a layout per line, and rules keys such as ``idle.low_efficiency.far_below_control_on``
    overflow narrow cells in every report. Break points after ``.``, ``_``, ``,`` (and before
    ``(``), and every 10 characters in longer pieces, let the plain line breaker wrap them.
    HTML reports keep their text as it is (``pdf=False``; browsers wrap with the stylesheet).

    >>> break_points("see idle.low_efficiency.far_below_control_on").split("\u200b")
    ['see idle.', 'low_', 'efficiency.', 'far_', 'below_', 'control_', 'on']
    >>> break_points("短文本 short")
    '短文本 short'
    """
    text = str(text)
    if not pdf or len(text) < _LONG:
        return text
    return _RUN.sub(_break_run, text)


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(_TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=False)
    env.filters["breaks"] = break_points
    return env


def render_parcel(report, *, pdf: bool = False) -> str:
    """The HTML of one parcel report (:class:`landplan.report.model.Report`); ``pdf``: for WeasyPrint."""
    return _env().get_template("parcel.html.j2").render(r=report, css=CSS, pdf=pdf)


def render_park(report, *, pdf: bool = False) -> str:
    """The HTML of the park report (:class:`landplan.report.model.Report`); ``pdf``: for WeasyPrint."""
    return _env().get_template("park.html.j2").render(r=report, css=CSS, pdf=pdf)


def render_index(*, title: str, lang: str, meta: list[str], summary: str, headers: list[str],
                 rows: list[dict], park: str | None = None, park_label: str = "") -> str:
    """The batch's index.html: one row per parcel linking its report (or naming its failure)."""
    return _env().get_template("index.html.j2").render(
        title=title, lang=lang, meta=meta, summary=summary, headers=headers, rows=rows, park=park,
        park_label=park_label, css=CSS)
