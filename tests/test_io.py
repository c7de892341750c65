"""Reading and normalising: every accepted spelling arrives as the contract's type."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
import xlsxwriter
from click.testing import CliRunner

import audit
from audit.data import contract as schema
from audit.errors import InputError
from audit.cli import main
from audit.data.io import read_tables

# GB 11643-1999 appendix example: 110105 19491231 002 X
ID_X = "11010519491231002X"


def test_csv_folder_chinese_headers_and_file_names(make_folder):
    folder = make_folder({
        "机构.csv": " 机构编号 ,机构名称,所属区县,机构类型,举办性质,核定床位数,风险等级,备注\n"
                   "007,甲院,越城区,养老机构,社会办,\"1,200\",高,自定义列\n",
        "入住老人.csv": "机构编号,身份证号,入住日期\n007,11010519491231002x,2024/3/1\n",
    })
    ds = audit.load_data(folder)
    inst = ds.tables["institutions"]
    assert inst["institution_id"].to_list() == ["007"]        # leading zeros kept
    assert inst["ownership"].to_list() == ["private"]         # 社会办 → private
    assert inst["beds"].to_list() == [1200]                    # thousands separator
    assert inst["risk_class"].to_list() == ["high"]
    assert inst["备注"].to_list() == ["自定义列"]               # unknown extra kept quietly
    assert inst["_row"].to_list() == [2]
    res = ds.tables["residents"]
    assert res["person_id"].to_list() == [ID_X]                # final x upper-cased
    assert res["admitted_on"].to_list() == [date(2024, 3, 1)]
    assert ds.errors().is_empty(), ds.errors()


@pytest.mark.parametrize("text, expected", [
    ("2024-03-01", date(2024, 3, 1)),
    ("2024/3/1", date(2024, 3, 1)),
    ("2024年3月1日", date(2024, 3, 1)),
    ("2024.3.1", date(2024, 3, 1)),
    (" 2024-03-01 00:00:00 ", date(2024, 3, 1)),   # an Excel date cell read as text
    ("45352", date(2024, 3, 1)),                    # Excel serial: 1899-12-30 + 45352 days
    ("45352.75", date(2024, 3, 1)),                 # the same day at 18:00
    ("２０２４－０３－０１", date(2024, 3, 1)),       # full-width digits and dash
    ("20240301", date(2024, 3, 1)),
])
def test_dates(make_folder, text, expected):
    folder = make_folder({"residents.csv": f"institution_id,person_id,admitted_on\nA001,{ID_X},{text}\n"})
    ds = audit.load_data(folder)
    assert ds.tables["residents"]["admitted_on"].to_list() == [expected]
    assert ds.errors().is_empty()


def test_excel_serial_arithmetic():
    # 45352 days after 1899-12-30: 1900-01-01 is serial 2 in Excel's (1900-leap-bug) count,
    # 2024-03-01 is 45352 — the same day Excel shows for that serial.
    assert date(1899, 12, 30).toordinal() + 45352 == date(2024, 3, 1).toordinal()


@pytest.mark.parametrize("text, ok", [("2024-02-30", False), ("2024/13/1", False), ("昨天", False), ("2024-02-29", True)])
def test_unreadable_dates_are_problems(make_folder, text, ok):
    folder = make_folder({"residents.csv": f"institution_id,person_id,admitted_on\nA001,{ID_X},{text}\n"})
    probs = audit.load_data(folder).problems.filter(pl.col("column") == "admitted_on")
    assert probs.is_empty() == ok
    if not ok:
        assert probs.row(0, named=True)["check"] == "date" and probs["row"].to_list() == [2]


@pytest.mark.parametrize("beds, expected", [
    ("1,200", 1200), ("１２０", 120), (" 35 ", 35), ("12.0", 12), ("１，０００", 1000),
])
def test_integers(make_folder, beds, expected):
    folder = make_folder({"institutions.csv": f'institution_id,name,county,kind,beds\nA1,甲,区,养老机构,"{beds}"\n'})
    ds = audit.load_data(folder)
    assert ds.tables["institutions"]["beds"].to_list() == [expected]
    assert ds.errors().is_empty()


def test_fractional_or_text_integer_is_unreadable(make_folder):
    folder = make_folder({"institutions.csv": "institution_id,name,county,kind,beds\nA1,甲,区,养老机构,12.5\nA2,乙,区,养老机构,约十二张\n"})
    probs = audit.load_data(folder).problems   # 十二张 alone is read as 12 (tests/test_clerk_values.py)
    assert sorted(probs.filter(pl.col("column") == "beds")["row"].to_list()) == [2, 3]


@pytest.mark.parametrize("premium, fen", [
    ("1,234.56", 123456),     # 1234.56 yuan × 100
    ("１２３４．５", 123450),   # full-width → 1234.5 yuan
    ("0.1", 10),
    ("12.500", 1250),         # trailing zero is not a third decimal
    ("￥300", 30000),
    ("300元", 30000),
])
def test_money_to_fen(make_folder, premium, fen):
    folder = make_folder({"insurance.csv": f'institution_id,year,premium,scheme\nA001,2024,"{premium}",养老机构综合责任保险\n'})
    ds = audit.load_data(folder)
    ins = ds.tables["insurance"]
    assert ins.schema["premium_fen"] == pl.Int64 and "premium" not in ins.columns
    assert ins["premium_fen"].to_list() == [fen]
    assert ins["scheme"].to_list() == ["institution"]


def test_money_refuses_three_decimals(make_folder):
    folder = make_folder({"insurance.csv": "institution_id,year,premium,scheme\nA001,2024,12.345,居家养老综合保险\n"})
    ds = audit.load_data(folder)
    p = ds.problems.filter(pl.col("column") == "premium")
    assert p.height == 1 and p["row"].to_list() == [2] and "两位小数" in p["message"][0]
    assert ds.tables["insurance"]["premium_fen"].to_list() == [None]   # never rounded


@pytest.mark.parametrize("text, value", [
    ("是", True), ("否", False), ("true", True), ("FALSE", False), ("1", True), ("0", False),
    ("Y", True), ("n", False), ("√", True), ("", True),
])
def test_bools(make_folder, text, value):
    folder = make_folder({"inspectors.csv": f"inspector_id,name,active\nI1,王五,{text}\n"})
    ds = audit.load_data(folder)
    # a blank cell takes the contract's declared default (active: default true)
    assert ds.tables["inspectors"]["active"].to_list() == [value]
    assert ds.errors().is_empty()


@pytest.mark.parametrize("text, canon", [
    ("部分失能", "partial"), ("半失能", "partial"), ("轻度失能", "partial"), ("中度失能", "partial"),
    ("完全失能", "full"), ("重度失能", "full"), ("能力完好", "self_care"), ("Self_Care", "self_care"),
    (" full ", "full"),
])
def test_enum_synonyms(make_folder, text, canon):
    folder = make_folder({"residents.csv": f"institution_id,person_id,admitted_on,care_level\nA001,{ID_X},2024-01-01,{text}\n"})
    assert audit.load_data(folder).tables["residents"]["care_level"].to_list() == [canon]


def test_full_width_parentheses_in_enum_and_header(make_folder):
    folder = make_folder({"institutions.csv": "机构编号,机构名称,所属区县,机构类型\nA1,甲,区,村（社区）居家养老服务照料中心\n"})
    assert audit.load_data(folder).tables["institutions"]["kind"].to_list() == ["community_center"]


def test_encodings(make_folder, tmp_path):
    text = "机构编号,身份证号,入住日期\nA001," + ID_X + ",2024-01-01\n"
    gb = make_folder({"入住老人.csv": text}, encoding="gb18030")
    ds = audit.load_data(gb)
    assert ds.sources["residents"]["encoding"] == "gb18030"
    assert ds.tables["residents"].height == 1
    bom = tmp_path / "bom"
    bom.mkdir()
    (bom / "institutions.csv").write_bytes("\ufeff".encode() + "机构编号,机构名称,所属区县,机构类型\nA1,甲,区,养老机构\n".encode())
    ds = audit.load_data(bom)
    assert ds.sources["institutions"]["encoding"] == "utf-8-sig"
    assert ds.tables["institutions"]["institution_id"].to_list() == ["A1"]   # BOM not glued to the header


def test_missing_tables_and_columns_get_full_schema_and_defaults(make_folder):
    folder = make_folder({"staff.csv": "institution_id,staff_id,role\nA001,S1,护理员\n"})
    ds = audit.load_data(folder)
    for name, t in schema.tables().items():
        expected = {c.out_name: c.dtype for c in t.columns}
        got = ds.tables[name].schema
        assert all(got[k] == v for k, v in expected.items()), name
        assert got["_row"] == pl.Int64
    assert ds.tables["inspections"].height == 0
    assert ds.tables["staff"]["fte"].to_list() == [1.0]
    assert ds.tables["institutions"]["beds_subsidized_before"].to_list() == [0, 0]
    assert ds.tables["staff"]["left_on"].to_list() == [None]


def _workbook(path, sheets: dict[str, list[list]]):
    wb = xlsxwriter.Workbook(path)
    datefmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if isinstance(v, date):
                    ws.write_datetime(r, c, __import__("datetime").datetime(v.year, v.month, v.day), datefmt)
                elif v is not None:
                    ws.write(r, c, v)
    wb.close()
    return path


def test_workbook_with_chinese_sheets_and_excel_dates(tmp_path):
    book = _workbook(tmp_path / "台账.xlsx", {
        "机构": [["机构编号", "机构名称", "所属区县", "机构类型", "核定床位数", "投资决算额"],
                 ["0012", "甲院", "越城区", "养老机构", 30, 1234.5]],
        "入住老人": [["机构编号", "身份证号", "入住日期", "离院日期"],
                   ["0012", ID_X, date(2024, 3, 1), None],
                   [None, None, None, None],                      # a blank line keeps numbering
                   ["0012", "110105194912310021", "2024年5月6日", date(2024, 7, 1)]],
        "随便": [["x"], [1]],                                       # unknown sheet ignored
    })
    ds = audit.load_data(book)
    inst = ds.tables["institutions"]
    assert inst["institution_id"].to_list() == ["0012"]
    assert inst["beds"].to_list() == [30]
    assert inst["investment_final_fen"].to_list() == [123450]
    res = ds.tables["residents"]
    assert res["admitted_on"].to_list() == [date(2024, 3, 1), date(2024, 5, 6)]
    assert res["discharged_on"].to_list() == [None, date(2024, 7, 1)]
    assert res["_row"].to_list() == [2, 4]
    assert ds.sources["residents"]["sheet"] == "入住老人"
    # 110105194912310021 has a wrong check digit (X expected): reported at its true row 4
    bad = ds.problems.filter(pl.col("check") == "id_check_digit")
    assert bad["row"].to_list() == [4] and bad["sheet"].to_list() == ["入住老人"]


def test_parquet_file(tmp_path):
    folder = tmp_path / "pq"
    folder.mkdir()
    pl.DataFrame({"institution_id": ["A1"], "name": ["甲"], "county": ["区"], "kind": ["institution"],
                  "beds": [12], "opened_on": [date(2023, 5, 1)]}).write_parquet(folder / "institutions.parquet")
    ds = audit.load_data(folder)
    assert ds.tables["institutions"]["beds"].to_list() == [12]
    assert ds.tables["institutions"]["opened_on"].to_list() == [date(2023, 5, 1)]


def test_parquet_typed_columns_stay_typed(tmp_path):
    """A parquet integer read into a number column (租期 10 → 10.0) and canonical enum codes
    are taken as they are; a code that is not canonical still goes through the parser."""
    folder = tmp_path / "pq"
    folder.mkdir()
    pl.DataFrame({"institution_id": ["A1", "A2"], "name": ["甲", "乙"], "county": ["区", "区"],
                  "kind": ["institution", "乡镇中心"], "premises": ["leased", "leased"],
                  "lease_years": [10, None]}).write_parquet(folder / "institutions.parquet")
    ds = audit.load_data(folder)
    inst = ds.tables["institutions"]
    assert inst.schema["lease_years"] == pl.Float64 and inst["lease_years"].to_list() == [10.0, None]
    assert inst["kind"].to_list() == ["institution", "township_center"]
    # the blank lease of a leased home is still reported (required_when), at its row
    lease = ds.problems.filter(pl.col("column") == "lease_years")
    assert lease["row"].to_list() == [3] and lease["check"].to_list() == ["required"]


def test_repeated_keys_prefilter():
    from audit.data.datachecks import repeated

    keys = pl.Series(["b", "a", None, "b", "c", None, "a"])
    assert repeated(keys).to_list() == [True, True, True, True, False, True, True]
    assert repeated(pl.Series([], dtype=pl.String)).to_list() == []


def test_read_tables_returns_raw_text(make_folder):
    raw, sources = read_tables(make_folder({}))
    assert set(raw) == {"institutions"}
    assert all(t == pl.String for c, t in raw["institutions"].schema.items() if c != "_row")
    assert len(sources["institutions"]["sha256"]) == 64


def test_normalising_twice_changes_nothing(make_folder):
    ds = audit.load_data(make_folder({"insurance.csv": "institution_id,year,premium,scheme\nA001,2024,10.5,institution\n"}))
    again, problems = __import__("audit.data.validation", fromlist=["check_tables"]).check_tables(ds.tables, ds.sources)
    for name in ds.tables:
        assert again[name].equals(ds.tables[name]), name
    assert problems.equals(ds.problems)


def test_raise_if_errors(make_folder):
    ds = audit.load_data(make_folder({"institutions.csv": "institution_id,name,county,kind,beds\nA1,甲,区,养老机构,-1\n"}))
    with pytest.raises(InputError) as e:
        ds.raise_if_errors()
    assert "1 个错误" in e.value.message and "第2行" in e.value.message
    assert e.value.problems.height == 1
    ok = audit.load_data(make_folder({}))
    ok.raise_if_errors()  # no error: returns quietly


def test_folder_holding_one_workbook(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _workbook(folder / "data.xlsx", {"institutions": [["institution_id", "name", "county", "kind"], ["A1", "甲", "区", "institution"]],
                                    "工作人员": [["机构编号", "人员编号"], ["A1", "S1"]]})
    (folder / "readme.txt").write_text("not a table")
    ds = audit.load_data(folder)
    assert ds.tables["institutions"].height == 1 and ds.tables["staff"].height == 1
    assert ds.sources["staff"]["sheet"] == "工作人员"
    assert ds.problems.is_empty()


def test_single_table_file_and_missing_path(tmp_path):
    f = tmp_path / "机构.csv"
    f.write_text("机构编号,机构名称,所属区县,机构类型\nA1,甲,区,养老机构\n", encoding="utf-8")
    assert audit.load_data(f).tables["institutions"].height == 1
    with pytest.raises(InputError):
        audit.load_data(tmp_path / "nope")


def test_headers_with_marks_and_glosses(make_folder):
    folder = make_folder({"institutions.csv": "*机构编号,机构名称（name）,所属区县 (county),机构类型\nA1,甲,区,养老机构\n"})
    inst = audit.load_data(folder).tables["institutions"]
    assert inst.select("institution_id", "name", "county").row(0) == ("A1", "甲", "区")


@pytest.mark.parametrize("text, fte", [("0.5", 0.5), ("50%", 0.5), ("５０％", 0.5), (".25", 0.25)])
def test_fte_numbers(make_folder, text, fte):
    folder = make_folder({"staff.csv": f"institution_id,staff_id,fte\nA001,S1,{text}\n"})
    assert audit.load_data(folder).tables["staff"]["fte"].to_list() == [fte]


# ---- schemas/ agree with docs/data-contract.md ------------------------------------

import pathlib  # noqa: E402
import re  # noqa: E402

CONTRACT = (pathlib.Path(__file__).parent.parent / "docs" / "data-contract.md").read_text(encoding="utf-8")


def _documented_tables():
    """{table: (zh, [(column, zh header, type word, rule text)])} from the contract's input tables."""
    out = {}
    head = CONTRACT.split("## Output tables")[0]
    for block in re.split(r"^### ", head, flags=re.M)[1:]:
        m = re.match(r"(\w+) — (\S+)", block)
        rows = [[cell.strip() for cell in line.strip().strip("|").split("|")]
                for line in block.splitlines() if line.startswith("| ") and not line.startswith("| column")]
        out[m.group(1)] = (m.group(2), [(c, zh, t.split()[0].rstrip(","), rule) for c, zh, t, rule in rows])
    return out


def test_schemas_cover_the_documented_contract():
    documented = _documented_tables()
    assert set(documented) == set(schema.TABLE_ORDER)
    for name, (zh, cols) in documented.items():
        t = schema.table(name)
        assert t.zh == zh
        for col, col_zh, typ, _ in cols:
            c = t.column(col)
            assert (c.zh, c.type) == (col_zh, typ), (name, col)


def test_documented_enum_synonyms_are_accepted():
    checked = 0
    for name, (_, cols) in _documented_tables().items():
        for col, _, typ, rule in cols:
            if typ != "enum":
                continue
            mapping = schema.table(name).column(col).enum_map()
            for canon, words in re.findall(r"`(\w+)`\s*([^`·]*)", rule):
                for word in [w for w in words.strip().split("/") if w]:
                    assert mapping[schema.norm_key(word)] == canon, (name, col, word)
                    checked += 1
    assert checked >= 35   # every Chinese spelling listed in the contract


# ---- money parsing is exact for any amount with at most two decimals ---------------

from hypothesis import given, settings, strategies as st  # noqa: E402

from audit.data.normalise import parse_money  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=-10**13, max_value=10**13), min_size=1, max_size=30), st.booleans())
def test_money_parse_is_exact(fens, thousands):
    def yuan_text(f: int) -> str:   # written independently of audit.money: sign, whole, two decimals
        q, r = divmod(abs(f), 100)
        whole = f"{q:,}" if thousands else str(q)
        return ("-" if f < 0 else "") + f"{whole}.{r:02d}"
    df = pl.DataFrame({"m": [yuan_text(f) for f in fens]})
    value, bad = parse_money(pl.col("m"))
    out = df.select(value.alias("v"), bad.alias("bad"))
    assert out["v"].to_list() == fens
    assert not out["bad"].any()


def test_title_rows_and_leading_blank_rows_keep_true_row_numbers(tmp_path):
    book = tmp_path / "台账.xlsx"
    wb = xlsxwriter.Workbook(book)
    ws = wb.add_worksheet("机构")
    ws.write(0, 0, "2024年度养老机构台账")            # row 1: a title
    ws.write_row(2, 0, ["填报单位：某区民政局"])        # row 3: a note; row 2 blank
    ws.write_row(3, 0, ["机构编号", "机构名称", "所属区县", "机构类型", "核定床位数"])   # row 4: headers
    ws.write_row(4, 0, ["A1", "甲", "区", "养老机构", "10"])                             # row 5
    ws.write_row(5, 0, ["A2", "乙", "区", "养老机构", "-1"])                             # row 6: negative beds
    ws2 = wb.add_worksheet("入住老人")                  # rows 1-2 empty, columns start at B
    ws2.write_row(2, 1, ["机构编号", "身份证号", "入住日期"])                           # row 3: headers
    ws2.write_row(3, 1, ["A1", "110105194912310021", "2024-01-01"])                      # row 4: bad check digit
    wb.close()
    ds = audit.load_data(book)
    assert ds.tables["institutions"]["_row"].to_list() == [5, 6]
    got = set(zip(ds.errors()["table"], ds.errors()["row"], ds.errors()["column"]))
    assert got == {("institutions", 6, "beds"), ("residents", 4, "person_id")}


def test_csv_with_a_title_line(make_folder):
    folder = make_folder({"staff.csv": "工作人员名册（2024年）,,\n机构编号,人员编号,工时折算\nA001,S1,2\n"})
    ds = audit.load_data(folder)
    assert ds.tables["staff"]["staff_id"].to_list() == ["S1"]
    assert ds.errors().select("row", "column").rows() == [(3, "fte")]   # title row 1, headers row 2


def test_unsupported_file_is_a_clear_error(tmp_path):
    f = tmp_path / "机构.txt"
    f.write_text("x")
    result = CliRunner().invoke(main, ["validate", "--data", str(f)])
    assert result.exit_code == 1 and "不支持的输入文件" in result.stderr and "Traceback" not in result.stderr
    result = CliRunner().invoke(main, ["validate", "--data", str(f), "--lang", "en"])
    assert "unsupported input file" in result.stderr


def test_large_table_parses_distinct_values_once_with_the_same_result():
    """Above DISTINCT_MIN_ROWS a repetitive column is parsed per distinct value and joined
    back: row order, values, defaults and located problems must be what cell-by-cell gives."""
    from audit.data.normalise import DISTINCT_MIN_ROWS, normalise_table

    n = DISTINCT_MIN_ROWS + 2   # rows 2 … n+1
    dates = ["2024/3/1", "２０２４年3月2日", "45352", "2024-13-01"]  # the last is no date
    raw = pl.DataFrame({
        "institution_id": ["A"] * n, "staff_id": [f"S{i}" for i in range(n)],
        "role": ["护理员", "社工"] * (n // 2),
        "hired_on": [dates[i % 4] for i in range(n)],
        "fte": ["", "0.5"] * (n // 2),
    })
    out, problems = normalise_table("staff", raw, "工作人员")
    # 45352 days after 1899-12-30 = 2024-03-01 (Excel serial)
    want = [date(2024, 3, 1), date(2024, 3, 2), date(2024, 3, 1), None]
    assert out["hired_on"].to_list() == [want[i % 4] for i in range(n)]
    assert out["role"].head(2).to_list() == ["caregiver", "social_worker"]
    assert out["fte"].head(4).to_list() == [1.0, 0.5, 1.0, 0.5]     # blank fte → default 1.0
    assert out["_row"].head(3).to_list() == [2, 3, 4]
    # every 4th row from index 3 is the bad date: spreadsheet rows 5, 9, 13, …
    bad_rows = problems.filter(pl.col("column") == "hired_on")["row"].to_list()
    assert bad_rows[:3] == [5, 9, 13] and len(bad_rows) == n // 4
    assert set(problems["value"].unique()) == {"2024-13-01"}


def test_workbook_without_table_sheets_names_its_sheets(tmp_path):
    book = tmp_path / "台账.xlsx"
    wb = xlsxwriter.Workbook(book)
    wb.add_worksheet("Sheet1").write_row(0, 0, ["机构编号", "机构名称"])
    wb.add_worksheet("Sheet2")
    wb.close()
    p = audit.load_data(book).problems
    assert p.height == 1   # one clear problem, not "missing table" on top
    assert p["message"][0].startswith("没有以表名命名的工作表（现有：Sheet1、Sheet2）")
    assert "(found: Sheet1, Sheet2)" in p["message_en"][0]


def test_utf16_csv_with_bom_is_read(tmp_path):
    # before: UTF-16 bytes failed UTF-8 and GB18030 and the table was refused as undecodable
    folder = tmp_path / "u16"
    folder.mkdir()
    (folder / "机构.csv").write_bytes("机构编号,机构名称,所属区县,机构类型,举办性质\r\nA1,甲,越城区,养老机构,公办\r\n".encode("utf-16"))
    ds = audit.load_data(folder)
    assert ds.sources["institutions"]["encoding"] == "utf-16"
    assert ds.tables["institutions"].select("institution_id", "ownership", "_row").rows() == [("A1", "public", 2)]
    assert ds.errors().is_empty(), ds.errors()


def test_money_header_in_wan_yuan_is_refused_not_read_as_yuan(make_folder):
    # 投资决算额（万元） 120 means 1,200,000 yuan; read as yuan it would be 120 — off by 10⁴
    folder = make_folder({"机构.csv": "机构编号,机构名称,所属区县,机构类型,举办性质,投资决算额（万元）\n"
                                     "A001,甲,越城区,养老机构,公办,120\n",
                          "综合保险.csv": "机构编号,年度,险种,保费(元)\nA001,2024,综合责任保险,1200.5\n"})
    ds = audit.load_data(folder)
    unit = ds.errors().filter(pl.col("check") == "unit")
    assert unit.select("table", "row", "column").rows() == [("institutions", 1, "investment_final")]
    assert ds.tables["institutions"]["investment_final_fen"].to_list() == [None]   # not 12000 fen
    assert ds.tables["insurance"]["premium_fen"].to_list() == [120050]              # (元) is fine: 1200.50 yuan


@pytest.mark.parametrize("kind,ownership,want", [
    ("敬老院", "公办", ("institution", "public")),
    ("社会福利院", "公办民营", ("institution", "public_private")),
    ("老年公寓", "民办公助", ("institution", "private")),
])
def test_everyday_names_of_institutions_and_ownership(make_folder, kind, ownership, want):
    # what a county clerk writes in 机构类型 / 举办性质 (a 敬老院 is a 养老机构; 公办民营 = 公建民营)
    folder = make_folder({"机构.csv": f"机构编号,机构名称,所属区县,机构类型,举办性质\nA001,甲,越城区,{kind},{ownership}\n"})
    ds = audit.load_data(folder)
    assert ds.tables["institutions"].select("kind", "ownership").row(0) == want
    assert ds.errors().is_empty(), ds.errors()


def test_sheet_named_around_a_table_is_flagged_not_silently_skipped(tmp_path):
    # 入住老人名单 is not a table name: before, the sheet was skipped without a word and the
    # run paid no operating grant. 汇总 names no table and stays quiet.
    book = tmp_path / "台账.xlsx"
    wb = xlsxwriter.Workbook(book)
    wb.add_worksheet("机构").write_row(0, 0, ["机构编号", "机构名称", "所属区县", "机构类型", "举办性质"])
    wb.get_worksheet_by_name("机构").write_row(1, 0, ["A001", "甲", "越城区", "养老机构", "公办"])
    wb.add_worksheet("入住老人名单").write_row(0, 0, ["机构编号", "身份证号"])   # too few headers to tell by content
    wb.add_worksheet("汇总")
    wb.close()
    p = audit.load_data(book).problems
    assert p.select("table", "sheet", "check", "severity").rows() == [("residents", "入住老人名单", "missing_table", "warning")]
    assert p["message"][0].startswith("“入住老人名单”未被读取：名称须与表名一致，如“入住老人”")


def test_required_table_under_another_sheet_name_is_one_error(tmp_path):
    book = tmp_path / "台账.xlsx"
    wb = xlsxwriter.Workbook(book)
    wb.add_worksheet("养老机构名单").write_row(0, 0, ["机构编号", "机构名称"])
    wb.close()
    p = audit.load_data(book).problems
    assert p.select("table", "sheet", "check", "severity").rows() == [("institutions", "养老机构名单", "missing_table", "error")]


def test_a_staff_roster_without_staff_numbers_is_read_numbered_by_row(make_folder):
    """Clerks' 护理员花名册 rarely carry a 工号: the roster is read (not refused), each person
    numbered by the row they are on, with an info saying so; duplicate-employment checks
    then name the row."""
    folder = make_folder({"工作人员.csv": "机构编号,姓名,岗位,工时折算\nA001,张三,护理员,1\nA001,李四,护理员,0.5\n"})
    ds = audit.load_data(folder)
    staff = ds.tables["staff"]
    assert staff["staff_id"].to_list() == ["第2行", "第3行"]
    assert staff["fte"].to_list() == [1.0, 0.5]
    said = ds.problems.filter(pl.col("check") == "column_numbered_by_row")
    assert said["severity"].to_list() == ["info"] and said["column"].to_list() == ["staff_id"]
    assert ds.problems.filter(pl.col("severity") == "error").height == 0


@pytest.mark.parametrize("text, hint", [("20241", True), ("19990", True), ("昨天", False), ("2024-02-30", False)])
def test_the_half_a_date_hint_is_given_only_for_a_5_digit_19_or_20_number(make_folder, text, hint):
    # 20241 / 19990 could be taken for an Excel serial and are half a date: the hint explains why
    # they are not read; 昨天 (no number) and 2024-02-30 (no such day) do not need it
    folder = make_folder({"residents.csv": f"institution_id,person_id,admitted_on\nA001,{ID_X},{text}\n"})
    p = audit.load_data(folder).problems.filter(pl.col("column") == "admitted_on").row(0, named=True)
    assert p["message"].startswith("应为日期") and p["message_en"].startswith("expected a date")
    assert ("以 19、20 开头的 5 位数字" in p["message"]) == hint
    assert ("a 5-digit number starting 19 or 20" in p["message_en"]) == hint
