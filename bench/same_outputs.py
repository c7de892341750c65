"""Are a change's outputs byte-identical to another commit's? (not a test)

Exports `--against` (default main) with `git archive` into a temporary folder, then for
every pack runs `audit run --no-report` on the same data twice — once with that code (put
first on PYTHONPATH), once with this checkout's — and `cmp`s every file the two runs wrote
(ledger.csv/.xlsx, findings.csv/.xlsx, manifest.json, approved.csv). Prints one line per
file and exits 1 on any difference. Each child gets POLARS_MAX_THREADS=1 and `nice`, so
it can run beside other work; it prints no timings (bench/floor_ratio.py does).

    .venv/bin/python bench/same_outputs.py --data /tmp/n40k        # audit synth --institutions 40000 --format parquet
    .venv/bin/python bench/same_outputs.py --data demo/demo.xlsx --against 558f827 --packs shaoxing
"""

from __future__ import annotations

import argparse
import filecmp
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKS = ("shaoxing", "jiayuguan", "dongyang", "linfen", "baodi")


def run(code: Path | None, data: Path, pack: str, year: int, out: Path) -> None:
    env = {**os.environ, "POLARS_MAX_THREADS": "1"}
    if code is not None:  # the exported commit's package shadows the editable install
        env["PYTHONPATH"] = str(code)
    cmd = ["nice", "-n", "10", sys.executable, "-c", "from audit.cli import main; main()", "run", "--policy", pack,
           "--year", str(year), "--data", str(data), "--out", str(out), "--no-report"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=out.parent)
    if done.returncode not in (0, 1):  # 1: error findings, outputs written
        raise SystemExit(f"{pack} ({code or 'this checkout'}) failed ({done.returncode}):\n{done.stderr[-2000:]}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--against", default="main", help="commit to compare with (default main)")
    ap.add_argument("--packs", nargs="+", default=list(PACKS))
    ap.add_argument("--year", type=int, default=2024)
    args = ap.parse_args(argv)
    data = args.data.resolve()
    differ = 0
    with tempfile.TemporaryDirectory(prefix="audit-same-") as tmp:
        tmp = Path(tmp)
        archive = subprocess.run(["git", "archive", args.against, "audit", "schemas", "templates"], cwd=ROOT,
                                 capture_output=True, check=True).stdout
        (tmp / "code.tar").write_bytes(archive)
        with tarfile.open(tmp / "code.tar") as tar:
            tar.extractall(tmp / "code", filter="data")
        for pack in args.packs:
            before, after = tmp / f"{pack}-before", tmp / f"{pack}-after"
            run(tmp / "code", data, pack, args.year, before)
            run(None, data, pack, args.year, after)
            names = sorted({p.name for p in before.iterdir()} | {p.name for p in after.iterdir()})
            for name in names:
                a, b = before / name, after / name
                same = a.is_file() and b.is_file() and filecmp.cmp(a, b, shallow=False)
                differ += not same
                print(f"{'same' if same else 'DIFFERENT':<9} {pack:<10} {name}", flush=True)
    print(f"{differ} file(s) differ from {args.against}" if differ else f"all identical to {args.against}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
