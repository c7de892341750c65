"""A rule in force for part of the run's period pays the months it holds in, at the
values then in force (calc: Rule.spans_in_force), and says which months it leaves out.
Amounts worked out by hand from 绍兴 实施意见 重点工作(五)3 and (五)4."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import polars as pl

from audit.calc import compute
from audit.dates import Period
from audit.policy import load_pack
from test_calc_helpers import D, tables

OLD = dict(registered_on=D(2015, 1, 1), accepted_on=D(2015, 1, 1), opened_on=D(2015, 1, 1))
# a private level-3 home with one local self-care resident all year: (五)4 "三级…每人每月不低于80元"
HOME = {"institution_id": "A1", "rating_level": 3, "beds": 50, "newly_built": False, **OLD}
RESIDENT = {"institution_id": "A1", "person_id": "p1", "admitted_on": D(2020, 1, 1)}


def ended(rule_id: str, until: date, sets=()):
    """绍兴 with every value of one rule ending on `until` (a county that stops the grant)."""
    pack = load_pack("shaoxing", sets=sets)
    for p in pack.rules[rule_id].params.values():
        p.values[-1] = replace(p.values[-1], until=until)
    return pack


def run(pack, period="2024", **tabs):
    p = Period.parse(period)
    ledger, findings, _ = compute(tables(**tabs), pack, p.end.year, period=p)
    return ledger.filter(pl.col("rule").is_in(["operating_grant", "construction_city"])), findings


def test_an_operating_grant_ending_on_30_june_pays_january_to_june():
    # 6 resident-months × 80.00 = 480.00, read at 30 June (the last day it holds)
    ledger, findings = run(ended("operating_grant", D(2024, 6, 30)), institutions=[HOME], residents=[RESIDENT])
    assert ledger.select("period", "quantity", "rate_fen", "amount_fen").rows() == [("2024H1", 6, 80_00, 480_00)]
    note = findings.filter(pl.col("rule") == "months_not_in_force").row(0, named=True)
    assert note["severity"] == "info" and "until=2024-06-30" in note["evidence"]
    assert "paid=2024H1" in note["evidence"] and "not_paid=2024H2" in note["evidence"]
    assert "not_in_force" not in set(findings["rule"])


def test_a_month_counts_only_when_the_rule_holds_on_its_last_day():
    # ends 15 June: the June month-end census falls after it → 5 × 80.00 = 400.00
    ledger, findings = run(ended("operating_grant", D(2024, 6, 15)), institutions=[HOME], residents=[RESIDENT])
    assert ledger.select("period", "quantity", "amount_fen").rows() == [("2024-01..2024-05", 5, 400_00)]
    assert "not_paid=2024-06..2024-12" in findings.filter(pl.col("rule") == "months_not_in_force")["evidence"][0]


def test_a_rule_that_ended_before_the_period_is_not_computed():
    ledger, findings = run(ended("operating_grant", D(2023, 12, 31)), institutions=[HOME], residents=[RESIDENT])
    assert ledger.height == 0
    f = findings.filter(pl.col("rule") == "not_in_force").row(0, named=True)
    assert f["severity"] == "info" and "rule=operating_grant" in f["evidence"]


def test_a_construction_grant_ending_on_30_june_pays_a_home_registered_in_march():
    # (五)3 "自建用房…每张床位不低于4000元": 20 beds × 4,000.00 = 80,000.00, due 2024-03-01
    new = {"institution_id": "S1", "newly_built": True, "beds": 20, "registered_on": D(2024, 3, 1),
           "accepted_on": D(2024, 3, 1), "opened_on": D(2024, 3, 1)}
    ledger, findings = run(ended("construction_city", D(2024, 6, 30)), institutions=[new])
    assert ledger.select("period", "quantity", "rate_fen", "amount_fen").rows() == [
        ("2024H1", 20, 4000_00, 80_000_00)]
    assert "not_paid=2024H2" in findings.filter(pl.col("rule") == "months_not_in_force")["evidence"][0]


# ------------------------------------------------------------------ --set of one key of a dated table


def dated_rates(sets=()):
    """绍兴 (五)4 with level rates raised from 2024-07-01 (三级 80 → 90 a person a month),
    then the local values applied."""
    pack = load_pack("shaoxing")
    p = pack.rules["operating_grant"].params["rate_by_rating_level"]
    first = p.values[0]
    p.values = [first, replace(first, start=D(2024, 7, 1), value={**first.value, 3: 90_00, 5: 160_00})]
    from audit.policy.loader import apply_overrides

    return apply_overrides(pack, sets=sets)


def test_setting_one_key_of_a_dated_table_keeps_each_dates_other_keys():
    # a level-3 home all year: 6 × 80.00 + 6 × 90.00 = 1,020.00, with or without a local 五级 rate
    for sets in ((), ("operating_grant.rate_by_rating_level.5=200",)):
        ledger, _ = run(dated_rates(sets), institutions=[HOME], residents=[RESIDENT])
        assert sorted(ledger.select("quantity", "rate_fen", "amount_fen").rows()) == [
            (6, 80_00, 480_00), (6, 90_00, 540_00)], sets
    # the key set holds on every date: a level-5 home pays 12 × 200.00 = 2,400.00
    ledger, _ = run(dated_rates(("operating_grant.rate_by_rating_level.5=200",)),
                    institutions=[{**HOME, "rating_level": 5}], residents=[RESIDENT])
    assert ledger.select("quantity", "rate_fen", "amount_fen").rows() == [(12, 200_00, 2_400_00)]


def test_policy_show_lists_each_dated_table_with_the_local_key_and_its_own_other_keys():
    pack = dated_rates(("operating_grant.rate_by_rating_level.5=200",))
    rows = [r for r in pack.parameters() if r["name"] == "operating_grant.rate_by_rating_level"]
    assert [(r["from"], r["value"]["3"], r["value"]["5"]) for r in rows] == [
        ("2023-01-01", "80.00", "200.00"), ("2024-07-01", "90.00", "200.00")]


# ------------------------------------------------------------------ months before a rule starts


def test_construction_subsidies_due_before_a_rule_starts_are_one_finding_with_the_homes_total():
    # 宝坻 二(三)7 holds from 2024-09-02 (its rate is a gap: set locally at 5,000 yuan a bed).
    # Self-built homes meeting every condition before the rule are due before it: B1 (30 beds,
    # 2024-03-01) 30 × 5,000.00 = 150,000.00, B3 (20 beds, 2024-05-10) 20 × 5,000.00 = 100,000.00.
    # The 2024 run pays them nothing and says so once for the rule: 2 homes, 250,000.00 in all,
    # each home's own amount kept for its self-check.
    home = {"institution_id": "B1", "newly_built": True, "beds": 30, "registered_on": D(2024, 3, 1),
            "accepted_on": D(2024, 3, 1), "opened_on": D(2024, 3, 1)}
    may = {**home, "institution_id": "B3", "beds": 20, "registered_on": D(2024, 5, 10)}
    pack = load_pack("baodi", sets=("construction.rate_self_built=5000",))
    ledger, findings, ctx = compute(tables(institutions=[home, may]), pack, 2024)
    assert ledger.filter(pl.col("program") == "construction").height == 0
    f = findings.filter(pl.col("rule") == "before_rule_start")
    assert f.height == 1 and f["institution_id"][0] is None and f["severity"][0] == "info"
    assert "months=2024-01..2024-08" in f["evidence"][0] and f["period"][0] == "2024"
    assert "homes=2 amount=250,000.00 ids=B1, B3" in f["evidence"][0]
    assert "2 个机构" in f["message"][0] and "250,000.00 元" in f["message"][0] and "由主管部门决定" in f["message"][0]
    assert ctx.home_amounts == {"before_rule_start construction@2024": {"B1": 150_000_00, "B3": 100_000_00}}
    # a home due in October, inside the rule's months, is paid and gets no such finding
    later = {**home, "institution_id": "B2", "registered_on": D(2024, 10, 8)}
    ledger, findings = compute(tables(institutions=[later]), pack, 2024)[:2]
    assert ledger.filter(pl.col("program") == "construction")["amount_fen"].sum() == 150_000_00
    assert findings.filter(pl.col("rule") == "before_rule_start").height == 0
