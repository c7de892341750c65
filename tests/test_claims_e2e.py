"""The claims audit through the command line, on a small hand-made workbook folder:
run → reconciliation.csv and report section, notice PDF, public list, explain."""

from __future__ import annotations

import polars as pl
import pytest
from click.testing import CliRunner

from audit.cli import main

A = "330602195001010118"   # born 1950-01-01; died 10 May 2024 by the register
B = "330602195001010126"
INSTITUTIONS = (
    "机构编号,机构名称,所属区县,机构类型,举办性质,经营性质,核定床位数,护理型床位数,用房性质,等级评定,登记备案日期,竣工验收日期,投入运营日期,新建机构\n"
    "A001,甲养老院,越城区,养老机构,民办,非营利,100,60,自建,4,2015-01-01,2015-01-01,2015-01-01,否\n")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("claims") / "data"
    d.mkdir()
    files = {
        "机构.csv": INSTITUTIONS,
        "入住老人.csv": f"机构编号,身份证号,姓名,入住日期,户籍所在区县,能力等级,低保类别\nA001,{A},张三,2020-01-01,越城区,自理,无\n"
                     f"A001,{B},李四,2020-01-01,越城区,自理,无\n",
        "死亡名单.csv": f"身份证号,死亡日期\n{A},2024-05-10\n",
        "申报名册.csv": "机构编号,申报月份,身份证号\n" + "".join(f"A001,2024-{m:02d},{p}\n" for p in (A, B) for m in range(1, 13)),
        # 24 resident-months × 100 yuan claimed and paid; approved: A Jan–Apr + B all year = 16 × 100
        "申报.csv": "机构编号,补贴项目,申报期间,申报金额\nA001,运营补贴,2024,2400.00\n",
        "拨付.csv": "机构编号,补贴项目,所属期间,拨付金额,拨付日期,凭证号\nA001,运营补贴,2024,2400.00,2024-12-20,记-7\n",
    }
    for name, text in files.items():
        (d / name).write_text(text, encoding="utf-8")
    return d


def _run(args):
    r = CliRunner().invoke(main, args)
    return r


def test_run_writes_the_reconciliation_and_the_report_section(data, tmp_path):
    out = tmp_path / "out"
    r = _run(["run", "--policy", "shaoxing", "--year", "2024", "--data", str(data), "--out", str(out)])
    assert r.exit_code == 1, r.output   # error findings (claimed after death) hold the payment
    recon = pl.read_csv(out / "reconciliation.csv", infer_schema=False)
    assert recon.select("program", "period", "claimed", "approved", "paid", "to_recover", "status", "explained",
                        "unexplained").rows() == [
        ("operating", "2024", "2400.00", "1600.00", "2400.00", "800.00", "追回", "800.00", "0.00")]
    disc = pl.read_csv(out / "claim_discrepancies.csv", infer_schema=False)
    assert disc["month"].to_list() == [f"2024-{m:02d}" for m in range(5, 13)]
    assert set(disc["person"]) == {"3306**********0118"}
    approved = pl.read_csv(out / "approved.csv", infer_schema=False)
    assert approved.select("institution_id", "program", "approved").rows() == [("A001", "operating", "1600.00")]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "申报、核定与拨付对账" in html and "追回" in html
    # the leader's page and the findings section name the finding in words, not by its code
    leader = html[html.index('<section class="leader"'):html.index("</section>", html.index('<section class="leader"'))]
    assert "申报月份老人已死亡" in leader and "claim_" not in leader
    body = html[html.index('id="findings"'):html.index('id="signature"')]
    assert "申报月份老人已死亡" in body and "claim_died" not in body
    import fastexcel

    book = fastexcel.read_excel(str(out / "ledger.xlsx"))
    assert "对账" in book.sheet_names
    sheet = book.load_sheet_by_name("对账").to_polars()
    assert sheet.row(0)[:7] == ("A001", "甲养老院", "运营补贴", "2024", 2400.0, 1600.0, 2400.0)
    for f in out.iterdir():
        if f.suffix in (".csv", ".html"):
            text = f.read_text(encoding="utf-8-sig")
            assert A not in text and B not in text and "张三" not in text, f.name


def test_notice_publish_and_explain(data, tmp_path):
    out = tmp_path / "run"
    _run(["run", "--policy", "shaoxing", "--year", "2024", "--data", str(data), "--out", str(out), "--no-report"])
    r = _run(["notice", "--policy", "shaoxing", "--year", "2024", "--data", str(data), "--out", str(tmp_path / "n"),
              "--institution", "A001"])
    assert r.exit_code == 0, r.output
    html = (tmp_path / "n" / "notice_A001.html").read_text(encoding="utf-8")
    assert "补贴核定通知书" in html and "800.00" in html and "2024-05-10" in html and A not in html
    assert "申报月份老人已死亡" in html and "claim_died" not in html
    assert (tmp_path / "n" / "notice_A001.pdf").stat().st_size > 1000
    r = _run(["selfcheck", "--policy", "shaoxing", "--year", "2024", "--data", str(data), "--out", str(tmp_path / "s")])
    own = (tmp_path / "s" / "selfcheck_A001.html").read_text(encoding="utf-8")
    assert "本机构申报与核定对账" in own and "800.00" in own and A not in own
    # died 2024-05-10, claimed May–December at 100 yuan a month: 8 × 100 = 800.00 at stake
    assert "申报金额中 800.00 元未予核定" in own
    r = _run(["publish", "--subsidies", str(out / "approved.csv"), "--out", str(tmp_path / "pub")])
    assert r.exit_code == 0, r.output
    pub = (tmp_path / "pub" / "publish_subsidies.html").read_text(encoding="utf-8")
    assert "甲养老院" in pub and "1,600.00" in pub and "3306" not in pub
    r = _run(["explain", "--policy", "shaoxing", "--year", "2024", "--data", str(data), "--institution", "A001",
              "--person", A, "--month", "2024-06"])
    assert r.exit_code == 0, r.output
    assert "✗ 死亡名单" in r.output and "100.00" in r.output and A not in r.output
    assert "未核定（申报月份老人已死亡）" in r.output and "claim_died" not in r.output
    r = _run(["explain", "--policy", "shaoxing", "--year", "2024", "--data", str(data), "--institution", "A001",
              "--person", B, "--month", "2024-06"])
    assert "结论：核定，100.00 元" in r.output


def test_a_wrong_claim_worth_nothing_holds_no_payment():
    """Severity says what it holds: a claimed month not approved but worth 0.00 is a
    warning, one worth money is an error (the demo plants both kinds)."""
    from pathlib import Path

    import audit

    demo = Path(__file__).resolve().parents[1] / "demo" / "demo.xlsx"
    f = audit.run(demo, "shaoxing", 2024).findings.filter(pl.col("rule").str.starts_with("claim_"))
    zero = f.filter(pl.col("evidence").str.contains("amount=0.00"))
    paid = f.filter(~pl.col("evidence").str.contains("amount=0.00") & (pl.col("rule") != "claim_missing"))
    assert zero.height and set(zero["severity"]) == {"warning"}
    assert paid.height and set(paid["severity"]) == {"error"}


def test_slices_of_the_roll_give_the_same_discrepancies_and_csv(monkeypatch, tmp_path):
    """The roll is reconciled a slice of institutions at a time and claim_discrepancies.csv
    written a slice of rows at a time (memory at 25 million rows): one institution per
    slice and three rows per write give exactly what one slice and one write give."""
    from pathlib import Path

    import audit
    import audit.reconcile as rec

    demo = Path(__file__).resolve().parents[1] / "demo" / "demo.xlsx"
    whole = audit.run(demo, "shaoxing", 2024)
    rec.write_discrepancies_csv(whole.discrepancies, tmp_path / "whole.csv")
    monkeypatch.setattr(rec, "SLICE_ROWS", 1)
    monkeypatch.setattr(rec, "WRITE_ROWS", 3)
    sliced = audit.run(demo, "shaoxing", 2024)
    assert sliced.discrepancies.height > 3
    assert sliced.discrepancies.equals(whole.discrepancies)
    assert sliced.findings.equals(whole.findings)
    rec.write_discrepancies_csv(sliced.discrepancies, tmp_path / "sliced.csv")
    assert (tmp_path / "sliced.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    assert (tmp_path / "whole.csv").read_bytes().startswith("\ufeffinstitution_id,".encode())


def test_notice_and_selfcheck_for_a_half_year(tmp_path):
    """Half-yearly claims are approved for their half-year (--period 2024H1): A (died
    2024-05-10) is in residence at the end of Jan–Apr, B all six months: 10 resident-months ×
    100 = 1,000.00 approved of 1,200.00 claimed and paid, 200.00 to recover. The second
    half's claim is not this notice's to approve."""
    d = tmp_path / "data"
    d.mkdir()
    files = {
        "机构.csv": INSTITUTIONS,
        "入住老人.csv": f"机构编号,身份证号,姓名,入住日期,户籍所在区县,能力等级,低保类别\nA001,{A},张三,2020-01-01,越城区,自理,无\n"
                     f"A001,{B},李四,2020-01-01,越城区,自理,无\n",
        "死亡名单.csv": f"身份证号,死亡日期\n{A},2024-05-10\n",
        "申报名册.csv": "机构编号,申报月份,身份证号\n" + "".join(f"A001,2024-{m:02d},{p}\n" for p in (A, B) for m in range(1, 7)),
        "申报.csv": "机构编号,补贴项目,申报期间,申报金额\nA001,运营补贴,2024H1,1200.00\nA001,运营补贴,2024H2,600.00\n",
        "拨付.csv": "机构编号,补贴项目,所属期间,拨付金额,拨付日期,凭证号\nA001,运营补贴,2024H1,1200.00,2024-07-20,记-3\n",
    }
    for name, text in files.items():
        (d / name).write_text(text, encoding="utf-8")
    r = _run(["notice", "--policy", "shaoxing", "--period", "2024H1", "--data", str(d), "--out", str(tmp_path / "n"),
              "--institution", "A001"])
    assert r.exit_code == 0, r.output
    html = (tmp_path / "n" / "notice_A001.html").read_text(encoding="utf-8")
    assert "2024H1" in html and "1,000.00" in html and "200.00" in html and A not in html
    # the second half-year's claim is named as outside the period, not approved here
    assert "1 笔申报（期间 2024H2，共 600.00 元）不在核算期间内" in html
    r = _run(["selfcheck", "--policy", "shaoxing", "--period", "2024H1", "--data", str(d), "--out", str(tmp_path / "s")])
    own = (tmp_path / "s" / "selfcheck_A001.html").read_text(encoding="utf-8")
    assert "核算期间" in own and "2024H1" in own and "1,000.00" in own
    r = _run(["notice", "--policy", "shaoxing", "--data", str(d), "--out", str(tmp_path / "x")])
    assert r.exit_code == 2 and "--period" in r.output and "Traceback" not in r.output
