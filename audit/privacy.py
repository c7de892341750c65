"""Masking for every output: no person id or name leaves the toolkit whole, and no
text cell can act as a spreadsheet formula."""

from __future__ import annotations

import polars as pl


def mask_person_id(expr: pl.Expr) -> pl.Expr:
    """'330602195001011234' → '3306**********1234' (first 4 and last 4 kept)."""
    s = expr.cast(pl.String)
    n = s.str.len_chars()
    return (
        pl.when(s.is_null()).then(None)
        .when(n <= 8).then(pl.lit("*").repeat_by(n).list.join(""))
        .otherwise(s.str.head(4) + pl.lit("*").repeat_by(n - 8).list.join("") + s.str.tail(4))
    )


def mask_name(expr: pl.Expr) -> pl.Expr:
    """'张三' → '张*', '欧阳娜娜' → '欧***': the first character only."""
    s = expr.cast(pl.String)
    n = s.str.len_chars()
    return (
        pl.when(s.is_null() | (n == 0)).then(s)
        .otherwise(s.str.head(1) + pl.lit("*").repeat_by((n - 1).clip(lower_bound=1)).list.join(""))
    )


# An 18-character resident id (GB 11643) anywhere in free text. The one pattern every
# writer masks free text with, even where a finding's writer already masked it.
PERSON_ID_IN_TEXT = r"(\d{4})\d{10}(\d{3}[\dXx])"
PERSON_ID_MASKED = "${1}**********${2}"   # first 4 and last 4 kept, as mask_person_id


def mask_ids_in_text(expr: pl.Expr) -> pl.Expr:
    """Mask whole resident ids inside free text (messages, evidence, basis)."""
    return expr.str.replace_all(PERSON_ID_IN_TEXT, PERSON_ID_MASKED)


def mask_ids_in_str(text: str) -> str:
    """mask_ids_in_text for one Python string (explain's text)."""
    import re

    return re.sub(PERSON_ID_IN_TEXT, r"\1**********\2", text)


def mask_text(value: str | None) -> str | None:
    """Scalar helper for one person id in messages (same rule as mask_person_id)."""
    if value is None:
        return None
    v = str(value)
    if len(v) <= 8:
        return "*" * len(v)
    return v[:4] + "*" * (len(v) - 8) + v[-4:]


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse_formula(expr: pl.Expr) -> pl.Expr:
    """Prefix an apostrophe to text that a spreadsheet would run as a formula."""
    s = expr.cast(pl.String)
    return pl.when(s.str.contains(r"^[=+\-@\t\r]")).then(pl.lit("'") + s).otherwise(s)


def defuse_frame(df: pl.DataFrame) -> pl.DataFrame:
    """defuse_formula on every String column of a frame about to be written."""
    return df.with_columns(defuse_formula(pl.col(c)).alias(c) for c, t in df.schema.items() if t == pl.String)
