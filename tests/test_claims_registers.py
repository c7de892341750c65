"""Outside registers override declarations (issue 12 §1), worked by hand with the
Shaoxing rates: a level-4 home pays 100 yuan per resident-month, the 低保 supplement is
50 yuan (绍兴 实施意见 重点工作(五)4)."""

from __future__ import annotations

import polars as pl

from test_calc_helpers import D, lines, run_calc

A = "330602195001010118"      # born 1950-01-01
B = "330602195001010126"
TURNS_60 = "330602196407150318"   # born 1964-07-15: 60 on 2024-07-15
YOUNG = "330602197003010217"      # born 1970-03-01
HOME = {"institution_id": "H", "rating_level": 4, "beds": 100, "newly_built": False,
        "registered_on": D(2015, 1, 1), "accepted_on": D(2015, 1, 1), "opened_on": D(2015, 1, 1)}


def resident(pid, **kw):
    return {"institution_id": "H", "person_id": pid, "admitted_on": D(2020, 1, 1), **kw}


def op(ledger):
    return {r["item"]: (r["quantity"], r["amount_fen"]) for r in lines(ledger, program="operating").iter_rows(named=True)}


def test_death_ends_residence_even_when_the_home_never_discharged():
    # died 10 May: in residence on the month-ends Jan–Apr only (30 Apr < 10 May ≤ 31 May)
    # → 4 × 100 = 400.00 approved; May–Dec = 8 × 100 = 800.00 cut, named in a finding
    ledger, findings = run_calc("shaoxing", 2024, institutions=[HOME], residents=[resident(A), resident(B)],
                                deaths=[{"person_id": A, "died_on": D(2024, 5, 10)}])
    assert op(ledger) == {"resident_months_level_4": (4 + 12, 1_600_00)}
    died = findings.filter(pl.col("rule") == "died")
    assert died.select("institution_id", "severity").rows() == [("H", "error")]
    assert died["evidence"].to_list() == [
        "person=3306**********0118 months=2024-05,2024-06,2024-07,2024-08,2024-09,2024-10,2024-11,2024-12 amount=800.00"]
    assert "2024-05-10" in died["message"][0] and A not in died["message"][0]


def test_low_income_supplement_only_for_months_on_the_roster_in_that_category():
    # A declared 低保 all year, on the roster as 低保 from 1 Jul: supplement Jul–Dec only → cut Jan–Jun 6 × 50 = 300.00
    # B declared 低保 but on the roster as 特困: the category does not match → all 12 × 50 = 600.00 cut
    ledger, findings = run_calc(
        "shaoxing", 2024, institutions=[HOME],
        residents=[resident(A, low_income="dibao"), resident(B, low_income="dibao")],
        assistance_roster=[{"person_id": A, "category": "dibao", "from": D(2024, 7, 1)},
                           {"person_id": B, "category": "tekun", "from": D(2010, 1, 1)}])
    assert op(ledger) == {"resident_months_level_4": (24, 2_400_00), "low_income_supplement": (6, 300_00)}
    cut = findings.filter(pl.col("rule") == "not_on_roster").sort("evidence")
    assert [e.split(" amount=")[1] for e in cut["evidence"]] == ["300.00", "600.00"]


def test_no_roster_given_means_declarations_stand():
    ledger, findings = run_calc("shaoxing", 2024, institutions=[HOME], residents=[resident(A, low_income="dibao")])
    assert op(ledger) == {"resident_months_level_4": (12, 1_200_00), "low_income_supplement": (12, 600_00)}
    assert findings.filter(pl.col("rule") == "not_on_roster").height == 0


def test_under_60_by_the_id_is_not_counted_and_cites_the_law():
    # TURNS_60 is 59 on 30 Jun, 60 on 15 Jul → Jul–Dec = 6 months; YOUNG (54) none
    ledger, findings = run_calc("shaoxing", 2024, institutions=[HOME], residents=[resident(TURNS_60), resident(YOUNG)])
    assert op(ledger) == {"resident_months_level_4": (6, 600_00)}
    young = findings.filter(pl.col("rule") == "under_60").sort("evidence")
    assert [e.split(" amount=")[1] for e in young["evidence"]] == ["1,200.00", "600.00"]   # …0217 YOUNG, …0318
    assert set(young["citation"]) == {"《中华人民共和国老年人权益保障法》第二条：“本法所称老年人是指六十周岁以上的公民”"}


def test_register_findings_add_up_to_the_ledger_difference():
    base = dict(institutions=[HOME], residents=[resident(A, low_income="dibao", care_level="full"),
                                                  resident(B, low_income="dibao"), resident(TURNS_60)])
    declared, _ = run_calc("shaoxing", 2024, **base)
    checked, findings = run_calc("shaoxing", 2024, **base, deaths=[{"person_id": A, "died_on": D(2024, 9, 1)}],
                                 assistance_roster=[{"person_id": B, "category": "dibao", "from": D(2024, 3, 15),
                                                     "until": D(2024, 10, 31)}])
    from audit.money import yuan_to_fen

    def cut_by(*rules):
        return sum(yuan_to_fen(e.split(" amount=")[1].replace(",", ""))
                   for e in findings.filter(pl.col("rule").is_in(rules))["evidence"])
    # by hand: A (full, dibao: 100 + 50 + 50) dead Sep–Dec: 4 × 200 = 800, and not on the roster
    # (which is given) Jan–Aug: 8 × 50 = 400; B on the roster Mar 31 … Sep 30 (not Oct 31, the exit
    # day): 7 months, 5 cut × 50 = 250 → 1,450 by the registers; TURNS_60 Jan–Jun 6 × 100 = 600 by age
    assert cut_by("died", "not_on_roster") == 1_450_00
    assert cut_by("under_60") == 600_00
    # the age rule needs no register: it applies to the declarations too; the registers' cut is the difference
    assert declared["amount_fen"].sum() - checked["amount_fen"].sum() == 1_450_00
