"""Moving code must not move money: the demo's ledger and findings under every shipped
pack hash as recorded (bench/golden.py runs the same with `audit synth --institutions 1000`).

When a change is *meant* to alter outputs, re-record with `python bench/golden.py --quick`
and say why in the commit."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("golden", ROOT / "bench" / "golden.py")
golden = importlib.util.module_from_spec(spec)
spec.loader.exec_module(golden)

RECORDED = (ROOT / "bench" / "golden-demo.txt").read_text(encoding="utf-8").splitlines()


def test_demo_outputs_are_byte_identical_to_the_recorded_hashes():
    assert golden.golden(quick=True) == RECORDED
