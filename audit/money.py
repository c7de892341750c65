"""Exact money: integer fen end to end, and splits that add up to the whole.

Floats never touch money. Yuan come in as text or Decimal, go out as text."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction

import polars as pl

from audit.errors import InputError

# Declared bounds. Inputs and pack values are refused beyond them (a located problem),
# so that every product the calculators form stays far inside Int64 (9.2 × 10¹⁸ fen):
# beds ≤ 10⁵ (schemas/institutions.yaml) × a per-bed rate ≤ MAX_RATE_FEN = 10¹³; one
# amount ≤ MAX_AMOUNT_FEN; shares are multiplied in Int128. The ledger is checked once
# more as it is assembled (check_ledger_amounts): a line beyond MAX_LINE_FEN is an error,
# never a wrapped-around number.
MAX_AMOUNT_FEN = 10**12  # one amount: 100亿 (10 billion) yuan
MAX_RATE_FEN = 10**8  # one rate per bed / person / month: 100万 (1 million) yuan
MAX_LINE_FEN = 10**15  # one ledger line: 10万亿 yuan, far above any real budget
MAX_SHARE_DENOMINATOR = 10**6  # '2/3', '0.125', '12.5%' … at most six decimals


class AmountOutOfRange(InputError):
    """An amount beyond the declared bounds (money.MAX_*): refused, never wrapped."""


def yuan_to_fen(value) -> int:
    """'1,234.5' / Decimal / int → 123450. Refuses floats and sub-fen precision."""
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass text or Decimal")
    if isinstance(value, int):
        return value * 100
    try:
        d = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation as e:
        raise ValueError(f"not an amount: {value!r}") from e
    fen = d * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"amount has more than two decimals: {value!r}")
    return int(fen)


def fen_to_yuan(fen: int | None, thousands: bool = False) -> str:
    """123450 → '1234.50' (or '1,234.50' with thousands=True)."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    q, r = divmod(abs(int(fen)), 100)
    whole = f"{q:,}" if thousands else str(q)
    return f"{sign}{whole}.{r:02d}"


def fen_to_yuan_expr(expr: pl.Expr, thousands: bool = False) -> pl.Expr:
    """Vectorised fen_to_yuan for Int64 columns (null stays null)."""
    a = expr.abs()
    whole = (a // 100).cast(pl.String)
    if thousands:
        # group digits in threes from the right
        whole = whole.str.reverse().str.replace_all(r"(\d{3})", "$1,").str.strip_suffix(",").str.reverse()
    frac = (a % 100).cast(pl.String).str.pad_start(2, "0")
    return (
        pl.when(expr.is_null())
        .then(None)
        .otherwise(pl.when(expr < 0).then(pl.lit("-")).otherwise(pl.lit("")) + whole + pl.lit(".") + frac)
    )


def round_fraction(x: Fraction) -> int:
    """Round a Fraction of fen to whole fen, half away from zero (the usual 四舍五入)."""
    n, d = x.numerator, x.denominator
    q = (abs(n) * 2 + d) // (2 * d)
    return q if n >= 0 else -q


def mul_share_expr(fen: pl.Expr, share: Fraction) -> pl.Expr:
    """fen × share, rounded half away from zero to whole fen, exactly (integer arithmetic
    in Int128, so fen × numerator cannot wrap around; the result is back in Int64)."""
    n, d = share.numerator, share.denominator
    product = fen.cast(pl.Int128) * n
    magnitude = (product.abs() * 2 + d) // (2 * d)  # half away from zero, whatever the signs
    return pl.when(product < 0).then(magnitude * -1).otherwise(magnitude).cast(pl.Int64)  # no i128 negate in polars


def split_largest_remainder(total_fen: int, shares: list[Fraction]) -> list[int]:
    """Split total into parts proportional to `shares` (summing to 1), so the parts add
    up to the total exactly: floor each, then give the leftover fen to the largest
    remainders (ties to the earlier share)."""
    if sum(shares) != 1:
        raise ValueError("shares must add up to 1")
    exact = [total_fen * s for s in shares]
    parts = [int(e // 1) for e in exact]
    left = total_fen - sum(parts)
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return parts


def split_largest_remainder_expr(total: pl.Expr, weights: list[pl.Expr]) -> list[pl.Expr]:
    """Vectorised largest-remainder split of each row's `total` (Int64 fen ≥ 0) by
    non-negative integer weights (per row). Returns one Int64 expression per weight;
    they add up to `total` on every row. Ties go to the earlier weight."""
    total = total.cast(pl.Int128)  # total × weight in Int128: no wrap-around
    weights = [w.cast(pl.Int128) for w in weights]
    wsum = pl.sum_horizontal(weights)
    floors = [(total * w) // wsum for w in weights]
    rems = [(total * w) % wsum for w in weights]
    left = total - pl.sum_horizontal(floors)
    parts = []
    for i, (f, r) in enumerate(zip(floors, rems)):
        # rank of this remainder among all (larger first, earlier index wins ties)
        ahead = pl.sum_horizontal(
            [((rj > r) | ((rj == r) & pl.lit(j < i))).cast(pl.Int64) for j, rj in enumerate(rems)]
        )
        parts.append((f + (ahead < left).cast(pl.Int128)).cast(pl.Int64))
    return parts


def check_ledger_amounts(ledger: pl.DataFrame, lang: str = "zh") -> None:
    """The last guard as the ledger is assembled: every line within 0 … MAX_LINE_FEN.
    Bounded inputs make this unreachable; if it is reached, it is an error, not a payment."""
    bad = ledger.filter((pl.col("amount_fen") < 0) | (pl.col("amount_fen") > MAX_LINE_FEN))
    if bad.is_empty():
        return
    row = bad.row(0, named=True)
    where = f"{row.get('institution_id')} {row.get('rule')}"
    raise AmountOutOfRange(
        f"amount out of range for {where}: {fen_to_yuan(row['amount_fen'])} yuan (allowed 0 … "
        f"{fen_to_yuan(MAX_LINE_FEN)}); check the input quantities and the pack values"
        if lang == "en"
        else f"金额超出范围：{where} 为 {fen_to_yuan(row['amount_fen'])} 元（允许 0 至 {fen_to_yuan(MAX_LINE_FEN)} 元）；"
        "请检查输入的数量和政策包取值"
    )


def delta_pct_expr(baseline: pl.Expr, proposal: pl.Expr, plus: bool = False) -> pl.Expr:
    """(proposal − baseline) ÷ baseline as percent text with two decimals ("25.00%",
    "-3.33%"; "+25.00%" with `plus`, for people), rounded half away from zero in integer
    arithmetic (Int128: no overflow); empty where the baseline is 0 (no percentage of
    nothing)."""
    base = baseline.cast(pl.Int128)
    delta = proposal.cast(pl.Int128) - base
    # hundredths of a percent = |delta| × 10000 ÷ |base|, rounded half away from zero
    hundredths = (delta.abs() * pl.lit(20000, pl.Int128) + base.abs()) // (pl.lit(2, pl.Int128) * base.abs())
    sign = pl.when(delta > 0).then(pl.lit("+" if plus else "")).when(delta < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    text = (
        sign
        + (hundredths // 100).cast(pl.String)
        + pl.lit(".")
        + (hundredths % 100).cast(pl.String).str.pad_start(2, "0")
        + pl.lit("%")
    )
    return pl.when(base == 0).then(pl.lit("")).otherwise(text)
