"""Money at stake (issue 9): an input the reader cannot use is named with the money riding on
it, in `validate --policy P --year Y` and in `run`. Expected sums worked by hand from the
Shaoxing pack (重点工作(五)4): a private, registered level-3 home pays 80 yuan per
resident-month for local residents resident six full months; +50 for the disabled or
demented; +50 for 低保/低保边缘. Every resident below was admitted on 2023-01-01, so each
counts all twelve months of 2024."""

from __future__ import annotations

import json

import polars as pl
from click.testing import CliRunner

import audit
from audit.cli import main

ID_A = "11010519491231002X"     # GB 11643 appendix example
ID_B = "330602195001011233"
ID_C = "330624194805050012"     # GB 11643: weighted sum 241, 241 mod 11 = 10 → check digit 2
INST = ("机构编号,机构名称,所属区县,机构类型,举办性质,经营性质,登记备案日期,等级评定,核定床位数\n"
        "A1,甲院,新昌县,养老机构,民办,非营利,2020-01-01,三级,100\n")


def _validate(folder, *more) -> tuple[int, list[dict]]:
    r = CliRunner().invoke(main, ["validate", "--data", str(folder), "--format", "json", *more])
    return r.exit_code, json.loads(r.output)


def _stake(problems: list[dict], column: str) -> dict:
    return next(p for p in problems if p["check"] == "money_at_stake" and p["column"] == column)


def test_unresolved_hukou_names_the_operating_grant_at_stake_in_validate_and_run(make_folder, tmp_path):
    folder = make_folder({"机构.csv": INST, "入住老人.csv": (
        "机构编号,身份证号,入住日期,户籍地,能力等级,低保类别,失智\n"
        f"A1,{ID_A},2023-01-01,七星街道,自理,无,否\n"          # matches no county
        f"A1,{ID_B},2023-01-01,七星街道,部分失能,低保,否\n"     # and is disabled and 低保
        f"A1,{ID_C},2023-01-01,新昌县,自理,无,否\n")}, with_institutions=False)
    # if local: A 12 × 80 = 960.00; B 12 × (80 + 50 + 50) = 2,160.00 → 3,120.00
    code, problems = _validate(folder, "--policy", "shaoxing", "--year", "2024")
    assert code == 0
    s = _stake(problems, "hukou_county")
    assert s["value"] == "3,120.00" and s["row"] == 2 and s["severity"] == "warning"
    assert "2 名老人的户籍地无法对应到区县" in s["message"] and "最多 3,120.00 元运营补贴未计发" in s["message"]
    # without a year nothing is computed (the rules in force are not known), and the text says how to get it
    _, plain = _validate(folder, "--policy", "shaoxing")
    assert not [p for p in plain if p["check"] == "money_at_stake"]
    text = CliRunner().invoke(main, ["validate", "--data", str(folder), "--policy", "shaoxing"]).output
    assert text.splitlines()[-1].startswith("加 --year 年度")

    result = audit.run(folder, "shaoxing", 2024)
    paid = result.ledger.filter(pl.col("program") == "operating")["amount_fen"].sum()
    assert paid == 96000                                     # only C: 12 × 80
    f = result.findings.filter(pl.col("rule") == "at_stake_hukou_unresolved")
    assert f.select("institution_id", "severity").rows() == [("A1", "warning")]
    assert "最多 3,120.00 元运营补贴未计发" in f["message"][0] and "amount=3,120.00" in f["evidence"][0]


def test_missing_low_income_and_dementia_columns_state_the_supplements_at_stake(make_folder):
    """低保情 is no header the reader knows: the column is missing, so nobody gets the
    low-income supplement; no 失智 column, so nobody gets the dementia supplement."""
    folder = make_folder({"机构.csv": INST, "入住老人.csv": (
        "机构编号,身份证号,入住日期,户籍地,能力等级,低保情\n"
        f"A1,{ID_A},2023-01-01,新昌县,自理,低保\n"
        f"A1,{ID_B},2023-01-01,新昌县,完全失能,低保\n")}, with_institutions=False)
    _, problems = _validate(folder, "--policy", "shaoxing", "--year", "2024")
    # 低保类别: both residents' 24 months × 50 = 1,200.00
    low = _stake(problems, "low_income")
    assert low["value"] == "1,200.00" and "数据中没有“低保类别”列" in low["message"]
    # 失智: only A is not already disabled (B is fully disabled, paid once): 12 × 50 = 600.00
    assert _stake(problems, "dementia")["value"] == "600.00"
    missing = [p for p in problems if p["check"] == "rule_input_missing" and p["column"] == "low_income"]
    assert missing and "operating_grant" in missing[0]["message"]

    found = audit.run(folder, "shaoxing", 2024).findings
    assert set(found.filter(pl.col("rule").str.starts_with("at_stake"))["evidence"].str.extract(r"amount=(\S+)")) \
        == {"1,200.00", "600.00"}
    assert "rule_input_missing" in found["rule"].to_list()


def test_unreadable_care_level_names_the_disability_supplement_at_stake(make_folder):
    folder = make_folder({"机构.csv": INST, "入住老人.csv": (
        "机构编号,身份证号,入住日期,户籍地,失能等级,低保类别,失智\n"
        f"A1,{ID_A},2023-01-01,新昌县,看护二档,无,否\n"
        f"A1,{ID_B},2023-01-01,新昌县,自理,无,否\n")}, with_institutions=False)
    code, problems = _validate(folder, "--policy", "shaoxing", "--year", "2024")
    assert code == 1                                              # the unreadable level is an error
    s = _stake(problems, "care_level")
    assert s["value"] == "600.00" and s["row"] == 2               # 12 × 50 if A were disabled
    assert "1 行的“能力等级”无法读取" in s["message"]


def test_premium_without_a_readable_year_names_the_insurance_subsidy_at_stake(make_folder):
    folder = make_folder({"机构.csv": INST, "综合保险.csv": "机构编号,保费,险种\nA1,1200,综合责任保险\n"},
                         with_institutions=False)
    # insurance_city: 1/3 of the average premium for a non-profit home; the pack leaves the average
    # open, so it is the input's mean (average_premium_from_input): 1,200 / 3 = 400.00
    _, problems = _validate(folder, "--policy", "shaoxing", "--year", "2024")
    s = _stake(problems, "year")
    assert s["value"] == "400.00" and "1 笔保费没有可读的保险年度" in s["message"] and "综合保险" in s["message"]
    # with the average set locally to 900: 900 / 3 = 300.00
    ds = audit.load_data(folder)
    from audit.policy import load_pack
    from audit.stake import money_at_stake

    pack = load_pack("shaoxing", sets=("insurance_city.average_premium=900",))
    stakes = money_at_stake(ds.tables, ds.sources, ds.problems, pack, 2024)
    assert stakes.select("institution_id", "code", "amount_fen").rows() == [("A1", "year_missing", 30000)]
    # an unreadable 保险期间 (an error) leaves the premium in no year just the same
    unreadable = make_folder({"机构.csv": INST, "综合保险.csv": "机构编号,保险期间,保费,险种\nA1,全年,1200,综合责任保险\n"},
                             with_institutions=False)
    code, problems = _validate(unreadable, "--policy", "shaoxing", "--year", "2024")
    assert code == 1 and _stake(problems, "year")["value"] == "400.00"


def test_validate_judges_missing_columns_by_the_rules_in_force_that_year(make_folder):
    """Baodi's operating grant (paid by rating level) applies from 2024-09-02 (its pack): asked
    about 2023, a missing 等级评定 column starves no rule; asked about 2024 it does."""
    folder = make_folder({"入住老人.csv": f"机构编号,身份证号,入住日期\nA001,{ID_A},2023-01-01\n"})
    from audit.data.needs import missing_for_pack
    from audit.dates import Period
    from audit.policy import load_pack

    pack = load_pack("baodi")
    ds = audit.load_data(folder)
    first = min(e.start for r in pack.rules_of_kind("resident_month_grant") for p in r.params.values()
                for e in p.values)
    before = missing_for_pack(pack, ds.tables, ds.sources, Period.year(first.year - 1))
    during = missing_for_pack(pack, ds.tables, ds.sources, Period.year(first.year))
    assert first.year == 2024
    assert "rating_level" not in before["column"].to_list()
    assert "rating_level" in during["column"].to_list()
    code, problems = _validate(folder, "--policy", "baodi", "--year", "2023")
    assert "rating_level" not in [p["column"] for p in problems if p["check"] == "rule_input_missing"]


def test_hukou_as_address_short_name_or_code_is_local_and_paid(make_folder):
    """户籍地 written as an address, a short name or a 6-digit code once made every resident
    'not local' (operating grant 0, no finding). Each is 新昌县: 3 × 12 × 80 = 2,880.00."""
    folder = make_folder({"机构.csv": INST, "入住老人.csv": (
        "机构编号,身份证号,入住日期,户籍地,能力等级,低保类别,失智\n"
        f"A1,{ID_A},2023-01-01,浙江省绍兴市新昌县七星街道,自理,无,否\n"
        f"A1,{ID_B},2023-01-01,新昌,自理,无,否\n"
        f"A1,{ID_C},2023-01-01,330624,自理,无,否\n")}, with_institutions=False)
    result = audit.run(folder, "shaoxing", 2024)
    assert result.ledger.filter(pl.col("program") == "operating")["amount_fen"].sum() == 288000
    assert result.findings.filter(pl.col("rule").str.starts_with("at_stake")).is_empty()


def test_premium_with_no_scheme_names_the_insurance_subsidy_at_stake(make_folder):
    """A blank 险种 cell (or no 险种 column) leaves a premium in no scheme: no subsidy and, before,
    no word. As an institution policy: 1/3 of the input's mean premium 1,200 = 400.00."""
    folder = make_folder({"机构.csv": INST, "综合保险.csv": "机构编号,保险年度,保费,险种\nA1,2024,1200,\n"},
                         with_institutions=False)
    code, problems = _validate(folder, "--policy", "shaoxing", "--year", "2024")
    s = _stake(problems, "scheme")
    assert code == 0 and s["value"] == "400.00" and "1 笔保费没有可读的险种" in s["message"]
    assert audit.run(folder, "shaoxing", 2024).ledger.filter(pl.col("program") == "insurance").is_empty()


def test_blank_or_missing_hukou_names_the_operating_grant_at_stake(make_folder):
    """A blank 户籍地 cell, or no 户籍地 column at all, counts the resident as not local: 12 × 80
    = 960.00 for each self-care resident of a level-3 home."""
    folder = make_folder({"机构.csv": INST, "入住老人.csv": (
        "机构编号,身份证号,入住日期,户籍地,能力等级\n"
        f"A1,{ID_A},2023-01-01,,自理\nA1,{ID_B},2023-01-01,新昌县,自理\n")}, with_institutions=False)
    _, problems = _validate(folder, "--policy", "shaoxing", "--year", "2024")
    s = _stake(problems, "hukou_county")
    assert s["value"] == "960.00" and "1 名老人没有填写户籍地" in s["message"]
    folder = make_folder({"机构.csv": INST, "入住老人.csv": (
        "机构编号,身份证号,入住日期,能力等级\n"
        f"A1,{ID_A},2023-01-01,自理\nA1,{ID_B},2023-01-01,自理\n")}, with_institutions=False)
    found = audit.run(folder, "shaoxing", 2024).findings.filter(pl.col("rule") == "at_stake_column_missing")
    hukou = found.filter(pl.col("evidence").str.contains("「户籍所在区县」列", literal=True))["evidence"]
    assert hukou.len() == 1 and "amount=1,920.00" in hukou[0]


def test_an_estimate_that_fails_is_said_not_skipped(monkeypatch):
    """If the money-at-stake sums cannot be made, the run says so (a warning), never silence."""
    import audit.stake
    from audit.pipeline import _data_findings

    def broken(*args, **kwargs):
        raise RuntimeError("estimate failed")

    monkeypatch.setattr(audit.stake, "money_at_stake", broken)
    monkeypatch.delenv("AUDIT_DEBUG", raising=False)
    from audit.data.io import load_data
    from audit.policy import load_pack

    from pathlib import Path

    ds = load_data(Path(__file__).resolve().parents[1] / "demo" / "demo.xlsx")
    found = _data_findings(ds, load_pack("shaoxing"), 2024, "zh", None)
    assert found.filter(pl.col("rule") == "at_stake_not_estimated")["severity"].to_list() == ["warning"]


def test_a_blank_care_level_and_a_blank_ownership_say_the_money_they_hold(make_folder):
    # 绍兴 重点工作(五)4: B's 能力等级 is blank, so no disability supplement: if fully disabled,
    # 12 × 50 = 600.00 more. Home A2 has no 举办性质 and the grant is for 民办 homes only: its one
    # local resident would be paid 12 × 80 = 960.00. Neither was said before (a silent zero).
    inst = INST + "A2,乙院,新昌县,养老机构,,非营利,2020-01-01,三级,100\n"
    folder = make_folder({"机构.csv": inst, "入住老人.csv": (
        "机构编号,身份证号,入住日期,户籍地,能力等级,低保类别,失智\n"
        f"A1,{ID_A},2023-01-01,新昌县,自理,无,否\n"
        f"A1,{ID_B},2023-01-01,新昌县,,无,否\n"
        f"A2,{ID_C},2023-01-01,新昌县,自理,无,否\n")}, with_institutions=False)
    result = audit.run(folder, "shaoxing", 2024)
    paid = result.ledger.filter(pl.col("program") == "operating")["amount_fen"].sum()
    assert paid == 2 * 96000                                 # A and B at the base rate; nothing for A2
    f = result.findings.filter(pl.col("rule") == "at_stake_value_blank").sort("institution_id")
    assert f.select("institution_id", "severity").rows() == [("A1", "warning"), ("A2", "warning")]
    assert "1 行未填写“能力等级”" in f["message"][0] and "最多 600.00 元运营补贴未计发" in f["message"][0]
    assert "最多 960.00 元" in f["message"][1] and "举办性质" in f["message"][1]


def test_a_blank_rating_level_says_the_grant_it_holds_and_zero_stays_unrated(make_folder):
    # 绍兴 重点工作(五)4 "按一至五级分别给予每人每月不低于30元、50元、80元、100元、150元": A3 left
    # 等级评定 blank, one local resident all year → nothing paid, at most 12 × 150 = 1,800.00 if
    # rated five; A4 wrote 未评定 (0): not rated, said as info only, no money at stake
    inst = (INST.replace(",三级,100\n", ",三级,100\n") + "A3,丙院,新昌县,养老机构,民办,非营利,2020-01-01,,100\n"
            "A4,丁院,新昌县,养老机构,民办,非营利,2020-01-01,未评定,100\n")
    folder = make_folder({"机构.csv": inst, "入住老人.csv": (
        "机构编号,身份证号,入住日期,户籍地,能力等级,低保类别,失智\n"
        f"A3,{ID_A},2023-01-01,新昌县,自理,无,否\n"
        f"A4,{ID_B},2023-01-01,新昌县,自理,无,否\n")}, with_institutions=False)
    result = audit.run(folder, "shaoxing", 2024)
    assert result.ledger.filter(pl.col("program") == "operating").height == 0
    f = result.findings.filter(pl.col("rule") == "at_stake_value_blank")
    assert f.select("institution_id", "severity").rows() == [("A3", "warning")]
    assert "1 行未填写“等级评定”" in f["message"][0] and "最多 1,800.00 元运营补贴未计发" in f["message"][0]
    unrated = result.findings.filter(pl.col("rule") == "unrated").sort("institution_id")
    assert unrated["institution_id"].to_list() == ["A3", "A4"]
    assert unrated["message"][0].startswith("未填写等级评定") and unrated["message"][1].startswith("机构未评定等级")


def test_two_blanks_of_one_home_are_each_said_with_the_money_they_hold_together(make_folder):
    # A5 left both 举办性质 and 等级评定 blank, one local resident all year: read alone, either
    # blank still leaves nothing paid (the other stops it), so the home went unsaid. Each is now a
    # warning of at most 12 × 150 = 1,800.00 (绍兴 重点工作(五)4: 民办, 五级 150 元), and each says
    # that the two together hold at most the same 1,800.00 (the parts do not add up)
    inst = INST + "A5,戊院,新昌县,养老机构,,非营利,2020-01-01,,100\n"
    folder = make_folder({"机构.csv": inst, "入住老人.csv": (
        "机构编号,身份证号,入住日期,户籍地,能力等级,低保类别,失智\n"
        f"A5,{ID_A},2023-01-01,新昌县,自理,无,否\n")}, with_institutions=False)
    f = audit.run(folder, "shaoxing", 2024).findings.filter(pl.col("rule") == "at_stake_value_blank")
    assert sorted(f["message"].to_list()) == [
        "1 行未填写“举办性质”：最多 1,800.00 元运营补贴未计发（若这些机构都属规则补助的举办性质）"
        "；与同一机构未填写的“等级评定”合计最多 1,800.00 元，各项不可相加",
        "1 行未填写“等级评定”：最多 1,800.00 元运营补贴未计发（若这些机构都评为最高等级）"
        "；与同一机构未填写的“举办性质”合计最多 1,800.00 元，各项不可相加"]


def test_a_band_flag_column_the_data_lacks_is_named_for_the_rule_that_reads_it(make_folder):
    """Haimen (正文): "养老床位在100张以上，且达到省示范性养老机构建设标准的，每月每张床位80元"
    — its band "[100,)+model" reads 示范性养老机构. Without that column a 120-bed model home
    falls to the 60-yuan band: 20 yuan per occupied bed-month less, so validate must name
    the column and the rule. With the column, no such warning."""
    inst = ("机构编号,机构名称,所属区县,机构类型,举办性质,登记备案日期,开业日期,运营正常,核定床位数{}\n"
            "H1,海门甲院,海门区,养老机构,民办,2020-01-01,2020-01-01,是,120{}\n")
    res = f"机构编号,身份证号,入住日期,户籍地\nH1,{ID_A},2023-01-01,海门区\n"

    def missing(with_flag: bool) -> list[dict]:
        flag = (",示范性养老机构", ",是") if with_flag else ("", "")
        folder = make_folder({"机构.csv": inst.format(flag[0], flag[1]), "入住老人.csv": res},
                             with_institutions=False)
        _, problems = _validate(folder, "--policy", "haimen", "--year", "2024")
        return [p for p in problems if p["check"] == "rule_input_missing"
                and p["column"] == "model_institution"]

    lacking = missing(False)
    assert len(lacking) == 1 and "示范性养老机构" in lacking[0]["message"] and "operating" in lacking[0]["message"]
    assert missing(True) == []


def test_each_kind_declares_what_it_reads_once_for_validate_and_explain():
    """The columns `validate` warns about and those `audit explain` shows come from one
    declaration: every column a kind reads exists in the contract, and every institution
    column of a subsidy kind is one explain shows for its ledger program."""
    from audit.data import contract
    from audit.kinds.registry import KINDS, program_inputs

    shown = program_inputs()
    for kind in KINDS.values():
        read = [*kind.reads, *(c for more in kind.reads_with.values() for c in more)]
        for table, column in read:
            assert contract.table(table).column(column) is not None, (kind.name, table, column)
        assert set(kind.reads_with) <= set(kind.params), kind.name
        if kind.program:
            assert {contract.table(t).column(c).out_name for t, c in read if t == "institutions"} \
                <= set(shown[kind.program]), kind.name


def test_a_blank_band_flag_cell_names_the_higher_band_it_holds(make_folder):
    """Haimen (正文): 50+ beds 60 yuan per occupied bed-month, "养老床位在100张以上，且达到省示范性
    养老机构建设标准的，每月每张床位80元". H1 (120 beds) has its 示范性养老机构 cell blank: it is
    paid the 60 band, and the warning names at most (80 − 60) × 12 months = 240.00 for its one
    resident; H2 (是) is paid 80 and nothing is said."""
    folder = make_folder({
        "机构.csv": "机构编号,机构名称,所属区县,机构类型,举办性质,登记备案日期,开业日期,运营正常,核定床位数,示范性养老机构\n"
                   "H1,甲院,海门区,养老机构,民办,2018-01-01,2018-01-01,是,120,\n"
                   "H2,乙院,海门区,养老机构,民办,2018-01-01,2018-01-01,是,120,是\n",
        "入住老人.csv": f"机构编号,身份证号,入住日期,户籍地\nH1,{ID_A},2019-01-01,海门区\nH2,{ID_B},2019-01-01,海门区\n"},
        with_institutions=False)
    result = audit.run(folder, "haimen", 2020)
    paid = dict(result.ledger.group_by("institution_id").agg(pl.col("amount_fen").sum()).iter_rows())
    assert paid == {"H1": 12 * 60_00, "H2": 12 * 80_00}
    stake = result.findings.filter(pl.col("rule") == "at_stake_value_blank")
    assert stake["institution_id"].to_list() == ["H1"] and "amount=240.00" in stake["evidence"][0]
    assert "示范性养老机构" in stake["message"][0]


def test_a_missing_leaving_date_column_is_named_for_the_staffing_check_in_its_own_terms(make_folder):
    """Without 离职日期 a caregiver who left counts as on staff all year, and a staffing breach
    can read as met: validate names the column for the staffing rule, saying a check's
    conclusion (not a payment) is what may be wrong."""
    folder = make_folder({"工作人员.csv": "机构编号,人员编号,岗位,入职日期\nA001,S1,护理员,2020-01-01\n"})
    _, problems = _validate(folder, "--policy", "jiayuguan", "--year", "2024")
    left = [p for p in problems if p["check"] == "rule_input_missing" and p["column"] == "left_on"]
    assert len(left) == 1 and "检查结论可能有误" in left[0]["message"] and "款项" not in left[0]["message"]


def test_a_blank_profit_status_is_paid_as_for_profit_in_every_rule_and_the_rest_is_at_stake():
    """One reading of a blank 营利性质 for every rule that reads it: paid as 营利 (the lower amount),
    and a warning names the most still due if the home is 非营利 (the difference of the two readings).
    Before, premium shares paid the lower share and the bed grants paid in full.
    - 东阳 二(二)6 premium 3,000.01: for-profit 1/3 → 1,000.00 paid; non-profit 2/3 → 2,000.01; 1,000.01 at stake;
    - 嘉峪关 三(一) 31 new self-built beds × 10,000 × 80% = 248,000.00 paid; in full 310,000.00; 62,000.00 at stake;
    - 甘肃 10 new self-built beds × 10,000 × 80% = 80,000.00 paid; in full 100,000.00; 20,000.00 at stake."""
    from audit.calc import compute
    from audit.policy import load_pack
    from audit.stake import money_at_stake, stake_findings
    from test_calc_helpers import D, tables

    opened = {"registered_on": D(2024, 3, 1), "accepted_on": D(2024, 2, 1), "opened_on": D(2024, 4, 1)}
    cases = [
        ("dongyang", (), tables(institutions=[{"institution_id": "B", "profit_status": None}],
                                insurance=[{"institution_id": "B", "year": 2024, "premium_fen": 3_000_01}]),
         1_000_00, 1_000_01, "综合保险"),
        ("jiayuguan", (), tables(institutions=[{"institution_id": "B", "beds": 31, "profit_status": None, **opened}]),
         248_000_00, 62_000_00, "建设补贴"),
        ("gansu", ("construction.payer=county",),
         tables(institutions=[{"institution_id": "B", "beds": 10, "profit_status": None, "accepted_on": D(2024, 2, 1),
                               "opened_on": D(2024, 3, 1)}]),
         80_000_00, 20_000_00, "建设补贴"),
    ]
    for name, sets, homes, paid, at_stake, program in cases:
        pack = load_pack(name, sets=sets)
        ledger, findings, _ = compute(homes, pack, 2024)
        public = ledger.filter(pl.col("payer") != "institution")["amount_fen"].sum()
        assert public == paid, name
        stakes = money_at_stake(homes, {}, None, pack, 2024)
        assert stakes.select("institution_id", "code", "column", "amount_fen").rows() == [
            ("B", "value_blank", "profit_status", at_stake)], name
        f = stake_findings(stakes, 2024)
        assert f["severity"].to_list() == ["warning"], name
        assert f"最多 {audit.money.fen_to_yuan(at_stake, thousands=True)} 元" in f["message"][0], name
        assert "经营性质" in f["message"][0] and "非营利" in f["message"][0] and program in f["message"][0], name


def test_two_blank_flags_either_of_which_lifts_the_band_are_each_said(make_folder, tmp_path):
    """Haimen (正文) 80 yuan per occupied bed-month for 100+ beds and 示范性养老机构, here with a second
    way into that band (保基本床位协议, a test variant): H1 (120 beds) left both cells blank and is
    paid the 60 band. Either flag alone lifts it: each blank is a warning of (80 − 60) × 12 = 240.00,
    not 0 because the other blank, read in favour, already lifts it."""
    from importlib.resources import files

    text = (files("audit.policy") / "packs" / "haimen.yaml").read_text(encoding="utf-8")
    bands = 'value: {"[100,)+model": 80, "[0,50]": 20, "(50,)": 60}'
    assert text.count(bands) == 1
    pack = tmp_path / "haimen_either.yaml"
    pack.write_text(text.replace(bands, bands.replace('80, "[0', '80, "[100,)+basic_beds": 80, "[0')),
                    encoding="utf-8")
    folder = make_folder({
        "机构.csv": "机构编号,机构名称,所属区县,机构类型,举办性质,登记备案日期,开业日期,运营正常,核定床位数,示范性养老机构,"
                   "保基本床位协议\nH1,甲院,海门区,养老机构,民办,2018-01-01,2018-01-01,是,120,,\n",
        "入住老人.csv": f"机构编号,身份证号,入住日期,户籍地\nH1,{ID_A},2019-01-01,海门区\n"},
        with_institutions=False)
    result = audit.run(folder, str(pack), 2020)
    assert result.ledger["amount_fen"].sum() == 12 * 60_00
    stake = result.findings.filter(pl.col("rule") == "at_stake_value_blank").sort("message")
    assert stake.height == 2 and all("amount=240.00" in e for e in stake["evidence"])


def test_a_blank_profit_status_under_an_average_premium_is_priced_on_everyones_mean():
    """绍兴 重点工作(五)4: the city pays 1/3 of the average premium for a non-profit home, 1/6 for a
    for-profit one; the pack leaves the average open, so it is the mean of all the input's premiums:
    (3,000 + 6,000 + 1,000) / 3 = 3,333.33. B (营利性质 blank) is paid as for-profit:
    3,333.33 / 6 = 555.555 → 555.56; as non-profit 3,333.33 / 3 = 1,111.11; at stake 555.55 — not
    the mean of B's own premium alone (6,000: 2,000.00 − 1,000.00 = 1,000.00)."""
    from audit.calc import compute
    from audit.policy import load_pack
    from audit.stake import money_at_stake
    from test_calc_helpers import tables

    homes = tables(institutions=[{"institution_id": i, "profit_status": s} for i, s in
                                 (("A", "nonprofit"), ("B", None), ("C", "nonprofit"))],
                   insurance=[{"institution_id": i, "year": 2024, "premium_fen": p} for i, p in
                              (("A", 3_000_00), ("B", 6_000_00), ("C", 1_000_00))])
    pack = load_pack("shaoxing")
    ledger, _, _ = compute(homes, pack, 2024)
    city = ledger.filter((pl.col("payer") == "city") & (pl.col("institution_id") == "B"))["amount_fen"].to_list()
    assert city == [555_56]
    stakes = money_at_stake(homes, {}, None, pack, 2024)
    assert stakes.select("institution_id", "column", "amount_fen").rows() == [("B", "profit_status", 555_55)]


def test_two_blanks_of_one_home_state_the_most_they_hold_together():
    """甘肃 《办法》: 10 new self-built beds × 10,000 (非营利, 社会办), 80% for 营利. B left 举办性质 and
    经营性质 blank: as read it is in no ownership's scope, 0 paid. Both read in favour (民办, 非营利):
    10 × 10,000 = 100,000.00, the most B can get. 举办性质's own part: 100,000.00 (with 经营性质 blank
    it still brings 10 × 8,000 = 80,000.00); 经营性质's: 100,000.00 − 80,000.00 = 20,000.00 (alone 0).
    The parts add up to 120,000.00, more than B can get: each warning states the 100,000.00 together."""
    from audit.policy import load_pack
    from audit.stake import money_at_stake, stake_findings, stake_problems
    from test_calc_helpers import D, tables

    homes = tables(institutions=[{"institution_id": "B", "beds": 10, "ownership": None, "profit_status": None,
                                  "accepted_on": D(2024, 2, 1), "opened_on": D(2024, 3, 1)}])
    pack = load_pack("gansu", sets=("construction.payer=province",))
    stakes = money_at_stake(homes, {}, None, pack, 2024)
    assert stakes.select("column", "amount_fen", "joint_fen").sort("column").rows() == [
        ("ownership", 100_000_00, 100_000_00), ("profit_status", 20_000_00, 100_000_00)]
    f = stake_findings(stakes, 2024).sort("message")
    assert f["message"].to_list() == [
        "1 行未填写“举办性质”：最多 100,000.00 元建设补贴未计发（若这些机构都属规则补助的举办性质）；"
        "与同一机构未填写的“经营性质”合计最多 100,000.00 元，各项不可相加",
        "1 行未填写“经营性质”：最多 20,000.00 元建设补贴未计发（若这些机构都是非营利性）；"
        "与同一机构未填写的“举办性质”合计最多 100,000.00 元，各项不可相加"]
    assert all("joint=100,000.00" in e for e in f["evidence"])
    en = stake_findings(stakes, 2024, "en").sort("message")["message"].to_list()
    assert all(m.endswith("at most 100,000.00 yuan in all (the parts do not add up)") for m in en)
    p = stake_problems(stakes, 2024).sort("column")
    assert p["message"].str.contains("合计最多 100,000.00 元，各项不可相加").all()
