"""Integrity checks on the data held (issue 12 §4), by hand."""

from __future__ import annotations

import polars as pl

from audit.kinds.integrity import check_integrity
from test_calc_helpers import D, tables

CARER = "330602198501010112"   # born 1985
OLD = "110101190001011234"     # born 1900-01-01: 124 at the end of 2024 (check digit not needed here)


def inst(iid, beds=2):
    return {"institution_id": iid, "beds": beds}


def test_two_payrolls_for_one_caregiver_are_flagged_on_both():
    # the same id at A all year and at B from 1 Jul: overlap 2024-07-01 … 2024-12-31
    t = tables(institutions=[inst("A"), inst("B"), inst("C")], staff=[
        {"institution_id": "A", "staff_id": "S1", "person_id": CARER, "hired_on": D(2020, 1, 1)},
        {"institution_id": "B", "staff_id": "S9", "person_id": CARER, "hired_on": D(2024, 7, 1)},
        # at C only after leaving A: no overlap, no finding for C
        {"institution_id": "C", "staff_id": "S2", "person_id": "330602198501010139", "hired_on": D(2024, 1, 1)},
    ])
    f = check_integrity(t, None, 2024).filter(pl.col("rule") == "second_payroll").sort("institution_id")
    assert f.select("institution_id", "severity").rows() == [("A", "error"), ("B", "error")]
    assert f["evidence"].to_list() == [
        "person=3306**********0112 staff_id=S1 also_at=B from=2024-07-01 to=2024-12-31",
        "person=3306**********0112 staff_id=S9 also_at=A from=2024-07-01 to=2024-12-31"]
    assert CARER not in " ".join(f["message"])


def test_consecutive_jobs_are_not_two_payrolls():
    t = tables(institutions=[inst("A"), inst("B")], staff=[
        {"institution_id": "A", "staff_id": "S1", "person_id": CARER, "hired_on": D(2020, 1, 1), "left_on": D(2024, 6, 1)},
        {"institution_id": "B", "staff_id": "S2", "person_id": CARER, "hired_on": D(2024, 6, 1)}])
    assert check_integrity(t, None, 2024).filter(pl.col("rule") == "second_payroll").height == 0


def test_more_residents_than_beds_at_a_month_end():
    # 2 beds; a third resident from 15 Mar to 10 May is in on the Mar and Apr month-ends only
    people = [{"institution_id": "A", "person_id": f"P{n}", "admitted_on": D(2020, 1, 1)} for n in (1, 2)]
    people.append({"institution_id": "A", "person_id": "P3", "admitted_on": D(2024, 3, 15), "discharged_on": D(2024, 5, 10)})
    f = check_integrity(tables(institutions=[inst("A")], residents=people), None, 2024)
    assert f.filter(pl.col("rule") == "over_beds")["evidence"].to_list() == [
        "residents_max=3 beds=2 months=2024-03,2024-04"]


def test_ages_over_110_are_implausible():
    people = [{"institution_id": "A", "person_id": OLD, "admitted_on": D(2020, 1, 1)},
              {"institution_id": "A", "person_id": CARER, "admitted_on": D(2020, 1, 1)}]
    f = check_integrity(tables(institutions=[inst("A", beds=5)], residents=people), None, 2024)
    assert f.filter(pl.col("rule") == "implausible_age")["evidence"].to_list() == ["person=1101**********1234 age=124"]
