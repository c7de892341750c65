"""Cells as clerks really type them in the county's own workbooks (built with openpyxl as
such files look: a title row, the header, a 合计 row under the data):

1. a claim month typed into a cell Excel turns into a date (2024-06 → 2024-06-01 shown as
   Jun-24 or 2024年6月), a datetime, an Excel date serial, or written 2024年6月, 2024.06,
   2024/6, 202406 — each is that month; a date in mid-month is its month, with a warning
   naming the cell, since a claim month can move money; 2024.1 (January, or 2024.10 with its
   0 dropped by Excel?) is asked, not guessed;
2. 合计 written in a 备注 cell on a row that names a home by id is a remark, not a total;
3. a home named 合计村敬老院 / 小计镇养老院 is a home, while 合计：, 合 计, 小计(3家) stay totals.

Every expected amount is added up by hand from the rows written."""

from __future__ import annotations

import datetime

import openpyxl
import polars as pl

import audit
from audit.data.validation import format_problem_lines

ID_A = "11010519491231002X"  # GB 11643 appendix example
ID_B = "330602195001011233"

INSTITUTIONS = [
    ["2024年养老机构名录"],
    ["机构编号", "机构名称", "所属区县", "机构类型"],
    ["A001", "越城区甲养老院", "越城区", "养老机构"],
    ["A002", "柯桥区乙养老院", "柯桥区", "养老机构"],
    ["合计", "2家", None, None],
]
# real village and town names may begin with the words: 合计村, 小计镇
NAMED_LIKE_TOTALS = [
    *INSTITUTIONS[:-1],
    ["A003", "合计村敬老院", "越城区", "养老机构"],
    ["A004", "小计镇养老院", "柯桥区", "养老机构"],
    ["合计", "4家", None, None],
]


def book(path, sheets: dict, formats: dict | None = None):
    """{sheet: rows} written as a clerk's Excel keeps them: numbers as number cells, dates
    and datetimes as date cells; `formats[(sheet, excel row, column)]` sets a cell's number
    format (Jun-24, 2024年6月)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    for (name, r, c), fmt in (formats or {}).items():
        wb[name].cell(row=r, column=c).number_format = fmt
    wb.save(path)
    return path


def problems(ds, check: str) -> list[tuple]:
    return ds.problems.filter(pl.col("check") == check).select("sheet", "row", "severity").rows()


# ---------------------------------------------------------------- 1. a claim month typed as a date

ROLL_TITLE = ["2024年运营补贴申报名册（越城区甲养老院）"]
ROLL_HEADER = ["序号", "机构编号", "申报月份", "身份证号"]


def test_a_claim_month_excel_turned_into_a_date_or_typed_in_clerks_words_is_that_month(tmp_path):
    """Rows 3–13 each claim one month for A001; the 申报月份 cell (column C) is a date cell
    shown as Jun-24, a date cell shown as 2024年6月, a datetime at 00:00 and at 10:30, an
    Excel serial (45444 = 2024-06-01, 45505 = 2024-08-01), and text: 2024年6月, 2024.06,
    2024/6, 202406, 2024-6, 2024年10月份, 2024.10. None changes money, none is an error."""
    rows = [
        [1, "A001", datetime.datetime(2024, 6, 1), ID_A],
        [2, "A001", datetime.datetime(2024, 7, 1), ID_A],
        [3, "A001", datetime.datetime(2024, 5, 1, 0, 0), ID_B],
        [4, "A001", datetime.datetime(2024, 4, 1, 10, 30), ID_B],
        [5, "A001", 45444, ID_B],
        [6, "A001", 45505, ID_A],
        [7, "A001", "2024年6月", ID_B],
        [8, "A001", "2024.09", ID_A],
        [9, "A001", "2024/3", ID_A],
        [10, "A001", "202402", ID_A],
        [11, "A001", "2024-1", ID_A],
        [12, "A001", "2024年10月份", ID_A],
        [13, "A001", "2024.11", ID_B],
    ]
    path = book(
        tmp_path / "b.xlsx",
        {"机构": INSTITUTIONS, "申报名册": [ROLL_TITLE, ROLL_HEADER, *rows, ["合计：13人次"]]},
        {("申报名册", 3, 3): "mmm-yy", ("申报名册", 4, 3): 'yyyy"年"m"月"'},
    )
    ds = audit.load_data(path)
    assert ds.errors().is_empty(), ds.errors()
    assert ds.warnings().filter(pl.col("table") == "claim_residents").is_empty(), ds.warnings()
    roll = ds.tables["claim_residents"].sort("_row")
    assert roll["period"].to_list() == [
        "2024-06", "2024-07", "2024-05", "2024-04", "2024-06", "2024-08", "2024-06", "2024-09", "2024-03",
        "2024-02", "2024-01", "2024-10", "2024-11",
    ]
    assert roll["_row"].to_list() == list(range(3, 16))   # the 合计 row (16) is not a claim
    # an Excel serial is read, and said (the sheet was saved oddly: the clerk sees a date)
    assert problems(ds, "month_serial") == [("申报名册", 7, "info"), ("申报名册", 8, "info")]


def test_a_mid_month_date_in_a_month_column_is_its_month_with_a_warning_naming_the_cell(tmp_path):
    """2024-06-15 typed into 申报月份 (column C, Excel row 4): a claim month can move money, so
    it is read as June 2024 — the month the date falls in — and a warning names the sheet,
    the Excel row, the column letter and the clerk's own header."""
    rows = [[1, "A001", datetime.datetime(2024, 5, 1), ID_A], [2, "A001", datetime.datetime(2024, 6, 15), ID_A],
            [3, "A001", "2024年7月31日", ID_A]]
    path = book(tmp_path / "b.xlsx", {"机构": INSTITUTIONS, "申报名册": [ROLL_TITLE, ROLL_HEADER, *rows]})
    ds = audit.load_data(path)
    assert ds.errors().is_empty(), ds.errors()
    assert ds.tables["claim_residents"].sort("_row")["period"].to_list() == ["2024-05", "2024-06", "2024-07"]
    hit = ds.problems.filter(pl.col("check") == "month_from_date")
    assert hit.select("sheet", "row", "letter", "header", "severity").rows() == [
        ("申报名册", 4, "C", "申报月份", "warning"), ("申报名册", 5, "C", "申报月份", "warning")]
    line = format_problem_lines(hit.head(1))[0]
    assert line.startswith("申报名册 第4行 C列“申报月份”")
    assert "2024-06-15" in line and "2024-06" in line
    en = format_problem_lines(hit.head(1), "en")[0]
    assert en.startswith("申报名册 row 4 column C '申报月份'") and "2024-06" in en


def test_2024_point_1_in_a_month_column_is_asked_not_guessed(tmp_path):
    """2024.1 may be January, or October typed 2024.10 into a number cell that dropped the 0:
    one error naming the cell and both readings — not also "required"."""
    rows = [[1, "A001", 2024.1, ID_A], [2, "A001", "2024.1", ID_B]]
    ds = audit.load_data(book(tmp_path / "b.xlsx", {"机构": INSTITUTIONS, "申报名册": [ROLL_TITLE, ROLL_HEADER, *rows]}))
    errors = ds.errors().filter(pl.col("table") == "claim_residents")
    assert errors.select("row", "letter", "check").rows() == [(3, "C", "month_ambiguous"), (4, "C", "month_ambiguous")]
    assert "2024-01" in errors["message"][0] and "2024-10" in errors["message"][0]


def test_a_claim_or_payment_period_typed_as_a_date_is_that_month_and_its_money_counts(tmp_path):
    """申报期间 and 所属期间 hold year, half-year … or a month; a month Excel turned into a date
    (2024-06-01 shown as Jun-24) or typed 2024年7月 is that month. Claimed 3,000.00 + 3,100.50
    = 6,100.50 over June and July; paid the same; no error."""
    claims = [["2024年补贴申报汇总表"], ["机构编号", "补贴项目", "申报期间", "申报金额", "备注"],
              ["A001", "运营补贴", datetime.datetime(2024, 6, 1), 3000, None],
              ["A001", "运营补贴", "2024年7月", 3100.5, None],
              ["合计", None, None, 6100.5, None]]
    pay = [["2024年拨付明细"], ["机构编号", "补贴项目", "所属期间", "拨付金额", "拨付日期", "凭证号"],
           ["A001", "运营补贴", datetime.datetime(2024, 6, 1), 3000, datetime.datetime(2024, 7, 5), "记-1"],
           ["A001", "运营补贴", "2024.07", 3100.5, datetime.datetime(2024, 8, 5), "记-2"],
           ["合计", None, None, 6100.5, None, None]]
    path = book(tmp_path / "b.xlsx", {"机构": INSTITUTIONS, "申报": claims, "拨付": pay},
                {("申报", 3, 3): "mmm-yy", ("拨付", 3, 3): "mmm-yy"})
    ds = audit.load_data(path)
    assert ds.errors().is_empty(), ds.errors()
    assert ds.tables["claims"].sort("_row").select("period", "amount_fen").rows() == [
        ("2024-06", 300_000), ("2024-07", 310_050)]
    assert ds.tables["payments"].sort("_row").select("period", "amount_fen").rows() == [
        ("2024-06", 300_000), ("2024-07", 310_050)]


def test_a_mid_month_date_in_a_period_column_is_an_error_not_a_guessed_month(tmp_path):
    """所属期间 2024-07-05 (column C, row 2): a payment date typed in the period column says
    nothing of whether July, the third quarter or the year was paid — an error naming the
    cell and the forms to write, not also "required"; 2024-06-01 (a typed 2024-06) is June."""
    pay = [["机构编号", "补贴项目", "所属期间", "拨付金额", "凭证号"],
           ["A001", "运营补贴", datetime.datetime(2024, 7, 5), 3000, "记-1"],
           ["A001", "运营补贴", datetime.datetime(2024, 6, 1), 3000, "记-2"]]
    ds = audit.load_data(book(tmp_path / "b.xlsx", {"机构": INSTITUTIONS, "拨付": pay}))
    errors = ds.errors().filter(pl.col("table") == "payments")
    assert errors.select("row", "letter", "header", "check").rows() == [(2, "C", "所属期间", "period")]
    assert "2024-07-05" in errors["message"][0] and "2024H1" in errors["message"][0]
    assert ds.tables["payments"].sort("_row")["period"].to_list() == [None, "2024-06"]


# ---------------------------------------------------------------- 2. 合计 in a remark


PAY_HEADER = ["序号", "机构编号", "补贴项目", "所属期间", "拨付金额", "拨付日期", "凭证号", "备注"]


def test_a_remark_reading_total_on_a_row_with_an_id_and_an_amount_is_data(tmp_path):
    """Row 4 pays A002 36,500.50 and its 备注 says 合计 (the clerk's note that it is the
    year's sum for that home): a payment, its money counts. Row 6 is the sheet's real total
    (合计 in the first cell, no id) and 总计 alone in a 备注 with no id (row 7) is a total too.
    Paid 120,000 + 36,500.50 + 300,000 = 456,500.50."""
    pay = [["2024年养老机构补贴资金拨付明细表"], PAY_HEADER,
           [1, "A001", "运营补贴", "2024", 120000, datetime.datetime(2025, 1, 20), "记-0012", None],
           [2, "A002", "运营补贴", "2024", 36500.5, datetime.datetime(2025, 1, 20), "记-0013", "合计"],
           [3, "A001", "建设补贴", "2024", 300000, datetime.datetime(2025, 2, 10), "记-0031", "合 计"],
           ["合计", None, None, None, 456500.5, None, None, None],
           [None, None, None, None, 456500.5, None, None, "总计"]]
    ds = audit.load_data(book(tmp_path / "b.xlsx", {"机构": INSTITUTIONS, "拨付": pay}))
    assert ds.errors().is_empty(), ds.errors()
    assert ds.tables["payments"]["amount_fen"].sum() == 45_650_050
    assert ds.tables["payments"].sort("_row")["_row"].to_list() == [3, 4, 5]
    assert problems(ds, "skipped_total") == [("机构", 5, "info"), ("拨付", 6, "info"), ("拨付", 7, "info")]


def test_a_subtotal_word_in_a_remark_under_a_merged_home_id_is_still_a_subtotal(tmp_path):
    """机构编号 merged down A2:A4, the 小计 row saying so only in 备注, beside its figure: the id
    on row 4 is the merged range's, not typed there — a subtotal, skipped, not a second
    payment of 156,500.50. Row 3's 备注 also says 合计, but the row is a payment (programme,
    period, voucher): it counts. Paid 120,000 + 36,500.50 = 156,500.50."""
    path = tmp_path / "b.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "机构"
    for r in INSTITUTIONS:
        ws.append(r)
    ws = wb.create_sheet("拨付")
    ws.append(["机构编号", "补贴项目", "所属期间", "拨付金额", "凭证号", "备注"])
    ws.append(["A001", "运营补贴", "2024", 120000, "记-1", None])
    ws.append([None, "建设补贴", "2024", 36500.5, "记-2", "合计"])
    ws.append([None, None, None, 156500.5, None, "小计"])
    ws.merge_cells("A2:A4")
    wb.save(path)
    ds = audit.load_data(path)
    assert ds.errors().is_empty(), ds.errors()
    assert ds.tables["payments"]["amount_fen"].sum() == 15_650_050
    assert problems(ds, "skipped_total") == [("机构", 5, "info"), ("拨付", 4, "info")]


def test_a_remark_subtotal_beside_only_an_id_and_a_figure_is_still_asked(tmp_path):
    """A001 · 156,500.50 · 备注 小计 and nothing else (no programme, period or voucher): a
    subtotal repeating the home's id, or a payment? Either reading may be wrong by 156,500.50,
    so it stays the total_with_id error a 小计 in a label cell gives."""
    pay = [["机构编号", "补贴项目", "所属期间", "拨付金额", "凭证号", "备注"],
           ["A001", "运营补贴", "2024", 120000, "记-1", None],
           ["A001", "建设补贴", "2024", 36500.5, "记-2", None],
           ["A001", None, None, 156500.5, None, "小计"]]
    ds = audit.load_data(book(tmp_path / "b.xlsx", {"机构": INSTITUTIONS, "拨付": pay}))
    assert ("拨付", 4, "total_with_id") in ds.errors().select("sheet", "row", "check").rows()


# ---------------------------------------------------------------- 3. a home named 合计村…


def test_a_home_whose_name_starts_with_total_words_is_a_home_and_totals_stay_totals(tmp_path):
    """The register lists 合计村敬老院 (A003) and 小计镇养老院 (A004); the payments sheet names
    homes by 机构名称. Rows 3–4 pay those two homes 50,000 and 20,000.50; rows 5–9 are totals
    however written (合计：, 合 计, 小计(3家), 小计（柯桥区）, 总计3家) and are skipped.
    Paid 50,000 + 20,000.50 + 10,000 = 80,000.50."""
    pay = [["2024年拨付明细"], ["机构名称", "补贴项目", "所属期间", "拨付金额", "凭证号"],
           ["合计村敬老院", "运营补贴", "2024", 50000, "记-1"],
           ["小计镇养老院", "运营补贴", "2024", 20000.5, "记-2"],
           ["小计(3家)", None, None, 70000.5, None],
           ["越城区甲养老院", "运营补贴", "2024", 10000, "记-3"],
           ["小计（越城区）", None, None, 10000, None],
           ["合 计", None, None, 80000.5, None],
           ["合计：", None, None, 80000.5, None],
           ["总计3家", None, None, 80000.5, None]]
    ds = audit.load_data(book(tmp_path / "b.xlsx", {"机构": NAMED_LIKE_TOTALS, "拨付": pay}))
    assert ds.errors().is_empty(), ds.errors()
    assert ds.tables["institutions"].sort("_row")["institution_id"].to_list() == ["A001", "A002", "A003", "A004"]
    assert problems(ds, "skipped_total") == [("机构", 7, "info")] + [("拨付", r, "info") for r in (5, 7, 8, 9, 10)]
    paid = ds.tables["payments"].sort("_row").select("institution_id", "amount_fen").rows()
    assert paid == [("A003", 5_000_000), ("A004", 2_000_050), ("A001", 1_000_000)]


def test_a_total_word_running_into_a_count_or_amount_is_a_total_even_with_an_id(tmp_path):
    """合计金额 / 小计人数 are a total's label, not a place: with an id on the row it stays the
    error it was (either reading may be wrong by its money); 合计村敬老院 with its id is data."""
    pay = [["机构编号", "机构名称", "补贴项目", "所属期间", "拨付金额", "凭证号"],
           ["A003", "合计村敬老院", "运营补贴", "2024", 50000, "记-1"],
           ["A003", "合计金额", None, None, 50000, None]]
    ds = audit.load_data(book(tmp_path / "b.xlsx", {"机构": NAMED_LIKE_TOTALS, "拨付": pay}))
    errors = ds.errors().select("sheet", "row", "check").rows()
    assert ("拨付", 3, "total_with_id") in errors
    assert not [e for e in errors if e[1] == 2 or e[0] == "机构"], errors   # 合计村敬老院 is a home, on both sheets


def test_claim_months_typed_as_dates_reach_the_money(tmp_path):
    """A (born 1950) died on 10 May 2024; the home claims January–June for A, the months
    written as a clerk's roster holds them: a date cell shown Jan-24, 2024年2月, 2024.03,
    202404, the serial 45413 (= 2024-05-01) and a date cell 2024-06-15. At the Shaoxing rate
    for a level-4 home (100 yuan per resident-month): approved Jan–Apr = 4 × 100 = 400.00;
    May and June claimed after the death = 2 × 100 = 200.00, explained as claim_died."""
    from audit.calc import compute
    from audit.policy import load_pack
    from audit.reconcile import reconcile, resident_discrepancies
    from test_calc_helpers import D, tables

    a = "330602195001010118"
    written = [datetime.datetime(2024, 1, 1), "2024年2月", "2024.03", "202404", 45413, datetime.datetime(2024, 6, 15)]
    roll = [["申报名册（甲养老院）"], ["机构编号", "申报月份", "身份证号"], *[["H", m, a] for m in written], ["合计：6人月"]]
    ds = audit.load_data(book(tmp_path / "b.xlsx", {"申报名册": roll}, {("申报名册", 3, 2): "mmm-yy"}))
    read = ds.tables["claim_residents"].select("institution_id", "period", "person_id")
    assert read["period"].to_list() == [f"2024-{m:02d}" for m in range(1, 7)]
    home = {"institution_id": "H", "rating_level": 4, "beds": 100, "newly_built": False, "registered_on": D(2015, 1, 1),
            "accepted_on": D(2015, 1, 1), "opened_on": D(2015, 1, 1)}
    t = tables(institutions=[home], residents=[{"institution_id": "H", "person_id": a, "admitted_on": D(2020, 1, 1)}],
               deaths=[{"person_id": a, "died_on": D(2024, 5, 10)}], claim_residents=read.to_dicts(),
               claims=[{"institution_id": "H", "program": "operating", "period": "2024", "amount_fen": 600_00}])
    pack = load_pack("shaoxing")
    ledger, _, ctx = compute(t, pack, 2024)
    disc, _ = resident_discrepancies(t, pack, ctx)
    recon, _ = reconcile(t, ledger, ctx, pack, 2024, "zh", disc)
    r = recon.filter(pl.col("institution_id") == "H").row(0, named=True)
    assert (r["claimed_fen"], r["approved_fen"], r["explained_fen"], r["explained_by"]) == (600_00, 400_00, 200_00,
                                                                                           "claim_died")
    assert disc.filter(pl.col("rule") == "claim_died")["month_end"].dt.month().to_list() == [5, 6]


# ---------------------------------------------------------------- 4. a subtotal repeating what it sums

SUB_HEADER = ["机构编号", "补贴项目", "所属期间", "拨付金额", "凭证号", "备注"]


def test_a_remark_subtotal_repeating_the_programme_and_period_is_asked_not_paid_again(tmp_path):
    """A001 is paid 10,000 (记-1) and 10,000 (记-2); row 4 repeats A001 · 运营补贴 · 2024 ·
    20,000 with 备注 小计 and no voucher or date: a programme and period repeated on a
    subtotal prove no payment, so it is the total_with_id error naming the row and its
    20,000, not a silent third payment (paid would read 45,000 instead of 25,000)."""
    pay = [SUB_HEADER,
           ["A001", "运营补贴", "2024-01", 10000, "记-1", None],
           ["A001", "运营补贴", "2024-02", 10000, "记-2", None],
           ["A001", "运营补贴", "2024", 20000, None, "小计"],
           ["A002", "运营补贴", "2024-01", 5000, "记-3", None],
           [None, None, None, 25000, None, "合计"]]
    ds = audit.load_data(book(tmp_path / "b.xlsx", {"机构": INSTITUTIONS, "拨付": pay}))
    errors = ds.errors().filter(pl.col("table") == "payments")
    assert errors.select("row", "check").rows() == [(4, "total_with_id")]
    assert "20000" in errors["message"][0]
    assert problems(ds, "skipped_total") == [("机构", 5, "info"), ("拨付", 6, "info")]


def test_a_remark_subtotal_under_a_merged_id_or_with_no_id_is_a_total_not_a_blank_id(tmp_path):
    """机构编号 merged down A2:A4: row 4 (运营补贴 · 2024 or no period · 20,000 · 小计, no
    voucher) is A001's subtotal, skipped; a programme total with no id (运营补贴 · 15,000 ·
    合计) is a total, not a payment asking for an id (typing one would count it twice).
    Paid 10,000 + 10,000 + 5,000 = 25,000 on each sheet; no error."""
    for period in ("2024", None):
        path = tmp_path / f"m{period}.xlsx"
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "机构"
        for r in INSTITUTIONS:
            ws.append(r)
        ws = wb.create_sheet("拨付")
        for r in [SUB_HEADER,
                  ["A001", "运营补贴", "2024-01", 10000, "记-1", None],
                  [None, "运营补贴", "2024-02", 10000, "记-2", None],
                  [None, "运营补贴", period, 20000, None, "小计"],
                  ["A002", "运营补贴", "2024-01", 5000, "记-3", None],
                  [None, "运营补贴", None, 25000, None, "合计"]]:
            ws.append(r)
        ws.merge_cells("A2:A4")
        wb.save(path)
        ds = audit.load_data(path)
        assert ds.errors().is_empty(), ds.errors()
        assert ds.tables["payments"]["amount_fen"].sum() == 2_500_000
        assert problems(ds, "skipped_total") == [("机构", 5, "info"), ("拨付", 4, "info"), ("拨付", 6, "info")]


def test_a_home_named_with_a_space_after_the_total_word_is_paid_when_the_row_is_a_payment(tmp_path):
    """合计 村敬老院 (a space inside: the register's 合计村敬老院, A003) · 运营补贴 · 2024 ·
    1,000 · 记-9 fills every field of a payment and a voucher: a payment, not a total to drop.
    A bare 合计 row repeating a programme, period and one voucher (a batch booked on 记-12)
    stays a total. Paid 50,000 + 1,000 + 10,000 = 61,000."""
    pay = [["机构名称", "补贴项目", "所属期间", "拨付金额", "凭证号"],
           ["合计村敬老院", "运营补贴", "2024", 50000, "记-12"],
           ["合计 村敬老院", "运营补贴", "2024", 1000, "记-9"],
           ["越城区甲养老院", "运营补贴", "2024", 10000, "记-12"],
           ["合计", "运营补贴", "2024", 60000, "记-12"]]
    ds = audit.load_data(book(tmp_path / "b.xlsx", {"机构": NAMED_LIKE_TOTALS, "拨付": pay}))
    assert ds.errors().is_empty(), ds.errors()
    paid = ds.tables["payments"].sort("_row").select("institution_id", "amount_fen").rows()
    assert paid == [("A003", 5_000_000), ("A003", 100_000), ("A001", 1_000_000)]
    assert problems(ds, "skipped_total") == [("机构", 7, "info"), ("拨付", 5, "info")]


def test_a_first_of_the_month_date_in_a_period_column_is_its_month_with_a_warning(tmp_path):
    """所属期间 holding the date 2025-01-01 (a typed 2025-01 Excel kept as a date, or a payment
    date on the 1st?): read as 2025-01, with a warning naming 拨付 row 2, column C, 所属期间 —
    the period decides which claim the 3,000 settles. A claim month 2024-06-01 in 申报月份 is
    the month without a warning (a month column holds nothing else)."""
    pay = [["机构编号", "补贴项目", "所属期间", "拨付金额", "凭证号"],
           ["A001", "运营补贴", datetime.datetime(2025, 1, 1), 3000, "记-1"],
           ["A001", "运营补贴", "2024", 3000, "记-2"]]
    roll = [ROLL_HEADER, [1, "A001", datetime.datetime(2024, 6, 1), ID_A]]
    ds = audit.load_data(book(tmp_path / "b.xlsx", {"机构": INSTITUTIONS, "拨付": pay, "申报名册": roll}))
    assert ds.errors().is_empty(), ds.errors()
    said = ds.problems.filter(pl.col("check") == "period_from_date")
    assert said.select("sheet", "row", "letter", "header", "severity").rows() == [
        ("拨付", 2, "C", "所属期间", "warning")]
    assert "2025-01-01" in said["message"][0] and "2025-01" in said["message_en"][0]
    assert ds.tables["payments"].sort("_row")["period"].to_list() == ["2025-01", "2024"]
    assert ds.tables["claim_residents"]["period"].to_list() == ["2024-06"]
    assert not ds.problems.filter(pl.col("table") == "claim_residents").filter(pl.col("severity") != "info").height
