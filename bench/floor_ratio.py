"""How far `audit run --no-report` is from the floor (bench/floor.py), not a test.

For each size it generates parquet data once (`audit synth --seed 1 --format parquet`),
then for each pack runs floor and run interleaved (floor, run, floor, run, …) on the
same data, each in a fresh child process, and prints wall time, peak memory (the
child's own ru_maxrss) and the median of the per-pair ratios. A last run per pack
goes through the same API in one process with the clock and the peak memory reset at
each stage (read+normalise+validate, policy, calculators, checks, writing), to show
where the time goes. The machine is shared: measure interleaved, read the ratios; the
CPU seconds (user + system) of each child are printed too, steadier than wall time
when other work competes for the cores.

    .venv/bin/python bench/floor_ratio.py                          # 1,000, all five packs
    .venv/bin/python bench/floor_ratio.py --sizes 40000 --packs shaoxing jiayuguan
    .venv/bin/python bench/floor_ratio.py --sizes 1000 40000 100000 --repeats 3 --no-stages
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKS = ("shaoxing", "jiayuguan", "dongyang", "linfen", "baodi")
sys.path.insert(0, str(HERE))
from measure import AUDIT, load, timed  # noqa: E402

# the run's stages in one process: wall time and peak RSS of each (VmHWM reset per stage)
STAGES = """
import json, sys, time
from pathlib import Path
from audit.pipeline import run, write_outputs

def hwm_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return 0

def reset_hwm():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass

data, policy, year, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
names = {"read": "read+normalise+validate", "policy": "policy", "calc": "calculators", "checks": "checks"}
rows, state = [], {"stage": None, "t": time.perf_counter(), "cpu": time.process_time()}

def step(stage):
    now = time.perf_counter()
    if state["stage"] is not None:
        rows.append((names.get(state["stage"], state["stage"]), now - state["t"], hwm_mb(),
                     time.process_time() - state["cpu"]))
    reset_hwm()
    state.update(stage=stage, t=time.perf_counter(), cpu=time.process_time())

result = run(data, policy, year, progress=step)
step("write")
write_outputs(result, out, report=False)
step(None)
print(json.dumps(rows))
"""


def stages(data: Path, pack: str, year: int, out: Path) -> list[tuple[str, float, int, float]]:
    res = subprocess.run([sys.executable, "-c", STAGES, str(data), pack, str(year), str(out)],
                         capture_output=True, text=True, check=False)
    lines = res.stdout.strip().splitlines()
    if res.returncode != 0 or not lines:
        sys.stderr.write(res.stderr[-2000:])
        return []
    return [tuple(r) for r in json.loads(lines[-1])]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000], help="institutions (1000 40000 100000)")
    ap.add_argument("--packs", nargs="+", default=list(PACKS), choices=PACKS)
    ap.add_argument("--repeats", type=int, default=3, help="floor/run pairs per pack")
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", type=Path, help="reuse this folder of parquet data (one size) instead of synthesising")
    ap.add_argument("--no-stages", dest="stages", action="store_false", help="skip the per-stage split")
    ap.add_argument("--keep", action="store_true", help="keep the generated data and outputs")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="audit-floor-"))
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  {os.cpu_count()} CPUs  load {load()}")
    summary = []
    try:
        for n in ([None] if args.data else args.sizes):
            data = args.data or work / f"data_{n}"
            if not args.data:
                subprocess.run(AUDIT + ["synth", "--institutions", str(n), "--seed", str(args.seed), "--year",
                                        str(args.year), "--format", "parquet", "--out", str(data)],
                               check=True, capture_output=True)
            label = f"{n:,}" if n else str(data)
            for pack in args.packs:
                pairs = []
                for i in range(args.repeats):
                    f = timed([sys.executable, str(HERE / "floor.py"), str(data), str(work / "floor"),
                               "--year", str(args.year)])
                    r = timed(AUDIT + ["run", "--policy", pack, "--year", str(args.year), "--data", str(data),
                                       "--out", str(work / "run"), "--no-report"])
                    pairs.append((f, r))
                    print(f"{label:>10} {pack:<10} pair {i + 1}: floor {f[0]:6.2f} s (cpu {f[3]:5.2f}) {f[1]:6,} MB"
                          f" | run {r[0]:7.2f} s (cpu {r[3]:6.2f}) {r[1]:6,} MB exit {r[2]} | ×{r[0] / f[0]:5.1f} time"
                          f" ×{r[3] / f[3]:5.1f} cpu ×{r[1] / f[1]:5.1f} memory  (load {load()})", flush=True)
                t_ratio = statistics.median(r[0] / f[0] for f, r in pairs)
                m_ratio = statistics.median(r[1] / f[1] for f, r in pairs)
                c_ratio = statistics.median(r[3] / f[3] for f, r in pairs)
                med = lambda k, which: statistics.median(p[which][k] for p in pairs)  # noqa: E731
                summary.append((label, pack, med(0, 0), med(1, 0), med(0, 1), med(1, 1), t_ratio, c_ratio, m_ratio))
                if args.stages:
                    for name, secs, mb, cpu in stages(data, pack, args.year, work / "stages"):
                        print(f"{'':>10} {pack:<10}   stage {name:<24} {secs:7.2f} s (cpu {cpu:6.2f})  peak {mb:6,} MB",
                              flush=True)
        print()
        print("| institutions | pack | floor s | floor MB | run s | run MB | time ratio | cpu ratio | memory ratio |")
        print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
        for label, pack, fs, fm, rs, rm, tr, cr, mr in summary:
            print(f"| {label} | {pack} | {fs:.2f} | {fm:,.0f} | {rs:.2f} | {rm:,.0f} | {tr:.1f}× | {cr:.1f}× | {mr:.1f}× |")
        print(f"(medians of {args.repeats} interleaved pairs; load at the end {load()})")
    finally:
        if args.keep:
            print(f"kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
