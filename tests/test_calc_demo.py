"""The bundled demo (demo/demo.xlsx, Shaoxing 2024) recomputed by hand from the clauses
(docs/policy-digest.md §1–§3) and the workbook's own rows, read here without the
toolkit's reader: one new self-built home, one rated running home with supplements,
township centres and an insurance split."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest

from audit.calc import compute_ledger
from audit.data.io import load_data
from audit.policy import load_pack

DEMO = Path(__file__).resolve().parents[1] / "demo" / "demo.xlsx"


@pytest.fixture(scope="module")
def raw():
    return pl.read_excel(DEMO, sheet_id=0)


@pytest.fixture(scope="module")
def ledger():
    led, _ = compute_ledger(load_data(DEMO), load_pack("shaoxing"), 2024)
    return {(r["institution_id"], r["item"], r["payer"]): (r["quantity"], r["amount_fen"])
            for r in led.iter_rows(named=True)}


def six_months_before(d: date) -> date:
    """The same day six calendar months earlier (clamped to that month's length)."""
    y, m = (d.year, d.month - 6) if d.month > 6 else (d.year - 1, d.month + 6)
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def resident_months(raw, institution: str) -> tuple[int, int, int]:
    """The digest's headcount rule, plainly: a 户籍-local resident in residence on a
    month's last day (admitted ≤ it < discharged) whose continuous residence (rows of
    one person joined when one starts by the day after the last ends) began ≥ 6 months
    before it. Returns (all, disabled or dementia, 低保/低保边缘) resident-months."""
    county = raw["机构"].filter(pl.col("机构编号") == institution)["所属区县"][0]
    rows = sorted(raw["入住老人"].filter(pl.col("机构编号") == institution).to_dicts(),
                  key=lambda r: (r["身份证号"], r["入住日期"]))
    counts = [0, 0, 0]
    since, prev = None, None
    for r in rows:
        joined = (prev is not None and prev["身份证号"] == r["身份证号"] and prev["离院日期"] is not None
                  and r["入住日期"] <= prev["离院日期"] + timedelta(days=1))
        since = since if joined else r["入住日期"]
        prev = r
        if r["户籍所在区县"] != county:
            continue
        for m in range(1, 13):
            end = date(2024, m, calendar.monthrange(2024, m)[1])
            if r["入住日期"] <= end and (r["离院日期"] is None or r["离院日期"] > end) \
                    and since <= six_months_before(end):
                counts[0] += 1
                counts[1] += r["能力等级"] in ("部分失能", "完全失能") or r["失智"] == "是"
                counts[2] += r["低保类别"] in ("低保", "低保边缘")
    return tuple(counts)


def test_yl01_new_self_built_nursing_home(ledger, raw):
    # 重点工作(五)3: 120 approved beds, none subsidised before, self-built: 120 × 4,000 = 480,000.00
    assert ledger[("YL01", "self_built_beds", "city")] == (120, 480_000_00)
    # nursing-type bonus: residents partially/fully disabled on 2024-12-31 ÷ 120 beds ≥ 60%
    end = date(2024, 12, 31)
    res = raw["入住老人"].filter(pl.col("机构编号") == "YL01").to_dicts()
    nursing = sum(1 for r in res if r["入住日期"] <= end and (r["离院日期"] is None or r["离院日期"] > end)
                  and r["能力等级"] in ("部分失能", "完全失能"))
    assert Fraction(nursing, 120) >= Fraction(60, 100)  # 93 ÷ 120 = 77.5 %
    # so 120 × 1,400 = 168,000.00
    assert ledger[("YL01", "nursing_type_bonus", "city")] == (120, 168_000_00)


def test_yl07_level_5_home_with_supplements(ledger, raw):
    base, disabled, low = resident_months(raw, "YL07")
    assert (base, disabled, low) == (1195, 854, 112)  # this workbook's rows, counted above
    # 重点工作(五)4: level 5 → 150/month; +50 disabled/dementia; +50 低保/低保边缘
    # 1195 × 150 = 179,250.00; 854 × 50 = 42,700.00; 112 × 50 = 5,600.00
    assert ledger[("YL07", "resident_months_level_5", "city")] == (1195, 179_250_00)
    assert ledger[("YL07", "disability_supplement", "city")] == (854, 42_700_00)
    assert ledger[("YL07", "low_income_supplement", "city")] == (112, 5_600_00)


def test_yl10_level_2_home_ignores_the_double_entered_newcomer(ledger, raw):
    # the person also entered at YL10 from 2024-09-01 has < 6 months there: not counted
    base, disabled, low = resident_months(raw, "YL10")
    # 425 × 50 = 21,250.00; 296 × 50 = 14,800.00; 60 × 50 = 3,000.00
    assert (base, disabled, low) == (425, 296, 60)
    assert ledger[("YL10", "resident_months_level_2", "city")] == (425, 21_250_00)
    assert ledger[("YL10", "disability_supplement", "city")] == (296, 14_800_00)
    assert ledger[("YL10", "low_income_supplement", "city")] == (60, 3_000_00)


def test_township_centres(ledger):
    # 4 stars 200,000 × 60 % (inside a home) = 120,000.00; 5 stars 300,000.00;
    # no star, score 85: 120,000 × 85 ÷ 100 = 102,000.00; 2 stars: no rate in the text (gap, no line)
    assert ledger[("YL14", "star_4", "city")] == (1, 120_000_00)
    assert ledger[("YL15", "star_5", "city")] == (1, 300_000_00)
    assert ledger[("YL16", "score_formula", "city")] == (1, 102_000_00)
    assert not [k for k in ledger if k[0] == "YL17"]


def test_insurance_split_on_the_mean_premium(ledger, raw):
    # mean premium of the 13 养老机构综合责任保险 policies (the rule's scheme), in fen
    ins = raw["综合保险"].filter(pl.col("险种") == "养老机构综合责任保险")
    fen = [round(Fraction(str(p)) * 100) for p in ins["保费"].to_list()]
    mean = Fraction(sum(fen), len(fen))
    assert mean == Fraction(4_813_054, 13)  # 48,130.54 ÷ 13 = 3,702.35 yuan
    # the mean to the fen is 3,702.35 (as the finding states it); non-profit: × 1/3 = 1,234.116… → 1,234.12;
    # for-profit (YL09): × 1/6 = 617.058… → 617.06
    assert ledger[("YL01", "premium_share", "city")] == (1, 1_234_12)
    assert ledger[("YL09", "premium_share", "city")] == (1, 617_06)
    # the rest is the institution's: 8,119.20 − 1,234.12 = 6,885.08; 4,254.00 − 617.06 = 3,636.94
    assert ledger[("YL01", "premium_rest", "institution")] == (1, 6_885_08)
    assert ledger[("YL09", "premium_rest", "institution")] == (1, 3_636_94)
    # YL04's premium 1,056.24 is below a third of the mean: the city pays all of it, no rest
    assert ledger[("YL04", "premium_share", "city")] == (1, 1_056_24)
    assert ("YL04", "premium_rest", "institution") not in ledger
