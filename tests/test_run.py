"""End to end: `audit run` / `audit explain` through CliRunner on a small hand-made
input, and the all-or-nothing writer. Expected money worked out by hand (Shaoxing)."""

from __future__ import annotations

import json
import re

import polars as pl
import pytest
from click.testing import CliRunner

import audit.report
from audit.cli import main
from audit.errors import OutputError
from audit.pipeline import run, write_outputs

WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]


def person_id(seq: int) -> str:
    """A valid 18-character id (GB 11643 check character) born 1950-01-01 in 330602."""
    body = f"33060219500101{seq:03d}"
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS)) % 11]
    return body + check


PID = person_id(123)
INSTITUTIONS = (
    "institution_id,name,county,kind,ownership,profit_status,registered_on,accepted_on,opened_on,newly_built,"
    "premises,lease_years,beds,nursing_beds,rating_level\n"
    "A001,甲养老院,越城区,institution,private,nonprofit,2024-03-01,2024-02-01,2024-04-01,true,self_built,,40,30,4\n"
)
RESIDENTS = (
    "institution_id,person_id,name,admitted_on,discharged_on,hukou_county,care_level,dementia,low_income\n"
    f"A001,{PID},张三,2023-01-01,,越城区,full,false,dibao\n"
)
INSURANCE = "institution_id,year,premium,scheme\nA001,2024,3000.00,institution\n"
# by hand (绍兴 重点工作(五)3/4):
#   construction: 40 beds × 4,000 = 160,000.00 (city)
#   operating:    registered 2024-03-01, so January and February do not count (registration is
#                 required each month): 10 months × (100 level 4 + 50 disabled + 50 低保) = 2,000.00 (city)
#   insurance:    mean premium 3,000 → city 1/3 = 1,000.00, institution 2,000.00
TOTAL = "165000.00"
# public money: 160,000 + 2,000 + 1,000 = 163,000.00 (the institution's 2,000.00 is not a grant)
PUBLIC = "163000.00"


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    for name, text in (("institutions.csv", INSTITUTIONS), ("residents.csv", RESIDENTS),
                       ("insurance.csv", INSURANCE)):
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def no_pdf(monkeypatch):
    """The bureau report is tested by its owner; here a stand-in keeps the tests fast."""
    def fake(result, out_dir, signing=None):
        (out_dir / "report.html").write_text("<html lang='zh-CN'></html>", encoding="utf-8")
        return [out_dir / "report.html"]
    monkeypatch.setattr(audit.report, "write_bureau_report", fake)


def cli(*args):
    return CliRunner().invoke(main, list(args))


def test_audit_run_end_to_end(data, tmp_path):
    out = tmp_path / "out"
    r = cli("run", "--policy", "shaoxing", "--year", "2024", "--data", str(data), "--out", str(out))
    assert r.exit_code == 0, r.output + r.stderr
    assert "财政资金合计（不含机构自付）" in r.output and "163,000.00" in r.output and "165,000.00" not in r.output
    assert "发现：错误 0 个" in r.output
    assert {p.name for p in out.iterdir()} == {"ledger.csv", "ledger.xlsx", "findings.csv", "findings.xlsx",
                                                "manifest.json", "report.html", "report.pdf",
                                                "approved.csv"}  # no claims: no reconciliation
    raw = (out / "ledger.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel on Chinese Windows
    ledger = pl.read_csv(out / "ledger.csv", infer_schema=False)
    assert ledger.columns == ["institution_id", "program", "item", "period", "quantity", "rate", "amount", "payer",
                              "rule", "citation", "basis"]
    assert ledger["rule"].is_not_null().all() and ledger["citation"].str.contains("绍兴 实施意见").all()
    got = {(r["item"], r["payer"]): r["amount"] for r in ledger.iter_rows(named=True)}
    assert got == {("self_built_beds", "city"): "160000.00", ("resident_months_level_4", "city"): "1000.00",
                   ("disability_supplement", "city"): "500.00", ("low_income_supplement", "city"): "500.00",
                   ("premium_share", "city"): "1000.00", ("premium_rest", "institution"): "2000.00"}
    assert sum(int(a.replace(".", "")) for a in ledger["amount"]) == int(TOTAL.replace(".", ""))
    # the xlsx 汇总 sheet carries the public total, as a number; the premium rest is on its own sheet
    summary = pl.read_excel(out / "ledger.xlsx", sheet_name="机构汇总")
    assert round(summary.filter(pl.col("机构编号") == "合计")["合计"][0], 2) == float(PUBLIC)
    assert summary.filter(pl.col("机构编号") == "合计")["综合保险"].to_list() == [1000.0]
    assert pl.read_excel(out / "ledger.xlsx", sheet_name="机构自付")["金额(元)"].to_list() == [2000.0, 2000.0]
    city = pl.read_excel(out / "ledger.xlsx", sheet_name="市级财政")
    assert city.height == 6  # 5 lines + 合计
    assert "自建床位" in city["明细"].to_list() and "self_built_beds" not in city["明细"].to_list()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["pack"]["id"] == "shaoxing" and manifest["pack"]["status"] == "draft"
    assert len(manifest["inputs"]["residents"]["sha256"]) == 64 and manifest["year"] == 2024
    assert manifest["average_premium_used"] == {"insurance_city": "3000.00"}
    assert (manifest["counts"]["amount_total"], manifest["counts"]["amount_public"]) == (TOTAL, PUBLIC)
    assert any(i["id"] == "resident_month_headcount" for i in manifest["interpretations"])
    for f in out.iterdir():  # no output carries the id or the name whole
        if f.suffix in (".csv", ".json", ".html"):
            text = f.read_text(encoding="utf-8-sig")
            assert PID not in text and "张三" not in text


def test_invalid_input_writes_nothing(data, tmp_path):
    (data / "residents.csv").write_text(RESIDENTS.replace("2023-01-01", "2023-13-45"), encoding="utf-8")
    out = tmp_path / "out"
    r = cli("run", "--policy", "shaoxing", "--year", "2024", "--data", str(data), "--out", str(out))
    assert r.exit_code == 1
    assert "admitted_on" in r.stderr or "入住日期" in r.stderr
    assert not out.exists() and not any(p.name.startswith(".out") for p in tmp_path.iterdir())


def test_only_ineligible_applicants_exit_0(data, tmp_path, no_pdf):
    # a 2-year lease under 重点工作(五)3 (≥ 3 years): not eligible — an info finding, no payment
    # is held, so the run exits 0 (issue 11: ineligibility is not an error)
    (data / "institutions.csv").write_text(
        INSTITUTIONS.replace("self_built,,40", "leased,2,40"), encoding="utf-8")
    out = tmp_path / "out"
    r = cli("run", "--policy", "shaoxing", "--year", "2024", "--data", str(data), "--out", str(out), "--lang", "en")
    assert r.exit_code == 0 and "Findings: 0 error" in r.output and "Held" not in r.output
    findings = pl.read_csv(out / "findings.csv", infer_schema=False)
    assert findings.filter(pl.col("rule") == "lease_term")["severity"].to_list() == ["info"]
    assert findings.filter(pl.col("rule") == "lease_term")["message"][0].startswith("lease term shorter than 3 years")
    basis = pl.read_csv(out / "ledger.csv", infer_schema=False)["basis"]
    assert "10 resident-months × 100.00 yuan/person/month = 1,000.00 yuan (level 4 home base grant)" in basis.to_list()
    assert not basis.str.contains(r"[\u4e00-\u9fff]").any()  # English run: no Chinese left in the arithmetic


def test_error_findings_write_exit_1_and_list_the_held_lines(data, tmp_path, no_pdf):
    # the same person at A001 and at A002 on the same month-ends: a double claim holds
    # A001's operating line (2,000.00, its citation), not its construction line
    (data / "institutions.csv").write_text(
        INSTITUTIONS + "A002,乙养老院,越城区,institution,private,nonprofit,2024-03-01,2024-02-01,2024-04-01,"
                       "true,self_built,,10,0,0\n", encoding="utf-8")
    (data / "residents.csv").write_text(RESIDENTS + f"A002,{PID},张三,2024-06-01,,越城区,full,false,dibao\n",
                                        encoding="utf-8")
    out = tmp_path / "out"
    r = cli("run", "--policy", "shaoxing", "--year", "2024", "--data", str(data), "--out", str(out), "--lang", "en")
    assert r.exit_code == 1 and "Findings: 2 error" in r.output
    # A001's operating lines (by hand, see TOTAL above): 1,000.00 + 500.00 + 500.00 = 2,000.00
    assert "Held lines (3, 2,000.00 yuan):" in r.output
    held = [ln.split() for ln in r.output.splitlines() if "← double_claim" in ln]
    assert sorted((h[0], h[1], h[3]) for h in held) == [
        ("A001", "operating/disability_supplement", "500.00"), ("A001", "operating/low_income_supplement", "500.00"),
        ("A001", "operating/resident_months_level_4", "1,000.00")]
    assert (out / "ledger.csv").exists()


def _huashan_home(tmp_path):
    """花山区: one 10-bed home, beds subsidised, one mild local resident since 2020."""
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "institutions.csv").write_text(
        "institution_id,name,county,kind,ownership,profit_status,registered_on,accepted_on,opened_on,newly_built,"
        "premises,beds,beds_subsidized_before\n"
        "H001,花山养老院,花山区,institution,private,nonprofit,2015-01-01,2015-01-01,2015-01-01,true,self_built,10,10\n",
        encoding="utf-8")
    (folder / "residents.csv").write_text(
        "institution_id,person_id,admitted_on,hukou_county,care_level\n"
        f"H001,{PID},2020-01-01,花山区,轻度失能\n", encoding="utf-8")
    return folder


def test_period_runs_settle_half_years(tmp_path, no_pdf):
    # 花山区: a mild resident all year in a 10-bed home whose beds are subsidised:
    # 2024H1 = 6 months × 200 × 1.5 = 1,800.00, period column 2024H1
    folder = _huashan_home(tmp_path)
    out = tmp_path / "out"
    r = cli("run", "--policy", "huashan", "--period", "２０２４Ｈ１", "--data", str(folder), "--out", str(out), "--no-report")
    assert r.exit_code == 0, r.output + r.stderr
    ledger = pl.read_csv(out / "ledger.csv", infer_schema=False)
    assert ledger.select("period", "quantity").rows() == [("2024H1", "6")]
    assert ledger["amount"].to_list() == ["1800.00"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["period"], manifest["period_start"], manifest["period_end"]) == ("2024H1", "2024-01-01", "2024-06-30")
    bad = cli("run", "--policy", "huashan", "--period", "2024H3", "--data", str(folder), "--out", str(tmp_path / "o2"))
    assert bad.exit_code == 2 and "2024H3" in bad.output + bad.stderr


def test_rerun_replaces_and_is_byte_identical(data, tmp_path, no_pdf):
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.pdf").write_text("a previous run's report", encoding="utf-8")
    write_outputs(run(data, "shaoxing", 2024), out)
    assert not (out / "report.pdf").exists()  # a previous run's outputs are replaced whole
    before = {n: (out / n).read_bytes() for n in ("ledger.csv", "findings.csv", "manifest.json")}
    write_outputs(run(data, "shaoxing", 2024), out)
    assert {n: (out / n).read_bytes() for n in before} == before


def test_a_folder_with_other_files_is_never_deleted(data, tmp_path, no_pdf):
    out = tmp_path / "desk"
    out.mkdir()
    (out / "notes.docx").write_text("keep me", encoding="utf-8")
    (out / "ledger.csv").write_text("old ledger", encoding="utf-8")
    write_outputs(run(data, "shaoxing", 2024), out)
    assert (out / "notes.docx").read_text(encoding="utf-8") == "keep me"
    assert (out / "ledger.csv").read_text(encoding="utf-8-sig").startswith("institution_id,program")


def test_no_report_run_into_a_shared_folder_removes_the_previous_report(data, tmp_path):
    """A signed report.pdf must never sit beside a ledger it does not describe."""
    out = tmp_path / "desk"
    out.mkdir()
    (out / "notes.docx").write_text("keep me", encoding="utf-8")
    for old in ("report.pdf", "report.html", "reconciliation.csv"):
        (out / old).write_text("from an earlier run", encoding="utf-8")
    write_outputs(run(data, "shaoxing", 2024), out, report=False)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["notes.docx", "ledger.csv", "ledger.xlsx", "findings.csv", "findings.xlsx", "manifest.json", "approved.csv"])


def test_failed_write_leaves_the_old_outputs(data, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("previous run", encoding="utf-8")

    def broken(result, out_dir, signing=None):
        raise RuntimeError("renderer crashed")
    monkeypatch.setattr(audit.report, "write_bureau_report", broken)
    with pytest.raises(OutputError):
        write_outputs(run(data, "shaoxing", 2024), out)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_set_changes_the_rate_and_is_in_the_manifest(data, tmp_path, no_pdf):
    # a county raising the level-4 rate to 120: 10 months × 120 = 1,200
    result = run(data, "shaoxing", 2024, sets=("operating_grant.rate_by_rating_level.4=120",))
    base = result.ledger.filter(pl.col("item") == "resident_months_level_4")
    assert base["amount_fen"].to_list() == [1_200_00]
    assert any("rate_by_rating_level" in json.dumps(o, ensure_ascii=False) for o in result.manifest["overrides"])


def test_explain_shows_inputs_parameters_and_masks_ids(data):
    r = cli("explain", "--policy", "shaoxing", "--year", "2024", "--data", str(data), "--institution", "A001",
            "--program", "operating")
    assert r.exit_code == 0, r.output + r.stderr
    text = r.output
    assert "10 人月 × 100.00 元/人/月 = 1,000.00 元" in text
    assert "按一至五级分别给予每人每月不低于30元" in text          # the clause's own words
    assert "2024-03: 1" in text and "2024-12: 1" in text          # counted month by month, from registration
    assert "2024-02" not in text
    assert PID not in text and PID[:4] + "**********" + PID[-4:] in text
    r = cli("explain", "--policy", "shaoxing", "--year", "2024", "--data", str(data), "--institution", "NOPE")
    assert r.exit_code == 1 and "NOPE" in r.stderr


def test_validation_warnings_become_findings_and_months_count_once(data, tmp_path, no_pdf):
    # the resident's row keyed twice: a validation warning (overlapping_stay), listed as a finding
    # with sheet and row, and the resident-months are still 10 (not 20): 10 × 100 = 1,000.00
    lines_ = RESIDENTS.splitlines()
    (data / "residents.csv").write_text("\n".join(lines_ + [lines_[1]]) + "\n", encoding="utf-8")
    result = run(data, "shaoxing", 2024)
    warn = result.findings.filter(pl.col("rule") == "overlapping_stay").row(0, named=True)
    assert warn["severity"] == "warning" and "第 3 行" in warn["evidence"] and "文件「residents.csv」" in warn["evidence"]
    assert warn["institution_id"] == "A001"  # the flagged row's institution, for its self-check
    base = result.ledger.filter(pl.col("item") == "resident_months_level_4")
    assert base["quantity"].to_list() == [10] and base["amount_fen"].to_list() == [1_000_00]
    write_outputs(result, tmp_path / "out")
    assert PID not in (tmp_path / "out" / "findings.csv").read_text(encoding="utf-8-sig")


def test_explain_reads_as_the_clerk_sheet_in_chinese_and_plain_english(data):
    # zh: Chinese item names, headers and enum words beside the codes; en: no Chinese punctuation
    r = cli("explain", "--policy", "shaoxing", "--year", "2024", "--data", str(data), "--institution", "A001")
    assert r.exit_code == 0, r.output + r.stderr
    assert "自建床位（self_built_beds）" in r.output and "用房性质=自建" in r.output and "经营性质=非营利" in r.output
    assert "premises=" not in r.output and "=True" not in r.output
    assert "10 个月（1 人）:" in r.output  # the one resident, counted March–December
    r = cli("explain", "--policy", "shaoxing", "--year", "2024", "--data", str(data), "--institution", "A001",
            "--lang", "en")
    assert r.exit_code == 0, r.output + r.stderr
    assert "self-built beds (self_built_beds)" in r.output and "premises=self_built" in r.output
    assert "10 months (1 residents):" in r.output
    # below the two title lines (names as the input and the pack spell them), outside the quoted clause words
    body = [re.sub("“[^”]*”", "", ln) for ln in r.output.splitlines()[2:]]
    assert not [ln for ln in body if any(p in ln for p in "（）；：，")]


def test_explain_names_the_gaps_that_leave_this_institution_unpaid(data):
    # Shaoxing leaves the provincial insurance share open: A001 gets no provincial line, and explain says why
    r = cli("explain", "--policy", "shaoxing", "--year", "2024", "--data", str(data), "--institution", "A001",
            "--program", "insurance")
    assert r.exit_code == 0, r.output + r.stderr
    assert "政策未规定、本机构未计发的项目" in r.output and "insurance_province.share_nonprofit" in r.output
    assert "--set insurance_province.share_nonprofit=" in r.output
    r = cli("explain", "--policy", "shaoxing", "--year", "2024", "--data", str(data), "--institution", "A001",
            "--program", "operating")
    assert "insurance_province" not in r.output  # another program's gap is not this one's
    r = cli("explain", "--policy", "shaoxing", "--year", "2024", "--data", str(data), "--institution", "A001",
            "--program", "nosuch")
    assert r.exit_code == 2


def test_explain_follows_the_period(tmp_path):
    folder = _huashan_home(tmp_path)
    r = cli("explain", "--policy", "huashan", "--period", "2024Q3", "--data", str(folder), "--institution", "H001")
    assert r.exit_code == 0, r.output
    # 3 month ends (Jul, Aug, Sep) × 200 × 1.5 = 900.00
    assert "2024Q3 期间核算说明" in r.output and "3 人月 × 300.00 元/人/月 = 900.00 元" in r.output
