"""The money at stake per self-check finding (audit.report.finding_money). Expected figures are
worked out by hand from the clauses the packs quote:

- Shaoxing 重点工作(五)3 (市财政): "租用用房且租期3年以上的,按核定床位数给予每张床位不低于800元的
  补助,连补3年" and "自建用房 … 每张床位不低于4000元"; the province part's rates are gaps.
- Jiayuguan 三(一): "租赁用房且租期在5年以上的每张床位补贴4000元", "营利性养老机构按非营利性养老机构
  补贴标准的80%予以补贴", one-time."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from audit.policy import load_pack
from audit.report.finding_money import with_stake

ON = date(2024, 12, 31)
SX = "绍兴 实施意见 重点工作(五)3"


def _inst(rows):
    return pl.DataFrame(rows, schema={"institution_id": pl.String, "beds": pl.Int64, "beds_subsidized_before": pl.Int64,
                                      "premises": pl.String, "profit_status": pl.String}, orient="row")


def _findings(rows):
    return pl.DataFrame(rows, schema={"institution_id": pl.String, "rule": pl.String, "severity": pl.String,
                                      "evidence": pl.String, "citation": pl.String}, orient="row")


@pytest.fixture(scope="module")
def shaoxing():
    return load_pack("shaoxing")


def test_short_lease_loses_three_years_of_the_leased_rate(shaoxing):
    # 40 beds × 800 yuan × 3 years = 96,000.00 (for-profit: the Shaoxing clause has no cut)
    f = _findings([("A", "lease_term", "info", "lease_years=2 min_years=3", SX)])
    out = with_stake(f, _inst([("A", 40, 0, "leased", "forprofit")]), shaoxing, ON, "zh")
    stake = out["stake"][0]
    assert "40 张床 × 800.00 元/床/年 × 3 年 = 96,000.00 元不予补助" in stake
    assert SX in stake


def test_bed_minimum_counts_beds_not_yet_subsidised_and_names_the_open_province_rate(shaoxing):
    # (18 beds − 2 subsidised before) × 4,000 = 64,000.00; the province part has no rate in the text
    f = _findings([("B", "bed_minimum", "info", "beds=18 min_beds=20", SX)])
    stake = with_stake(f, _inst([("B", 18, 2, "self_built", "nonprofit")]), shaoxing, ON, "zh")["stake"][0]
    assert "16 张床 × 4,000.00 元/床 = 64,000.00 元不予补助" in stake
    assert "construction_province.rate_self_built" in stake and "无法计算" in stake


def test_for_profit_share_is_applied_to_the_rate():
    # Jiayuguan: 4,000 × 80% = 3,200.00 per bed, one-time: 25 × 3,200 = 80,000.00
    pack = load_pack("jiayuguan")
    f = _findings([("C", "lease_term", "info", "lease_years=3 min_years=5", "嘉峪关 实施方案 三(一)")])
    stake = with_stake(f, _inst([("C", 25, 0, "leased", "forprofit")]), pack, ON, "en")["stake"][0]
    assert stake.startswith("25 beds × 3,200.00 yuan/bed (for-profit at 80%) = 80,000.00 yuan not payable")
    # a blank 营利性质 is paid as for-profit by the calculators, so the self-check counts it so too
    stake = with_stake(f, _inst([("C", 25, 0, "leased", None)]), pack, ON, "en")["stake"][0]
    assert stake.startswith("25 beds × 3,200.00 yuan/bed (for-profit at 80%) = 80,000.00 yuan not payable")


def test_claims_state_the_amount_not_approved_and_others_say_why_not(shaoxing):
    f = _findings([
        ("D", "claim_died", "error", "person=6201**********9660 months=2024-03 amount=1,500.00",
         "绍兴 实施意见 重点工作(五)4"),
        ("D", "double_claim", "error", "person=1201**********2074 also_at=E", ""),
        (None, "policy_gap", "warning", "param=construction_province.rate_leased affected=2", SX),
        ("D", "at_stake_hukou_unresolved", "warning", "table=residents column=hukou_county rows=2 amount=3,120.00", ""),
    ])
    out = with_stake(f, _inst([("D", 30, 0, "self_built", "nonprofit")]), shaoxing, ON, "zh")["stake"].to_list()
    assert out[0] == "申报金额中 1,500.00 元未予核定（绍兴 实施意见 重点工作(五)4）"
    # no figure where none can be worked out: a reason, never "0.00"
    assert "无法计算" in out[1] and "0.00" not in out[1]
    assert "不按零计" in out[2] and "0.00" not in out[2]
    # a doubtful input: the upper bound audit.stake worked out (12 × 80 + 12 × 180 in tests/test_stake.py)
    assert out[3].startswith("最多 3,120.00 元未计发")


def test_an_input_the_reader_could_not_use_shows_its_most_not_paid(shaoxing):
    """at_stake_* findings (audit.stake) carry the sum they found: the self-check repeats it
    instead of saying the amount cannot be computed."""
    f = _findings([("A", "at_stake_hukou_unresolved", "warning",
                    "table=residents column=hukou_county sheet=x row=2 rows=2 amount=3,120.00 rules=operating_grant",
                    "绍兴 实施意见 重点工作(五)4"),
                   ("A", "place_unresolved", "warning", "sheet=x row=2 column=hukou_county value=七星街道", None)])
    stake = with_stake(f, None, shaoxing, ON, "zh")["stake"].to_list()
    assert stake[0] == "最多 3,120.00 元未计发（绍兴 实施意见 重点工作(五)4）"
    assert "涉及金额" in stake[1]


def test_money_paid_on_a_reading_to_confirm_is_not_called_unpaid(shaoxing):
    """A shared county name read as local, or a premium rule that began mid-year, is PAID: the
    self-check says the amount is paid on that reading, not "最多 … 未计发"; a premium rule
    that ended before the year's end is not paid, and says so."""
    f = _findings([
        ("A", "at_stake_hukou_read_as_home", "warning", "rows=2 amount=1,920.00", SX),
        ("A", "premium_part_year", "info", "rule=r in_force=2024-02..2024-12 paid=yes amount=5,412.80", "东阳"),
        ("A", "premium_part_year", "warning", "rule=r in_force=2024-01..2024-06 paid=no amount=6,666.67", "东阳"),
    ])
    got = with_stake(f, None, shaoxing, ON, "zh")["stake"].to_list()
    assert got[0].startswith("1,920.00 元已按此计发") and "未计发" not in got[0]
    assert got[1].startswith("5,412.80 元已按此计发") and "未计发" not in got[1]
    assert got[2] == "最多 6,666.67 元未计发（东阳）"


def test_a_premium_rule_begun_mid_year_reaches_each_self_check_once_with_the_homes_own_share(make_folder):
    """东阳 二(二)6 (in force from 2024-02-20) "对非营利性养老服务机构的保费,财政补助三分之二；对营利性…一半":
    A1 non-profit 10,000.00 × 2/3 = 6,666.67, A2 for-profit 3,000.00 × 1/3 = 1,000.00, A3 no premium.
    The run has one rule-level finding (7,666.67 over 2 homes); each manager whose premium it settles
    sees it among the general findings with its own share as the money, A3 does not see it."""
    import audit
    from audit.report.context import selfcheck_context, selfcheck_parts

    inst = ("机构编号,机构名称,所属区县,机构类型,举办性质,经营性质,登记备案日期,核定床位数\n"
            "A1,甲院,东阳市,养老机构,民办,非营利,2020-01-01,100\n"
            "A2,乙院,东阳市,养老机构,民办,营利,2020-01-01,100\n"
            "A3,丙院,东阳市,养老机构,民办,非营利,2020-01-01,100\n")
    folder = make_folder({"机构.csv": inst, "综合保险.csv": "机构编号,保险年度,保费,险种\n"
                          "A1,2024,10000,综合责任保险\nA2,2024,3000,综合责任保险\n"}, with_institutions=False)
    result = audit.run(folder, "dongyang", 2024)
    f = result.findings.filter(pl.col("rule") == "premium_part_year")
    assert f.height == 1 and f["institution_id"][0] is None and "amount=7,666.67" in f["evidence"][0]
    parts = selfcheck_parts(result)

    def seen(iid):
        return [g for g in selfcheck_context(result, iid, parts)["general_findings"] if g["rule"] == "premium_part_year"]

    a1, a2 = seen("A1"), seen("A2")
    assert len(a1) == 1 and a1[0]["stake"].startswith("6,666.67 元已按此计发")
    assert len(a2) == 1 and a2[0]["stake"].startswith("1,000.00 元已按此计发")
    assert "按期末有效的规则全额计发" in a1[0]["message"] and "ids=" not in a1[0]["evidence"]
    assert seen("A3") == []


def test_a_rule_begun_mid_year_reaches_each_self_check_due_before_it_once_with_the_homes_own_money(make_folder):
    """宝坻 二(三)7 holds from 2024-09-02 (rate set locally at 5,000 yuan a bed): B1 (30 self-built
    beds, all conditions met 2024-03-01) would carry 30 × 5,000.00 = 150,000.00 and B2 (20 beds,
    2024-05-10) 20 × 5,000.00 = 100,000.00 before the rule started; B3 (opened 2024-10-08) is paid.
    The run has one rule-level before_rule_start (250,000.00 over 2 homes); B1 and B2 each see it
    among the general findings with their own money, B3 does not see it."""
    import audit
    from audit.report.context import selfcheck_context, selfcheck_parts

    head = "机构编号,机构名称,所属区县,机构类型,举办性质,经营性质,核定床位数,用房性质,新建机构,登记备案日期,竣工验收日期,投入运营日期\n"
    rows = ("B1,甲院,宝坻区,养老机构,民办,非营利,30,自建,是,2024-03-01,2024-03-01,2024-03-01\n"
            "B2,乙院,宝坻区,养老机构,民办,非营利,20,自建,是,2024-05-10,2024-05-10,2024-05-10\n"
            "B3,丙院,宝坻区,养老机构,民办,非营利,30,自建,是,2024-10-08,2024-10-08,2024-10-08\n")
    folder = make_folder({"机构.csv": head + rows}, with_institutions=False)
    result = audit.run(folder, "baodi", 2024, sets=("construction.rate_self_built=5000",))
    f = result.findings.filter(pl.col("rule") == "before_rule_start")
    assert f.height == 1 and f["institution_id"][0] is None and "homes=2 amount=250,000.00" in f["evidence"][0]
    parts = selfcheck_parts(result)

    def seen(iid):
        return [g for g in selfcheck_context(result, iid, parts)["general_findings"] if g["rule"] == "before_rule_start"]

    b1, b2 = seen("B1"), seen("B2")
    assert len(b1) == 1 and b1[0]["stake"].startswith("最多 150,000.00 元未计发")
    assert len(b2) == 1 and b2[0]["stake"].startswith("最多 100,000.00 元未计发")
    assert "ids=" not in b1[0]["evidence"]
    assert seen("B3") == []


def test_an_average_premium_taken_from_the_input_is_paid_not_called_a_gap(make_folder):
    """绍兴 重点工作(五)4 pays a share of the "平均保费", which the text does not give: the run takes
    the input's mean ((3,000 + 6,000) ÷ 2 = 4,500.00; A1 non-profit 1/3 of it = 1,500.00) and
    says so. That money is paid: the self-check must not tell the manager it is "未计发" as it
    does for a parameter left open, and must say how to match the bureau's figure."""
    import audit
    from audit.report.context import selfcheck_context, selfcheck_parts

    inst = ("机构编号,机构名称,所属区县,机构类型,举办性质,经营性质,登记备案日期,核定床位数,等级评定\n"
            "A1,甲院,越城区,养老机构,民办,非营利,2020-01-01,100,2\n"
            "A2,乙院,越城区,养老机构,民办,非营利,2020-01-01,100,2\n")
    folder = make_folder({"机构.csv": inst, "综合保险.csv": "机构编号,保险年度,保费,险种\n"
                          "A1,2024,3000,养老机构综合责任保险\nA2,2024,6000,养老机构综合责任保险\n"},
                         with_institutions=False)
    result = audit.run(folder, "shaoxing", 2024)
    city = result.ledger.filter((pl.col("institution_id") == "A1") & (pl.col("payer") == "city")
                                & (pl.col("program") == "insurance"))
    assert city["amount_fen"].sum() == 1_500_00
    mean = [g for g in selfcheck_context(result, "A1", selfcheck_parts(result))["general_findings"]
            if "mean=4500.00" in g["evidence"]]
    assert len(mean) == 1, mean
    assert "未计发" not in mean[0]["stake"] and mean[0]["stake"].startswith("已按输入数据的平均保费计发")
    assert "--set" in mean[0]["fix"] and "主管部门" in mean[0]["fix"]


def _dongyang_nonprofit_share_open(tmp_path):
    """东阳 二(二)6 with the non-profit share ("财政补助三分之二") left open; for-profit 1/3 as written."""
    from importlib.resources import files

    text = (files("audit.policy") / "packs" / "dongyang.yaml").read_text(encoding="utf-8")
    assert text.count('        value: "2/3"') == 1
    pack = tmp_path / "dongyang_open.yaml"
    pack.write_text(text.replace('        value: "2/3"', "        gap: true\n        note: 测试 / test"), encoding="utf-8")
    return str(pack)


def test_a_blank_profit_status_paid_as_for_profit_is_not_called_unpaid(make_folder, tmp_path):
    """B (经营性质 blank) is paid as for-profit: 3,000.00 × 1/3 = 1,000.00; what it is due if
    non-profit cannot be computed (the non-profit share is open). Its self-check must say it is
    paid as for-profit and the amount open — never "未计发" (N, non-profit, is the one unpaid),
    must not show N's unpaid gap, and the operator appendix counts only N as held back."""
    import audit
    from audit.report.context import selfcheck_context, selfcheck_parts
    from audit.report.summary import operator_hints

    inst = ("机构编号,机构名称,所属区县,机构类型,举办性质,经营性质,登记备案日期,核定床位数,等级评定\n"
            "B,甲院,东阳市,养老机构,民办,,2020-01-01,100,2\n"
            "N,乙院,东阳市,养老机构,民办,非营利,2020-01-01,100,2\n")
    folder = make_folder({"机构.csv": inst, "综合保险.csv": "机构编号,保险年度,保费,险种\n"
                          "B,2024,3000,养老机构综合责任保险\nN,2024,3000,养老机构综合责任保险\n"},
                         with_institutions=False)
    result = audit.run(folder, _dongyang_nonprofit_share_open(tmp_path), 2024)
    paid = result.ledger.filter((pl.col("institution_id") == "B") & (pl.col("item") == "premium_share"))
    assert paid["amount_fen"].sum() == 1_000_00
    parts = selfcheck_parts(result)
    key = "insurance_institution.share_nonprofit"

    def about_the_share(iid):
        return [g for g in selfcheck_context(result, iid, parts)["general_findings"] if f"param={key}" in g["evidence"]]

    b = about_the_share("B")
    assert len(b) == 1, b
    assert b[0]["rule"] == "profit_status_blank_open"
    assert "未计发" not in b[0]["stake"] and b[0]["stake"].startswith("未填写营利性质，已按营利性计发")
    assert "无法计算" in b[0]["stake"] and "营利性质" in b[0]["fix"]
    n = about_the_share("N")
    assert [g["rule"] for g in n] == ["policy_gap"] and "未计发" in n[0]["stake"]
    hints = {h["param"]: h["affected"] for h in operator_hints(result.findings, "zh")}
    assert hints[key] == 1  # N is held back; B is paid


def test_validate_names_the_blank_profit_status_whose_non_profit_amount_the_pack_leaves_open(make_folder, tmp_path):
    """validate said nothing here (the non-profit reading pays an open share, so no money at stake
    sums): B's blank cell (机构 row 2, column F '经营性质') must be warned of, in the user's terms,
    with what it means: paid as for-profit, the non-profit amount cannot be computed. N, filled
    in, is not named."""
    from click.testing import CliRunner

    from audit.cli import main

    inst = ("机构编号,机构名称,所属区县,机构类型,举办性质,经营性质,登记备案日期,核定床位数,等级评定\n"
            "B,甲院,东阳市,养老机构,民办,,2020-01-01,100,2\n"
            "N,乙院,东阳市,养老机构,民办,非营利,2020-01-01,100,2\n")
    folder = make_folder({"机构.csv": inst, "综合保险.csv": "机构编号,保险年度,保费,险种\n"
                          "B,2024,3000,养老机构综合责任保险\nN,2024,3000,养老机构综合责任保险\n"},
                         with_institutions=False)
    pack = _dongyang_nonprofit_share_open(tmp_path)
    out = CliRunner().invoke(main, ["validate", "--data", str(folder), "--policy", pack, "--year", "2024"]).output
    hit = [ln for ln in out.splitlines() if "insurance_institution.share_nonprofit" in ln]
    assert len(hit) == 1, out
    assert "第2行 F列“经营性质”" in hit[0] and "机构 B " in hit[0] and "[警告]" in hit[0]
    assert "已按营利性计发" in hit[0] and "无法计算" in hit[0] and "未计发" not in hit[0]
    en = CliRunner().invoke(main, ["validate", "--lang", "en", "--data", str(folder), "--policy", pack,
                                   "--year", "2024"]).output
    assert "row 2 column F '经营性质'" in en and "paid as for-profit" in en and "cannot be computed" in en
