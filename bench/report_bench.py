"""Benchmark (not a test): the bureau report for N institutions (HTML + PDF) and
--each self-check PDFs for N institutions across --jobs processes, each beside bare
WeasyPrint rendering the very same HTML on the same machine; prints wall time, peak
memory (this process and its worker processes) and the load average.

    .venv/bin/python bench/report_bench.py                 # real pipeline on synth(2000, seed=7)
    .venv/bin/python bench/report_bench.py -n 200 --fake   # report rendering only, frames made up here
    .venv/bin/python bench/report_bench.py --bare-dir OUT   # pages of `audit selfcheck --each --out OUT`,
                                                           # and bare WeasyPrint on a sample of its HTML

Results and the machine's load at the time: bench/RESULTS.md ("Documents (issue 13)"). The
figures below are older history.

Measured 2026-11-23 on the shared 2-vCPU box (nice 19, load ≈ 3-5 from other work, so
upper bounds): synth(2000, seed=7) → 4,884 ledger lines; bureau report 215 s for 542
PDF pages, peak RSS 2.35 GB; --each 2,000 self-checks in 637 s (3.1 reports/s over 2
processes), peak RSS 0.6 GB in the main process and 0.6 GB per worker.

After the ledger became a few tables with a heading row per institution (instead of a
table per institution) and the summary got a wider name column: bureau report for
synth(2000, seed=7) 109 s for 458 pages, peak RSS 1.8 GB (load ≈ 4, same box); at 300
institutions 25.0 s → 13.8 s back to back (89 → 75 pages). A second 2000 run after
later content changes (longer basis texts): 95.5 s for 511 pages, peak RSS 1.8 GB.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audit import report  # noqa: E402


def peak_mb() -> tuple[float, float]:
    """Peak resident memory (MB) of this process and of its finished children (Linux: KB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def real_result(n: int, seed: int, tmp: Path):
    """synth(n, seed) written as CSV, then the whole pipeline (audit.pipeline)."""
    from audit.pipeline import run
    from audit.data.synthetic import synth, write_synth

    data = tmp / "data"
    write_synth(synth(n, seed), data, "csv")
    return run(data, "shaoxing", 2024)


def fake_result(n: int, seed: int):
    """Frames shaped like a RunResult, made up without the calculators: 4 ledger lines,
    12 staffing months and one finding per institution."""
    from audit.policy import load_pack
    from audit.data.synthetic import synth

    inst = synth(n, seed)["institutions"]
    ids = inst.select("institution_id")
    items = pl.DataFrame({"program": ["construction", "operating", "operating", "insurance"],
                          "item": ["self_built_beds", "resident_months_level_3", "disability_supplement",
                                   "premium_share"],
                          "payer": ["city", "city", "county", "province"]})
    ledger = ids.join(items, how="cross").with_columns(
        period=pl.lit("2024"), quantity=(pl.col("institution_id").hash(seed) % 500 + 1).cast(pl.Int64),
        rate_fen=pl.lit(5000, pl.Int64)).with_columns(
        amount_fen=pl.col("quantity") * pl.col("rate_fen"), rule=pl.col("program"),
        citation=pl.lit("绍兴 实施意见 重点工作(五)4"), basis=pl.lit("数量 × 标准"))
    months = pl.DataFrame({"month_end": pl.date_range(date(2024, 1, 1), date(2024, 12, 1), "1mo",
                                                      eager=True).dt.month_end()})
    staffing = ids.join(months, how="cross").with_columns(
        required=(pl.col("institution_id").hash(seed) % 9 + 1).cast(pl.Int64),
        actual=(pl.col("institution_id").hash(seed + 1) % 9 + 1).cast(pl.Float64)).with_columns(
        shortfall=(pl.col("required") - pl.col("actual")).clip(lower_bound=0))
    findings = ids.with_columns(rule=pl.lit("staffing_ratio"), severity=pl.lit("warning"),
                                message=pl.lit("护理员配备不足"), evidence=pl.lit("required=8 actual=6.5"),
                                citation=pl.lit("绍兴 实施意见"), period=pl.lit("2024-06"))
    return SimpleNamespace(dataset=SimpleNamespace(tables={"institutions": inst}, sources={}),
                           pack=load_pack("shaoxing"), year=2024, lang="zh", ledger=ledger,
                           findings=findings, staffing=staffing, manifest={"bench": True})


def cpu() -> float:
    """CPU seconds (user + system) of this process and its finished children: steadier than
    wall time on a shared machine."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def bare_weasyprint(html_text: str, pdf_path: Path) -> tuple[float, float, int]:
    """WeasyPrint alone on HTML we made (the same report.html / selfcheck_*.html): wall and
    CPU seconds and pages, nothing of ours (frames, templates, PDF/A attachments) involved."""
    import weasyprint

    from audit.resources import TEMPLATES

    t, c = time.perf_counter(), cpu()
    doc = weasyprint.HTML(string=html_text, base_url=str(TEMPLATES)).render()
    doc.write_pdf(pdf_path)
    return time.perf_counter() - t, cpu() - c, len(doc.pages)


def bare_on_folder(folder: Path, sample: int, jobs: int) -> None:
    """Pages of every selfcheck_*.pdf a finished `audit selfcheck --each` wrote (time that run
    itself with /usr/bin/time -v), and bare WeasyPrint on an evenly spread sample of its HTML."""
    from pypdf import PdfReader

    pdfs = sorted(folder.glob("selfcheck_*.pdf"))
    pages = [len(PdfReader(p).pages) for p in pdfs]
    spread = {n: pages.count(n) for n in sorted(set(pages))}
    print(f"{len(pdfs)} self-checks, {sum(pages)} pages, {sum(pages) / max(1, len(pdfs)):.2f} per self-check; "
          f"pages: homes {spread}")
    htmls = sorted(folder.glob("selfcheck_*.html"))
    chosen = htmls[:: max(1, len(htmls) // sample)][:sample]
    spent, spent_cpu, n_pages = 0.0, 0.0, 0
    with tempfile.TemporaryDirectory() as d:
        for h in chosen:
            s, c, p = bare_weasyprint(h.read_text(encoding="utf-8"), Path(d) / "bare.pdf")
            spent, spent_cpu, n_pages = spent + s, spent_cpu + c, n_pages + p
    print(f"bare WeasyPrint on {len(chosen)} of them: {spent / len(chosen):.3f} s ({spent_cpu / len(chosen):.3f} s CPU) "
          f"each, {n_pages / len(chosen):.2f} pages each, {n_pages / spent_cpu:.2f} pages per CPU second → "
          f"{spent_cpu / len(chosen) * len(htmls):.0f} s CPU for all {len(htmls)}, "
          f"{spent_cpu / len(chosen) * len(htmls) / jobs:.0f} s over {jobs} quiet cores   {load()}")


def load() -> str:
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=2000, help="institutions (default 2000)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--fake", action="store_true", help="skip the pipeline; time report rendering only")
    ap.add_argument("--skip-each", action="store_true")
    ap.add_argument("--skip-bureau", action="store_true")
    ap.add_argument("--jobs", type=int, default=None, help="processes for --each (default: CPUs)")
    ap.add_argument("--sample", type=int, default=60, help="self-checks rendered by bare WeasyPrint (default 60)")
    ap.add_argument("--bare-dir", type=Path, help="only: pages and bare WeasyPrint of an existing --each output folder")
    args = ap.parse_args()
    from pypdf import PdfReader

    from audit.report import default_jobs

    jobs = args.jobs or default_jobs()
    print(f"{os.cpu_count()} CPUs, {load()}")
    if args.bare_dir:
        bare_on_folder(args.bare_dir, args.sample, jobs)
        return
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        t0 = time.perf_counter()
        result = fake_result(args.n, args.seed) if args.fake else real_result(args.n, args.seed, tmp)
        t1 = time.perf_counter()
        print(f"data + pipeline: {t1 - t0:7.1f} s   ledger rows {result.ledger.height}")
        if not args.skip_bureau:
            c1 = cpu()
            report.write_bureau_report(result, tmp / "bureau")
            took, took_cpu = time.perf_counter() - t1, cpu() - c1
            pages = len(PdfReader(tmp / "bureau" / "report.pdf").pages)
            size = (tmp / "bureau" / "report.pdf").stat().st_size / 1e6
            bare, bare_cpu, _ = bare_weasyprint((tmp / "bureau" / "report.html").read_text(encoding="utf-8"),
                                                tmp / "bare.pdf")
            print(f"bureau report:   {took:7.1f} s ({took_cpu:.1f} s CPU)   PDF {size:.1f} MB, {pages} pages, "
                  f"peak RSS {peak_mb()[0]:.0f} MB")
            print(f"  bare WeasyPrint on the same report.html: {bare:7.1f} s ({bare_cpu:.1f} s CPU)  → report ÷ bare = "
                  f"{took / bare:.2f} wall, {took_cpu / bare_cpu:.2f} CPU (target: report ≤ 60 s)   {load()}")
        if not args.skip_each:
            ids = sorted(result.dataset.tables["institutions"]["institution_id"].to_list())
            t2, c2 = time.perf_counter(), cpu()
            report.write_selfchecks(result, ids, tmp / "each", workers=jobs)
            t3, each_cpu = time.perf_counter(), cpu() - c2
            own, kids = peak_mb()
            print(f"selfcheck --each ({len(ids)}, {jobs} processes): {t3 - t2:7.1f} s ({each_cpu:.0f} s CPU)   "
                  f"{len(ids) / (t3 - t2):.1f} reports/s; peak RSS main {own:.0f} MB, worker {kids:.0f} MB "
                  f"(target ≤ 600 s for 2,000)   {load()}")
            # bare: WeasyPrint on an evenly spread sample of the very same HTML files, one process,
            # scaled to all of them over the same number of processes
            htmls = sorted((tmp / "each").glob("*.html"))
            step = max(1, len(htmls) // args.sample)
            sample = htmls[::step][:args.sample]
            spent, spent_cpu, pages = 0.0, 0.0, 0
            for h in sample:
                s, c, p = bare_weasyprint(h.read_text(encoding="utf-8"), tmp / "bare.pdf")
                spent, spent_cpu, pages = spent + s, spent_cpu + c, pages + p
            projected = spent / len(sample) * len(htmls) / jobs
            projected_cpu = spent_cpu / len(sample) * len(htmls)
            print(f"  bare WeasyPrint on {len(sample)} of the same selfcheck HTMLs: {spent / len(sample):.2f} s each "
                  f"({spent_cpu / len(sample):.2f} s CPU), {pages / len(sample):.1f} pages each → {projected:.0f} s for "
                  f"{len(htmls)} over {jobs} processes ({projected_cpu:.0f} s CPU); --each ÷ bare = "
                  f"{(t3 - t2) / projected:.2f} wall, {each_cpu / projected_cpu:.2f} CPU   {load()}")


if __name__ == "__main__":
    main()
