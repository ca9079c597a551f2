"""What a person must not read: codes, rules keys and enum values on a Chinese face, Chinese
characters on an English one. Shared by the app, report, XLSX and CLI word tests.

The forbidden tokens are generated from the schema (column names), the catalogue (coded
values) and the rules file (its keys), never listed by hand.
"""

from __future__ import annotations

import re
from functools import cache

from landplan import labels
from landplan.rules import load_rules
from landplan.schema import LAYERS

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.]*[A-Za-z0-9]")


def _rule_keys(tree, prefix=""):
    if isinstance(tree, dict):
        for k, v in tree.items():
            key = f"{prefix}.{k}" if prefix else str(k)
            yield key
            yield from _rule_keys(v, key)


@cache
def forbidden_tokens() -> frozenset[str]:
    """Canonical names a Chinese reader must never see: snake_case column names, coded values
    with an underscore or of 4+ lower-case letters, dotted rules keys."""
    out: set[str] = set()
    for spec in LAYERS.values():
        out.update(c.name for c in spec.columns if "_" in c.name)
    for key in labels.catalogue():
        if key.startswith("col."):
            name = key[4:].split(".")[-1]
            if "_" in name:
                out.add(name)
    for kind, codes in labels.value_kinds().items():
        if "_" in kind:
            out.add(kind)
        for code in codes:
            if "_" in code or (len(code) >= 4 and code.isalpha() and code.islower()):
                out.add(code)
    for key in _rule_keys(load_rules()):
        if "." in key:
            out.add(key)
    return frozenset(out)


def codes_in(text: str, *, allowed: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """The forbidden tokens found as whole words in ``text`` (parcel ids and the like in
    ``allowed`` are data)."""
    bad = forbidden_tokens()
    found = []
    for m in _WORD.finditer(text):
        word = m.group(0).rstrip(".")
        if word in allowed:
            continue
        if word in bad or any(part in bad for part in re.split(r"[.:/]", word) if "_" in part):
            found.append(word)
    return found


def cjk_in(text: str, *, data: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """The runs of Chinese characters in ``text`` that are not data values (``data``: holder
    names, parcel names, file names…)."""
    runs = re.findall(r"[\u3400-\u9fff\uf900-\ufaff]+", text)
    return [r for r in runs if not any(r in d for d in data)]
