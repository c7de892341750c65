"""Values as bureau clerks type them (issue 9, item 6): each is read as the contract's
value, or refused with what to write instead."""

from __future__ import annotations

import pytest

import audit

ID_X = "11010519491231002X"
INST_HEAD = "机构编号,机构名称,所属区县,机构类型,等级评定,星级,用房性质,租期年限,核定床位数\n"


@pytest.mark.parametrize("typed, level", [
    ("三级", 3), ("3级", 3), ("五级", 5), ("一级", 1), ("三星", 3), ("★★★★", 4),
    ("未评定", 0), ("无", 0), ("4", 4), ("二级养老机构", 2),
])
def test_rating_level_words(make_folder, typed, level):
    folder = make_folder({"机构.csv": INST_HEAD + f"A1,甲院,越城区,养老机构,{typed},,自建,,10\n"})
    ds = audit.load_data(folder)
    assert ds.errors().is_empty(), ds.errors()
    assert ds.tables["institutions"]["rating_level"].to_list() == [level]


def test_lease_years_and_beds_with_units(make_folder):
    folder = make_folder({"机构.csv": INST_HEAD + "A1,甲院,越城区,养老机构,,无星级,租赁,10年,120张\n"
                                                  "A2,乙院,越城区,养老机构,,,租赁,十年,\n"})
    ds = audit.load_data(folder)
    inst = ds.tables["institutions"]
    assert ds.errors().is_empty(), ds.errors()
    assert inst["lease_years"].to_list() == [10.0, 10.0]
    assert inst["beds"].to_list() == [120, None]
    assert inst["star_level"].to_list() == [0, None]


def test_unreadable_level_says_what_to_write(make_folder):
    folder = make_folder({"机构.csv": INST_HEAD + "A1,甲院,越城区,养老机构,优秀,,自建,,10\n"})
    p = audit.load_data(folder).errors().row(0, named=True)
    assert (p["row"], p["column"], p["value"]) == (2, "rating_level", "优秀")
    assert "三级" in p["message"] and "未评定写 0" in p["message"]


@pytest.mark.parametrize("typed, role", [
    ("院长", "manager"), ("副院长", "manager"), ("厨师", "other"), ("保洁", "other"), ("护工", "caregiver"),
    ("社工", "social_worker"), ("护士", "medical"),
])
def test_role_words(make_folder, typed, role):
    folder = make_folder({"工作人员.csv": f"机构编号,人员编号,岗位\nA001,S1,{typed}\n"})
    ds = audit.load_data(folder)
    assert ds.errors().is_empty(), ds.errors()
    assert ds.tables["staff"]["role"].to_list() == [role]


@pytest.mark.parametrize("typed, level", [
    ("五级/初级工", "junior"), ("四级/中级工", "intermediate"), ("三级（高级工）", "senior"), ("二级/技师", "technician"),
    ("初级", "junior"), ("无证", "none"),
])
def test_certificate_levels_as_the_national_grades(make_folder, typed, level):
    folder = make_folder({"工作人员.csv": f"机构编号,人员编号,岗位,护理员证书等级\nA001,S1,护理员,{typed}\n"})
    ds = audit.load_data(folder)
    assert ds.errors().is_empty(), ds.errors()
    assert ds.tables["staff"]["care_certificate"].to_list() == [level]


def test_five_ability_grades_kept_beside_the_care_level(make_folder):
    rows = "".join(f"A001,{ID_X},2024-0{i + 1}-01,2024-0{i + 1}-02,{w}\n"
                   for i, w in enumerate(["能力完好", "轻度失能", "中度失能", "重度失能", "完全失能", "半失能"]))
    folder = make_folder({"入住老人.csv": "机构编号,身份证号,入住日期,离院日期,能力等级\n" + rows})
    ds = audit.load_data(folder)
    res = ds.tables["residents"].sort("_row")
    assert res["care_level"].to_list() == ["self_care", "partial", "partial", "full", "full", "partial"]
    # the five grades stay apart (ability_grade, read by the rule model); 半失能 is no GB/T 42195 grade
    assert res["ability_grade"].to_list() == ["intact", "mild", "moderate", "severe", "total", None]


def test_low_income_header_as_clerks_write_it(make_folder):
    """低保情况 instead of 低保类别 once lost a low-income supplement without a word."""
    folder = make_folder({"入住老人.csv": f"机构编号,身份证号,入住日期,低保情况\nA001,{ID_X},2024-01-01,低保户\n"})
    ds = audit.load_data(folder)
    assert ds.errors().is_empty(), ds.errors()
    assert ds.tables["residents"]["low_income"].to_list() == ["dibao"]


def test_insurance_period_gives_the_year(make_folder):
    """A 保险期间 column and no 保险年度 once dropped the insurance programme silently."""
    folder = make_folder({"综合保险.csv": "机构编号,保险期间,保费,险种\n"
                                        "A001,2024.1.1-2024.12.31,\"1,200\",综合责任保险\n"
                                        "A002,2024年7月1日至2025年6月30日,800,综合责任保险\n"
                                        "A001,全年,500,综合责任保险\n"})
    ds = audit.load_data(folder)
    ins = ds.tables["insurance"].sort("_row")
    assert ins["year"].to_list() == [2024, 2024, None]
    assert ins["premium_fen"].to_list() == [120000, 80000, 50000]
    p = ds.problems.sort("row")
    assert p.select("row", "check", "severity").rows() == [(3, "insurance_year", "info"), (4, "date", "error")]


def test_premium_without_any_year_is_named_with_its_amount(make_folder):
    folder = make_folder({"综合保险.csv": "机构编号,保费,险种\nA001,1234.5,综合责任保险\n"})
    p = audit.load_data(folder).problems
    assert p.select("row", "column", "check", "severity").rows() == [(2, "year", "missing_year", "warning")]
    assert "1234.50 元" in p["message"][0]


def test_part_time_without_fte_is_a_warning_and_marked(make_folder):
    folder = make_folder({"工作人员.csv": "机构编号,人员编号,岗位,用工形式,工时折算\n"
                                        "A001,S1,护工,兼职,\nA001,S2,护工,兼职,0.5\nA001,S3,护工,全职,\n"})
    ds = audit.load_data(folder)
    staff = ds.tables["staff"].sort("_row")
    assert staff["fte"].to_list() == [1.0, 0.5, 1.0]
    assert staff["fte_assumed"].to_list() == [True, False, False]
    p = ds.problems
    assert p.select("row", "column", "check", "severity").rows() == [(2, "fte", "fte_unknown", "warning")]
    assert "上限" in p["message"][0]


def test_validate_with_a_policy_names_the_rules_a_missing_column_starves(make_folder):
    """低保情 (a header nobody can read) must not cost the low-income supplement silently:
    with --policy, validate says which rule reads 低保类别 and that it is missing."""
    from click.testing import CliRunner

    from audit.cli import main

    folder = make_folder({"入住老人.csv": f"机构编号,身份证号,入住日期,户籍所在区县,低保情\nA001,{ID_X},2024-01-01,越城区,低保\n"})
    out = CliRunner().invoke(main, ["validate", "--data", str(folder), "--policy", "shaoxing", "--year", "2024"]).output
    line = next(x for x in out.splitlines() if "低保类别" in x and "rule" not in x and "规则" in x)
    assert "operating_grant" in line and "少付" in line
    # no such line without --policy (the column is optional in the contract)
    plain = CliRunner().invoke(main, ["validate", "--data", str(folder)]).output
    assert not any("规则" in x and "低保类别" in x for x in plain.splitlines())


def test_self_check_says_the_staffing_figures_are_bounds_when_a_part_timer_has_no_fte(make_folder):
    from audit.report.context import selfcheck_context
    from audit.report.render import render_html

    folder = make_folder({"工作人员.csv": "机构编号,人员编号,岗位,用工形式,工时折算\n"
                                        "A001,S1,护工,兼职,\nA001,S2,护工,全职,\n"})
    html = render_html("selfcheck.html", selfcheck_context(audit.run(folder, "jiayuguan", 2024), "A001"))
    assert "有 1 名护理员为兼职且未填工时折算，暂按全职计" in html and "上限" in html
