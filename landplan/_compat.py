"""Every use of a dependency's private API, in one place.

landplan relies on three things its dependencies do not promise. Each is here, with the
versions it was written and tested for (:data:`PATCHES`), a fallback to the public behaviour
when the dependency has changed, and a :class:`CompatWarning` (once) when that happens, so a
new version slows or changes nothing silently. ``tests/test_compat.py`` fails when an installed
version is not one a patch was checked with: re-check the patch against the new version, then
add the version to its ``tested``.

No upper bound is set in ``pyproject.toml``: each patch checks the shape of what it replaces
and, when that differs, keeps the dependency's own behaviour (same results; only slower).

- **Streamlit** (:func:`streamlit_tcp_nodelay`): its server binds the listening socket with
  protocol 0, so asyncio leaves Nagle's algorithm on for accepted connections; every
  response then waits for the browser's delayed ACK (44 ms per file here). The private
  ``streamlit.web.server.starlette.starlette_server._bind_socket`` is wrapped.
- **Streamlit** (:func:`streamlit_component_cache`): a component's files are sent with a bare
  ``Cache-Control: public`` (no max-age, no validator), so the browser downloads and parses
  the map component's 4.2 MB deck.gl bundle again at every page load. A middleware is added
  to ``streamlit.web.server.starlette.starlette_app.create_streamlit_middleware``'s list.
- **pydeck** (:func:`deck_json`): ``Deck.to_json`` indents and escapes every Chinese
  character (three to four times the bytes for polygons); its serializer,
  ``pydeck.bindings.json_tools.default_serialize``, is not exported.
- **WeasyPrint** (:func:`weasyprint_html_class`): its user-agent stylesheet
  (``weasyprint.html.UA``) styles footnote and note pseudo-elements no report has; without
  them a report's layout costs less. ``HTML._ua_stylesheets`` is overridden.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import re
import socket
import warnings
from dataclasses import dataclass

__all__ = ["CompatWarning", "Patch", "PATCHES", "installed_version", "streamlit_tcp_nodelay",
           "streamlit_component_cache", "IMMUTABLE", "deck_json", "weasyprint_html_class"]

log = logging.getLogger(__name__)


class CompatWarning(UserWarning):
    """A dependency's private API is not what a patch of :mod:`landplan._compat` expects."""


@dataclass(frozen=True)
class Patch:
    """One use of a private API: the distribution, the versions it was checked with, what it
    touches and why."""

    name: str
    distribution: str
    tested: tuple[str, ...]
    touches: str
    why: str


PATCHES: dict[str, Patch] = {p.name: p for p in (
    Patch("streamlit_tcp_nodelay", "streamlit", ("1.67.0",),
          "streamlit.web.server.starlette.starlette_server._bind_socket",
          "the server's connections send without Nagle's delay"),
    Patch("streamlit_component_cache", "streamlit", ("1.67.0",),
          "streamlit.web.server.starlette.starlette_app.create_streamlit_middleware",
          "versioned component files cached by the browser (no 4.2 MB download per page)"),
    Patch("deck_json", "pydeck", ("0.9.3",),
          "pydeck.bindings.json_tools.default_serialize",
          "compact UTF-8 deck JSON (a third of the bytes)"),
    Patch("weasyprint_html_class", "weasyprint", ("70.0",),
          "weasyprint.html.UA, weasyprint.html.UA_COUNTER_STYLE, HTML._ua_stylesheets",
          "a user-agent stylesheet without the footnote and note rules reports never use"),
)}

_warned: set[str] = set()


def installed_version(distribution: str) -> str | None:
    """The installed version of ``distribution`` (``None`` when it is not installed)."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _not_applied(name: str, reason: str) -> None:
    """Warn once that the patch ``name`` is not applied, and why."""
    if name in _warned:
        return
    _warned.add(name)
    patch = PATCHES[name]
    message = (f"landplan: {patch.touches} is not as expected in {patch.distribution} "
               f"{installed_version(patch.distribution)} (checked with "
               f"{', '.join(patch.tested)}): {reason}; {patch.distribution}'s own behaviour "
               f"is kept (only slower: without {patch.why})")
    log.warning(message)
    warnings.warn(message, CompatWarning, stacklevel=3)


# ------------------------------------------------------------------------------ Streamlit
def streamlit_tcp_nodelay() -> bool:
    """Have the Streamlit server's connections send without Nagle's delay; ``True`` when the
    patch is applied (idempotent).

    Streamlit (1.67, its Starlette/uvicorn server) binds its listening socket with protocol 0,
    and asyncio turns on ``TCP_NODELAY`` only for accepted sockets whose protocol says TCP. So
    each response on a kept-alive connection, written as headers then body, waits for the
    browser's delayed ACK: 44 ms per file here, and a first page load fetches ~150 JS chunks
    over 6 connections (about a second), the websocket's messages likewise. The bound socket
    is wrapped again with ``IPPROTO_TCP`` (the same kernel socket), so that asyncio sets
    ``TCP_NODELAY`` on every connection it accepts.
    """
    name = "streamlit_tcp_nodelay"
    try:
        from streamlit.web.server.starlette import starlette_server
    except ImportError:
        _not_applied(name, "no module streamlit.web.server.starlette.starlette_server")
        return False
    bind = getattr(starlette_server, "_bind_socket", None)
    if not callable(bind):
        _not_applied(name, "no function _bind_socket")
        return False
    if getattr(bind, "landplan_tcp", False):
        return True

    def bind_tcp(*args, **kwargs):
        sock = bind(*args, **kwargs)
        if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.proto:
            return sock
        tcp = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
        tcp.setblocking(False)
        tcp.set_inheritable(True)
        return tcp

    bind_tcp.landplan_tcp = True
    starlette_server._bind_socket = bind_tcp
    return True


#: What a versioned component file is sent with: its URL names its content, so it never changes.
IMMUTABLE = "public, max-age=31536000, immutable"


class _VersionedComponentCache:
    """ASGI middleware: a component file asked for with a version (``/component/…?v=…``, the
    URLs :func:`landplan.app.deckmap.frontend_dir` writes into its ``index.html``) is sent as
    :data:`IMMUTABLE`; everything else passes untouched."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if (scope.get("type") != "http" or "/component/" not in scope.get("path", "")
                or b"v=" not in scope.get("query_string", b"")):
            await self.app(scope, receive, send)
            return

        async def send_cached(message) -> None:
            if message.get("type") == "http.response.start" and message.get("status") == 200:
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() != b"cache-control"]
                message = {**message, "headers": [*headers,
                                                   (b"cache-control", IMMUTABLE.encode())]}
            await send(message)

        await self.app(scope, receive, send_cached)


def streamlit_component_cache() -> bool:
    """Have the browser keep versioned component files (:class:`_VersionedComponentCache`);
    ``True`` when the patch is applied (idempotent). Call before the server starts.

    Streamlit 1.67 sends a component's files with a bare ``Cache-Control: public`` and no
    validator, so the browser fetches the map component's deck.gl bundle (4.2 MB, 1.2 MB
    gzipped, compressed anew by the server each time) and parses it again at every page load.
    """
    name = "streamlit_component_cache"
    try:
        from starlette.middleware import Middleware
        from streamlit.web.server.starlette import starlette_app
    except ImportError:
        _not_applied(name, "no module streamlit.web.server.starlette.starlette_app")
        return False
    make = getattr(starlette_app, "create_streamlit_middleware", None)
    if not callable(make):
        _not_applied(name, "no function create_streamlit_middleware")
        return False
    if getattr(make, "landplan_cache", False):
        return True

    def with_cache(*args, **kwargs):
        return [*make(*args, **kwargs), Middleware(_VersionedComponentCache)]

    with_cache.landplan_cache = True
    starlette_app.create_streamlit_middleware = with_cache
    return True


# ------------------------------------------------------------------------------ pydeck
def _pydeck_serializer():
    try:
        from pydeck.bindings.json_tools import default_serialize
    except ImportError:
        return None
    return default_serialize if callable(default_serialize) else None


def deck_json(deck) -> str:
    """The JSON of a :class:`pydeck.Deck`, compact: no indentation, UTF-8 kept as it is.

    pydeck indents its JSON by two spaces and escapes every Chinese character to ``\\uXXXX``;
    for polygons that alone makes the payload three to four times larger. Without pydeck's
    serializer, ``Deck.to_json()`` is parsed and written again (the same JSON, slower).
    """
    serialize = _pydeck_serializer()
    if serialize is not None:
        return json.dumps(deck, default=serialize, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False)
    _not_applied("deck_json", "no function pydeck.bindings.json_tools.default_serialize")
    import pydeck

    return json.dumps(json.loads(pydeck.Deck.to_json(deck)), sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False)


# ------------------------------------------------------------------------------ WeasyPrint
#: The universal pseudo-element rules of WeasyPrint's user-agent stylesheet that reports do not need.
_UA_NOTES = re.compile(r"^::(?:footnote|note)-[a-z]+\s*\{[^}]*\}\s*$", re.M)
_UA_MARKER = re.compile(r"^::marker(?=\s*\{)", re.M)


def weasyprint_html_class(weasyprint):
    """``weasyprint.HTML``, or a subclass with the reduced user-agent stylesheet where this
    WeasyPrint allows it.

    The footnote and note rules style pseudo-elements of ``float: footnote`` elements, which no
    report has; ``::marker`` is kept for list items (the only list-item boxes of HTML). When
    WeasyPrint's internals differ from what this expects, the full stylesheet stays (slower,
    same PDF).
    """
    name = "weasyprint_html_class"
    try:
        from weasyprint.html import UA, UA_COUNTER_STYLE
    except ImportError:
        _not_applied(name, "no weasyprint.html.UA / UA_COUNTER_STYLE")
        return weasyprint.HTML
    reduced, notes = _UA_NOTES.subn("", UA)
    reduced, markers = _UA_MARKER.subn("li::marker", reduced)
    if notes != 5 or markers != 1 or not callable(getattr(weasyprint.HTML, "_ua_stylesheets", None)):
        _not_applied(name, f"the stylesheet has {notes} footnote/note rules (expected 5) and "
                     f"{markers} ::marker rule (expected 1), or HTML has no _ua_stylesheets")
        return weasyprint.HTML
    sheet = weasyprint.CSS(string=reduced, counter_style=UA_COUNTER_STYLE)

    class ReportHTML(weasyprint.HTML):
        def _ua_stylesheets(self, forms=False):
            return [sheet, *super()._ua_stylesheets(forms)[1:]]  # the form sheet when asked for

    return ReportHTML
