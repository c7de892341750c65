"""Every rule kind and check settles any period (issue 11 "Periods"): month counts over the
period's own months, one-off amounts in the period holding their due day, annual amounts
split by months only where the clause says so. Each expected value is worked out by hand
from the seed clause quoted beside it (audit/policy/packs/sources/*.txt)."""

from __future__ import annotations

import polars as pl
import pytest

from audit.calc import compute
from audit.checks import run_checks
from audit.dates import Period
from audit.policy import PACK_DIR, load_pack
from test_calc_helpers import D, tables

OLD = dict(registered_on=D(2015, 1, 1), accepted_on=D(2015, 1, 1), opened_on=D(2015, 1, 1))


def calc(pack, period, sets=(), **tabs):
    p = Period.parse(period)
    ledger, findings, _ = compute(tables(**tabs), load_pack(pack, sets=sets), p.end.year, period=p)
    return ledger, findings


def checks(pack, period, **tabs):
    class Data:
        pass
    data = Data()
    data.tables = tables(**tabs)
    return run_checks(data, load_pack(pack), Period.parse(period))


def amounts(ledger, **where):
    for c, v in where.items():
        ledger = ledger.filter(pl.col(c) == v)
    return {r["item"]: (r["quantity"], r["amount_fen"]) for r in ledger.iter_rows(named=True)}


# ------------------------------------------------------------------ resident-months (绍兴 重点工作(五)4)
# "按入住6个月以上且为本行政区域户籍(县级)的老年人实有入住数 … 按一至五级分别给予每人每月不低于30元、50元、
#  80元,、100元、150元的补助。接收失能、失智老年人入住的 … 每人每月再增加50元"

def sx_home(iid="H", level=4):
    return {"institution_id": iid, "rating_level": level, "beds": 100, "newly_built": False, **OLD}


def sx_person(n, admitted, iid="H", **kw):
    return {"institution_id": iid, "person_id": f"3306021950010{n:05d}", "admitted_on": admitted, **kw}


@pytest.mark.parametrize("period, months", [
    ("2024", 7), ("2024H1", 1), ("2024H2", 6), ("2024Q1", 0), ("2024Q2", 1), ("2024-06", 1), ("2024-05", 0)])
def test_a_half_year_counts_its_own_months_only(period, months):
    # admitted 2023-12-31: six months complete on 2024-06-30 (民法典 第二百零二条), so the year
    # counts June–December = 7; 2024H1 only June (1 × 100.00), 2024H2 July–December (6 × 100.00):
    # the halves add up to the year, and no half is paid the year's 700.00
    ledger, _ = calc("shaoxing", period, institutions=[sx_home()], residents=[sx_person(1, D(2023, 12, 31))])
    got = amounts(ledger, program="operating")
    assert got == ({"resident_months_level_4": (months, months * 100_00)} if months else {})
    assert set(ledger["period"]) <= {Period.parse(period).label}


def test_a_long_resident_with_dementia_in_the_first_half_year():
    # since 2020, partial care and 失智: Jan–Jun = 6 months × (100 + 50) — never the year's 12
    ledger, _ = calc("shaoxing", "2024H1", institutions=[sx_home()],
                     residents=[sx_person(1, D(2020, 5, 5), care_level="partial", dementia=True)])
    assert amounts(ledger) == {"resident_months_level_4": (6, 600_00), "disability_supplement": (6, 300_00)}
    assert set(ledger["period"]) == {"2024H1"}


@pytest.mark.parametrize("written", ["2023-07..2024-06", "2023H2..2024H1", "２０２３Ｈ２..２０２４Ｈ１"])
def test_a_period_across_the_year_end(written):
    # "2023年下半年和2024年上半年": admitted 2023-03-15, six months on 2023-09-15 ≤ 30 September →
    # September 2023 … June 2024 = 4 + 6 = 10 months × 100.00 = 1,000.00
    ledger, _ = calc("shaoxing", written, institutions=[sx_home()], residents=[sx_person(1, D(2023, 3, 15))])
    assert amounts(ledger) == {"resident_months_level_4": (10, 1_000_00)}
    assert ledger["period"].to_list() == ["2023-07..2024-06"]


# ------------------------------------------------------------------ one-off construction (嘉峪关 三(一))
# "对建成通过验收且依法登记、备案并投入运营的社会办非营利性养老机构 … 用房自建的新增床位每张补贴1万元 …
#  补贴所需资金省级财政预算安排50%,省级福利彩票公益金安排30%,市级福利彩票公益金安排20%"

JYG = {"institution_id": "N", "beds": 10, "registered_on": D(2024, 1, 10), "accepted_on": D(2024, 5, 10),
       "opened_on": D(2024, 5, 20)}


@pytest.mark.parametrize("period, due", [("2024", True), ("2024H1", True), ("2024H2", False), ("2024Q2", True),
                                         ("2024-05", True), ("2024-04", False), ("2023-07..2024-06", True)])
def test_a_one_off_subsidy_is_due_in_the_period_holding_its_due_day(period, due):
    # due on 2024-05-20 (opened, the last condition): 10 beds × 10,000 = 100,000.00, split
    # 50,000.00 / 30,000.00 / 20,000.00 — in every period holding that day, in no other
    ledger, _ = calc("jiayuguan", period, institutions=[JYG])
    got = dict(ledger.select("payer", "amount_fen").rows())
    assert got == ({"province": 50_000_00, "province_lottery": 30_000_00, "city_lottery": 20_000_00} if due else {})


def test_a_leased_schedule_line_falls_due_on_the_anniversary():
    # 绍兴 重点工作(五)3 "租用用房且租期3年以上的,按核定床位数给予每张床位不低于800元的补助,连补3年": 30 leased beds due 2023-08-15
    # (registered); the second year's line 30 × 800 = 24,000.00 falls due 2024-08-15: in 2024
    # and 2024H2, not in 2024H1
    home = {"institution_id": "L", "beds": 30, "premises": "leased", "lease_years": 5, "newly_built": True,
            "registered_on": D(2023, 8, 15), "accepted_on": D(2023, 8, 1), "opened_on": D(2023, 8, 1)}
    for period, want in (("2024", 24_000_00), ("2024H2", 24_000_00), ("2024H1", 0)):
        ledger, _ = calc("shaoxing", period, institutions=[home])
        city = ledger.filter(pl.col("rule") == "construction_city")
        assert int(city["amount_fen"].sum()) == want, period
        if want:
            assert city["item"].to_list() == ["leased_beds_year_2"]


# ------------------------------------------------------------------ annual amounts (绍兴 重点工作(五)4)
# "城乡社区级按要求正常运营的,给予1万元的基础补贴,每年再分别按一至三星级给予3万、5万、7万元的补助"

CENTRE = {"institution_id": "C1", "kind": "community_center", "ownership": "public", "star_level": 1}


def test_an_annual_centre_grant_is_not_split_for_a_half_year_and_says_so():
    ledger, _ = calc("shaoxing", "2024", institutions=[CENTRE])
    assert int(ledger["amount_fen"].sum()) == 40_000_00            # 10,000 + 30,000 a year
    ledger, findings = calc("shaoxing", "2024H1", institutions=[CENTRE])
    assert ledger.height == 0                                       # never the year's 40,000.00 for six months
    f = findings.filter(pl.col("rule") == "annual_not_split").row(0, named=True)
    assert f["severity"] == "warning" and "40,000.00" in f["message"] and "prorate_by_months" in f["message"]


def test_a_period_holding_a_whole_year_pays_that_year_and_reports_the_part_year():
    # 2023-07..2024-12 holds all of 2024 (40,000.00) and half of 2023 (not split)
    ledger, findings = calc("shaoxing", "2023-07..2024-12", institutions=[CENTRE])
    assert int(ledger["amount_fen"].sum()) == 40_000_00 and set(ledger["period"]) == {"2023-07..2024-12"}
    assert "part_year_months=6" in findings.filter(pl.col("rule") == "annual_not_split")["evidence"][0]


@pytest.fixture
def monthly_pack(tmp_path):
    """绍兴 with a local clause that splits the community-centre grant by months (a county
    that writes "按月折算" would quote it here)."""
    text = (PACK_DIR / "shaoxing.yaml").read_text(encoding="utf-8")
    anchor = "        value: [community_center]\n        quote: 城乡社区级按要求正常运营的\n"
    assert text.count(anchor) == 1
    text = text.replace(anchor, anchor + "      prorate_by_months:\n        unit: bool\n        value: true\n"
                        "        quote: 按要求正常运营的\n").replace("id: shaoxing\n", "id: shaoxing_monthly\n")
    path = tmp_path / "monthly.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_prorated_annual_amount_splits_by_months_and_the_quarters_add_up_to_the_year(monthly_pack):
    # 1-star at a local 30,000.01 a year + base 10,000.00: the star line A = 3,000,001 fen; the
    # months a..b of a year carry round(A × b/12) − round(A × (a−1)/12):
    #   Q1 round(750,000.25) = 750,000; Q2 round(1,500,000.5) − 750,000 = 750,001;
    #   Q3 round(2,250,000.75) − 1,500,001 = 750,000; Q4 3,000,001 − 2,250,001 = 750,000 (sum 3,000,001)
    sets = ("center_community.rate_by_star.1=30000.01",)
    got = {}
    for q in ("2024Q1", "2024Q2", "2024Q3", "2024Q4", "2024H1"):
        p = Period.parse(q)
        ledger, findings, _ = compute(tables(institutions=[CENTRE]), load_pack(monthly_pack, sets=sets), 2024, period=p)
        got[q] = dict(ledger.select("item", "amount_fen").rows())
        assert "annual_not_split" not in set(findings["rule"])
    assert [got[q]["star_1"] for q in ("2024Q1", "2024Q2", "2024Q3", "2024Q4")] == [750_000, 750_001, 750_000, 750_000]
    assert got["2024H1"] == {"star_1": 1_500_001, "base_amount": 500_000}       # base 1,000,000 × 6/12
    assert sum(got[q]["base_amount"] for q in ("2024Q1", "2024Q2", "2024Q3", "2024Q4")) == 10_000_00


# ------------------------------------------------------------------ premiums (东阳 6.)
# "对非营利性养老服务机构的保费,财政补助三分之二"

PREMIUMS = [{"institution_id": "I", "year": 2023, "premium_fen": 3_000_00},
            {"institution_id": "I", "year": 2024, "premium_fen": 3_000_00}]


def test_premiums_are_settled_by_the_whole_years_a_period_holds():
    home = {"institution_id": "I", **OLD}
    ledger, findings = calc("dongyang", "2024H1", institutions=[home], insurance=PREMIUMS)
    assert ledger.height == 0
    f = findings.filter(pl.col("rule") == "annual_not_split").row(0, named=True)
    assert f["severity"] == "warning" and "3,000.00" in f["message"]
    # 2023-07..2024-12: the 2024 premium (2/3 = 2,000.00 + own 1,000.00); 2023's months are
    # settled by 2023's rules, and 东阳's premium rule (from 2024-02-20) holds in none of them
    ledger, findings = calc("dongyang", "2023-07..2024-12", institutions=[home], insurance=PREMIUMS)
    assert ledger.select("period", "payer", "amount_fen").sort("payer").rows() == [
        ("2024", "finance", 2_000_00), ("2024", "institution", 1_000_00)]
    assert "rule=insurance_institution period=2023H2" in findings.filter(pl.col("rule") == "not_in_force")["evidence"]


# ------------------------------------------------------------------ checks over a period

def test_staffing_is_checked_at_the_periods_month_ends():
    # 嘉峪关 二(三) 1:3 for full disability: 9 fully disabled residents from 2024-04-10 need 3
    # caregivers; 2 employed → short at the ends of April, May, June (2024H1), none in 2024Q1
    inst = [{"institution_id": "S", "beds": 20}]
    res = [{"institution_id": "S", "person_id": f"p{i}", "admitted_on": D(2024, 4, 10), "care_level": "full"}
           for i in range(9)]
    staff = [{"institution_id": "S", "staff_id": f"s{i}", "hired_on": D(2020, 1, 1)} for i in range(2)]
    findings, staffing = checks("jiayuguan", "2024H1", institutions=inst, residents=res, staff=staff)
    assert staffing["month_end"].to_list() == Period.parse("2024H1").month_ends
    short = findings.filter(pl.col("rule") == "staffing_ratio")
    assert sorted(short["period"]) == ["2024-04", "2024-05", "2024-06"]
    findings, staffing = checks("jiayuguan", "2024Q1", institutions=inst, residents=res, staff=staff)
    assert staffing.height == 3 and findings.filter(pl.col("rule") == "staffing_ratio").is_empty()


def test_targets_are_read_at_the_period_end():
    # 嘉峪关 二(八) "每百张养老机构床位均拥有1名社会工作者": 100 beds need 1; the one social worker
    # leaves on 2024-09-30 (still employed that day): 2024H1 and 2024Q3 meet it, the year and October do not
    inst = [{"institution_id": "T", "beds": 100}]
    staff = [{"institution_id": "T", "staff_id": "w", "role": "social_worker", "hired_on": D(2020, 1, 1),
              "left_on": D(2024, 9, 30)}]
    for period, short in (("2024H1", False), ("2024Q3", False), ("2024", True), ("2024-10", True)):
        findings, _ = checks("jiayuguan", period, institutions=inst, staff=staff)
        hit = findings.filter(pl.col("rule") == "beds_per_social_worker")
        assert hit.height == int(short), period
        if short:
            assert hit["period"][0] == Period.parse(period).label
            assert ("年末" if period == "2024" else "期末") in hit["message"][0]


def test_double_claims_and_over_beds_are_found_in_the_period_they_happen():
    # one person at A until 2024-04-10 and at B from 2024-03-15: both count her on 31 March only
    person = "330602195001010019"
    inst = [{"institution_id": "A", "beds": 1}, {"institution_id": "B", "beds": 1}]
    res = [{"institution_id": "A", "person_id": person, "admitted_on": D(2023, 1, 1), "discharged_on": D(2024, 4, 10)},
           {"institution_id": "B", "person_id": person, "admitted_on": D(2024, 3, 15)},
           {"institution_id": "B", "person_id": "x2", "admitted_on": D(2024, 7, 1)}]   # B: 2 residents, 1 bed, from July
    q1, _ = checks("shaoxing", "2024Q1", institutions=inst, residents=res)
    double = q1.filter(pl.col("rule") == "double_claim")
    assert sorted(double["institution_id"]) == ["A", "B"] and set(double["period"]) == {"2024Q1"}
    assert all("months=2024-03" in e for e in double["evidence"])
    assert q1.filter(pl.col("rule") == "over_beds").is_empty()
    h2, _ = checks("shaoxing", "2024H2", institutions=inst, residents=res)
    assert h2.filter(pl.col("rule") == "double_claim").is_empty()
    over = h2.filter(pl.col("rule") == "over_beds").row(0, named=True)
    assert over["institution_id"] == "B" and "months=2024-07,2024-08,2024-09,2024-10,2024-11,2024-12" in over["evidence"]


def test_a_claim_roll_for_a_half_year_is_set_against_that_half_years_months():
    # H2 run: resident since 2020 at a level-4 home, claimed Jul–Dec and died 10 Oct → counted
    # on the month-ends of Jul, Aug, Sep (3 × 100 = 300.00); Oct–Dec claimed but not in
    # residence (3 months, claim_died), Jul–Sep claimed and counted (no discrepancy)
    from audit.reconcile import resident_discrepancies

    a = "330602195001010118"
    t = tables(institutions=[sx_home()], residents=[sx_person(1, D(2020, 1, 1), person_id=a)],
               deaths=[{"person_id": a, "died_on": D(2024, 10, 10)}],
               claim_residents=[{"institution_id": "H", "period": f"2024-{m:02d}", "person_id": a} for m in range(7, 13)])
    pack = load_pack("shaoxing")
    ledger, _, ctx = compute(t, pack, 2024, period=Period.parse("2024H2"))
    assert amounts(ledger) == {"resident_months_level_4": (3, 300_00)}
    disc, found = resident_discrepancies(t, pack, ctx)
    assert sorted(disc["month_end"].dt.month().to_list()) == [10, 11, 12]
    assert set(disc["rule"]) == {"claim_died"} and set(found["period"]) <= {"2024H2"}


# ------------------------------------------------------------------ a for-profit factor from a real text (甘肃 《办法》)
# "非营利性养老机构用房自建的新增每张床位补贴1万元,租赁用房且租期在5年以上的每张床位补贴4000元;
#  营利性养老机构按非营利性养老机构补贴标准的80%予以补贴" — the report names no payer (a gap, set locally)

def gansu_home(iid, **kw):
    return {"institution_id": iid, "beds": 10, "accepted_on": D(2024, 3, 10), **kw}


def test_gansu_for_profit_homes_get_80_percent_of_the_rate_in_the_period_of_acceptance():
    homes = [gansu_home("NP"), gansu_home("FP", profit_status="forprofit"),
             gansu_home("FPL", beds=20, premises="leased", lease_years=5, profit_status="forprofit"),
             gansu_home("L4", premises="leased", lease_years=4),
             gansu_home("PUB", ownership="public")]
    sets = ("construction.payer=province",)
    ledger, findings = calc("gansu", "2024H1", sets, institutions=homes)
    got = {r["institution_id"]: (r["quantity"], r["rate_fen"], r["amount_fen"]) for r in ledger.iter_rows(named=True)}
    # NP 10 × 10,000 = 100,000.00; FP 10 × 10,000 × 80% = 10 × 8,000 = 80,000.00;
    # FPL 20 × 4,000 × 80% = 20 × 3,200 = 64,000.00; L4 (lease 4 < 5 years) and PUB (public) none
    assert got == {"NP": (10, 10_000_00, 100_000_00), "FP": (10, 8_000_00, 80_000_00),
                   "FPL": (20, 3_200_00, 64_000_00)}
    assert "营利性按 80%" in ledger.filter(pl.col("institution_id") == "FP")["basis"][0]
    why = {(r["institution_id"], r["rule"]): r["severity"] for r in findings.iter_rows(named=True)}
    assert why[("L4", "lease_term")] == why[("PUB", "not_eligible")] == "info"
    assert calc("gansu", "2024H2", sets, institutions=homes)[0].height == 0     # due 2024-03-10: not in H2
    # without a payer the text leaves open: a gap, no line, never a zero
    ledger, findings = calc("gansu", "2024", institutions=homes)
    assert ledger.height == 0 and "construction.payer" in findings.filter(pl.col("rule") == "policy_gap")["evidence"][0]


# ------------------------------------------------------------------ one-time nursing bonus by period (绍兴 (五)3)
# "护理型机构待其护理老人入住率达到60%及以上 … 自建用房的额外再给予每张床位1400元的一次性补助"

def nursing_home_with(admitted):
    inst = [{"institution_id": "N", "beds": 20, "nursing_type": True, "registered_on": D(2024, 3, 1),
             "accepted_on": D(2024, 2, 1), "opened_on": D(2024, 4, 1)}]
    res = [{"institution_id": "N", "person_id": f"33060219500101{i:04d}", "admitted_on": admitted,
            "care_level": "full"} for i in range(12)]
    return inst, res


@pytest.mark.parametrize("period, paid", [("2024H1", True), ("2024H2", False), ("2024-04", True), ("2024-05", False),
                                          ("2024", True)])
def test_the_nursing_bonus_is_paid_at_the_first_period_end_that_reaches_it(period, paid):
    # 12 fully disabled of 20 beds = 60% from 2024-04-10: reached at the ends of April, June and
    # December. Half-years: paid in 2024H1 (30 June), 2024H2 finds 30 June already reached;
    # months: paid in 2024-04, 2024-05 finds 30 April; the year: paid in 2024 (20 × 1,400 = 28,000.00)
    inst, res = nursing_home_with(D(2024, 4, 10))
    ledger, findings = calc("shaoxing", period, institutions=inst, residents=res)
    assert ledger.filter(pl.col("item") == "nursing_type_bonus")["amount_fen"].to_list() == ([28_000_00] if paid else [])
    if not paid:
        earlier = findings.filter(pl.col("rule") == "nursing_bonus_earlier")
        assert earlier["evidence"].to_list() == [{"2024H2": "first_year=2024-06-30", "2024-05": "first_year=2024-04-30"}[period]]


# ------------------------------------------------------------------ a year's budget by factors (临汾 二(三)10)
# "县级财政对达到运营补贴标准的社区养老服务设施,结合数量、星级等因素,按照因素分配法给予补助" (budget and
# weights are gaps the county sets: here 90,000.00 a year, weights 1 per star)

def test_a_years_factor_budget_is_not_split_for_a_quarter():
    centres = [{"institution_id": f"C{s}", "kind": "community_center", "ownership": "public", "star_level": s}
               for s in (1, 2)]
    sets = ("community_factor_allocation.budget=90000", "community_factor_allocation.weight_by_star={1: 1, 2: 2}")
    ledger, _ = calc("linfen", "2024", sets, institutions=centres)
    assert dict(ledger.select("institution_id", "amount_fen").rows()) == {"C1": 30_000_00, "C2": 60_000_00}
    ledger, findings = calc("linfen", "2024Q1", sets, institutions=centres)
    assert ledger.height == 0
    assert "90,000.00" in findings.filter(pl.col("rule") == "annual_not_split")["message"][0]
