"""The app's map as AppTest holds it: the deck a map sends to the browser, with its tooltip.

The map is a custom component (:func:`landplan.app.deckmap.deck_map`), which AppTest cannot
look inside: it holds the component's arguments as JSON (``component_instance.json_args``).
These helpers read the deck from them, so the app's tests check the layers, rows, tooltips
and words the browser gets, as they did with ``st.pydeck_chart``.
"""

from __future__ import annotations

import json

#: The component's name, as Streamlit registers it (module of the declaring call + name).
COMPONENT = "deckmap"


def args_of(node) -> dict | None:
    """The arguments of a map element of AppTest's tree; ``None`` for any other element."""
    kind = getattr(node, "type", "")
    if kind == "component_instance" and COMPONENT in node.proto.component_name:
        return json.loads(node.proto.json_args)
    return None


def map_args(at) -> list[dict]:
    """The arguments of every map on the page AppTest holds, in page order."""
    return [args for args in map(args_of, at.get("component_instance")) if args is not None]


def spec_of(args: dict) -> dict:
    """The deck spec a map draws (its argument ``spec``: the deck JSON), its ``tooltip`` put
    back under the ``pydeck.Deck`` argument's name (``False``: no tooltip)."""
    spec = json.loads(args["spec"])
    spec["tooltip"] = args.get("tooltip") or False
    return spec


def map_spec(at) -> dict:
    """The deck spec (:func:`spec_of`) of the page's one map."""
    (args,) = map_args(at)
    return spec_of(args)


def map_json(at) -> str:
    """The deck JSON of the page's one map, as the browser gets it (its payload)."""
    (args,) = map_args(at)
    return args["spec"]


# ------------------------------------------------------------------------------ Chromium
#: The app's map in the page: the map component's iframe (its deck.gl canvas inside).
MAP_FRAME = "iframe[data-testid='stCustomComponentV1']"


def wait_map(page, *, nth: int = 0, timeout: float = 60_000):
    """The frame of the page's ``nth`` map once deck.gl has drawn it (the component's
    ``window.landplanMap.firstFrame`` is set)."""
    page.frame_locator(MAP_FRAME).nth(nth).locator("canvas").first.wait_for(
        state="visible", timeout=timeout)
    frame = page.locator(MAP_FRAME).nth(nth).element_handle(timeout=timeout).content_frame()
    frame.wait_for_function("() => window.landplanMap && window.landplanMap.firstFrame",
                            timeout=timeout)
    return frame


def screen_point(page, frame, xy, *, nth: int = 0) -> tuple[float, float]:
    """The page's point (CSS px) of the local-metre point ``xy`` on the ``nth`` map."""
    px, py = frame.evaluate("(xy) => window.landplanMap.project(xy)", [float(v) for v in xy])
    box = page.locator(MAP_FRAME).nth(nth).bounding_box()
    return box["x"] + px, box["y"] + py
