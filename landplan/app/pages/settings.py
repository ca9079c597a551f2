"""设置 / Settings: the rules in a form, saved to the workspace ``rules.yaml`` (validated by
:func:`landplan.rules.load_rules`), and the optional XYZ tile basemap (off by default, kept in
the session). The form is shown to all; saving asks for the app's password first when one is
needed (:mod:`landplan.app.auth`)."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path

import streamlit as st
import yaml

from landplan.app import auth, context
from landplan.app.context import TILE_URL_KEY
from landplan.app.i18n import t
from landplan.app.ui import md_lines, unconfirmed_mark
from landplan.errors import InputFileError, RuleError
from landplan.io.atomic import atomic_path
from landplan.io.yamltext import load_yaml_file
from landplan.labels import rulekeys
from landplan.lock import workspace_lock
from landplan.rules import RULE_KINDS, load_rules, load_ruleset, parse_rule_value
from landplan.ruleset import RuleSet, default_ruleset, rule_fields

#: Rules sections the form edits (their scalar values; lists and tables stay in the file).
FORM_SECTIONS = ("efficiency.indicators", "efficiency.classes", "idle", "revitalization",
                 "coverage.service_distance_m", "coverage.unit_cost_wan_per_m", "terrain",
                 "lifecycle", "economics")
SAVED_KEY = "_rules_saved"
TILE_INPUT_KEY = "tile_url_input"


def valid_tile_url(url: str) -> bool:
    """An http(s) XYZ template with ``{z}``, ``{x}`` and ``{y}``."""
    return url.startswith(("https://", "http://")) and all(p in url for p in ("{z}", "{x}", "{y}"))


def rule_field_key(path: str) -> str:
    """Session-state key of the form field of rules key ``path``."""
    return "rule:" + path


def scalar_leaves(rules: RuleSet | Mapping, prefix: str) -> list[tuple[str, object]]:
    """``(dotted key, value)`` of every scalar (number, text, bool, null) under ``prefix``,
    listed from the rules' schema (:func:`landplan.ruleset.rule_fields`) in the file's order."""
    return [(f.path, f.value) for f in rule_fields(rules, section=prefix)
            if not isinstance(f.value, (dict, list))]


def _nest(flat: dict[str, object]) -> dict:
    out: dict = {}
    for path, value in flat.items():
        node = out
        *parents, last = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return out


def _deep_update(base: dict, extra: dict) -> dict:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _deep_update(base[key], value)
        else:
            base[key] = value
    return base


def save_rules(workspace: Path, changes: dict[str, object]) -> Path:
    """Write ``changes`` (dotted key -> value) into the workspace ``rules.yaml``, validated.

    Values equal to the shipped default are left out; other overrides already in the file
    are kept. Raises :class:`~landplan.errors.RuleError` (and writes nothing) when the
    result is not valid rules.
    """
    with workspace_lock(workspace):  # two sessions saving at once: the second keeps the first's
        return _save_rules(Path(workspace), changes)


def _save_rules(workspace: Path, changes: dict[str, object]) -> Path:
    target = workspace / "rules.yaml"
    try:
        current = load_yaml_file(target) if target.exists() else {}
    except InputFileError as exc:
        raise RuleError(str(exc)) from None
    current = current or {}
    flat_defaults = {f.path: f.value for f in rule_fields(default_ruleset())}
    override = _deep_update(current, _nest({k: v for k, v in changes.items()
                                            if flat_defaults.get(k, object()) != v}))
    text = ("# landplan rules overrides, written by the app; keys and meaning as in "
            "landplan/rules/default.yaml\n" + yaml.safe_dump(override, allow_unicode=True,
                                                            sort_keys=False))
    with tempfile.TemporaryDirectory(prefix="landplan-rules-") as tmp:
        trial = Path(tmp) / "rules.yaml"
        trial.write_text(text, encoding="utf-8")
        try:
            load_rules(path=trial)  # raises RuleError naming the key
        except RuleError as exc:  # said of the workspace's file, not of the trial copy
            raise RuleError(str(exc).replace(str(trial), str(target))) from None
    with atomic_path(target) as tmp_path:
        Path(tmp_path).write_text(text, encoding="utf-8")
    return target


def rule_kind(path: str):
    """The :class:`~landplan.rules.Kind` of rules key ``path`` (``*`` patterns of
    :data:`~landplan.rules.RULE_KINDS` match any part), or None."""
    parts = path.split(".")
    for pattern, kind in RULE_KINDS.items():
        pp = pattern.split(".")
        if len(pp) == len(parts) and all(a in ("*", b) for a, b in zip(pp, parts, strict=True)):
            return kind
    return None


def field_label(path: str, lang: str) -> str:
    """A form field's label: the key's label, ⚠ 未确认 where its default is UNCONFIRMED, and
    the YAML key in small print."""
    return f"{rulekeys.label(path, lang)}{unconfirmed_mark(path, lang)} :small[`{path}`]"


def _field(where, path: str, value, lang: str, disabled: bool) -> tuple[object, bool]:
    """The form field of one rules key: a choice of labels for a key with a fixed set of
    values (yes/no, a method), else a text box holding the value as YAML (empty for null:
    not set). Returns
    ``(value chosen, False)``, or ``(text typed, True)`` (read by
    :func:`~landplan.rules.parse_rule_value`)."""
    kind = rule_kind(path)
    label, key = field_label(path, lang), rule_field_key(path)
    help_text = rulekeys.help_text(path, lang)
    options = None
    if isinstance(value, bool):
        options = [True, False]
    elif kind is not None and kind.allowed and not kind.plural and isinstance(value, str):
        options = list(kind.allowed)
    if options is not None:
        return where.selectbox(label, options, index=options.index(value) if value in options else 0,
                               key=key, help=help_text, disabled=disabled,
                               format_func=lambda v: rulekeys.value_text(path, v, lang)), False
    shown = "" if value is None else yaml.safe_dump(value, allow_unicode=True).strip().removesuffix("...").strip()
    return where.text_input(label, value=shown, key=key, help=help_text, disabled=disabled), True


def _rules_form(ctx, lang: str) -> None:
    st.subheader(t("settings.rules", lang))
    st.caption(t("settings.rules_caption", lang, path=ctx.workspace / "rules.yaml"))
    try:
        rules = load_ruleset(ctx.workspace)
    except RuleError as exc:
        st.error(t("rules.invalid", lang, error=md_lines(exc)))
        return
    writable = auth.unlock(lang)
    other = ".en" if lang == "zh" else ".zh"  # a text in two languages: the reader's only
    with st.form("rules_form"):
        entered: dict[str, tuple[object, bool]] = {}
        for section in FORM_SECTIONS:
            leaves = [(p, v) for p, v in scalar_leaves(rules, section) if not p.endswith(other)]
            if not leaves:
                continue
            st.markdown(f"**{md_lines(rulekeys.label(section, lang))}** :small[`{section}`]")
            cols = st.columns(3)
            for i, (path, value) in enumerate(leaves):
                entered[path] = _field(cols[i % 3], path, value, lang, not writable)
        submitted = st.form_submit_button(t("settings.save", lang), disabled=not writable)
    if submitted and writable:  # (Streamlit 1.67 drops a disabled button's click; older ones not)
        try:
            changes = {path: parse_rule_value(path, v) if typed else v
                       for path, (v, typed) in entered.items()}
            saved = save_rules(ctx.workspace, changes)
        except RuleError as exc:
            st.session_state[SAVED_KEY] = ("error", t("rules.invalid", lang, error=md_lines(exc)))
        else:
            st.session_state[SAVED_KEY] = ("success", t("settings.saved", lang, path=saved))
        st.rerun()
    shown = st.session_state.pop(SAVED_KEY, None)
    if shown:
        getattr(st, shown[0])(shown[1])


def _tiles(lang: str) -> None:
    st.subheader(t("settings.tiles", lang))
    st.caption(t("settings.tiles_caption", lang))
    state = st.session_state
    if TILE_INPUT_KEY not in state:
        state[TILE_INPUT_KEY] = state.get(TILE_URL_KEY, "")

    def keep() -> None:  # the page's widget state goes when the page does; the URL stays
        url = state[TILE_INPUT_KEY].strip()
        state[TILE_URL_KEY] = url if valid_tile_url(url) else ""

    url = st.text_input(t("settings.tile_url", lang), key=TILE_INPUT_KEY, on_change=keep,
                        placeholder="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    if url.strip() and not valid_tile_url(url.strip()):
        st.error(t("settings.tile_bad", lang))


def render() -> None:
    ctx = context.current()
    lang = ctx.lang if ctx else "zh"
    st.title(t("nav.settings", lang))
    if ctx is None:
        return
    _tiles(lang)
    _rules_form(ctx, lang)


if __name__ == "__main__":
    render()
