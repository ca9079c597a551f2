"""Per-parcel evaluation reports (按地块评价报告) and the park report, in HTML and PDF.

::

    import landplan
    run = landplan.report("data", ["340104001002GB00001"], out="reports")          # HTML
    run = landplan.report("data", all_parcels=True, park=True, fmt="pdf", out="reports")
    print("\\n".join(run.lines()))

Modules, one per concern: :mod:`.context` (one evaluation, the layers, prepared once),
:mod:`.model` (a parcel's sections, cells naming their columns, sources numbered),
:mod:`.park` (the park report), :mod:`.svg` (map and charts as inline SVG), :mod:`.html`
(Jinja2 templates, autoescaped), :mod:`.pdf` (WeasyPrint, A4), :mod:`.batch` (files, processes,
index and summary), :mod:`.i18n` (the report's own words).
"""

from __future__ import annotations

from .batch import FORMATS, ReportRun, report, report_filename
from .context import ReportContext, prepare
from .model import SECTIONS, parcel_report

__all__ = ["report", "ReportRun", "FORMATS", "report_filename", "prepare", "ReportContext",
           "parcel_report", "SECTIONS"]
