"""The claim and register tables (申报, 申报名册, 拨付, 死亡名单, 低保特困名册) are read
like the other tables: Chinese headers, located problems, money in fen."""

from __future__ import annotations

import polars as pl
import pytest

from audit.data.io import load_data

P = "110101195001011239"   # check digit 9 by GB 11643


def test_chinese_headers_are_read_and_money_is_fen(make_folder):
    folder = make_folder({
        "申报.csv": "机构编号,补贴项目,申报期间,申报金额,申报数量\nA001,运营补贴,2024-06,\"12,000.00\",40\nA001,建设补贴,2024,5000,\n",
        "申报名册.csv": f"机构编号,申报月份,身份证号\nA001,2024-05,{P}\n",
        "拨付.csv": "机构编号,补贴项目,所属期间,拨付金额,拨付日期,凭证号\nA001,运营补贴,2024-06,-100.50,2024/7/15,记-0012\n",
        "死亡名单.csv": f"身份证号,死亡日期\n{P},2024年5月10日\n",
        "低保特困名册.csv": f"身份证号,救助类别,认定日期,退出日期\n{P},低保边缘,2020-01-01,\n",
    })
    ds = load_data(folder)
    assert ds.errors().height == 0, ds.errors()
    t = ds.tables
    assert t["claims"].select("program", "period", "amount_fen", "quantity").rows() == [
        ("operating", "2024-06", 1_200_000, 40), ("construction", "2024", 500_000, None)]
    assert t["payments"].select("amount_fen", "voucher").rows() == [(-10_050, "记-0012")]
    assert t["deaths"]["died_on"].cast(pl.String).to_list() == ["2024-05-10"]
    assert t["assistance_roster"].select("category", "until").rows() == [("dibao_edge", None)]
    assert t["claim_residents"]["person_id"].to_list() == [P]


def test_unreadable_periods_and_ids_are_located(make_folder):
    folder = make_folder({
        "claims.csv": "institution_id,program,period,amount\nA001,operating,2024年上半年,1\nA001,运营补贴,2024-13,1\n",
        "claim_residents.csv": f"institution_id,period,person_id\nA001,2024,{P}\nA001,2024-05,110101195001011238\n",
        "deaths.csv": f"person_id,died_on\n{P},\n",
    })
    ds = load_data(folder)
    got = ds.errors().select("table", "row", "column", "check").rows()
    assert ("claims", 2, "period", "period") in got
    assert ("claims", 3, "period", "period") in got
    assert ("claim_residents", 2, "period", "period") in got       # a year is not one month
    assert ("claim_residents", 3, "person_id", "id_check_digit") in got
    assert ("deaths", 2, "died_on", "required") in got
    shown = " ".join(ds.problems["value"].drop_nulls())
    assert "110101195001011238" not in shown


def test_staff_person_id_is_optional_and_checked(make_folder):
    folder = make_folder({
        "staff.csv": f"institution_id,staff_id,role,身份证号\nA001,S1,护理员,{P}\nA001,S2,护理员,\n",
    })
    ds = load_data(folder)
    assert ds.errors().height == 0, ds.errors()
    assert ds.tables["staff"]["person_id"].to_list() == [P, None]


def test_half_years_quarters_and_ranges_once_the_period_syntax_is_on_main(make_folder):
    pytest.importorskip("audit.dates")
    folder = make_folder({
        "claims.csv": "institution_id,program,period,amount\nA001,operating,2024H1,1\nA001,operating,2024Q3,1\n"
                      "A001,operating,2021-07..2022-06,1\n",
    })
    ds = load_data(folder)
    assert ds.errors().height == 0, ds.errors()


@pytest.mark.parametrize("once_per_id", [False, True])
def test_a_bad_id_repeated_month_after_month_is_a_problem_on_every_row(make_folder, monkeypatch, once_per_id):
    """A long roll's ids are checked once per distinct value (it repeats each id every
    month), a short one row by row; either way every row holding a bad id is named:
    rows 3 and 5 (wrong check digit: GB 11643 gives 9 for these 17 digits, not 8) and
    row 4 (not a date: 1950-13-01)."""
    import audit.data.datachecks as checks

    if once_per_id:
        monkeypatch.setattr(checks, "ID_REPEATS_MIN_ROWS", 1)
    wrong, no_date = "110101195001011238", "110101195013011236"
    folder = make_folder({"claim_residents.csv": "institution_id,period,person_id\n"
                          f"A001,2024-01,{P}\nA001,2024-02,{wrong}\nA001,2024-03,{no_date}\nA001,2024-04,{wrong}\n"
                          f"A001,2024-05,{P}\n"})
    got = load_data(folder).errors().filter(pl.col("table") == "claim_residents")
    assert got.select("row", "check").rows() == [(3, "id_check_digit"), (4, "id_birth_date"), (5, "id_check_digit")]
    assert set(got["value"]) == {"1101**********1238", "1101**********1236"}
