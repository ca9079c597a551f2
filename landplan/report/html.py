"""HTML rendering: one self-contained file per report (CSS and SVG inline, no URL at all).

Templates are Jinja2 with autoescape on, so every text and every attribute value is escaped
(a holder named ``<script>alert(1)</script>`` shows as text). The same HTML, with its
``@page`` A4 rules, is what :mod:`landplan.report.pdf` lays out.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

__all__ = ["render_parcel", "render_park", "render_index", "CSS"]

_TEMPLATES = Path(__file__).resolve().parent / "templates"

#: The stylesheet inlined in every report.
CSS = (_TEMPLATES / "report.css").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(_TEMPLATES)), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=False)


def render_parcel(report) -> str:
    """The HTML of one parcel report (:class:`landplan.report.model.Report`)."""
    return _env().get_template("parcel.html.j2").render(r=report, css=CSS)


def render_park(report) -> str:
    """The HTML of the park report (:class:`landplan.report.model.Report`)."""
    return _env().get_template("park.html.j2").render(r=report, css=CSS)


def render_index(*, title: str, lang: str, meta: list[str], summary: str, headers: list[str],
                 rows: list[dict], park: str | None = None, park_label: str = "") -> str:
    """The batch's index.html: one row per parcel linking its report (or naming its failure)."""
    return _env().get_template("index.html.j2").render(
        title=title, lang=lang, meta=meta, summary=summary, headers=headers, rows=rows, park=park,
        park_label=park_label, css=CSS)
