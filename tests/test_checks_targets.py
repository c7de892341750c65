"""Institution and area targets: warnings computed exactly, missing data said plainly."""

from __future__ import annotations

from fractions import Fraction

import polars as pl

from audit.checks import run_checks
from audit.policy import load_pack
from test_checks_support import D, FakePack, dataset, institutions, residents, rule, staff


def nursing_rule(target):
    return rule("nursing_bed_share", "institution_target", clause="重点工作(三)3",
                metric="nursing_bed_share", min=target)


def test_nursing_bed_share_below_target_warns_and_exact_target_passes():
    insts = institutions(
        {"institution_id": "A", "beds": 100, "nursing_beds": 45},  # 45.0% < 58%
        {"institution_id": "B", "beds": 100, "nursing_beds": 58},  # exactly 58%: meets the target
        {"institution_id": "C", "beds": 0, "nursing_beds": 0},     # no beds: nothing to measure
        {"institution_id": "D", "beds": 3, "nursing_beds": 1, "kind": "community_center"},  # not residential
        {"institution_id": "E", "beds": 7, "nursing_beds": 4},     # 4/7 = 57.142…% → 57.1% < 58%
    )
    findings, _ = run_checks(dataset(insts), FakePack([nursing_rule(Fraction(58, 100))]), 2024)
    assert findings.select("institution_id", "rule", "severity").rows() == [
        ("A", "nursing_bed_share", "warning"), ("E", "nursing_bed_share", "warning")]
    assert findings["evidence"].to_list() == [
        "share=45.0% target=58% 「护理型床位数」=45 「核定床位数」=100",
        "share=57.1% target=58% 「护理型床位数」=4 「核定床位数」=7",
    ]
    assert findings["citation"][0] == "测试 文件 重点工作(三)3"


def test_social_workers_one_per_hundred_beds_rounded_up():
    insts = institutions(
        {"institution_id": "A", "beds": 250},  # ceil(250/100) = 3 needed; 2 at year end
        {"institution_id": "B", "beds": 100},  # 1 needed; 1 employed
        {"institution_id": "C", "beds": 101},  # ceil(101/100) = 2 needed; 1 employed
    )
    stf = staff(
        {"institution_id": "A", "role": "social_worker"},
        {"institution_id": "A", "role": "social_worker"},
        {"institution_id": "A", "role": "social_worker", "left_on": D(2024, 12, 30)},  # gone on Dec 31
        {"institution_id": "A", "role": "caregiver"},                                 # not a social worker
        {"institution_id": "B", "role": "social_worker"},
        {"institution_id": "C", "role": "social_worker"},
    )
    r = rule("social_worker_per_beds", "institution_target", clause="二(八)", metric="beds_per_social_worker", max=100)
    findings, _ = run_checks(dataset(insts, stf=stf), FakePack([r]), 2024)
    assert findings.select("institution_id", "severity").rows() == [("A", "warning"), ("C", "warning")]
    assert findings["evidence"].to_list() == [
        "required=3 actual=2 「核定床位数」=250 date=2024-12-31",
        "required=2 actual=1 「核定床位数」=101 date=2024-12-31",
    ]


def certified(inst, grade, first_aid, **extra):
    return {"institution_id": inst, "role": "caregiver", "care_certificate": grade,
            "first_aid_certificate": first_aid, **extra}


def area_pack():
    return FakePack([
        rule("senior", "area_target", clause="二(四)13", metric="senior_grade_share", min=Fraction(18, 100)),
        rule("first_aid", "area_target", clause="二(四)13", metric="first_aid_share", min=Fraction(70, 100)),
        rule("caregivers_10k", "area_target", clause="二(四)13", metric="certified_caregivers_per_10k", min=27),
    ])


def test_area_shares_per_county_and_per_10k_needs_population():
    insts = institutions(
        {"institution_id": "A1", "county": "甲县"}, {"institution_id": "A2", "county": "甲县"},
        {"institution_id": "B1", "county": "乙县"}, {"institution_id": "C1", "county": "丙县"},
    )
    stf = staff(
        # 甲县: 10 certified at year end: senior + technician = 2 → 20.0% ≥ 18%;
        # first aid 6 of 10 = 60.0% < 70% → warning
        certified("A1", "senior", True), certified("A1", "technician", True),
        *[certified("A1", "intermediate", True) for _ in range(3)],
        certified("A2", "junior", True), *[certified("A2", "junior", False) for _ in range(4)],
        certified("A2", "none", True),                                # not certified: in neither count
        certified("A2", "senior", True, left_on=D(2024, 6, 30)),      # left before year end
        {"institution_id": "A2", "role": "social_worker", "care_certificate": "senior", "first_aid_certificate": True},
        # 乙县: 4 certified, none senior → 0.0% < 18%; first aid 3 of 4 = 75.0% ≥ 70%
        *[certified("B1", "intermediate", True) for _ in range(3)], certified("B1", "junior", False),
        # 丙县: no certified caregivers → shares cannot be computed
    )
    findings, _ = run_checks(dataset(insts, stf=stf), area_pack(), 2024)
    warnings = findings.filter(pl.col("severity") == "warning").sort("rule", "evidence")
    assert warnings.select("rule", "evidence").rows() == [
        ("first_aid_share", "「所属区县」=甲县 share=60.0% target=70% first_aid=6 certified=10"),
        ("senior_grade_share", "「所属区县」=乙县 share=0.0% target=18% senior=0 certified=4"),
    ]
    assert warnings["institution_id"].null_count() == 2
    info = findings.filter(pl.col("severity") == "info").sort("rule")
    assert info["rule"].to_list() == ["certified_caregivers_per_10k", "first_aid_share", "senior_grade_share"]
    assert "老年人口" in info["message"][0]
    assert info["evidence"][1] == "「所属区县」=丙县 certified=0 target=70%"


def test_shipped_pack_targets_run_end_to_end():
    # Jiayuguan: nursing beds ≥ 55% (二(三)), one social worker per 100 beds (二(八)); area indicators
    # per 1,000 older people and lottery shares cannot be computed from the data → info, not guesses.
    pack = load_pack("jiayuguan")
    insts = institutions({"institution_id": "A", "beds": 40, "nursing_beds": 20})  # 50.0% < 55%; 1 SW needed
    findings, _ = run_checks(dataset(insts, residents(), staff()), pack, 2024)
    by_rule = dict(findings.filter(pl.col("institution_id") == "A").select("rule", "evidence").rows())
    assert by_rule["nursing_bed_share"] == "share=50.0% target=55% 「护理型床位数」=20 「核定床位数」=40"
    assert by_rule["beds_per_social_worker"] == "required=1 actual=0 「核定床位数」=40 date=2024-12-31"
    area_info = findings.filter(pl.col("institution_id").is_null() & (pl.col("severity") == "info"))
    assert {"social_workers_per_1k", "lottery_elderly_share"} <= set(area_info["rule"])
    assert not findings.filter(pl.col("rule") == "policy_gap").height
