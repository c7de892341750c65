"""Progress: the run reports its stages in order, and a non-terminal stays quiet."""

from pathlib import Path

from click.testing import CliRunner

import audit
from audit.cli import main

DEMO = Path(__file__).parent.parent / "demo" / "demo.xlsx"


def test_run_reports_each_stage_in_order():
    seen = []
    audit.run(DEMO, "shaoxing", 2024, progress=seen.append)
    assert seen == ["read", "policy", "calc", "checks"]


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path):
    result = CliRunner().invoke(main, ["run", "--policy", "shaoxing", "--year", "2024", "--data", str(DEMO),
                                       "--out", str(tmp_path / "out"), "--no-report"])
    assert result.exit_code == 1  # the demo's planted error findings
    assert "[#" not in result.stderr and "读取与校验数据" not in result.stderr
    assert (tmp_path / "out" / "ledger.csv").exists()
