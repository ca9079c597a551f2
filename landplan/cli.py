"""The ``landplan`` command line: parse arguments, call one library function, print the result.

Exit status: 0 on success; 2 on bad input, with one line on stderr naming the file, the
feature/row and the field (a bad rules file gives one line per problem). An import exits 1
when it wrote what it could keep and rejected some features (one line each on stderr, the
first :data:`~landplan.io.importer.REJECT_LINES`), and 2 when it wrote nothing.
``landplan screen`` exits 3 when the project is refused (a result, printed with its reasons;
not bad input).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from pathlib import Path

from .errors import LandplanError

__all__ = ["main"]

log = logging.getLogger("landplan")
EXIT_BAD_INPUT = 2
#: An import that wrote what it could and rejected some features.
EXIT_REJECTS = 1
#: The library's parameters as the command line spells them: the library's messages name
#: parameters (``ParameterError``, "give `crs`"); the command line prints its flags instead.
FLAGS: dict[str, str] = {
    "fmt": "--format", "fields": "--field", "set_values": "--set", "out": "--out", "year": "--year",
    "as_of": "--as-of", "crs": "--crs", "encoding": "--encoding", "engine": "--engine",
    "partitions": "--partitions", "scheduler": "--scheduler", "lang": "--lang", "layer": "--layer",
    "source_layer": "--source-layer", "all_parcels": "--all", "park": "--park",
    "workspace": "--workspace", "keep_extra": "--keep-extra", "since": "--since", "top": "--top",
    "labels": "--lang",
    # landplan split, merge, update (landplan.edit's parameters)
    "line": "--line", "area_m2": "--area-m2", "area_mu": "--area-mu", "keep": "--keep", "values": "--set",
    "date": "--date", "effective_date": "--date",
}
#: The library's parameters a user sets elsewhere than on the command line, as the command
#: line names them: the land economics' inputs and the screening's payback weight in the rules
#: file by their rules key (:class:`landplan.economics.EconomicsInputs`, the ``economics:``
#: section), a fact of a layer by its column.
SET_ELSEWHERE: dict[str, str] = {
    **{name: f"economics.{name} in rules.yaml" for name in (
        "land_grade", "land_grade_source", "development_wan_per_mu", "retained_local_share", "discount_rate",
        "tax_lag_years", "horizon_years", "acquisition_wan_per_mu", "floor_prices_yuan_per_m2",
        "provincial_floor_yuan_per_m2", "provincial_floor_source")},
    # retained_share_of_mix's fractions make the retained share; payback's rate is the discount rate
    "vat_fraction": "economics.retained_local_share in rules.yaml",
    "income_tax_fraction": "economics.retained_local_share in rules.yaml",
    "rate": "economics.discount_rate in rules.yaml",
    "payback_weight": "screening.score_weights.payback in rules.yaml",  # the app's form, else the rules
    "priority_industry": "the parcels' column priority_industry",
}
_NAMED = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*)(?:=([^`]*))?`")


def _flag_values(text: str) -> list[str]:
    """A Python value as a flag's argument(s): ``{'A': 'b'}`` -> ``A=b``, ``'gbk'`` -> ``gbk``,
    a list one argument per item; a placeholder (``NAME``) as it is."""
    import ast

    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return [text]
    if isinstance(value, dict):
        return [f"{k}={v}" for k, v in value.items()]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def flag_words(text: str, flags: dict[str, str] = FLAGS) -> str:
    """``text`` of the library with each backticked parameter as the command line names it:
    "give `crs`" -> "give --crs", "`crs='EPSG:4526'`" -> "--crs EPSG:4526",
    "`fields={'A': 'b'}`" -> "--field A=b"; a backticked name without a flag stays as it is.

    >>> flag_words("no CRS; give `crs`, e.g. `crs='EPSG:4527'`; see `make sysdeps`")
    'no CRS; give --crs, e.g. --crs EPSG:4527; see `make sysdeps`'
    """
    def one(match: re.Match) -> str:
        name, value = match.group(1), match.group(2)
        flag = flags.get(name)
        if flag is None:
            return match.group(0)
        if value is None:
            return flag
        return " ".join(f"{flag} {v}" for v in _flag_values(value))

    return _NAMED.sub(one, text)


def error_words(exc: LandplanError, flags: dict[str, str] = FLAGS) -> str:
    """An error's message as the command line says it: a :class:`ParameterError` of ``year``
    reads "--year 2031: …" (the value as typed), every parameter named in it by its flag."""
    from .errors import ParameterError

    if isinstance(exc, ParameterError) and exc.param in flags:
        value = exc.value
        typed = " ".join(_flag_values(repr(value))) if isinstance(value, (dict, list, tuple)) else str(value)
        return f"{flags[exc.param]} {typed}: {flag_words(exc.reason, flags)}"
    return flag_words(str(exc), flags)


class _Parser(argparse.ArgumentParser):
    """A parser whose help reads in the locale's language: its ``-h`` and the titles of
    argparse's own two groups (positional arguments, options) from the catalogue, and its usage
    line headed by the catalogue's word for "usage:" (all through public methods)."""

    #: argparse's titles of the groups every parser has → their catalogue key
    _GROUP_TITLES = {"positional arguments": "help.positionals", "options": "help.options",
                     "optional arguments": "help.options"}  # the latter before Python 3.10

    def __init__(self, *args, add_help: bool = True, parents=(), **kwargs) -> None:
        self._titled_groups: dict[str, object] = {}  # title → its group
        if add_help:  # argparse's -h, but with the catalogue's words, first as argparse puts it
            own_help = _Parser(add_help=False)
            own_help.add_argument("-h", "--help", action="help", help=_help("help.help"))
            parents = [own_help, *parents]
        super().__init__(*args, add_help=False, parents=parents, **kwargs)

    def add_argument_group(self, *args, **kwargs):
        """A group; argparse's own two get the catalogue's titles, and a parent parser's options
        join this parser's group of the same title (one section, not two of one name)."""
        title = kwargs.pop("title", args[0] if args else None)
        if title in self._GROUP_TITLES:
            title = _text(self._GROUP_TITLES[title])
        if title is not None and title in self._titled_groups:
            return self._titled_groups[title]
        group = super().add_argument_group(title, *args[1:], **kwargs)
        if title is not None:  # untitled groups stay apart
            self._titled_groups[title] = group
        return group

    def format_usage(self) -> str:
        return self._catalogue_usage(super().format_usage())

    def format_help(self) -> str:
        return self._catalogue_usage(super().format_help())

    @staticmethod
    def _catalogue_usage(text: str) -> str:
        prefix = "usage: "  # argparse's, untranslated: its gettext domain ships no Chinese
        return _text("help.usage") + text[len(prefix):] if text.startswith(prefix) else text

    #: argparse's error messages a user meets (Python 3.11's argparse.py, their ``_()`` English)
    #: → the catalogue's key (``cli.error.<kind>``, labels/cli_errors.yaml) rendering them with
    #: the fields each names; tried in order, the whole message must match
    _ERRORS = tuple((re.compile(pattern, re.DOTALL), key) for pattern, key in (
        (r"argument (?P<argument>.+?): (?P<message>.*)", "argument"),
        (r"the following arguments are required: (?P<arguments>.+)", "required"),
        (r"one of the arguments (?P<arguments>.+) is required", "one_required"),
        (r"unrecognized arguments: (?P<arguments>.*)", "unrecognized"),
        (r"not allowed with argument (?P<argument>.+)", "not_allowed_with"),
        (r"ignored explicit argument (?P<value>.+)", "explicit_ignored"),
        (r"expected one argument", "expected_one"),
        (r"expected at most one argument", "expected_at_most_one"),
        (r"expected at least one argument", "expected_at_least_one"),
        (r"expected (?P<count>1) argument", "expected_1"),  # argparse's ngettext: 1 argument
        (r"expected (?P<count>\d+) arguments", "expected_n"),
        (r"ambiguous option: (?P<option>.+?) could match (?P<matches>.+)", "ambiguous"),
        (r"invalid (?P<type>\S+) value: (?P<value>.+)", "invalid_value"),
        (r"invalid choice: (?P<value>.+?) \(choose from (?P<choices>.+)\)", "invalid_choice"),
        (r"unknown parser (?P<command>.+?) \(choices: (?P<choices>.+)\)", "unknown_command"),
    ))

    @classmethod
    def error_message(cls, message: str, lang: str, names: dict[str, str] | None = None) -> str:
        """argparse's error ``message`` in ``lang`` from the catalogue, its flags, values and
        choices as argparse wrote them, an argument named by a word of ``names`` (argparse's
        name of it → the reader's word) by that word; a message it does not know is returned
        as it is."""
        from .labels import has, t

        names = names or {}
        for pattern, kind in cls._ERRORS:
            match = pattern.fullmatch(message)
            if match is None:
                continue
            fields = match.groupdict()
            if kind == "argument":  # argparse's "argument --x: …" around another message
                fields["message"] = cls.error_message(fields["message"], lang, names)
            for field in ("argument", "arguments"):
                if field in fields:
                    fields[field] = ", ".join(names.get(n, n) for n in fields[field].split(", "))
            if kind == "invalid_value" and has(f"cli.error.type.{fields['type']}"):
                fields["type"] = t(f"cli.error.type.{fields['type']}", lang)
            return t(f"cli.error.{kind}", lang, **fields)
        return message

    def add_subparsers(self, **kwargs):
        """argparse's subcommands; their ``dest`` (a name for the code) is remembered, so that an
        error line names the command by the catalogue's word for it."""
        self._command_dest = kwargs.get("dest")
        return super().add_subparsers(**kwargs)

    def error(self, message: str) -> None:  # one line, exit 2, like every other bad input
        from .labels import lang_of_locale, t

        lang = lang_of_locale()
        dest = getattr(self, "_command_dest", None)
        names = {dest: t("cli.error.command", lang)} if dest else {}
        line = t("cli.error.line", lang, prog=self.prog, message=self.error_message(message, lang, names))
        self.exit(EXIT_BAD_INPUT, line + "\n")


def _pairs(values: list[str] | None, option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise LandplanError(f"{option} {item!r}: write {option} NAME=VALUE")
        out[key.strip()] = value.strip()
    return out


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_text("error.not_whole", value=text)) from None
    if value < 1:
        raise argparse.ArgumentTypeError(_text("error.below_one", value=value))
    return value


def _weight(text: str) -> float:
    """A ranking weight: a finite number ≥ 0 (argparse names the flag when it is not)."""
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_text("error.not_weight", value=text)) from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(_text("error.not_weight", value=text))
    return value


def _lang(args) -> str:
    """The language of what a command prints for people: ``--lang`` (zh or en), else the
    locale's (:func:`landplan.labels.lang_of_locale`; ``--lang code`` names the tables'
    form only, its summary follows the locale)."""
    from .labels import lang_of_locale

    lang = getattr(args, "lang", None)
    return lang if lang in ("zh", "en") else lang_of_locale()


def _table_lang(args) -> str:
    """The language of the CSV and XLSX tables a command writes: ``--lang`` (zh, en or code),
    else the locale's."""
    from .labels import lang_of_locale

    return getattr(args, "lang", None) or lang_of_locale()


def _say(key: str, args, **fields) -> None:
    """Print the catalogue's words ``key`` in the command's language."""
    from .labels import t

    print(t(key, _lang(args), **fields))


def _terminal_progress(title: str):
    """A progress callback drawing a bar on a terminal; ``None`` (quiet) when not on one."""
    if not sys.stderr.isatty():
        return None

    def draw(fraction: float) -> None:
        fraction = min(max(float(fraction), 0.0), 1.0)
        filled = int(fraction * 30)
        end = "\n" if fraction >= 1.0 else ""
        sys.stderr.write(f"\r{title} [{'#' * filled}{'.' * (30 - filled)}] {fraction:4.0%}{end}")
        sys.stderr.flush()

    return draw


def _cmd_demo(args) -> int:
    from .demo import write_demo

    write_demo(args.out, parcels=args.parcels, seed=args.seed, fmt=args.format,
               progress=_terminal_progress("demo"))
    _say("cli.demo.done", args, parcels=args.parcels, seed=args.seed, out=args.out)
    return 0


def _run_import(sources, layer: str, *, lang: str, **options) -> int:
    """Import, print the report and the rejected features; 0 all kept, 1 some rejected (a
    :class:`~landplan.io.importer.NothingImportedError` lists its rejects, then exits 2)."""
    from .io.importer import NothingImportedError, import_layer

    try:
        report = import_layer(sources, layer, **options)
    except NothingImportedError as exc:
        _print_rejects(exc.reject_lines)
        raise
    print(flag_words("\n".join(report.lines(lang))))
    _print_rejects(report.reject_lines())
    return EXIT_REJECTS if report.rejected else 0


def _print_rejects(lines: list[str]) -> None:
    for line in lines:
        print(f"landplan: rejected: {flag_words(line)}", file=sys.stderr)


def _cmd_import(args) -> int:
    return _run_import(
        args.src, args.layer, workspace=args.workspace, source_layer=args.source_layer,
        fields=_pairs(args.field, "--field"), crs=args.crs, encoding=args.encoding,
        set_values=_pairs(args.set, "--set"), mode=args.mode,
        effective_date=_parse_date(args.date, "--date"), keep_extra=args.keep_extra, lang=_lang(args),
    )


def _cmd_import_ledger(args) -> int:
    return _run_import(args.file, "ledger", workspace=args.workspace,
                       source_layer=args.source_layer, fields=_pairs(args.field, "--field"),
                       encoding=args.encoding, keep_extra=args.keep_extra, lang=_lang(args))


def _parse_date(text: str | None, option: str):
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise LandplanError(f"{option} {text!r}: write the date as YYYY-MM-DD") from None


def _warn_idle_inputs(workspace, table, as_of) -> None:
    """One line per inconsistent parcel input (the evaluation goes on with the data as given)."""
    from .history import parcels_as_of
    from .idle import check_idle_inputs
    from .workspace import Workspace

    ws = Workspace.open(workspace)
    source = ws.existing_path("parcels")
    for line in check_idle_inputs(parcels_as_of(ws, as_of), as_of=as_of):
        print(f"landplan: warning: {source}, {line}", file=sys.stderr)


def _cmd_evaluate(args) -> int:
    from .evaluate import evaluate, write_evaluation
    from .rules import load_rules

    rules = load_rules(args.workspace)
    table = evaluate(args.workspace, as_of=_parse_date(args.as_of, "--as-of"), year=args.year, rules=rules,
                     engine=args.engine, partitions=args.partitions, scheduler=args.scheduler)
    out = write_evaluation(table, args.out, rules=rules, lang=_table_lang(args))
    _warn_idle_inputs(args.workspace, table, table["as_of"].iloc[0].date() if len(table) else None)
    if table.attrs.get("economics_missing"):  # a note: the evaluation stands, its economics columns are empty
        print(f"landplan: warning: {_missing_rules_line(table.attrs['economics_missing'], args.workspace, _lang(args))}",
              file=sys.stderr)
    graded = int(table["efficiency_class"].notna().sum()) if "efficiency_class" in table else 0
    _say("cli.evaluate.done", args, n=len(table), graded=graded, out=out,
         as_of=table["as_of"].iloc[0].date() if len(table) else args.as_of)
    return 0


def _missing_rules_line(keys: list[str], workspace, lang: str) -> str:
    """One line naming every missing rules value (by its label in Chinese, by its key in
    English) and where to set it: the workspace's rules.yaml."""
    from .labels import rulekeys, t

    path = Path(workspace) / "rules.yaml"
    named = [rulekeys.label(k, lang) for k in keys] if lang == "zh" else keys
    return t("cli.economics.missing", lang, path=path, keys=t("text.sep.list", lang).join(named))


def _parcels(n: int, lang: str) -> str:
    """"3 parcels", "1 parcel", "3 宗": a count of parcels in ``lang``."""
    from .labels import t

    return t("cli.economics.parcels_one" if n == 1 else "cli.economics.parcels", lang, n=n)


def _payback_years(years: float, horizon: int, lang: str) -> str:
    """A (median) payback for people: "13.6 years", or "not within 50 years" when NaN."""
    from .labels import fmt, t

    if years != years:
        return t("report.econ.not_within", lang, horizon=horizon)
    return f"{fmt(years, 'years', lang)} {t('unit.years', lang)}"


def _economics_basis_lines(rules, lang: str, indent: str = "") -> None:
    """Print what the land economics' figures rest on: the caveat of a demo's illustrative
    inputs (when the rules mark them so), then every input with its mark, one line."""
    from .economics_workspace import basis_line, economics_caveat

    for line in (economics_caveat(rules, lang), basis_line(rules, lang)):
        if line:
            print(f"{indent}{line}")


def _cmd_economics(args) -> int:
    import datetime as dt

    import geopandas as gpd

    from .economics import class_change_summary
    from .economics_workspace import MissingEconomicsInputs, economics_missing, workspace_economics
    from .evaluate import evaluate, write_evaluation
    from .history import parcels_as_of
    from .labels import fmt, t, value
    from .rules import load_ruleset
    from .workspace import Workspace

    lang = _lang(args)
    ws = Workspace.open(args.workspace)
    rules = load_ruleset(ws)
    as_of = _parse_date(args.as_of, "--as-of") or dt.date.today()
    try:
        economics_missing(ws, rules, parcels_as_of(ws, as_of), check=True)  # before the evaluation's seconds
        table = evaluate(ws, as_of=as_of, year=args.year, rules=rules)
        econ, park = workspace_economics(ws, rules, as_of=as_of, evaluation=table)
    except MissingEconomicsInputs as exc:
        print(f"landplan: error: {_missing_rules_line(exc.keys, args.workspace, lang)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    horizon = econ.attrs["economics_horizon_years"]
    tot = park["totals"]
    _say("cli.economics.title", args, as_of=as_of, horizon=horizon)
    _economics_basis_lines(rules, lang, indent="  ")  # what every figure below rests on
    _say("cli.economics.items", args, items=t("text.sep.list", lang).join(
        t(f"cli.economics.item.{i}", lang) for i in econ.attrs["economics_items"]))
    _say("cli.economics.totals", args, parcels=_parcels(len(econ), lang), area=fmt(tot["area_mu"], "mu", lang),
         costed=_parcels(int(tot["costed_parcels"]), lang),
         cost=fmt(tot["cost_wan"], "wan", lang), cost_mu=fmt(tot["cost_wan_per_mu"], "wan_per_mu", lang),
         price=fmt(tot["land_price_wan"], "wan", lang), net=fmt(tot["net_outlay_wan"], "wan", lang),
         net_mu=fmt(tot["net_outlay_wan_per_mu"], "wan_per_mu", lang), ret=fmt(tot["return_to_date_wan"], "wan", lang))
    _say("cli.economics.payback", args)
    for code, row in park["payback"].iterrows():
        _say("cli.economics.payback_row", args, label=value("payback_class", code, lang),
             parcels=_parcels(int(row["parcels"]), lang), area=fmt(row["area_mu"], "mu", lang))
    ids = park["not_paying_back"]
    if ids:
        _say("cli.economics.not_paying", args, horizon=horizon, parcels=_parcels(len(ids), lang),
             ids=t("text.sep.list", lang).join(map(str, ids[:args.show])) + ("…" if len(ids) > args.show else ""))
    else:
        _say("cli.economics.not_paying_none", args, horizon=horizon)
    _say("cli.economics.below_floor", args,
         parcels=_parcels(int(econ["below_floor"].astype("boolean").fillna(False).sum()), lang))
    change = park.get("class_change")
    if change is not None and len(change):
        for frm, row in class_change_summary(change).iterrows():
            _say("cli.economics.class_change", args, frm=value("efficiency_class", frm, lang),
                 to=value("efficiency_class", row["target_class"], lang), parcels=_parcels(int(row["parcels"]), lang),
                 tax=fmt(row["target_tax_per_mu_wan"], "wan_per_mu", lang), horizon=horizon,
                 before=_payback_years(row["median_before_years"], horizon, lang),
                 after=_payback_years(row["median_after_years"], horizon, lang),
                 within_before=int(row["within_before"]), within_after=int(row["within_after"]))
    zones = park.get("by_zone")
    if zones is not None and len(zones):
        _say("cli.economics.by_zone", args)
        for zone, row in zones.iterrows():
            _say("cli.economics.zone_row", args, zone=zone, parcels=_parcels(int(row["parcels"]), lang),
                 area=fmt(row["area_mu"], "mu", lang), cost=fmt(row["cost_wan"], "wan", lang),
                 net=fmt(row["net_outlay_wan"], "wan", lang), ret=fmt(row["return_to_date_wan"], "wan", lang),
                 horizon=horizon, not_paying=int(row["not_paying_back"]))
    if args.out:
        geometry = table.set_index("parcel_id").geometry.reindex(econ.index)
        frame = gpd.GeoDataFrame(econ.reset_index(), geometry=geometry.to_numpy(), crs=table.crs)
        out = write_evaluation(frame, args.out, rules=rules, lang=_table_lang(args))
        _say("cli.economics.written", args, parcels=_parcels(len(econ), lang), out=out)
    return 0


def _cmd_idle(args) -> int:
    import datetime as dt

    from .evaluate import evaluate, read_evaluation, write_evaluation
    from .revitalization import candidates_table, park_summary
    from .rules import load_rules

    rules = load_rules(args.workspace)
    as_of = _parse_date(args.as_of, "--as-of") or dt.date.today()
    table = evaluate(args.workspace, as_of=as_of, year=args.year, rules=rules)
    before = read_evaluation(args.since) if args.since else None
    _warn_idle_inputs(args.workspace, table, as_of)
    print("\n".join(park_summary(table, rules, as_of=as_of, before=before, target_mu=args.target_mu,
                                  lang=_lang(args))))
    if args.out:
        out = write_evaluation(candidates_table(table, rules), args.out, rules=rules, lang=_table_lang(args))
        _say("cli.idle.written", args, out=out)
    return 0


def _cmd_lifecycle(args) -> int:
    import datetime as dt

    from .evaluate import evaluate, write_evaluation
    from .io.writers import cell_text, person_column
    from .lifecycle import gap_rows, lifecycle_summary, lifecycle_table
    from .rules import load_rules

    lang = _lang(args)
    rules = load_rules(args.workspace)
    as_of = _parse_date(args.as_of, "--as-of") or dt.date.today()
    table = evaluate(args.workspace, as_of=as_of, year=args.year, rules=rules)
    _say("cli.lifecycle.title", args, as_of=as_of)
    print("\n".join(lifecycle_summary(table, lang=lang, rules=rules)))
    gaps = gap_rows(table)
    reason = person_column("lifecycle_gap_reason", lang)
    for _, row in gaps.head(args.show).iterrows():
        _say("cli.lifecycle.gap", args, pid=row["parcel_id"], gap=cell_text("lifecycle_gap", row["lifecycle_gap"], lang),
             years=cell_text("lifecycle_gap_years", row["lifecycle_gap_years"], lang),
             reason=cell_text(reason, row.get(reason), lang))
    if args.out:
        rows = lifecycle_table(table)
        out = write_evaluation(rows, args.out, rules=rules, lang=_table_lang(args))
        _say("cli.lifecycle.written", args, n=len(rows), out=out)
    return 0


def _cmd_coverage(args) -> int:
    from .coverage import coverage_summary, extension_routes, network_qa, substation_loads
    from .evaluate import column_label, evaluate
    from .io.writers import write_analysis
    from .labels import column, rulekeys
    from .rules import load_rules
    from .workspace import Workspace

    lang = _lang(args)
    ws = Workspace.open(args.workspace)
    rules = load_rules(ws)
    table = evaluate(ws, rules=rules)
    print("\n".join(coverage_summary(table, rules, lang=lang)))
    layers = {name: ws.read(name) for name in ("roads", "pipelines", "powerlines") if ws.has(name)}
    qa = network_qa(**layers, facilities=ws.read("facilities") if ws.has("facilities") else None,
                    parcels=ws.read("parcels"), rules=rules)
    if ws.has("facilities"):
        subs = substation_loads(ws.read("parcels"), ws.read("facilities"), rules)
        _say("cli.coverage.substations", args, n=len(subs), checked=int(subs["checked"].sum()),
             over=int(subs["over_capacity"].sum()), load=column("load_kva", lang),
             rule=rulekeys.label("coverage.load_kva_per_mu", lang))
    _say("cli.coverage.qa" if len(qa) else "cli.coverage.qa_none", args, n=len(qa))
    message = "message_zh" if lang == "zh" else "message"
    for _, row in qa.head(args.show).iterrows():  # the message names the layer
        _say("cli.coverage.qa_row", args, fid=row["feature_id"], message=row[message])
    if args.routes:
        routes = extension_routes(ws.read("parcels"), **layers, rules=rules)
        write_analysis(routes, args.routes, labels=_table_lang(args), header=column_label)
        _say("cli.coverage.routes", args, n=len(routes), out=args.routes)
    return 0


def _cmd_screen(args) -> int:
    from .rules import load_rules
    from .screen import (
        EXIT_REFUSED,
        OPTION_FIELDS,
        SITE_FORMATS,
        make_project,
        read_project,
        screen_project,
        write_sites,
    )

    if args.out and Path(args.out).suffix.lower() not in SITE_FORMATS:
        raise LandplanError(f"--out {args.out}: write .csv, .xlsx or .gpkg")
    if args.top is not None and args.top < 1:
        raise LandplanError(f"--top {args.top}: give a number ≥ 1")
    rules = load_rules(args.workspace)
    options = {option: getattr(args, field) for option, field in
               ((o, o.lstrip("-").replace("-", "_")) for o in OPTION_FIELDS)}
    options = {k: v for k, v in options.items() if v not in (None, [])}
    if args.project:
        project = read_project(args.project, sheet=args.sheet, rules=rules, overrides=options)
    else:
        project = make_project(options, source="options", rules=rules)
    result = screen_project(project, args.workspace, as_of=_parse_date(args.as_of, "--as-of"),
                            year=args.year, rules=rules, payback_weight=args.payback_weight)
    if result.economics is not None and "payback_years" in result.sites and result.sites["payback_years"].notna().any():
        _economics_basis_lines(rules, _lang(args))  # the sites' paybacks rest on these inputs
    print("\n".join(result.lines(lang=_lang(args), top=args.top)))
    if args.out:
        out = write_sites(result, args.out, top=args.top, lang=_table_lang(args))
        _say("cli.screen.written", args, out=out)
    return 0 if result.admitted else EXIT_REFUSED
def _cmd_report(args) -> int:
    from .labels import t
    from .report import report

    if args.all and args.parcel_ids:
        raise LandplanError(_text("error.ids_or_all"))
    run = report(args.workspace, args.parcel_ids or None, out=args.out, all_parcels=args.all,
                 park=args.park, fmt=args.format, lang=_lang(args),
                 as_of=_parse_date(args.as_of, "--as-of"), year=args.year, since=args.since,
                 workers=args.workers, progress=_terminal_progress("report"))
    print("\n".join(run.lines(_lang(args))))
    for pid, reason in sorted(run.failures.items()):
        print(f"landplan: error: {t('cli.error.report_failed', _lang(args), pid=pid, reason=reason)}",
              file=sys.stderr)
    return EXIT_BAD_INPUT if run.failures else 0


def _cmd_rules(args) -> int:
    from .rules import render_rules

    print(render_rules(args.workspace))
    return 0


def _cmd_export(args) -> int:
    from .io.writers import export_layer

    report = export_layer(args.layer, workspace=args.workspace, fmt=args.format, out=args.out,
                          crs=args.crs, encoding=args.encoding)
    print(flag_words("\n".join(report.lines(_lang(args)))))
    return 0


def _cmd_split(args) -> int:
    from .edit import split_parcel

    ids = [i for i in args.ids.split(",")] if args.ids else None
    result = split_parcel(args.workspace, args.parcel_id, line=args.line, area_m2=args.area_m2,
                          area_mu=args.area_mu, ids=ids, date=_parse_date(args.date, "--date"))
    print("\n".join(result.lines(_lang(args))))
    return 0


def _cmd_merge(args) -> int:
    from .edit import merge_parcels

    result = merge_parcels(args.workspace, args.parcel_ids, new_id=args.id, keep=args.keep,
                           date=_parse_date(args.date, "--date"))
    print("\n".join(result.lines(_lang(args))))
    return 0


def _cmd_update(args) -> int:
    from .edit import update_parcel

    result = update_parcel(args.workspace, args.parcel_id, _pairs(args.set, "--set"),
                           date=_parse_date(args.date, "--date"))
    print("\n".join(result.lines(_lang(args))))
    return 0


def _cmd_map(args) -> int:
    """专题图: evaluate, then draw one theme to .png, .pdf or .svg (landplan.thematic)."""
    from .labels import t
    from .thematic import map_workspace

    lang = _lang(args)
    filters: dict[str, list[str]] = {}
    for item in args.filter or []:
        column, sep, value = item.partition("=")
        if not sep or not column.strip():
            raise LandplanError(t("thematic.err.filter", lang, item=item))
        filters.setdefault(column.strip(), []).append(value.strip())
    result = map_workspace(args.workspace, args.theme, out=args.out, lang=lang,
                           as_of=_parse_date(args.as_of, "--as-of"), year=args.year, title=args.title,
                           paper=args.paper, filters=filters, dpi=args.dpi,
                           data_date=_parse_date(args.data_date, "--data-date"))
    _say("thematic.written", args, out=result.out, title=result.title, n=result.parcels, scale=result.scale)
    return 0

#: The history tables' columns a person reads, by table (the recorded summary is a record
#: in English: scripts read it with --lang code).
_HISTORY_COLUMNS = {
    "log": ("change_id", "kind", "effective_date", "recorded_at", "command"),
    "parcel": ("relation", "parcel_id", "version_id", "valid_from", "valid_to", "area_m2", "change_id", "kind",
               "command", "ended_by", "parent_ids"),
}


def _history_header(column: str, lang: str) -> str:
    """A history column's header: the app's words where it has them, else the catalogue's column
    or the command line's."""
    from .labels import column as column_label
    from .labels import has, t

    for key in (f"app.history.col.{column}", f"cli.history.col.{column}"):
        if has(key):
            return t(key, lang)
    return column_label(column, lang)


def _history_for_people(table, columns, lang: str):
    """The history table as a person reads it in ``lang``: headers, change kinds and relations
    by their words, dates as YYYY-MM-DD, areas in m² by labels.fmt."""
    import pandas as pd

    from .io.writers import cell_text
    from .labels import has, t, value

    def word(column: str, v) -> str:
        if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v) or v == "":
            return ""
        if column == "kind":
            return value("change_kind", v, lang)
        if column == "relation" and has(f"app.history.relation.{v}"):
            return t(f"app.history.relation.{v}", lang)
        if column == "recorded_at":
            return str(v).replace("T", " ")[:19]
        return cell_text(column, v, lang)

    return pd.DataFrame({_history_header(c, lang): [word(c, v) for v in table[c]] for c in columns if c in table})


def _cmd_history(args) -> int:
    from .history import change_log, keeps_history, parcel_history
    from .io.writers import write_table
    from .workspace import Workspace

    lang, table_lang = _lang(args), _table_lang(args)
    if not keeps_history(Workspace.open(args.workspace)):
        _say("cli.history.not_kept", args)
        return 0
    if args.parcel_id is None:
        table, columns = change_log(args.workspace), _HISTORY_COLUMNS["log"]
    else:
        table, columns = parcel_history(args.workspace, args.parcel_id), _HISTORY_COLUMNS["parcel"]
    if args.out:
        write_table(table if table_lang == "code" else _history_for_people(table, columns, table_lang), args.out,
                    labels="code")  # worded here: change kinds and relations, recorded times
        _say("cli.history.written", args, n=len(table), out=args.out)
    if not len(table):
        _say("cli.history.empty", args)
        return 0
    print(_history_for_people(table, columns, lang).to_string(index=False))
    return 0


def _cmd_app(args) -> int:
    from .app.auth import PASSWORD_FILE_ENV

    # the app's script ships in the package: no source checkout needed
    app = Path(__file__).resolve().parent / "app" / "main.py"
    workspace = args.workspace
    if workspace is None and Path("data").is_dir():
        workspace = "data"  # ./data when there is one; else the server writes the demo park
    env = dict(os.environ)
    script_args: list[str] = []
    if workspace is not None:
        env["LANDPLAN_WORKSPACE"] = str(Path(workspace).resolve())
        script_args = ["--", "--workspace", str(Path(workspace).resolve())]
    if args.password_file:  # its name, never the password, on the server's command line
        env[PASSWORD_FILE_ENV] = str(Path(args.password_file).resolve())
    # the server refuses an address beyond loopback without a password (one line, exit 2)
    cmd = [sys.executable, "-m", "landplan.app.server", "run", str(app), "--server.port", str(args.port),
           "--server.address", args.address, "--server.headless", "true", *script_args]
    from .app.server import serve

    return serve(cmd, env)  # a stop signal to this command stops the server too


def _text(key: str, **fields: object) -> str:
    """The catalogue's words ``cli.<key>`` in the locale's language, as a description, an
    epilog or a heading (argparse formats none of them with ``%``)."""
    from .labels import lang_of_locale, t

    return t(f"cli.{key}", lang_of_locale(), **fields)


def _help(key: str, **fields: object) -> str:
    """The catalogue's help words ``cli.<key>`` in the locale's language (argparse's ``%`` escaped)."""
    return _text(key, **fields).replace("%", "%%")


def _theme_help() -> str:
    """``--theme``: every theme the map draws, with its map's name (landplan.thematic)."""
    from .labels import lang_of_locale
    from .thematic import THEMES, theme_title

    lang = lang_of_locale()
    items = [_text("help.map.theme_item", theme=name, title=theme_title(name, lang)) for name in THEMES]
    return _help("help.map.theme", themes=_text("help.map.theme_sep").join(items))


def _shared_options() -> tuple[argparse.ArgumentParser, ...]:
    """The options several commands share, each defined once (argparse parent parsers):
    ``--workspace`` (default ./data: the library has no default workspace), ``--as-of`` and
    ``--year`` (the evaluation's date and ledger year), and ``--lang``, the language of what a
    command prints (zh, en) or, for a command writing tables, also of its CSV/XLSX (zh, en, code)."""
    workspace = _Parser(add_help=False)
    workspace.add_argument("--workspace", default="data", help=_help("help.workspace"))
    when = _Parser(add_help=False)
    when.add_argument("--as-of", help=_help("help.as_of"))
    when.add_argument("--year", type=int, help=_help("help.year"))
    lang = _Parser(add_help=False)
    lang.add_argument("--lang", choices=["zh", "en"], help=_help("help.lang"))
    tables_lang = _Parser(add_help=False)
    tables_lang.add_argument("--lang", choices=["zh", "en", "code"], help=_help("help.lang_tables"))
    return workspace, when, lang, tables_lang


def _keep_extra_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--keep-extra", action="store_true", help=_help("help.keep_extra"))


def build_parser() -> argparse.ArgumentParser:
    """The command line's parser; every help word comes from the catalogue (``cli.help.*``,
    ``cli.cmd.*``), in the locale's language."""
    parser = _Parser(prog="landplan", description=_text("description"))
    parser.add_argument("-v", "--verbose", action="count", default=0, help=_help("help.verbose"))
    parser.add_argument("-q", "--quiet", action="store_true", help=_help("help.quiet"))
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser,
                                title=_text("help.commands"))
    workspace, when, lang, tables_lang = _shared_options()

    p = sub.add_parser("demo", parents=[lang], help=_help("cmd.demo"))
    p.add_argument("--out", default="data", help=_help("help.demo.out"))
    p.add_argument("--parcels", type=int, default=300, help=_help("help.demo.parcels"))
    p.add_argument("--seed", type=int, default=0, help=_help("help.demo.seed"))
    p.add_argument("--format", default="gpkg", choices=["gpkg", "parquet"], help=_help("help.demo.format"))
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("import", parents=[workspace, lang], help=_help("cmd.import"),
                       epilog=_text("help.import.exit"))
    p.add_argument("src", nargs="+", help=_help("help.import.src"))
    p.add_argument("--layer", required=True,
                   choices=["parcels", "roads", "pipelines", "powerlines", "facilities", "terrain"],
                   help=_help("help.import.layer"))
    p.add_argument("--source-layer", help=_help("help.import.source_layer"))
    p.add_argument("--field", action="append", metavar="SRC_COL=COLUMN", help=_help("help.import.field"))
    p.add_argument("--crs", help=_help("help.import.crs"))
    p.add_argument("--encoding", help=_help("help.import.encoding"))
    p.add_argument("--set", action="append", metavar="COLUMN=VALUE", help=_help("help.import.set"))
    p.add_argument("--mode", default="replace", choices=["replace", "append"], help=_help("help.import.mode"))
    p.add_argument("--date", help=_help("help.import.date"))
    _keep_extra_option(p)
    p.set_defaults(func=_cmd_import)

    p = sub.add_parser("import-ledger", parents=[workspace, lang], help=_help("cmd.import_ledger"),
                       epilog=_text("help.import_ledger.exit"))
    p.add_argument("file", help=_help("help.import_ledger.file"))
    p.add_argument("--source-layer", help=_help("help.import_ledger.source_layer"))
    p.add_argument("--field", action="append", metavar="SRC_COL=COLUMN",
                   help=_help("help.import_ledger.field"))
    p.add_argument("--encoding", help=_help("help.import_ledger.encoding"))
    _keep_extra_option(p)
    p.set_defaults(func=_cmd_import_ledger)

    p = sub.add_parser("evaluate", parents=[workspace, when, tables_lang], help=_help("cmd.evaluate"),
                       epilog=_text("help.tables"))
    p.add_argument("--out", required=True, help=_help("help.evaluate.out"))
    p.add_argument("--engine", default="single", choices=["single", "dask"], help=_help("help.evaluate.engine"))
    p.add_argument("--partitions", type=_positive_int, help=_help("help.evaluate.partitions"))
    p.add_argument("--scheduler", help=_help("help.evaluate.scheduler"))
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("economics", parents=[workspace, when, tables_lang], help=_help("cmd.economics"),
                       epilog=_text("help.tables"))
    p.add_argument("--out", help=_help("help.economics.out"))
    p.add_argument("--show", type=_positive_int, default=20, metavar="N", help=_help("help.economics.show"))
    p.set_defaults(func=_cmd_economics)

    p = sub.add_parser("idle", parents=[workspace, when, tables_lang], help=_help("cmd.idle"),
                       epilog=_text("help.tables"))
    p.add_argument("--target-mu", type=float, help=_help("help.idle.target_mu"))
    p.add_argument("--since", help=_help("help.idle.since"))
    p.add_argument("--out", help=_help("help.idle.out"))
    p.set_defaults(func=_cmd_idle)

    p = sub.add_parser("lifecycle", parents=[workspace, when, tables_lang], help=_help("cmd.lifecycle"),
                       epilog=_text("help.tables"))
    p.add_argument("--show", type=int, default=20, help=_help("help.lifecycle.show"))
    p.add_argument("--out", help=_help("help.lifecycle.out"))
    p.set_defaults(func=_cmd_lifecycle)

    p = sub.add_parser("coverage", parents=[workspace, tables_lang], help=_help("cmd.coverage"))
    p.add_argument("--routes", help=_help("help.coverage.routes"))
    p.add_argument("--show", type=int, default=20, help=_help("help.coverage.show"))
    p.set_defaults(func=_cmd_coverage, flags={"out": "--routes"})  # its table is --routes

    p = sub.add_parser("screen", parents=[workspace, when, tables_lang], help=_help("cmd.screen"),
                       description=_text("help.screen.description"))
    p.add_argument("--project", help=_help("help.screen.project"))
    p.add_argument("--sheet", help=_help("help.screen.sheet"))
    p.add_argument("--name", help=_help("help.screen.name"))
    p.add_argument("--industry", help=_help("help.screen.industry"))
    area = p.add_mutually_exclusive_group()
    area.add_argument("--area-mu", help=_help("help.screen.area_mu"))
    area.add_argument("--area-m2", help=_help("help.screen.area_m2"))
    p.add_argument("--investment-wan", help=_help("help.screen.investment_wan"))
    p.add_argument("--tax-wan", help=_help("help.screen.tax_wan"))
    p.add_argument("--output-wan", help=_help("help.screen.output_wan"))
    p.add_argument("--needs", help=_help("help.screen.needs"))
    p.add_argument("--far", help=_help("help.screen.far"))
    p.add_argument("--coverage-pct", help=_help("help.screen.coverage_pct"))
    p.add_argument("--green-pct", help=_help("help.screen.green_pct"))
    p.add_argument("--admin-pct", help=_help("help.screen.admin_pct"))
    p.add_argument("--neighbour", action="append", help=_help("help.screen.neighbour"))
    p.add_argument("--related-industry", action="append", help=_help("help.screen.related_industry"))
    p.add_argument("--payback-weight", type=_weight, metavar="W", help=_help("help.screen.payback_weight"))
    p.add_argument("--top", type=int, help=_help("help.screen.top"))
    p.add_argument("--out", help=_help("help.screen.out"))
    p.set_defaults(func=_cmd_screen)
    p = sub.add_parser("report", parents=[workspace, when, lang], help=_help("cmd.report"))
    p.add_argument("parcel_ids", nargs="*", metavar="PARCEL_ID", help=_help("help.report.parcel_ids"))
    p.add_argument("--all", action="store_true", help=_help("help.report.all"))
    p.add_argument("--park", action="store_true", help=_help("help.report.park"))
    p.add_argument("--format", default="html", choices=["html", "pdf"], help=_help("help.report.format"))
    p.add_argument("--since", help=_help("help.report.since"))
    p.add_argument("--workers", type=int, help=_help("help.report.workers"))
    p.add_argument("--out", required=True, help=_help("help.report.out"))
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("rules", parents=[workspace], help=_help("cmd.rules"))
    p.set_defaults(func=_cmd_rules)

    p = sub.add_parser("export", parents=[workspace, lang], help=_help("cmd.export"))
    p.add_argument("layer", choices=["parcels", "roads", "pipelines", "powerlines", "facilities"],
                   help=_help("help.export.layer"))
    p.add_argument("--format", required=True, choices=["shp", "gpkg", "geojson", "parquet", "coordtxt"],
                   help=_help("help.export.format"))
    p.add_argument("--out", required=True, help=_help("help.export.out"))
    p.add_argument("--crs", help=_help("help.export.crs"))
    p.add_argument("--encoding", default="gbk", choices=["gbk", "utf-8"], help=_help("help.export.encoding"))
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("split", parents=[workspace, lang], help=_help("cmd.split"))
    p.add_argument("parcel_id", help=_help("help.split.parcel_id"))
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--line", help=_help("help.split.line"))
    how.add_argument("--area-m2", type=float, help=_help("help.split.area_m2"))
    how.add_argument("--area-mu", type=float, help=_help("help.split.area_mu"))
    p.add_argument("--ids", help=_help("help.split.ids"))
    p.add_argument("--date", help=_help("help.date"))
    p.set_defaults(func=_cmd_split)

    p = sub.add_parser("merge", parents=[workspace, lang], help=_help("cmd.merge"))
    p.add_argument("parcel_ids", nargs="+", metavar="PARCEL_ID", help=_help("help.merge.parcel_ids"))
    p.add_argument("--id", help=_help("help.merge.id"))
    p.add_argument("--keep", metavar="PARCEL_ID", help=_help("help.merge.keep"))
    p.add_argument("--date", help=_help("help.date"))
    p.set_defaults(func=_cmd_merge)

    p = sub.add_parser("update", parents=[workspace, lang], help=_help("cmd.update"))
    p.add_argument("parcel_id", help=_help("help.update.parcel_id"))
    p.add_argument("--set", action="append", required=True, metavar="COLUMN=VALUE", help=_help("help.update.set"))
    p.add_argument("--date", help=_help("help.date"))
    p.set_defaults(func=_cmd_update)

    p = sub.add_parser("history", parents=[workspace, tables_lang], help=_help("cmd.history"))
    p.add_argument("parcel_id", nargs="?", help=_help("help.history.parcel_id"))
    p.add_argument("--out", help=_help("help.history.out"))
    p.set_defaults(func=_cmd_history)

    p = sub.add_parser("map", parents=[workspace, when, lang], help=_help("cmd.map"))
    p.add_argument("--theme", required=True, metavar="THEME", help=_theme_help())
    p.add_argument("--filter", action="append", metavar="COLUMN=VALUE", help=_help("help.map.filter"))
    p.add_argument("--title", help=_help("help.map.title"))
    p.add_argument("--paper", default="a4", choices=["a4", "a3"], help=_help("help.map.paper"))
    p.add_argument("--out", required=True, help=_help("help.map.out"))
    p.add_argument("--dpi", type=_positive_int, default=200, help=_help("help.map.dpi"))
    p.add_argument("--data-date", help=_help("help.map.data_date"))
    p.set_defaults(func=_cmd_map)

    p = sub.add_parser("app", help=_help("cmd.app"))
    p.add_argument("--workspace", help=_help("help.app.workspace"))
    p.add_argument("--port", type=int, default=8501, help=_help("help.app.port"))
    p.add_argument("--address", default="127.0.0.1", help=_help("help.app.address"))
    p.add_argument("--password-file", metavar="FILE", help=_help("help.app.password_file"))
    p.set_defaults(func=_cmd_app)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    level = logging.ERROR if args.quiet else (logging.DEBUG if args.verbose > 1 else
                                              logging.INFO if args.verbose else logging.WARNING)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    from .history import command_context

    try:
        with command_context(["landplan", *(sys.argv[1:] if argv is None else argv)]):
            return args.func(args)
    except LandplanError as exc:
        flags = {**SET_ELSEWHERE, **FLAGS, **getattr(args, "flags", {})}
        for line in error_words(exc, flags).splitlines() or [""]:  # a rules file: one line per problem
            print(f"landplan: error: {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("landplan: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `landplan rules | head`: the reader has what it wanted
        # what is left in stdout's buffer goes nowhere, not to a traceback at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
