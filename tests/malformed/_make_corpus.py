"""Writes the malformed-input corpus: one folder per case with `input` (a data folder or
a workbook) and `expected.yaml` (the located problems the reader must report).

Run `python tests/malformed/_make_corpus.py` to regenerate; the files are committed so
the test does not depend on this script. Expected rows are counted by hand
(header = row 1)."""

from __future__ import annotations

import shutil
from pathlib import Path

import xlsxwriter
import yaml

HERE = Path(__file__).parent
INST = ("institution_id,name,county,kind,beds,nursing_beds\n"
        "A001,甲院,越城区,养老机构,10,5\n")
# valid ids (GB 11643 check characters computed by hand: see tests/test_validate.py)
ID_OK = "11010519491231002X"
ID_OK2 = "330602195001011233"


def csv_case(name, files: dict[str, str | bytes], expected: list[dict], institutions: bool = True):
    d = HERE / name / "input"
    d.mkdir(parents=True)
    if institutions and not any(f.split(".")[0] in ("institutions", "机构") for f in files):
        files = {"institutions.csv": INST, **files}
    for fname, text in files.items():
        (d / fname).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    (HERE / name / "expected.yaml").write_text(yaml.safe_dump({"input": "input", "problems": expected}, allow_unicode=True), encoding="utf-8")


def book_case(name, sheets: dict[str, list[list]] | bytes, expected: list[dict]):
    d = HERE / name
    d.mkdir(parents=True)
    path = d / "input.xlsx"
    if isinstance(sheets, bytes):
        path.write_bytes(sheets)
    else:
        wb = xlsxwriter.Workbook(str(path))
        for sheet, rows in sheets.items():
            ws = wb.add_worksheet(sheet)
            for r, row in enumerate(rows):
                for c, v in enumerate(row):
                    ws.write(r, c, v)
        wb.close()
    (d / "expected.yaml").write_text(yaml.safe_dump({"input": "input.xlsx", "problems": expected}, allow_unicode=True), encoding="utf-8")


def p(table, row, column, check):
    return {"table": table, "row": row, "column": column, "check": check}


def main():
    for child in HERE.iterdir():
        if child.is_dir():
            shutil.rmtree(child)
    book_case("01_not_a_workbook", b"this is plain text, not a zip\n", [p(None, None, None, "unreadable")])
    book_case("02_empty_sheet", {"机构": [], "入住老人": [["机构编号", "身份证号", "入住日期"]]},
              [p("institutions", None, None, "empty")])
    csv_case("03_empty_csv", {"institutions.csv": ""}, [p("institutions", None, None, "empty")])
    csv_case("04_missing_required_column", {"institutions.csv": "institution_id,name,kind\nA001,甲院,养老机构\n"},
             [p("institutions", None, "county", "missing_column")])
    csv_case("05_unreadable_date", {"residents.csv": f"institution_id,person_id,admitted_on\nA001,{ID_OK},2024-13-45\n"},
             [p("residents", 2, "admitted_on", "date")])
    csv_case("06_unreadable_number", {"institutions.csv": "institution_id,name,county,kind,beds\nA001,甲院,越城区,养老机构,十来张\n"},
             [p("institutions", 2, "beds", "number")])
    csv_case("07_money_three_decimals", {"insurance.csv": "institution_id,year,premium,scheme\nA001,2024,10,institution\nA001,2023,1.005,institution\n"},
             [p("insurance", 3, "premium", "number")])
    csv_case("08_unknown_enum", {"residents.csv": f"机构编号,身份证号,入住日期,能力等级\nA001,{ID_OK},2024-01-01,很好\n"},
             [p("residents", 2, "care_level", "enum")])
    csv_case("09_bad_bool", {"residents.csv": f"机构编号,身份证号,入住日期,失智\nA001,{ID_OK},2024-01-01,也许\n"},
             [p("residents", 2, "dementia", "enum")])
    csv_case("10_id_check_digit", {"residents.csv": f"institution_id,person_id,admitted_on\nA001,{ID_OK2},2024-01-01\nA001,110105194912310021,2024-01-01\n"},
             [p("residents", 3, "person_id", "id_check_digit")])
    csv_case("11_id_too_short", {"residents.csv": "institution_id,person_id,admitted_on\nA001,11010519491231,2024-01-01\n"},
             [p("residents", 2, "person_id", "id_format")])
    # 1949-02-31 does not exist; check character 6 is right for 11010519490231002 (Σ mod 11 = 6 → '6')
    csv_case("12_id_birth_date", {"residents.csv": "institution_id,person_id,admitted_on\nA001,110105194902310026,2024-01-01\n"},
             [p("residents", 2, "person_id", "id_birth_date")])
    csv_case("13_credit_code", {"institutions.csv": "institution_id,name,county,kind,credit_code\nA001,甲院,越城区,养老机构,91350100M000100Y44\n"},
             [p("institutions", 2, "credit_code", "credit_code")])
    csv_case("14_resident_unknown_institution", {"residents.csv": f"institution_id,person_id,admitted_on\nA001,{ID_OK},2024-01-01\nB999,{ID_OK2},2024-01-01\n"},
             [p("residents", 3, "institution_id", "foreign_key")])
    csv_case("15_conflict_unknown_inspector", {"inspectors.csv": "inspector_id,name\nI01,王五\n",
                                              "conflicts.csv": "inspector_id,institution_id,reason\nI01,A001,亲属\nI99,A001,曾任职\n"},
             [p("conflicts", 3, "inspector_id", "foreign_key")])
    csv_case("16_discharge_before_admission", {"residents.csv": f"institution_id,person_id,admitted_on,discharged_on\nA001,{ID_OK},2024-05-01,2024-04-30\n"},
             [p("residents", 2, "discharged_on", "date_order")])
    csv_case("17_left_before_hired", {"staff.csv": "institution_id,staff_id,hired_on,left_on\nA001,S1,2023-01-01,\nA001,S2,2023/6/1,2023/5/31\n"},
             [p("staff", 3, "left_on", "date_order")])
    csv_case("18_duplicate_institution", {"institutions.csv": INST + "A002,乙院,越城区,养老机构,5,0\nA001,丙院,越城区,养老机构,5,0\n"},
             [p("institutions", 4, "institution_id", "duplicate")])
    csv_case("19_duplicate_staff_in_institution", {"staff.csv": "institution_id,staff_id\nA001,S1\nA001,S2\nA001,S1\n"},
             [p("staff", 4, "staff_id", "duplicate")])
    csv_case("21_fte_zero", {"staff.csv": "机构编号,人员编号,工时折算\nA001,S1,0\n"}, [p("staff", 2, "fte", "range")])
    csv_case("22_nursing_beds_over_beds", {"institutions.csv": "institution_id,name,county,kind,beds,nursing_beds\nA001,甲院,越城区,养老机构,10,12\n"},
             [p("institutions", 2, "nursing_beds", "range")])
    csv_case("23_lease_without_term", {"institutions.csv": "institution_id,name,county,kind,premises,lease_years\nA001,甲院,越城区,养老机构,租赁,\n"},
             [p("institutions", 2, "lease_years", "required")])
    csv_case("24_rating_out_of_range", {"institutions.csv": "institution_id,name,county,kind,rating_level\nA001,甲院,越城区,养老机构,7\n"},
             [p("institutions", 2, "rating_level", "range")])
    csv_case("25_undecodable_bytes", {"residents.csv": b"institution_id,person_id\nA001,\xff\xff\n"},
             [p("residents", None, None, "unreadable")])
    csv_case("26_header_twice", {"institutions.csv": "institution_id,机构编号,name,county,kind\nA001,A001,甲院,越城区,养老机构\n"},
             [p("institutions", 1, "institution_id", "duplicate_column")])
    csv_case("27_table_twice", {"institutions.csv": INST, "机构.csv": INST}, [p("institutions", None, None, "duplicate_table")])
    csv_case("28_ragged_line", {"staff.csv": "institution_id,staff_id\nA001,S1\nA001,S2,多余\n"},
             [p("staff", 3, None, "unreadable")])
    csv_case("29_missing_institutions_table", {"staff.csv": "institution_id,staff_id\nA001,S1\n"},
             [p("institutions", None, None, "missing_table")], institutions=False)
    csv_case("30_required_value_blank", {"institutions.csv": "institution_id,name,county,kind\nA001,,越城区,养老机构\n"},
             [p("institutions", 2, "name", "required")])
    book_case("31_workbook_bad_cells", {
        "机构": [["机构编号", "机构名称", "所属区县", "机构类型", "核定床位数"], ["A001", "甲院", "越城区", "养老机构", "三十多"]],
        "入住老人": [["机构编号", "身份证号", "入住日期"], ["A001", ID_OK, "2024-02-30"]],
    }, [p("institutions", 2, "beds", "number"), p("residents", 2, "admitted_on", "date")])
    new_cases()


def new_cases():
    """Added in the QA round (each was a silent misreading or a crash before)."""
    csv_case("32_money_header_in_wan_yuan",
             {"institutions.csv": "机构编号,机构名称,所属区县,机构类型,投资决算额（万元）\nA001,甲院,越城区,养老机构,120\n"},
             [p("institutions", 1, "investment_final", "unit")])
    csv_case("33_headers_only", {"机构.csv": "机构编号,机构名称,所属区县,机构类型\n"},
             [p("institutions", None, None, "empty")])
    book_case("34_sheets_not_named_after_tables", {"Sheet1": [["机构编号", "机构名称"], ["A001", "甲院"]], "Sheet2": []},
              [p(None, None, None, "missing_table")])


if __name__ == "__main__":
    main()
