"""End to end on the bundled demo (demo/demo.xlsx, Shaoxing pack, 2024): the real
pipeline's RunResult through write_outputs and audit selfcheck."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from test_report import fmt, html_totals

DEMO = Path(__file__).resolve().parent.parent / "demo" / "demo.xlsx"
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not DEMO.exists(), reason="demo/demo.xlsx not built yet")]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    from audit.pipeline import run, write_outputs

    result = run(DEMO, "shaoxing", 2024)
    out = tmp_path_factory.mktemp("demo") / "out"
    write_outputs(result, out)
    return result, out


def test_bureau_totals_match_the_ledger(demo_run):
    result, out = demo_run
    text = (out / "report.html").read_text(encoding="utf-8")
    total = int(result.ledger["amount_fen"].sum())
    # the report's totals are grants: every ledger line but the institutions' own premium shares
    grants = result.ledger.filter(pl.col("payer") != "institution")
    assert f'<span id="grand-total">{fmt(int(grants["amount_fen"].sum()))}</span>' in text
    # every county's total equals the sum of its institutions' grant lines
    county = result.dataset.tables["institutions"].select("institution_id", "county")
    expected = {c: fmt(a) for c, a in grants.join(county, on="institution_id")
                .group_by("county").agg(pl.col("amount_fen").sum()).iter_rows()}
    assert html_totals(text, "county") == expected
    # the written ledger.csv adds up to the same fen
    csv = pl.read_csv(out / "ledger.csv", schema_overrides={"amount": pl.String})
    assert sum(int(a.replace(".", "")) for a in csv["amount"]) == total


def test_draft_pack_flagged_and_no_person_ids(demo_run):
    result, out = demo_run
    text = (out / "report.html").read_text(encoding="utf-8")
    assert result.pack.status == "draft" and "征求意见稿 · 非正式依据" in text
    ids = result.dataset.tables["residents"]["person_id"].drop_nulls().to_list()
    assert ids and not any(i in text for i in ids)
    pdf_text = subprocess.run(["pdftotext", str(out / "report.pdf"), "-"], capture_output=True, text=True).stdout
    assert fmt(int(result.ledger.filter(pl.col("payer") != "institution")["amount_fen"].sum())) in pdf_text
    assert not re.search(r"\d{17}[\dXx]", pdf_text)


def test_selfcheck_cli_on_demo(tmp_path):
    from audit.cli import main

    out = tmp_path / "sc"
    r = CliRunner().invoke(main, ["selfcheck", "--policy", "shaoxing", "--year", "2024", "--data", str(DEMO),
                                  "--out", str(out), "--institution", "YL01"])
    assert r.exit_code in (0, 1), r.output + r.stderr
    text = (out / "selfcheck_YL01.html").read_text(encoding="utf-8")
    # YL01 by hand (demo README case: new private self-built nursing home, 120 beds, premium 8,119.20):
    #   重点工作(五)3 self-built 120 beds × 4,000 = 480,000.00; nursing-type bonus 120 × 1,400 = 168,000.00
    #   重点工作(五)4 insurance: average premium 3,702.35 × 1/3 = 1,234.1166… → 1,234.12;
    #   the institution's own share 8,119.20 − 1,234.12 = 6,885.08 (listed, not a grant)
    #   estimated grants 480,000.00 + 168,000.00 + 1,234.12 = 649,234.12
    assert '<span id="grand-total">649,234.12</span>' in text and "6,885.08" in text
    assert (out / "selfcheck_YL01.pdf").stat().st_size > 10_000


def test_pdf_carries_the_written_csv_files(demo_run):
    from pypdf import PdfReader

    _, out = demo_run
    attached = PdfReader(out / "report.pdf").attachments
    assert attached["ledger.csv"][0] == (out / "ledger.csv").read_bytes()
    assert attached["findings.csv"][0] == (out / "findings.csv").read_bytes()


def test_selfcheck_shows_caregivers_deadline_and_published_average(tmp_path):
    """Shaoxing sets no caregiver ratio, yet YL01's caregivers are in the data: the self-check
    lists them month by month instead of saying there is no staffing data. The insurance
    grant depends on the average premium of all policies: the manager is told to pass the
    bureau's published value; with it, the estimate is the bureau's."""
    from audit.cli import main

    out = tmp_path / "sc"
    r = CliRunner().invoke(main, ["selfcheck", "--policy", "shaoxing", "--year", "2024", "--data", str(DEMO),
                                  "--out", str(out), "--institution", "YL01", "--deadline", "2025-03-31"])
    assert r.exit_code in (0, 1), r.output
    html = (out / "selfcheck_YL01.html").read_text(encoding="utf-8")
    assert "无护理员配备数据" not in html and "未规定护理员配比" in html
    staff = pl.read_excel(DEMO, sheet_name="工作人员")
    assert staff.height  # the demo has staff; YL01's caregivers appear month by month, months across
    assert '<th class="num">2024-12</th></tr>' in html
    assert re.search(r"<tr><th>实配</th>(<td class=\"num\">[\d.]+</td>){12}</tr>", html)
    assert "请在 2025-03-31 前完成整改" in html and "<strong>整改期限：2025-03-31</strong>" in html
    assert "--set insurance_city.average_premium=数值" in html
    # a policy gap is the bureau's to fill, not the home's: no deadline on its row
    rows = html.split("<tr>")
    gaps = [r for r in rows if "未规定参数" in r]
    assert gaps and not any("整改期限" in r for r in gaps)
    bad = CliRunner().invoke(main, ["selfcheck", "--policy", "shaoxing", "--year", "2024", "--data", str(DEMO),
                                    "--out", str(tmp_path / "x"), "--institution", "YL01", "--deadline", "3月底"])
    assert bad.exit_code == 2
