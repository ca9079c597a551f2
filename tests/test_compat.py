"""landplan._compat: every private-API patch is applied on the versions it was checked with,
does what it says, and warns (keeping the dependency's own behaviour) when the dependency
changed. A new version of Streamlit, pydeck or WeasyPrint fails ``test_checked_versions``
until the patch has been re-checked against it."""

from __future__ import annotations

import ast
import json
import socket
from pathlib import Path

import pydeck as pdk
import pytest

from landplan import _compat

PACKAGE = Path(_compat.__file__).parent


@pytest.fixture(autouse=True)
def _fresh_warnings():
    _compat._warned.clear()
    yield
    _compat._warned.clear()


@pytest.mark.parametrize("name", sorted(_compat.PATCHES))
def test_checked_versions(name):
    patch = _compat.PATCHES[name]
    version = _compat.installed_version(patch.distribution)
    assert version in patch.tested, (
        f"{patch.distribution} {version} is installed; {name} patches {patch.touches} and was "
        f"checked with {patch.tested}: re-check it, then add {version}")


def test_private_imports_only_in_compat():
    """No module but _compat imports a dependency's private module or name."""
    private = ("streamlit.web.server.starlette", "pydeck.bindings.json_tools", "weasyprint.html")
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "_compat.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(private):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.module}")
            if isinstance(node, ast.Attribute) and node.attr in ("_bind_socket", "_ua_stylesheets"):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} .{node.attr}")
    assert not found


def test_tcp_nodelay_wraps_the_bound_socket():
    from streamlit.web.server.starlette import starlette_server

    assert _compat.streamlit_tcp_nodelay()
    assert _compat.streamlit_tcp_nodelay()  # idempotent: wrapped once
    assert starlette_server._bind_socket.landplan_tcp
    sock = starlette_server._bind_socket("127.0.0.1", 0, 8)
    try:
        assert sock.proto == socket.IPPROTO_TCP  # asyncio now sets TCP_NODELAY on accepted ones
    finally:
        sock.close()


def test_tcp_nodelay_warns_when_streamlit_changed(monkeypatch):
    from streamlit.web.server.starlette import starlette_server

    monkeypatch.delattr(starlette_server, "_bind_socket")
    with pytest.warns(_compat.CompatWarning, match="_bind_socket"):
        assert not _compat.streamlit_tcp_nodelay()


def _deck() -> pdk.Deck:
    layer = pdk.Layer("SolidPolygonLayer", data=[{"p": [[0, 0], [1, 0], [1, 1]], "h": "合肥公司"}],
                      id="parcels-0", get_polygon="p", get_fill_color=[1, 2, 3])
    return pdk.Deck(layers=[layer], map_provider=None, map_style=None,
                    views=[pdk.View(type="OrthographicView", controller=True)])


def test_deck_json_is_compact_and_the_same_deck():
    deck = _deck()
    text = _compat.deck_json(deck)
    assert "合肥公司" in text and "\n" not in text and ", " not in text
    assert json.loads(text) == json.loads(deck.to_json())
    assert len(text) < len(deck.to_json()) / 2


def test_deck_json_falls_back_and_warns_without_pydecks_serializer(monkeypatch):
    deck = _deck()
    expected = _compat.deck_json(deck)
    monkeypatch.setattr(_compat, "_pydeck_serializer", lambda: None)
    with pytest.warns(_compat.CompatWarning, match="default_serialize"):
        assert _compat.deck_json(deck) == expected  # the same JSON, by pydeck's public to_json


def test_weasyprint_reduced_stylesheet_and_its_fallback(monkeypatch):
    import weasyprint
    import weasyprint.html

    reduced = _compat.weasyprint_html_class(weasyprint)
    assert reduced is not weasyprint.HTML and issubclass(reduced, weasyprint.HTML)
    sheets = reduced(string="<p>x</p>")._ua_stylesheets()
    assert len(sheets) == len(weasyprint.HTML(string="<p>x</p>")._ua_stylesheets())
    monkeypatch.setattr(weasyprint.html, "UA", weasyprint.html.UA + "\n::footnote-call { }\n")
    with pytest.warns(_compat.CompatWarning, match="footnote"):
        assert _compat.weasyprint_html_class(weasyprint) is weasyprint.HTML


def test_component_cache_applies_to_versioned_component_urls_only():
    from streamlit.web.server.starlette import starlette_app

    assert _compat.streamlit_component_cache()
    assert _compat.streamlit_component_cache()  # idempotent
    kinds = [m.cls for m in starlette_app.create_streamlit_middleware()]
    assert kinds[-1] is _compat._VersionedComponentCache


@pytest.mark.browser
def test_browser_keeps_the_map_bundle_between_page_loads(streamlit_app, demo_workspace,
                                                        chromium_browser):
    """Through the app's server (landplan.app.server applies the patch): the deck.gl bundle
    comes with a version and is sent immutable; the second page load takes it from the
    browser's cache (nothing transferred)."""
    url = streamlit_app(demo_workspace)
    context = chromium_browser.new_context()
    try:
        page = context.new_page()
        sent = {}
        page.on("response", lambda r: sent.setdefault(r.url, r.headers.get("cache-control"))
                if "/component/" in r.url else None)
        for _ in range(2):
            page.goto(url, timeout=60_000)
            frame = page.frame_locator("iframe[title*='deckmap']").first
            frame.locator("#deck canvas").first.wait_for(timeout=60_000)
        bundle = [u for u in sent if "deckgl.js?v=" in u]
        assert bundle and sent[bundle[0]] == _compat.IMMUTABLE
        index = [u for u in sent if "index.html" in u]
        assert index and "immutable" not in (sent[index[0]] or "")  # asked again each time
        child = next(f for f in page.frames if "deckmap" in f.url)
        transferred = child.evaluate(
            "performance.getEntriesByType('resource').filter(e => e.name.includes('deckgl.js'))"
            ".map(e => e.transferSize)")
        assert transferred == [0]  # the second load's bundle: from the browser's cache
    finally:
        context.close()
