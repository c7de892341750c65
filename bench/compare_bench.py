"""Benchmark `audit compare` against a single `audit run` on the same synthetic data (not a test).

For each size (default 40,000 institutions) it generates data with `audit synth`, then
times, each in its own child process, `audit run --no-report` and `audit compare
--no-report` with one proposed rate change, and prints wall time, the child's peak
memory (bench/measure.py) and compare ÷ run. The
data is read and validated once by compare, so the ratio stays under ~2 (two passes of
the calculators and checks, one read). The same pair is then timed as API calls
(`audit.run` / `audit.compare`, nothing written), the computation alone.

    .venv/bin/python bench/compare_bench.py                  # 40,000
    .venv/bin/python bench/compare_bench.py --sizes 1000 40000
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
    ap.add_argument("--sizes", type=int, nargs="+", default=[40000])
    ap.add_argument("--policy", default="shaoxing")
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--format", default="parquet", choices=["csv", "parquet", "xlsx"])
    ap.add_argument("--proposal-set", default="operating_grant.rate_by_rating_level.5=200")
    ap.add_argument("--keep", action="store_true", help="keep the generated data and outputs")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="audit-bench-compare-"))
    print(f"{'institutions':>12} {'command':>8} {'wall s':>8} {'peak MB':>9} {'exit':>5}  outputs")
    try:
        for n in args.sizes:
            data = work / f"data_{n}"
            subprocess.run(AUDIT + ["synth", "--institutions", str(n), "--seed", str(args.seed), "--year",
                                    str(args.year), "--format", args.format, "--out", str(data)],
                           check=True, capture_output=True)
            common = ["--policy", args.policy, "--year", str(args.year), "--data", str(data), "--no-report"]
            measured = {}
            for name, extra in (("run", []), ("compare", ["--proposal-set", args.proposal_set])):
                out = work / f"{name}_{n}"
                # run exits 1 on synthetic data (planted breaches are error findings); compare exits 0
                wall, mb, rc, _ = timed(AUDIT + [name, *common, *extra, "--out", str(out)])
                measured[name] = (wall, mb)
                files = ", ".join(sorted(p.name for p in out.iterdir())) if out.exists() else "(none)"
                print(f"{n:>12,} {name:>8} {wall:>8.1f} {mb:>9,} {rc:>5}  {files}", flush=True)
            (rw, rm), (cw, cm) = measured["run"], measured["compare"]
            print(f"{n:>12,} {'ratio':>8} {cw / rw:>8.2f} {cm / max(rm, 1):>9.2f}        compare ÷ run", flush=True)
            # the computation alone (no files written): audit.run against audit.compare
            api = {}
            for name, call in (("run", f"audit.run({str(data)!r}, {args.policy!r}, {args.year})"),
                               ("compare", (f"audit.compare({str(data)!r}, {args.policy!r}, {args.year}, "
                                            f"proposal_sets=[{args.proposal_set!r}])"))):
                wall, mb, rc, _ = timed([sys.executable, "-c", f"import audit; {call}"])
                api[name] = (wall, mb)
                print(f"{n:>12,} {'api ' + name:>12} {wall:>8.1f} {mb:>9,} {rc:>5}  (no outputs)", flush=True)
            (rw, rm), (cw, cm) = api["run"], api["compare"]
            print(f"{n:>12,} {'ratio':>8} {cw / rw:>8.2f} {cm / max(rm, 1):>9.2f}        api compare ÷ api run",
                  flush=True)
    finally:
        if args.keep:
            print(f"kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    t0 = time.perf_counter()
    rc = main()
    print(f"total {time.perf_counter() - t0:.0f} s")
    sys.exit(rc)
