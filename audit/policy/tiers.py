"""Tiers (档次): a rate chosen by bands of a quantity, as counties write them —
"300张以上（含300张）5000元/床；50张以上不足300张 2000元/床".

A band is written as an interval key of a `rate_by_band` table, bounds stated:

    "[300,)"            300 or more (含300张)
    "[50,300)"          50 or more, fewer than 300 (以上…不足)
    "(50,)"             more than 50 (50 itself excluded)
    "[0,50]"            up to 50, 50 included (以下（含50张）)
    "[100,)+model"      100 or more AND the institution carries the flag `model`
                        (e.g. 省示范性养老机构); flags: see FLAGS

An institution gets the band whose interval
holds its quantity and whose flag (if any) it carries; plain bands may not overlap each
other; a flagged band the institution qualifies for wins over a plain one. A quantity in no
band is not eligible (an info finding says which bands exist) — never a zero line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

import polars as pl

# flag name in a band key -> institutions column (bool) it reads
FLAGS = {"model": "model_institution", "basic_beds": "basic_beds_agreement"}

_KEY = re.compile(r"\s*([\[(])\s*([0-9.]*)\s*,\s*([0-9.]*)\s*([\])])\s*(?:\+\s*([a-z_]+))?\s*")


class BandError(ValueError):
    """A band key that cannot be read (message in zh and en)."""

    def __init__(self, zh: str, en: str):
        super().__init__(zh)
        self.zh, self.en = zh, en


@dataclass(frozen=True)
class Band:
    key: str
    low: Fraction | None
    low_inclusive: bool
    high: Fraction | None
    high_inclusive: bool
    flag: str | None = None

    def contains(self, q) -> bool:
        q = Fraction(q)
        if self.low is not None and (q < self.low or (q == self.low and not self.low_inclusive)):
            return False
        if self.high is not None and (q > self.high or (q == self.high and not self.high_inclusive)):
            return False
        return True

    def expr(self, quantity: pl.Expr) -> pl.Expr:
        """Polars test of the interval (and the flag column) — exact for integer
        quantities and for fractions compared as integers by the caller."""
        ok = pl.lit(True)
        if self.low is not None:
            ok = ok & ((quantity >= float(self.low)) if self.low_inclusive else (quantity > float(self.low)))
        if self.high is not None:
            ok = ok & ((quantity <= float(self.high)) if self.high_inclusive else (quantity < float(self.high)))
        if self.flag:
            ok = ok & pl.col(FLAGS[self.flag]).fill_null(False)
        return ok.fill_null(False)

    def text_zh(self) -> str:
        """'300 及以上', '50（含）至 300（不含）', '50 以上（不含 50）' for findings and reports."""
        lo = "" if self.low is None else f"{_num(self.low)}（{'含' if self.low_inclusive else '不含'}）"
        hi = "" if self.high is None else f"{_num(self.high)}（{'含' if self.high_inclusive else '不含'}）"
        core = f"{lo}至{hi}" if lo and hi else (f"{lo}及以上" if lo else f"{hi}及以下")
        return core + (f"且为{FLAG_ZH[self.flag]}" if self.flag else "")


FLAG_ZH = {"model": "示范性养老机构", "basic_beds": "签订保基本床位协议的机构"}


def _num(f: Fraction) -> str:
    return str(f.numerator) if f.denominator == 1 else str(float(f))


def parse_band(key) -> Band:
    """Read one band key (see the module docstring)."""
    m = _KEY.fullmatch(str(key))
    if not m:
        raise BandError(
            f'档次写法无法识别: {key!r}（应写作 "[300,)"、"[50,300)"、"[0,50]" 等，方括号含端点，圆括号不含）',
            f'band key not understood: {key!r} (write "[300,)", "[50,300)", "[0,50]"; '
            "square brackets include the bound, round ones exclude it)",
        )
    lb, lo, hi, hb, flag = m.groups()
    if flag is not None and flag not in FLAGS:
        raise BandError(
            f"档次 {key!r} 的附加条件 {flag!r} 未知（可用: {', '.join(FLAGS)}）",
            f"band {key!r}: unknown flag {flag!r} (known: {', '.join(FLAGS)})",
        )
    try:
        low = Fraction(lo) if lo else None
        high = Fraction(hi) if hi else None
    except ValueError:
        raise BandError(f"档次 {key!r} 的端点不是数字", f"band {key!r}: a bound is not a number") from None
    if low is None and lb == "[":
        raise BandError(
            f'档次 {key!r} 没有下限，应写作 "(,50]" 或 "[0,50]"',
            f'band {key!r} has no lower bound; write "(,50]" or "[0,50]"',
        )
    if high is None and hb == "]":
        raise BandError(f'档次 {key!r} 没有上限，应写作 "[300,)"', f'band {key!r} has no upper bound; write "[300,)"')
    if low is not None and high is not None and (low > high or (low == high and not (lb == "[" and hb == "]"))):
        raise BandError(f"档次 {key!r} 是空区间", f"band {key!r} is empty")
    return Band(str(key), low, lb == "[", high, hb == "]", flag)


def _overlap(a: Band, b: Band) -> bool:
    """Two intervals share a point."""

    def below(x: Band, y: Band) -> bool:  # x lies wholly below y
        if x.high is None or y.low is None:
            return False
        return x.high < y.low or (x.high == y.low and not (x.high_inclusive and y.low_inclusive))

    return not (below(a, b) or below(b, a))


def parse_bands(keys) -> list[Band]:
    """All band keys of a table, in order; plain (unflagged) bands must not overlap."""
    bands = [parse_band(k) for k in keys]
    plain = [b for b in bands if b.flag is None]
    for i, a in enumerate(plain):
        for b in plain[i + 1 :]:
            if _overlap(a, b):
                raise BandError(
                    f"档次 {a.key} 与 {b.key} 重叠：同一数量只能落在一个档次",
                    f"bands {a.key} and {b.key} overlap: a quantity must fall in one band",
                )
    return bands


def band_of(quantity: pl.Expr, table: dict) -> pl.Expr:
    """The key of the band each row reaches, null if none: a flagged band an institution
    qualifies for first (wherever the pack lists it), then the plain band of its quantity."""
    bands = parse_bands(table)
    out = pl.lit(None, pl.String)
    for band in reversed([b for b in bands if b.flag] + [b for b in bands if not b.flag]):
        out = pl.when(band.expr(quantity)).then(pl.lit(band.key)).otherwise(out)
    return out
