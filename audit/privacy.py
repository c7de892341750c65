"""Masking for every output: no person id or name leaves the toolkit whole, and no
text cell can act as a spreadsheet formula."""

from __future__ import annotations

import polars as pl


def mask_person_id(expr: pl.Expr) -> pl.Expr:
    """'330602195001011234' → '3306**********1234' (first 4 and last 4 kept)."""
    s = expr.cast(pl.String)
    n = s.str.len_chars()
    return (
        pl.when(s.is_null())
        .then(None)
        .when(n == 18)
        .then(s.str.head(4) + pl.lit("*" * 10) + s.str.tail(4))  # the usual id, without lists
        .when(n <= 8)
        .then(pl.lit("*").repeat_by(n).list.join(""))
        .otherwise(s.str.head(4) + pl.lit("*").repeat_by(n - 8).list.join("") + s.str.tail(4))
    )


def mask_name(expr: pl.Expr) -> pl.Expr:
    """'张三' → '张*', '欧阳娜娜' → '欧***': the first character only."""
    s = expr.cast(pl.String)
    n = s.str.len_chars()
    return (
        pl.when(s.is_null() | (n == 0))
        .then(s)
        .otherwise(s.str.head(1) + pl.lit("*").repeat_by((n - 1).clip(lower_bound=1)).list.join(""))
    )


def mask_ids_in_text(expr: pl.Expr) -> pl.Expr:
    """Mask whole resident ids inside free text (messages, evidence, basis): the one rule,
    mask_national_ids. An 18-digit run without an id's structure (an all-digit 统一社会信用代码
    such as 123306244701234563) is an institution's public code and stays whole."""
    return mask_national_ids(expr)


def mask_ids_in_str(text: str) -> str:
    """mask_ids_in_text for one Python string (explain's text)."""
    import re

    for _ in range(2):
        text = re.sub(_NATIONAL_ID, r"\1\2**********\3\4", text)
    return text


def mask_text(value: str | None) -> str | None:
    """Scalar helper for one person id in messages (same rule as mask_person_id)."""
    if value is None:
        return None
    v = str(value)
    if len(v) <= 8:
        return "*" * len(v)
    return v[:4] + "*" * (len(v) - 8) + v[-4:]


FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "{=")


def defuse_formula(expr: pl.Expr) -> pl.Expr:
    """Prefix an apostrophe to text that a spreadsheet would run as a formula when it
    opens a CSV: a leading = + - @ (after spaces too), {= (an array formula), or a tab,
    carriage return or line break."""
    s = expr.cast(pl.String)
    return pl.when(s.str.contains(_FORMULA)).then(pl.lit("'") + s).otherwise(s)


_FORMULA = r"^(\s*[=+\-@]|[\t\r\n]|\s*\{\s*=)"


# 18 characters shaped like a 身份证号: 6 digits, a birth date 19xx/20xx-MM-DD, 3 digits and a
# check character, not inside a longer run of digits (a letter next to it does not hide it:
# 'ID330602195001011233' is masked too)
_NATIONAL_ID = (
    r"(^|\D)(\d{4})\d{2}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
    r"(\d{3}[0-9Xx])($|\D)"
)


_ID_RUN = r"\d{17}[0-9Xx]"  # every _NATIONAL_ID match contains one (a cheap pre-check)


def mask_national_ids(expr: pl.Expr) -> pl.Expr:
    """Every national-id-shaped run inside any text ('检查员 330602195001011233 回避')
    masked as mask_person_id does: whatever column it hides in (an inspector id, a
    note), it does not leave whole. Applied twice: neighbours share a separator."""
    s = expr.cast(pl.String)
    for _ in range(2):
        s = s.str.replace_all(_NATIONAL_ID, "${1}${2}**********${3}${4}")
    return s


DISTINCT_MIN_ROWS = 100_000  # below this, defusing every cell is already instant


def defuse_frame(df: pl.DataFrame) -> pl.DataFrame:
    """Every String column of a frame about to be written: national ids masked, formulas
    defused. The result of a cell depends on its value alone, so a long column with many
    repeats (a rule code, a month, an institution id on 15 million discrepancy rows) is
    defused once per distinct value and only the values that change are replaced."""
    strings = [c for c, t in df.schema.items() if t == pl.String]
    if not strings:
        return df
    # a cell can change only if it holds 18 id-like characters in a row or starts like a
    # formula (masking keeps a cell's first characters): columns with no such cell are
    # left as they are, after one cheap scan instead of three rewriting passes
    touched = df.select(
        (pl.col(c).str.contains(_ID_RUN) | pl.col(c).str.contains(_FORMULA)).any().alias(c) for c in strings
    ).row(0)
    columns = []
    for c, hit in zip(strings, touched):
        if not hit:
            continue
        safe = defuse_formula(mask_national_ids(pl.col(c)))
        if df.height >= DISTINCT_MIN_ROWS:
            distinct = df.select(pl.col(c).unique().drop_nulls())
            if distinct.height * 4 <= df.height:
                changed = distinct.select(pl.col(c).alias("old"), safe.alias("new")).filter(
                    pl.col("old") != pl.col("new")
                )
                if changed.height:
                    columns.append(pl.col(c).replace(changed["old"], changed["new"]))
                continue
        columns.append(safe.alias(c))
    return df.with_columns(columns) if columns else df


def output_timestamp():
    """The one timestamp written into output metadata (xlsx core properties, PDF dates):
    SOURCE_DATE_EPOCH when set (reproducible-builds.org), else a fixed 2000-01-01, so
    that the same input gives byte-identical files."""
    import os
    from datetime import datetime, timezone

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    seconds = int(epoch) if epoch.strip().isdigit() and len(epoch.strip()) <= 12 else 946_684_800
    return datetime.fromtimestamp(seconds, tz=timezone.utc).replace(tzinfo=None)


def safe_workbook(target, **options):
    """The only way the toolkit opens an xlsx for writing: every string is written as a
    string — never a formula ('=…', '{=…}'), a link ('http://…', 'file:///…') or a number
    — and the metadata dates are output_timestamp() (byte-reproducible)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        target, {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False, **options}
    )
    wb.set_properties({"created": output_timestamp()})
    return wb
