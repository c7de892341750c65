"""The issue-9 acceptance test: a bureau's own workbook (tests/bureau_workbook.py) gives,
after fixing only the cells `validate` reports as true data errors, the same ledger as
the same data typed into our template — in at most two validate rounds."""

from __future__ import annotations

import polars as pl
import pytest

import audit
from tests.bureau_workbook import data, write_bureau, write_template


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    d = tmp_path_factory.mktemp("bureau")
    tables = data(15, 7)
    return tables, d, write_template(tables, d / "template.xlsx")


def _ledger_by_credit_code(result) -> pl.DataFrame:
    """Ledger lines keyed by the institution's credit code (the bureau's workbook has no
    机构编号: its key is the credit code), sorted, amounts in fen."""
    codes = result.dataset.tables["institutions"].select("institution_id", "credit_code")
    return (result.ledger.join(codes, on="institution_id", how="left")
            .select("credit_code", "program", "item", "period", "quantity", "rate_fen", "amount_fen", "payer", "rule")
            .sort(pl.all()))


def test_bureau_workbook_in_two_validate_rounds_gives_the_template_ledger(books):
    tables, d, template = books
    # round 1: the only errors are the true data errors planted — ids pasted into number cells
    bureau = write_bureau(tables, d / "bureau.xlsx", ids_as_numbers=3)
    first = audit.load_data(bureau)
    errs = first.errors()
    assert errs["check"].to_list() == ["id_stored_as_number"] * 3, errs
    # the clerk re-enters those three ids as text (the builder writes them as text)
    fixed = write_bureau(tables, d / "bureau_fixed.xlsx", ids_as_numbers=0)
    second = audit.load_data(fixed)
    assert second.errors().is_empty(), second.errors()
    ours = audit.run(template, "shaoxing", 2024)
    theirs = audit.run(fixed, "shaoxing", 2024)
    # every programme the table of silent losses named is paid: construction (beds under a
    # two-level header), operating (per-home rosters, places as addresses, 低保情况), insurance (保险期间)
    assert ours.ledger.height > 0 and set(ours.ledger["program"]) >= {"construction", "operating", "insurance"}
    assert {"low_income_supplement", "disability_supplement"} <= set(ours.ledger["item"])
    left, right = _ledger_by_credit_code(ours), _ledger_by_credit_code(theirs)
    assert left.equals(right), (left, right)


def test_every_sheet_is_accounted_for(books):
    tables, d, _ = books
    ds = audit.load_data(write_bureau(tables, d / "bureau_sheets.xlsx", ids_as_numbers=0))
    log = ds.sources["*"]["sheets"]
    read = [s for s in log if s["status"] == "read"]
    homes = tables["residents"]["institution_id"].n_unique()
    assert sum(s["table"] == "residents" for s in read) == homes      # one roster per home, all read
    assert {s["table"] for s in read} == {"institutions", "residents", "staff", "insurance"}
    assert [(s["sheet"], s["status"]) for s in log if s["status"] != "read"] == [("2023年花名册（旧）", "hidden"), ("说明", "ignored")]
    assert ds.tables["residents"].height == tables["residents"].height
    assert ds.tables["staff"].height == tables["staff"].height
