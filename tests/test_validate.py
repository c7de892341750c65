"""Validation: each check finds its problem at the right table, row and column."""

from __future__ import annotations

import json
import re
from datetime import date

import polars as pl
import pytest
from click.testing import CliRunner

import audit
from audit.cli import main

# ---- independent reference implementations, written from the standards ----------


def gb11643_check_char(first17: str) -> str:
    """GB 11643-1999 §8.2: S = Σ aᵢ·Wᵢ with Wᵢ = 2^(i−1) mod 11 (i = 18…2 from the right);
    the check character is looked up by S mod 11 in the table 0→1 1→0 2→X 3→9 … 10→2."""
    s = sum(int(d) * (2 ** (17 - k) % 11) for k, d in enumerate(first17))
    return "10X98765432"[s % 11]


GB32100_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
GB32100_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]   # table 3 of GB 32100


def gb32100_check_char(first17: str) -> str:
    """C18 = 31 − MOD(Σ Cᵢ·Wᵢ, 31); 31 → 0."""
    c = 31 - sum(GB32100_CHARS.index(ch) * w for ch, w in zip(first17, GB32100_W)) % 31
    return GB32100_CHARS[0 if c == 31 else c]


def person(first17: str) -> str:
    return first17 + gb11643_check_char(first17)


def test_reference_implementations_on_known_real_codes():
    assert gb11643_check_char("11010519491231002") == "X"          # the standard's own example
    assert gb32100_check_char("91350100M000100Y4") == "3"          # GB 32100 example 91350100M000100Y43
    assert gb32100_check_char("9144030071526726X") == "G"          # a listed company's published code


P1 = person("33060219500101123")
P2 = person("33060219450615002")
P3 = person("33062119380228004")


def problems_of(folder) -> pl.DataFrame:
    return audit.load_data(folder).problems


def has(problems, table, row, column, check, severity="error") -> bool:
    return not problems.filter(
        (pl.col("table") == table) & (pl.col("row") == row if row is not None else pl.col("row").is_null())
        & ((pl.col("column") == column) if column else pl.col("column").is_null())
        & (pl.col("check") == check) & (pl.col("severity") == severity)).is_empty()


# ---- single checks ------------------------------------------------------------------


def test_clean_data_has_no_problems(make_folder):
    folder = make_folder({
        "residents.csv": f"institution_id,person_id,admitted_on,discharged_on,care_level,low_income\n"
                         f"A001,{P1},2024-01-01,,full,dibao\nA001,{P2},2023-01-01,2023-12-31,自理,无\n",
        "staff.csv": "institution_id,staff_id,role,fte,hired_on\nA001,S1,护理员,0.5,2020-01-01\nA002,S1,社工,1,2021-01-01\n",
        "inspectors.csv": "inspector_id,name,department\nI1,王五,民政局\n",
        "conflicts.csv": "inspector_id,institution_id,reason\nI1,A002,亲属\n",
        "insurance.csv": "institution_id,year,premium,scheme\nA001,2024,3000,institution\n",
    })
    assert problems_of(folder).is_empty()


def test_missing_required_table(make_folder):
    probs = problems_of(make_folder({"staff.csv": "institution_id,staff_id\nA1,S1\n"}, with_institutions=False))
    assert has(probs, "institutions", None, None, "missing_table")


def test_missing_required_column_and_value(make_folder):
    folder = make_folder({"residents.csv": f"institution_id,person_id\nA001,{P1}\n,{P2}\n"})
    probs = problems_of(folder)
    assert has(probs, "residents", None, "admitted_on", "missing_column")
    assert has(probs, "residents", 3, "institution_id", "required")
    assert not has(probs, "residents", 2, "admitted_on", "required")   # the column is reported once, not per row


def test_unrecognised_enum_lists_accepted_values(make_folder):
    folder = make_folder({"staff.csv": "institution_id,staff_id,role\nA001,S1,宇航员\n"})
    p = problems_of(folder).filter(pl.col("check") == "enum").row(0, named=True)
    assert (p["table"], p["row"], p["column"], p["column_zh"], p["value"]) == ("staff", 2, "role", "岗位", "宇航员")
    assert "护理员" in p["message"] and "社会工作者" in p["message"]
    assert "caregiver" in p["message_en"]


@pytest.mark.parametrize("header, value, column", [
    ("beds", "-1", "beds"),
    ("rating_level", "6", "rating_level"),
    ("star_level", "-1", "star_level"),
    ("assessment_score", "100.5", "assessment_score"),
])
def test_institution_ranges(make_folder, header, value, column):
    folder = make_folder({"institutions.csv": f"institution_id,name,county,kind,{header}\nA1,甲,区,养老机构,{value}\n"})
    assert has(problems_of(folder), "institutions", 2, column, "range")


@pytest.mark.parametrize("value, bad", [("0", True), ("1.5", True), ("-0.5", True), ("1", False), ("0.25", False)])
def test_fte_in_zero_one(make_folder, value, bad):
    folder = make_folder({"staff.csv": f"institution_id,staff_id,fte\nA001,S1,{value}\n"})
    assert has(problems_of(folder), "staff", 2, "fte", "range") == bad


def test_beds_relations_and_lease(make_folder):
    folder = make_folder({"institutions.csv":
        "institution_id,name,county,kind,beds,nursing_beds,beds_subsidized_before,premises,lease_years\n"
        "A1,甲,区,养老机构,10,11,10,租赁,\n"      # nursing 11 > 10 beds; leased without a term
        "A2,乙,区,养老机构,10,10,12,自建,\n"      # subsidised before 12 > 10 beds
        "A3,丙,区,养老机构,10,0,0,租赁,5\n"})     # fine
    probs = problems_of(folder)
    assert has(probs, "institutions", 2, "nursing_beds", "range")
    assert has(probs, "institutions", 2, "lease_years", "required")
    assert has(probs, "institutions", 3, "beds_subsidized_before", "range")
    assert probs.filter(pl.col("row") == 4).is_empty()


def test_negative_premium(make_folder):
    folder = make_folder({"insurance.csv": "institution_id,year,premium,scheme\nA001,2024,-10.5,institution\n"})
    p = problems_of(folder).filter(pl.col("column") == "premium").row(0, named=True)
    assert p["check"] == "range" and p["row"] == 2 and p["value"] == "-10.50"   # shown in yuan


def test_person_id_checks_and_masking(make_folder):
    wrong = P1[:17] + ("0" if P1[17] != "0" else "1")
    bad_birth = person("33060219501301123")          # month 13
    folder = make_folder({"residents.csv": "institution_id,person_id,admitted_on\n"
                          f"A001,{wrong},2024-01-01\nA001,{bad_birth},2024-01-01\nA001,3306021950,2024-01-01\n"
                          f"A001,{P2},2024-01-01\n"})
    probs = problems_of(folder)
    assert has(probs, "residents", 2, "person_id", "id_check_digit")
    assert has(probs, "residents", 3, "person_id", "id_birth_date")
    assert has(probs, "residents", 4, "person_id", "id_format")
    assert probs.filter(pl.col("row") == 5).is_empty()
    shown = probs.filter(pl.col("row") == 2)["value"][0]
    assert shown == wrong[:4] + "*" * 10 + wrong[-4:]
    assert wrong not in "".join(probs["value"].drop_nulls().to_list() + probs["message"].to_list())


def test_credit_code(make_folder):
    good = "91350100M000100Y43"
    bad = "91350100M000100Y4" + ("4" if good[-1] != "4" else "5")
    folder = make_folder({"institutions.csv": "institution_id,name,county,kind,credit_code\n"
                          f"A1,甲,区,养老机构,{good}\nA2,乙,区,养老机构,{bad}\nA3,丙,区,养老机构,91350100M000100I43\n"})
    probs = problems_of(folder).filter(pl.col("column") == "credit_code")
    assert sorted(probs["row"].to_list()) == [3, 4]
    assert gb32100_check_char(bad[:17]) in probs.filter(pl.col("row") == 3)["message"][0]


def test_foreign_keys(make_folder):
    folder = make_folder({
        "residents.csv": f"institution_id,person_id,admitted_on\nA009,{P1},2024-01-01\n",
        "staff.csv": "institution_id,staff_id\nA001,S1\nB7,S2\n",
        "inspectors.csv": "inspector_id,name\nI1,王五\n",
        "conflicts.csv": "inspector_id,institution_id\nI2,A001\nI1,A404\n",
        "insurance.csv": "institution_id,year,premium\nZ,2024,1\n",
        "inspections.csv": "institution_id,inspected_on,outcome\nQ,2024-01-01,合格\n",
    })
    probs = problems_of(folder).filter(pl.col("check") == "foreign_key")
    got = sorted(zip(probs["table"], probs["row"], probs["column"]))
    assert got == sorted([("residents", 2, "institution_id"), ("staff", 3, "institution_id"),
                          ("conflicts", 2, "inspector_id"), ("conflicts", 3, "institution_id"),
                          ("insurance", 2, "institution_id"), ("inspections", 2, "institution_id")])


def test_date_order(make_folder):
    folder = make_folder({
        "residents.csv": f"institution_id,person_id,admitted_on,discharged_on\nA001,{P1},2024-03-01,2024-02-28\n"
                         f"A001,{P2},2024-03-01,2024-03-01\n",
        "staff.csv": "institution_id,staff_id,hired_on,left_on\nA001,S1,2024-05-01,2024-04-30\n",
    })
    probs = problems_of(folder).filter(pl.col("check") == "date_order")
    assert sorted(zip(probs["table"], probs["row"], probs["column"])) == [
        ("residents", 2, "discharged_on"), ("staff", 2, "left_on")]


def test_duplicates(make_folder):
    folder = make_folder({
        "institutions.csv": "institution_id,name,county,kind\nA1,甲,区,养老机构\nA2,乙,区,养老机构\nA1,丙,区,养老机构\n",
        "inspectors.csv": "inspector_id,name\nI1,王\nI1,李\n",
        "staff.csv": "institution_id,staff_id\nA1,S1\nA2,S1\nA1,S1\n",   # S1 twice in A1 (rows 2 and 4)
    })
    probs = problems_of(folder).filter(pl.col("check") == "duplicate")
    assert sorted(zip(probs["table"], probs["row"], probs["column"])) == [
        ("inspectors", 3, "inspector_id"), ("institutions", 4, "institution_id"), ("staff", 4, "staff_id")]
    assert "第2行" in probs.filter(pl.col("table") == "institutions")["message"][0]


def test_overlapping_stays_but_not_transfers(make_folder):
    folder = make_folder({"residents.csv": "institution_id,person_id,admitted_on,discharged_on\n"
                          f"A001,{P1},2024-01-01,2024-06-30\n"
                          f"A002,{P1},2024-06-01,\n"                # overlaps June with row 2
                          f"A001,{P2},2024-01-01,2024-03-01\n"
                          f"A002,{P2},2024-03-01,\n"})              # transfer on the day of leaving
    probs = problems_of(folder).filter(pl.col("check") == "overlapping_stay")
    assert probs["row"].to_list() == [3]
    assert "第2行" in probs["message"][0]
    # a warning, so the run goes on and the double_claim check names the months claimed twice
    assert probs["severity"].to_list() == ["warning"]


def test_over_capacity_is_a_warning(make_folder):
    rows = "".join(f"A002,{p},2024-01-01,\n" for p in (P1, P2, P3))
    folder = make_folder({"institutions.csv": "institution_id,name,county,kind,beds\nA001,甲,区,养老机构,5\nA002,乙,区,养老机构,2\n",
                          "residents.csv": "institution_id,person_id,admitted_on,discharged_on\n" + rows})
    ds = audit.load_data(folder)
    assert has(ds.problems, "institutions", 3, "beds", "over_capacity", severity="warning")
    assert ds.errors().is_empty()
    assert "3" in ds.problems["message"][0]   # three current residents in two beds


# ---- the planted-mistakes scenario, through the CLI --------------------------------


def planted(make_folder):
    return make_folder({
        "机构.csv": "机构编号,机构名称,所属区县,机构类型,核定床位数\n"
                   "A001,甲院,越城区,养老机构,-3\n"           # row 2: negative beds
                   "A002,乙院,越城区,敬老所,10\n",            # row 3: unknown 机构类型
        "入住老人.csv": "机构编号,身份证号,入住日期,离院日期\n"
                     f"A001,{P1[:17]}{'1' if P1[17] != '1' else '2'},2024-01-01,\n"   # row 2: wrong check digit
                     f"A404,{P2},2024-01-01,\n"                                        # row 3: unknown institution
                     f"A002,{P3},2024-05-01,2024-04-01\n",                             # row 4: discharge before admission
        "工作人员.csv": "机构编号,人员编号,岗位,工时折算\nA001,S1,护理员,1.5\n",           # row 2: FTE 1.5
    })


EXPECTED_PLANTED = [
    ("机构", 2, "核定床位数(beds)"),
    ("机构", 3, "机构类型(kind)"),
    ("入住老人", 2, "身份证号(person_id)"),
    ("入住老人", 3, "机构编号(institution_id)"),
    ("入住老人", 4, "离院日期(discharged_on)"),
    ("工作人员", 2, "工时折算(fte)"),
]


def test_planted_mistakes_cli_text(make_folder):
    result = CliRunner().invoke(main, ["validate", "--data", str(planted(make_folder))])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output + result.stderr
    for sheet, row, col in EXPECTED_PLANTED:
        # the cell as the user sees it: sheet, Excel row, column letter and their own header
        header = col.split("(")[0]
        assert any(re.match(f"{sheet}\\.csv 第{row}行 [A-Z]+列“{header}”:", line)
                   for line in result.output.splitlines()), (sheet, row, col)
    assert "共 6 个错误" in result.output
    assert P1[:17] not in result.output   # the id is masked


def test_planted_mistakes_cli_json_english(make_folder):
    result = CliRunner().invoke(main, ["validate", "--data", str(planted(make_folder)), "--format", "json", "--lang", "en"])
    assert result.exit_code == 1
    rows = json.loads(result.output)
    got = {(r["table"], r["row"], r["column"]) for r in rows}
    assert got == {("institutions", 2, "beds"), ("institutions", 3, "kind"), ("residents", 2, "person_id"),
                   ("residents", 3, "institution_id"), ("residents", 4, "discharged_on"), ("staff", 2, "fte")}
    assert all(r["message"].isascii() or "(" in r["message"] for r in rows)


def test_cli_clean_exit_zero(make_folder):
    result = CliRunner().invoke(main, ["validate", "--data", str(make_folder({}))])
    assert result.exit_code == 0 and "共 0 个错误" in result.output


# ---- the malformed corpus (tests/malformed/*, written by _make_corpus.py) ----------

import pathlib  # noqa: E402

import yaml  # noqa: E402

MALFORMED = sorted(p for p in (pathlib.Path(__file__).parent / "malformed").iterdir() if p.is_dir())


def test_corpus_is_large_enough():
    assert len(MALFORMED) >= 20


@pytest.mark.parametrize("case", MALFORMED, ids=[p.name for p in MALFORMED])
def test_malformed_input_is_located_never_a_traceback(case):
    expected = yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))
    data = case / expected["input"]
    errors = audit.load_data(data).errors()
    got = set(zip(errors["table"], errors["row"], errors["column"], errors["check"]))
    want = {(p["table"], p["row"], p["column"], p["check"]) for p in expected["problems"]}
    assert got == want
    assert errors["message"].null_count() == 0 and errors["message_en"].null_count() == 0
    result = CliRunner().invoke(main, ["validate", "--data", str(data)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output + result.stderr and "内部错误" not in result.stderr


def test_overlap_within_one_institution_is_a_warning(make_folder):
    folder = make_folder({"residents.csv": "institution_id,person_id,admitted_on,discharged_on,care_level\n"
                          f"A001,{P1},2024-01-01,2024-05-01,自理\n"
                          f"A001,{P1},2024-05-01,,部分失能\n"        # care-level split: touches, no overlap
                          f"A001,{P2},2024-01-01,,自理\n"
                          f"A001,{P2},2024-02-01,,自理\n"})          # the same stay entered twice
    ds = audit.load_data(folder)
    assert ds.errors().is_empty()
    assert has(ds.problems, "residents", 5, "person_id", "overlapping_stay", severity="warning")
    assert ds.problems.height == 1


def test_id_typed_as_an_excel_number_says_digits_were_lost_never_check_digit_advice(make_folder):
    # Excel keeps 15 significant digits: 110105194912310020 typed into a number cell
    # comes back as 110105194912310000, whose check character would be 3
    # (gb11643_check_char below). Telling the clerk "the 18th should be 3" makes a wrong
    # id look valid: the message says the digits were lost and to re-enter the number.
    folder = make_folder({"residents.csv": "institution_id,person_id,admitted_on\n"
                                           "A001,110105194912310000,2024-01-01\n"
                                           f"A001,{P1[:17]}{'0' if P1[17] != '0' else '1'},2024-01-01\n"
                                           "A001,1.10105E+17,2024-01-01\n"})
    probs = problems_of(folder)
    assert gb11643_check_char("11010519491231000") == "3"
    lost = probs.filter(pl.col("check") == "id_stored_as_number")
    assert lost["row"].to_list() == [2, 4]
    assert "以数字保存，后几位已丢失" in lost["message"][0] and "文本" in lost["message"][0]
    bad = probs.filter(pl.col("check") == "id_check_digit")
    assert bad["row"].to_list() == [3]                      # an ordinary typo
    assert "应为" not in bad["message"][0] and "should be" not in bad["message_en"][0]


def test_missing_column_names_the_unrecognised_headers(make_folder):
    # 入住日期 misspelt as 住进日: the problem should point at the misspelt header
    folder = make_folder({"residents.csv": "机构编号,身份证号,住进日\nA001,11010519491231002X,2024-01-01\n"})
    missing = problems_of(folder).filter(pl.col("check") == "missing_column")
    assert missing["column"].to_list() == ["admitted_on"]
    assert missing["message"][0].endswith("（表中未识别的列：住进日）")
    assert missing["message_en"][0].endswith("(headers not recognised: 住进日)")


def test_a_misspelt_staff_number_header_is_said_not_silently_numbered_by_row(make_folder):
    # 人员编号 misspelt as 人员编码: optional now (rows are numbered), but the misspelling is named
    folder = make_folder({"staff.csv": "机构编号,人员编码,岗位\nA001,S1,护理员\n"})
    problems = problems_of(folder)
    assert "staff_id" in problems.filter(pl.col("check") == "column_numbered_by_row")["column"].to_list()
    assert problems.filter(pl.col("value") == "人员编码").height + problems.filter(
        pl.col("message").str.contains("人员编码")).height > 0


def test_validate_says_a_csv_was_read_as_gbk(make_folder):
    folder = make_folder({"机构.csv": "机构编号,机构名称,所属区县,机构类型,举办性质,核定床位数\nA001,甲院,越城区,养老机构,公办,10\n"},
                         encoding="gbk")
    out = CliRunner().invoke(main, ["validate", "--data", str(folder)])
    assert "机构.csv：按 GB18030/GBK 编码读取" in out.output
    assert out.exit_code == 0, out.output


def test_a_misspelt_optional_header_is_a_warning_not_a_silent_default(make_folder):
    # 工时折合 is not a contract header (工时折算 is): read silently, every 0.5 would count
    # as the default 1.0. 序号 and 备注 are ordinary extra columns: quiet.
    folder = make_folder({"staff.csv": "序号,机构编号,人员编号,岗位,工时折合,备注\n1,A001,S1,护理员,0.5,x\n"})
    p = problems_of(folder)
    warn = p.filter(pl.col("check") == "unknown_column")
    assert warn.select("column", "value", "severity").rows() == [("fte", "工时折合", "warning")]
    assert "若指“工时折算”（fte），请改用此表头，否则按缺省值 1.0 计" in warn["message"][0]
    assert p.filter(pl.col("severity") == "error").is_empty()


def test_time_spelt_date_headers_of_a_stay_are_read(make_folder):
    folder = make_folder({"residents.csv": f"机构编号,身份证号,入住时间,离院时间\nA001,{P1},2024-01-01,2024-02-01\n"})
    ds = audit.load_data(folder)
    assert ds.tables["residents"].select("admitted_on", "discharged_on").rows() == [
        (date(2024, 1, 1), date(2024, 2, 1))]
    assert ds.problems.is_empty()


def test_fte_spelt_as_zhesuan_quanzhi_is_read_and_range_checked(make_folder):
    # 折算全职 = fte; 1.5 is above the contract's max of 1
    folder = make_folder({"staff.csv": "机构编号,人员编号,岗位,折算全职\nA001,S1,护理员,1.5\n"})
    bad = problems_of(folder).filter(pl.col("check") == "range")
    assert bad.select("row", "column", "value").rows() == [(2, "fte", "1.5")]


def test_overlaps_match_a_pairwise_reference_on_random_stays():
    # Reference, by brute force over pairs: a stay is flagged when some stay of the same
    # person coming before it (by admission date, then row) overlaps it — [a, d) intervals,
    # an open stay ends never; and the row it names must be such a stay.
    import random
    from datetime import date, timedelta

    from audit.data import datachecks

    rng = random.Random(7)
    rows = []
    for i in range(400):
        start = date(2024, 1, 1) + timedelta(days=rng.randrange(300))
        end = None if rng.random() < 0.3 else start + timedelta(days=rng.randrange(1, 120))
        rows.append((rng.choice("ABC"), f"P{rng.randrange(60)}", start, end, i + 2))
    res = pl.DataFrame(rows, schema={"institution_id": pl.String, "person_id": pl.String, "admitted_on": pl.Date,
                                     "discharged_on": pl.Date, "_row": pl.Int64}, orient="row")
    found = datachecks._overlapping_stays({"residents": res}, {})
    named = {r: int(m.split("第")[1].split("行")[0]) for r, m in zip(found["row"], found["message"])}

    def overlap(a, b):
        return a[2] < (b[3] or date.max) and b[2] < (a[3] or date.max)

    order = sorted(rows, key=lambda r: (r[1], r[2], r[4]))
    expected = {a[4] for k, a in enumerate(order)
                if any(b[1] == a[1] and overlap(a, b) for b in order[:k])}
    assert set(named) == expected and len(expected) > 20
    by_row = {r[4]: r for r in rows}
    assert all(by_row[o][1] == by_row[r][1] and overlap(by_row[r], by_row[o]) for r, o in named.items())


def test_a_placeholder_id_on_thousands_of_rows_stays_fast(make_folder):
    # 20,000 stays under one placeholder id: a pairwise self-join made 4×10⁸ pairs and
    # was killed at 24 GB; the running maximum flags 19,999 rows (all but the first) at once
    n = 20_000
    folder = make_folder({"residents.csv": "institution_id,person_id,admitted_on\n"
                                           + "A001,000000000000000000,2024-01-01\n" * n})
    over = problems_of(folder).filter(pl.col("check") == "overlapping_stay")
    assert over.height == n - 1 and over["row"].min() == 3


def test_audit_validate_stays_callable_after_the_module_is_imported(make_folder):
    # load_data used to import a module named audit.validate, which rebound `audit.validate`
    # to the module: `audit.validate(tables)` then failed with "'module' object is not callable"
    folder = make_folder({"staff.csv": "机构编号,人员编号,工时折算\nA001,S1,0\n"})
    ds = audit.read(folder)
    problems = audit.validate(ds.tables)
    assert problems.select("table", "row", "column", "check").rows() == [("staff", 2, "fte", "range")]


def test_validate_json_for_clean_data_is_an_empty_list(make_folder):
    result = CliRunner().invoke(main, ["validate", "--data", str(make_folder({})), "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.output) == []


def test_every_public_name_is_a_plain_function_after_importing_every_module():
    # `import audit.run` used to rebind audit.run to a module (tests/test_progress.py failed in
    # the full suite for this reason); now no module is named like a public function
    import importlib
    import inspect
    import pkgutil

    for m in pkgutil.walk_packages(audit.__path__, "audit."):
        importlib.import_module(m.name)
    assert audit.__all__ and all(inspect.isfunction(getattr(audit, name)) for name in audit.__all__)
    assert audit.synth(2, 1)["institutions"].height == 2
