"""Property tests of audit.money's splits: for any amount and shares, the parts add up
to the whole, are never negative, and each is within one fen of its exact value."""

from __future__ import annotations

from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.money import fen_to_yuan, mul_share_expr, round_fraction, split_largest_remainder, \
    split_largest_remainder_expr, yuan_to_fen

weights = st.lists(st.integers(0, 10_000), min_size=1, max_size=8).filter(lambda w: sum(w) > 0)


def shares_of(ws):
    total = sum(ws)
    return [Fraction(w, total) for w in ws]


@settings(max_examples=300, deadline=None)
@given(total=st.integers(0, 10**13), ws=weights)
def test_split_adds_up_never_negative_within_a_fen(total, ws):
    shares = shares_of(ws)
    parts = split_largest_remainder(total, shares)
    assert sum(parts) == total
    assert all(p >= 0 for p in parts)
    for p, s in zip(parts, shares):
        assert total * s - 1 < p <= total * s + 1


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(0, 10**12), st.integers(0, 1000), st.integers(0, 1000),
                               st.integers(1, 1000)), min_size=1, max_size=40))
def test_vectorised_split_adds_up_on_every_row(rows):
    df = pl.DataFrame(rows, schema=["total", "w0", "w1", "w2"], orient="row")
    parts = split_largest_remainder_expr(pl.col("total"), [pl.col("w0"), pl.col("w1"), pl.col("w2")])
    out = df.with_columns(p.alias(f"p{i}") for i, p in enumerate(parts))
    assert (out["p0"] + out["p1"] + out["p2"] == out["total"]).all()
    assert min(out["p0"].min(), out["p1"].min(), out["p2"].min()) >= 0


@settings(max_examples=100, deadline=None)
@given(total=st.integers(0, 10**12), ws=st.lists(st.integers(1, 1000), min_size=1, max_size=6))
def test_vectorised_split_matches_the_scalar_one(total, ws):
    df = pl.DataFrame({"total": [total]})
    parts = split_largest_remainder_expr(pl.col("total"), [pl.lit(w, pl.Int64) for w in ws])
    got = df.select(p.alias(f"p{i}") for i, p in enumerate(parts)).row(0)
    assert list(got) == split_largest_remainder(total, shares_of(ws))


def test_jiayuguan_split_by_hand():
    # 1,000,000.00 yuan × 1/2, 3/10, 1/5 = 500,000 / 300,000 / 200,000 exactly
    assert split_largest_remainder(100_000_000, [Fraction(1, 2), Fraction(3, 10), Fraction(1, 5)]) == \
        [50_000_000, 30_000_000, 20_000_000]
    # 1 fen three ways by 1/3 each: the earliest share takes it
    assert split_largest_remainder(1, [Fraction(1, 3)] * 3) == [1, 0, 0]


@settings(max_examples=200, deadline=None)
@given(fen=st.integers(-10**12, 10**12), n=st.integers(0, 50), d=st.integers(1, 50))
def test_mul_share_rounds_half_away_from_zero(fen, n, d):
    got = pl.DataFrame({"f": [fen]}).select(mul_share_expr(pl.col("f"), Fraction(n, d)))["f"][0]
    assert got == round_fraction(Fraction(fen) * Fraction(n, d))
    assert abs(Fraction(got) - Fraction(fen) * Fraction(n, d)) <= Fraction(1, 2)


@settings(max_examples=200, deadline=None)
@given(fen=st.integers(0, 10**14))
def test_yuan_text_round_trips(fen):
    assert yuan_to_fen(fen_to_yuan(fen)) == fen
    assert yuan_to_fen(fen_to_yuan(fen, thousands=True)) == fen


def test_floats_are_refused():
    with pytest.raises(TypeError):
        yuan_to_fen(1.1)
    with pytest.raises(ValueError):
        yuan_to_fen("1.005")
