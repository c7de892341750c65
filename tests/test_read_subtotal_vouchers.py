"""A per-home subtotal on a payments (拨付) sheet is never read as one more payment just
because it repeats what its rows carry. Each sheet pays A001 10,000 (2024-01) and 10,000
(2024-02) and A002 5,000; a fourth row is A001's subtotal of 20,000. Read as a payment it
would make A001's paid 40,000 instead of 20,000 with no message. Expected, by hand:

- a label 小计（2笔） beside a typed id, with the programme, period and the voucher 记-1 its
  rows carry: the total_with_id error naming the row and its 20,000; under a 机构编号 merged
  over the home's rows: a skipped subtotal, paid 10,000 + 10,000 + 5,000 = 25,000;
- 合计 村敬老院 (the word, a space, a whole home's name) is that home, its payment counts;
- 小计 in a 备注 beside a voucher that another A001 row also carries, a placeholder voucher
  ("/", "—", "无") or only a 拨付日期: the same error (typed id) or a skipped subtotal
  (merged id); with a voucher of its own (记-5) it is a payment."""

from __future__ import annotations

import datetime

import openpyxl
import polars as pl
import pytest

import audit

INSTITUTIONS = [
    ["机构编号", "机构名称", "所属区县", "机构类型"],
    ["A001", "越城区甲养老院", "越城区", "养老机构"],
    ["A002", "柯桥区乙养老院", "柯桥区", "养老机构"],
    ["A003", "合计村敬老院", "越城区", "养老机构"],
]
LABEL_HEADER = ["机构编号", "机构名称", "补贴项目", "所属期间", "拨付金额", "凭证号"]
LABEL_ROWS = [
    ["A001", "越城区甲养老院", "运营补贴", "2024-01", 10000, "记-1"],
    ["A001", "越城区甲养老院", "运营补贴", "2024-02", 10000, "记-1"],
    ["A001", "小计（2笔）", "运营补贴", "2024", 20000, "记-1"],
    ["A002", "柯桥区乙养老院", "运营补贴", "2024-01", 5000, "记-3"],
]
REMARK_HEADER = ["机构编号", "补贴项目", "所属期间", "拨付金额", "凭证号", "备注"]


def remark_rows(voucher_1, voucher_2, subtotal_voucher):
    return [
        ["A001", "运营补贴", "2024-01", 10000, voucher_1, None],
        ["A001", "运营补贴", "2024-02", 10000, voucher_2, None],
        ["A001", "运营补贴", "2024", 20000, subtotal_voucher, "小计"],
        ["A002", "运营补贴", "2024-01", 5000, "记-3", None],
    ]


def xlsx(path, pay: list, merge: str | None = None):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in {"机构": INSTITUTIONS, "拨付": pay}.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    if merge:
        wb["拨付"].merge_cells(merge)
    wb.save(path)
    return path


def csv(folder, pay: list):
    folder.mkdir()
    for name, rows in {"机构": INSTITUTIONS, "拨付": pay}.items():
        text = "\n".join(",".join("" if v is None else str(v) for v in row) for row in rows)
        (folder / f"{name}.csv").write_text(text + "\n", encoding="utf-8")
    return folder


def pay_errors(ds) -> list[tuple]:
    return ds.errors().filter(pl.col("table") == "payments").select("row", "check").rows()


def skipped(ds) -> list[int]:
    p = ds.problems.filter((pl.col("check") == "skipped_total") & (pl.col("table") == "payments"))
    return p["row"].to_list()


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
@pytest.mark.parametrize("label", ["小计（2笔）", "小计 越城区甲养老院"])
def test_a_worded_subtotal_label_beside_a_typed_id_and_its_rows_voucher_is_asked(tmp_path, kind, label):
    """小计（2笔） or 小计 越城区甲养老院 (the home's subtotal, not a home's name) beside A001."""
    pay = [LABEL_HEADER, *LABEL_ROWS[:2], [*LABEL_ROWS[2][:1], label, *LABEL_ROWS[2][2:]], LABEL_ROWS[3]]
    ds = audit.load_data(xlsx(tmp_path / "b.xlsx", pay) if kind == "xlsx" else csv(tmp_path / "b", pay))
    assert pay_errors(ds) == [(4, "total_with_id")]
    assert "20000" in ds.errors().filter(pl.col("row") == 4)["message"][0]


def test_a_worded_subtotal_label_under_a_merged_id_is_a_skipped_subtotal(tmp_path):
    ds = audit.load_data(xlsx(tmp_path / "b.xlsx", [LABEL_HEADER, *LABEL_ROWS], merge="A2:A4"))
    assert ds.errors().is_empty(), ds.errors()
    assert skipped(ds) == [4]
    assert ds.tables["payments"]["amount_fen"].sum() == 2_500_000


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_home_named_with_a_space_after_the_total_word_beside_its_id_is_paid(tmp_path, kind):
    """A003 合计 村敬老院 · 运营补贴 · 2024 · 1,000 · 记-9: a payment to A003. Paid 26,000."""
    pay = [
        LABEL_HEADER,
        LABEL_ROWS[0],
        LABEL_ROWS[1],
        LABEL_ROWS[3],
        ["A003", "合计 村敬老院", "运营补贴", "2024", 1000, "记-9"],
    ]
    ds = audit.load_data(xlsx(tmp_path / "b.xlsx", pay) if kind == "xlsx" else csv(tmp_path / "b", pay))
    assert ds.errors().is_empty(), ds.errors()
    paid = ds.tables["payments"].sort("_row").select("institution_id", "amount_fen").rows()
    assert paid == [("A001", 1_000_000), ("A001", 1_000_000), ("A002", 500_000), ("A003", 100_000)]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
@pytest.mark.parametrize(
    "vouchers",
    [
        ("记-1", "记-1", "记-1"),
        ("记-1", "记-2", "记-2"),
        ("记-1", "记-2", "/"),
        ("记-1", "记-2", "—"),
        ("记-1", "记-2", "无"),
    ],
)
def test_a_remark_subtotal_with_a_repeated_or_placeholder_voucher_is_asked(tmp_path, kind, vouchers):
    pay = [REMARK_HEADER, *remark_rows(*vouchers)]
    ds = audit.load_data(xlsx(tmp_path / "b.xlsx", pay) if kind == "xlsx" else csv(tmp_path / "b", pay))
    assert pay_errors(ds) == [(4, "total_with_id")]
    assert "20000" in ds.errors().filter(pl.col("row") == 4)["message"][0]


@pytest.mark.parametrize("subtotal_voucher", ["记-1", "/"])
def test_a_remark_subtotal_under_a_merged_id_with_no_voucher_of_its_own_is_skipped(tmp_path, subtotal_voucher):
    pay = [REMARK_HEADER, *remark_rows("记-1", "记-2", subtotal_voucher)]
    ds = audit.load_data(xlsx(tmp_path / "b.xlsx", pay, merge="A2:A4"))
    assert ds.errors().is_empty(), ds.errors()
    assert skipped(ds) == [4]
    assert ds.tables["payments"]["amount_fen"].sum() == 2_500_000


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_remark_subtotal_repeating_only_the_payment_date_is_asked(tmp_path, kind):
    day = datetime.date(2024, 3, 15) if kind == "xlsx" else "2024-03-15"
    pay = [
        ["机构编号", "补贴项目", "所属期间", "拨付金额", "拨付日期", "备注"],
        ["A001", "运营补贴", "2024-01", 10000, day, None],
        ["A001", "运营补贴", "2024-02", 10000, day, None],
        ["A001", "运营补贴", "2024", 20000, day, "小计"],
        ["A002", "运营补贴", "2024-01", 5000, day, None],
    ]
    ds = audit.load_data(xlsx(tmp_path / "b.xlsx", pay) if kind == "xlsx" else csv(tmp_path / "b", pay))
    assert pay_errors(ds) == [(4, "total_with_id")]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_remark_total_beside_a_voucher_of_its_own_is_a_payment(tmp_path, kind):
    """Row 4 pays A001 20,000 on 记-5, booked on no other row: the 小计 is the clerk's note.
    Paid 10,000 + 10,000 + 20,000 + 5,000 = 45,000."""
    pay = [REMARK_HEADER, *remark_rows("记-1", "记-1", "记-5")]
    ds = audit.load_data(xlsx(tmp_path / "b.xlsx", pay) if kind == "xlsx" else csv(tmp_path / "b", pay))
    assert ds.errors().is_empty(), ds.errors()
    assert ds.tables["payments"]["amount_fen"].sum() == 4_500_000


def test_a_payment_under_a_merged_id_on_a_batch_voucher_with_a_remark_total_still_counts(tmp_path):
    """A001 (merged A2:A3) is paid 10,000 on 记-1 and 20,000 on 记-9, 备注 合计; 记-9 also books
    A002's 5,000. For A001 记-9 is its own voucher: a payment, not A001's subtotal.
    Paid 10,000 + 20,000 + 5,000 = 35,000."""
    pay = [
        REMARK_HEADER,
        ["A001", "运营补贴", "2024-01", 10000, "记-1", None],
        [None, "运营补贴", "2024-02", 20000, "记-9", "合计"],
        ["A002", "运营补贴", "2024-01", 5000, "记-9", None],
    ]
    ds = audit.load_data(xlsx(tmp_path / "b.xlsx", pay, merge="A2:A3"))
    assert ds.errors().is_empty(), ds.errors()
    assert skipped(ds) == []
    assert ds.tables["payments"]["amount_fen"].sum() == 3_500_000
