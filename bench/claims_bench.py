"""Benchmark the claims audit (issue 12) on synthetic data (not a test).

`audit synth --institutions N` writes, besides the usual tables, a full 申报名册
(claim_residents: every month each stay is in residence, ≈ 25 million rows at 40,000
institutions), claims, payments, a death register and an assistance roster. This times
`audit run --no-report` on it — reading, validating, the ledger with the registers
applied, the per-resident discrepancies and the reconciliation — in a child process,
and prints wall time and the child's peak memory. The issue's bar: 40,000 institutions
within 8 GB.

    .venv/bin/python bench/claims_bench.py                  # 40,000 institutions
    .venv/bin/python bench/claims_bench.py --sizes 2000 40000
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
from measure import AUDIT, load, timed  # noqa: E402

def rows(path: Path) -> int:
    import polars as pl

    return pl.scan_parquet(path).select(pl.len()).collect().item()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[40000])
    ap.add_argument("--policy", default="shaoxing")
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the generated data and outputs")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="audit-claims-bench-"))
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  {os.cpu_count()} CPUs  load {load()}")
    print(f"{'institutions':>12} {'claim rows':>11} {'synth s':>8} {'run s':>8} {'cpu s':>8} {'peak MB':>8} {'exit':>5}  "
          "reconciliation rows")
    try:
        for n in args.sizes:
            data, out = work / f"data_{n}", work / f"out_{n}"
            t = time.perf_counter()
            subprocess.run(AUDIT + ["synth", "--institutions", str(n), "--seed", str(args.seed), "--year",
                                    str(args.year), "--format", "parquet", "--out", str(data)],
                           check=True, capture_output=True)
            synth_s = time.perf_counter() - t
            wall, mb, rc, cpu = timed(AUDIT + ["run", "--policy", args.policy, "--year", str(args.year), "--data", str(data),
                                          "--out", str(out), "--no-report"])
            recon = out / "reconciliation.csv"
            n_recon = sum(1 for _ in recon.open(encoding="utf-8-sig")) - 1 if recon.exists() else 0
            print(f"{n:>12,} {rows(data / 'claim_residents.parquet'):>11,} {synth_s:>8.1f} {wall:>8.1f} {cpu:>8.1f} "
                  f"{mb:>8,} {rc:>5}  {n_recon:,}  (load {load()})", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept: {work}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
