"""The rule model (issue 11) on three real district/city texts: tiers, the 改扩建 half,
waiting periods, staged payments, five ability grades, periods, overdue beds.
Every expected amount is worked out by hand from the quoted clause (sources/*.txt)."""

from __future__ import annotations

import polars as pl
import pytest

from audit.calc import compute
from audit.dates import Period
from audit.errors import PolicyError
from audit.policy import load_pack
from test_calc_helpers import D, lines, tables

# a home opened long before the run, so only the clause under test decides
OLD = dict(registered_on=D(2015, 1, 1), accepted_on=D(2015, 1, 1), opened_on=D(2015, 1, 1))


def calc(pack, period, sets=(), **tabs):
    p = Period.parse(period)
    ledger, findings, _ = compute(tables(**tabs), load_pack(pack, sets=sets), p.end.year, period=p)
    return ledger, findings


def found(findings, iid, rule):
    return findings.filter((pl.col("institution_id") == iid) & (pl.col("rule") == rule))


# ------------------------------------------------------------------ tiers (花山区 建设补贴)
# "新建床位达到300张以上、运营1年以上的(含300张,下同),给予每张床位5000元……
#  50张以上不足300张、运营1年以上的,给予每张2000元"

def new_home(iid, beds, **kw):
    return {"institution_id": iid, "beds": beds, "accepted_on": D(2023, 2, 1), "opened_on": D(2023, 3, 1), **kw}


def test_band_edges_300_and_299_and_50_and_49_beds():
    ledger, findings = calc("huashan", "2024", institutions=[
        new_home("B300", 300), new_home("B299", 299), new_home("B50", 50), new_home("B49", 49)])
    amount = dict(zip(ledger["institution_id"], ledger["amount_fen"]))
    assert amount["B300"] == 300 * 5000_00 == 1_500_000_00      # 300 含 in the upper band
    assert amount["B299"] == 299 * 2000_00 == 598_000_00        # 不足300 → 2,000
    assert amount["B50"] == 50 * 2000_00 == 100_000_00          # 50张以上 includes 50
    assert "B49" not in amount                                   # below every band: not eligible
    f = found(findings, "B49", "below_band").row(0, named=True)
    assert f["severity"] == "info" and "new_beds=49" in f["evidence"]
    assert set(ledger["period"]) == {"2024"} and set(ledger["item"]) == {"new_beds"}
    assert "档次 [300,)" in lines(ledger, institution_id="B300")["basis"][0]


def test_expansion_is_paid_half_on_its_own_beds_when_accepted():
    # an old home (its 120 beds subsidised) adds 80 beds accepted 2024-05-10:
    # band of 80 new beds = 2,000; 改扩建 "按上述标准的一半" = 1,000/bed → 80,000.00
    home = {"institution_id": "EXP", "beds": 200, "beds_subsidized_before": 120, "expansion_beds": 80,
            "expansion_accepted_on": D(2024, 5, 10), "newly_built": False, **OLD}
    ledger, findings = calc("huashan", "2024", institutions=[home])
    line = ledger.row(0, named=True)
    assert (line["item"], line["quantity"], line["rate_fen"], line["amount_fen"]) == (
        "expansion_beds", 80, 1000_00, 80_000_00)
    assert "改扩建按 50%" in line["basis"] and "2024-05-10" in line["basis"]
    # the same expansion accepted in 2025 is not due in 2024
    later = {**home, "expansion_accepted_on": D(2025, 1, 5)}
    ledger, findings = calc("huashan", "2024", institutions=[later])
    assert ledger.height == 0
    assert found(findings, "EXP", "not_yet_due")["severity"].to_list() == ["info"]


def test_operating_month_11_is_not_due_month_12_is():
    # "运营1年以上": opened 2023-02-01 reaches a year on 2024-02-01
    home = new_home("W", 100, accepted_on=D(2023, 1, 10), opened_on=D(2023, 2, 1))
    ledger, findings = calc("huashan", "2023", institutions=[home])
    assert ledger.height == 0
    f = found(findings, "W", "not_yet_due").row(0, named=True)
    assert f["severity"] == "info" and "due=2024-02-01" in f["evidence"] and "200,000.00" in f["evidence"]
    ledger, _ = calc("huashan", "2024-01", institutions=[home])       # month 11 still
    assert ledger.height == 0
    ledger, _ = calc("huashan", "2024-02", institutions=[home])       # month 12 reached
    assert ledger["amount_fen"].to_list() == [100 * 2000_00] and ledger["period"].to_list() == ["2024-02"]


def test_leased_home_gets_the_renovation_grant_only_with_a_five_year_lease():
    # "租房运营1年以上的(租期5年以上),按每张床位1000元": 60 beds → 60,000.00; a 4-year lease → info
    ledger, findings = calc("huashan", "2024", institutions=[
        {"institution_id": "L5", "beds": 60, "premises": "leased", "lease_years": 5.0, **OLD,
         "opened_on": D(2023, 6, 1)},
        {"institution_id": "L4", "beds": 60, "premises": "leased", "lease_years": 4.0, **OLD,
         "opened_on": D(2023, 6, 1)}])
    assert ledger.select("institution_id", "amount_fen").rows() == [("L5", 60_000_00)]
    assert found(findings, "L4", "lease_term")["severity"].to_list() == ["info"]


def test_beds_due_before_the_period_and_never_subsidised_are_a_finding_with_the_amount():
    # opened 2015 (due 2016-01-01), 100 beds, none recorded as subsidised: 100 × 2,000 = 200,000.00
    ledger, findings = calc("huashan", "2024", institutions=[{"institution_id": "OLD", "beds": 100, **OLD}])
    assert ledger.height == 0
    f = found(findings, "OLD", "overdue_unpaid").row(0, named=True)
    assert f["severity"] == "warning" and "amount=200,000.00" in f["evidence"] and "first_due=2016-01-01" in f["evidence"]
    # recorded as subsidised: silent, rightly
    _, findings = calc("huashan", "2024", institutions=[
        {"institution_id": "OLD", "beds": 100, "beds_subsidized_before": 100, **OLD}])
    assert found(findings, "OLD", "overdue_unpaid").height == 0


# ------------------------------------------------------------------ five grades (花山区 运营补贴)
# "按实际使用床位每张每月200元……按照其轻、中、重度失能失智程度,补助标准分别上浮50%、100%、200%"

def stay(pid, **kw):
    return {"institution_id": "H", "person_id": pid, "admitted_on": D(2020, 1, 1), **kw}


HOME = {"institution_id": "H", "beds": 10, "beds_subsidized_before": 10, **OLD}


def test_five_grades_map_to_the_texts_three_levels():
    ledger, findings = calc("huashan", "2024", institutions=[HOME], residents=[
        stay("p1", ability_grade="intact"), stay("p2", ability_grade="mild"), stay("p3", ability_grade="moderate"),
        stay("p4", ability_grade="severe"), stay("p5", ability_grade="total")])
    by_rate = dict(lines(ledger, program="operating").group_by("rate_fen").agg(pl.col("quantity").sum()).rows())
    # 200 × (1, 1.5, 2, 3) ; 重度 and 完全失能 both 600 (declared mapping total → severe)
    assert by_rate == {200_00: 12, 300_00: 12, 400_00: 12, 600_00: 24}
    assert lines(ledger, program="operating")["amount_fen"].sum() == 12 * (200_00 + 300_00 + 400_00 + 600_00 * 2)
    op = lines(ledger, program="operating")
    assert set(op["item"]) == {f"bed_months_{g}" for g in ("intact", "mild", "moderate", "severe", "total")}
    assert "中度（中度失能）" in lines(op, item="bed_months_moderate")["basis"][0]


def test_three_level_care_level_pays_only_where_the_grades_agree():
    # care_level full (no five grade): severe and total both pay 600 → paid;
    # care_level partial: mild 300 vs moderate 400 differ → not paid, a warning with its months
    ledger, findings = calc("huashan", "2024", institutions=[HOME], residents=[
        stay("p1", care_level="full"), stay("p2", care_level="partial"), stay("p3", care_level="self_care")])
    op = lines(ledger, program="operating")
    assert sorted(zip(op["rate_fen"], op["quantity"])) == [(200_00, 12), (600_00, 12)]
    f = found(findings, "H", "ability_grade_unknown").row(0, named=True)
    assert f["severity"] == "warning" and f["evidence"] == "resident_months=12"


def test_half_year_periods_count_their_own_month_ends():
    # a mild resident all year: 6 months × 300 in each half; a stay 2024-05-20 → 2024-08-10
    # counts May, Jun (H1) and Jul (H2: Aug 10 < Aug 31)
    res = [stay("p1", ability_grade="mild"),
           stay("p2", ability_grade="intact", admitted_on=D(2024, 5, 20), discharged_on=D(2024, 8, 10))]
    h1, _ = calc("huashan", "2024H1", institutions=[HOME], residents=res)
    h2, _ = calc("huashan", "2024H2", institutions=[HOME], residents=res)
    assert set(h1["period"]) == {"2024H1"} and set(h2["period"]) == {"2024H2"}
    assert sorted(zip(h1["rate_fen"], h1["quantity"])) == [(200_00, 2), (300_00, 6)]
    assert sorted(zip(h2["rate_fen"], h2["quantity"])) == [(200_00, 1), (300_00, 6)]
    whole, _ = calc("huashan", "2024", institutions=[HOME], residents=res)
    assert whole["amount_fen"].sum() == h1["amount_fen"].sum() + h2["amount_fen"].sum() == 12 * 300_00 + 3 * 200_00


def test_occupied_beds_are_capped_at_approved_beds_keeping_the_lowest_rates():
    # 2 approved beds, 3 residents all year (intact 200, mild 300, total 600): each month
    # pays 2 beds — the two lowest rates — and the 12 excess months are a warning
    home = {**HOME, "beds": 2, "beds_subsidized_before": 2}
    ledger, findings = calc("huashan", "2024", institutions=[home], residents=[
        stay("a", ability_grade="intact"), stay("b", ability_grade="mild"), stay("c", ability_grade="total")])
    assert sorted(zip(ledger["rate_fen"], ledger["quantity"])) == [(200_00, 12), (300_00, 12)]
    # the excess is the total-loss resident's 12 months at 600.00 = 7,200.00 not paid
    assert found(findings, "H", "over_approved_beds")["evidence"].to_list() == [
        "excess_resident_months=12 「核定床位数」=2 amount=7,200.00"]
    # approved beds blank: nothing can be capped, so nothing is paid — and said, with the
    # money: 12 × (200 + 300 + 600) = 13,200.00
    blank = {**HOME, "beds": None, "beds_subsidized_before": 2}
    ledger, findings = calc("huashan", "2024", institutions=[blank], residents=[
        stay("a", ability_grade="intact"), stay("b", ability_grade="mild"), stay("c", ability_grade="total")])
    assert found(findings, "H", "missing_beds")["evidence"].to_list() == [
        "excess_resident_months=36 「核定床位数」=0 amount=13,200.00"]
    assert found(findings, "H", "over_approved_beds").height == 0


# ------------------------------------------------------------------ tiers by approved beds (海门区)
# "50张以下的(含50张)……20元……50张以上的……60元……100张以上,且达到省示范性养老机构建设标准的……80元"

def haimen_home(iid, beds, **kw):
    return {"institution_id": iid, "beds": beds, "county": "海门区", **OLD, **kw}


def local(iid, pid, **kw):
    return {"institution_id": iid, "person_id": pid, "admitted_on": D(2019, 1, 1), "hukou_county": "海门区", **kw}


def test_haimen_bands_by_approved_beds_and_the_model_flag():
    homes = [haimen_home("H50", 50), haimen_home("H51", 51), haimen_home("H120", 120),
             haimen_home("M120", 120, model_institution=True), haimen_home("M99", 99, model_institution=True)]
    ledger, _ = calc("haimen", "2020", institutions=homes, residents=[local(h["institution_id"], "p") for h in homes])
    rate = dict(zip(ledger["institution_id"], ledger["rate_fen"]))
    assert rate == {"H50": 20_00, "H51": 60_00, "H120": 60_00, "M120": 80_00, "M99": 60_00}
    assert set(ledger["quantity"]) == {12}


def test_haimen_six_months_open_and_local_hukou_only():
    # opened 2020-03-15: six months reached 2020-09-15 → Sep..Dec month ends = 4 months × 20;
    # a resident from another county is not counted
    home = haimen_home("N", 30, opened_on=D(2020, 3, 15))
    ledger, _ = calc("haimen", "2020", institutions=[home], residents=[
        local("N", "p1"), local("N", "p2", hukou_county="通州区")])
    assert ledger.select("quantity", "amount_fen").rows() == [(4, 4 * 20_00)]
    h2, _ = calc("haimen", "2020H2", institutions=[home], residents=[local("N", "p1")])
    assert h2.select("period", "quantity").rows() == [("2020H2", 4)]
    h1, findings = calc("haimen", "2020H1", institutions=[home], residents=[local("N", "p1")])
    assert h1.height == 0 and found(findings, "N", "operating_period")["severity"].to_list() == ["info"]


# ------------------------------------------------------------------ stages (泰州)
# "一次性床位补贴按照40%、30%、30%比例分三年补助到位"; nursing beds in owned premises 1万元/床

def nursing_home(**kw):
    return {"institution_id": "T", "beds": 120, "nursing_beds": 100, "accepted_on": D(2023, 10, 1),
            "opened_on": D(2023, 11, 1), "ownership": "public", **kw}


def test_staged_payments_fall_in_the_period_each_is_due_across_a_year_end():
    # 100 nursing beds × 10,000 = 1,000,000.00 → 400,000.00 (2023-10-01), 300,000.00 (2024-10-01),
    # 300,000.00 (2025-10-01); the 20 other beds of a public home are outside 民办 clause 二
    q4, _ = calc("taizhou", "2023Q4", institutions=[nursing_home()])
    assert q4.select("item", "period", "amount_fen").rows() == [("new_beds_stage_1", "2023Q4", 400_000_00)]
    span, _ = calc("taizhou", "2023-07..2024-06", institutions=[nursing_home()])
    assert span.select("item", "period", "amount_fen").rows() == [("new_beds_stage_1", "2023-07..2024-06", 400_000_00)]
    y24, f24 = calc("taizhou", "2024", institutions=[nursing_home()])
    assert y24.select("item", "amount_fen").rows() == [("new_beds_stage_2", 300_000_00)]
    assert found(f24, "T", "earlier_stages")["severity"].to_list() == ["info"]
    y25, _ = calc("taizhou", "2025", institutions=[nursing_home()])
    assert y25.select("item", "amount_fen").rows() == [("new_beds_stage_3", 300_000_00)]
    # all three stages past and the beds not recorded as subsidised: the whole 1,000,000.00 is a warning
    y26, f26 = calc("taizhou", "2026", institutions=[nursing_home()])
    assert y26.height == 0
    assert "amount=1,000,000.00" in found(f26, "T", "overdue_unpaid")["evidence"][0]


def test_stages_add_up_to_the_fen_by_largest_remainder():
    # one bed at 0.01 yuan = 1 fen: 40/30/30 → 0.4/0.3/0.3 fen, the fen goes to stage 1
    home = nursing_home(nursing_beds=1, beds=1)
    amounts = [calc("taizhou", y, sets=("nursing_owned.rate=0.01",), institutions=[home])[0]["amount_fen"].sum()
               for y in ("2023", "2024", "2025")]
    assert amounts == [1, 0, 0]


def test_other_beds_are_held_when_the_data_cannot_say_which_beds_were_subsidised():
    home = nursing_home(ownership="private", newly_built=True, beds_subsidized_before=50)
    ledger, findings = calc("taizhou", "2023", institutions=[home])
    held = findings.filter(pl.col("rule") == "held_subsidized_split")
    assert set(held["severity"]) == {"error"} and ledger.height == 0


# ------------------------------------------------------------------ periods and packs

def test_a_half_year_under_an_older_kind_is_settled_and_its_gap_stays_a_gap():
    # 嘉峪关 三(一) breaks off before the operating rates: for 2024H1 the resident-months are a
    # policy_gap (never a zero, never "not supported"); its resident counted Jan–Jun
    res = [{"institution_id": "A", "person_id": "p", "admitted_on": D(2020, 1, 1), "care_level": "full"}]
    ledger, findings = calc("jiayuguan", "2024H1", institutions=[{"institution_id": "A", "beds": 10, **OLD}],
                            residents=res)
    assert ledger.height == 0 and "period_not_supported" not in set(findings["rule"])
    gap = findings.filter(pl.col("rule") == "policy_gap")
    assert gap.height == 1 and "operating_grant.rate_by_care_level" in gap["evidence"][0]
    assert gap["period"].to_list() == ["2024H1"]


@pytest.mark.parametrize("bad", [{"[0,50]": 1, "[50,)": 2}, {"[0,50": 1}, {"[100,)+vip": 1}])
def test_band_keys_are_checked_on_load(bad):
    with pytest.raises(PolicyError):
        load_pack("huashan", sets=(f"construction_new.rate_by_band={bad}",))


# ------------------------------------------------------------------ conditions without amounts
# A city's published guide (本市 养老機構建設和運營補助項目, as found; no number, no amounts in the
# part we hold) sets the conditions only: the rate and the cap are declared gaps a user sets.
GUIDE = """養老機構建設和運營補助項目
(一)申請養老機構建設補助必須同時符合以下條件:
1.依法取得《民辦非企業單位(法人)登記證書》或《營業執照》并向民政部門如實備案,且運營滿1年及以上;
3.項目土地、建設、房產手續齊全。其中,自有產權的,應具有房屋產權證書;以租賃土地形式新建的項目,土地租賃期應在10年以上;以租賃房屋形式改建的項目,租賃房屋期限應在5年以上;
5.養老床位入住率達30%(含)以上;
6.根據所在區縣(開發區)保基本養老床位需求,協議設置保基本養老床位
"""
GUIDE_PACK = """
id: guide
title: 養老機構建設和運營補助項目（条件）
number: null
note: test pack
jurisdiction: 某市
issued: null
effective: 2023-01-01
effective_note: test pack
status: draft
short: 某市 补助项目
source: guide.txt
rules:
  construction:
    kind: bed_subsidy
    title: 養老機構建設補助
    clause: 二(一)
    params:
      min_operating_months: {unit: months, value: 12, quote: 且運營滿1年及以上}
      leased_land_min_years: {unit: years, value: 10, quote: "以租賃土地形式新建的項目,土地租賃期應在10年以上"}
      leased_min_years: {unit: years, value: 5, quote: "以租賃房屋形式改建的項目,租賃房屋期限應在5年以上"}
      min_occupancy: {unit: share, value: 30%, quote: 養老床位入住率達30%(含)以上}
      require_basic_beds_agreement: {unit: bool, value: true, quote: 協議設置保基本養老床位}
      rate: {unit: yuan/bed, gap: true, note: 摘录未含补助数额, quote: 申請養老機構建設補助}
      cap_per_institution: {unit: yuan, gap: true, note: 摘录未含上限, quote: 申請養老機構建設補助}
      payer: {unit: payer, gap: true, note: 未写明出资方, quote: 申請養老機構建設補助}
"""


@pytest.fixture
def guide(tmp_path):
    (tmp_path / "guide.txt").write_text(GUIDE, encoding="utf-8")
    (tmp_path / "guide.yaml").write_text(GUIDE_PACK, encoding="utf-8")
    return str(tmp_path / "guide.yaml")


def residents_in(iid, n):
    return [{"institution_id": iid, "person_id": f"{iid}-{i}", "admitted_on": D(2023, 1, 1)} for i in range(n)]


def test_conditions_land_and_building_leases_occupancy_agreement_and_a_cap(guide):
    sets = ("construction.rate=1000", "construction.payer=county", "construction.cap_per_institution=50000")
    base = dict(beds=100, basic_beds_agreement=True, accepted_on=D(2023, 1, 1), opened_on=D(2023, 3, 1))
    homes = [
        {"institution_id": "LAND9", "premises": "leased", "lease_of": "land", "lease_years": 9.0, **base},
        {"institution_id": "LAND10", "premises": "leased", "lease_of": "land", "lease_years": 10.0, **base,
         "beds": 40},
        {"institution_id": "BLD4", "premises": "leased", "lease_of": "building", "lease_years": 4.0, **base},
        {"institution_id": "OCC29", **base},
        {"institution_id": "NOAGR", **{**base, "basic_beds_agreement": False}},
        {"institution_id": "CAP", **base},
    ]
    occupied = {"LAND9": 50, "LAND10": 12, "BLD4": 50, "OCC29": 29, "NOAGR": 50, "CAP": 30}
    res = [r for iid, n in occupied.items() for r in residents_in(iid, n)]
    ledger, findings, _ = compute(tables(institutions=homes, residents=res), load_pack(guide, sets=sets), 2024)
    # LAND10: 40 beds, 12 residents = 30% (含) → 40 × 1,000 = 40,000.00 (under the cap);
    # CAP: 100 × 1,000 = 100,000.00 → "最高" 50,000.00; 30/100 = 30% reached
    assert sorted(ledger.select("institution_id", "amount_fen").rows()) == [("CAP", 50_000_00), ("LAND10", 40_000_00)]
    assert "最高不超过 50,000 元" in lines(ledger, institution_id="CAP")["basis"][0]
    why = {(r["institution_id"], r["rule"]): r["severity"] for r in findings.iter_rows(named=True)}
    assert why[("LAND9", "lease_term")] == why[("BLD4", "lease_term")] == "info"
    assert why[("OCC29", "occupancy_below_minimum")] == "info"
    assert why[("NOAGR", "no_basic_beds_agreement")] == "info"
    assert "error" not in set(findings["severity"])


def test_a_rate_the_text_leaves_open_is_a_gap_not_a_zero(guide):
    ledger, findings, _ = compute(
        tables(institutions=[{"institution_id": "A", "beds": 10, "basic_beds_agreement": True,
                              "accepted_on": D(2023, 1, 1), "opened_on": D(2023, 1, 1)}],
               residents=residents_in("A", 5)),
        load_pack(guide, sets=("construction.payer=county",)), 2024)
    assert ledger.height == 0
    assert "policy_gap" in set(findings["rule"])


def test_english_basis_has_no_chinese_left():
    p = Period.parse("2024H1")
    ledger, _, _ = compute(tables(institutions=[nursing_home(accepted_on=D(2024, 2, 1))]),
                           load_pack("taizhou"), 2024, lang="en", period=p)
    ledger2, _, _ = compute(tables(
        institutions=[{"institution_id": "EXP", "beds": 200, "beds_subsidized_before": 120, "expansion_beds": 80,
                       "expansion_accepted_on": D(2024, 5, 10), "newly_built": False, **OLD}],
        residents=[{"institution_id": "EXP", "person_id": "p", "admitted_on": D(2020, 1, 1), "ability_grade": "total"}]),
        load_pack("huashan"), 2024, lang="en", period=p)
    basis = pl.concat([ledger, ledger2])["basis"]
    assert basis.len() == 3 and not basis.str.contains(r"[\u4e00-\u9fff]").any(), basis.to_list()
    assert any("stage 1 (of 3) at 40%" in b for b in basis), basis.to_list()
    assert any("expansion at 50%" in b for b in basis) and any("severe (total)" in b for b in basis)


def test_for_profit_and_public_private_factors_and_rating_minimum(guide, tmp_path):
    # the guide's conditions with a local rate of 1,000/bed; for-profit at 80% → 800/bed,
    # public-private at 50% → 500/bed; both → 1,000 × 4/5 × 1/2 = 400/bed (one rounding)
    text = (tmp_path / "guide.yaml").read_text(encoding="utf-8") + (
        "      forprofit_share: {unit: share, gap: true, note: t, quote: 申請養老機構建設補助}\n"
        "      public_private_share: {unit: share, gap: true, note: t, quote: 申請養老機構建設補助}\n"
        "      min_rating_level: {unit: level, gap: true, note: t, quote: 申請養老機構建設補助}\n")
    (tmp_path / "guide.yaml").write_text(text, encoding="utf-8")
    sets = ("construction.rate=1000", "construction.payer=county", "construction.cap_per_institution=1000000",
            "construction.forprofit_share=80%", "construction.public_private_share=50%",
            "construction.min_rating_level=2")
    base = dict(beds=10, basic_beds_agreement=True, accepted_on=D(2023, 1, 1), opened_on=D(2023, 3, 1), rating_level=2)
    homes = [{"institution_id": "FP", "profit_status": "forprofit", **base},
             {"institution_id": "PP", "ownership": "public_private", **base},
             {"institution_id": "BOTH", "ownership": "public_private", "profit_status": "forprofit", **base},
             {"institution_id": "LOW", **{**base, "rating_level": 1}}]
    res = [r for h in homes for r in residents_in(h["institution_id"], 5)]
    ledger, findings, _ = compute(tables(institutions=homes, residents=res), load_pack(str(tmp_path / "guide.yaml"),
                                                                                     sets=sets), 2024)
    assert dict(ledger.select("institution_id", "rate_fen").rows()) == {"FP": 800_00, "PP": 500_00, "BOTH": 400_00}
    assert found(findings, "LOW", "rating_below_minimum")["severity"].to_list() == ["info"]


def test_months_before_registration_do_not_count_and_an_expansion_needs_its_acceptance_date():
    # 海门 "经民政部门注册登记": registered 2020-06-15 → Jun..Dec month ends = 7 months × 20
    home = haimen_home("R", 30, registered_on=D(2020, 6, 15))
    ledger, _ = calc("haimen", "2020", institutions=[home], residents=[local("R", "p1")])
    assert ledger.select("quantity", "amount_fen").rows() == [(7, 7 * 20_00)]
    # 花山: expansion beds without an acceptance date are not paid (info), never dated by the opening
    exp = {"institution_id": "X", "beds": 200, "beds_subsidized_before": 120, "expansion_beds": 80, **OLD}
    ledger, findings = calc("huashan", "2024", institutions=[exp])
    assert ledger.height == 0
    assert found(findings, "X", "missing_expansion_accepted_on")["severity"].to_list() == ["info"]


def test_dementia_grade_raises_the_rate_when_it_is_the_higher():
    # "按照其轻、中、重度失能失智程度……上浮50%、100%、200%": mild disability (300) with moderate
    # dementia (400) → 400; severe disability (600) with mild dementia (300) → 600
    ledger, _ = calc("huashan", "2024", institutions=[HOME], residents=[
        stay("a", ability_grade="mild", dementia=True, dementia_grade="moderate"),
        stay("b", ability_grade="severe", dementia=True, dementia_grade="mild"),
        stay("c", ability_grade="intact")])
    got = sorted(ledger.select("item", "rate_fen", "quantity").rows())
    assert got == [("bed_months_dementia_moderate", 400_00, 12), ("bed_months_intact", 200_00, 12),
                   ("bed_months_severe", 600_00, 12)]
    assert "中度（中度失智）" in lines(ledger, item="bed_months_dementia_moderate")["basis"][0]


def test_occupancy_is_a_dated_condition_due_on_the_day_it_is_reached(guide):
    # "養老床位入住率達30%(含)以上" with "運營滿1年": opened 2023-03-01 → a year on 2024-03-01;
    # 100 beds need 30 residents: 29 since 2023, the 30th admitted 2024-08-20 → due 2024-08-20.
    # 2024H1 is not due (info, occupancy not reached by 30 June); 2024H2 pays 100 × 1,000.00
    sets = ("construction.rate=1000", "construction.payer=county", "construction.cap_per_institution=1000000")
    home = dict(institution_id="O", beds=100, basic_beds_agreement=True, accepted_on=D(2023, 1, 1),
                opened_on=D(2023, 3, 1))
    res = residents_in("O", 29) + [{"institution_id": "O", "person_id": "O-30", "admitted_on": D(2024, 8, 20)}]
    pack = load_pack(guide, sets=sets)
    h1, f1, _ = compute(tables(institutions=[home], residents=res), pack, 2024, period=Period.parse("2024H1"))
    assert h1.height == 0 and found(f1, "O", "occupancy_below_minimum")["severity"].to_list() == ["info"]
    h2, _, _ = compute(tables(institutions=[home], residents=res), pack, 2024, period=Period.parse("2024H2"))
    assert h2["amount_fen"].to_list() == [100_000_00] and "到期日 2024-08-20" in h2["basis"][0]
    # one of the 30 leaves on 2024-09-01 (before the year end): the due day stays 2024-08-20
    res[0] = {**res[0], "discharged_on": D(2024, 9, 1)}
    year, _, _ = compute(tables(institutions=[home], residents=res), pack, 2024)
    assert year["amount_fen"].to_list() == [100_000_00] and "到期日 2024-08-20" in year["basis"][0]


def test_a_flagged_band_wins_wherever_the_pack_lists_it():
    """"[100,)+model" listed after the plain "(50,)" still gives a 120-bed model home its band."""
    from audit.policy.tiers import band_of

    df = pl.DataFrame({"beds": [120, 120, 30], "model_institution": [True, False, True]})
    table = {"[0,50]": 20, "(50,)": 60, "[100,)+model": 80}
    got = df.select(band_of(pl.col("beds"), table).alias("b"))["b"].to_list()
    assert got == ["[100,)+model", "(50,)", "[0,50]"]


def test_the_cap_is_the_institutions_not_each_claims(guide):
    """最高不超过: 50 new beds and 50 expansion beds at 1,000 with a 50,000 cap pay 50,000.00
    in all (the new beds), not 50,000 per claim; the expansion claim is said to hit the cap."""
    sets = ("construction.rate=1000", "construction.payer=county", "construction.cap_per_institution=50000")
    home = {"institution_id": "TWO", "beds": 100, "expansion_beds": 50, "expansion_accepted_on": D(2023, 6, 1),
            "basic_beds_agreement": True, "accepted_on": D(2023, 1, 1), "opened_on": D(2023, 3, 1)}
    ledger, findings, _ = compute(tables(institutions=[home], residents=residents_in("TWO", 50)),
                                  load_pack(guide, sets=sets), 2024)
    assert ledger.select("item", "amount_fen").rows() == [("new_beds", 50_000_00)]
    cap = found(findings, "TWO", "cap_reached")
    assert cap["severity"].to_list() == ["info"] and "amount=50,000.00" in cap["evidence"][0]


CAP_SETS = ("construction.rate=1000", "construction.payer=county", "construction.cap_per_institution=50000")


def _grown_home(**kw):
    """80 beds: 30 subsidised in an earlier year, 50 added by an expansion accepted 2024-05-01."""
    return {"institution_id": "G", "beds": 80, "beds_subsidized_before": 30, "expansion_beds": 50,
            "expansion_accepted_on": D(2024, 5, 1), "basic_beds_agreement": True, "accepted_on": D(2021, 1, 1),
            "opened_on": D(2021, 3, 1), **kw}


def test_the_cap_counts_what_earlier_years_paid(guide):
    """The cap (单个机构补助上限, here 50,000) is the institution's whole construction subsidy,
    whatever year each part fell due. 30 beds were paid 30,000.00 in 2022 (拨付 2022); the 50
    expansion beds (50 × 1,000 = 50,000.00) get what is left: 50,000 − 30,000 = 20,000.00."""
    paid = [{"institution_id": "G", "program": "construction", "period": "2022", "amount_fen": 30_000_00}]
    ledger, findings, _ = compute(tables(institutions=[_grown_home()], residents=residents_in("G", 30),
                                         payments=paid), load_pack(guide, sets=CAP_SETS), 2024)
    assert ledger.select("item", "amount_fen").rows() == [("expansion_beds", 20_000_00)]
    assert "最高不超过 50,000 元" in ledger["basis"][0] and "30,000.00" in ledger["basis"][0]
    assert found(findings, "G", "cap_history_unknown").height == 0
    # a payment of this period (2024) is not an earlier year's: the cap room stays 50,000
    now = [{**paid[0], "period": "2024"}]
    ledger, _, _ = compute(tables(institutions=[_grown_home()], residents=residents_in("G", 30), payments=now),
                           load_pack(guide, sets=CAP_SETS), 2024)
    assert ledger["amount_fen"].to_list() == [50_000_00]


def test_the_cap_with_earlier_subsidised_beds_and_no_payment_record_is_a_warning(guide):
    """Without 拨付 rows the run cannot know what the 30 earlier beds took of the cap: the
    50,000.00 is listed, and a warning says up to all of it may lie beyond the cap."""
    ledger, findings, _ = compute(tables(institutions=[_grown_home()], residents=residents_in("G", 30)),
                                  load_pack(guide, sets=CAP_SETS), 2024)
    assert ledger["amount_fen"].to_list() == [50_000_00]
    w = found(findings, "G", "cap_history_unknown")
    assert w["severity"].to_list() == ["warning"]
    assert "「已享受建设补贴床位数」=30" in w["evidence"][0] and "amount=50,000.00" in w["evidence"][0]


def test_claims_due_in_different_years_share_one_cap_without_counting_a_payment_twice(guide):
    """New beds (30, due 2022-03-01 when a year open) and an expansion (50, due 2024-05-01):
    in the 2024 run the new beds' 30,000.00 (an earlier year's, not recorded as subsidised)
    comes first, leaving 20,000.00 for the expansion. A 2022 payment of those 30,000.00 is the
    same money: still 20,000.00, not 50,000 − 30,000 − 30,000 = 0."""
    home = _grown_home(beds_subsidized_before=0)
    for payments in ([], [{"institution_id": "G", "program": "construction", "period": "2022",
                           "amount_fen": 30_000_00}]):
        ledger, findings, _ = compute(tables(institutions=[home], residents=residents_in("G", 30),
                                             payments=payments), load_pack(guide, sets=CAP_SETS), 2024)
        assert ledger.select("item", "amount_fen").rows() == [("expansion_beds", 20_000_00)]
        assert "amount=30,000.00" in found(findings, "G", "overdue_unpaid")["evidence"][0]


def test_a_blank_profit_status_is_paid_as_for_profit():
    """甘肃: non-profit 10,000/bed, for-profit at 80%. A 10-bed home with 营利性质 blank is paid as
    for-profit: 10 × 10,000 × 80% = 80,000.00 (the 20,000.00 more if non-profit: test_stake)."""
    home = {"institution_id": "G", "beds": 10, "ownership": "private", "premises": "self_built",
            "accepted_on": D(2024, 2, 1), "opened_on": D(2024, 3, 1), "profit_status": None}
    ledger, findings, _ = compute(tables(institutions=[home]), load_pack("gansu", sets=("construction.payer=county",)),
                                  2024)
    assert ledger["amount_fen"].sum() == 80_000_00
    assert "营利性按 80%（未填写营利性质，按营利性计）" in ledger["basis"][0]


def test_bed_months_count_a_person_once_and_follow_the_death_register_and_the_age():
    """海门 2020, a 50-bed home at 20 yuan a bed-month:
    - A, two overlapping rows (2019-01-01 and 2020-03-01, both open): 12 months, not 24;
    - B (born 1950) died 2020-03-10: January and February only, 10 months cut = 200.00;
    - C (born 1962-07-15) is under 60 all of 2020: nothing, 12 months cut = 240.00."""
    b, c = "330624195001010011", "330624196207150012"
    residents = [local("H", "A"), local("H", "A", admitted_on=D(2020, 3, 1)), local("H", b), local("H", c)]
    ledger, findings = calc("haimen", "2020", institutions=[haimen_home("H", 50)], residents=residents,
                            deaths=[{"person_id": b, "died_on": D(2020, 3, 10)}])
    assert ledger.select("quantity", "amount_fen").rows() == [(14, 14 * 20_00)]
    cut = sorted(found(findings, "H", "register_cut")["evidence"].to_list())
    assert len(cut) == 2 and "months=10 amount=200.00" in cut[0] and "months=12 amount=240.00" in cut[1]
    assert b not in " ".join(cut) and c not in " ".join(cut)


def test_months_before_the_rule_took_effect_are_not_paid():
    """海门's notice holds from 2020-01-01: the span 2019-07..2020-06 pays January–June 2020
    only (6 × 20 = 120.00), and says why the other six months are not paid."""
    ledger, findings = calc("haimen", "2019-07..2020-06", institutions=[haimen_home("H", 50)],
                            residents=[local("H", "p")])
    assert ledger.select("quantity", "amount_fen").rows() == [(6, 6 * 20_00)]
    note = findings.filter(pl.col("rule") == "months_not_in_force")
    assert note["severity"].to_list() == ["info"] and "from=2020-01-01" in note["evidence"][0]


RATE_LINE = ('        value: {"[100,)+model": 80, "[0,50]": 20, "(50,)": 60}\n')


def _haimen_with_a_rate_change(tmp_path, on: str):
    """海门 with its [0,50] rate raised from 20 to 30 yuan from `on` (quote kept: a test pack)."""
    from audit.policy import PACK_DIR

    text = (PACK_DIR / "haimen.yaml").read_text(encoding="utf-8")
    quote = text.split(RATE_LINE, 1)[1].split("\n", 1)[0].strip().removeprefix("quote: ")
    old = f'{RATE_LINE}        quote: {quote}\n'
    assert old in text
    new = "        values:\n" + "".join(
        f'          - from: {start}\n            value: {{"[100,)+model": 80, "[0,50]": {r}, "(50,)": 60}}\n'
        f"            quote: {quote}\n"
        for start, r in (("2020-01-01", 20), (on, 30)))
    (tmp_path / "haimen.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    return load_pack(str(tmp_path / "haimen.yaml"))


def test_a_rate_that_changes_inside_the_period_prices_each_part_at_its_own_rate(tmp_path):
    """The 50-bed rate goes from 20 to 30 yuan on 2020-07-15. A month counts by its month-end
    census, so it is priced at the rate in force on its last day: January–June at 20, July
    (its end 07-31 is after the change) to December at 30.
    - p, in residence all 2020: 6 × 20 + 6 × 30 = 300.00
    - q, discharged 2020-08-10 (in on the month-ends Jan–Jul): 6 × 20 + 1 × 30 = 150.00
    Lines: 2020-01..2020-06 12 × 20 = 240.00, 2020-07..2020-12 7 × 30 = 210.00; 450.00 in all."""
    pack = _haimen_with_a_rate_change(tmp_path, "2020-07-15")
    residents = [local("H", "p"), local("H", "q", discharged_on=D(2020, 8, 10))]
    ledger, findings, _ = compute(tables(institutions=[haimen_home("H", 50)], residents=residents), pack, 2020,
                                  period=Period.parse("2020"))
    rows = sorted(ledger.select("period", "quantity", "rate_fen", "amount_fen").rows())
    assert rows == [("2020H1", 12, 20_00, 240_00), ("2020H2", 7, 30_00, 210_00)]
    assert ledger["amount_fen"].sum() == 450_00
    assert "30.00 元/人/月" in lines(ledger, period="2020H2")["basis"][0]
    split = findings.filter(pl.col("rule") == "values_change_in_period")
    assert split["severity"].to_list() == ["info"]          # priced part by part: nothing left unpriced
    ev = split["evidence"][0]
    assert "2020H1" in ev and "2020H2" in ev and "20.00" in ev and "30.00" in ev and "rate_by_band" in ev
    assert "海门区 运营补贴通知 正文" in ev                     # each value's clause
    assert "50张以下的(含50张),每月每张床位给予20元" in ev   # and its words


def test_a_value_that_ends_and_a_later_one_leave_the_months_between_unpaid_and_said(tmp_path):
    """The 20-yuan rate holds until 2020-03-31 and a 30-yuan rate from 2020-07-01: January–March
    at 20 (3 × 20 = 60.00), April–June under no rate (not paid, an info finding for that part),
    July–December at 30 (6 × 30 = 180.00)."""
    from audit.policy import PACK_DIR

    text = (PACK_DIR / "haimen.yaml").read_text(encoding="utf-8")
    quote = text.split(RATE_LINE, 1)[1].split("\n", 1)[0].strip().removeprefix("quote: ")
    new = "        values:\n" + "".join(
        f'          - from: {start}\n{until}            value: {{"[100,)+model": 80, "[0,50]": {r}, "(50,)": 60}}\n'
        f"            quote: {quote}\n"
        for start, until, r in (("2020-01-01", "            until: 2020-03-31\n", 20), ("2020-07-01", "", 30)))
    (tmp_path / "haimen.yaml").write_text(text.replace(f"{RATE_LINE}        quote: {quote}\n", new, 1), encoding="utf-8")
    pack = load_pack(str(tmp_path / "haimen.yaml"))
    ledger, findings, _ = compute(tables(institutions=[haimen_home("H", 50)], residents=[local("H", "p")]), pack,
                                  2020, period=Period.parse("2020"))
    rows = sorted(ledger.select("period", "quantity", "amount_fen").rows())
    assert rows == [("2020H2", 6, 180_00), ("2020Q1", 3, 60_00)]
    # the run cuts the rule to the months it holds in (calc: Rule.spans_in_force) and says which are left out
    gap = findings.filter(pl.col("rule").is_in(["not_in_force", "months_not_in_force"]))
    assert gap["severity"].to_list() == ["info"] and "2020Q2 不计发" in gap["message"][0]


def test_a_change_on_the_first_of_the_period_or_of_its_first_month_splits_nothing(tmp_path):
    """A value that starts inside the period's first month holds on that month's end: the
    whole of 2020-07..2020-12 is at 30 yuan (6 × 30 = 180.00), one line, no split."""
    pack = _haimen_with_a_rate_change(tmp_path, "2020-07-10")
    ledger, findings, _ = compute(tables(institutions=[haimen_home("H", 50)], residents=[local("H", "p")]), pack,
                                  2020, period=Period.parse("2020H2"))
    assert ledger.select("period", "quantity", "amount_fen").rows() == [("2020H2", 6, 180_00)]
    assert findings.filter(pl.col("rule") == "values_change_in_period").height == 0


def test_a_value_restated_unchanged_inside_the_period_splits_nothing(tmp_path):
    """A second dated entry with the same value (6 months again from 2020-07-01) changes no
    price: one line for 2020 (12 × 20 = 240.00), no split, nothing to say."""
    from audit.policy import PACK_DIR

    text = (PACK_DIR / "haimen.yaml").read_text(encoding="utf-8").replace(
        "        unit: months\n        value: 6\n        quote: 对开业6个月以上\n",
        "        unit: months\n        values:\n"
        "          - {from: 2020-01-01, value: 6, quote: 对开业6个月以上}\n"
        "          - {from: 2020-07-01, value: 6, quote: 对开业6个月以上}\n", 1)
    assert "2020-07-01" in text
    (tmp_path / "haimen.yaml").write_text(text, encoding="utf-8")
    p = Period.parse("2020")
    ledger, findings, _ = compute(tables(institutions=[haimen_home("H", 50)], residents=[local("H", "p")]),
                             load_pack(str(tmp_path / "haimen.yaml")), 2020, period=p)
    assert ledger.select("period", "quantity", "amount_fen").rows() == [("2020", 12, 240_00)]
    assert findings.filter(pl.col("rule") == "values_change_in_period").height == 0


def test_a_level_the_uplift_table_lacks_is_a_gap_not_a_zero_uplift(tmp_path):
    # the table set without 重度: a severe resident's 200% cannot be read, so nothing is paid for
    # them and a policy_gap says so (it paid 12 × 200 = 2,400.00 with no uplift, silently);
    # 能力完好 ("none") is the level the text raises nothing for: 12 × 200 still paid
    from importlib.resources import files

    text = (files("audit.policy") / "packs" / "huashan.yaml").read_text(encoding="utf-8")
    assert text.count("{mild: 50%, moderate: 100%, severe: 200%}") == 1
    pack = tmp_path / "huashan_no_severe.yaml"
    pack.write_text(text.replace("{mild: 50%, moderate: 100%, severe: 200%}", "{mild: 50%, moderate: 100%}"),
                    encoding="utf-8")
    ledger, findings = calc(str(pack), "2024", institutions=[HOME], residents=[stay("p1", ability_grade="intact"),
                                                                               stay("p4", ability_grade="severe")])
    op = lines(ledger, program="operating")
    assert op.select("item", "amount_fen").rows() == [("bed_months_intact", 12 * 200_00)]
    gap = findings.filter(pl.col("rule") == "policy_gap")["evidence"].to_list()
    assert any("operating.uplift_by_level.severe" in e and "ids=H" in e for e in gap)


def test_bed_months_of_a_blank_profit_status_are_paid_as_for_profit_and_the_rest_said(tmp_path):
    # 海门 2020, a 50-bed home at 20 yuan a bed-month, one local resident all year, in a county
    # pack that pays for-profit homes 80% (海门's own text has no such share): blank 营利性质 is
    # paid as for-profit, 12 × 16 = 192.00, as the for-profit home; the 12 × (20 − 16) = 48.00
    # more if non-profit is audit.stake's warning
    from importlib.resources import files

    text = (files("audit.policy") / "packs" / "haimen.yaml").read_text(encoding="utf-8")
    anchor = "    params:\n      eligible_ownership:\n        unit: set\n        value: [private, public, public_private]\n"
    assert text.count(anchor) == 1
    share = "      forprofit_share: {unit: share, value: 80%, quote: 公办养老机构参照民办养老机构补贴标准}\n"
    pack = tmp_path / "haimen_forprofit.yaml"
    pack.write_text(text.replace(anchor, anchor.replace("    params:\n", "    params:\n" + share)), encoding="utf-8")
    homes = [haimen_home("B", 50, profit_status=None), haimen_home("F", 50, profit_status="forprofit")]
    ledger, findings = calc(str(pack), "2020", institutions=homes, residents=[local("B", "b1"), local("F", "f1")])
    assert dict(ledger.group_by("institution_id").agg(pl.col("amount_fen").sum()).rows()) == {"B": 192_00, "F": 192_00}
    from audit.stake import money_at_stake

    homes_tables = tables(institutions=homes, residents=[local("B", "b1"), local("F", "f1")])
    stakes = money_at_stake(homes_tables, {}, None, load_pack(str(pack)), 2020)
    assert stakes.select("institution_id", "column", "amount_fen").rows() == [("B", "profit_status", 48_00)]
