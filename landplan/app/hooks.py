"""Library pieces the app uses when the installation has them: screening, reports, history.

Each hook finds its library function by name (:data:`HOOKS`) and returns ``None`` when the
installed landplan lacks it, so that the page says "not available in this installation"
instead of showing anything made up. Once the function exists the page calls it for real.

==========  ==========================================  ===================================
hook        library function looked up                  used by
==========  ==========================================  ===================================
screen      ``landplan.screen.screen_project``          招商选址 (project check + ranking)
report      ``landplan.report``                         地块详情 report download
history     ``landplan.history.parcel_history``         地块详情 and 全生命周期 history panel
==========  ==========================================  ===================================
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable

__all__ = ["HOOKS", "find"]

log = logging.getLogger(__name__)

#: hook name -> candidate ``(module, attribute)`` pairs, first found wins.
HOOKS: dict[str, tuple[tuple[str, str], ...]] = {
    "screen": (("landplan.screen", "screen_project"),),
    "report": (("landplan", "report"),),
    "history": (("landplan.history", "parcel_history"),),
}


def find(name: str) -> Callable | None:
    """The library function behind hook ``name``, or ``None`` when it is not installed."""
    for module_name, attribute in HOOKS[name]:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        found = getattr(module, attribute, None)
        if callable(found):
            return found
    return None
