"""Hostile text through every writer (issue 16): one test over every xlsx the toolkit
writes — ledger, draw, publish, template, synthetic data — and one that two runs give
byte-identical files in every format.

Text a spreadsheet would run ('=1+1', '{=1+1}', 'http://…', 'file:///…') must land as
plain text, and an inspector id that is a 身份证号 must not leave whole."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from audit.cli import main
from audit.data.io import read_tables

DEMO = Path(__file__).parent.parent / "demo" / "demo.xlsx"
HOSTILE = ["=1+1", "{=1+1}", "http://evil.example/x", "file:///c:\\windows\\win.ini", "@SUM(A1)", "+cmd|' /C calc'!A0"]
NATIONAL_ID = "330602195001011233"           # a valid GB 11643 id (check character 3, worked out by hand)
MASKED = "3306**********1233"


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def hostile_data(tmp_path_factory) -> Path:
    """The demo data with hostile institution names and an inspector whose id is a
    national id, written as CSV (English headers)."""
    raw, _ = read_tables(DEMO)
    folder = tmp_path_factory.mktemp("hostile") / "data"
    folder.mkdir()
    for name, df in raw.items():
        df = df.drop("_row")
        if name == "institutions":
            df = df.with_columns(pl.Series("name", [f"{HOSTILE[i % len(HOSTILE)]} 院{i}" for i in range(df.height)]))
        if name == "inspectors":
            df = df.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(pl.lit(NATIONAL_ID))
                                 .otherwise(pl.col("inspector_id")).alias("inspector_id"))
            if "conflicts" in raw:
                pass
        df.write_csv(folder / f"{name}.csv")
    return folder


def _sheet_xml(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith((".xml", ".rels"))}


def assert_plain(path: Path, *, expect_hostile: bool = True) -> None:
    """No formula, array formula, hyperlink or external link anywhere in the workbook;
    no national id whole; the hostile strings are there as text."""
    parts = _sheet_xml(path)
    sheets = {n: x for n, x in parts.items() if n.startswith("xl/worksheets/")}
    assert sheets, path
    for name, xml in sheets.items():
        assert "<f>" not in xml and "<f " not in xml, f"{path.name} {name}: formula"
        assert "<hyperlink" not in xml, f"{path.name} {name}: hyperlink"
    assert not any("hyperlink" in x or "externalLink" in x for n, x in parts.items() if n.endswith(".rels")), path.name
    text = "".join(parts.values())
    assert NATIONAL_ID not in text, f"{path.name}: national id written whole"
    if expect_hostile:
        strings = parts.get("xl/sharedStrings.xml", "") + "".join(sheets.values())
        for h in ("=1+1", "{=1+1}", "http://evil.example/x", "file:///c:\\windows\\win.ini"):
            assert h.replace("&", "&amp;") in strings, f"{path.name}: {h!r} not written as text"


def test_every_xlsx_writer_writes_text_as_text(hostile_data, tmp_path):
    written = []
    r = cli("run", "--data", hostile_data, "--policy", "shaoxing", "--year", "2024", "--out", tmp_path / "run", "--no-report")
    assert r.exit_code in (0, 1), r.output
    written.append(tmp_path / "run" / "ledger.xlsx")
    r = cli("sample", "--data", hostile_data, "--seed", "s", "--ratio", "1", "--out", tmp_path / "draw")
    assert r.exit_code in (0, 1), r.output
    written.append(tmp_path / "draw" / "draw.xlsx")
    draw_json = (tmp_path / "draw" / "draw.json").read_text(encoding="utf-8")
    assert NATIONAL_ID not in draw_json and MASKED in draw_json
    verify = cli("sample", "--verify", tmp_path / "draw" / "draw.json", "--data", hostile_data)
    assert verify.exit_code == 0, verify.output       # masking is the same on a re-run: the record still verifies
    ids = pl.read_csv(hostile_data / "institutions.csv", infer_schema=False)["institution_id"].to_list()  # all drawn at ratio 1
    results = tmp_path / "results.csv"
    results.write_text("机构编号,机构名称,检查日期,检查结果,整改要求,整改期限\n" + "".join(
        f'{ids[i]},"{h}",2024-10-08,责令整改,"{h}",2024-12-31\n'.replace('"+cmd|\' /C calc\'!A0"', "+cmd") for i, h in enumerate(HOSTILE)),
        encoding="utf-8")
    r = cli("publish", "--results", results, "--draw", tmp_path / "draw" / "draw.json", "--out", tmp_path / "pub")
    assert r.exit_code == 0, r.output
    written.append(tmp_path / "pub" / "publish.xlsx")
    r = cli("template", "--out", tmp_path / "template.xlsx")
    assert r.exit_code == 0, r.output
    for path in written:
        assert_plain(path)
    assert_plain(tmp_path / "template.xlsx", expect_hostile=False)


def test_synthetic_workbook_writer_is_the_safe_one(tmp_path):
    from audit.data.synthetic import write_synth

    tables = {"institutions": pl.DataFrame({"institution_id": ["A001", "A002"], "name": ["=1+1", "http://evil.example/x"]})}
    write_synth(tables, tmp_path, fmt="xlsx")
    book = next(tmp_path.glob("*.xlsx"))
    xml = "".join(_sheet_xml(book).values())
    assert "<f>" not in xml and "<hyperlink" not in xml and "=1+1" in xml


def test_every_writer_goes_through_the_safe_workbook():
    """One helper opens every xlsx for writing: no module but audit.privacy builds an
    xlsxwriter.Workbook itself."""
    root = Path(__file__).parent.parent / "audit"
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if p.name != "privacy.py" and re.search(r"xlsxwriter\.Workbook\(", p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_national_ids_are_masked_in_any_text_column():
    from audit.privacy import defuse_frame

    df = pl.DataFrame({"inspector_id": [NATIONAL_ID], "note": [f"检查员{NATIONAL_ID}回避；另见 11010519491231002X。"],
                       "credit_code": ["91330602MA2BX00001"], "amount": ["12345678901234567890"]})
    out = defuse_frame(df).row(0, named=True)
    assert out["inspector_id"] == MASKED
    assert out["note"] == f"检查员{MASKED}回避；另见 1101**********002X。"
    assert out["credit_code"] == "91330602MA2BX00001" and out["amount"] == "12345678901234567890"   # not id-shaped


@pytest.mark.slow
def test_two_runs_give_byte_identical_files_in_every_format(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    outs = []
    for name in ("a", "b"):
        r = cli("run", "--data", DEMO, "--policy", "shaoxing", "--year", "2024", "--out", tmp_path / name)
        assert r.exit_code in (0, 1), r.output
        outs.append(tmp_path / name)
    files = sorted(p.name for p in outs[0].iterdir())
    assert {"ledger.csv", "ledger.xlsx", "findings.csv", "manifest.json", "report.html", "report.pdf"} <= set(files)
    assert files == sorted(p.name for p in outs[1].iterdir())
    for f in files:
        assert (outs[0] / f).read_bytes() == (outs[1] / f).read_bytes(), f
    # SOURCE_DATE_EPOCH is the one date written into the metadata (2023-11-14T22:13:20Z)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    r = cli("run", "--data", DEMO, "--policy", "shaoxing", "--year", "2024", "--out", tmp_path / "c")
    assert r.exit_code in (0, 1), r.output
    assert b"D:20231114221320Z" in (tmp_path / "c" / "report.pdf").read_bytes()
    with zipfile.ZipFile(tmp_path / "c" / "ledger.xlsx") as z:
        assert "2023-11-14T22:13:20Z" in z.read("docProps/core.xml").decode()


def test_a_megabyte_of_text_is_capped_in_pages():
    from audit.report.render import SHOWN_TEXT_MAX, env

    page = env().from_string("<p>{{ name }}</p>").render(name="院" * 1_000_000)
    assert page == "<p>" + "院" * SHOWN_TEXT_MAX + "…</p>"


def test_widest_column_is_found_without_reading_every_cell():
    from audit.guards import _widest_column

    assert _widest_column(b'<row r="1"><c r="A1"/><c r="Z1"/></row>') == 26
    assert _widest_column(b'<row r="1"><c r="A1"/><c r="AB1"/><c r="BA1"/></row>') == 53       # BA = 2×26 + 1
    assert _widest_column(b'<row r="9"><c r="A9"/><c\nr="XFD9"/></row>') == 16384             # any separator


def test_a_long_column_is_defused_once_per_value_with_the_same_result():
    """defuse_frame takes a long, repetitive column one distinct value at a time (speed at
    15 million rows); every cell still comes out as defusing it alone gives: formulas get
    the apostrophe, ids inside text are masked, nulls stay null, clean text is untouched."""
    from audit.privacy import DISTINCT_MIN_ROWS, defuse_frame, defuse_formula, mask_national_ids

    values = ["=HYPERLINK(\"x\")", "检查员 330602195001011233", None, "YL0001", "+1", "2024-05"]
    long = pl.DataFrame({"text": values * (DISTINCT_MIN_ROWS // len(values) + 1), "n": 1})
    got = defuse_frame(long)
    assert got.height >= DISTINCT_MIN_ROWS
    assert got.head(6)["text"].to_list() == ["'=HYPERLINK(\"x\")", "检查员 3306**********1233", None, "YL0001", "'+1",
                                             "2024-05"]
    assert got.equals(long.with_columns(defuse_formula(mask_national_ids(pl.col("text"))).alias("text")))


def test_an_all_digit_credit_code_is_public_while_a_resident_id_in_free_text_is_masked():
    """An institution's 统一社会信用代码 may be 18 digits (123306244701234563: its "birth
    date" 24470123 is none) and is public: findings evidence lists it whole. A real-looking
    身份证号 beside it is still masked, by every free-text masker."""
    from audit.inspect.documents import mask_free_text
    from audit.privacy import mask_ids_in_str, mask_ids_in_text

    code = "123306244701234563"
    text = f"ids={code}, 52330624MJ9A12345W；老人（身份证号330624194003051005）、ID{NATIONAL_ID}"
    want = f"ids={code}, 52330624MJ9A12345W；老人（身份证号3306**********1005）、ID{MASKED}"
    df = pl.DataFrame({"evidence": [text]})
    assert df.select(mask_ids_in_text(pl.col("evidence"))).item() == want
    assert df.select(mask_free_text(pl.col("evidence"))).item() == want
    assert mask_ids_in_str(text) == want
    # the other free-text patterns do not bite inside the code either; on their own they do
    phone = pl.DataFrame({"t": ["电话 13812345678，0575-88123456，旧证 330602500101123"]})
    assert phone.select(mask_free_text(pl.col("t"))).item() == "电话 138****5678，0575-****3456，旧证 3306*******1123"
