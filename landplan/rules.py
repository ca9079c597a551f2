"""The rules file: every threshold, weight and rate, with its source (SPEC §8).

The package ships ``landplan/rules/default.yaml``; every value there carries a ``# source:``
comment, and values no primary text confirmed say ``UNCONFIRMED``. A workspace ``rules.yaml``
overrides any key of it (deep merge). A key the default does not have, or a value of the
wrong type, is a :class:`~landplan.errors.RuleError` naming the key.

>>> rules = load_rules()
>>> rules["idle"]["fee_rate"]
0.2
>>> "UNCONFIRMED" in rule_source("coverage.unit_cost_wan_per_m.road")
True
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .errors import InputFileError, RuleError, shown
from .io.yamltext import SAFE_LOADER, load_yaml_file, load_yaml_text

__all__ = ["load_rules", "rule_source", "rule_sources", "is_unconfirmed", "DEFAULT_RULES_TEXT",
           "merge_rules"]

# Mappings whose keys are data (industry codes, editions, tiers), not a fixed vocabulary.
_OPEN_MAPS = (
    "compliance.thresholds",
    "compliance.thresholds.*",
    "compliance.editions",
    "compliance.editions.*",
    "compliance.editions.*.*",
    "compliance.code_map_2017_to_2002",
    "compliance.thresholds.*.investment_intensity_wan_per_mu_min",
    "coverage.load_kva_per_mu",
    "lifecycle.contract_remedies",
    "screening.by_industry",
)


def _default_text() -> str:
    return resources.files("landplan").joinpath("rules/default.yaml").read_text(encoding="utf-8")


#: The shipped default rules, as text (with every source comment).
DEFAULT_RULES_TEXT = _default_text()


@lru_cache(maxsize=1)
def _defaults() -> dict:
    # libyaml's safe loader: the 24 KB defaults in 5 ms, a sixth of the pure-Python loader's time
    return yaml.load(DEFAULT_RULES_TEXT, Loader=SAFE_LOADER)


def _is_open(path: str) -> bool:
    parts = path.split(".")
    for pattern in _OPEN_MAPS:
        pat = pattern.split(".")
        if len(pat) == len(parts) and all(p == "*" or p == q for p, q in zip(pat, parts, strict=True)):
            return True
    return False


def _type_ok(default: Any, value: Any) -> bool:
    if value is None or default is None:
        return True
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(default, str):
        return isinstance(value, (str, int))
    if isinstance(default, list):
        return isinstance(value, list)
    if isinstance(default, dict):
        return isinstance(value, dict)
    return True


def merge_rules(base: dict, override: dict, *, path: str = "", origin: str = "rules.yaml") -> dict:
    """Deep-merge ``override`` into a copy of ``base``, checking keys and types against ``base``."""
    out = copy.deepcopy(base)
    if not isinstance(override, dict):
        raise RuleError(f"{origin}: {path or 'the file'} must be a mapping, not {type(override).__name__}")
    for key, value in override.items():
        key = str(key)
        where = f"{path}.{key}" if path else key
        if key not in out:
            if _is_open(path or ""):
                out[key] = copy.deepcopy(value)
                continue
            known = ", ".join(map(str, out)) or "(none)"
            raise RuleError(f"{origin}: unknown key {where} (known keys here: {known})")
        default = out[key]
        if not _type_ok(default, value):
            raise RuleError(f"{origin}: {where} must be {type(default).__name__}, not "
                            f"{type(value).__name__} ({shown(value)})")
        if isinstance(default, dict) and isinstance(value, dict):
            out[key] = merge_rules(default, value, path=where, origin=origin)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _check(rules: dict, origin: str) -> None:
    eff = rules["efficiency"]
    for name, ind in eff["indicators"].items():
        if not isinstance(ind.get("weight"), (int, float)) or ind["weight"] < 0:
            raise RuleError(f"{origin}: efficiency.indicators.{name}.weight must be a number ≥ 0")
        for key in ("benchmark", "cap"):
            if ind.get(key) is not None and (not isinstance(ind[key], (int, float)) or ind[key] <= 0):
                raise RuleError(f"{origin}: efficiency.indicators.{name}.{key} must be > 0 or null")
    classes = eff["classes"]
    if classes["method"] not in {"score", "share"}:
        raise RuleError(f"{origin}: efficiency.classes.method must be score or share, not {shown(classes['method'])}")
    if classes["method"] == "share":
        shares = classes["shares"]
        if set(shares) != {"A", "B", "C", "D"} or any(not isinstance(v, (int, float)) or v < 0 for v in shares.values()):
            raise RuleError(f"{origin}: efficiency.classes.shares needs A, B, C, D as fractions ≥ 0")
        if abs(sum(shares.values()) - 1.0) > 1e-9:
            raise RuleError(f"{origin}: efficiency.classes.shares must sum to 1 (they sum to {sum(shares.values()):g})")
    else:
        cut = classes["cutoffs"]
        if any(cut.get(k) is None for k in "ABC"):
            raise RuleError(f"{origin}: efficiency.classes.method is score but efficiency.classes.cutoffs "
                            "A, B, C are not all set (no default is given: no source confirmed one)")
        if not cut["A"] >= cut["B"] >= cut["C"]:
            raise RuleError(f"{origin}: efficiency.classes.cutoffs must satisfy A ≥ B ≥ C")
    edition = str(rules["compliance"]["edition"])
    if edition not in {str(k) for k in rules["compliance"]["editions"]}:
        raise RuleError(f"{origin}: compliance.edition {shown(rules['compliance']['edition'])} has no block under "
                        "compliance.editions")


def load_rules(workspace=None, *, path: str | Path | None = None) -> dict:
    """The rules in force: the shipped defaults, deep-merged with a workspace ``rules.yaml``.

    Parameters
    ----------
    workspace : Workspace or path, optional
        Its ``rules.yaml`` (when present) overrides the defaults.
    path : path, optional
        An explicit rules file to merge instead.
    """
    rules = copy.deepcopy(_defaults())
    source = None
    if path is not None:
        source = Path(path)
    elif workspace is not None:
        folder = getattr(workspace, "path", workspace)
        candidate = Path(folder) / "rules.yaml"
        source = candidate if candidate.exists() else None
    origin = "default.yaml"
    if source is not None:
        if not source.exists():
            raise RuleError(f"{source}: no such rules file")
        try:
            override = load_yaml_file(source) or {}
        except InputFileError as exc:
            raise RuleError(str(exc)) from None
        origin = str(source)
        rules = merge_rules(rules, override, origin=origin)
    _check(rules, origin)
    return rules


def parse_rule_value(path: str, text: str) -> Any:
    """A value typed for rules key ``path`` (a form field): YAML plain data, aliases refused.

    Empty text is ``None``. Raises :class:`RuleError` naming the key.
    """
    if not text.strip():
        return None
    try:
        return load_yaml_text(text, path)
    except InputFileError:
        raise RuleError(f"{path}: {shown(text)} is not a value (write a number, text, true/false "
                        "or null)") from None


# --------------------------------------------------------------------------------------------
# sources: the comment beside each key of default.yaml
# --------------------------------------------------------------------------------------------

_KEY_LINE = re.compile(r"^(?P<indent>\s*)(?:- )?(?P<key>\"[^\"]+\"|[^\s:#\"]+)\s*:(?P<rest>.*)$")


@lru_cache(maxsize=1)
def rule_sources() -> dict[str, str]:
    """``{dotted key: comment}`` for every key of the default file that has a comment.

    A flow mapping on one line (``A: {weight: 50, benchmark: null}  # source: …``) gives its
    comment to each of its keys too.
    """
    sources: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in DEFAULT_RULES_TEXT.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _KEY_LINE.match(line)
        if not m:
            continue
        indent = len(m.group("indent"))
        key = m.group("key").strip('"')
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = ".".join([k for _, k in stack] + [key])
        rest = m.group("rest")
        comment = ""
        if "#" in rest:
            value, comment = rest.split("#", 1)
            comment = comment.strip()
        else:
            value = rest
        if comment:
            sources[path] = comment
            flow = value.strip()
            if flow.startswith("{") and flow.endswith("}"):
                for inner in re.findall(r"([A-Za-z_]\w*)\s*:", flow):
                    sources.setdefault(f"{path}.{inner}", comment)
        if not value.strip():
            stack.append((indent, key))
    return sources


def rule_source(path: str) -> str:
    """The source comment of a dotted rules key (the nearest commented parent if it has none)."""
    sources = rule_sources()
    parts = path.split(".")
    while parts:
        found = sources.get(".".join(parts))
        if found:
            return found
        parts.pop()
    return ""


def is_unconfirmed(path: str) -> bool:
    """Whether the default value of ``path`` is marked UNCONFIRMED in its source comment."""
    return "UNCONFIRMED" in rule_source(path).upper()


def _flow(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000).strip()
    return text.removesuffix("...").strip()


def render_rules(workspace=None) -> str:
    """The rules in force as commented YAML: each value with its source, overrides marked.

    Values taken from a workspace ``rules.yaml`` say so and show the default they replace;
    UNCONFIRMED marks of the defaults stay visible.
    """
    rules = load_rules(workspace)
    defaults = _defaults()
    folder = getattr(workspace, "path", workspace)
    override = Path(folder) / "rules.yaml" if folder is not None else None
    head = "# rules in force: landplan/rules/default.yaml"
    if override is not None and override.exists():
        head += f" + {override}"
    lines = [head]

    def walk(node: dict, base: Any, path: str, indent: int) -> None:
        for key, value in node.items():
            where = f"{path}.{key}" if path else str(key)
            default = base.get(key) if isinstance(base, dict) else None
            pad = "  " * indent
            label = f'"{key}"' if str(key).isdigit() else str(key)
            if isinstance(value, dict) and value:
                lines.append(f"{pad}{label}:")
                walk(value, default if isinstance(default, dict) else {}, where, indent + 1)
                continue
            text = f"{pad}{label}: {_flow(value)}"
            if isinstance(base, dict) and key in base and default == value:
                comment = rule_source(where)
            else:
                shown = _flow(default) if isinstance(base, dict) and key in base else "none"
                comment = f"workspace rules.yaml (default: {shown}; {rule_source(where) or 'no source'})"
            lines.append(f"{text}  # {comment}" if comment else text)

    walk(rules, defaults, "", 0)
    return "\n".join(lines)
