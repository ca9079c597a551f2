"""Writing reports: one parcel, a list, every parcel (``all_parcels``, on all cores) and the park.

One evaluation per run (:func:`landplan.report.context.prepare`), then each parcel's report is
rendered from its row. With several parcels the work is spread over processes (fork: the
workers inherit the prepared context, nothing is pickled but parcel ids and results). A
parcel whose report fails is reported with its reason and the others go on; the batch writes
``index.html`` (links to every report, failures named) and ``summary.csv``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import multiprocessing
import os
import re
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import labels
from ..errors import LandplanError, ParameterError
from ..evaluate import column_label, evaluate, read_evaluation
from ..io.atomic import atomic_path
from ..io.writers import cell_text, write_table
from ..rules import load_ruleset
from ..ruleset import RuleSet, as_ruleset
from ..workspace import Workspace
from . import html as _html
from .context import ReportContext, prepare
from .i18n import LANGS, t
from .model import fmt_value, parcel_report, split_label

__all__ = ["report", "ReportRun", "FORMATS", "report_filename", "render_one", "pdf_fonts"]

log = logging.getLogger(__name__)

FORMATS = ("html", "pdf")
#: Parcels per task handed to a worker process.
CHUNK = 16
#: Fewer parcels than this are rendered in this process (a pool costs more than it saves).
MIN_PARALLEL = 8

_CTX: ReportContext | None = None  # the context workers inherit by fork
_FONTS = None  # the run's reduced CJK fonts (landplan.report.fonts.FontFaces), inherited likewise


@dataclass
class ReportRun:
    """What :func:`report` wrote: files, failures (parcel id, reason), index, summary."""

    out: Path
    fmt: str
    written: dict[str, Path] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    index: Path | None = None
    summary: Path | None = None
    park: Path | None = None

    def lines(self, lang: str = "zh") -> list[str]:
        """What the command line prints, in ``lang``."""
        lines = []
        if self.written or self.failures or self.park is None:  # the park report alone: no "0 reports"
            lines.append(labels.t("cli.report.written", lang, n=len(self.written), fmt=self.fmt.upper(), out=self.out)
                         + (labels.t("cli.report.failed", lang, n=len(self.failures)) if self.failures else ""))
        if self.park is not None:
            lines.append(labels.t("cli.report.park", lang, path=self.park))
        if self.index is not None:
            lines.append(labels.t("cli.report.index", lang, index=self.index, summary=self.summary))
        return lines


#: UTF-8 bytes of a parcel id kept in its report's file name; a longer id is cut there and
#: ends in ``-`` and 8 hex digits of its SHA-1, so that names stay short (a file name holds
#: 255 bytes) and distinct.
NAME_BYTES = 80
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def report_filename(parcel_id: str, fmt: str) -> str:
    """The file name of a parcel's report: the id with anything but letters, digits, ``.-_``
    as ``_``, cut to :data:`NAME_BYTES` bytes plus a hash of the whole id when longer.

    >>> report_filename("340104001001GB00001", "html")
    '340104001001GB00001.html'
    >>> report_filename("宗地/A" * 40, "pdf")
    '宗地_A宗地_A宗地_A宗地_A宗地_A宗地_A宗地_A宗地_A宗地_A宗地_A-4eda5dcb.pdf'
    """
    pid = str(parcel_id)
    stem = re.sub(r"[^\w.-]", "_", pid, flags=re.UNICODE).strip(".") or "parcel"
    if len(stem.encode("utf-8")) > NAME_BYTES:
        cut = stem.encode("utf-8")[:NAME_BYTES].decode("utf-8", errors="ignore").rstrip(".")
        stem = f"{cut}-{hashlib.sha1(pid.encode('utf-8')).hexdigest()[:8]}"
    if stem.split(".")[0].upper() in _RESERVED:  # device names Windows will not open as files
        stem = f"_{stem}"
    return f"{stem}.{fmt}"


def _filenames(ids: list[str], fmt: str) -> dict[str, str]:
    names: dict[str, str] = {}
    used: set[str] = set()
    for pid in ids:
        name = report_filename(pid, fmt)
        stem, n = name.rsplit(".", 1)[0], 2
        while name.lower() in used or name.lower() in {f"index.{fmt}", "index.html", f"park.{fmt}"}:
            name, n = f"{stem}-{n}.{fmt}", n + 1
        used.add(name.lower())
        names[pid] = name
    return names


def _write_text(path: Path, text: str) -> Path:
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return path


def _write(html: str, path: Path, fmt: str, fonts=None) -> Path:
    if fmt == "pdf":
        from .pdf import write_pdf

        return write_pdf(html, path, fonts)
    return _write_text(path, html)


def render_one(ctx: ReportContext, parcel_id: str, path: Path, *, fmt: str = "html", lang: str = "zh",
               fonts=None) -> Path:
    """Render and write one parcel's report (``fonts``: reduced CJK fonts for a PDF, see :func:`pdf_fonts`)."""
    report_ = parcel_report(ctx, parcel_id, lang=lang)
    return _write(_html.render_parcel(report_, pdf=fmt == "pdf"), path, fmt, fonts)


def pdf_fonts(ctx: ReportContext):
    """The reduced CJK fonts for a run's PDFs (built once, cached; ``None``: the system fonts)."""
    from .fonts import reduced_fonts, report_charset

    return reduced_fonts(report_charset(ctx))


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if isinstance(exc, LandplanError) else f"{type(exc).__name__}: {text}"


def _task(items: list[tuple[str, str]], out: str, fmt: str, lang: str) -> list[tuple[str, str | None]]:
    """Render a chunk in a worker; ``(parcel id, None)`` or ``(parcel id, reason)`` each."""
    done = []
    for pid, name in items:
        try:
            render_one(_CTX, pid, Path(out) / name, fmt=fmt, lang=lang, fonts=_FONTS)
            done.append((pid, None))
        except Exception as exc:  # one parcel's failure is reported, the batch goes on
            log.debug("report %s failed", pid, exc_info=True)
            done.append((pid, _one_line(exc)))
    return done


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ParameterError("out", out, "not a folder (a file of that name exists)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ParameterError("out", out, f"cannot create the folder ({exc.strerror or exc})") from None
    probe = out / f".landplan-write-test-{os.getpid()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ParameterError("out", out, f"cannot write there ({exc.strerror or exc})") from None


def _summary_rows(ctx: ReportContext, ids: list[str], names: dict[str, str], run: ReportRun) -> list[dict]:
    table = ctx.table
    cols = [c for c in ("holder", "area_mu", "status", "efficiency_class", "efficiency_score", "tax_per_mu_wan",
                        "idle_status", "readiness", "lifecycle_gap", "contract_check") if c in table.columns]
    rows = []
    for pid in ids:
        row = table.iloc[ctx.position[pid]]
        item = {"parcel_id": pid, **{c: row[c] for c in cols}}
        item["report"] = names[pid] if pid in run.written else ""
        item["result"] = "failed" if pid in run.failures else "ok"
        item["error"] = run.failures.get(pid, "")
        rows.append(item)
    return rows


#: The summary's own columns (beside the evaluation's) → their words in the catalogue.
_SUMMARY_HEADERS = {"report": "report.col.file", "result": "report.col.result", "error": "report.index.error"}


def _write_summary(rows: list[dict], path: Path, lang: str) -> Path:
    """``summary.csv``: one row per parcel, a table for people in the report's language."""
    frame = pd.DataFrame(rows)
    frame["result"] = [t("index.failed" if r == "failed" else "index.ok", lang) for r in frame["result"]]

    def header(column: str, lg: str) -> str:
        return labels.t(_SUMMARY_HEADERS[column], lg) if column in _SUMMARY_HEADERS else column_label(column, lg)

    return write_table(frame, path, labels=lang, header=header)


def _write_index(ctx: ReportContext, rows: list[dict], run: ReportRun, lang: str) -> Path:
    from .. import __version__

    heads = [t("col.parcel", lang), t("col.holder", lang), f"{t('park.area', lang)} ({t('unit.mu', lang)})",
             t("eff.class", lang), split_label("idle_status", lang)[0],
             t("cov.readiness", lang), t("col.file", lang)]
    body = []
    for r in rows:
        cells = [{"text": r["parcel_id"], "cls": ""}, {"text": fmt_value(r.get("holder"), lang), "cls": ""},
                 {"text": cell_text("area_mu", r.get("area_mu"), lang), "cls": "num"},
                 {"text": cell_text("efficiency_class", r.get("efficiency_class"), lang), "cls": ""},
                 {"text": cell_text("idle_status", r.get("idle_status"), lang), "cls": ""},
                 {"text": cell_text("readiness", r.get("readiness"), lang), "cls": ""}]
        failed = r["result"] == "failed"
        body.append({"cells": cells, "href": None if failed else r["report"],
                     "link": f"{t('index.failed', lang)}: {r['error']}" if failed else r["report"]})
    html = _html.render_index(
        title=t("title.index", lang), lang=lang,
        meta=[f"{t('meta.as_of', lang)} {ctx.as_of.isoformat()}", f"{t('meta.year', lang)} {ctx.year or '—'}",
              t("meta.generated", lang, version=__version__)],
        summary=t("index.summary", lang, ok=len(run.written), failed=len(run.failures)), headers=heads, rows=body,
        park=run.park.name if run.park is not None else None, park_label=t("index.park", lang))
    return _write_text(run.out / "index.html", html)


def report(
    workspace: Workspace | str | Path,
    parcel_ids: list[str] | None = None,
    *,
    out: str | Path,
    all_parcels: bool = False,
    park: bool = False,
    fmt: str = "html",
    lang: str = "zh",
    as_of: dt.date | None = None,
    year: int | None = None,
    since: str | Path | None = None,
    workers: int | None = None,
    progress: Callable[[float], None] | None = None,
    rules: RuleSet | Mapping | None = None,
) -> ReportRun:
    """Write per-parcel evaluation reports (按地块评价报告) and/or the park report.

    Parameters
    ----------
    workspace : Workspace or path
    parcel_ids : list of str, optional
        The parcels to report; each must exist (else :class:`LandplanError` naming it).
    out : path
        Output folder (created when missing).
    all_parcels : bool
        Every parcel of the workspace, plus ``index.html`` and ``summary.csv``.
    park : bool
        Also (or only, without parcels) the park report ``park.<fmt>``.
    fmt : {"html", "pdf"}
    lang : {"zh", "en"}
    as_of, year : optional
        Evaluation date and ledger year (see :func:`landplan.evaluate.evaluate`).
    since : path, optional
        An evaluation from the start of the year, for the park report's target progress.
    workers : int, optional
        Processes for several parcels (default: all cores).
    progress : callable, optional
        Called with the fraction done (0–1) as reports are written.
    rules : RuleSet, optional
        The typed rules (default: the workspace's, :func:`landplan.rules.load_ruleset`).

    Returns
    -------
    ReportRun
        The files written and the parcels that failed (with one-line reasons).
    """
    if fmt not in FORMATS:
        raise ParameterError("fmt", fmt, "write html or pdf")
    if lang not in LANGS:
        raise ParameterError("lang", lang, "use zh or en")
    if not parcel_ids and not all_parcels and not park:
        raise LandplanError("name parcel ids, or give `all_parcels` or `park`")
    ws = workspace if isinstance(workspace, Workspace) else Workspace(workspace)
    out = Path(out)
    _check_out(out)
    before = read_evaluation(since) if since is not None else None
    rules = as_ruleset(rules) if rules is not None else load_ruleset(ws)
    table = evaluate(ws, as_of=as_of, year=year, rules=rules)
    known = set(table["parcel_id"].astype(str))
    ids = list(dict.fromkeys(str(p) for p in (table["parcel_id"] if all_parcels else parcel_ids or [])))
    unknown = [p for p in ids if p not in known]
    if unknown:
        source = ws.existing_path("parcels")
        more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
        raise LandplanError(f"{source}: no parcel with parcel_id {unknown[0]!r}{more}; "
                            f"the layer has {len(known)} parcels")
    ctx = prepare(ws, ids, rules=rules, table=table)
    run = ReportRun(out=out, fmt=fmt)
    fonts = pdf_fonts(ctx) if fmt == "pdf" else None
    if park:
        from .park import park_report

        html = _html.render_park(park_report(ctx, lang=lang, before=before), pdf=fmt == "pdf")
        run.park = _write(html, out / f"park.{fmt}", fmt, fonts)
    names = _filenames(ids, fmt)
    _render_all(ctx, ids, names, run, fmt=fmt, lang=lang, workers=workers, progress=progress, fonts=fonts)
    if all_parcels or len(ids) > 1:
        rows = _summary_rows(ctx, ids, names, run)
        run.summary = _write_summary(rows, out / "summary.csv", lang)
        run.index = _write_index(ctx, rows, run, lang)
    return run


def _render_all(ctx: ReportContext, ids: list[str], names: dict[str, str], run: ReportRun, *, fmt: str,
                lang: str, workers: int | None, progress, fonts=None) -> None:
    global _CTX, _FONTS
    workers = max(1, workers or os.cpu_count() or 1)
    items = [(pid, names[pid]) for pid in ids]
    chunks = [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]
    done = 0

    def collect(results: list[tuple[str, str | None]]) -> None:
        nonlocal done
        for pid, error in results:
            if error is None:
                run.written[pid] = run.out / names[pid]
            else:
                run.failures[pid] = error
                log.warning("report %s failed: %s", pid, error)
        done += len(results)
        if progress is not None and items:
            progress(done / len(items))

    _CTX, _FONTS = ctx, fonts
    if fmt == "pdf":
        from .pdf import preload

        preload()  # import WeasyPrint once, before the fork
    try:
        if workers == 1 or len(items) < MIN_PARALLEL or "fork" not in multiprocessing.get_all_start_methods():
            for chunk in chunks:
                collect(_task(chunk, str(run.out), fmt, lang))
            return
        with ProcessPoolExecutor(max_workers=min(workers, len(chunks)),
                                 mp_context=multiprocessing.get_context("fork")) as pool:
            futures = [pool.submit(_task, chunk, str(run.out), fmt, lang) for chunk in chunks]
            for future in as_completed(futures):
                collect(future.result())
    finally:
        _CTX = _FONTS = None
