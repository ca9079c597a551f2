"""YAML from people and programs we do not know: plain data only, bounded in size.

Rules files (``rules.yaml``, the app's settings form) and project files (``landplan screen
--project``) are YAML written by hand or by another program. PyYAML's safe loader already
refuses Python tags; two things remain that let a small file take the machine:

- **aliases** (``*name``): a 1 KB "billion laughs" document whose anchors refer to each other
  expands into ~10⁹ strings as soon as anything walks the loaded value (a type check, a
  deep copy, an error message's ``repr``). landplan's own files never need them, so a document
  with an alias is refused before it is loaded, naming the line;
- **size**: a document over :data:`MAX_YAML_BYTES` is refused before it is parsed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import InputFileError

__all__ = ["MAX_YAML_BYTES", "load_yaml_text", "load_yaml_file"]

#: Largest YAML document read (bytes of UTF-8): 40 × the shipped default rules (24 KB).
MAX_YAML_BYTES = 1_000_000

#: libyaml's safe loader where PyYAML has it, else the pure-Python one (the same documents).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml_text(text: str, origin: str) -> Any:
    """The plain data of a YAML document, or :class:`InputFileError` naming ``origin``.

    Refuses, in one line each: a document over :data:`MAX_YAML_BYTES`, an alias (``*name``:
    the line and the alias), invalid YAML (the line and the parser's reason). Python tags are
    refused by the safe loader as invalid YAML.

    >>> load_yaml_text("a: [1, 2]", "x.yaml")
    {'a': [1, 2]}
    >>> load_yaml_text("a: &x [1]\\nb: *x", "x.yaml")
    Traceback (most recent call last):
    ...
    landplan.errors.InputFileError: x.yaml, line 2: uses the YAML alias *x; ...
    """
    size = len(text.encode("utf-8", errors="replace"))
    if size > MAX_YAML_BYTES:
        raise InputFileError(origin, f"is {size:,} bytes; a YAML file read by landplan is at most "
                             f"{MAX_YAML_BYTES:,} bytes")
    try:
        for event in yaml.parse(text, Loader=SAFE_LOADER):
            if isinstance(event, yaml.AliasEvent):
                line = event.start_mark.line + 1 if event.start_mark else None
                raise InputFileError(
                    origin, f"uses the YAML alias *{str(event.anchor)[:40]}; write the value out "
                    "in full (landplan reads no anchors or aliases)",
                    where=f"line {line}" if line else None)
        return yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = str(getattr(exc, "problem", None) or exc).splitlines()[0][:200]
        raise InputFileError(origin, f"is not valid YAML ({problem})",
                             where=f"line {mark.line + 1}" if mark else None) from None


def load_yaml_file(path: str | Path, *, encoding: str = "utf-8-sig") -> Any:
    """:func:`load_yaml_text` of a file, its size checked before it is read."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            raise InputFileError(str(path), f"is {size:,} bytes; a YAML file read by landplan is "
                                 f"at most {MAX_YAML_BYTES:,} bytes")
        text = path.read_text(encoding=encoding)
    except UnicodeDecodeError:
        raise InputFileError(str(path), "is not UTF-8 text; save the YAML as UTF-8") from None
    except OSError as exc:
        raise InputFileError(str(path), f"cannot be read ({exc.strerror or exc})") from None
    return load_yaml_text(text, str(path))
