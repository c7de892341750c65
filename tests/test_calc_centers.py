"""Home-care centre grants (绍兴 重点工作(五)4) and Linfen's factor allocation (二(三)10), by hand."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.kinds.centers import allocate
from test_calc_helpers import lines, run_calc


def centre(iid, kind="township_center", **kw):
    return {"institution_id": iid, "kind": kind, "ownership": "public", "assessed_pass": True,
            "operating_normally": True, **kw}


def amounts(ledger):
    return {i: int(g["amount_fen"].sum()) for (i,), g in lines(ledger, program="center_operating").group_by("institution_id")}


def test_shaoxing_township_and_community_centres():
    ledger, findings = run_calc("shaoxing", 2024, institutions=[
        centre("T5IN", star_level=5, inside_institution=True),   # 300,000 × 60% = 180,000
        centre("T4", star_level=4),                              # 200,000
        centre("T0", star_level=0, assessment_score=87.5),       # 120,000 × 87.5 ÷ 100 = 105,000
        centre("T1", star_level=1),                              # no rate in the text: policy_gap, no line
        centre("TFAIL", star_level=5, assessed_pass=False),      # not assessed as qualified: nothing
        centre("C2", kind="community_center", star_level=2),     # 10,000 base + 50,000 = 60,000
        centre("C0", kind="community_center", star_level=0),     # 10,000 base only
        centre("C4", kind="community_center", star_level=4),     # base 10,000; 4 stars: gap
    ])
    assert amounts(ledger) == {"T5IN": 180_000_00, "T4": 200_000_00, "T0": 105_000_00, "C2": 60_000_00,
                               "C0": 10_000_00, "C4": 10_000_00}
    assert lines(ledger, institution_id="C2").sort("item")["item"].to_list() == ["base_amount", "star_2"]
    assert "× 60%（设在养老机构内）= 180,000.00 元" in lines(ledger, institution_id="T5IN")["basis"][0]
    gaps = findings.filter(pl.col("rule") == "policy_gap")["message"].to_list()
    assert any("center_township.rate_by_star.1" in m for m in gaps)
    assert any("center_community.rate_by_star.4" in m for m in gaps)
    fail = findings.filter(pl.col("institution_id") == "TFAIL").row(0, named=True)
    assert (fail["rule"], fail["severity"]) == ("not_assessed_pass", "warning")
    assert set(lines(ledger, program="center_operating")["citation"]) == {"绍兴 实施意见 重点工作(五)4"}


def test_unstarred_score_rounds_half_away_from_zero_to_the_fen():
    # 120,000 × 33.33 ÷ 100 = 39,996.00; 120,000 × 0.01 ÷ 100 = 12.00; inside: 39,996 × 60% = 23,997.60
    ledger, _ = run_calc("shaoxing", 2024, institutions=[
        centre("A", assessment_score=33.33), centre("B", assessment_score=0.01),
        centre("C", assessment_score=33.33, inside_institution=True)])
    assert amounts(ledger) == {"A": 39_996_00, "B": 12_00, "C": 23_997_60}


LINFEN_SETS = ("community_factor_allocation.budget=100.00",
               "community_factor_allocation.weight_by_star={0: 1, 1: 1, 2: 2, 3: 3, 4: 4, 5: 5}")


def test_linfen_factor_allocation_adds_up_to_the_budget():
    # budget 100.00 yuan = 10,000 fen over weights 1, 1, 1: 3,333.33… each; the 1 fen left goes to the
    # smallest id (equal remainders) → 3,334 / 3,333 / 3,333; a 2-star centre not operating gets nothing
    inst = [centre(i, kind="community_center", star_level=1) for i in ("C1", "C2", "C3")]
    inst.append(centre("OFF", kind="community_center", star_level=2, operating_normally=False))
    ledger, findings = run_calc("linfen", 2024, sets=LINFEN_SETS, institutions=inst)
    assert amounts(ledger) == {"C1": 3_334, "C2": 3_333, "C3": 3_333}
    assert findings.filter(pl.col("institution_id") == "OFF")["rule"].to_list() == ["not_operating_normally"]


def test_linfen_weights_by_star():
    # weights 0-star 1, 3-star 3: budget 10,000 fen × 1/4 = 2,500 and × 3/4 = 7,500
    ledger, _ = run_calc("linfen", 2024, sets=LINFEN_SETS, institutions=[
        centre("Z", kind="township_center", star_level=0), centre("S", kind="community_center", star_level=3)])
    assert amounts(ledger) == {"Z": 2_500, "S": 7_500}


def test_linfen_without_a_budget_is_a_gap():
    ledger, findings = run_calc("linfen", 2024, institutions=[centre("C", kind="community_center", star_level=1)])
    assert lines(ledger, program="center_operating").height == 0
    msgs = findings.filter(pl.col("rule") == "policy_gap")["message"].to_list()
    assert any("community_factor_allocation.budget" in m for m in msgs)


@settings(max_examples=200, deadline=None)
@given(total=st.integers(0, 10**12), weights=st.lists(st.integers(0, 1000), min_size=1, max_size=30)
       .filter(lambda w: sum(w) > 0))
def test_allocation_always_adds_up_and_stays_within_a_fen(total, weights):
    df = pl.DataFrame({"institution_id": [f"I{i:03d}" for i in range(len(weights))], "weight": weights})
    parts = allocate(df, total).to_list()
    assert sum(parts) == total and all(p >= 0 for p in parts)
    wsum = sum(weights)
    for p, w in zip(parts, weights):
        exact_floor = total * w // wsum
        assert exact_floor <= p <= exact_floor + 1


def test_unstarred_score_is_read_exactly_as_given():
    # 绍兴 (五)4 "12万元×考核得分÷100": 120,000 × 85.125 ÷ 100 = 102,150.00 and 120,000 × 80.115 ÷ 100
    # = 96,138.00 — the score as written, never rounded to two decimals (nor 80.115's binary 80.11499…)
    ledger, _ = run_calc("shaoxing", 2024, institutions=[
        centre("A", assessment_score=85.125), centre("B", assessment_score=80.115)])
    assert amounts(ledger) == {"A": 102_150_00, "B": 96_138_00}
    assert "× 85.125 ÷ 100" in lines(ledger, institution_id="A")["basis"][0]
    # a local base of 120,000.01: 120,000.01 × 85.125 ÷ 100 = 102,150.0085125 → 102,150.01;
    # × 50 ÷ 100 = 60,000.005 → 60,000.01 (half away from zero, audit.money)
    ledger, _ = run_calc("shaoxing", 2024, sets=("center_township.unstarred_score_base=120000.01",),
                         institutions=[centre("A", assessment_score=85.125), centre("H", assessment_score=50)])
    assert amounts(ledger) == {"A": 102_150_01, "H": 60_000_01}
