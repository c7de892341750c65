"""in_residence expands stays to month-ends without a residents × 12 product; it must
agree with the definition (admitted_on ≤ d < discharged_on) for any dates."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.kinds.checking import in_residence, month_ends
from test_checks_support import residents

YEAR = 2024
dates = st.dates(min_value=dt.date(2022, 11, 1), max_value=dt.date(2026, 2, 1))


@st.composite
def stays(draw):
    admitted = draw(dates)
    discharged = draw(st.one_of(st.none(), dates.filter(lambda d: d >= admitted)))
    return admitted, discharged


@settings(max_examples=200, deadline=None)
@given(st.lists(stays(), min_size=1, max_size=8))
def test_month_ends_match_the_definition(spans):
    rows = [{"institution_id": "A", "person_id": f"P{i}", "admitted_on": a, "discharged_on": d}
            for i, (a, d) in enumerate(spans)]
    got = sorted(in_residence(residents(*rows), YEAR).select("person_id", "day").rows())
    expected = sorted(
        (f"P{i}", d) for i, (a, dis) in enumerate(spans) for d in month_ends(YEAR)
        if a <= d and (dis is None or dis > d)
    )
    assert got == expected


def test_known_boundaries():
    rows = [
        {"institution_id": "A", "person_id": "P1", "admitted_on": dt.date(2024, 1, 31),
         "discharged_on": dt.date(2024, 2, 29)},   # Jan 31 only (gone on Feb 29)
        {"institution_id": "A", "person_id": "P2", "admitted_on": dt.date(2023, 12, 31),
         "discharged_on": dt.date(2025, 1, 1)},    # all twelve month-ends
        {"institution_id": "A", "person_id": "P3", "admitted_on": dt.date(2024, 12, 31)},  # Dec 31 only
    ]
    got = in_residence(residents(*rows), YEAR).group_by("person_id").len().sort("person_id").rows()
    assert got == [("P1", 1), ("P2", 12), ("P3", 1)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["P0", "P1", None]), stays()), min_size=1, max_size=8))
def test_repeated_and_anonymous_rows_count_once_per_person_and_month(rows_in):
    """Several rows of one person in one institution count once a month; every row
    without a person id is a person of its own (the expansion treats the two apart)."""
    rows = [{"institution_id": "A", "person_id": p, "admitted_on": a, "discharged_on": d}
            for p, (a, d) in rows_in]
    got = in_residence(residents(*rows), YEAR)
    covered = [(p, d) for p, (a, dis) in rows_in for d in month_ends(YEAR) if a <= d and (dis is None or dis > d)]
    named = sorted({(p, d) for p, d in covered if p is not None})
    assert sorted(got.filter(pl.col("person_id").is_not_null()).select("person_id", "day").rows()) == named
    assert got.filter(pl.col("person_id").is_null()).height == sum(p is None for p, _ in covered)
