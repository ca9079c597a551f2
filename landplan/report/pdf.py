"""PDF rendering: the report's HTML laid out on A4 by WeasyPrint, fonts embedded (subset).

WeasyPrint needs no network here: the HTML holds no URL, and ``url_fetcher`` refuses any fetch
anyway. CJK text needs a CJK font installed (the Makefile's ``sysdeps`` installs
fonts-noto-cjk; the stylesheet also names Source Han Sans and WenQuanYi).
"""

from __future__ import annotations

import logging
from pathlib import Path

from ..errors import LandplanError
from ..io.atomic import atomic_path

__all__ = ["html_to_pdf", "write_pdf"]

log = logging.getLogger(__name__)


def _no_fetch(url: str, *args, **kwargs):
    raise LandplanError(f"a report must not fetch anything ({url[:60]})")


def _weasyprint():
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: pango missing
        raise LandplanError(f"PDF reports need WeasyPrint and the pango library ({exc}); "
                            "run `make sysdeps` and `pip install weasyprint`, or use --format html") from None
    return weasyprint


def html_to_pdf(html: str) -> bytes:
    """The PDF bytes of a self-contained report HTML (A4 from its ``@page`` rules)."""
    weasyprint = _weasyprint()
    return weasyprint.HTML(string=html, url_fetcher=_no_fetch).write_pdf()


def write_pdf(html: str, out: str | Path) -> Path:
    """Write the PDF of ``html`` to ``out`` atomically."""
    data = html_to_pdf(html)
    out = Path(out)
    with atomic_path(out) as tmp:
        Path(tmp).write_bytes(data)
    return out
