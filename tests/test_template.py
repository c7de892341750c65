"""The blank template: derived from schemas/, and readable back once filled in."""

from __future__ import annotations

import re
import zipfile
from datetime import date

import polars as pl
from click.testing import CliRunner

import audit
from audit.data import contract as schema
from audit.cli import main


def _make(tmp_path):
    out = tmp_path / "模板.xlsx"
    result = CliRunner().invoke(main, ["template", "--out", str(out)])
    assert result.exit_code == 0, result.output + result.stderr
    return out


def _sheet_xml(book, index: int) -> str:
    with zipfile.ZipFile(book) as z:
        return z.read(f"xl/worksheets/sheet{index}.xml").decode()


def test_sheets_and_headers_follow_the_schemas(tmp_path):
    book = _make(tmp_path)
    import fastexcel

    names = fastexcel.read_excel(str(book)).sheet_names
    assert names == ["机构", "入住老人", "工作人员", "综合保险", "检查人员", "回避关系", "检查记录",
                     "申报", "申报名册", "拨付", "死亡名单", "低保特困名册", "说明"]
    heads = pl.read_excel(book, sheet_name="入住老人", infer_schema_length=0).columns
    assert heads == ["机构编号", "身份证号", "姓名", "入住日期", "离院日期", "户籍所在区县", "能力等级", "失智", "低保类别",
                     "五级能力等级", "能力评估日期", "失智程度"]


def test_drop_downs_and_widths(tmp_path):
    book = _make(tmp_path)
    xml = _sheet_xml(book, 2)   # 入住老人
    lists = re.findall(r'<dataValidation type="list"[^>]*sqref="([A-Z]+)2:[A-Z]+1048576"[^>]*>\s*<formula1>([^<]*)</formula1>', xml)
    by_col = dict(lists)
    # columns G (能力等级), H (失智), I (低保类别) carry Chinese choices
    assert by_col["G"] == '"自理,部分失能,完全失能"'
    assert by_col["H"] == '"是,否"'
    assert by_col["I"] == '"无,低保,低保边缘,特困"'
    assert "A" not in by_col                             # text columns have no list
    widths = [float(w) for w in re.findall(r'<col [^>]*width="([\d.]+)"', xml)]
    assert min(widths) >= 12                              # wide enough for Chinese headers


def test_guide_sheet_explains_every_column(tmp_path):
    book = _make(tmp_path)
    guide = pl.read_excel(book, sheet_name="说明", infer_schema_length=0)
    assert guide.columns == ["表", "表头", "英文列名", "类型", "必填", "可选值", "说明"]
    n_columns = sum(len(t.columns) for t in schema.tables().values())
    assert guide.height == n_columns
    care = guide.filter(pl.col("英文列名") == "care_level").row(0, named=True)
    assert "部分失能/半失能/轻度失能/中度失能(partial)" in care["可选值"]
    assert guide.filter(pl.col("英文列名") == "description").is_empty()
    assert guide["说明"].null_count() == 0


def _fill_row(book, index: int, cells: list[str]):
    """Put one row of inline strings into sheet `index` (as if a user typed it)."""
    def cell(j, v):
        ref = chr(ord("A") + j) + "2"
        return f'<c r="{ref}" t="inlineStr"><is><t>{v}</t></is></c>'
    row = '<row r="2">' + "".join(cell(j, v) for j, v in enumerate(cells) if v != "") + "</row>"
    with zipfile.ZipFile(book) as z:
        items = {n: z.read(n) for n in z.namelist()}
    name = f"xl/worksheets/sheet{index}.xml"
    items[name] = items[name].decode().replace("</sheetData>", row + "</sheetData>", 1).encode()
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in items.items():
            z.writestr(n, data)


def test_filled_template_reads_back(tmp_path):
    book = _make(tmp_path)
    _fill_row(book, 1, ["A001", "甲养老院", "", "越城区", "养老机构", "民办", "非营利", "否", "2024-03-01"])
    _fill_row(book, 2, ["A001", "11010519491231002X", "张三", "2024年3月5日", "", "越城区", "部分失能", "是", "低保"])
    ds = audit.load_data(book)
    assert ds.errors().is_empty(), ds.errors()
    inst = ds.tables["institutions"]
    assert inst.select("institution_id", "kind", "ownership", "is_tekun", "registered_on").row(0) == (
        "A001", "institution", "private", False, date(2024, 3, 1))
    res = ds.tables["residents"]
    assert res.select("care_level", "dementia", "low_income", "admitted_on", "_row").row(0) == (
        "partial", True, "dibao", date(2024, 3, 5), 2)
    assert ds.tables["staff"].height == 0


def test_template_refuses_a_non_xlsx_name(tmp_path):
    result = CliRunner().invoke(main, ["template", "--out", str(tmp_path / "模板.csv")])
    assert result.exit_code == 3 and ".xlsx" in result.stderr
    assert not (tmp_path / "模板.csv").exists()


def test_blank_template_handed_back_is_refused(tmp_path):
    # headers only in 机构 (a required table): nothing to compute, and the clerk is told so
    p = audit.load_data(_make(tmp_path)).problems
    assert p.select("table", "sheet", "row", "check", "severity").rows() == [("institutions", "机构", None, "empty", "error")]
    assert p["message"][0] == "“机构”只有表头，没有数据行"


def test_the_template_is_readable_by_the_office(tmp_path):
    """mkstemp creates a private file; the template is handed out, so it takes the umask."""
    import os

    from audit.data.template import write_template

    old = os.umask(0o022)
    try:
        out = write_template(tmp_path / "模板.xlsx")
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o644
