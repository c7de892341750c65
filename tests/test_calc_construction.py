"""Construction subsidies: the digest's worked examples, computed by hand from the clauses."""

from __future__ import annotations

import polars as pl

from test_calc_helpers import D, lines, run_calc

OPENED_2024 = dict(registered_on=D(2024, 3, 1), accepted_on=D(2024, 2, 1), opened_on=D(2024, 4, 1))


def home(iid="A", **kw):
    return {"institution_id": iid, **OPENED_2024, **kw}


def test_jiayuguan_100_new_self_built_beds_split_50_30_20():
    # 三(一): 100 beds × 10,000 yuan = 1,000,000 yuan; province 50% = 500,000,
    # provincial lottery 30% = 300,000, city lottery 20% = 200,000
    ledger, findings = run_calc("jiayuguan", 2024, institutions=[home(beds=100)])
    a = lines(ledger, institution_id="A", program="construction").sort("payer")
    assert a["payer"].to_list() == ["city_lottery", "province", "province_lottery"]
    assert a["amount_fen"].to_list() == [200_000_00, 500_000_00, 300_000_00]
    assert a["amount_fen"].sum() == 1_000_000_00
    assert set(a["quantity"]) == {100} and set(a["item"]) == {"self_built_beds"} and set(a["period"]) == {"2024"}
    assert set(a["citation"]) == {"嘉峪关 实施方案 三(一)"}
    assert "100 床 × 10,000.00 元/床 = 1,000,000.00 元" in a["basis"][0]
    assert findings.filter(pl.col("severity") == "error").height == 0


def test_jiayuguan_forprofit_gets_80_percent_8000_per_bed():
    # 10 beds × (10,000 × 80% = 8,000) = 80,000 → 40,000 / 24,000 / 16,000
    ledger, _ = run_calc("jiayuguan", 2024, institutions=[home(beds=10, profit_status="forprofit")])
    a = lines(ledger, institution_id="A").sort("payer")
    assert a["amount_fen"].to_list() == [16_000_00, 40_000_00, 24_000_00]
    assert "8,000.00 元/床" in a["basis"][0]


def test_jiayuguan_only_beds_not_subsidised_before():
    # 100 beds of which 40 subsidised before: 60 × 10,000 = 600,000
    ledger, _ = run_calc("jiayuguan", 2024, institutions=[home(beds=100, beds_subsidized_before=40)])
    assert ledger["amount_fen"].sum() == 600_000_00 and set(ledger["quantity"]) == {60}


def test_jiayuguan_leased_needs_five_years():
    # leased 4 years: not eligible (lease_term error); leased 5 years: 20 beds × 4,000 = 80,000
    ledger, findings = run_calc("jiayuguan", 2024, institutions=[
        home("SHORT", beds=20, premises="leased", lease_years=4.0),
        home("LONG", beds=20, premises="leased", lease_years=5.0)])
    assert lines(ledger, institution_id="SHORT").height == 0
    f = findings.filter(pl.col("institution_id") == "SHORT").row(0, named=True)
    # not eligible is info: it holds no payment (issue 11)
    assert (f["rule"], f["severity"], f["citation"]) == ("lease_term", "info", "嘉峪关 实施方案 三(一)")
    assert f["evidence"] == "「租期年限」=4.0 min_years=5"  # the contract's header (issue 16)
    long = lines(ledger, institution_id="LONG")
    assert long["amount_fen"].sum() == 80_000_00 and set(long["item"]) == {"leased_beds"}


def test_jiayuguan_split_of_odd_fen_adds_up_by_largest_remainder():
    # local rate 0.03 yuan/bed, 1 bed = 3 fen: exact 1.5 / 0.9 / 0.6 fen; floors 1/0/0,
    # 2 fen left go to the largest remainders 0.9 (province_lottery) and 0.6 (city_lottery)
    ledger, _ = run_calc("jiayuguan", 2024, sets=("construction.rate_self_built=0.03",),
                         institutions=[home(beds=1)])
    got = dict(zip(ledger["payer"], ledger["amount_fen"]))
    assert got == {"province": 1, "province_lottery": 1, "city_lottery": 1}


def test_not_registered_and_public_and_not_yet_due():
    ledger, findings = run_calc("jiayuguan", 2024, institutions=[
        home("NOREG", beds=30, registered_on=None),
        home("PUB", beds=30, ownership="public"),
        home("OLD", beds=30, registered_on=D(2019, 1, 1), accepted_on=D(2019, 1, 1), opened_on=D(2019, 1, 1))])
    assert ledger.filter(pl.col("program") == "construction").height == 0
    by = {(r["institution_id"], r["rule"]): r["severity"] for r in findings.iter_rows(named=True)}
    assert by[("NOREG", "not_registered")] == "info"
    assert by[("PUB", "not_eligible")] == "info"
    assert not any(i == "OLD" for i, _ in by)  # paid (or not) in 2019: nothing to say in 2024


def test_due_in_the_year_the_last_condition_is_met():
    # accepted 2023, registered 2023, but opened 2024-01-10 → due 2024, not 2023
    inst = [home(beds=10, registered_on=D(2023, 11, 1), accepted_on=D(2023, 10, 1), opened_on=D(2024, 1, 10))]
    assert run_calc("jiayuguan", 2023, institutions=inst)[0].height == 0
    assert run_calc("jiayuguan", 2024, institutions=inst)[0]["amount_fen"].sum() == 10 * 10_000_00


def test_shaoxing_leased_three_year_schedule():
    # 重点工作(五)3: leased ≥ 3 years, 800 yuan/bed per year for 3 years; 60 beds → 48,000 a year,
    # registered 2023 → lines in 2023, 2024, 2025 (year_1..3) and none in 2026
    inst = [{"institution_id": "L", "beds": 60, "premises": "leased", "lease_years": 5.0,
             "registered_on": D(2023, 5, 6), "accepted_on": D(2023, 4, 20), "opened_on": D(2023, 5, 15)}]
    for year, item in ((2023, "leased_beds_year_1"), (2024, "leased_beds_year_2"), (2025, "leased_beds_year_3")):
        ledger, _ = run_calc("shaoxing", year, institutions=inst)
        city = lines(ledger, program="construction", rule="construction_city")
        assert city["item"].to_list() == [item] and city["amount_fen"].to_list() == [48_000_00]
        assert city["period"].to_list() == [str(year)] and city["payer"].to_list() == ["city"]
    assert lines(run_calc("shaoxing", 2026, institutions=inst)[0], program="construction").height == 0


def test_shaoxing_bed_minimum_and_province_gap():
    # 18 beds < 20: bed_minimum error; a 40-bed home gets 40 × 4,000 = 160,000 from the city,
    # and the provincial rate is a gap: one policy_gap finding, no provincial line
    ledger, findings = run_calc("shaoxing", 2024, institutions=[
        home("SMALL", beds=18), home("OK", beds=40)])
    assert lines(ledger, institution_id="SMALL").height == 0
    assert findings.filter((pl.col("institution_id") == "SMALL") & (pl.col("rule") == "bed_minimum")).height == 1
    ok = lines(ledger, institution_id="OK", program="construction")
    assert ok["amount_fen"].to_list() == [160_000_00] and ok["rule"].to_list() == ["construction_city"]
    gap = findings.filter(pl.col("rule") == "policy_gap").row(0, named=True)
    assert gap["severity"] == "warning" and "construction_province.rate_self_built" in gap["message"]
    assert "--set construction_province.rate_self_built=" in gap["message"] and "affected=1" in gap["evidence"]


def nursing(n_nursing, beds=20):
    inst = [home("N", beds=beds, nursing_type=True)]
    res = [{"institution_id": "N", "person_id": f"33060219500101{i:04d}", "admitted_on": D(2024, 6, 1),
            "care_level": "full" if i % 2 else "partial"} for i in range(n_nursing)]
    res.append({"institution_id": "N", "person_id": "330602195001019999", "admitted_on": D(2024, 6, 1),
                "care_level": "self_care"})
    return run_calc("shaoxing", 2024, institutions=inst, residents=res)


def test_shaoxing_nursing_bonus_at_sixty_percent_occupancy():
    # 12 partial/full residents ÷ 20 beds = 60% ≥ 60% → 20 × 1,400 = 28,000 (self-care residents do not count)
    ledger, _ = nursing(12)
    bonus = lines(ledger, item="nursing_type_bonus")
    assert bonus["amount_fen"].to_list() == [28_000_00] and bonus["quantity"].to_list() == [20]


def test_shaoxing_nursing_bonus_below_threshold():
    # 11 ÷ 20 = 55% < 60%: no bonus, an info finding with the figures
    ledger, findings = nursing(11)
    assert lines(ledger, item="nursing_type_bonus").height == 0
    f = findings.filter(pl.col("rule") == "nursing_occupancy").row(0, named=True)
    assert f["evidence"] == "nursing_residents=11 「核定床位数」=20 date=2024-12-31" and f["severity"] == "info"


def test_shaoxing_renovation_share_is_a_gap_until_set():
    # 40%–60% band: a gap; with --set renovation.share=50%: 1,000,000 × 50% = 500,000
    inst = [{"institution_id": "R", "kind": "institution", "ownership": "public", "rating_level": 2,
             "investment_final_fen": 1_000_000_00, "is_tekun": True},
            {"institution_id": "R1", "kind": "institution", "ownership": "public", "rating_level": 1,
             "investment_final_fen": 1_000_000_00, "is_tekun": True}]
    ledger, findings = run_calc("shaoxing", 2024, institutions=inst)
    assert lines(ledger, item="renovation_share").height == 0
    assert findings.filter((pl.col("rule") == "policy_gap") & pl.col("message").str.contains("renovation.share")).height == 1
    ledger, findings = run_calc("shaoxing", 2024, sets=("renovation.share=50%",), institutions=inst)
    assert lines(ledger, item="renovation_share")["amount_fen"].to_list() == [500_000_00]
    assert findings.filter((pl.col("institution_id") == "R1") & (pl.col("rule") == "rating_below_minimum")).height == 1


def test_shaoxing_nursing_bonus_is_paid_once():
    # registered 2024-03-01 with 12 of 20 beds in nursing care from 2024-06-01: reached at the end of 2024
    # (paid in 2024: 20 × 1,400 = 28,000); at the end of 2025 still reached → not listed again
    inst = [home("N", beds=20, nursing_type=True)]
    res = [{"institution_id": "N", "person_id": f"33060219500101{i:04d}", "admitted_on": D(2024, 6, 1),
            "care_level": "full"} for i in range(12)]
    assert lines(run_calc("shaoxing", 2024, institutions=inst, residents=res)[0],
                 item="nursing_type_bonus")["amount_fen"].to_list() == [28_000_00]
    ledger, findings = run_calc("shaoxing", 2025, institutions=inst, residents=res)
    assert lines(ledger, item="nursing_type_bonus").height == 0
    assert findings.filter(pl.col("rule") == "nursing_bonus_earlier")["evidence"].to_list() == ["first_year=2024"]


def test_rules_not_in_force_are_said_not_computed():
    # the Shaoxing pack applies from 2023-01-01: a 2022 run computes nothing and says so per rule
    ledger, findings = run_calc("shaoxing", 2022, institutions=[home(beds=40, registered_on=D(2022, 3, 1))])
    assert ledger.height == 0
    nif = findings.filter(pl.col("rule") == "not_in_force")
    assert "rule=construction_city year=2022" in nif["evidence"].to_list() and set(nif["severity"]) == {"info"}


def test_jiayuguan_blank_profit_status_is_paid_as_for_profit():
    # 三(一): 10,000 a bed, for-profit 80%. 31 beds with 营利性质 blank are paid as for-profit:
    # 31 × 10,000 × 80% = 248,000.00 (the 62,000.00 more if non-profit is audit.stake's warning)
    ledger, findings = run_calc("jiayuguan", 2024, institutions=[home(beds=31, profit_status=None)])
    assert lines(ledger, institution_id="A", program="construction")["amount_fen"].sum() == 248_000_00
    assert all("未填写营利性质，按营利性计" in b for b in lines(ledger, program="construction")["basis"])
    assert findings.filter(pl.col("institution_id") == "A")["severity"].to_list() == []


def test_shaoxing_renovation_is_for_jinglaoyuan_only():
    # 重点工作(五)3 "对改造提升后达到二级以上的敬老院": a private level-3 home's investment is no
    # renovation grant (info); a home that does not say whether it is a 敬老院 is held, warned
    base = {"kind": "institution", "rating_level": 3, "investment_final_fen": 1_000_000_00}
    inst = [{"institution_id": "P", "ownership": "private", "is_tekun": False, **base},
            {"institution_id": "Q", "ownership": "public", "is_tekun": None, **base},
            {"institution_id": "T", "ownership": "public", "is_tekun": True, **base}]
    ledger, findings = run_calc("shaoxing", 2024, sets=("renovation.share=50%",), institutions=inst)
    assert lines(ledger, item="renovation_share").select("institution_id", "amount_fen").rows() == [("T", 500_000_00)]
    out = findings.filter(pl.col("rule") == "not_eligible").sort("institution_id")
    assert out.select("institution_id", "severity").rows() == [("P", "info"), ("Q", "warning")]
    assert "敬老院" in out["message"][1] and "「投资决算额」=1,000,000.00" in out["evidence"][1]


def test_a_blank_profit_status_goes_with_an_open_forprofit_share(tmp_path):
    # jiayuguan with 三(一)'s for-profit share left open: a for-profit home and a home with
    # 营利性质 blank (it may be for-profit) are both in the policy gap, not the blank one paid
    # 100,000.00 in full without a word; the non-profit home is paid 10 × 10,000
    from importlib.resources import files

    from audit.policy import load_pack
    from test_calc_helpers import tables
    from audit.calc import compute

    text = (files("audit.policy") / "packs" / "jiayuguan.yaml").read_text(encoding="utf-8")
    assert text.count('        value: "80%"') == 1
    pack = tmp_path / "jiayuguan_open.yaml"
    pack.write_text(text.replace('        value: "80%"', "        gap: true\n        note: 测试 / test"), encoding="utf-8")
    homes = [home("N", beds=10), home("B", beds=10, profit_status=None), home("F", beds=10, profit_status="forprofit")]
    ledger, findings, _ = compute(tables(institutions=homes), load_pack(str(pack)), 2024)
    paid = lines(ledger, program="construction").group_by("institution_id").agg(pl.col("amount_fen").sum()).rows()
    assert paid == [("N", 100_000_00)]
    gap = findings.filter(pl.col("rule") == "policy_gap")
    assert gap.height == 1 and "2 个机构" in gap["message"][0]


def test_shaoxing_later_lease_year_with_beds_recorded_as_subsidised_names_the_money():
    # 重点工作(五)3 "租用用房…按核定床位数给予每张床位不低于800元的补助,连补3年": year 2 (2024) of a
    # schedule due 2023-05-06 pays the approved beds again. The bureau recorded the beds as
    # subsidised after year 1: ALL (60 of 60) → no line, and a warning with 60 × 800 = 48,000.00;
    # PART (20 of 60) → 40 × 800 = 32,000.00 paid and a warning with 20 × 800 = 16,000.00.
    dates = dict(registered_on=D(2023, 5, 6), accepted_on=D(2023, 4, 20), opened_on=D(2023, 5, 15))
    leased = dict(beds=60, premises="leased", lease_years=5.0, **dates)
    inst = [{"institution_id": "ALL", "beds_subsidized_before": 60, **leased},
            {"institution_id": "PART", "beds_subsidized_before": 20, **leased}]
    ledger, findings = run_calc("shaoxing", 2024, institutions=inst)
    city = lines(ledger, program="construction", rule="construction_city")
    assert city["institution_id"].to_list() == ["PART"] and city["amount_fen"].to_list() == [32_000_00]
    held = findings.filter(pl.col("rule") == "lease_part_beds_subsidised").sort("institution_id")
    assert held["institution_id"].to_list() == ["ALL", "PART"] and set(held["severity"]) == {"warning"}
    assert "amount=48,000.00" in held["evidence"][0] and "amount=16,000.00" in held["evidence"][1]
    # year 1 (2023): beds subsidised before the schedule are rightly left out, no such warning
    _, first = run_calc("shaoxing", 2023, institutions=inst)
    assert first.filter(pl.col("rule") == "lease_part_beds_subsidised").height == 0
