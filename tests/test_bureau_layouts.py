"""Bureau workbooks as clerks keep them (issue 9, items 2–5): title rows, merged two-level
headers, 序号, 合计 rows and signature footers, one roster sheet per home named after it,
institutions without 机构编号, places written as addresses, short names or codes."""

from __future__ import annotations

import datetime

import polars as pl
import xlsxwriter

import audit

ID_A = "11010519491231002X"     # GB 11643 appendix example
ID_B = "330602195001011233"     # check digit worked out in tests/test_validate.py


def _book(path, sheets: dict, hidden=()):
    wb = xlsxwriter.Workbook(path)
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for i, row in enumerate(rows):
            if row and row[0] == "__merge__":
                ws.merge_range(i, 0, i, row[1], row[2])
                continue
            for j, v in enumerate(row):
                if isinstance(v, datetime.date):
                    ws.write_datetime(i, j, datetime.datetime(v.year, v.month, v.day), date_fmt)
                elif v is not None:
                    ws.write_string(i, j, str(v))
        if name in hidden:
            ws.hide()
    wb.close()
    return path


INSTITUTIONS = [
    ["__merge__", 7, "新昌县养老机构基本情况表"],
    ["填报单位：新昌县民政局", None, None, None, "填报日期：2024.12.31"],
    ["序号", "机构名称", "所属区县", "机构类型", "举办性质", "床位情况", None, "等级评定"],
    [None, None, None, None, None, "核定", "护理型", None],
    ["1", "新昌县七星敬老院", "新昌县", "养老机构", "民办", "120", "60", "三级"],
    ["2", "新昌县南明颐养院", "浙江省绍兴市新昌县", "养老机构", "民办", "80", "40", "未评定"],
    ["合计", None, None, None, None, "200", "100"],
    [],
    ["单位负责人：张三", None, "审核人：李四", None, "制表人：王五"],
]


def test_title_rows_two_level_header_totals_and_footers(tmp_path):
    ds = audit.load_data(_book(tmp_path / "b.xlsx", {"机构信息": INSTITUTIONS}))
    inst = ds.tables["institutions"].sort("_row")
    assert inst["name"].to_list() == ["新昌县七星敬老院", "新昌县南明颐养院"]
    assert inst["beds"].to_list() == [120, 80]             # 床位情况 / 核定 flattened
    assert inst["nursing_beds"].to_list() == [60, 40]      # 床位情况 / 护理型
    assert inst["rating_level"].to_list() == [3, 0]
    assert inst["_row"].to_list() == [5, 6]                # Excel rows: title 1, 填报 2, header 3–4
    assert inst["county"].to_list() == ["新昌县", "新昌县"]  # an address resolved to its county
    info = ds.problems.filter(pl.col("severity") == "info")
    skipped = info.filter(pl.col("check").str.starts_with("skipped")).select("row", "check").rows()
    assert skipped == [(7, "skipped_total"), (9, "skipped_footer")]
    # no 机构编号: the name is the key, said once
    assert inst["institution_id"].to_list() == ["新昌县七星敬老院", "新昌县南明颐养院"]
    assert info.filter(pl.col("check") == "institution_key").height == 1
    assert ds.errors().is_empty(), ds.errors()


def test_one_roster_per_home_is_stacked_and_linked_by_sheet_name_or_title(tmp_path):
    """Fifteen roster sheets named after their homes were once ignored without a word."""
    book = _book(tmp_path / "b.xlsx", {
        "机构信息": INSTITUTIONS,
        "七星敬老院": [["__merge__", 4, "新昌县七星敬老院入住老人花名册"],
                    ["序号", "姓名", "身份证号", "入住日期", "户籍地"],
                    ["1", "张一", ID_A, "2024.3.1", "浙江省绍兴市新昌县七星街道"],
                    ["2", "李二", ID_B, datetime.date(2024, 5, 1), "新昌"],
                    ["合计", "2人"]],
        "Sheet3": [["__merge__", 4, "南明颐养院花名册"],
                   ["序号", "姓名", "身份证号", "入住日期", "户籍地"],
                   ["1", "王三", ID_B, "2023.1.1", "330624"]],
        "旧花名册": [["姓名", "身份证号", "入住日期"], ["赵四", ID_A, "2020.1.1"]],
        "说明": [["填表说明"]],
    }, hidden=("旧花名册",))
    ds = audit.load_data(book)
    res = ds.tables["residents"].sort("_sheet", "_row")
    assert res.select("_sheet", "_row", "institution_id").rows() == [
        ("Sheet3", 3, "新昌县南明颐养院"),               # by its title row
        ("七星敬老院", 3, "新昌县七星敬老院"),           # by its sheet name
        ("七星敬老院", 4, "新昌县七星敬老院")]
    assert res["admitted_on"].to_list() == [datetime.date(2023, 1, 1), datetime.date(2024, 3, 1), datetime.date(2024, 5, 1)]
    assert res["hukou_county"].to_list() == ["新昌县"] * 3   # code, address and short name
    log = {s["sheet"]: (s["table"], s["status"]) for s in ds.sources["*"]["sheets"]}
    assert log == {"机构信息": ("institutions", "read"), "七星敬老院": ("residents", "read"), "Sheet3": ("residents", "read"),
                   "旧花名册": ("residents", "hidden"), "说明": (None, "ignored")}
    hidden = ds.problems.filter(pl.col("check") == "hidden_sheet")
    assert hidden.select("sheet", "severity").rows() == [("旧花名册", "warning")]


def test_a_home_name_matching_nothing_is_an_error_with_the_nearest_names(tmp_path):
    book = _book(tmp_path / "b.xlsx", {
        "机构信息": INSTITUTIONS,
        "城东敬老院": [["姓名", "身份证号", "入住日期"], ["张一", ID_A, "2024.3.1"]],
    })
    errs = audit.load_data(book).errors()
    assert errs.select("sheet", "column", "check").rows() == [("城东敬老院", "institution_id", "institution_name")]
    assert "城东敬老院" in errs["message"][0] and "1 行" in errs["message"][0]


def test_rows_naming_their_home_by_name_or_credit_code(make_folder):
    folder = make_folder({
        "机构.csv": "机构名称,统一社会信用代码,所属区县,机构类型\n甲养老院,,越城区,养老机构\n乙养老院,,柯桥区,养老机构\n",
        "工作人员.csv": "机构名称,人员编号,岗位\n甲养老院,S1,护工\n乙 养老院,S2,院长\n丙养老院,S3,护工\n",
    })
    ds = audit.load_data(folder)
    staff = ds.tables["staff"].sort("_row")
    assert staff["institution_id"].to_list()[:2] == ["甲养老院", "乙养老院"]
    errs = ds.errors()
    assert errs.select("row", "check").rows() == [(4, "institution_name")]   # 丙养老院: no such home
    assert "甲养老院" in errs["message"][0] or "乙养老院" in errs["message"][0]


def test_place_that_resolves_to_no_county_is_a_warning_not_a_silent_non_local(make_folder):
    folder = make_folder({
        "机构.csv": "机构编号,机构名称,所属区县,机构类型\nA1,甲院,新昌县,养老机构\n",
        "入住老人.csv": ("机构编号,身份证号,入住日期,户籍地\n"
                       f"A1,{ID_A},2024-01-01,七星街道\nA1,{ID_B},2024-01-01,七星街道\n"
                       f"A1,{ID_A[:-1]}X,2024-01-01,上虞市\n"),
    }, with_institutions=False)
    ds = audit.load_data(folder)
    w = ds.problems.filter(pl.col("check") == "place_unresolved")
    assert w.select("row", "value", "severity").rows() == [(2, "七星街道", "warning")]
    assert w["message"][0].startswith("2 名老人的户籍地“七星街道”无法判断是否为本地户籍")
    # an older name that kept its stem resolves (上虞市 → 上虞区): not local, and nothing to warn about
    assert ds.tables["residents"].sort("_row")["hukou_county"].to_list()[2] == "上虞区"


def test_id_pasted_into_a_number_cell_is_never_accepted(tmp_path):
    """330602195001011233 typed into a General cell is kept by Excel as a float; the
    reader then shows digits whose tail is invented — even a valid-looking check digit
    must not pass."""
    book = tmp_path / "b.xlsx"
    wb = xlsxwriter.Workbook(book)
    ws = wb.add_worksheet("入住老人")
    ws.write_row(0, 0, ["机构编号", "身份证号", "入住日期"])
    ws.write_row(1, 0, ["A001", ID_B, "2024-01-01"])          # text: fine
    ws.write_string(2, 0, "A001")
    ws.write_number(2, 1, int(ID_B))                            # a number cell
    ws.write_string(2, 2, "2024-01-01")
    wb.close()
    folder_inst = tmp_path / "机构.csv"
    folder_inst.write_text("机构编号,机构名称,所属区县,机构类型\nA001,甲院,越城区,养老机构\n", encoding="utf-8")
    (tmp_path / "d").mkdir()
    book.rename(tmp_path / "d" / "入住老人.xlsx")
    folder_inst.rename(tmp_path / "d" / "机构.csv")
    errs = audit.load_data(tmp_path / "d").errors()
    assert errs.select("row", "column", "check").rows() == [(3, "person_id", "id_stored_as_number")]
    assert "校验" not in errs["message"][0]


def test_abolished_county_names_and_codes_read_as_todays_county_with_a_note(make_folder):
    """绍兴县 became 柯桥区 in 2013 (its code 330621 went with it): a resident of a 柯桥区 home
    registered there is local, said in an info line, never an 'unresolved' warning."""
    folder = make_folder({
        "机构.csv": "机构编号,机构名称,所属区县,机构类型\nA1,甲院,绍兴市柯桥区,养老机构\nA2,乙院,绍兴县,养老机构\n",
        "入住老人.csv": ("机构编号,身份证号,入住日期,户籍地\n"
                       f"A1,{ID_A},2024-01-01,绍兴县\nA1,{ID_B},2024-01-01,330621\n"
                       f"A2,{ID_A},2023-01-01,浙江省绍兴县华舍街道\nA2,{ID_B},2023-01-01,上虞市\n"),
    }, with_institutions=False)
    ds = audit.load_data(folder)
    assert ds.tables["institutions"].sort("_row")["county"].to_list() == ["柯桥区", "柯桥区"]
    assert ds.tables["residents"].sort("_row")["hukou_county"].to_list() == ["柯桥区", "柯桥区", "柯桥区", "上虞区"]
    assert ds.problems.filter(pl.col("check") == "place_unresolved").is_empty()
    notes = ds.problems.filter(pl.col("check") == "place_renamed").sort("table", "row")
    assert notes.select("table", "row", "value", "severity").rows() == [
        ("institutions", 3, "绍兴县", "info"),
        ("residents", 2, "绍兴县", "info"), ("residents", 3, "330621", "info"),
        ("residents", 4, "浙江省绍兴县华舍街道", "info"), ("residents", 5, "上虞市", "info")]
    assert "2013" in notes["message"][0] and "柯桥区" in notes["message"][0]


def test_the_bureau_report_appendix_shows_how_the_workbook_was_read(tmp_path):
    """The reading summary (sheets read as which table, header rows, 合计/签字 rows skipped,
    sheets not read and why) is in the report's appendix 2, not only in validate."""
    from audit.report.context import bureau_context
    from audit.report.render import render_html

    book = _book(tmp_path / "b.xlsx", {"机构信息": INSTITUTIONS, "备注": [["说明"], ["本表仅供参考"]]})
    html = render_html("bureau.html", bureau_context(audit.run(book, "shaoxing", 2024)))
    appendix = html[html.index("读取情况"):]
    assert "机构信息" in appendix and "3-4" in appendix                  # header on Excel rows 3 and 4
    assert "B 机构名称→name" in appendix and "A 序号" in appendix         # 序号 not read
    assert "合计/小计行 7" in appendix and "表尾签字行 9" in appendix
    assert "备注（表头不对应任何表）" in appendix


def test_money_at_stake_per_home_on_stacked_roster_sheets(tmp_path):
    """One 花名册 per home, both with an unresolved 户籍地 on Excel row 2: each home's stake is
    its own resident's, never the other sheet's row 2. Level 3 (绍兴 重点工作(五)4): 80 yuan a
    month, 12 months of 2024 → 960.00 each, 1,920.00 in all."""
    head = ["姓名", "身份证号", "入住日期", "户籍地", "能力等级", "低保类别", "失智"]
    book = _book(tmp_path / "b.xlsx", {
        "机构": [["机构名称", "所属区县", "机构类型", "举办性质", "经营性质", "登记备案日期", "等级评定"],
                ["甲敬老院", "新昌县", "养老机构", "民办", "非营利", "2020-01-01", "三级"],
                ["乙敬老院", "新昌县", "养老机构", "民办", "非营利", "2020-01-01", "三级"]],
        "甲敬老院": [head, ["张一", ID_A, "2023-01-01", "七星街道", "自理", "无", "否"],
                    ["张二", "330624194805050012", "2023-01-01", "新昌县", "自理", "无", "否"]],
        "乙敬老院": [head, ["李一", ID_B, "2023-01-01", "南明街道", "自理", "无", "否"],
                    ["李二", "330624194703030029", "2023-01-01", "新昌县", "自理", "无", "否"]],
    })
    result = audit.run(book, "shaoxing", 2024)
    paid = result.ledger.group_by("institution_id").agg(pl.col("amount_fen").sum())
    assert dict(paid.rows()) == {"甲敬老院": 96000, "乙敬老院": 96000}
    stake = result.findings.filter(pl.col("rule") == "at_stake_hukou_unresolved")
    assert sorted(stake["institution_id"].to_list()) == sorted(["甲敬老院", "乙敬老院"])
    assert all("amount=960.00" in e for e in stake["evidence"])
    # the place warnings too are each home's own (row 2 of two sheets is two rows, not one)
    place = result.findings.filter(pl.col("rule") == "place_unresolved").sort("institution_id")
    assert place.select("institution_id", pl.col("evidence").str.contains("七星街道").alias("qx")).rows() == [
        ("乙敬老院", False), ("甲敬老院", True)]
    from audit.pipeline import policy_problems
    from audit.policy import load_pack

    p = policy_problems(audit.load_data(book), load_pack("shaoxing"), 2024).filter(pl.col("check") == "money_at_stake")
    assert p["value"].to_list() == ["1,920.00"] and p["message"][0].startswith("2 家机构：2 名老人的户籍地")


def test_a_blank_required_cell_is_not_hidden_by_an_unreadable_one_on_another_sheet(tmp_path):
    """Row 3 of 甲敬老院 has no 入住日期, row 3 of 乙敬老院 has "无": both are errors."""
    head = ["姓名", "身份证号", "入住日期", "户籍地"]
    book = _book(tmp_path / "b.xlsx", {
        "机构": [["机构名称", "所属区县", "机构类型"], ["甲敬老院", "新昌县", "养老机构"], ["乙敬老院", "新昌县", "养老机构"]],
        "甲敬老院": [head, ["张一", ID_A, "2023-01-01", "新昌县"], ["张二", "330624194805050012", None, "新昌县"]],
        "乙敬老院": [head, ["李一", ID_B, "2023-01-01", "新昌县"], ["李二", "330624194703030029", "无", "新昌县"]],
    })
    errors = audit.load_data(book).errors()
    dates = errors.filter(pl.col("column") == "admitted_on").select("sheet", "row").sort("sheet").rows()
    assert dates == [("乙敬老院", 3), ("甲敬老院", 3)]


def test_a_value_merged_down_several_rows_is_each_rows_value(tmp_path):
    """A clerk merges one 户籍地 down three residents' rows (E4:E6) and one 所属区县 down two
    homes: Excel shows the value on each row, the file holds it in the first cell only. The
    three residents were read as blank 户籍 (not local: their grant silently cut)."""
    path = tmp_path / "merged.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("机构信息")
    for i, row in enumerate([["机构名称", "所属区县", "机构类型", "举办性质", "登记备案日期", "等级评定"],
                             ["新昌县七星敬老院", None, "养老机构", "民办", "2020.1.1", "三级"],
                             ["新昌县南明颐养院", None, "养老机构", "民办", "2020.1.1", "三级"]]):
        ws.write_row(i, 0, row)
    ws.merge_range("B2:B3", "新昌县")
    ws = wb.add_worksheet("七星敬老院")
    ws.merge_range("A1:E1", "新昌县七星敬老院入住老人花名册")
    ws.write_row(1, 0, ["序号", "姓名", "身份证号", "入住日期", "户籍地"])
    ws.write_row(2, 0, ["1", "张一", ID_A, "2023.1.1", "外省某县"])
    ws.write_row(3, 0, ["2", "李二", ID_B, "2023.1.1"])
    ws.write_row(4, 0, ["3", "王三", "330624194805050012", "2023.1.1"])
    ws.write_row(5, 0, ["4", "赵四", "330602195001011250", "2023.1.1"])
    ws.merge_range("E4:E6", "新昌县")
    wb.close()
    ds = audit.load_data(path)
    res = ds.tables["residents"].sort("_row")
    assert res.select("_row", "hukou_county").rows()[1:] == [(4, "新昌县"), (5, "新昌县"), (6, "新昌县")]
    assert ds.tables["institutions"]["county"].to_list() == ["新昌县", "新昌县"]
    note = ds.problems.filter(pl.col("check") == "merged_cells")
    assert note["severity"].unique().to_list() == ["info"]
    assert any("E4:E6" in m for m in note["message"].to_list())


def test_a_generic_title_falls_back_to_the_sheet_name_and_a_copied_title_is_an_error(tmp_path):
    """Sheet 七星敬老院 titled "2024年入住老人花名册" names no home: its sheet name does (it was
    an error). Sheet 南明颐养院 still carries 七星's title (copied, not edited): its resident
    was counted at 七星 without a word; now an error names both homes."""
    roster = lambda title, who: [["__merge__", 4, title], ["序号", "姓名", "身份证号", "入住日期", "户籍地"],  # noqa: E731
                                 ["1", "张一", who, "2023.1.1", "新昌县"]]
    book = _book(tmp_path / "b.xlsx", {"机构信息": INSTITUTIONS,
                                       "七星敬老院": roster("2024年入住老人花名册", ID_A),
                                       "南明颐养院": roster("新昌县七星敬老院入住老人花名册", ID_B)})
    ds = audit.load_data(book)
    res = ds.tables["residents"].sort("_sheet")
    assert res.select("_sheet", "institution_id").rows() == [("七星敬老院", "新昌县七星敬老院"),
                                                            ("南明颐养院", "新昌县七星敬老院")]
    errors = ds.problems.filter((pl.col("severity") == "error") & (pl.col("check") == "institution_name"))
    assert errors["sheet"].to_list() == ["南明颐养院"]
    assert "指向“新昌县七星敬老院”" in errors["message"][0] and "工作表名“南明颐养院”却指向“新昌县南明颐养院”" in errors["message"][0]


def test_clerks_own_words_for_name_and_certificate_are_read(make_folder):
    folder = make_folder({
        "入住老人.csv": f"机构编号,入住老人姓名,身份证号,入住日期\nA001,张一,{ID_A},2023-01-01\n",
        "工作人员.csv": "机构编号,人员编号,人员姓名,岗位,护理员证书\nA001,S1,李二,护理员,四级/中级工\n"})
    ds = audit.load_data(folder)
    assert ds.tables["residents"]["name"].to_list() == ["张一"]
    assert ds.tables["staff"].select("name", "care_certificate").rows() == [("李二", "intermediate")]


def test_a_formula_in_a_skipped_total_row_is_no_error(tmp_path):
    """合计 =SUM(...) with no saved result (a workbook written by a program, never opened in
    Excel) sits in a row that is skipped anyway; a formula in a data row is still an error."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "机构信息"
    ws.append(["机构名称", "所属区县", "机构类型", "举办性质", "核定床位数"])
    ws.append(["新昌县七星敬老院", "新昌县", "养老机构", "民办", 120])
    ws.append(["新昌县南明颐养院", "新昌县", "养老机构", "民办", "=E2-40"])
    ws.append(["合计", None, None, None, "=SUM(E2:E3)"])
    wb.save(tmp_path / "f.xlsx")
    ds = audit.load_data(tmp_path / "f.xlsx")
    formula = ds.problems.filter(pl.col("check") == "formula")
    assert formula.select("row", "value", "severity").rows() == [(3, "E3", "error")]


def test_a_merge_is_filled_only_where_the_file_agrees_and_only_on_rows_with_data(tmp_path):
    """Review findings on the merged-cell fill: (1) 机构编号 merged A2:A7 over three residents
    and three empty template rows made three residents of nothing (an error, no run); (2) a
    range that does not line up with the grid's columns (cells under its first one hold
    values) overwrote a neighbour (低保类别 → every resident 低保: 1,200.00 paid too much)."""
    path = tmp_path / "m.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("机构")
    ws.write_row(0, 0, ["机构编号", "机构名称", "所属区县", "机构类型", "举办性质", "经营性质", "登记备案日期", "等级评定",
                        "核定床位数"])
    ws.write_row(1, 0, ["A1", "甲院", "新昌县", "养老机构", "民办", "非营利", "2020-01-01", "三级", "100"])
    rs = wb.add_worksheet("入住老人")
    rs.write_row(0, 0, ["机构编号", "身份证号", "入住日期", "户籍地", "能力等级", "低保类别", "失智"])
    rs.merge_range("A2:A7", "A1")                   # past the last resident
    rs.merge_range("F2:F4", "低保")                 # then cells under its first one hold values:
    for i, (pid, low) in enumerate(((ID_A, "低保"), (ID_B, "无"), ("330624194805050012", "无"))):
        rs.write_row(1 + i, 1, [pid, "2023-01-01", "新昌县", "自理", low, "否"])  # not a range the grid agrees with
    rs.write(9, 0, "制表人：张三")
    wb.close()
    ds = audit.load_data(path)
    res = ds.tables["residents"].sort("_row")
    assert res.select("_row", "institution_id", "low_income").rows() == [(2, "A1", "dibao"), (3, "A1", "none"),
                                                                         (4, "A1", "none")]
    assert ds.problems.filter(pl.col("severity") == "error").height == 0
    # 绍兴 重点工作(五)4, level 3: 12 × 80 each, + 12 × 50 低保 for the first = 3,480.00
    paid = audit.run(path, "shaoxing", 2024).ledger.filter(pl.col("program") == "operating")
    assert paid["amount_fen"].sum() == 3 * 12 * 80_00 + 12 * 50_00


def test_an_amount_merged_over_rows_is_not_copied_to_each(tmp_path):
    """保费 3,000 merged over three homes' rows is one figure, not 3,000 each (9,000 from the
    public purse): it stays on its first row, the others read blank, and a warning says so."""
    path = tmp_path / "ins.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("综合保险")
    ws.write_row(0, 0, ["机构编号", "保险年度", "险种", "保费"])
    for i, iid in enumerate(("A001", "A002", "A003")):
        ws.write_row(1 + i, 0, [iid, "2024", "养老机构综合责任保险"])
    ws.merge_range("D2:D4", "3000")
    wb.close()
    ds = audit.load_data(path)
    assert ds.tables["insurance"].sort("_row")["premium_fen"].to_list() == [3_000_00, None, None]
    warn = ds.problems.filter(pl.col("check") == "merged_cells")
    assert warn.select("row", "severity").rows() == [(2, "warning")] and "D2:D4" in warn["message"][0]
