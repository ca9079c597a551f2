"""The app's pages, one script each (run by ``st.navigation``), each with a ``render()``.

:data:`PAGES` lists them in menu order: ``(name, icon)``; the file is ``<name>.py`` here
and its title the label ``nav.<name>``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["PAGES", "page_path"]

PAGES: tuple[tuple[str, str], ...] = (
    ("overview", ":material/map:"),
    ("efficiency", ":material/trending_up:"),
    ("idle", ":material/hourglass_empty:"),
    ("infrastructure", ":material/water_drop:"),
    ("terrain", ":material/landscape:"),
    ("lifecycle", ":material/autorenew:"),
    ("economics", ":material/payments:"),
    ("siting", ":material/factory:"),
    ("parcel", ":material/place:"),
    ("data", ":material/swap_vert:"),
    ("settings", ":material/settings:"),
)


def page_path(name: str) -> str:
    """The script of page ``name``."""
    return str(Path(__file__).resolve().parent / f"{name}.py")
