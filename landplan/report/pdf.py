"""PDF rendering: the report's HTML laid out on A4 by WeasyPrint, fonts embedded (subset).

WeasyPrint needs no network here: the HTML holds no URL, and the URL fetcher refuses every
fetch except the reduced font files of the run (:mod:`landplan.report.fonts`), named by exact
``file://`` URL. CJK text needs a CJK font installed (the Makefile's ``sysdeps`` installs
fonts-noto-cjk; the stylesheet also names Source Han Sans and WenQuanYi).

One :class:`_Renderer` per process (and per reduced font) keeps what every report shares: the
font configuration (fontconfig set-up, ``@font-face`` registration, WeasyPrint's font caches),
the report stylesheet parsed once (the HTML rendered for a PDF leaves out its inline copy; an
HTML report keeps it and stays self-contained) and the stylesheet that puts the reduced font
first, and WeasyPrint's user-agent stylesheet without the rules for pseudo-elements that no
report has (footnote and note calls and markers, ``::marker`` outside list items): they hold for
every element, so WeasyPrint computed six extra styles per element (a tenth of a report's time).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from pathlib import Path

from .._compat import weasyprint_html_class
from ..errors import LandplanError
from ..io.atomic import atomic_path
from .fonts import FAMILY, FontFaces
from .html import CSS

__all__ = ["html_to_pdf", "write_pdf", "preload"]

log = logging.getLogger(__name__)

#: The font list of report.css (``html { font-family: ... }``), behind the reduced font in PDFs.
_FAMILIES = re.search(r"html\s*\{[^}]*font-family:\s*([^;]+);", CSS).group(1).strip()


def _weasyprint():
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: pango missing
        raise LandplanError(f"PDF reports need WeasyPrint and the pango library ({exc}); "
                            "run `make sysdeps` and `pip install weasyprint`, or use `fmt='html'`") from None
    return weasyprint


def preload() -> None:
    """Import WeasyPrint now (before forking workers, so that they do not each import it)."""
    with contextlib.suppress(LandplanError):  # reported by the first report
        _weasyprint()


def _fetcher(allowed: frozenset[str]):
    """A WeasyPrint URL fetcher that serves exactly the URLs in ``allowed`` and refuses the rest."""
    weasyprint = _weasyprint()

    class OnlyFonts(weasyprint.URLFetcher):
        def fetch(self, url, headers=None):
            if url not in allowed:
                raise LandplanError(f"a report must not fetch anything ({url[:60]})")
            return super().fetch(url, headers)

    return OnlyFonts(allowed_protocols=("file",) if allowed else ())


class _Renderer:
    """WeasyPrint state one process shares across its reports."""

    def __init__(self, fonts: FontFaces | None) -> None:
        weasyprint = _weasyprint()
        from weasyprint.text.fonts import FontConfiguration

        self.weasyprint = weasyprint
        self.html = weasyprint_html_class(weasyprint)
        self.font_config = FontConfiguration()
        faces = {}
        if fonts is not None:
            faces["normal"] = fonts.regular
            if fonts.bold is not None:
                faces["bold"] = fonts.bold
        urls = {weight: path.resolve().as_uri() for weight, path in faces.items()}
        self.fetcher = _fetcher(frozenset(urls.values()))
        # the report stylesheet, parsed once: PDF HTML leaves out its inline copy (html.render_parcel(pdf=True))
        self.stylesheets = [weasyprint.CSS(string=CSS, font_config=self.font_config, url_fetcher=self.fetcher)]
        if urls:
            rules = [f'@font-face {{ font-family: "{FAMILY}"; src: url("{url}"); font-weight: {weight}; }}'
                     for weight, url in urls.items()]
            # a user stylesheet: !important to win over the report's own (author) font list
            rules.append(f'html {{ font-family: "{FAMILY}", {_FAMILIES} !important; }}')
            self.stylesheets.append(weasyprint.CSS(string="\n".join(rules), font_config=self.font_config,
                                                   url_fetcher=self.fetcher))

    def pdf(self, html: str) -> bytes:
        document = self.html(string=html, url_fetcher=self.fetcher)
        return document.write_pdf(stylesheets=self.stylesheets, font_config=self.font_config)


_RENDERERS: dict[tuple[int, FontFaces | None], _Renderer] = {}


def _renderer(fonts: FontFaces | None) -> _Renderer:
    key = (os.getpid(), fonts)  # a forked worker builds its own (fontconfig state is per process)
    renderer = _RENDERERS.get(key)
    if renderer is None:
        for old in [k for k in _RENDERERS if k[0] != key[0]]:
            del _RENDERERS[old]
        renderer = _RENDERERS[key] = _Renderer(fonts)
    return renderer


def html_to_pdf(html: str, fonts: FontFaces | None = None) -> bytes:
    """The PDF bytes of a self-contained report HTML (A4 from its ``@page`` rules).

    Parameters
    ----------
    html : str
        A report from :mod:`landplan.report.html` (with ``pdf=True`` for its line-break points).
    fonts : FontFaces, optional
        Reduced CJK fonts (:func:`landplan.report.fonts.reduced_fonts`) named before the system
        fonts; without them the system fonts are subset.
    """
    if fonts is not None and log.isEnabledFor(logging.DEBUG) and (missing := fonts.missing(html)):
        log.debug("%d characters not in the reduced font (drawn from the system font): %s",
                  len(missing), "".join(sorted(missing))[:40])
    return _renderer(fonts).pdf(html)


def write_pdf(html: str, out: str | Path, fonts: FontFaces | None = None) -> Path:
    """Write the PDF of ``html`` to ``out`` atomically."""
    data = html_to_pdf(html, fonts)
    out = Path(out)
    with atomic_path(out) as tmp:
        Path(tmp).write_bytes(data)
    return out
