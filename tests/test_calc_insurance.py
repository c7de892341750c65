"""Insurance premium splits (东阳 二(二)6/7; 绍兴 重点工作(五)4 last paragraph), by hand."""

from __future__ import annotations

import polars as pl

from test_calc_helpers import lines, run_calc


def inst(iid, profit="nonprofit", kind="institution"):
    return {"institution_id": iid, "profit_status": profit, "kind": kind}


def policy(iid, premium_fen, scheme="institution", year=2024):
    return {"institution_id": iid, "year": year, "premium_fen": premium_fen, "scheme": scheme}


def split(ledger, iid):
    return {(r["item"], r["payer"]): r["amount_fen"] for r in lines(ledger, institution_id=iid).iter_rows(named=True)}


def test_dongyang_forprofit_nonprofit_and_home_care():
    ledger, _ = run_calc("dongyang", 2024,
                         institutions=[inst("FP", "forprofit"), inst("NP"), inst("HC", kind="community_center")],
                         insurance=[policy("FP", 10_000_00), policy("NP", 10_000_00), policy("HC", 1_234_56, "home_care"),
                                    policy("NP", 9_999_00, year=2023)])
    # for-profit: 10,000 × 1/3 = 3,333.333… → 3,333.33 public, 6,666.67 institution
    assert split(ledger, "FP") == {("premium_share", "finance"): 3_333_33, ("premium_rest", "institution"): 6_666_67}
    # non-profit: 10,000 × 2/3 = 6,666.666… → 6,666.67 public, 3,333.33 institution (the 2023 premium is not this year's)
    assert split(ledger, "NP") == {("premium_share", "finance"): 6_666_67, ("premium_rest", "institution"): 3_333_33}
    # 居家养老综合保险: finance pays the full premium, nothing left for the centre
    assert split(ledger, "HC") == {("premium_share", "finance"): 1_234_56}
    assert set(lines(ledger, institution_id="HC")["citation"]) == {"东阳 实施意见 二(二)7"}


def test_shaoxing_average_premium_from_the_input_and_the_cap():
    # premiums 3,000 / 6,000 / 1,000 → mean 3,333.33 (10,000 ÷ 3 = 3,333.333… rounded to the fen);
    # non-profit city share 1/3 of it = 1,111.11; for-profit 1/6 = 555.555… → 555.56;
    # the 1,000 premium is capped at 1,000 (the institution's share is never negative)
    ledger, findings = run_calc("shaoxing", 2024, institutions=[inst("A"), inst("B", "forprofit"), inst("C")],
                                insurance=[policy("A", 3_000_00), policy("B", 6_000_00), policy("C", 1_000_00)])
    assert split(ledger, "A") == {("premium_share", "city"): 1_111_11, ("premium_rest", "institution"): 1_888_89}
    assert split(ledger, "B") == {("premium_share", "city"): 555_56, ("premium_rest", "institution"): 5_444_44}
    assert split(ledger, "C") == {("premium_share", "city"): 1_000_00}
    info = findings.filter(pl.col("rule") == "average_premium_from_input").row(0, named=True)
    assert info["severity"] == "info"  # paid on the mean: not a gap left unpaid
    assert "mean=3333.33" in info["evidence"] and "insurance_city.average_premium" in info["message"]
    # the provincial share is a gap: a warning, and no provincial line
    warn = findings.filter((pl.col("rule") == "policy_gap") & (pl.col("severity") == "warning"))["message"].to_list()
    assert any("insurance_province.share_nonprofit" in m for m in warn)
    assert lines(ledger, payer="province").height == 0


def test_shaoxing_average_premium_set_locally_and_provincial_share_first():
    # average 3,000 set; province 1/2 of the premium set: premium 2,000 → province 1,000,
    # city 1/3 × 3,000 = 1,000 (exactly what is left), institution 0 (no line)
    ledger, findings = run_calc("shaoxing", 2024, sets=("insurance_city.average_premium=3000",
                                                        "insurance_province.share_nonprofit=1/2"),
                                institutions=[inst("A")], insurance=[policy("A", 2_000_00)])
    assert split(ledger, "A") == {("premium_share", "province"): 1_000_00, ("premium_share", "city"): 1_000_00}
    assert findings.filter(pl.col("message").str.contains("average_premium")).height == 0


def test_lines_of_each_premium_add_up_to_it():
    prem = [policy(f"I{i}", p) for i, p in enumerate([1, 2, 3, 99, 100_01, 333_33, 12_345_67])]
    ledger, _ = run_calc("dongyang", 2024, institutions=[inst(f"I{i}", "forprofit" if i % 2 else "nonprofit")
                                                         for i in range(7)], insurance=prem)
    got = {i: int(g["amount_fen"].sum()) for (i,), g in ledger.group_by("institution_id")}
    assert got == {p["institution_id"]: p["premium_fen"] for p in prem}
    assert ledger["amount_fen"].min() > 0


def test_the_rest_says_it_is_an_upper_bound_while_a_share_is_a_gap():
    # Shaoxing leaves the provincial share open: A's rest 3,000 − 1,000 (city, average 3,000 set) =
    # 2,000.00 is the most A pays, not what it pays; with the provincial share set the rest is exact
    gap, _ = run_calc("shaoxing", 2024, sets=("insurance_city.average_premium=3000",),
                      institutions=[inst("A")], insurance=[policy("A", 3_000_00)])
    rest = lines(gap, item="premium_rest").row(0, named=True)
    assert rest["amount_fen"] == 2_000_00 and "机构自付至多此数" in rest["basis"]
    # province 1/4 of 3,000 = 750; city 1,000; rest 3,000 − 750 − 1,000 = 1,250.00
    full, _ = run_calc("shaoxing", 2024, sets=("insurance_city.average_premium=3000",
                                               "insurance_province.share_nonprofit=1/4"),
                       institutions=[inst("A")], insurance=[policy("A", 3_000_00)])
    rest = lines(full, item="premium_rest").row(0, named=True)
    assert rest["amount_fen"] == 1_250_00 and "至多" not in rest["basis"]


def test_a_blank_profit_status_is_paid_as_for_profit():
    # 东阳 二(二)6: non-profit 2/3, for-profit 1/3. Premium 3,000.01 with 营利性质 blank is paid as
    # for-profit (the one reading of a blank, audit.kinds.common.PROFIT_STATUS): 1/3 × 3,000.01 =
    # 1,000.003… → 1,000.00; the 1,000.01 more if non-profit is audit.stake's warning (test_stake)
    ledger, findings = run_calc("dongyang", 2024, institutions=[inst("B", None)], insurance=[policy("B", 3_000_01)])
    assert split(ledger, "B") == {("premium_share", "finance"): 1_000_00, ("premium_rest", "institution"): 2_000_01}
    basis = lines(ledger, item="premium_share")["basis"][0]
    assert basis == "保费 3,000.01 元 × 1/3 = 1,000.00 元（未填写营利性质，按营利性计）"
    from audit.calc import compute
    from audit.policy import load_pack
    from test_calc_helpers import tables

    en, _, _ = compute(tables(institutions=[inst("B", None)], insurance=[policy("B", 3_000_01)]),
                       load_pack("dongyang"), 2024, lang="en")
    assert lines(en, item="premium_share")["basis"][0].endswith(" (profit status blank: read as for-profit)")
    # a non-profit home's basis says nothing of it
    ledger, _ = run_calc("dongyang", 2024, institutions=[inst("N")], insurance=[policy("N", 3_000_01)])
    assert "营利性质" not in lines(ledger, item="premium_share")["basis"][0]


def test_a_premium_rule_in_force_for_part_of_the_year_is_one_finding_with_the_homes_total():
    # 东阳 二(二)6 "对非营利性养老服务机构的保费,财政补助三分之二；对营利性养老服务机构的保费,财政补助一半"
    # (in force from 2024-02-20; for-profit: half of 2/3 = 1/3):
    # NP non-profit 10,000.00 × 2/3 = 6,666.666… → 6,666.67; FP for-profit 3,000.01 × 1/3 = 1,000.003… → 1,000.00;
    # both homes together 7,666.67 — one rule-level finding, not one per home
    from dataclasses import replace
    from datetime import date

    from audit.calc import compute
    from audit.policy import load_pack
    from test_calc_helpers import tables

    homes = tables(institutions=[inst("NP"), inst("FP", "forprofit"), inst("NONE")],
                   insurance=[policy("NP", 10_000_00), policy("FP", 3_000_01)])
    # in force at the year's end (February on): paid in full, and one info says so with the total
    ledger, findings, ctx = compute(homes, load_pack("dongyang"), 2024)
    assert split(ledger, "NP") == {("premium_share", "finance"): 6_666_67, ("premium_rest", "institution"): 3_333_33}
    assert split(ledger, "FP") == {("premium_share", "finance"): 1_000_00, ("premium_rest", "institution"): 2_000_01}
    notes = findings.filter(pl.col("rule") == "premium_part_year")
    assert notes.height == 1
    note = notes.row(0, named=True)
    assert note["severity"] == "info" and note["institution_id"] is None
    assert "in_force=2024-02..2024-12" in note["evidence"] and "paid=yes" in note["evidence"]
    assert "homes=2 amount=7,666.67 ids=FP, NP" in note["evidence"]
    assert "2 个机构" in note["message"] and "7,666.67 元" in note["message"]
    assert ctx.home_amounts == {"premium_part_year insurance_institution@2024": {"NP": 6_666_67, "FP": 1_000_00}}
    # ended on 30 June: the annual premium is not split by months, so nothing public is paid,
    # and one warning names the homes and the 7,666.67 the rule would pay
    pack = load_pack("dongyang")
    for p in pack.rules["insurance_institution"].params.values():
        p.values[-1] = replace(p.values[-1], until=date(2024, 6, 30))
    ledger, findings, ctx = compute(homes, pack, 2024)
    assert split(ledger, "NP") == {} and split(ledger, "FP") == {}
    held = findings.filter(pl.col("rule") == "premium_part_year")
    assert held.height == 1
    held = held.row(0, named=True)
    assert held["severity"] == "warning" and held["institution_id"] is None
    assert "in_force=2024-02..2024-06" in held["evidence"] and "paid=no homes=2 amount=7,666.67" in held["evidence"]
    assert "7,666.67 元" in held["message"]
    assert ctx.home_amounts == {"premium_part_year insurance_institution@2024": {"NP": 6_666_67, "FP": 1_000_00}}


def test_a_run_over_two_years_settles_each_years_premium_by_that_years_rules():
    """东阳 二(二)6 "对非营利性养老服务机构的保费,财政补助三分之二" holds from 2024-02-20. A non-profit
    home's premiums of 10,000.00 for 2023 and for 2024, run over 2023-01..2024-12: the 2024
    premium is paid 6,666.67 (2/3) and the 2023 premium nothing — the rule was not in force in
    2023 — exactly what the two one-year runs pay. With the rule ending 2023-12-31 (and holding
    from 2023-01-01) it is the other way round: 2023 paid 6,666.67, 2024 nothing."""
    from dataclasses import replace
    from datetime import date

    from audit.calc import compute
    from audit.dates import Period
    from audit.policy import load_pack
    from test_calc_helpers import tables

    homes = tables(institutions=[inst("NP")],
                   insurance=[policy("NP", 10_000_00, year=2023), policy("NP", 10_000_00, year=2024)])
    two_years = Period.parse("2023-01..2024-12")

    def public_by_year(pack):
        ledger, _, _ = compute(homes, pack, 2024, period=two_years)
        public = ledger.filter(pl.col("payer") != "institution")
        return dict(public.group_by("period").agg(pl.col("amount_fen").sum()).iter_rows())

    assert public_by_year(load_pack("dongyang")) == {"2024": 6_666_67}
    ended = load_pack("dongyang")
    for p in ended.rules["insurance_institution"].params.values():
        p.values[0] = replace(p.values[0], start=date(2023, 1, 1))
        p.values[-1] = replace(p.values[-1], until=date(2023, 12, 31))
    assert public_by_year(ended) == {"2023": 6_666_67}


def test_a_blank_profit_status_under_an_open_non_profit_share_is_named_under_the_gap(tmp_path):
    # 东阳 二(二)6 with the non-profit share ("财政补助三分之二") left open, for-profit 1/3 as written.
    # B (营利性质 blank) is read as for-profit: 3,000.01 × 1/3 = 1,000.003… → 1,000.00 paid, and the
    # basis says so; if B is non-profit its share is the open one, so what it is due cannot be
    # computed: B is named under the gap (not silently complete). N (non-profit) gets no share line.
    from importlib.resources import files

    from audit.calc import compute
    from audit.policy import load_pack
    from test_calc_helpers import tables

    text = (files("audit.policy") / "packs" / "dongyang.yaml").read_text(encoding="utf-8")
    assert text.count('        value: "2/3"') == 1
    pack = tmp_path / "dongyang_open.yaml"
    pack.write_text(text.replace('        value: "2/3"', "        gap: true\n        note: 测试 / test"), encoding="utf-8")
    data = tables(institutions=[inst("B", None), inst("N")], insurance=[policy("B", 3_000_01), policy("N", 3_000_00)])
    ledger, findings, ctx = compute(data, load_pack(str(pack)), 2024)
    assert split(ledger, "B") == {("premium_share", "finance"): 1_000_00, ("premium_rest", "institution"): 2_000_01}
    assert lines(ledger, item="premium_share")["basis"][0] == (
        "保费 3,000.01 元 × 1/3 = 1,000.00 元（未填写营利性质，按营利性计）"
    )
    assert lines(ledger, institution_id="N", item="premium_share").height == 0
    gaps = findings.filter(pl.col("rule") == "policy_gap")
    unpaid = gaps.filter(pl.col("message").str.contains("1 个机构的该项不计发"))
    assert unpaid.height == 1 and unpaid["evidence"][0].endswith("ids=N")  # B is paid: not counted as unpaid
    assert gaps.filter(pl.col("message").str.contains("未填写营利性质")).height == 0  # paid: its own code
    blank = findings.filter(pl.col("rule") == "profit_status_blank_open")
    assert blank.height == 1 and "insurance_institution.share_nonprofit" in blank["message"][0]
    assert blank["evidence"][0].endswith("ids=B") and "无法计算" in blank["message"][0]
    assert ctx.gap_ids["insurance_institution.share_nonprofit"] == {"N", "B"}  # B's amount is open too
    assert ctx.blank_gap_ids["insurance_institution.share_nonprofit"] == {"B"}  # paid, on that reading (explain)
    en = compute(data, load_pack(str(pack)), 2024, lang="en")[1].filter(pl.col("rule") == "profit_status_blank_open")
    assert en.filter(pl.col("message").str.contains("profit status blank")).height == 1
