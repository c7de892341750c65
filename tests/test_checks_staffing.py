"""Staffing ratio checks: expectations worked out by hand from the clauses."""

from __future__ import annotations

import polars as pl
import pytest

from audit.checks import run_checks
from test_checks_support import D, FakePack, dataset, institutions, residents, rule, staff

JIAYUGUAN = {"full": 3, "partial": 6, "self_care": 10}  # 二(三): 1:3, 1:6, 1:10
DONGYANG = {"full": 3, "partial": 6, "self_care": 15}   # 二(四)13: 1:3, 1:6, 1:15


def ratio_rule(rule_id="staffing", table=JIAYUGUAN, **extra):
    return rule(rule_id, "staffing_ratio", clause="二(三)", residents_per_caregiver=table,
                rounding="ceil_total", **extra)


def people(inst, level, n, prefix):
    return [{"institution_id": inst, "person_id": f"{prefix}{i:014d}", "care_level": level} for i in range(n)]


def test_nine_twelve_thirty_needs_eight_and_six_and_a_half_is_short():
    # 9/3 + 12/6 + 30/10 = 3 + 2 + 3 = 8 caregivers; 6 full-time + 1 half-time = 6.5 → 1.5 short
    res = residents(*people("A", "full", 9, "1101"), *people("A", "partial", 12, "1102"),
                    *people("A", "self_care", 30, "1103"))
    stf = staff(*[{"institution_id": "A"} for _ in range(6)], {"institution_id": "A", "fte": 0.5})
    findings, staffing = run_checks(dataset(institutions({"institution_id": "A"}), res, stf),
                                    FakePack([ratio_rule()]), 2024)
    june = staffing.filter(pl.col("month_end") == D(2024, 6, 30)).row(0, named=True)
    assert (june["residents_full"], june["residents_partial"], june["residents_self_care"]) == (9, 12, 30)
    assert (june["required"], june["actual"], june["shortfall"]) == (8, 6.5, 1.5)
    assert staffing.height == 12 and staffing["month_end"].is_sorted()
    short = findings.filter(pl.col("rule") == "staffing_ratio")
    assert short.height == 12 and set(short["severity"]) == {"error"}
    row = short.filter(pl.col("period") == "2024-06").row(0, named=True)
    assert row["evidence"] == "required=8 actual=6.5 month=2024-06"
    assert row["institution_id"] == "A" and row["citation"] == "测试 文件 二(三)"
    assert "缺 1.5 人" in row["message"]


def test_rounding_is_on_the_total_not_per_level():
    # 1 full, 1 partial, 1 self-care: 1/3 + 1/6 + 1/10 = 10/30 + 5/30 + 3/30 = 18/30 → ceil = 1
    # (rounding each level up would give 3)
    res = residents(*people("A", "full", 1, "1101"), *people("A", "partial", 1, "1102"),
                    *people("A", "self_care", 1, "1103"))
    stf = staff({"institution_id": "A"})
    findings, staffing = run_checks(dataset(institutions({"institution_id": "A"}), res, stf),
                                    FakePack([ratio_rule()]), 2024)
    assert set(staffing["required"]) == {1}
    assert findings.filter(pl.col("rule") == "staffing_ratio").is_empty()


def test_hires_leavers_and_stays_at_month_boundaries():
    res = residents(
        # in residence at Jan–Apr month-ends; discharged on May 31 so not counted that day
        {"institution_id": "A", "person_id": "110101195001011234", "care_level": "full",
         "discharged_on": D(2024, 5, 31)},
        # admitted on June 30 → counted on June 30
        {"institution_id": "A", "person_id": "110101195001015678", "care_level": "full",
         "admitted_on": D(2024, 6, 30)},
    )
    stf = staff(
        {"institution_id": "A", "fte": 0.5, "hired_on": D(2024, 1, 31)},  # counts from Jan 31
        {"institution_id": "A", "fte": 1.0, "left_on": D(2024, 3, 31)},   # still counts on Mar 31
        {"institution_id": "A", "fte": 0.25, "hired_on": D(2023, 1, 1), "left_on": D(2024, 1, 30)},  # gone by Jan 31
        {"institution_id": "A", "fte": 0.3, "hired_on": D(2024, 2, 1)},   # from Feb 29 on
        {"institution_id": "A", "role": "social_worker", "fte": 1.0},     # not a caregiver
    )
    findings, staffing = run_checks(dataset(institutions({"institution_id": "A"}), res, stf),
                                    FakePack([ratio_rule()]), 2024)
    by_month = {r["month_end"].month: r for r in staffing.iter_rows(named=True)}
    # Jan 31: 0.5 + 1.0 = 1.5; Feb 29 and Mar 31: 0.5 + 1.0 + 0.3 = 1.8; from Apr 30: 0.5 + 0.3 = 0.8
    assert [by_month[m]["actual"] for m in (1, 2, 3, 4, 12)] == [1.5, 1.8, 1.8, 0.8, 0.8]
    # one full-disability resident needs ceil(1/3) = 1; none on May 31
    assert [by_month[m]["required"] for m in range(1, 13)] == [1, 1, 1, 1, 0] + [1] * 7
    periods = findings.filter(pl.col("rule") == "staffing_ratio")["period"].to_list()
    assert periods == ["2024-04"] + [f"2024-{m:02d}" for m in range(6, 13)]
    assert findings.filter(pl.col("period") == "2024-04")["evidence"].item() == "required=1 actual=0.8 month=2024-04"


def test_care_level_change_splits_a_stay_and_missing_level_counts_as_self_care():
    pid = "110101195001011234"
    res = residents(
        {"institution_id": "A", "person_id": pid, "care_level": "self_care", "discharged_on": D(2024, 3, 15)},
        {"institution_id": "A", "person_id": pid, "care_level": "full", "admitted_on": D(2024, 3, 15)},
        {"institution_id": "A", "person_id": "110101195001015678", "care_level": None},
    )
    findings, staffing = run_checks(dataset(institutions({"institution_id": "A"}), res, staff()),
                                    FakePack([ratio_rule()]), 2024)
    feb = staffing.filter(pl.col("month_end") == D(2024, 2, 29)).row(0, named=True)
    mar = staffing.filter(pl.col("month_end") == D(2024, 3, 31)).row(0, named=True)
    assert (feb["residents_self_care"], feb["residents_full"], feb["residents_unknown"]) == (1, 0, 1)
    assert (mar["residents_self_care"], mar["residents_full"], mar["residents_unknown"]) == (0, 1, 1)
    # Feb: 2 self-care (one unknown) → ceil(2/10) = 1; Mar: 1/3 + 1/10 = 13/30 → 1
    assert (feb["required"], mar["required"]) == (1, 1)
    info = findings.filter(pl.col("severity") == "info")
    assert info.height == 1 and info["evidence"].item() == "unknown_care_level_max=1 rule=staffing"


def test_tekun_only_rule_applies_to_tekun_institutions_only():
    insts = institutions({"institution_id": "T", "is_tekun": True}, {"institution_id": "P", "is_tekun": False})
    res = residents(*people("T", "full", 3, "1101"), *people("P", "full", 3, "1102"))
    findings, staffing = run_checks(dataset(insts, res, staff()),
                                    FakePack([ratio_rule("dongyang", DONGYANG, tekun_only=True)]), 2024)
    assert set(staffing["institution_id"]) == {"T"}
    assert set(findings.filter(pl.col("rule") == "staffing_ratio")["institution_id"]) == {"T"}
    # 3 full / 3 = 1 required, none employed
    assert findings["evidence"][0] == "required=1 actual=0 month=2024-01"


def test_each_staffing_rule_of_a_pack_is_evaluated():
    res = residents(*people("A", "self_care", 30, "1103"))
    stf = staff({"institution_id": "A"}, {"institution_id": "A"})
    pack = FakePack([ratio_rule("jiayuguan", JIAYUGUAN), ratio_rule("dongyang", DONGYANG)])
    findings, staffing = run_checks(dataset(institutions({"institution_id": "A"}), res, stf), pack, 2024)
    # 30/10 = 3 (short by 1 with 2 caregivers); 30/15 = 2 (enough)
    required = staffing.group_by("rule").agg(pl.col("required").max()).sort("rule")
    assert required.rows() == [("dongyang", 2), ("jiayuguan", 3)]
    assert findings.filter(pl.col("rule") == "staffing_ratio").height == 12


def test_months_before_the_rule_starts_are_not_checked():
    res = residents(*people("A", "full", 3, "1101"))
    r = rule("late", "staffing_ratio", start=D(2024, 7, 1), residents_per_caregiver=JIAYUGUAN)
    findings, staffing = run_checks(dataset(institutions({"institution_id": "A"}), res, staff()), FakePack([r]), 2024)
    assert staffing["month_end"].dt.month().to_list() == [7, 8, 9, 10, 11, 12]
    assert findings.height == 6


def test_a_gap_in_the_ratio_table_is_a_policy_gap_finding_not_a_pass():
    res = residents(*people("A", "full", 3, "1101"))
    r = ratio_rule(table={"full": 3, "partial": None, "self_care": 10})
    findings, staffing = run_checks(dataset(institutions({"institution_id": "A"}), res, staff()), FakePack([r]), 2024)
    assert staffing.is_empty()
    assert findings.select("rule", "severity").rows() == [("policy_gap", "warning")]
    assert "partial" in findings["message"].item()


def test_english_messages():
    res = residents(*people("A", "full", 3, "1101"))
    findings, _ = run_checks(dataset(institutions({"institution_id": "A"}), res, staff()),
                             FakePack([ratio_rule()]), 2024, lang="en")
    assert findings["message"][0].startswith("Caregivers short at month-end 2024-01")


@pytest.mark.parametrize("kind", ["township_center", "community_center"])
def test_home_care_centres_are_not_residential_institutions(kind):
    res = residents(*people("C", "full", 3, "1101"))
    findings, staffing = run_checks(dataset(institutions({"institution_id": "C", "kind": kind}), res, staff()),
                                    FakePack([ratio_rule()]), 2024)
    assert staffing.is_empty() and findings.is_empty()


def test_overlapping_rows_of_one_person_count_once_with_the_latest_level():
    # a validation error elsewhere; here the person must not be counted twice:
    # Mar 31: only the self-care row (1/10 → 1); Apr 30 on: the full row admitted Apr 1 wins (1/3 → 1),
    # and never 1 self-care + 1 full
    pid = "110101195001011234"
    res = residents(
        {"institution_id": "A", "person_id": pid, "care_level": "self_care"},
        {"institution_id": "A", "person_id": pid, "care_level": "full", "admitted_on": D(2024, 4, 1)},
    )
    _, staffing = run_checks(dataset(institutions({"institution_id": "A"}), res, staff()),
                             FakePack([ratio_rule()]), 2024)
    levels = staffing.select("residents_self_care", "residents_full").rows()
    assert levels == [(1, 0)] * 3 + [(0, 1)] * 9


def test_a_gap_in_tekun_only_stops_the_rule_instead_of_guessing_its_scope():
    res = residents(*people("A", "full", 3, "1101"))
    r = ratio_rule(tekun_only=None)
    findings, staffing = run_checks(dataset(institutions({"institution_id": "A"}), res, staff()), FakePack([r]), 2024)
    assert staffing.is_empty()
    assert findings.select("rule", "evidence").rows() == [("policy_gap", "rule=staffing param=tekun_only")]


def test_part_timers_with_no_fte_make_the_figure_a_bound_said_in_words():
    """A 兼职 caregiver with no 工时折算 counts 1 (audit.data.normalise marks fte_assumed): the
    staff on duty is then at most the figure, so the shortfall is a range, and a month met
    only by counting them fully may be short. 9 full-care residents at 1:3 need 3."""
    res = residents(*people("A", "full", 9, "1101"), *people("B", "full", 9, "1102"))
    stf = staff(*[{"institution_id": i} for i in "AABBB"]).with_columns(    # A: 2, B: 3 counted
        pl.Series("fte_assumed", [False, True, False, False, True]))           # one part-timer each
    findings, _ = run_checks(dataset(institutions({"institution_id": "A"}, {"institution_id": "B"}), res, stf),
                             FakePack([ratio_rule()]), 2024)
    june = findings.filter((pl.col("rule") == "staffing_ratio") & (pl.col("period") == "2024-06")).sort("institution_id")
    a, b = june.rows(named=True)
    # A: required 3, on duty at most 2 → at least 1, at most 2 short (if the part-timer worked 0)
    assert a["severity"] == "error"
    assert "实际在岗折算最多 2 人" in a["message"] and "至少缺 1 人、最多缺 2 人" in a["message"]
    assert a["evidence"] == "required=3 actual=2 month=2024-06 fte_assumed=1 bound=upper"
    # B: 3 on duty only if the part-timer is full-time: a warning, up to 1 short
    assert b["severity"] == "warning" and "可能不足" in b["message"] and "最多缺 1 人" in b["message"]
