"""What the pages share: the workspace folder and the language, kept in ``st.session_state``.

``app.py`` resolves the workspace once per run (:func:`resolve_workspace`) and draws the
language switch (:func:`language_switch`); pages read both with :func:`workspace` and
:func:`lang`.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitAPIException

from .i18n import DEFAULT_LANG, LANGS, t

__all__ = [
    "WORKSPACE_ENV",
    "LANG_KEY",
    "resolve_workspace",
    "demo_workspace",
    "set_workspace",
    "workspace",
    "lang",
    "language_switch",
]

#: Environment variable naming the workspace when ``--workspace`` is not given.
WORKSPACE_ENV = "LANDPLAN_WORKSPACE"
#: Session-state key of the language switch (``"zh"`` or ``"en"``).
LANG_KEY = "lang"
_WORKSPACE_KEY = "landplan_workspace"


def resolve_workspace(argv: Sequence[str], environ: Mapping[str, str],
                      default: Path | None) -> Path | None:
    """The workspace folder: ``--workspace DIR`` in ``argv``, else ``$LANDPLAN_WORKSPACE``,
    else ``default``. Other arguments in ``argv`` are ignored.

    >>> resolve_workspace(["--workspace", "park"], {}, Path("data"))
    PosixPath('park')
    >>> resolve_workspace([], {"LANDPLAN_WORKSPACE": "/srv/park"}, Path("data"))
    PosixPath('/srv/park')
    """
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--workspace")
    known, _ = parser.parse_known_args(list(argv))
    value = known.workspace or environ.get(WORKSPACE_ENV) or None
    return Path(value).expanduser() if value else default


def demo_workspace(environ: Mapping[str, str] = os.environ) -> Path:
    """The demo park of an app started without a workspace: ``landplan demo``'s default park
    (300 parcels, seed 0), written once under the user's cache
    (``$XDG_CACHE_HOME/landplan/demo-<version>``, else ``~/.cache/landplan/...``) and reused.

    The folder is written beside its final name and renamed into place, so a reader never
    sees half a park, and two servers starting at once both end with one whole park.
    """
    from .. import __version__
    from ..demo import write_demo

    cache = Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "landplan"
    final = cache / f"demo-{__version__}"
    if (final / "parcels" / "parcels.gpkg").exists():
        return final
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".demo-", dir=cache) as tmp:
        write_demo(Path(tmp) / "park")
        with contextlib.suppress(OSError):  # another server renamed its park first: use it
            os.rename(Path(tmp) / "park", final)
    return final


def set_workspace(path: Path) -> None:
    """Make ``path`` the workspace of this session's pages."""
    st.session_state[_WORKSPACE_KEY] = str(path)


def workspace() -> Path:
    """The workspace folder set by ``app.py`` (``./data`` if none was)."""
    return Path(st.session_state.get(_WORKSPACE_KEY, "data"))


def lang() -> str:
    """The language chosen in the sidebar: ``"zh"`` (default) or ``"en"``."""
    value = st.session_state.get(LANG_KEY, DEFAULT_LANG)
    return value if value in LANGS else DEFAULT_LANG


def language_switch() -> str:
    """Draw the 中文/English switch in the sidebar; returns the language code.

    A select box, the sidebar's own widget kind: every other kind on the first page is one
    more chunk of Streamlit's code the browser loads before it shows the map. Each language
    is named in itself (中文, English), as a reader of the other one looks for it."""
    st.sidebar.selectbox(
        t("app.language", lang()), list(LANGS), format_func=LANGS.__getitem__, key=LANG_KEY,
        on_change=_keep_choices,
    )
    return lang()


def _keep_choices() -> None:
    """Keep every choice made when the language changes.

    A select box or multiselect sends back the labels it shows; once the labels are in the
    other language they match no option and the choice would be dropped silently (a filter
    lifted, a project's utilities forgotten). Run before the page, this callback still reads
    each widget's codes through the old labels and sets them as the widgets' values.
    """
    for key in list(st.session_state):
        if key == LANG_KEY:
            continue
        with contextlib.suppress(StreamlitAPIException, KeyError):
            if _a_choice(st.session_state[key]):
                st.session_state[key] = st.session_state[key]


def _a_choice(value) -> bool:
    """Whether ``value`` is what a choice widget holds (a code, a number, a date, a list of
    codes): the states of buttons (bool), uploads, maps and tables may not be set."""
    plain = (str, int, float, dt.date)
    if isinstance(value, bool):
        return False
    if isinstance(value, plain):
        return True
    # an empty list has nothing to keep (and is also an upload box's state, which may not be set)
    return isinstance(value, (list, tuple)) and bool(value) and all(
        isinstance(v, plain) and not isinstance(v, bool) for v in value)
