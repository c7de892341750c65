"""ledger.xlsx and findings.xlsx read back with openpyxl: print settings a clerk needs
(A4 landscape, one page wide, header row on every page, title and page X of Y, frozen
panes), money as numbers with two decimals, the 汇总 cross tables summed by hand, and
findings in Chinese with names and an autofilter."""

from __future__ import annotations

import pytest

from audit.report.workbooks import write_findings_xlsx, write_ledger_xlsx
from test_report import PERSON_ID, fake_result

openpyxl = pytest.importorskip("openpyxl")


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    out = tmp_path_factory.mktemp("books")
    result = fake_result()
    write_ledger_xlsx(result, out / "ledger.xlsx")
    write_findings_xlsx(result, out / "findings.xlsx")
    return openpyxl.load_workbook(out / "ledger.xlsx"), openpyxl.load_workbook(out / "findings.xlsx")


def test_ledger_sheets_in_order(books):
    ledger, _ = books
    assert ledger.sheetnames == ["汇总", "机构汇总", "市级财政", "县级财政", "机构自付"]


def test_every_sheet_prints_one_page_wide_landscape_with_titles(books):
    for wb in books:
        for ws in wb.worksheets:
            assert ws.page_setup.orientation == "landscape", ws.title
            assert ws.page_setup.paperSize == 9  # A4
            assert ws.sheet_properties.pageSetUpPr.fitToPage
            # fitToWidth absent means 1 (the OOXML default); fitToHeight 0 = as many pages as needed
            assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0)
            assert "&P" in ws.oddFooter.right.text and "&N" in ws.oddFooter.right.text
            assert ws.title in ws.oddHeader.center.text
            if ws.title != "汇总":
                assert ws.print_title_rows.replace("$", "") == "1:1", ws.title
                assert ws.freeze_panes in ("C2", "A2"), ws.title
                assert ws.auto_filter.ref, ws.title


def test_payer_sheet_money_as_numbers_with_two_decimals(books):
    ledger, _ = books
    ws = ledger["市级财政"]
    head = [c.value for c in ws[1]]
    assert head[:8] == ["机构编号", "机构名称", "项目", "明细", "期间", "数量", "标准(元)", "金额(元)"]
    rows = list(ws.iter_rows(min_row=2, values_only=False))
    amounts = [r[7] for r in rows]
    assert all(isinstance(c.value, (int, float)) and c.number_format == "#,##0.00" for c in amounts)
    # city lines: 400,000.00 + 60,000.00 + 12,000.00 = 472,000.00 in the total row
    assert rows[-1][0].value == "合计" and rows[-1][7].value == 472000
    assert [r[3].value for r in rows[:-1]] == ["自建床位", "入住人月（4 级机构）", "入住人月（2 级机构）"]
    assert not any(isinstance(c.value, str) and c.value.startswith("=") for r in rows for c in r)


def cross_table(ws, caption: str) -> dict:
    """{(row label, column label): value} of the table under `caption` on the 汇总 sheet."""
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    start = next(i for i, r in enumerate(rows) if r[0] == caption)
    head, table = rows[start + 1], {}
    for r in rows[start + 2:]:
        if r[0] is None:
            break
        table.update({(r[0], h): v for h, v in zip(head[1:], r[1:]) if h is not None and v is not None})
        if r[0] == "合计":
            break
    return table


def test_summary_cross_tables_by_hand(books):
    ws = books[0]["汇总"]
    assert ws["A1"].value.startswith("补贴合计") and ws["B1"].value == 518234.57
    t = cross_table(ws, "一、按项目与出资方（元）")
    # construction city 400,000; operating city 72,000 + county 15,000 = 87,000;
    # centre county 30,000; insurance county 1,234.57; own share 617.28 left out
    assert t[("运营补贴", "市级财政")] == 72000 and t[("运营补贴", "县级财政")] == 15000
    assert t[("运营补贴", "合计")] == 87000 and ("建设补贴", "县级财政") not in t
    assert t[("合计", "市级财政")] == 472000 and t[("合计", "县级财政")] == 46234.57
    assert t[("合计", "合计")] == 518234.57
    c = cross_table(ws, "二、按区县与项目（元）")
    # 越城区: I001 400,000 + 75,000, I003 30,000; 柯桥区: I002 12,000 + 1,234.57
    assert c[("越城区", "合计")] == 505000 and c[("柯桥区", "合计")] == 13234.57
    assert c[("合计", "合计")] == 518234.57


def test_institution_sheet_one_row_each(books):
    ws = books[0]["机构汇总"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert [r[0] for r in rows] == ["I001", "I002", "I003", "合计"]
    assert rows[0][-1] == 475000 and rows[1][-1] == 13234.57 and rows[3][-1] == 518234.57
    assert rows[1][1] == "<script>alert(1)</script>"  # a name stays text


def test_findings_workbook_in_chinese_with_names(books):
    ws = books[1]["稽核发现"]
    head = [c.value for c in ws[1]]
    assert head[:6] == ["机构编号", "机构名称", "严重程度", "问题类别", "规则代码", "说明"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert len(rows) == 4  # one row per problem
    first = rows[0]
    assert first[:5] == ["I001", "阳光颐养院", "错误", "护理员配备", "staffing_ratio"]
    assert any(r[3] == "数据不合规" for r in rows)
    assert ws.auto_filter.ref == "A1:I5"
    assert not any(PERSON_ID in str(v) for r in rows for v in r)
