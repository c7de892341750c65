"""Golden hashes: the outputs that carry money must not change when code only moves.

Runs the bundled demo and `audit synth --institutions 1000 --seed 1` under every shipped
pack (`audit run --no-report`) and prints one SHA-256 per output file (ledger, findings,
every CSV). Record the hashes before a refactor, compare after:

    python bench/golden.py > /tmp/before.txt     # on main
    python bench/golden.py | diff /tmp/before.txt -   # after the change: no output = identical

`--quick` runs the demo only (what tests/test_golden.py does); `--record` also writes
the hashes to bench/golden-demo.txt (quick) or bench/golden-all.txt — do that only for a
change meant to alter outputs, and say why in the commit.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKS = ("shaoxing", "dongyang", "jiayuguan", "linfen", "baodi")
YEAR = "2024"


def audit(*args: str) -> None:
    """Run the CLI of the installed package; exit 1 (error findings, outputs written) is fine."""
    cmd = [sys.executable, "-c", "from audit.cli import main; main()", *args]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr}")


def hashes(out: Path) -> dict[str, str]:
    """SHA-256 of every file the money depends on: ledger, findings, every CSV."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.iterdir()) if p.suffix == ".csv"}


def golden(quick: bool = False) -> list[str]:
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        inputs = {"demo": ROOT / "demo" / "demo.xlsx"}
        if not quick:
            audit("synth", "--institutions", "1000", "--seed", "1", "--out", str(tmp / "synth1000"))
            inputs["synth1000"] = tmp / "synth1000"
        for name, data in inputs.items():
            for pack in PACKS:
                out = tmp / f"{name}-{pack}"
                audit("run", "--policy", pack, "--year", YEAR, "--data", str(data), "--out", str(out), "--no-report")
                for file, digest in hashes(out).items():
                    lines.append(f"{name} {pack} {file} {digest}")
    return lines


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    text = "\n".join(golden(quick=quick)) + "\n"
    if "--record" in sys.argv:
        (ROOT / "bench" / ("golden-demo.txt" if quick else "golden-all.txt")).write_text(text, encoding="utf-8")
    print(text, end="")
