"""Benchmark `audit run` on synthetic data (not a test).

For each size (default 1,000 and 40,000 institutions) it generates data with
`audit synth`, then times `audit run --no-report` (read, validate, calculators, checks,
ledger/findings/manifest) in a child process and reports wall time and the child's peak
memory (bench/measure.py). With --report-up-to N,
sizes up to N are also timed with the HTML/PDF report (WeasyPrint dominates there).

    .venv/bin/python bench/run_bench.py                     # 1,000 and 40,000
    .venv/bin/python bench/run_bench.py --sizes 1000 --report-up-to 1000
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from measure import AUDIT, timed  # noqa: E402

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 40000])
    ap.add_argument("--policy", default="shaoxing")
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--format", default="parquet", choices=["csv", "parquet", "xlsx"])
    ap.add_argument("--keep", action="store_true", help="keep the generated data and outputs")
    ap.add_argument("--report-up-to", type=int, default=0, help="also time the full run with report up to this size")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="audit-bench-"))
    print(f"{'institutions':>12} {'mode':>9} {'synth s':>8} {'run s':>8} {'run peak MB':>12} {'exit':>5}  outputs")
    try:
        for n in args.sizes:
            data, out = work / f"data_{n}", work / f"out_{n}"
            t = time.perf_counter()
            subprocess.run(AUDIT + ["synth", "--institutions", str(n), "--seed", str(args.seed), "--year",
                                    str(args.year), "--format", args.format, "--out", str(data)],
                           check=True, capture_output=True)
            synth_s = time.perf_counter() - t
            modes = ["--no-report"] + (["--report"] if n <= args.report_up_to else [])
            for mode in modes:
                # exit 1 is expected: synthetic data plants rule breaches (error findings)
                wall, mb, rc, _ = timed(AUDIT + ["run", "--policy", args.policy, "--year", str(args.year),
                                              "--data", str(data), "--out", str(out), mode])
                files = ", ".join(sorted(p.name for p in out.iterdir())) if out.exists() else "(none)"
                print(f"{n:>12,} {mode.strip('-'):>9} {synth_s:>8.1f} {wall:>8.1f} {mb:>12,} {rc:>5}  {files}",
                      flush=True)
    finally:
        if args.keep:
            print(f"kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
