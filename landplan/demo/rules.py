"""The demo park's own ``rules.yaml``: the land economics' inputs (issue 22), which no source
gives (the shipped rules leave them empty, :mod:`landplan.economics`).

The demo park is synthetic: each value of its rules file is its illustrative input, not a sourced figure,
and says so in its comment. Grade 10's floor (168 元/m²) is the shipped 307号 figure.
"""

from __future__ import annotations

import logging
import os
from importlib import resources
from pathlib import Path

__all__ = ["DEMO_RULES_TEXT", "write_demo_rules"]

log = logging.getLogger(__name__)

#: The demo park's ``rules.yaml`` (shipped as ``landplan/rules/demo.yaml``).
DEMO_RULES_TEXT = resources.files("landplan").joinpath("rules/demo.yaml").read_text(encoding="utf-8")


def write_demo_rules(out: str | os.PathLike) -> Path | None:
    """Write :data:`DEMO_RULES_TEXT` as ``out/rules.yaml`` unless the folder has one already
    (a park's own rules are never replaced); the path written, or ``None``."""
    path = Path(out) / "rules.yaml"
    if path.exists():
        log.info("%s kept: the demo's rules are not written over a rules file", path)
        return None
    path.write_text(DEMO_RULES_TEXT, encoding="utf-8")
    return path
