"""Claim and payment periods as month numbers, for whole columns at once.

The period syntax (`2024`, `2024H1`, `2024Q3`, `2024-05`, `2021-07..2022-06`) is owned by
`audit.dates.Period` (the rule-model work). A column holds few distinct periods, so each
distinct text is parsed once by `Period.parse` and joined back: no row loop.
Until audit.dates lands on main, only the year (`2024`) and month (`2024-05`) forms
are read here (a stand-in, not a second parser: delete `_fallback` once it lands).

Months are numbered `year × 12 + month − 1`, so a span is two integers and
"this ledger month lies in that claimed period" is a range comparison."""

from __future__ import annotations

import re
import unicodedata

import polars as pl

FORMS_ZH = "年（2024）、半年（2024H1）、季度（2024Q3）、月（2024-05）或月份区间（2021-07..2022-06）"
FORMS_EN = "a year (2024), half-year (2024H1), quarter (2024Q3), month (2024-05) or a range (2021-07..2022-06)"


def _fallback(text: str) -> tuple[int, int] | None:
    s = unicodedata.normalize("NFKC", text).strip()
    if m := re.fullmatch(r"(\d{4})", s):
        y = int(m[1])
        return y * 12, y * 12 + 11
    if (m := re.fullmatch(r"(\d{4})-(\d{1,2})", s)) and 1 <= int(m[2]) <= 12:
        k = int(m[1]) * 12 + int(m[2]) - 1
        return k, k
    return None


def span(text: str | None) -> tuple[int, int] | None:
    """(first month, last month) of a written period, or None if it cannot be read."""
    if text is None:
        return None
    try:
        from audit.dates import Period  # the period syntax's owner, once on main
    except ImportError:
        return _fallback(text)
    try:
        p = Period.parse(text)
    except Exception:
        return None
    return p.start.year * 12 + p.start.month - 1, p.end.year * 12 + p.end.month - 1


def spans(df: pl.DataFrame, column: str = "period", prefix: str = "") -> pl.DataFrame:
    """df with `{prefix}m0`, `{prefix}m1` (Int64 month numbers, null if unreadable):
    each distinct period parsed once."""
    distinct = df.get_column(column).drop_nulls().unique().to_list()
    rows = [(t, *(span(t) or (None, None))) for t in distinct]
    table = pl.DataFrame(rows, schema={column: pl.String, f"{prefix}m0": pl.Int64, f"{prefix}m1": pl.Int64}, orient="row")
    return df.join(table, on=column, how="left", maintain_order="left")


def label(m0: pl.Expr, m1: pl.Expr) -> pl.Expr:
    """Canonical text of a month span: 2024, 2024H1, 2024Q3, 2024-05, else 2024-01..2024-04."""
    y0, y1 = m0 // 12, m1 // 12
    mm0, n = m0 % 12 + 1, m1 - m0 + 1
    month = lambda m: (m // 12).cast(pl.String) + "-" + (m % 12 + 1).cast(pl.String).str.pad_start(2, "0")  # noqa: E731
    return (pl.when((y0 == y1) & (n == 12)).then(y0.cast(pl.String))
            .when((y0 == y1) & (n == 6) & mm0.is_in([1, 7])).then(y0.cast(pl.String) + "H" + ((mm0 + 5) // 6).cast(pl.String))
            .when((y0 == y1) & (n == 3) & (mm0 % 3 == 1)).then(y0.cast(pl.String) + "Q" + ((mm0 + 2) // 3).cast(pl.String))
            .when(n == 1).then(month(m0))
            .otherwise(month(m0) + ".." + month(m1)))
