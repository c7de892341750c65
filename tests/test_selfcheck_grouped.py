"""The self-check groups findings about one person each: several persons failing the same
claims rule are one row (count, person-months, money summed in fen), and the persons one
line each in a table at the end — read back from the PDF with pdftotext."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from audit.cli import main

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) not installed")

A = "330602195001010118"  # local, died 2024-05-10 by the register: alone under its rule
B = "330602195001010126"  # local, alive: every claimed month approved
# registered in 柯桥区, the home is in 越城区: the operating grant pays only 本行政区域户籍(县级)
C = "330602195001010134"  # claimed January–December: 12 months
D = "330602195001010142"  # claimed January–June: 6 months
E = "330602195001010150"  # claimed October–December: 3 months
CLAIMED = {A: range(1, 13), B: range(1, 13), C: range(1, 13), D: range(1, 7), E: range(10, 13)}


@pytest.fixture(scope="module")
def selfcheck_pdf(tmp_path_factory):
    d = tmp_path_factory.mktemp("grouped") / "data"
    d.mkdir()
    residents = "".join(
        f"A001,{p},老人{i},2020-01-01,{'越城区' if p in (A, B) else '柯桥区'},自理,无\n"
        for i, p in enumerate((A, B, C, D, E))
    )
    files = {
        "机构.csv": "机构编号,机构名称,所属区县,机构类型,举办性质,经营性质,核定床位数,护理型床位数,用房性质,等级评定,"
        "登记备案日期,竣工验收日期,投入运营日期,新建机构\n"
        "A001,甲养老院,越城区,养老机构,民办,非营利,100,60,自建,4,2015-01-01,2015-01-01,2015-01-01,否\n",
        "入住老人.csv": "机构编号,身份证号,姓名,入住日期,户籍所在区县,能力等级,低保类别\n" + residents,
        "死亡名单.csv": f"身份证号,死亡日期\n{A},2024-05-10\n",
        "申报名册.csv": "机构编号,申报月份,身份证号\n"
        + "".join(f"A001,2024-{m:02d},{p}\n" for p, months in CLAIMED.items() for m in months),
        # 45 resident-months × 100 yuan claimed and paid
        "申报.csv": "机构编号,补贴项目,申报期间,申报金额\nA001,运营补贴,2024,4500.00\n",
        "拨付.csv": "机构编号,补贴项目,所属期间,拨付金额,拨付日期,凭证号\nA001,运营补贴,2024,4500.00,2024-12-20,记-7\n",
    }
    for name, text in files.items():
        (d / name).write_text(text, encoding="utf-8")
    out = tmp_path_factory.mktemp("grouped_out")
    r = CliRunner().invoke(
        main, ["selfcheck", "--policy", "shaoxing", "--year", "2024", "--data", str(d), "--out", str(out)]
    )
    assert r.exit_code == 1, r.output  # error findings: money claimed that is not due
    return out / "selfcheck_A001.pdf"


def _text(pdf) -> str:
    """The PDF's text with all white space removed (cells wrap at any character)."""
    raw = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
    return re.sub(r"\s+", "", raw)


@needs_poppler
def test_persons_failing_one_claims_rule_are_one_row_with_the_summed_money(selfcheck_pdf):
    text = _text(selfcheck_pdf)
    # 重点工作(五)4: a level-4 home is paid 100 yuan per local resident per month; C, D and E are
    # registered outside the county: (12 + 6 + 3) months × 100.00 = 2,100.00 yuan not approved
    assert "户籍不在机构所在区县：3人，共21个人月" in text
    assert "申报金额中2,100.00元未予核定" in text
    assert text.count("户籍不在机构所在区县：") == 1
    # a rule with one person keeps its own row: A died 10 May, claimed May–December, 8 × 100.00
    assert "申报名册中该老人（身份证号3306**********0118）8个月" in text
    assert "申报金额中800.00元未予核定" in text
    assert text.count("申报名册中该老人") == 1  # no block per person for C, D, E


@needs_poppler
def test_the_persons_behind_a_grouped_row_are_one_line_each_and_masked(selfcheck_pdf):
    raw = subprocess.run(["pdftotext", "-layout", str(selfcheck_pdf), "-"], capture_output=True, check=True, text=True)
    lines = [" ".join(line.split()) for line in raw.stdout.splitlines()]
    table = lines[max(i for i, line in enumerate(lines) if line.startswith("逐人明细")) :]
    assert "户籍不在机构所在区县（3 人）" in table
    # id (masked), months as runs, person-months, amount: 12 × 100.00, 6 × 100.00, 3 × 100.00
    assert "3306**********0134 2024-01–2024-12 12 1,200.00" in table
    assert "3306**********0142 2024-01–2024-06 6 600.00" in table
    assert "3306**********0150 2024-10–2024-12 3 300.00" in table
    assert not any("0118" in line for line in table)  # A is alone under its rule: not grouped, not listed
    for person in CLAIMED:
        assert person not in raw.stdout


def test_a_policy_gap_reaches_only_the_self_checks_of_institutions_it_leaves_unpaid():
    """A gap finding's evidence names the first ten institutions (`… ` after); the run records
    all of them. Home I13 is not hit, so its self-check does not carry the gap; I12 is (11th
    or later: not in the sample), so it does. A truncated list of another kind stays."""
    import polars as pl

    from audit.report.context import concerning

    hit = {f"I{n:02d}" for n in range(1, 13)}
    general = pl.DataFrame(
        {
            "rule": ["policy_gap", "not_in_force"],
            "evidence": ["param=r.rate affected=12", "param=r.old affected=12"],
            "_listed": [None, None],
        },
        schema_overrides={"_listed": pl.List(pl.String)},
    )
    assert concerning(general, "I13", {"r.rate": hit})["rule"].to_list() == ["not_in_force"]
    assert concerning(general, "I12", {"r.rate": hit})["rule"].to_list() == ["policy_gap", "not_in_force"]
