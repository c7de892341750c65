"""Resident-month operating grants (绍兴 重点工作(五)4; 嘉峪关 三(一) gap), by hand."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from test_calc_helpers import D, lines, run_calc

REGISTERED = dict(registered_on=D(2015, 1, 1), accepted_on=D(2015, 1, 1), opened_on=D(2015, 1, 1))


def home(iid="H", level=4, **kw):
    return {"institution_id": iid, "rating_level": level, "beds": 100, "newly_built": False, **REGISTERED, **kw}


def person(n, admitted, iid="H", **kw):
    return {"institution_id": iid, "person_id": f"3306021950010{n:05d}", "admitted_on": admitted, **kw}


def op(ledger):
    return {r["item"]: (r["quantity"], r["rate_fen"], r["amount_fen"])
            for r in lines(ledger, program="operating").iter_rows(named=True)}


def test_level_4_disabled_dibao_resident_earns_200_a_month_from_the_7th_month():
    # admitted 2024-01-31: six months on is 2024-07-31 ≤ July's end →
    # counted July–December = 6 months × (100 + 50 + 50) = 1,200 yuan
    ledger, _ = run_calc("shaoxing", 2024, institutions=[home()],
                         residents=[person(1, D(2024, 1, 31), care_level="full", low_income="dibao")])
    assert op(ledger) == {"resident_months_level_4": (6, 100_00, 600_00), "disability_supplement": (6, 50_00, 300_00),
                          "low_income_supplement": (6, 50_00, 300_00)}
    assert lines(ledger, program="operating")["amount_fen"].sum() == 1_200_00


def test_one_day_later_misses_july():
    # admitted 2024-02-01: six months on is 2024-08-01 > July's end, ≤ August's end → Aug–Dec = 5 × 100
    ledger, _ = run_calc("shaoxing", 2024, institutions=[home()], residents=[person(1, D(2024, 2, 1))])
    assert op(ledger) == {"resident_months_level_4": (5, 100_00, 500_00)}


def test_admitted_on_the_31st_completes_six_months_at_the_end_of_a_shorter_month():
    # admitted 2023-12-31: six months on is 2024-06-31, which does not exist → 2024-06-30
    # (民法典 第二百零二条), so June's end already counts: June–December = 7 × 100
    ledger, _ = run_calc("shaoxing", 2024, institutions=[home()], residents=[person(1, D(2023, 12, 31))])
    assert op(ledger) == {"resident_months_level_4": (7, 100_00, 700_00)}


def test_level_5_all_year_dementia_counts_once_and_dibao_edge():
    # resident since 2020, partial care AND dementia: disability supplement once, not twice;
    # 低保边缘 counts as low income: 12 × (150 + 50 + 50) = 3,000
    ledger, _ = run_calc("shaoxing", 2024, institutions=[home(level=5)],
                         residents=[person(1, D(2020, 5, 5), care_level="partial", dementia=True,
                                           low_income="dibao_edge")])
    assert op(ledger) == {"resident_months_level_5": (12, 150_00, 1_800_00), "disability_supplement": (12, 50_00, 600_00),
                          "low_income_supplement": (12, 50_00, 600_00)}


def test_non_local_hukou_is_not_counted_and_discharge_on_month_end_stops_that_month():
    # OUT: other county → 0; LEFT: discharged 2024-03-31 is not in residence at the end of March → Jan, Feb
    ledger, _ = run_calc("shaoxing", 2024, institutions=[home(level=1)], residents=[
        person(1, D(2020, 1, 1), hukou_county="柯桥区"),
        person(2, D(2020, 1, 1), discharged_on=D(2024, 3, 31))])
    assert op(ledger) == {"resident_months_level_1": (2, 30_00, 60_00)}


def test_care_level_change_splits_the_stay_but_not_the_residence():
    # one person: self-care 2023-01-01 → 2024-05-15, then full from 2024-05-15; continuous residence,
    # so all 12 months count (not a fresh 6-month wait); disability from May's end: May–Dec = 8 months
    ledger, _ = run_calc("shaoxing", 2024, institutions=[home(level=2)], residents=[
        person(1, D(2023, 1, 1), discharged_on=D(2024, 5, 15), care_level="self_care"),
        person(1, D(2024, 5, 15), care_level="full")])
    assert op(ledger) == {"resident_months_level_2": (12, 50_00, 600_00), "disability_supplement": (8, 50_00, 400_00)}


def test_unrated_public_and_unregistered_homes_get_no_line():
    ledger, findings = run_calc("shaoxing", 2024, institutions=[
        home("U", level=0), home("P", ownership="public"), home("R", registered_on=None)],
        residents=[person(1, D(2020, 1, 1), iid="U"), person(2, D(2020, 1, 1), iid="P"),
                   person(3, D(2020, 1, 1), iid="R")])
    assert lines(ledger, program="operating").height == 0
    u = findings.filter((pl.col("institution_id") == "U") & (pl.col("rule") == "unrated")).row(0, named=True)
    assert u["severity"] == "info" and u["evidence"] == "resident_months=12"
    r = findings.filter((pl.col("institution_id") == "R") & (pl.col("rule") == "not_registered")).row(0, named=True)
    assert r["severity"] == "warning" and r["evidence"] == "resident_months=12 「登记备案日期」=空"
    assert findings.filter(pl.col("institution_id") == "P").filter(pl.col("citation").str.contains("(五)4")).height == 0


def test_jiayuguan_care_level_rates_are_a_gap_until_set():
    res = [person(1, D(2020, 1, 1), care_level="full"), person(2, D(2020, 1, 1), care_level="partial")]
    ledger, findings = run_calc("jiayuguan", 2024, institutions=[home()], residents=res)
    assert lines(ledger, program="operating").height == 0
    gap = findings.filter(pl.col("rule") == "policy_gap")
    assert gap.height == 1 and "operating_grant.rate_by_care_level" in gap["message"][0]
    # a local rate for 完全失能 only: 12 months × 300 = 3,600; partial still a gap (no min_months in 三(一))
    ledger, findings = run_calc("jiayuguan", 2024, sets=("operating_grant.rate_by_care_level.full=300",),
                                institutions=[home()], residents=res)
    assert op(ledger) == {"resident_months_full": (12, 300_00, 3_600_00)}
    assert findings.filter(pl.col("message").str.contains("rate_by_care_level.partial")).height == 1


def test_overlapping_rows_of_one_person_count_once():
    # the same stay keyed twice (and a care-level row overlapping it): one person, 12 months × 50 (level 2);
    # the full-care row from 2024-07-01 takes over: disability July–December = 6 × 50
    ledger, _ = run_calc("shaoxing", 2024, institutions=[home(level=2)], residents=[
        person(1, D(2020, 1, 1)), person(1, D(2020, 1, 1)), person(1, D(2024, 7, 1), care_level="full")])
    assert op(ledger) == {"resident_months_level_2": (12, 50_00, 600_00), "disability_supplement": (6, 50_00, 300_00)}


def _months_on(d, n):
    """A date n calendar months later, the day clamped to the month's length
    (民法典 第二百零二条: no corresponding day → the month's last day)."""
    import calendar
    from datetime import date

    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def _reference_months(stays):
    """Plain-Python statement of the headcount rule, month by month, for one person with
    non-overlapping stays: in residence on the month end and continuously resident since
    a date whose six-month anniversary is no later than the month end."""
    from datetime import timedelta

    from audit.kinds.operating import month_ends

    stays = sorted(stays)
    count = 0
    for me in month_ends(2024):
        since, prev_dis = None, None
        for adm, dis in stays:
            if since is not None and prev_dis is not None and adm <= prev_dis + timedelta(days=1):
                pass  # continues the residence
            else:
                since = adm
            prev_dis = dis
            if adm <= me and (dis is None or dis > me):
                count += _months_on(since, 6) <= me
                break
    return count


day = st.dates(min_value=D(2022, 6, 1), max_value=D(2025, 1, 31))


@settings(max_examples=150, deadline=None)
@given(cuts=st.lists(day, min_size=1, max_size=5, unique=True), open_end=st.booleans(), gap=st.integers(0, 3))
def test_month_count_matches_the_rule_stated_plainly(cuts, open_end, gap):
    # consecutive stays of one person built from sorted dates; `gap` days between them (0 or 1 = continuous)
    from datetime import timedelta

    cuts = sorted(cuts)
    stays = []
    for i, start in enumerate(cuts):
        end = cuts[i + 1] - timedelta(days=gap) if i + 1 < len(cuts) else (None if open_end else start + timedelta(days=200))
        if end is not None and end <= start:
            continue
        stays.append((start, end))
    if not stays:
        return
    ledger, _ = run_calc("shaoxing", 2024, institutions=[home(level=1)],
                         residents=[person(1, a, discharged_on=d) for a, d in stays])
    got = op(ledger).get("resident_months_level_1", (0, None, 0))[0]
    assert got == _reference_months(stays)
