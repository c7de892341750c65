"""Workbooks as clerks really keep them, read without silently changing money (review of
main 558f827): a 备注 or 凭证号 cell reading 联系电话：… is no signature footer, a
单位：万元 line above the header is a unit, a sheet copied as 拨付 (2) is not more
payments, a home outside the register is not paid to a look-alike, a voucher entered
twice is said, and 小计 in the far right column is a total. Every expected amount below
is added up by hand from the rows written."""

from __future__ import annotations

import datetime

import polars as pl
import xlsxwriter

import audit

ID_A = "11010519491231002X"  # GB 11643 appendix example
ID_B = "330602195001011233"
ID_C = "33060219480315002X"  # check digits worked out by the GB 11643 weights

INSTITUTIONS = [
    ["2024年养老机构名录"],
    ["机构编号", "机构名称", "所属区县", "机构类型"],
    ["A001", "越城区甲养老院", "越城区", "养老机构"],
    ["A002", "柯桥区乙养老院", "柯桥区", "养老机构"],
]


def book(path, sheets: dict):
    """{sheet: rows}; numbers stay number cells, dates date cells, text text."""
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": datetime.datetime(2000, 1, 1)})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if isinstance(v, datetime.date):
                    ws.write_datetime(i, j, datetime.datetime(v.year, v.month, v.day), date_fmt)
                elif isinstance(v, (int, float)):
                    ws.write_number(i, j, v)
                elif v is not None:
                    ws.write_string(i, j, v)
    wb.close()
    return path


def checks(ds, severity=None) -> list[tuple]:
    p = ds.problems if severity is None else ds.problems.filter(pl.col("severity") == severity)
    return p.select("sheet", "row", "check").rows()


# ---------------------------------------------------------------- 1. footer words in a data cell

PAYMENTS_WITH_NOTES = [
    ["2024年养老机构补贴资金拨付明细表"],
    ["填报单位：越城区民政局", None, None, None, None, None, None, "单位：元"],
    ["序号", "机构编号", "补贴项目", "所属期间", "拨付金额", "拨付日期", "凭证号", "备注"],
    [1, "A001", "运营补贴", "2024", 120000, datetime.date(2025, 1, 20), "记-0012", "联系电话：0575-88123456"],
    [2, "A002", "运营补贴", "2024", 36500.5, datetime.date(2025, 1, 20), "审核：财政局", None],
    [3, "A001", "建设补贴", "2024", 300000, datetime.date(2025, 2, 10), "记-0031", "联系人：王五（院长）"],
    ["合计", None, None, None, 456500.5],
    [],
    ["单位负责人：张三", None, "审核：李四", None, "制表人：王五", None, "联系电话：0575-88000000"],
]


def test_footer_words_in_a_note_or_voucher_cell_keep_the_row(tmp_path):
    """Old code: rows 4–6 each hold a cell starting 联系电话：/审核：/联系人： and were all
    dropped as signature footers (an info line each), payments read as 0."""
    ds = audit.load_data(book(tmp_path / "b.xlsx", {"机构": INSTITUTIONS, "拨付": PAYMENTS_WITH_NOTES}))
    pay = ds.tables["payments"].sort("_row")
    assert pay["_row"].to_list() == [4, 5, 6]
    # 120,000.00 + 36,500.50 + 300,000.00 = 456,500.50 yuan
    assert pay["amount_fen"].sum() == 45_650_050
    assert pay["voucher"].to_list() == ["记-0012", "审核：财政局", "记-0031"]
    skipped = [c for c in checks(ds) if c[2].startswith("skipped")]
    assert skipped == [("拨付", 7, "skipped_total"), ("拨付", 9, "skipped_footer")]
    assert ds.errors().is_empty(), ds.errors()


def test_a_resident_whose_note_gives_a_phone_number_is_read(tmp_path):
    """Old code: two of the three residents dropped as footers (备注 联系电话：… / 联系人：…)."""
    roster = [
        ["越城区甲养老院入住老人花名册"],
        ["机构编号", "姓名", "身份证号", "入住日期", "备注"],
        ["A001", "张一", ID_A, datetime.date(2023, 3, 1), "联系电话：13800000000"],
        ["A001", "李二", ID_B, datetime.date(2024, 5, 1), None],
        ["A001", "王三", ID_C, datetime.date(2022, 1, 1), "联系人：王小三（儿子）"],
        ["制表人：赵敏", None, None, "填表日期：2025.1.5"],
    ]
    ds = audit.load_data(book(tmp_path / "b.xlsx", {"机构": INSTITUTIONS, "入住老人": roster}))
    assert ds.tables["residents"].sort("_row")["_row"].to_list() == [3, 4, 5]
    assert checks(ds, "info").count(("入住老人", 6, "skipped_footer")) == 1
    assert ds.errors().is_empty(), ds.errors()


def test_a_skipped_footer_holding_an_amount_is_a_warning_naming_the_row(tmp_path):
    """A row led by 经办人：… is a footer, but one carrying 5,000 in 拨付金额 may be a payment
    the clerk annotated: it is still left out, and a warning (not an aside) names it."""
    rows = PAYMENTS_WITH_NOTES[:6] + [["经办人：赵六", None, None, None, 5000]]
    ds = audit.load_data(book(tmp_path / "b.xlsx", {"机构": INSTITUTIONS, "拨付": rows}))
    assert ds.tables["payments"]["amount_fen"].sum() == 45_650_050  # rows 4–6 only; the 5,000 is not read
    warned = ds.warnings().filter(pl.col("check") == "skipped_footer")
    assert warned.select("sheet", "row").rows() == [("拨付", 7)]
    assert "金额" in warned["message"][0]


# ---------------------------------------------------------------- 2. a unit written outside the header


def _pay(head_rows: list, header=None) -> list:
    """A 拨付 sheet in 万元: 12.00 + 3.65005 万元 would read as 15.65 yuan."""
    return head_rows + [header or ["机构编号", "补贴项目", "所属期间", "拨付金额", "凭证号", "备注"],
                        ["A001", "运营补贴", "2024", 12, "记-0012", None],
                        ["A002", "运营补贴", "2024", 3.65005, "记-0013", None]]


def _unit_errors(tmp_path, sheets) -> list[tuple]:
    ds = audit.load_data(book(tmp_path / "b.xlsx", {"机构": INSTITUTIONS, **sheets}))
    assert "amount_fen" not in ds.tables["payments"].columns or ds.tables["payments"]["amount_fen"].is_null().all()
    return ds.errors().filter(pl.col("check") == "unit").select("sheet", "row", "value", "message").rows()


def test_a_wan_yuan_line_above_the_header_is_refused_naming_where_it_is_written(tmp_path):
    """Old code: read 12 and 3.65005 as yuan (validate: no error)."""
    rows = _pay([["2024年养老机构补贴资金拨付明细表"], [None, None, None, None, "金额单位：万元"]])
    [(sheet, row, value, message)] = _unit_errors(tmp_path, {"拨付": rows})
    assert (sheet, row, value) == ("拨付", 2, "金额单位：万元")
    assert "E2" in message and "D列“拨付金额”" in message


def test_a_wan_yuan_unit_in_the_title_or_beside_the_header_is_refused(tmp_path):
    in_title = _pay([["2024年养老机构补贴资金拨付明细表（单位：万元）"]])
    assert [r[:2] for r in _unit_errors(tmp_path, {"拨付": in_title})] == [("拨付", 1)]
    beside = _pay([], ["机构编号", "补贴项目", "所属期间", "拨付金额", "凭证号", "备注", None, "单位：万元"])
    [(_, row, value, message)] = _unit_errors(tmp_path, {"拨付": beside})
    assert (row, value) == (1, "单位：万元") and "H1" in message


def test_a_unit_row_under_the_headers_is_a_header_gloss_not_a_data_row(tmp_path):
    """（万元） typed under 拨付金额 in a second header row: the header's gloss, refused as one
    (old code: read as a data row with four errors, none about the unit)."""
    rows = _pay([], None)
    rows.insert(1, [None, None, None, "（万元）"])
    errs = audit.load_data(book(tmp_path / "b.xlsx", {"机构": INSTITUTIONS, "拨付": rows})).errors()
    assert errs.filter(pl.col("check") == "unit")["value"].to_list() == ["拨付金额（万元）"]
    assert errs.filter(pl.col("check") == "required").is_empty()


def test_premiums_under_a_wan_yuan_line_are_refused_and_yuan_lines_are_read(tmp_path):
    """综合保险 with 单位：万元 under the title: 保费 0.52 would have read as 0.52 yuan."""
    head = ["机构编号", "保险年度", "保费", "险种"]
    wan = [["2024年养老机构综合责任保险保费统计表"], ["单位：万元"], head, ["A001", 2024, 0.52, "综合责任保险"]]
    ds = audit.load_data(book(tmp_path / "b.xlsx", {"机构": INSTITUTIONS, "综合保险": wan}))
    assert ds.errors().filter(pl.col("check") == "unit").select("sheet", "row").rows() == [("综合保险", 2)]
    yuan = [wan[0], ["单位：元"], head, ["A001", 2024, 5200, "综合责任保险"]]
    ds = audit.load_data(book(tmp_path / "c.xlsx", {"机构": INSTITUTIONS, "综合保险": yuan}))
    assert ds.tables["insurance"]["premium_fen"].to_list() == [520_000]  # 5,200.00 yuan
    assert ds.errors().is_empty(), ds.errors()


# ---------------------------------------------------------------- 3. a copied sheet is not more money


def test_a_copied_payments_sheet_is_an_error_naming_both_and_is_not_stacked(tmp_path):
    """Excel's 复制工作表 gives 拨付 (2); old code stacked it by content: every payment twice
    (no error, no warning)."""
    claims = [["2024年度补贴申报汇总表"], ["机构编号", "补贴项目", "申报期间", "申报金额", "备注"],
              ["A001", "运营补贴", "2024", 130000, None], ["A002", "运营补贴", "2024", 40000, "含补报"]]
    ds = audit.load_data(book(tmp_path / "b.xlsx", {
        "机构": INSTITUTIONS, "拨付": PAYMENTS_WITH_NOTES, "拨付 (2)": PAYMENTS_WITH_NOTES,
        "申报": claims, "申报备份": claims}))
    assert ds.tables["payments"]["amount_fen"].sum() == 45_650_050   # 456,500.50 once, not twice
    assert ds.tables["claims"]["amount_fen"].sum() == 17_000_000     # 130,000 + 40,000
    errs = ds.errors().filter(pl.col("check") == "copied_sheet")
    assert errs.select("sheet").rows() == [("申报备份",), ("拨付 (2)",)]
    msg = dict(zip(errs["sheet"], errs["message"]))
    assert "「拨付」" in msg["拨付 (2)"] and "456,500.50" in msg["拨付 (2)"]   # the three rows' amounts
    assert "「申报」" in msg["申报备份"] and "170,000.00" in msg["申报备份"]
    log = {s["sheet"]: s["status"] for s in ds.sources["*"]["sheets"]}
    assert log["拨付 (2)"] == "copied" and log["拨付"] == "read"


def test_a_copied_insurance_sheet_is_refused_and_a_row_repeated_across_sheets_is_a_duplicate(tmp_path):
    head = ["机构编号", "保险年度", "保费", "险种"]
    ins = [["2024年综合责任保险保费统计表"], head,
           ["A001", 2024, 5200, "综合责任保险"], ["A002", 2024, 3100.5, "综合责任保险"]]
    ds = audit.load_data(book(tmp_path / "b.xlsx", {"机构": INSTITUTIONS, "综合保险": ins, "综合保险 (2)": ins}))
    assert ds.tables["insurance"]["premium_fen"].sum() == 830_050   # 5,200 + 3,100.50, once
    assert ds.errors().select("sheet", "check").rows() == [("综合保险 (2)", "copied_sheet")]
    # a second sheet sharing one row of two is no copy, but that row, on the same Excel row
    # number of its own sheet, is still a row entered twice (old code: same _row, unseen)
    other = [ins[0], head, ["A001", 2024, 5200, "综合责任保险"], ["A002", 2025, 3300, "综合责任保险"]]
    ds = audit.load_data(book(tmp_path / "c.xlsx", {"机构": INSTITUTIONS, "综合保险": ins, "2025保费": other}))
    assert ds.errors().select("sheet", "row", "check").rows() == [("2025保费", 3, "duplicate")]


# ---------------------------------------------------------------- 5. a home outside the register


def test_a_payment_to_a_home_outside_the_register_is_not_paid_to_a_look_alike(tmp_path):
    """新昌县敬老院 is not registered; its characters are in order inside 新昌县城南中心敬老院,
    which old code took as the payee (no error, no info)."""
    inst = [["机构编号", "机构名称", "所属区县", "机构类型"],
            ["X001", "新昌县城南中心敬老院", "新昌县", "养老机构"], ["X002", "新昌县七星敬老院", "新昌县", "养老机构"]]
    pay = [["2024年拨付明细"], ["机构名称", "补贴项目", "所属期间", "拨付金额", "凭证号", "备注"],
           ["新昌县城南中心敬老院", "运营补贴", "2024", 80000, "记-1", None],
           ["新昌县 七星敬老院", "运营补贴", "2024", 60000, "记-2", None],       # spaces: still the same name
           ["新昌县敬老院", "运营补贴", "2024", 50000, "记-3", "联系人：王五"],
           ["新昌县敬老院", "运营补贴", "2024H2", 1234.5, "记-4", None]]
    ds = audit.load_data(book(tmp_path / "b.xlsx", {"机构": inst, "拨付": pay}))
    paid = ds.tables["payments"].sort("_row").select("institution_id", "amount_fen").rows()
    assert paid[:2] == [("X001", 8_000_000), ("X002", 6_000_000)]
    assert [r[0] for r in paid[2:]] == ["新昌县敬老院"] * 2        # not X001
    errs = ds.errors().filter(pl.col("check") == "institution_name")
    assert errs.select("sheet", "row").rows() == [("拨付", 5), ("拨付", 6)]
    assert "新昌县城南中心敬老院" in errs["message"][0]               # offered as the nearest name
    assert "51,234.50" in errs["message"][0]                        # 50,000 + 1,234.50 left unpaid


def test_a_roster_sheet_named_short_is_read_as_its_home_and_said(tmp_path):
    """A per-home sheet named without the county still finds its home (docs promise it),
    and an info says which registered name it was read as."""
    inst = [["机构编号", "机构名称", "所属区县", "机构类型"], ["X002", "新昌县七星敬老院", "新昌县", "养老机构"]]
    roster = [["姓名", "身份证号", "入住日期"], ["张一", ID_A, datetime.date(2024, 3, 1)]]
    ds = audit.load_data(book(tmp_path / "b.xlsx", {"机构": inst, "七星敬老院": roster}))
    assert ds.tables["residents"]["institution_id"].to_list() == ["X002"]
    said = ds.problems.filter(pl.col("check") == "institution_name")
    assert said.select("sheet", "severity").rows() == [("七星敬老院", "info")]
    assert "新昌县七星敬老院" in said["message"][0]


# ---------------------------------------------------------------- 6. a voucher entered twice


def test_a_payment_listed_twice_under_one_voucher_is_an_error_with_its_money(tmp_path):
    """Old code: read as two payments (paid 240,000 for A001), nothing said. One voucher
    paying two homes, or a home twice with different amounts, is not a duplicate."""
    pay = [["2024年拨付明细"], ["单位：元"], ["序号", "机构编号", "补贴项目", "所属期间", "拨付金额", "凭证号", "备注"],
           [1, "A001", "运营补贴", "2024", 120000, "记-0012", None],
           [2, "A002", "运营补贴", "2024", 36500.5, "记-0012", "同一凭证拨付两家"],
           [3, "A001", "运营补贴", "2024H2", 2000, "记-0013", None],
           [4, "A001", "运营补贴", "2024H2", 3000, "记-0013", "补差"],
           [5, "A001", "运营补贴", "2024", 120000, "记-0012", "复核后补录"]]
    ds = audit.load_data(book(tmp_path / "b.xlsx", {"机构": INSTITUTIONS, "拨付": pay}))
    errs = ds.errors()
    assert errs.select("sheet", "row", "check", "value").rows() == [("拨付", 8, "duplicate", "记-0012")]
    assert "第4行" in errs["message"][0] and "120,000.00" in errs["message"][0]


# ---------------------------------------------------------------- 8. 小计 far to the right


def test_a_subtotal_word_in_the_voucher_column_makes_a_total_row(tmp_path):
    """Payments grouped by home with a 小计 line each, the word typed in 凭证号 (column G):
    old code only looked at the first four cells and read the subtotal as a payment."""
    pay = [["2024年拨付明细"], ["序号", "机构编号", "补贴项目", "所属期间", "拨付金额", "拨付日期", "凭证号", "备注"],
           [1, "A001", "运营补贴", "2024H1", 60000, datetime.date(2024, 7, 5), "记-0101", None],
           [2, "A001", "运营补贴", "2024H2", 60000, datetime.date(2025, 1, 6), "记-0102", None],
           [None, None, None, None, 120000, None, "小计", None],
           [3, "A002", "运营补贴", "2024", 36500.5, datetime.date(2025, 1, 6), "记-0103", None],
           [None, None, None, None, 36500.5, None, "小 计", None],
           [None, None, None, None, 156500.5, None, None, "总计"]]
    ds = audit.load_data(book(tmp_path / "b.xlsx", {"机构": INSTITUTIONS, "拨付": pay}))
    assert ds.tables["payments"]["amount_fen"].sum() == 15_650_050   # 60,000 + 60,000 + 36,500.50
    assert [c for c in checks(ds) if c[2].startswith("skipped")] == [
        ("拨付", 5, "skipped_total"), ("拨付", 7, "skipped_total"), ("拨付", 8, "skipped_total")]
    assert ds.errors().is_empty(), ds.errors()


def test_a_subtotal_word_on_a_row_naming_a_home_is_an_error_not_a_guess(tmp_path):
    """A001 … 120,000 … 小计: a subtotal that repeats the home's id, or a payment with a stray
    word? Either reading may be wrong by 120,000.00: kept as data, and an error says so."""
    pay = [["机构编号", "补贴项目", "所属期间", "拨付金额", "凭证号"],
           ["A001", "运营补贴", "2024H1", 60000, "记-0101"],
           ["A001", "运营补贴", "2024H2", 60000, "记-0102"],
           ["A001", "运营补贴", "2024", 120000, "小计"]]
    ds = audit.load_data(book(tmp_path / "b.xlsx", {"机构": INSTITUTIONS, "拨付": pay}))
    assert ds.errors().select("sheet", "row", "check").rows() == [("拨付", 4, "total_with_id")]


def test_a_total_row_with_a_count_in_the_name_column_is_still_a_total(tmp_path):
    """合计 · 2家 in a sheet naming homes by 机构名称: a name column is no id, the row is a total."""
    pay = [["机构名称", "补贴项目", "所属期间", "拨付金额", "凭证号"],
           ["越城区甲养老院", "运营补贴", "2024", 60000, "记-0101"],
           ["柯桥区乙养老院", "运营补贴", "2024", 36500.5, "记-0102"],
           ["合计", "2家", None, 96500.5, None]]
    ds = audit.load_data(book(tmp_path / "b.xlsx", {"机构": INSTITUTIONS, "拨付": pay}))
    assert ds.tables["payments"]["amount_fen"].sum() == 9_650_050   # 60,000 + 36,500.50
    assert [c for c in checks(ds) if c[2].startswith("skipped")] == [("拨付", 4, "skipped_total")]
    assert ds.errors().is_empty(), ds.errors()


# ---------------------------------------------------------------- review of the above: no false errors


def test_amounts_in_a_title_are_not_a_unit_but_a_unit_however_worded_is(tmp_path):
    """"（第一批，共计8.65万元）" and "每床每年0.12万元" are amounts, not the sheet's unit: the
    payments read in yuan (120,000 + 36,500.50). "金额单位为万元", "单位 万元", a bare "万元"
    line, or "（万元）" alone beside the header are units: refused."""
    for title in ("2024年养老服务补助资金拨付明细表（第一批，共计8.65万元）", "拨付明细（补助标准：每床每年0.12万元）"):
        rows = [[title], ["机构编号", "补贴项目", "所属期间", "拨付金额", "凭证号", None, "单位：元"],
                ["A001", "运营补贴", "2024", 120000, "记-1"], ["A002", "运营补贴", "2024", 36500.5, "记-2"]]
        ds = audit.load_data(book(tmp_path / "t.xlsx", {"机构": INSTITUTIONS, "拨付": rows}))
        assert ds.errors().is_empty() and ds.tables["payments"]["amount_fen"].sum() == 15_650_050, title
    for line in ("金额单位为万元", "单位 万元", "万元"):
        assert [r[:2] for r in _unit_errors(tmp_path, {"拨付": _pay([["拨付明细"], [None, None, None, line]])})] \
            == [("拨付", 2)], line
    beside = _pay([], ["机构编号", "补贴项目", "所属期间", "拨付金额", "凭证号", "备注", "（万元）"])
    assert [r[:2] for r in _unit_errors(tmp_path, {"拨付": beside})] == [("拨付", 1)]


def test_per_home_payment_sheets_alike_in_amounts_are_not_copies(tmp_path):
    """One sheet per home (named after it, or per district naming the home in 机构名称), with
    the same batch voucher and amount: different homes, so both read (2 × 50,000.00); a copy
    named 拨付 (2) of the same home's sheet is still refused."""
    head = ["补贴项目", "所属期间", "拨付金额", "凭证号"]
    one = [["运营补贴", "2024", 50000, "记-0012"]]
    ds = audit.load_data(book(tmp_path / "a.xlsx", {
        "机构": INSTITUTIONS, "越城区甲养老院": [head, *one], "柯桥区乙养老院": [head, *one]}))
    assert ds.errors().is_empty()
    assert sorted(ds.tables["payments"]["institution_id"].to_list()) == ["A001", "A002"]
    by_name = [["机构名称", *head]]
    ds = audit.load_data(book(tmp_path / "b.xlsx", {
        "机构": INSTITUTIONS, "越城区拨付": by_name + [["越城区甲养老院", *one[0]]],
        "柯桥区拨付": by_name + [["柯桥区乙养老院", *one[0]]]}))
    assert ds.errors().is_empty() and ds.tables["payments"]["amount_fen"].sum() == 10_000_000
    ds = audit.load_data(book(tmp_path / "c.xlsx", {
        "机构": INSTITUTIONS, "越城区甲养老院": [head, *one], "越城区甲养老院 (2)": [head, *one]}))
    assert ds.errors().select("check").to_series().to_list() == ["copied_sheet"]


def test_a_register_name_with_a_company_form_or_ownership_is_that_home(tmp_path):
    """越城区甲养老院有限公司 and 柯桥区乙养老院（民办） on payment rows are the registered homes
    plus a company form or an ownership: paid to them (120,000 + 36,500.50), said as read."""
    pay = [["机构名称", "补贴项目", "所属期间", "拨付金额", "凭证号"],
           ["越城区甲养老院有限公司", "运营补贴", "2024", 120000, "记-1"],
           ["柯桥区乙养老院（民办）", "运营补贴", "2024", 36500.5, "记-2"]]
    ds = audit.load_data(book(tmp_path / "b.xlsx", {"机构": INSTITUTIONS, "拨付": pay}))
    assert ds.errors().is_empty()
    assert ds.tables["payments"].sort("_row").select("institution_id", "amount_fen").rows() == [
        ("A001", 12_000_000), ("A002", 3_650_050)]


def test_per_home_subtotals_under_a_merged_home_id_are_totals(tmp_path):
    """机构编号 merged down each home's rows, a 小计 row closing each: the id on the 小计 row is
    the merged range's, not typed there — a subtotal, skipped (the old reading): paid
    120,000 + 36,500.50 + 300,000 = 456,500.50, not doubled by the subtotals, and no error."""
    path = tmp_path / "b.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": datetime.datetime(2000, 1, 1)})
    for name, rows in {"机构": INSTITUTIONS}.items():
        ws = wb.add_worksheet(name)
        for i, row in enumerate(rows):
            ws.write_row(i, 0, row)
    ws = wb.add_worksheet("拨付")
    ws.write_row(0, 0, ["机构编号", "补贴项目", "所属期间", "拨付金额", "凭证号"])
    ws.merge_range("A2:A4", "A001")
    ws.write_row(1, 1, ["运营补贴", "2024", 120000, "记-1"])
    ws.write_row(2, 1, ["建设补贴", "2024", 36500.5, "记-2"])
    ws.write_row(3, 1, ["小计", None, 156500.5])
    ws.merge_range("A5:A6", "A002")
    ws.write_row(4, 1, ["运营补贴", "2024", 300000, "记-3"])
    ws.write_row(5, 1, ["小计", None, 300000])
    wb.close()
    ds = audit.load_data(path)
    assert ds.errors().is_empty()
    assert ds.tables["payments"]["amount_fen"].sum() == 45_650_050
    assert ds.problems.filter(pl.col("check") == "skipped_total")["row"].to_list() == [4, 6]


def test_one_resident_on_two_homes_sheets_is_paired_with_the_right_row_and_sheet(tmp_path):
    """Rosters one sheet per home share row numbers: the same person on row 2 of both sheets
    is one pair across two homes, named with the other sheet — not also "two rows of one home"."""
    head = ["身份证号", "入住日期", "户籍地"]
    ds = audit.load_data(book(tmp_path / "b.xlsx", {
        "机构": INSTITUTIONS,
        "越城区甲养老院": [head, [ID_A, datetime.date(2023, 1, 1), "越城区"], [ID_B, datetime.date(2023, 1, 1), "越城区"]],
        "柯桥区乙养老院": [head, [ID_A, datetime.date(2023, 6, 1), "柯桥区"]]}))
    over = ds.problems.filter(pl.col("check") == "overlapping_stay")
    assert over.height == 1 and "两家机构" in over["message"][0]
    assert "与工作表「越城区甲养老院」第2行（机构 A001）" in over["message"][0]
    assert over["sheet"].to_list() == ["柯桥区乙养老院"]   # the row's own sheet, not both sheets' names


def test_a_column_refused_for_its_unit_is_not_also_called_missing(tmp_path):
    """金额单位：万元 above the header refuses 拨付金额: one error saying why, not a second one
    claiming the sheet has no 拨付金额 column (it has; its unit is the problem)."""
    rows = _pay([["2024年养老机构补贴资金拨付明细表"], [None, None, None, None, "金额单位：万元"]])
    ds = audit.load_data(book(tmp_path / "b.xlsx", {"机构": INSTITUTIONS, "拨付": rows}))
    assert ds.errors().filter(pl.col("table") == "payments")["check"].to_list() == ["unit"]
