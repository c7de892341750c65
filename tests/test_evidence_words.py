"""Findings about the input name the cell as the user sees it — the sheet (or file), the
Excel row, the column letter and the user's own header — never our internal table and
column names (issue 16: "evidence strings still name our columns")."""

from __future__ import annotations

import polars as pl
from openpyxl import Workbook

import audit

ID_A = "11010519491231002X"  # GB 11643 appendix example
ID_C = "330624194805050012"
INST = ("机构编号,机构名称,所属区县,机构类型,举办性质,经营性质,登记备案日期,等级评定,核定床位数\n"
        "A1,甲院,新昌县,养老机构,民办,非营利,2020-01-01,三级,100\n")
INTERNAL = ("table=", "column=", "hukou_county", "residents")


def _folder(tmp_path, residents_csv: str):
    (tmp_path / "机构.csv").write_text(INST, encoding="utf-8")
    (tmp_path / "入住老人.csv").write_text(residents_csv, encoding="utf-8")
    return tmp_path


def test_a_data_warning_and_its_money_name_the_file_row_letter_and_header(tmp_path):
    """户籍地 七星街道 (row 2, column D) matches no county: the place warning and the money at
    stake (12 × 80 = 960.00, Shaoxing's rate for a self-care local resident) both point at
    「入住老人.csv」 row 2, column D, header 户籍地."""
    folder = _folder(tmp_path, "机构编号,身份证号,入住日期,户籍地,能力等级\n"
                               f"A1,{ID_A},2023-01-01,七星街道,自理\nA1,{ID_C},2023-01-01,新昌县,自理\n")
    f = audit.run(folder, "shaoxing", 2024).findings
    place = f.filter(pl.col("rule") == "place_unresolved")["evidence"].to_list()
    assert place == ["文件「入住老人.csv」第 2 行 D 列「户籍地」，值 七星街道"]
    stake = f.filter(pl.col("rule") == "at_stake_hukou_unresolved")["evidence"].to_list()
    assert len(stake) == 1 and stake[0].startswith("文件「入住老人.csv」第 2 行 D 列「户籍地」")
    assert "amount=960.00" in stake[0] and "rows=1" in stake[0]      # the self-check reads amount=
    assert not any(word in e for e in place + stake for word in INTERNAL)


def test_a_missing_column_names_the_users_words_for_it(tmp_path):
    """No 户籍地 column at all: the money at stake (2 × 960.00) names the file, the first row it
    rides on and the column by its Chinese name (there is no letter to give)."""
    folder = _folder(tmp_path, "机构编号,身份证号,入住日期,能力等级\n"
                               f"A1,{ID_A},2023-01-01,自理\nA1,{ID_C},2023-01-01,自理\n")
    f = audit.run(folder, "shaoxing", 2024).findings
    stake = f.filter(pl.col("rule") == "at_stake_column_missing")["evidence"].to_list()
    hukou = [e for e in stake if "户籍" in e]
    assert len(hukou) == 1 and hukou[0].startswith("文件「入住老人.csv」第 2 行「户籍所在区县」列 rows=2")
    assert "amount=1,920.00" in hukou[0] and not any(word in hukou[0] for word in INTERNAL)


def test_a_workbook_sheet_is_named_as_a_sheet_in_chinese_and_english(tmp_path):
    """One workbook, a sheet per table: the sheet's own name (入住名册), the row, the letter
    and the header; in English too."""
    wb = Workbook()
    homes = wb.active
    homes.title = "机构"
    for row in INST.splitlines():
        homes.append(row.split(","))
    ws = wb.create_sheet("入住名册")
    for row in (["机构编号", "身份证号", "入住日期", "能力等级", "户籍地"],
                ["A1", ID_A, "2023-01-01", "自理", "七星街道"]):
        ws.append(row)
    wb.save(tmp_path / "2024年数据.xlsx")
    zh = audit.run(tmp_path, "shaoxing", 2024).findings.filter(pl.col("rule") == "place_unresolved")
    assert zh["evidence"].to_list() == ["工作表「入住名册」第 2 行 E 列「户籍地」，值 七星街道"]
    en = audit.run(tmp_path, "shaoxing", 2024, lang="en").findings
    assert en.filter(pl.col("rule") == "place_unresolved")["evidence"].to_list() == [
        "sheet '入住名册' row 2 column E '户籍地', value 七星街道"]
    stake = en.filter(pl.col("rule") == "at_stake_hukou_unresolved")["evidence"][0]
    assert stake.startswith("sheet '入住名册' row 2 column E '户籍地'") and "amount=960.00" in stake


def test_subsidy_rule_evidence_names_the_columns_and_values_in_the_users_words():
    """绍兴 重点工作(五)3 is for 新建民办 homes: a public home is out of scope (not_eligible) and a
    private one without 登记备案日期 is not registered. Their evidence names the contract's
    Chinese headers and the values as written (公办, 是, 空), never ownership= or registered_on=;
    in English the same headers, yes/no and 'blank'."""
    from audit.calc import compute
    from audit.policy import load_pack
    from test_calc_helpers import D, tables

    homes = tables(institutions=[
        {"institution_id": "PUB", "ownership": "public", "beds": 30, "registered_on": D(2024, 3, 1)},
        {"institution_id": "NOREG", "ownership": "private", "beds": 30, "registered_on": None,
         "accepted_on": D(2024, 3, 1), "opened_on": D(2024, 3, 1)}])
    internal = ("ownership=", "registered_on=", "newly_built=", "kind=", "public", "true")
    for lang, scope, unregistered in (
        ("zh", "「机构类型」=养老机构 「举办性质」=公办 「新建机构」=是", "「登记备案日期」=空"),
        ("en", "'机构类型'=养老机构 '举办性质'=公办 '新建机构'=yes", "'登记备案日期'=blank"),
    ):
        _, findings, _ = compute(homes, load_pack("shaoxing"), 2024, lang=lang)
        out = dict(findings.filter(pl.col("rule").is_in(["not_eligible", "not_registered"]))
                   .select("institution_id", "evidence").rows())
        assert out == {"PUB": scope, "NOREG": unregistered}
        assert not any(word in e for e in out.values() for word in internal)
