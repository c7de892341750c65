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
    extra: dict = field(default_factory=dict)


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

CASES = MONEY + READING


def _write(case: Case, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    files = dict(case.files)
    if case.institutions and not any(k.split(".")[0] in ("institutions", "机构") for k in files):
        files["institutions.csv"] = INST
    for fname, text in files.items():
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
    assert errors["message"].null_count() == 0 and errors["message_en"].null_count() == 0
    result = CliRunner().invoke(main, ["validate", "--data", str(data)])
    assert result.exit_code == (1 if case.problems else 0), result.output
    assert "Traceback" not in result.output + result.stderr and "内部错误" not in result.stderr


def test_corpus_is_large_enough():
    assert len(CASES) + len(CLI_CASES) >= 60


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
]


@pytest.mark.parametrize("case", CLI_CASES, ids=[c.name for c in CLI_CASES])
def test_hostile_command_is_refused_in_words(case, tmp_path):
    for fname, text in case.files.items():
        (tmp_path / fname).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    args = [a.format(tmp=tmp_path) for a in case.args]
    result = CliRunner().invoke(main, args)
    out = result.output + result.stderr
    assert result.exit_code == case.exit, out
    assert case.says in out, out
    assert "Traceback" not in out and "内部错误" not in out
