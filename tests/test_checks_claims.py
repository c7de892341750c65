"""Double claims: one person in residence at two institutions on the same month-end."""

from __future__ import annotations

import polars as pl

from audit.checks import run_checks
from test_checks_support import D, FakePack, dataset, institutions, residents, rule

P = "110101195001011234"
Q = "110101195001015678"


def test_person_counted_by_two_institutions_is_flagged_on_both():
    insts = institutions({"institution_id": "A"}, {"institution_id": "B"})
    res = residents(
        # A: Jan 1 → May 1; B: from Mar 10. Both on Mar 31 and Apr 30; not on Feb 29 (not yet at B)
        # nor May 31 (left A on May 1).
        {"institution_id": "A", "person_id": P, "admitted_on": D(2024, 1, 1), "discharged_on": D(2024, 5, 1)},
        {"institution_id": "B", "person_id": P, "admitted_on": D(2024, 3, 10)},
        {"institution_id": "A", "person_id": Q},  # only at A: no finding
    )
    grant = rule("operating", "resident_month_grant", clause="重点工作(五)4")
    findings, _ = run_checks(dataset(insts, res), FakePack([grant]), 2024)
    assert findings.select("institution_id", "rule", "severity").rows() == [
        ("A", "double_claim", "error"), ("B", "double_claim", "error")]
    assert findings["evidence"].to_list() == [
        "person=1101**********1234 months=2024-03,2024-04 also_at=B",
        "person=1101**********1234 months=2024-03,2024-04 also_at=A",
    ]
    assert set(findings["citation"]) == {"测试 文件 重点工作(五)4"}
    for text in findings.select(pl.concat_str(pl.all().fill_null(""))).to_series():
        assert P not in text and "张三" not in text


def test_move_on_a_month_end_day_is_not_a_double_claim():
    # discharged from A on Mar 31 (not in residence that day), admitted to B on Mar 31
    insts = institutions({"institution_id": "A"}, {"institution_id": "B"})
    res = residents(
        {"institution_id": "A", "person_id": P, "discharged_on": D(2024, 3, 31)},
        {"institution_id": "B", "person_id": P, "admitted_on": D(2024, 3, 31)},
    )
    findings, _ = run_checks(dataset(insts, res), FakePack([]), 2024)
    assert findings.is_empty()


def test_three_institutions_list_the_other_two():
    insts = institutions(*[{"institution_id": i} for i in "ABC"])
    res = residents(*[{"institution_id": i, "person_id": P, "admitted_on": D(2024, 12, 1)} for i in "ABC"])
    findings, _ = run_checks(dataset(insts, res), FakePack([]), 2024, lang="en")
    # only Dec 31 falls after Dec 1
    assert findings["evidence"].to_list() == [
        "person=1101**********1234 months=2024-12 also_at=B,C",
        "person=1101**********1234 months=2024-12 also_at=A,C",
        "person=1101**********1234 months=2024-12 also_at=A,B",
    ]
    assert findings["citation"].null_count() == 3  # no per-resident grant in the pack to cite
    assert findings["message"][0].startswith("The same person")
