"""Reports: a RunResult becomes report.html / report.pdf (bureau) and self-check pages.

One set of jinja2 templates (autoescape on) renders HTML; the PDF is the same HTML
through WeasyPrint. Frames are summarised with polars first (audit.report.frames), so
the templates only lay out rows that are already computed, formatted and masked."""

from __future__ import annotations

import hashlib
import os
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import polars as pl

from audit.errors import OutputError
from audit.money import fen_to_yuan_expr
from audit.report.charts import bar_chart_svg
from audit.report.context import bureau_context, lang_of, selfcheck_context, selfcheck_parts
from audit.report.frames import mask_ids_in_text, run_id, yuan
from audit.report.labels import FIX_HINTS, LABELS, fix_hint, item_label
from audit.report.render import TEMPLATES, html_to_pdf, progress, render_html

__all__ = [
    "write_bureau_report",
    "write_selfcheck",
    "write_selfchecks",
    "bureau_context",
    "selfcheck_context",
    "render_html",
    "html_to_pdf",
    "bar_chart_svg",
    "fix_hint",
    "item_label",
    "yuan",
    "run_id",
    "LABELS",
    "FIX_HINTS",
    "TEMPLATES",
]


def _csv_attachments(result, out: Path) -> list[tuple[str, bytes, str]]:
    """ledger.csv and findings.csv for the archived PDF: the very files write_outputs
    wrote beside the report when present, else made here the same way."""
    from audit.privacy import defuse_frame

    if (out / "ledger.csv").is_file() and (out / "findings.csv").is_file():
        return [
            ("ledger.csv", (out / "ledger.csv").read_bytes(), "ledger / 补贴明细"),
            ("findings.csv", (out / "findings.csv").read_bytes(), "findings / 稽核发现"),
        ]

    ledger = (
        result.ledger.sort("institution_id", "program", "item", "period", "payer")
        .with_columns(
            fen_to_yuan_expr(pl.col("rate_fen")).alias("rate_fen"),
            fen_to_yuan_expr(pl.col("amount_fen")).alias("amount_fen"),
        )
        .rename({"rate_fen": "rate", "amount_fen": "amount"})
    )
    findings = result.findings.with_columns(
        mask_ids_in_text(pl.col(c)) for c in ("message", "evidence") if c in result.findings.columns
    )
    return [
        ("ledger.csv", defuse_frame(ledger).write_csv().encode("utf-8"), "ledger / 补贴明细"),
        ("findings.csv", defuse_frame(findings).write_csv().encode("utf-8"), "findings / 稽核发现"),
    ]


def write_bureau_report(result, out_dir, signing=None) -> list[Path]:
    """Write report.html and report.pdf (PDF/A-3u with ledger.csv and findings.csv attached).
    `signing` (audit.report.signing.Signing): unit, signers, date, status, ledger appendix."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        html_text = render_html("bureau.html", bureau_context(result, signing))
        html_path, pdf_path = out / "report.html", out / "report.pdf"
        html_path.write_text(html_text, encoding="utf-8")
        html_to_pdf(html_text, pdf_path, _csv_attachments(result, out), archival=True)
    except OSError as e:
        raise OutputError(f"无法写出报告到 {out}: {e}") from e
    return [html_path, pdf_path]


def safe_name(institution_id: str) -> str:
    """An institution id made safe as part of a file name (at most 80 characters: a longer
    id keeps its head and a hash of the whole, so names stay distinct and legal)."""
    name = re.sub(r"[^\w.-]", "_", str(institution_id)) or "_"
    return name if len(name) <= 80 else f"{name[:64]}_{hashlib.sha256(name.encode()).hexdigest()[:12]}"


def _selfcheck_html(result, institution_id: str, out: Path, parts: dict) -> tuple[Path, str, Path]:
    html_text = render_html("selfcheck.html", selfcheck_context(result, institution_id, parts))
    base = f"selfcheck_{safe_name(institution_id)}"
    html_path = out / f"{base}.html"
    html_path.write_text(html_text, encoding="utf-8")
    return html_path, html_text, out / f"{base}.pdf"


def write_selfcheck(result, institution_id: str, out_dir, deadline: str | None = None) -> list[Path]:
    """Write selfcheck_<id>.html and .pdf for one institution into out_dir."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        html_path, html_text, pdf_path = _selfcheck_html(result, institution_id, out, selfcheck_parts(result, deadline))
        html_to_pdf(html_text, pdf_path)
    except OSError as e:
        raise OutputError(f"无法写出自查报告到 {out}: {e}") from e
    return [html_path, pdf_path]


def _pdf_job(args) -> str:
    html_text, pdf_path = args
    html_to_pdf(html_text, Path(pdf_path))
    return pdf_path


def default_jobs() -> int:
    """Processes for rendering many PDFs: the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def write_selfchecks(
    result, institution_ids: list[str], out_dir, workers: int | None = None, deadline: str | None = None
) -> list[Path]:
    """Self-checks for many institutions from one computed run: HTML here, PDFs rendered
    across `workers` processes (default: one per CPU; WeasyPrint is single-threaded, so
    documents are the unit of parallelism, and each process keeps one font configuration)."""
    out = Path(out_dir)
    workers = workers or default_jobs()
    written: list[Path] = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        parts = selfcheck_parts(result, deadline)

        def jobs():
            """Each home's HTML, made as the workers ask for it: they start on the first PDFs
            while the rest of the HTML is still being written."""
            for iid in institution_ids:
                html_path, html_text, pdf_path = _selfcheck_html(result, iid, out, parts)
                written.append(html_path)
                yield html_text, str(pdf_path)

        label = LABELS[lang_of(result)]["rendering"]
        n = len(institution_ids)
        if workers > 1 and n > 2:
            # chunks of a few documents: no round trip per page, and the last chunks end together
            chunk = max(1, min(4, n // (workers * 8)))
            with (
                ProcessPoolExecutor(max_workers=workers) as pool,
                progress(pool.map(_pdf_job, jobs(), chunksize=chunk), label, n) as done,
            ):
                pdfs = [Path(p) for p in done]
        else:
            with progress(jobs(), label, n) as todo:
                pdfs = [Path(_pdf_job(j)) for j in todo]
        written += pdfs
    except OSError as e:
        raise OutputError(f"无法写出自查报告到 {out}: {e}") from e
    return written
