"""The built wheel is what users install: build it from a copy of the checkout, install it
into a fresh virtual environment and run validate, run (with the PDF report) and selfcheck
from a folder outside the checkout — schemas/ and templates/ must come from the wheel.

The fresh environment gets its third-party packages (polars, WeasyPrint …) from this
checkout's environment through a path entry, so the test needs no network and no index."""

import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("audit", "schemas", "templates", "setup.py", "pyproject.toml", "README.md")


def sh(*cmd, cwd):
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout + done.stderr


@pytest.mark.slow
def test_the_wheel_installs_and_runs_outside_the_checkout(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in SHIPPED:
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(
            ROOT / name, src / name, **({"ignore": shutil.ignore_patterns("__pycache__")} if (ROOT / name).is_dir() else {}))
    rc, out = sh(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", tmp_path / "dist",
                 src, cwd=tmp_path)
    assert rc == 0, out
    wheel = next((tmp_path / "dist").glob("audit-*.whl"))

    env = tmp_path / "venv"
    venv.create(env, with_pip=False)
    python = env / "bin" / "python"
    rc, out = sh(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel, cwd=tmp_path)
    assert rc == 0, out
    site = Path(sh(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path)[1].strip())
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")   # third-party packages only

    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(ROOT / "demo" / "demo.xlsx", work / "demo.xlsx")
    rc, where = sh(python, "-c", "import audit, audit.resources as r; print(audit.__file__, r.SCHEMAS, r.TEMPLATES)", cwd=work)
    assert rc == 0 and str(ROOT) not in where and where.count(str(site)) == 3, where

    audit = env / "bin" / "audit"
    rc, out = sh(audit, "validate", "--data", "demo.xlsx", cwd=work)
    assert rc == 0, out
    rc, out = sh(audit, "run", "--policy", "shaoxing", "--year", "2024", "--data", "demo.xlsx", "--out", "out", cwd=work)
    assert rc in (0, 1), out            # 1: written, with the demo's planted error findings
    assert {"ledger.csv", "findings.csv", "report.html", "report.pdf"} <= {p.name for p in (work / "out").iterdir()}
    assert (work / "out" / "report.pdf").read_bytes().startswith(b"%PDF")
    rc, out = sh(audit, "selfcheck", "--policy", "shaoxing", "--year", "2024", "--data", "demo.xlsx", "--out", "sc",
                 "--institution", "YL01", cwd=work)
    assert rc in (0, 1), out
    assert (work / "sc" / "selfcheck_YL01.pdf").read_bytes().startswith(b"%PDF")
