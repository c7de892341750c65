"""Benchmark (not a test): the bureau report for N institutions (HTML + PDF) and
--each self-check PDFs for N institutions across 2 processes; prints wall time and
peak memory (this process and its worker processes).

    .venv/bin/python bench/report_bench.py                 # real pipeline on synth(2000, seed=7)
    .venv/bin/python bench/report_bench.py -n 200 --fake   # report rendering only, frames made up here

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


def bare_weasyprint(pages: int = 40) -> float:
    """WeasyPrint's own speed on this machine: pages/s for plain A4 pages of a Chinese table
    in the report's font, nothing of ours (templates, frames, charts) involved."""
    import weasyprint

    row = ("<tr><td>YL{i:05d}</td><td>某某区某某镇第{i}养老服务中心</td><td>越城区</td>"
           "<td class=n>{a:,}.00</td><td class=n>{b:,}.00</td></tr>")
    # a moderate table per page, as the report lays out (one huge table is not what we render)
    tables = "".join("<table>" + "".join(row.format(i=p * 38 + k, a=(p * 38 + k) * 1234 % 99999,
                                                     b=(p * 38 + k) * 777 % 99999) for k in range(38)) + "</table>"
                     for p in range(pages))
    html = ("<html><head><style>@page{size:A4;margin:16mm 12mm}body{font-family:'Noto Sans CJK SC';font-size:9pt}"
            "table{border-collapse:collapse;width:100%;break-after:page}td{border:0.5pt solid #999;padding:1.5pt 3pt}"
            ".n{text-align:right}</style></head><body>" + tables + "</body></html>")
    t = time.perf_counter()
    doc = weasyprint.HTML(string=html).render()
    doc.write_pdf(Path(tempfile.gettempdir()) / "bare-weasyprint.pdf")
    return len(doc.pages) / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=2000, help="institutions (default 2000)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--fake", action="store_true", help="skip the pipeline; time report rendering only")
    ap.add_argument("--skip-each", action="store_true")
    ap.add_argument("--skip-bureau", action="store_true")
    args = ap.parse_args()
    bare = bare_weasyprint()
    print(f"bare WeasyPrint:  {bare:7.1f} pages/s (plain Chinese table pages, same font, same machine)")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        t0 = time.perf_counter()
        result = fake_result(args.n, args.seed) if args.fake else real_result(args.n, args.seed, tmp)
        t1 = time.perf_counter()
        print(f"data + pipeline: {t1 - t0:7.1f} s   ledger rows {result.ledger.height}")
        if not args.skip_bureau:
            report.write_bureau_report(result, tmp / "bureau")
            from pypdf import PdfReader
            pages = len(PdfReader(tmp / "bureau" / "report.pdf").pages)
            size = (tmp / "bureau" / "report.pdf").stat().st_size / 1e6
            took = time.perf_counter() - t1
            print(f"bureau report:   {took:7.1f} s   PDF {size:.1f} MB, pages {pages}; "
                  f"{pages / took:.1f} pages/s = {pages / took / bare:.2f} × bare WeasyPrint; "
                  f"peak RSS {peak_mb()[0]:.0f} MB")
        t2 = time.perf_counter()
        if not args.skip_each:
            from pypdf import PdfReader

            ids = sorted(result.dataset.tables["institutions"]["institution_id"].to_list())
            report.write_selfchecks(result, ids, tmp / "each", workers=2)
            t3 = time.perf_counter()
            own, kids = peak_mb()
            each_pages = sum(len(PdfReader(p).pages) for p in sorted((tmp / "each").glob("*.pdf"))[:50])
            per_doc = each_pages / min(50, len(ids))
            rate = len(ids) * per_doc / (t3 - t2)
            print(f"--each ({len(ids)}):  {t3 - t2:7.1f} s   {len(ids) / (t3 - t2):.1f} reports/s, "
                  f"~{per_doc:.1f} pages each, {rate:.1f} pages/s over 2 processes = {rate / bare:.2f} × bare "
                  f"WeasyPrint (one process); peak RSS main {own:.0f} MB, worker {kids:.0f} MB")


if __name__ == "__main__":
    main()
