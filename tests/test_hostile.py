"""The hostile corpus (issue 16): input an attacker or a careless clerk could hand us.

Every case names what it feeds in and what must come out: the located problems
(table, spreadsheet row, column, check) like tests/malformed/, or for a command its exit
status and the words the user must see. Never a traceback, never a wrong amount.

The cases are built here at test time (a symlink loop or a zip bomb is better made than
committed). Expected rows are counted by hand: header = row 1. Crash-type cases run in a
subprocess with a 60 s timeout and a memory limit (test_hostile_guards.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

import audit
from audit.cli import main

ID1 = "11010519491231002X"   # valid GB 11643 ids (see tests/test_validate.py)
ID2 = "330602195001011233"
CODE1 = "91330602MA2BXXXX1W"  # replaced below by a valid GB 32100 code
INST_HEAD = "institution_id,name,county,kind,credit_code,beds\n"


def credit_code(body17: str) -> str:
    """GB 32100 check character, worked out by the standard's formula (not our reader)."""
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    total = sum(chars.index(c) * pow(3, i, 31) for i, c in enumerate(body17))
    return body17 + chars[(31 - total % 31) % 31]


CODE_A = credit_code("52330602MJ0000001")
CODE_B = credit_code("52330602MJ0000002")
CODE_C = credit_code("52330602MJ0000003")
INST = INST_HEAD + f"A001,甲院,越城区,养老机构,{CODE_A},10\n"


def p(table, row, column, check):
    return (table, row, column, check)


@dataclass
class Case:
    name: str
    files: dict            # file name -> text or bytes (institutions.csv added when absent)
    problems: set          # {(table, row, column, check)}
    says: str = ""         # words the first matching message must hold (zh)
    institutions: bool = True
    hides: str = ""        # text that must appear nowhere in the problems (a national id)


def rows(*lines):
    return "".join(line + "\n" for line in lines)


# ---------------------------------------------------------------- wrong money, silently

MONEY = [
    Case("beds_a_trillion", {"institutions.csv": INST_HEAD + f"A001,甲院,越城区,养老机构,{CODE_A},1000000000000\n"},
         {p("institutions", 2, "beds", "range")}, "应不大于 100000"),
    Case("beds_that_wrap_int64_times_rate", {"institutions.csv": INST_HEAD + f"A001,甲院,越城区,养老机构,{CODE_A},46116860184274\n"},
         {p("institutions", 2, "beds", "range")}),
    Case("beds_beyond_int64", {"institutions.csv": INST_HEAD + f"A001,甲院,越城区,养老机构,{CODE_A},{10**20}\n"},
         {p("institutions", 2, "beds", "number")}, "最多 18 位"),
    Case("nursing_beds_a_million", {"institutions.csv": "institution_id,name,county,kind,beds,nursing_beds\nA001,甲院,越城区,养老机构,100000,1000000\n"},
         {p("institutions", 2, "nursing_beds", "range")}),
    Case("premium_that_wraps_fen", {"insurance.csv": "institution_id,year,premium,scheme\nA001,2024,180000000000000000,institution\n"},
         {p("insurance", 2, "premium", "number")}, "15 位整数"),
    Case("premium_a_billion", {"insurance.csv": "institution_id,year,premium,scheme\nA001,2024,1000000000.00,institution\n"},
         {p("insurance", 2, "premium", "range")}, "100000000 元"),
    Case("investment_beyond_bound", {"institutions.csv": "institution_id,name,county,kind,investment_final\nA001,甲院,越城区,养老机构,100000000000\n"},
         {p("institutions", 2, "investment_final", "range")}),
    Case("lease_a_thousand_years", {"institutions.csv": "institution_id,name,county,kind,premises,lease_years\nA001,甲院,越城区,养老机构,租赁,1000\n"},
         {p("institutions", 2, "lease_years", "range")}),
    Case("insurance_year_0024", {"insurance.csv": "institution_id,year,premium,scheme\nA001,0024,100,institution\n"},
         {p("insurance", 2, "year", "range")}),
    Case("admitted_in_year_1", {"residents.csv": f"institution_id,person_id,admitted_on\nA001,{ID1},0001-01-01\n"},
         {p("residents", 2, "admitted_on", "range")}, "1900-03-01"),
    Case("admitted_in_year_9999", {"residents.csv": f"institution_id,person_id,admitted_on\nA001,{ID1},9999-12-31\n"},
         {p("residents", 2, "admitted_on", "range")}),
    Case("admitted_in_year_0024", {"residents.csv": f"institution_id,person_id,admitted_on\nA001,{ID1},0024-01-01\n"},
         {p("residents", 2, "admitted_on", "range")}),
    Case("five_digits_in_a_date_column", {"residents.csv": f"institution_id,person_id,admitted_on\nA001,{ID1},20241\n"},
         {p("residents", 2, "admitted_on", "date")}, "5 位数字"),
    Case("phantom_1900_02_29_as_text", {"staff.csv": "institution_id,staff_id,hired_on\nA001,S1,1900-02-29\n"},
         {p("staff", 2, "hired_on", "date")}),
    Case("day_before_excel_calendar_is_right", {"staff.csv": "institution_id,staff_id,hired_on\nA001,S1,1900-02-28\n"},
         {p("staff", 2, "hired_on", "range")}, "1900-02-29"),
    Case("same_institution_cyrillic_y", {"institutions.csv": INST_HEAD + f"YL01,阳光院,越城区,养老机构,{CODE_A},10\nҮL01,阳光院,越城区,养老机构,{CODE_A},10\n"},
         {p("institutions", 3, "institution_id", "duplicate"), p("institutions", 3, "name", "duplicate"),
          p("institutions", 3, "credit_code", "duplicate")}, "形近字母"),
    Case("same_institution_lower_case", {"institutions.csv": INST_HEAD + f"YL01,阳光院,越城区,养老机构,{CODE_A},10\nyl01,阳光院 ,越城区,养老机构,{CODE_B},10\n"},
         {p("institutions", 3, "institution_id", "duplicate"), p("institutions", 3, "name", "duplicate")}, "大小写"),
    Case("same_institution_full_width", {"institutions.csv": INST_HEAD + f"A001,甲院,越城区,养老机构,{CODE_A},10\nＡ００１,乙院,越城区,养老机构,{CODE_B},10\n"},
         {p("institutions", 3, "institution_id", "duplicate")}, "编号重复"),
    Case("same_institution_zero_width_space", {"institutions.csv": INST_HEAD + f"A001,甲院,越城区,养老机构,{CODE_A},10\nA\u200b001,乙院,越城区,养老机构,{CODE_B},10\n"},
         {p("institutions", 3, "institution_id", "duplicate")}),
    Case("greek_omicron_in_id", {"institutions.csv": INST_HEAD + f"O01,甲院,越城区,养老机构,{CODE_A},10\nΟ01,乙院,越城区,养老机构,{CODE_B},10\n"},
         {p("institutions", 3, "institution_id", "duplicate")}),
    Case("same_credit_code_two_ids", {"institutions.csv": INST_HEAD + f"A001,甲院,越城区,养老机构,{CODE_A},10\nA002,乙院,越城区,养老机构,{CODE_A},10\n"},
         {p("institutions", 3, "credit_code", "duplicate")}, "同一机构不能有两个编号"),
    Case("same_name_two_ids_one_county", {"institutions.csv": INST_HEAD + f"A001,甲院,越城区,养老机构,{CODE_A},10\nA002,甲院,越城区,养老机构,{CODE_B},10\n"},
         {p("institutions", 3, "name", "duplicate")}),
    Case("same_name_in_two_counties_is_fine", {"institutions.csv": INST_HEAD + f"A001,阳光院,越城区,养老机构,{CODE_A},10\nA002,阳光院,柯桥区,养老机构,{CODE_B},10\n"},
         set()),
    Case("staff_id_case_only_within_institution", {"staff.csv": "institution_id,staff_id\nA001,s1\nA001,S1\n"},
         {p("staff", 3, "staff_id", "duplicate")}),
    Case("insurance_row_pasted_twice", {"insurance.csv": rows("institution_id,year,premium,scheme",
                                                               "A001,2024,1000,institution", "A001,2024,1000,institution")},
         {p("insurance", 3, "institution_id", "duplicate")}, "录入了两次"),
    Case("insurance_blank_premium", {"insurance.csv": "institution_id,year,premium,scheme\nA001,2024,,institution\n"},
         {p("insurance", 2, "premium", "required")}),
]


# ---------------------------------------------------------------- reading what was meant

READING = [
    Case("utf16_le_without_bom", {"institutions.csv": ("机构编号,机构名称,所属区县,机构类型\nA001,甲院,越城区,养老机构\n").encode("utf-16-le")},
         set()),
    Case("utf16_be_without_bom", {"机构.csv": ("institution_id,name,county,kind\nA001,甲院,越城区,养老机构\n").encode("utf-16-be")},
         set()),
]

def book(sheets: dict[str, list[list]], formulas: dict[str, list[tuple]] | None = None) -> bytes:
    """An xlsx in memory; formulas[sheet] = [(row, col, formula)] saved without a value."""
    import io

    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    for name, grid in sheets.items():
        ws = wb.add_worksheet(name)
        for r, line in enumerate(grid):
            for c, v in enumerate(line):
                ws.write(r, c, v)
        for r, c, formula in (formulas or {}).get(name, []):
            ws.write_formula(r, c, formula, None, "")   # "" = no cached result, as openpyxl saves it
    wb.close()
    return buf.getvalue()


def link(target):
    """A symbolic link to `target` (relative to the folder)."""
    return lambda path: path.symlink_to(target)


INST_SHEET = [["机构编号", "机构名称", "所属区县", "机构类型", "核定床位数"], ["A001", "甲院", "越城区", "养老机构", 10]]

FILES = [
    Case("formula_without_saved_value", {"data.xlsx": book(
        {"机构": INST_SHEET, "综合保险": [["机构编号", "保险年度", "保费", "险种"], ["A001", 2024, None, "养老机构综合责任保险"]]},
        {"综合保险": [(1, 2, "=12*100")]})},
        {p("insurance", 2, None, "formula"), p("insurance", 2, "premium", "required")}, "单元格 C2 是公式", institutions=False),
    Case("formula_in_an_id_cell", {"data.xlsx": book({"机构": INST_SHEET + [[None, "乙院", "越城区", "养老机构", 5]]},
                                                     {"机构": [(2, 0, '="A"&"002"')]})},
         {p("institutions", 3, None, "formula"), p("institutions", 3, "institution_id", "required")}, institutions=False),
    Case("residents_is_a_dangling_link", {"residents.csv": link("gone.csv")}, {p("residents", None, None, "unreadable")}, "链接"),
    Case("staff_is_a_folder", {"staff.csv": lambda path: path.mkdir()}, {p("staff", None, None, "unreadable")}, "文件夹"),
    Case("insurance_is_a_link_loop", {"insurance.csv": link("insurance.csv")}, {p("insurance", None, None, "unreadable")}),
    Case("institutions_link_to_a_folder", {"机构.csv": lambda path: (path.parent / "sub").mkdir() or path.symlink_to("sub")},
         {p("institutions", None, None, "unreadable")}, institutions=False),
    Case("binary_junk_as_residents", {"residents.csv": bytes(range(256)) * 4}, {p("residents", None, None, "unreadable")}),
    Case("id_of_300_characters", {"institutions.csv": INST_HEAD + f"{'A' * 300},甲院,越城区,养老机构,{CODE_A},10\n"},
         {p("institutions", 2, "institution_id", "range")}, "最多 64 个"),
    Case("name_of_a_megabyte", {"institutions.csv": INST_HEAD + f"A001,{'院' * 1_000_000},越城区,养老机构,{CODE_A},10\n"},
         {p("institutions", 2, "name", "range")}, "最多 2000 个"),
    Case("id_only_invisible_characters", {"institutions.csv": INST_HEAD + f"\u200b\u200b,甲院,越城区,养老机构,{CODE_A},10\n"},
         {p("institutions", 2, "institution_id", "required")}),
    Case("negative_premium", {"insurance.csv": "institution_id,year,premium,scheme\nA001,2024,-100,institution\n"},
         {p("insurance", 2, "premium", "range")}),
    Case("premium_with_sub_fen", {"insurance.csv": "institution_id,year,premium,scheme\nA001,2024,\"¥1,000.005\",institution\n"},
         {p("insurance", 2, "premium", "number")}),
    Case("premium_in_scientific_notation", {"insurance.csv": "institution_id,year,premium,scheme\nA001,2024,1e5,institution\n"},
         {p("insurance", 2, "premium", "number")}),
    Case("beds_in_scientific_notation", {"institutions.csv": INST_HEAD + f"A001,甲院,越城区,养老机构,{CODE_A},1e3\n"},
         {p("institutions", 2, "beds", "number")}),
    Case("fte_of_400_digits", {"staff.csv": f"institution_id,staff_id,fte\nA001,S1,{'9' * 400}\n"},
         {p("staff", 2, "fte", "range")}),
    Case("ambiguous_serial_19999", {"staff.csv": "institution_id,staff_id,hired_on\nA001,S1,19999\n"},
         {p("staff", 2, "hired_on", "date")}),
    Case("discharge_in_2099", {"residents.csv": f"institution_id,person_id,admitted_on,discharged_on\nA001,{ID1},2024-01-01,2099-01-01\n"},
         {p("residents", 2, "discharged_on", "range")}),
    Case("hired_in_1899", {"staff.csv": "institution_id,staff_id,hired_on\nA001,S1,1899-12-31\n"},
         {p("staff", 2, "hired_on", "range")}),
    Case("inspected_in_year_1", {"inspections.csv": "institution_id,inspected_on\nA001,0001-01-01\n"},
         {p("inspections", 2, "inspected_on", "range")}),
    Case("insurance_year_99999", {"insurance.csv": "institution_id,year,premium,scheme\nA001,99999,100,institution\n"},
         {p("insurance", 2, "year", "range")}),
    Case("same_institution_year_two_schemes_is_fine", {"insurance.csv": rows(
        "institution_id,year,premium,scheme", "A001,2024,1000,institution", "A001,2024,1000,home_care")}, set()),
    Case("credit_code_lower_case_twice", {"institutions.csv": INST_HEAD + f"A001,甲院,越城区,养老机构,{CODE_C},10\nA002,乙院,越城区,养老机构,{CODE_C.lower()},10\n"},
         {p("institutions", 3, "credit_code", "duplicate")}),
    Case("name_with_ideographic_space", {"institutions.csv": INST_HEAD + f"A001,甲 院,越城区,养老机构,{CODE_A},10\nA002,甲院\u3000,越城区,养老机构,{CODE_B},10\n"},
         {p("institutions", 3, "name", "duplicate")}),
]

PRIVACY = [
    Case("inspector_id_is_a_national_id", {"inspectors.csv": f"inspector_id,name\n{ID2},王五\n{ID2},赵六\n"},
         {p("inspectors", 3, "inspector_id", "duplicate")}, hides=ID2),
    Case("national_id_as_institution_id", {"institutions.csv": INST_HEAD + f"{ID2},甲院,越城区,养老机构,{CODE_A},10\n{ID2},乙院,越城区,养老机构,{CODE_B},10\n"},
         {p("institutions", 3, "institution_id", "duplicate")}, hides=ID2),
]

CASES = MONEY + READING + FILES + PRIVACY


def _write(case: Case, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    files = dict(case.files)
    if case.institutions and not any(k.split(".")[0] in ("institutions", "机构") for k in files):
        files["institutions.csv"] = INST
    for fname, text in files.items():
        if callable(text):
            text(folder / fname)
        else:
            (folder / fname).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return folder


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input_is_located(case, tmp_path):
    data = _write(case, tmp_path / "data")
    problems = audit.load_data(data).problems
    errors = problems.filter(problems["severity"] == "error")
    got = set(zip(errors["table"], errors["row"], errors["column"], errors["check"]))
    assert got == case.problems, errors.select("table", "row", "column", "check", "message")
    if case.says:
        assert any(case.says in m for m in errors["message"].to_list()), errors["message"].to_list()
    if case.hides:
        assert case.hides not in str(problems.rows()), problems.rows()
    assert errors["message"].null_count() == 0 and errors["message_en"].null_count() == 0
    result = CliRunner().invoke(main, ["validate", "--data", str(data)])
    assert result.exit_code == (1 if case.problems else 0), result.output
    assert "Traceback" not in result.output + result.stderr and "内部错误" not in result.stderr


def test_corpus_is_large_enough():
    assert len(CASES) + len(CLI_CASES) + len(GUARD_CASES) >= 60


# ---------------------------------------------------------------- commands (in process)


@dataclass
class CliCase:
    name: str
    args: list              # {data} / {out} / {tmp} are filled in
    exit: int
    says: str               # words stdout+stderr must hold
    files: dict = field(default_factory=dict)   # written into {tmp}


CLI_CASES = [
    CliCase("set_rate_ten_to_the_twentieth", ["policy", "show", "shaoxing", "--set",
                                              f"construction_city.rate_self_built={10**20}"], 2, "金额过大"),
    CliCase("set_rate_beyond_per_bed_bound", ["policy", "show", "shaoxing", "--set",
                                              "construction_city.rate_self_built=1000000.01"], 2, "1,000,000.00"),
    CliCase("set_share_with_a_huge_exponent", ["policy", "show", "shaoxing", "--set",
                                               "insurance_province.share_nonprofit=1e999999999"], 2, "比例"),
    CliCase("set_share_too_fine", ["policy", "show", "shaoxing", "--set",
                                   "insurance_province.share_nonprofit=0.33333333333333333333"], 2, "六位小数"),
    CliCase("override_huge_amount", ["policy", "show", "shaoxing", "--override", "{tmp}/local.yaml"], 2, "金额过大",
            {"local.yaml": "reason: 测试\nvalues:\n  construction_city.rate_self_built: 1e30\n"}),
    CliCase("override_with_an_alias", ["policy", "show", "shaoxing", "--override", "{tmp}/local.yaml"], 2, "别名",
            {"local.yaml": "a: &x 50%\nrenovation.share: *x\n"}),
    CliCase("set_value_nested_deep", ["policy", "show", "shaoxing", "--set", "renovation.share=" + "[" * 5000 + "]" * 5000],
            2, "renovation.share"),
    CliCase("pack_source_outside_its_folder", ["policy", "check", "{tmp}/pack.yaml"], 2, "不能是路径",
            {"pack.yaml": "PACK(../../../../etc/passwd)"}),
    CliCase("pack_source_is_binary", ["policy", "check", "{tmp}/pack.yaml"], 2, "不是 UTF-8",
            {"pack.yaml": "PACK(blob.txt)", "blob.txt": bytes(range(256))}),
    CliCase("pack_source_links_elsewhere", ["policy", "check", "{tmp}/pack.yaml"], 2, "找不到原文文件",
            {"pack.yaml": "PACK(passwd.txt)", "passwd.txt": lambda path: path.symlink_to("/etc/passwd")}),
    CliCase("pack_with_an_alias_bomb", ["policy", "check", "{tmp}/pack.yaml"], 2, "别名",
            {"pack.yaml": "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                          "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"}),
    CliCase("ratio_infinity", ["sample", "--data", "{tmp}/reg", "--seed", "s", "--ratio", "inf", "--out", "{tmp}/d"], 2, "抽查比例",
            {"reg": lambda path: path.mkdir(), "reg/institutions.csv": INST}),
    CliCase("ratio_with_a_huge_exponent", ["sample", "--data", "{tmp}/reg", "--seed", "s", "--ratio", "1e999999999", "--out", "{tmp}/d"],
            2, "抽查比例", {"reg": lambda path: path.mkdir(), "reg/institutions.csv": INST}),
    CliCase("draw_record_with_a_huge_number", ["sample", "--verify", "{tmp}/draw.json", "--data", "{tmp}/reg"], 1, "number too large",
            {"reg": lambda path: path.mkdir(), "reg/institutions.csv": INST,
             "draw.json": '{"parameters": {"seed": "s", "ratios": {"*": "1"}, "team_size": 1' + "0" * 400 + '}}'}),
    CliCase("draw_record_nested_deep", ["sample", "--verify", "{tmp}/draw.json", "--data", "{tmp}/reg"], 1, "无法读取抽取记录",
            {"reg": lambda path: path.mkdir(), "reg/institutions.csv": INST, "draw.json": "[" * 100_000 + "]" * 100_000}),
    CliCase("draw_record_with_nan", ["checklist", "--draw", "{tmp}/draw.json", "--data", "{tmp}/reg", "--policy", "shaoxing",
                                     "--year", "2024", "--out", "{tmp}/c"], 1, "not a number",
            {"reg": lambda path: path.mkdir(), "reg/institutions.csv": INST, "draw.json": '{"picks": [NaN]}'}),
    CliCase("draw_record_team_size_null", ["sample", "--verify", "{tmp}/draw.json", "--data", "{tmp}/reg"], 1, "team_size",
            {"reg": lambda path: path.mkdir(), "reg/institutions.csv": INST,
             "draw.json": '{"parameters": {"seed": "s", "ratios": {"*": "1"}, "team_size": null}}'}),
    CliCase("draw_record_picks_not_a_list", ["checklist", "--draw", "{tmp}/draw.json", "--data", "{tmp}/reg", "--policy",
                                             "shaoxing", "--year", "2024", "--out", "{tmp}/c"], 1, "无法读取抽取记录",
            {"reg": lambda path: path.mkdir(), "reg/institutions.csv": INST, "draw.json": '{"picks": {"a": 1}}'}),
    CliCase("run_with_a_trillion_beds", ["run", "--data", "{tmp}/d", "--policy", "shaoxing", "--year", "2024", "--out", "{tmp}/o",
                                         "--no-report"], 1, "应不大于 100000",
            {"d": lambda path: path.mkdir(), "d/institutions.csv": INST_HEAD + f"A001,甲院,越城区,养老机构,{CODE_A},1000000000000\n"}),
    CliCase("selfcheck_each_with_a_300_character_id", ["selfcheck", "--data", "{tmp}/d", "--policy", "shaoxing", "--year", "2024",
                                                       "--out", "{tmp}/o", "--each"], 1, "最多 64 个",
            {"d": lambda path: path.mkdir(), "d/institutions.csv": INST_HEAD + f"{'B' * 300},甲院,越城区,养老机构,{CODE_A},10\n"}),
]


def _pack_text(source: str) -> str:
    """The shipped shaoxing pack with its `source:` line pointing at `source`."""
    import re

    from audit.policy.loader import PACK_DIR

    text = (PACK_DIR / "shaoxing.yaml").read_text(encoding="utf-8")
    return re.sub(r"(?m)^source:.*$", f"source: {source}", text)


@pytest.mark.parametrize("case", CLI_CASES, ids=[c.name for c in CLI_CASES])
def test_hostile_command_is_refused_in_words(case, tmp_path):
    for fname, text in case.files.items():
        if callable(text):
            text(tmp_path / fname)
        elif isinstance(text, str) and text.startswith("PACK("):
            (tmp_path / fname).write_text(_pack_text(text[5:-1]), encoding="utf-8")
        else:
            (tmp_path / fname).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    args = [a.format(tmp=tmp_path) for a in case.args]
    result = CliRunner().invoke(main, args)
    out = result.output + result.stderr
    assert result.exit_code == case.exit, out
    assert case.says in out, out
    assert "Traceback" not in out and "内部错误" not in out


# ---------------------------------------------------------------- crash-type: a subprocess each
# (60 s timeout, 12 GiB address space): a regression aborts the child, not the test run.


def far_cell_book(path: Path) -> None:
    """84 KB-class workbook whose one stray cell at XFD1048576 asks the reader for a
    17-billion-cell grid."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("机构")
    for r, line in enumerate(INST_SHEET):
        ws.write_row(r, 0, line)
    ws.write(1_048_575, 16_383, "x")
    wb.close()


def zip_bomb_book(path: Path) -> None:
    """A valid workbook whose sheet XML carries 64 MB of padding that deflates ~1000×."""
    import zipfile

    src = path.with_suffix(".src.xlsx")
    src.write_bytes(book({"机构": INST_SHEET}))
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (64 << 20))
            zout.writestr(info.filename, data)
    src.unlink()


DEEP = "[" * 100_000 + "]" * 100_000
GUARD_CASES = [
    CliCase("one_cell_at_xfd1048576", ["validate", "--data", "{tmp}/far.xlsx"], 1, "超出可读取的范围",
            {"far.xlsx": far_cell_book}),
    CliCase("zip_bomb_workbook", ["validate", "--data", "{tmp}/bomb.xlsx"], 1, "压缩炸弹", {"bomb.xlsx": zip_bomb_book}),
    CliCase("pack_nested_100000_deep", ["policy", "check", "{tmp}/pack.yaml"], 2, "嵌套", {"pack.yaml": "rules: " + DEEP}),
    CliCase("override_nested_100000_deep", ["policy", "show", "shaoxing", "--override", "{tmp}/local.yaml"], 2, "嵌套",
            {"local.yaml": "renovation.share: " + DEEP}),
    CliCase("override_billion_laughs", ["policy", "show", "shaoxing", "--override", "{tmp}/local.yaml"], 2, "别名",
            {"local.yaml": "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
                           + "".join(f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
                           + "renovation.share: *i\n"}),
]


def _limit_memory():
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (12 << 30, 12 << 30))


@pytest.mark.parametrize("case", GUARD_CASES, ids=[c.name for c in GUARD_CASES])
def test_hostile_file_cannot_crash_or_hang(case, tmp_path):
    import os
    import subprocess
    import sys

    for fname, text in case.files.items():
        if callable(text):
            text(tmp_path / fname)
        else:
            (tmp_path / fname).write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "AUDIT_DEBUG"}
    proc = subprocess.run([sys.executable, "-c", "from audit.cli import main; main()",
                           *[a.format(tmp=tmp_path) for a in case.args]],
                          capture_output=True, text=True, timeout=60, env=env, preexec_fn=_limit_memory)
    out = proc.stdout + proc.stderr
    assert proc.returncode == case.exit, (proc.returncode, out[-2000:])   # a signal is a negative code
    assert case.says in out, out[-2000:]
    assert "Traceback" not in out and "内部错误" not in out


def test_money_stored_as_whole_yuan_numbers_in_parquet_is_read_as_yuan(tmp_path):
    """A parquet 保费 column of Int64 yuan is not already fen: 3,000 yuan is 300,000 fen
    (it was taken as fen, a hundredth of the premium, without a word)."""
    import polars as pl

    from audit.data.io import load_data

    pl.DataFrame({"institution_id": ["A001"], "name": ["甲院"], "county": ["越城区"], "kind": ["养老机构"]}).write_parquet(
        tmp_path / "institutions.parquet"
    )
    pl.DataFrame(
        {"institution_id": ["A001", "A001"], "year": [2024, 2024], "premium": [3000, 2500],
         "scheme": ["养老机构综合责任保险"] * 2}
    ).write_parquet(tmp_path / "insurance.parquet")
    assert load_data(tmp_path).tables["insurance"]["premium_fen"].to_list() == [300_000, 250_000]


def test_a_county_of_the_same_name_elsewhere_is_not_local(tmp_path):
    """鼓楼区 is 南京's and 福州's: a 福州 resident of a 南京 鼓楼区 home is not local."""
    from audit.data.io import load_data

    (tmp_path / "institutions.csv").write_text(
        "institution_id,name,county,kind\nA001,甲院,南京市鼓楼区,养老机构\n", encoding="utf-8")
    (tmp_path / "residents.csv").write_text(
        "institution_id,person_id,admitted_on,hukou_county\n"
        "A001,110101195001010019,2020-01-01,350102\nA001,110101195001010035,2020-01-01,320106\n", encoding="utf-8")
    ds = load_data(tmp_path)
    home = ds.tables["institutions"]["county"][0]
    assert ds.tables["residents"]["hukou_county"].to_list() == ["福州市鼓楼区", home]
