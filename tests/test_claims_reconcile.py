"""Declared vs approved vs paid (issue 12 §2, §3), hand-worked with the Shaoxing rates:
a level-4 home is paid 100 yuan per resident-month (绍兴 实施意见 重点工作(五)4)."""

from __future__ import annotations

import polars as pl

from audit.calc import compute
from audit.policy import load_pack
from audit.reconcile import reconcile, resident_discrepancies
from test_calc_helpers import D, tables

A = "330602195001010118"      # born 1950-01-01
B = "330602195001010126"
YOUNG = "330602197003010217"  # born 1970-03-01
HOME = {"institution_id": "H", "rating_level": 4, "beds": 100, "newly_built": False,
        "registered_on": D(2015, 1, 1), "accepted_on": D(2015, 1, 1), "opened_on": D(2015, 1, 1)}


def pid(n: int) -> str:
    """A valid id born 1950-01-01 with sequence n (check digit by GB 11643)."""
    body = f"33060219500101{n:03d}"
    total = sum(int(c) * w for c, w in zip(body, [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]))
    return body + "10X98765432"[total % 11]


def resident(p, iid="H", **kw):
    return {"institution_id": iid, "person_id": p, "admitted_on": D(2020, 1, 1), **kw}


def months(iid, p, first=1, last=12):
    return [{"institution_id": iid, "period": f"2024-{m:02d}", "person_id": p} for m in range(first, last + 1)]


def run(**tabs):
    t = tables(**tabs)
    pack = load_pack("shaoxing")
    ledger, findings, ctx = compute(t, pack, 2024)
    disc, disc_findings = resident_discrepancies(t, pack, ctx)
    recon, recon_findings = reconcile(t, ledger, ctx, pack, 2024, "zh", disc)
    return recon, disc, pl.concat([findings, disc_findings, recon_findings]), ledger


def row(recon, **where):
    for c, v in where.items():
        recon = recon.filter(pl.col(c) == v)
    assert recon.height == 1, recon
    return recon.row(0, named=True)


def test_claimed_twelve_months_for_a_resident_who_died_on_10_may():
    # in residence on the month-ends Jan–Apr (30 Apr < 10 May): 4 × 100 = 400.00 approved;
    # claimed 12 × 100 = 1,200.00; the 8 months after the death (800.00) explain the cut in full
    recon, disc, findings, _ = run(
        institutions=[HOME], residents=[resident(A)], deaths=[{"person_id": A, "died_on": D(2024, 5, 10)}],
        claim_residents=months("H", A),
        claims=[{"institution_id": "H", "program": "operating", "period": "2024", "amount_fen": 1_200_00}])
    r = row(recon, institution_id="H", program="operating")
    assert (r["period"], r["claimed_fen"], r["approved_fen"], r["paid_fen"]) == ("2024", 1_200_00, 400_00, 0)
    assert (r["claimed_minus_approved_fen"], r["status"], r["to_pay_fen"]) == (800_00, "核减", 400_00)
    assert (r["explained_fen"], r["unexplained_fen"], r["explained_by"]) == (800_00, 0, "claim_died")
    assert disc.filter(pl.col("rule") == "claim_died")["month_end"].dt.month().to_list() == list(range(5, 13))
    assert set(disc["amount_fen"]) == {100_00}
    f = findings.filter(pl.col("rule") == "claim_died")
    assert f["evidence"].to_list() == [
        "person=3306**********0118 months=2024-05,2024-06,2024-07,2024-08,2024-09,2024-10,2024-11,2024-12 amount=800.00"]
    assert A not in f["message"][0] and "2024-05-10" in f["message"][0]


def test_claim_12000_recomputed_10800_paid_12000_is_1200_to_recover():
    # nine residents all year: 9 × 12 × 100 = 10,800.00
    recon, _, _, _ = run(
        institutions=[HOME], residents=[resident(pid(n)) for n in range(1, 10)],
        claims=[{"institution_id": "H", "program": "operating", "period": "2024", "amount_fen": 12_000_00}],
        payments=[{"institution_id": "H", "program": "operating", "period": "2024", "amount_fen": 12_000_00,
                   "paid_on": D(2024, 12, 20), "voucher": "记-001"}])
    r = row(recon, institution_id="H")
    assert (r["claimed_fen"], r["approved_fen"], r["paid_fen"]) == (12_000_00, 10_800_00, 12_000_00)
    assert (r["to_recover_fen"], r["to_pay_fen"], r["status"]) == (1_200_00, 0, "追回")
    assert (r["claimed_minus_approved_fen"], r["explained_fen"], r["unexplained_fen"]) == (1_200_00, 0, 1_200_00)


def test_paid_less_than_approved_is_pay_the_rest():
    recon, _, _, _ = run(
        institutions=[HOME], residents=[resident(pid(n)) for n in range(1, 10)],
        claims=[{"institution_id": "H", "program": "operating", "period": "2024", "amount_fen": 10_800_00}],
        payments=[{"institution_id": "H", "program": "operating", "period": "2024", "amount_fen": 10_000_00}])
    r = row(recon, institution_id="H")
    assert (r["to_pay_fen"], r["to_recover_fen"], r["status"], r["claimed_minus_approved_fen"]) == (800_00, 0, "补发", 0)


def test_claim_equal_to_approved_and_nothing_paid_yet_is_a_match():
    recon, _, _, _ = run(
        institutions=[HOME], residents=[resident(A)],
        claims=[{"institution_id": "H", "program": "operating", "period": "2024", "amount_fen": 1_200_00}])
    assert row(recon, institution_id="H")["status"] == "一致"


def test_low_income_supplement_off_the_roster_is_cut_and_explains_the_claim():
    # declared 低保 all year, never on the roster: 12 × (100 + 50) claimed = 1,800.00; approved 1,200.00
    recon, _, findings, ledger = run(
        institutions=[HOME], residents=[resident(A, low_income="dibao"), resident(B)],
        assistance_roster=[{"person_id": B, "category": "tekun", "from": D(2010, 1, 1)}],
        claims=[{"institution_id": "H", "program": "operating", "period": "2024", "amount_fen": 3_000_00}])
    assert ledger.filter(pl.col("item") == "low_income_supplement").height == 0
    r = row(recon, institution_id="H")
    assert (r["claimed_fen"], r["approved_fen"], r["explained_fen"], r["unexplained_fen"]) == (3_000_00, 2_400_00, 600_00, 0)
    assert r["explained_by"] == "not_on_roster"
    assert findings.filter(pl.col("rule") == "not_on_roster").height == 1


def test_half_year_claims_take_their_months_and_unclaimed_months_get_their_own_row():
    # claimed H1 only (600.00 = 6 × 100); approved H1 600.00; H2's 600.00 approved but never claimed
    recon, _, _, _ = run(
        institutions=[HOME], residents=[resident(A)],
        claims=[{"institution_id": "H", "program": "operating", "period": "2024H1", "amount_fen": 600_00}])
    assert recon.select("period", "claimed_fen", "approved_fen", "status").rows() == [
        ("2024H1", 600_00, 600_00, "一致"), ("2024H2", 0, 600_00, "核增")]


def test_per_resident_causes_each_with_money():
    # claimed for three people in H, Jan–Mar: A is resident (counted), YOUNG is 54 (under 60),
    # B lives at home K and is claimed by K too → 3 + 3 months not approved, 100.00 each
    other = {**HOME, "institution_id": "K"}
    recon, disc, findings, _ = run(
        institutions=[HOME, other], residents=[resident(A), resident(YOUNG), resident(B, iid="K")],
        claim_residents=months("H", A, 1, 3) + months("H", YOUNG, 1, 3) + months("H", B, 1, 3) + months("K", B),
        claims=[{"institution_id": "H", "program": "operating", "period": "2024Q1", "amount_fen": 900_00}])
    got = disc.filter(pl.col("institution_id") == "H").group_by("rule").agg(pl.len(), pl.col("amount_fen").sum()).sort("rule")
    assert got.rows() == [("claim_claimed_elsewhere", 3, 300_00), ("claim_missing", 9, -900_00),
                          ("claim_under_60", 3, 300_00)]
    # A's Apr–Dec are counted but not in the Q1 claim: they sit in the 2024-04..2024-12 row
    assert recon.filter(pl.col("institution_id") == "H").select("period", "claimed_fen", "approved_fen",
                                                                "explained_fen", "unexplained_fen").rows() == [
        ("2024Q1", 900_00, 300_00, 600_00, 0), ("2024-04..2024-12", 0, 900_00, -900_00, 0)]
    law = findings.filter(pl.col("rule") == "claim_under_60")["citation"].to_list()
    assert law == ["《中华人民共和国老年人权益保障法》第二条：“本法所称老年人是指六十周岁以上的公民”"]


def test_columns_reconcile_to_the_totals_of_claims_payments_and_ledger():
    other = {**HOME, "institution_id": "K", "rating_level": 1}
    recon, _, findings, ledger = run(
        institutions=[HOME, other], residents=[resident(A), resident(B, iid="K"), resident(pid(7))],
        claims=[{"institution_id": "H", "program": "operating", "period": "2024H1", "amount_fen": 1_000_00},
                {"institution_id": "H", "program": "operating", "period": "2023", "amount_fen": 5_00},
                {"institution_id": "H", "program": "insurance", "period": "2024", "amount_fen": 7_00}],
        payments=[{"institution_id": "H", "program": "operating", "period": "2024-03", "amount_fen": 250_00},
                  {"institution_id": "K", "program": "operating", "period": "2024Q4", "amount_fen": 10_00}])
    in_year_claims = 1_000_00 + 7_00
    assert recon["claimed_fen"].sum() == in_year_claims
    assert recon["paid_fen"].sum() == 260_00
    assert recon["approved_fen"].sum() == ledger.filter(pl.col("payer") != "institution")["amount_fen"].sum()
    assert recon["claimed_minus_approved_fen"].sum() == in_year_claims - recon["approved_fen"].sum()
    assert (recon["to_recover_fen"] - recon["to_pay_fen"]).sum() == 260_00 - recon["approved_fen"].sum()
    assert findings.filter(pl.col("rule") == "claim_outside_year")["evidence"].to_list() == [
        "count=1 periods=2023 amount=5.00"]
    assert findings.filter(pl.col("rule") == "program_not_in_pack").height == 0  # Shaoxing has all four


def test_a_claim_for_a_programme_the_pack_lacks_is_an_error_with_its_money():
    """海门 pays an operating grant only: a 建设补贴 claim of 7.00 (Excel row 3) cannot be approved."""
    from audit.reconcile import _unknown_programme

    claims = pl.DataFrame({"institution_id": ["H"], "program": ["construction"], "amount_fen": [7_00], "_row": [3]})
    f = _unknown_programme(claims, load_pack("haimen"), "zh", 2020)
    assert f.select("rule", "severity", "evidence").rows() == [
        ("program_not_in_pack", "error", "program=construction amount=7.00 rows=3")]


def test_every_programme_a_packs_kinds_pay_into_can_be_claimed():
    """The programmes come from the kinds' declarations: 海门's bed-month grant is operating,
    花山's bed subsidy construction (a fixed list once left them out: every claim an error)."""
    from audit.reconcile import programs_in_pack

    assert programs_in_pack(load_pack("haimen")) == {"operating"}
    assert programs_in_pack(load_pack("huashan")) == {"construction", "operating"}


# ---- money compared over the same months when periods do not nest (reviewer's cases, REPORT.md item 4)


def op(period, fen, kind="claims"):
    row = {"institution_id": "H", "program": "operating", "period": period, "amount_fen": fen}
    return row if kind == "claims" else {**row, "paid_on": D(2024, 12, 20), "voucher": f"记-{period}"}


def test_a_payment_for_the_year_against_half_year_claims_is_set_against_both():
    # one resident all year at 100.00: approved 1,200.00 (600.00 per half). Claimed 600.00 per half,
    # paid 1,100.00 once for 2024: one row 2024, nothing to recover, 100.00 to pay (the old code
    # left the payment on a row of its own: 追回 1,100.00 there and 补发 600.00 on each half)
    recon, _, _, _ = run(institutions=[HOME], residents=[resident(A)],
                         claims=[op("2024H1", 600_00), op("2024H2", 600_00)],
                         payments=[op("2024", 1_100_00, "payments")])
    assert recon.select("period", "claimed_fen", "approved_fen", "paid_fen", "to_recover_fen", "to_pay_fen",
                        "status").rows() == [("2024", 1_200_00, 1_200_00, 1_100_00, 0, 100_00, "补发")]


def test_quarterly_claims_paid_by_half_year_are_compared_per_half():
    # approved 300.00 a quarter; claimed 300.00 a quarter; paid H1 600.00, H2 500.00:
    # H1 settled, H2 100.00 to pay; no row recovers anything
    recon, _, _, _ = run(institutions=[HOME], residents=[resident(A)],
                         claims=[op(f"2024Q{q}", 300_00) for q in range(1, 5)],
                         payments=[op("2024H1", 600_00, "payments"), op("2024H2", 500_00, "payments")])
    assert recon.select("period", "claimed_fen", "approved_fen", "paid_fen", "to_recover_fen", "to_pay_fen",
                        "status").rows() == [("2024H1", 600_00, 600_00, 600_00, 0, 0, "一致"),
                                             ("2024H2", 600_00, 600_00, 500_00, 0, 100_00, "补发")]


def run_pack(pack_id, **tabs):
    t = tables(**tabs)
    pack = load_pack(pack_id)
    ledger, _, ctx = compute(t, pack, 2024)
    return reconcile(t, ledger, ctx, pack, 2024, "zh")[0]


def test_a_yearly_construction_line_claimed_and_paid_for_one_month_is_settled():
    # 嘉峪关 三(一): 10 for-profit beds × 8,000 = 80,000.00 for 2024 (all public payers). Claimed for
    # the month of application 2024-06 (80,000.00), paid 60,000.00 in 2024-06 and 20,000.00 in
    # 2024-09: nothing to recover or pay (the old code: 追回 on 2024-06 and 2024-09, 补发 80,000.00 on 2024)
    home = {"institution_id": "H", "beds": 10, "profit_status": "forprofit", "registered_on": D(2024, 3, 1),
            "accepted_on": D(2024, 2, 1), "opened_on": D(2024, 4, 1)}
    con = {"institution_id": "H", "program": "construction"}
    recon = run_pack("jiayuguan", institutions=[home], claims=[{**con, "period": "2024-06", "amount_fen": 80_000_00}],
                     payments=[{**con, "period": "2024-06", "amount_fen": 60_000_00, "voucher": "1"},
                               {**con, "period": "2024-09", "amount_fen": 20_000_00, "voucher": "2"}])
    assert recon.select("period", "claimed_fen", "approved_fen", "paid_fen", "to_recover_fen", "to_pay_fen",
                        "status").rows() == [("2024", 80_000_00, 80_000_00, 80_000_00, 0, 0, "一致")]


def test_a_month_cut_explains_the_row_that_took_its_money_only():
    # died 10 May, no 申报名册: the death register cuts May–Dec, 8 × 100.00 = 800.00 (`died`).
    # Claims 2024H1 600.00 and (nested) 2024 600.00: H1 holds Jan–Jun (approved 400.00, cut May–Jun
    # 200.00), the 2024 row the rest (approved 0, cut Jul–Dec 600.00). The old code counted May and
    # June under both rows (explained 800.00 on the 2024 row, 1,000.00 in all)
    recon, _, _, _ = run(institutions=[HOME], residents=[resident(A)], deaths=[{"person_id": A, "died_on": D(2024, 5, 10)}],
                         claims=[op("2024H1", 600_00), op("2024", 600_00)])
    assert recon.select("period", "claimed_fen", "approved_fen", "explained_fen", "unexplained_fen").rows() == [
        ("2024H1", 600_00, 400_00, 200_00, 0), ("2024", 600_00, 0, 600_00, 0)]


def test_a_payment_across_the_year_edge_is_a_warning_with_the_approved_money_of_its_months_inside():
    # paid 1,200.00 for the settlement year 2023-07..2024-06: it cannot be split by month, so 2024H1's
    # approved 600.00 (6 × 100.00) still reads 补发-able; a warning names both sums (not an info "outside")
    recon, _, findings, _ = run(institutions=[HOME], residents=[resident(A)], claims=[op("2024H2", 600_00)],
                                payments=[op("2023-07..2024-06", 1_200_00, "payments")])
    f = findings.filter(pl.col("rule").str.contains("period|year"))
    assert f.select("rule", "severity", "evidence").rows() == [
        ("payment_straddles_period", "warning",
         "program=operating periods=2023-07..2024-06 amount=1,200.00 months_inside=2024H1 approved_inside=600.00")]
    assert "运营补贴" in f["message"][0] and "600.00" in f["message"][0]
    assert recon["paid_fen"].sum() == 0


def test_overlapping_claims_for_one_programme_are_named_as_a_possible_double_claim():
    # claims 2024 (1,200.00) and 2024H1 (600.00) share Jan–Jun: H1 takes those months' 600.00, the
    # 2024 row H2's 600.00; the finding names both periods and sums
    recon, _, findings, _ = run(institutions=[HOME], residents=[resident(A)],
                                claims=[op("2024", 1_200_00), op("2024H1", 600_00)])
    f = findings.filter(pl.col("rule") == "claim_periods_overlap")
    assert f.select("severity", "evidence", "period").rows() == [
        ("warning", "program=operating periods=2024H1;2024 amounts=600.00;1,200.00 shared=2024H1", "2024H1")]
    assert recon.select("period", "claimed_fen", "approved_fen").rows() == [("2024H1", 600_00, 600_00),
                                                                           ("2024", 1_200_00, 600_00)]


COLS = ["period", "claimed_fen", "approved_fen", "paid_fen", "to_recover_fen", "to_pay_fen", "status"]


def test_a_payment_held_by_the_outer_of_two_nested_claims_is_set_against_the_inner_too():
    # approved 1,200.00 (100.00 a month). Claimed 2024 1,200.00 AND 2024H1 600.00 (claimed twice),
    # paid 1,200.00 once for 2024: paid exactly what is due — one row 2024, claimed 1,800.00,
    # 600.00 cut, nothing to recover or pay (the old rows: H1 补发 600.00, 2024 追回 600.00)
    recon, _, _, _ = run(institutions=[HOME], residents=[resident(A)],
                         claims=[op("2024", 1_200_00), op("2024H1", 600_00)],
                         payments=[op("2024", 1_200_00, "payments")])
    assert recon.select(COLS).rows() == [("2024", 1_800_00, 1_200_00, 1_200_00, 0, 0, "核减")]
    # claims 2024 and 2024Q1, paid 200.00 for March–April: Q1 and the payment's months are one
    # row (claimed 300, approved Jan–Apr 400, paid 200 → 补发 200); May–Dec stays on the 2024 row
    # (approved 800.00, nothing paid). Together 1,000.00 to pay = 1,200 approved − 200 paid.
    recon, _, _, _ = run(institutions=[HOME], residents=[resident(A)],
                         claims=[op("2024", 1_200_00), op("2024Q1", 300_00)],
                         payments=[op("2024-03..2024-04", 200_00, "payments")])
    got = {r[0]: r for r in recon.select(COLS).rows()}
    assert got["2024-01..2024-04"][1:6] == (300_00, 400_00, 200_00, 0, 200_00)
    assert got["2024"][1:6] == (1_200_00, 800_00, 0, 0, 800_00)


def test_a_recovery_recorded_as_a_negative_payment_is_a_payment_for_the_status():
    # claimed = approved = 1,200.00; the only payment is a recovery of −100.00: 1,300.00 to pay,
    # and the status says 补发 (not 一致 beside a non-zero 应补发)
    recon, _, _, _ = run(institutions=[HOME], residents=[resident(A)], claims=[op("2024", 1_200_00)],
                         payments=[op("2024-12", -100_00, "payments")])
    assert recon.select(COLS).rows() == [("2024", 1_200_00, 1_200_00, -100_00, 0, 1_300_00, "补发")]


def test_the_same_claim_on_two_rows_is_a_warning_with_the_money_claimed_twice():
    # a 申报 sheet copied and lightly edited is stacked; its rows repeat the original's: 2024
    # claimed 1,200.00 twice → claimed 2,400.00 on the row, and a warning names the 1,200.00
    recon, _, findings, _ = run(institutions=[HOME], residents=[resident(A)],
                                claims=[op("2024", 1_200_00), op("2024", 1_200_00)])
    assert recon.select("period", "claimed_fen", "approved_fen").rows() == [("2024", 2_400_00, 1_200_00)]
    rep = findings.filter(pl.col("rule") == "claim_repeated").row(0, named=True)
    assert rep["severity"] == "warning" and "amount=1,200.00" in rep["evidence"] and "2 次" in rep["message"]


def test_the_same_payment_on_two_rows_without_a_voucher_is_a_warning():
    # paid 600.00 for 2024H1 on two rows with no 凭证号: 1,200.00 paid, and a warning names the
    # 600.00 that may be a row entered twice (with a voucher the repeat is an input error instead)
    pay = {"institution_id": "H", "program": "operating", "period": "2024H1", "amount_fen": 600_00}
    recon, _, findings, _ = run(institutions=[HOME], residents=[resident(A)], claims=[op("2024", 1_200_00)],
                                payments=[pay, dict(pay)])
    assert recon["paid_fen"].sum() == 1_200_00
    rep = findings.filter(pl.col("rule") == "payment_repeated").row(0, named=True)
    assert rep["severity"] == "warning" and "amount=600.00" in rep["evidence"] and "拨付了 2 次" in rep["message"]
