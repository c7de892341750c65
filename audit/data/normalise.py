"""Text cells → typed contract columns, vectorised (polars expressions, no row loops).

Each type has a parser that returns (value expression, "unreadable" flag expression);
every flagged cell becomes a located problem instead of a silent null."""

from __future__ import annotations

import re
from datetime import date

import polars as pl

from audit.data import contract as schema
from audit.privacy import mask_person_id
from audit.data.readers import as_text

PROBLEM_SCHEMA = {
    "table": pl.String,
    "sheet": pl.String,
    "row": pl.Int64,
    "column": pl.String,
    "column_zh": pl.String,
    "value": pl.String,
    "message": pl.String,
    "message_en": pl.String,
    "severity": pl.String,
    "check": pl.String,
}

TRUE_WORDS = ("是", "true", "t", "yes", "y", "1", "1.0", "√", "✓", "✔", "有", "对")
FALSE_WORDS = ("否", "false", "f", "no", "n", "0", "0.0", "×", "✗", "✘", "无", "不是")
BOOL_MAP = {**{w: True for w in TRUE_WORDS}, **{w: False for w in FALSE_WORDS}}

EXCEL_EPOCH_SERIAL_MIN, EXCEL_EPOCH_SERIAL_MAX = 10_000, 99_999  # 1927-05-18 … 2173-10-14


def problem_row(
    table, sheet, message, message_en, check="unreadable", row=None, column=None, value=None, severity="error"
) -> dict:
    """One located problem as a dict of PROBLEM_SCHEMA (for problems found while reading)."""
    col_zh = None
    if table and column:
        try:
            col_zh = schema.table(table).column(column).zh
        except KeyError:
            col_zh = None
    return {
        "table": table,
        "sheet": sheet,
        "row": row,
        "column": column,
        "column_zh": col_zh,
        "value": value,
        "message": message,
        "message_en": message_en,
        "severity": severity,
        "check": check,
    }


def empty_problems() -> pl.DataFrame:
    return pl.DataFrame(schema=PROBLEM_SCHEMA)


def _clean(e: pl.Expr) -> pl.Expr:
    """NFKC (full-width digits/commas/parentheses/spaces → ASCII), trimmed, '' → null."""
    s = e.cast(pl.String)
    # NFKC leaves ASCII as it is; skipping it there makes 2.5 million ids ~8× faster
    s = pl.when(s.str.contains(r"[^\x00-\x7f]")).then(s.str.normalize("NFKC")).otherwise(s).str.strip_chars()
    return pl.when(s == "").then(None).otherwise(s)


# Letters from other scripts that print like Latin ones (Unicode confusables, the subset
# an id can plausibly hold): 'ҮL01' with a Cyrillic Ү is not 'YL01' to a computer, but is
# to the clerk reading the ledger. Used only to *find* look-alike duplicates, never to
# rewrite an id.
# (after lower-casing: Cyrillic В → в, which prints like a capital B, is 'b')
_LOOKALIKE = dict(zip("авсеһіјкмнорѕтхуүԁԛԝαβεηικμνορτυχζ", "abcehijkmhopstxyydqwabenikmvoptuxz"))
_INVISIBLE = r"[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]"  # soft hyphen, zero-width spaces and marks


def id_skeleton(e: pl.Expr) -> pl.Expr:
    """What an id looks like on paper: NFKC, case folded, look-alike letters mapped to
    Latin, invisible characters and spaces dropped. Two different ids with one skeleton
    are the same id typed twice (datachecks reports them)."""
    s = e.cast(pl.String)
    s = pl.when(s.str.contains(r"[^\x00-\x7f]")).then(s.str.normalize("NFKC")).otherwise(s)  # ASCII: skip NFKC (fast)
    s = s.str.to_lowercase().str.replace_all(_INVISIBLE, "")
    s = s.str.replace_all(r"\s", "")
    return s.str.replace_many(_LOOKALIKE)


def _compact(e: pl.Expr) -> pl.Expr:
    """A cleaned number: no thousands separators or inner spaces."""
    return _clean(e).str.replace_all(r"[,\s]", "")


def parse_int(e):
    s = _compact(e)
    ok = s.str.contains(r"^[+-]?\d+(\.0*)?$")
    v = pl.when(ok).then(s.str.replace(r"\.0*$", "").cast(pl.Int64, strict=False))
    return v, s.is_not_null() & v.is_null()


def parse_number(e):
    """'0.5', '1,234.5', '５０%' (a percentage: 0.5)."""
    s = _compact(e)
    pct = s.str.ends_with("%")
    body = s.str.strip_suffix("%")
    ok = body.str.contains(r"^[+-]?(\d+\.?\d*|\.\d+)$")
    x = body.cast(pl.Float64, strict=False)
    v = pl.when(ok).then(pl.when(pct).then(x / 100).otherwise(x))
    return v, s.is_not_null() & v.is_null()


def parse_money(e):
    """Yuan text → Int64 fen exactly (string arithmetic, never float). More than two
    decimals (after dropping trailing zeros) is unreadable, not rounded; so is more than
    15 digits of yuan (× 100 would wrap around Int64; the schema's bound is far lower)."""
    s = _compact(e).str.replace(r"^([+-]?)[¥￥]", "$1").str.replace(r"元$", "")
    # sign, yuan and decimals in one match: each further use of `s` would clean the text again
    parts = s.str.extract_groups(r"^([+-]?)(\d{1,15})(?:\.(\d*))?$")
    whole = parts.struct.field("2")
    frac = parts.struct.field("3").fill_null("").str.replace(r"0+$", "")
    fen_abs = whole.cast(pl.Int64, strict=False) * 100 + frac.str.pad_end(2, "0").cast(pl.Int64, strict=False)
    good = whole.is_not_null() & (frac.str.len_chars() <= 2)
    v = pl.when(good).then(pl.when(parts.struct.field("1") == "-").then(-fen_abs).otherwise(fen_abs))
    return v, s.is_not_null() & v.is_null()


def parse_date(e):
    """2024-03-01, 2024/3/1, 2024.3.1, 2024年3月1日, 20240301, an Excel date cell read as
    text ('2024-03-01 00:00:00') or an Excel serial number (45352)."""
    s = _clean(e).str.replace_all(r"\s+", " ").str.replace(r"(T| )\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "")
    s = s.str.replace_all(r"\s", "")
    ymd = s.str.extract_groups(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
    iso = (
        ymd.struct.field("1")
        + "-"
        + ymd.struct.field("2").str.pad_start(2, "0")
        + "-"
        + ymd.struct.field("3").str.pad_start(2, "0")
    )
    from_ymd = iso.str.to_date("%Y-%m-%d", strict=False)
    from_compact = pl.when(s.str.contains(r"^\d{8}$")).then(s.str.to_date("%Y%m%d", strict=False))
    # an Excel serial, possibly with a time of day as the fraction (45352.5 = noon); not
    # 19xxx / 20xxx, which reads as a year with a digit after it ('20241' is 2024-1, not the
    # serial for 1955-05-31): refused as unreadable rather than guessed
    serial = pl.when(s.str.contains(r"^\d{5}(\.\d*)?$") & ~s.str.contains(r"^(19|20)\d{3}(\.\d*)?$")).then(
        s.str.replace(r"\.\d*$", "").cast(pl.Int64, strict=False)
    )
    from_serial = pl.when(serial.is_between(EXCEL_EPOCH_SERIAL_MIN, EXCEL_EPOCH_SERIAL_MAX)).then(
        pl.lit(date(1899, 12, 30)) + pl.duration(days=serial)
    )
    v = pl.coalesce(from_ymd, from_compact, from_serial).cast(pl.Date)
    return v, s.is_not_null() & v.is_null()


# ---------------------------------------------------------------- months as clerks type them
# In a month column (申报月份) or a period column that may hold one month (申报期间, 所属期间).
# A clerk types 2024-06 and Excel keeps the date 2024-06-01 (shown Jun-24 or 2024年6月); a
# sheet saved oddly shows its serial (45444); others write 2024年6月, 2024.06, 2024/6, 202406.
MONTH_FORMATS = ("month", "period")
MONTH_WORDS_RE = r"^(\d{4})(?:[-/.]|年)(\d{1,2})(?:月份?)?$"
MONTH_COMPACT_RE = r"^(\d{4})(\d{2})$"
# 2024.1: January typed as text, or 2024.10 (October) typed into a number cell that dropped the 0
MONTH_AMBIGUOUS_RE = r"^\d{4}\.1$"
CANONICAL_PERIOD_RE = r"^\d{4}(?:H[12]|Q[1-4]|-\d{2})?(?:\.\.\d{4}(?:H[12]|Q[1-4]|-\d{2})?)?$"


def clerk_month(e: pl.Expr) -> dict[str, pl.Expr]:
    """A month cell → {"month": 2024-06 or null, "date": the date written (a date cell, a
    datetime, 2024-06-15, a serial) or null, "serial": whether it was an Excel serial,
    "ambiguous": 2024.1}. Text that is no month (2024, 2024H1, a range) has month null."""
    s = _clean(e).str.replace_all(r"\s", "")
    full, _ = parse_date(e)
    words = s.str.extract_groups(MONTH_WORDS_RE)
    compact = s.str.extract_groups(MONTH_COMPACT_RE)
    year = pl.coalesce(words.struct.field("1"), compact.struct.field("1"))
    month = pl.coalesce(words.struct.field("2"), compact.struct.field("2")).cast(pl.Int64, strict=False)
    ambiguous = s.str.contains(MONTH_AMBIGUOUS_RE).fill_null(False)
    typed = pl.when(month.is_between(1, 12) & ~ambiguous).then(year + "-" + month.cast(pl.String).str.pad_start(2, "0"))
    return {
        "month": pl.coalesce(full.dt.strftime("%Y-%m"), typed),
        "date": full,
        "serial": (full.is_not_null() & s.str.contains(r"^\d{5}(\.\d*)?$")).fill_null(False),
        "ambiguous": ambiguous,
    }


def _read_months(df: pl.DataFrame, col: schema.Column, table: str, sheet) -> tuple[pl.Series, list[pl.DataFrame]]:
    """A month or period column with clerks' months read as YYYY-MM (other periods kept as
    written, for the period check), and what was said: in a month column (申报月份) a date on
    another day than the 1st is its month with a warning (a claim month can move money); in
    a period column it is an error (a payment date typed there says nothing of whether a
    month, a quarter or the year is paid); a serial is read and said; 2024.1 is an error
    asking which month. Parsed once per distinct value."""
    from audit.dates import FORMS_EN, FORMS_ZH

    text = df.select(col.name) if df.schema[col.name] == pl.String else as_text(df.select(col.name))
    raw = text.get_column(col.name)
    distinct = text.unique().drop_nulls()
    if distinct.select(pl.col(col.name).str.contains(CANONICAL_PERIOD_RE).all()).item():
        return raw, []
    parts = clerk_month(pl.col(col.name))
    kept = parse_text(pl.col(col.name), col)[0]
    mid_month = parts["date"].is_not_null() & (parts["date"].dt.day() != 1)
    refused = parts["ambiguous"] | (mid_month if col.spec.get("format") == "period" else pl.lit(False))
    read = distinct.with_columns(
        pl.when(refused).then(None).otherwise(pl.coalesce(parts["month"], kept)).alias("__v"),
        mid_month.alias("__mid"),
        parts["date"].alias("__date"),
        parts["serial"].alias("__serial"),
        parts["ambiguous"].alias("__ambiguous"),
        parts["month"].alias("__month"),
    )
    where = df.select("_row", *(["_sheet"] if "_sheet" in df.columns else []))
    rows = text.with_columns(where).join(read, on=col.name, how="left", maintain_order="left")
    day = pl.col("__date").dt.day()
    shown = pl.col("__date").dt.strftime("%Y-%m-%d")
    month = pl.col("__month")
    one_month = col.spec.get("format") == "month"
    said = [
        _problem_frame(
            rows.filter(pl.col("__mid") & pl.lit(one_month)),
            table,
            sheet,
            col.name,
            shown,
            pl.lit("月份栏填的是日期 ")
            + shown
            + "：按它所在的月份 "
            + month
            + " 读取；月份会影响金额，如申报的不是这个月，请直接写月份（如 "
            + month
            + "）",
            pl.lit("a date, ")
            + shown
            + ", where a month is expected: read as the month it falls in, "
            + month
            + "; the month can change the money, so if another month is meant, write the month (e.g. "
            + month
            + ")",
            "month_from_date",
            "warning",
        ),
        _problem_frame(
            rows.filter(pl.col("__mid") & pl.lit(not one_month)),
            table,
            sheet,
            col.name,
            shown,
            pl.lit("填的是日期 ") + shown + "，不是期间：请写明是哪个期间，" + FORMS_ZH,
            pl.lit("a date, ") + shown + ", is no period: write which period is meant, " + FORMS_EN,
            "period",
            "error",
        ),
        _problem_frame(
            rows.filter(pl.col("__serial") & (day == 1)),
            table,
            sheet,
            col.name,
            pl.col(col.name),
            pl.lit("单元格里是 Excel 日期序号，按日期 ")
            + shown
            + " 读作月份 "
            + month
            + "；宜把该列设为文本，直接写月份",
            pl.lit("the cell holds an Excel date serial, read as the date ")
            + shown
            + ", month "
            + month
            + "; better set the column to text and write the month",
            "month_serial",
            "info",
        ),
        _problem_frame(
            rows.filter(pl.col("__ambiguous")),
            table,
            sheet,
            col.name,
            pl.col(col.name),
            pl.lit("“")
            + pl.col(col.name)
            + "”可能是 1 月，也可能是 10 月（在数字格式的单元格里写 2024.10，Excel 会去掉末尾的 0）：请写成 "
            + pl.col(col.name).str.slice(0, 4)
            + "-01 或 "
            + pl.col(col.name).str.slice(0, 4)
            + "-10",
            pl.lit("'")
            + pl.col(col.name)
            + "' may be January or October (typed as 2024.10 into a number cell, Excel drops the last 0): write "
            + pl.col(col.name).str.slice(0, 4)
            + "-01 or "
            + pl.col(col.name).str.slice(0, 4)
            + "-10",
            "month_ambiguous",
            "error",
        ),
    ]
    return rows.get_column("__v").alias(col.name), [p for p in said if p.height]


def parse_bool(e):
    key = _clean(e).str.to_lowercase().str.replace_all(r"\s", "")
    v = key.replace_strict(BOOL_MAP, default=None, return_dtype=pl.Boolean)
    return v, key.is_not_null() & v.is_null()


def parse_enum(e, col: schema.Column):
    key = _clean(e).str.replace_all(r"\s", "").str.to_lowercase()
    v = key.replace_strict(col.enum_map(), default=None, return_dtype=pl.String)
    return v, key.is_not_null() & v.is_null()


def parse_text(e, col: schema.Column):
    fmt = col.spec.get("format")
    if fmt in ("person_id", "credit_code"):
        v = _clean(e).str.replace_all(r"\s", "").str.to_uppercase()
    elif col.spec.get("id_like"):
        # an id typed as a number in Excel comes back as '12.0'; a zero-width space pasted
        # from a web page is no part of an id
        v = _clean(e.cast(pl.String).str.replace_all(_INVISIBLE, "")).str.replace(r"^(\d+)\.0+$", "$1")
    else:
        v = pl.when(e.cast(pl.String).str.strip_chars() == "").then(None).otherwise(e.cast(pl.String).str.strip_chars())
    return v, pl.lit(False)


_CN_DIGITS = "零一二三四五六七八九"


def _cn_numeral(n: int) -> list[str]:
    """Spellings of 0–99 as clerks write them: 三, 十, 十二, 二十, 二十五, 两 for 2."""
    tens, ones = divmod(n, 10)
    if n < 10:
        out = [_CN_DIGITS[n]]
    else:
        out = [("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")]
        if tens == 1:
            out.append("一十" + (_CN_DIGITS[ones] if ones else ""))
    return out + (["两"] if n == 2 else [])


CN_NUMERALS = {w: str(n) for n in range(100) for w in _cn_numeral(n)}


def clerk_number(e: pl.Expr, col: schema.Column) -> pl.Expr:
    """A count or level as clerks type it → plain digits: 三级 → 3, 10年 → 10, ★★★ → 3,
    未评定 → 0. The unit words and zero words a column accepts are in its YAML
    (`unit_words`, `zero_words`); anything else is left for the parser to refuse."""
    units = col.spec.get("unit_words") or ()
    zeros = col.spec.get("zero_words") or ()
    if not units and not zeros:
        return e
    s = _clean(e)
    key = s.str.replace_all(r"\s", "")
    if zeros:
        key = pl.when(key.is_in([schema.norm_key(z) for z in zeros])).then(pl.lit("0")).otherwise(key)
    if units:
        alt = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))
        key = key.str.replace(f"(?:{alt})$", "")
        stars = key.str.contains(r"^[★☆*]+$")
        key = pl.when(stars & (key.str.contains("★"))).then(key.str.count_matches("★").cast(pl.String)).otherwise(key)
    cn = key.replace_strict(CN_NUMERALS, default=None, return_dtype=pl.String)
    return pl.coalesce(cn, key)


def _parser(col: schema.Column):
    if col.type == "text":
        return lambda e: parse_text(e, col)
    if col.type == "enum":
        return lambda e: parse_enum(e, col)
    if col.type in ("int", "number"):
        base = parse_int if col.type == "int" else parse_number
        return lambda e: base(clerk_number(e, col))
    return {"money": parse_money, "date": parse_date, "bool": parse_bool}[col.type]


def _with_examples(col: schema.Column) -> tuple[str, str]:
    """The generic "expected a number" plus the clerk spellings a column accepts."""
    zh, en = _GENERIC_EXPECTED[col.type]
    examples = col.spec.get("examples")
    if examples:
        return f"{zh}，如 {examples}", f"{en}, e.g. {examples}"
    return zh, en


def _expected(col: schema.Column) -> tuple[str, str]:
    """What a readable value looks like, for messages (zh, en)."""
    if col.type in _GENERIC_EXPECTED:
        return _with_examples(col)
    return (f"无法识别，可选值：{col.accepted_text()}", "not recognised; accepted values: " + ", ".join(col.values))


_GENERIC_EXPECTED = {
    "int": ("应为整数（最多 18 位）", "expected a whole number (at most 18 digits)"),
    "number": ("应为数值", "expected a number"),
    "money": (
        "应为金额（元，最多两位小数、15 位整数）",
        "expected an amount in yuan with at most two decimals and 15 digits",
    ),
    "date": (
        "应为日期，如 2024-03-01、2024/3/1 或 2024年3月1日",
        "expected a date such as 2024-03-01, 2024/3/1 or 2024年3月1日",
    ),
    "bool": ("应为 是/否（或 true/false、1/0、Y/N、√）", "expected 是/否 (or true/false, 1/0, Y/N, √)"),
}

# said only of a value it explains: a 5-digit number 19xxx / 20xxx (an Excel serial would be plausible)
HALF_DATE = r"^\s*(?:19|20)\d{3}(?:\.0*)?\s*$"
HALF_DATE_HINT = (
    "（以 19、20 开头的 5 位数字像是写了一半的日期，不按 Excel 日期序号读）",
    " (a 5-digit number starting 19 or 20 looks like half a date and is not read as an Excel serial)",
)

CHECK_OF_TYPE = {"int": "number", "number": "number", "money": "number", "date": "date", "bool": "enum", "enum": "enum"}


def _already_clean(col: schema.Column) -> tuple[str, str | None] | None:
    """Patterns (every cell matches, no cell matches) that tell a text column the parser
    would return unchanged, or None. One regex pass over a column of 2.5 million clean
    ids or names instead of the full cleaning (NFKC check, trimming, upper-casing)."""
    if col.type != "text":
        return None
    fmt = col.spec.get("format")
    if fmt in ("person_id", "credit_code"):
        return r"^[0-9A-Z]+$", None
    if col.spec.get("id_like"):  # printable ASCII, trimmed, not a number read as '12.0'
        return r"^[!-~](?:[ -~]*[!-~])?$", r"^\d+\.0+$"
    return r"(?s)^\S(?:.*\S)?$", None


def _canonical(col: schema.Column) -> list[str]:
    """An enum's canonical values that its parser reads as themselves."""
    values = pl.DataFrame({col.name: list(col.values)}, schema={col.name: pl.String})
    parsed = values.select(pl.col(col.name), parse_enum(pl.col(col.name), col)[0].alias("__v"))
    return parsed.filter(pl.col(col.name) == pl.col("__v")).get_column(col.name).to_list()


def _parse_column(df: pl.DataFrame, col: schema.Column) -> tuple[pl.Series, pl.Series]:
    """(typed values, unreadable flags) for one raw column, in row order.

    Dates, enums, counties, institution ids repeat a lot: a column with few distinct
    values is parsed once per distinct value and joined back (a 2.5-million-row stays
    table has ~2,500 distinct dates), which is many times faster than parsing every
    cell. A column of mostly distinct values (person ids) is parsed cell by cell."""
    src = pl.col(col.name)
    few = df.height >= DISTINCT_MIN_ROWS and df.select(src.approx_n_unique()).item() * 4 <= df.height
    # a column the parser would return unchanged is taken as it is: judged on its distinct
    # values where they are few (40,000 institution ids over 2.5 million stays)
    tidy = _already_clean(col)
    clean = (
        None
        if tidy is None
        else src.str.contains(tidy[0]) & (pl.lit(True) if tidy[1] is None else ~src.str.contains(tidy[1]))
    )
    if col.type == "enum":  # already the canonical values (a typed source, a normalised frame)
        clean = src.is_in(pl.Series(_canonical(col), dtype=pl.String).implode())
    if clean is not None and (df.select(src.unique()) if few else df).select(clean.fill_null(True).all()).item():
        return df.get_column(col.name), pl.repeat(False, df.height, dtype=pl.Boolean, eager=True)
    value, bad = _parser(col)(src)
    if few:
        parsed = df.select(src.unique()).drop_nulls().select(src, value.cast(col.dtype).alias("__v"), bad.alias("__b"))
        out = df.select(src).join(parsed, on=col.name, how="left", maintain_order="left")
        v = out.get_column("__v")
        if v.null_count() == v.len():  # (a gathered blank text column still holds 16 bytes a cell: 41 MB)
            v = pl.repeat(None, v.len(), dtype=v.dtype, eager=True).alias("__v")
        return v, out.get_column("__b").fill_null(False)
    out = df.select(value.cast(col.dtype).alias("__v"), bad.alias("__b"))
    return out.get_column("__v"), out.get_column("__b")


def _typed_or_parsed(df: pl.DataFrame, col: schema.Column) -> tuple[pl.Series, pl.Series]:
    """A column that already has the contract's type (a parquet date, a normalised
    frame passed again) is taken as it is: no text round trip. Text is parsed; any
    other type is read as the text it shows (a date column of type int, 12.0 for 12)."""
    dtype = df.schema[col.name]
    if dtype == col.dtype and col.type not in ("text", "enum", "money"):  # money is yuan in, fen out
        return df.get_column(col.name), pl.repeat(False, df.height, dtype=pl.Boolean, eager=True)
    if col.type in ("int", "number") and dtype in EXACT_INTEGERS:  # a whole number is one as it is
        return df.get_column(col.name).cast(col.dtype), pl.repeat(False, df.height, dtype=pl.Boolean, eager=True)
    if dtype != pl.String:
        df = df.with_columns(as_text(df.select(col.name)))
    return _parse_column(df, col)


# integer types whose every value an Int64 holds: cast, not printed and parsed back
EXACT_INTEGERS = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32)
DISTINCT_MIN_ROWS = 10_000  # below this, parsing every cell is already instant


def sheet_expr(df: pl.DataFrame, sheet) -> pl.Expr:
    """Where a row came from: its own `_sheet` when a table was stacked from several
    sheets (one roster per home), else the table's one sheet or file."""
    if "_sheet" in df.columns:
        return pl.col("_sheet").fill_null(pl.lit(sheet, dtype=pl.String)).cast(pl.String).alias("sheet")
    return pl.lit(sheet, dtype=pl.String).alias("sheet")


def normalise_table(name: str, raw: pl.DataFrame, sheet: str | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One raw table → (normalised table, problems for unreadable cells).

    Columns already typed (a normalised frame passed again) are kept as they are,
    so normalising twice changes nothing."""
    t = schema.table(name)
    df = (
        raw
        if "_row" in raw.columns
        else raw.with_columns(pl.int_range(2, raw.height + 2, dtype=pl.Int64).alias("_row"))
    )
    columns, problems = [], []
    for col in t.columns:
        if col.out_name != col.name and col.out_name in df.columns and df.schema[col.out_name] == col.dtype:
            columns.append(df.get_column(col.out_name))  # money already in fen: normalised before
        elif col.name in df.columns and col.spec.get("format") in MONTH_FORMATS:
            value, said = _read_months(df, col, name, sheet)
            columns.append(value.alias(col.out_name))
            problems.extend(said)
        elif col.name in df.columns:
            value, bad = _typed_or_parsed(df, col)
            if col.default is not None:  # a blank cell means the same as a missing column
                value = pl.select(
                    pl.when(bad).then(None).otherwise(value.fill_null(pl.lit(col.default, dtype=col.dtype)))
                ).to_series()
            columns.append(value.alias(col.out_name))
            if bad.any():
                zh, en = _expected(col)
                shown = mask_person_id(pl.col(col.name)) if col.spec.get("format") == "person_id" else pl.col(col.name)
                half = (
                    pl.col(col.name).cast(pl.String).str.contains(HALF_DATE).fill_null(False)
                    if col.type == "date"
                    else pl.lit(False)
                )
                problems.append(
                    df.filter(bad).select(
                        pl.lit(name).alias("table"),
                        sheet_expr(df, sheet),
                        pl.col("_row").alias("row"),
                        pl.lit(col.name).alias("column"),
                        pl.lit(col.zh).alias("column_zh"),
                        shown.cast(pl.String).alias("value"),
                        (pl.lit(zh) + pl.when(half).then(pl.lit(HALF_DATE_HINT[0])).otherwise(pl.lit(""))).alias(
                            "message"
                        ),
                        (pl.lit(en) + pl.when(half).then(pl.lit(HALF_DATE_HINT[1])).otherwise(pl.lit(""))).alias(
                            "message_en"
                        ),
                        pl.lit("error").alias("severity"),
                        pl.lit(CHECK_OF_TYPE.get(col.type, "unreadable")).alias("check"),
                    )
                )
        elif col.spec.get("derive_from") in df.columns:
            # the five GB/T 42195 grades are often written in the three-level column
            # (能力等级: 中度失能): read them from there; words naming no single grade stay null
            source = df.with_columns(pl.col(col.spec["derive_from"]).alias(col.name))
            value, _ = _parse_column(source, col)
            columns.append(value.alias(col.out_name))
        elif col.spec.get("when_absent") == "row_number":
            # a clerk's staff roster rarely has a 工号: each person is numbered by their row
            where = pl.col("_sheet").cast(pl.String).fill_null("") if "_sheet" in df.columns else pl.lit("")
            numbered = where + pl.lit("第") + pl.col("_row").cast(pl.String) + pl.lit("行")
            columns.append(df.select(numbered.alias(col.out_name)).to_series())
        else:
            columns.append(pl.repeat(col.default, df.height, dtype=col.dtype, eager=True).alias(col.out_name))
    known = {c.name for c in t.columns} | {c.out_name for c in t.columns}
    extras = [df.get_column(c) for c in df.columns if c not in known and c != "_row" and not c.startswith("__")]
    out = pl.DataFrame([*columns, *extras, df.get_column("_row").cast(pl.Int64)])
    if name in DERIVED:
        out, more = DERIVED[name](out, df, sheet)
        problems.extend(more)
    found = pl.concat([p.cast(PROBLEM_SCHEMA) for p in problems]) if problems else empty_problems()
    return out, found


_RANGE = r"^\s*(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?)\s*(?:-|~|～|至|到|—|－|–)+\s*(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?)\s*$"


def _problem_frame(
    df: pl.DataFrame, table: str, sheet, column: str, value: pl.Expr, zh, en, check, severity
) -> pl.DataFrame:
    col = schema.table(table).column(column)
    lit = lambda x: x if isinstance(x, pl.Expr) else pl.lit(x)  # noqa: E731
    return df.select(
        pl.lit(table).alias("table"),
        sheet_expr(df, sheet),
        pl.col("_row").alias("row"),
        pl.lit(column).alias("column"),
        pl.lit(col.zh).alias("column_zh"),
        value.cast(pl.String).alias("value"),
        lit(zh).cast(pl.String).alias("message"),
        lit(en).cast(pl.String).alias("message_en"),
        pl.lit(severity).alias("severity"),
        pl.lit(check).alias("check"),
    )


def _insurance_year(out: pl.DataFrame, raw: pl.DataFrame, sheet) -> tuple[pl.DataFrame, list]:
    """保险期间 `2024.1.1-2024.12.31` and no 保险年度: the year is the start date's year.
    A premium left with no year is paid in no year: said, with its amount."""
    problems = []
    if "period" in out.columns and out["period"].is_not_null().any():
        parts = pl.col("period").str.normalize("NFKC").str.extract_groups(_RANGE)
        start, _ = parse_date(parts.struct.field("1"))
        end, _ = parse_date(parts.struct.field("2"))
        out = out.with_columns(start.alias("__start"), end.alias("__end"))
        unreadable = out.filter(pl.col("year").is_null() & pl.col("period").is_not_null() & pl.col("__start").is_null())
        problems.append(
            _problem_frame(
                unreadable,
                "insurance",
                sheet,
                "period",
                pl.col("period"),
                "保险期间无法读取：请写成“2024.1.1-2024.12.31”，或加“保险年度”列",
                "the insurance period cannot be read: write it as 2024.1.1-2024.12.31, or add a 保险年度 (year) column",
                "date",
                "error",
            )
        )
        spans = out.filter(
            pl.col("year").is_null()
            & pl.col("__start").is_not_null()
            & (pl.col("__end").dt.year() > pl.col("__start").dt.year())
        )
        problems.append(
            _problem_frame(
                spans,
                "insurance",
                sheet,
                "year",
                pl.col("period"),
                pl.lit("保险期间跨两个年度：按起始年份 ")
                + pl.col("__start").dt.year().cast(pl.String)
                + " 年计入；如不对，请加“保险年度”列",
                pl.lit("the insurance period spans two calendar years: counted in its start year ")
                + pl.col("__start").dt.year().cast(pl.String)
                + "; add a 保险年度 (year) column if that is wrong",
                "insurance_year",
                "info",
            )
        )
        out = out.with_columns(
            pl.coalesce(pl.col("year"), pl.col("__start").dt.year().cast(pl.Int64)).alias("year")
        ).drop("__start", "__end")
    no_year = out.filter(
        pl.col("year").is_null()
        & pl.col("premium_fen").is_not_null()
        & ~(pl.col("period").is_not_null() if "period" in out.columns else pl.lit(False))
    )
    yuan = (
        (pl.col("premium_fen") // 100).cast(pl.String)
        + "."
        + (pl.col("premium_fen") % 100).cast(pl.String).str.pad_start(2, "0")
    )
    problems.append(
        _problem_frame(
            no_year,
            "insurance",
            sheet,
            "year",
            pl.lit(None, dtype=pl.String),
            pl.lit("没有保险年度（也没有保险期间）：这笔保费 ") + yuan + " 元不计入任何年度的保险补贴；请填写保险年度",
            pl.lit("no insurance year (and no insurance period): this premium of ")
            + yuan
            + " yuan counts in no year's insurance subsidy; fill in the year",
            "missing_year",
            "warning",
        )
    )
    return out, [p for p in problems if p.height]


def _part_time(out: pl.DataFrame, raw: pl.DataFrame, sheet) -> tuple[pl.DataFrame, list]:
    """兼职/非全日制 with no 工时折算: the fte is unknown. It stays 1 (so staffing is
    not short by our guess) and `fte_assumed` marks it: a staffing figure that counts
    it is an upper bound, and the row is a warning saying what to fill in."""
    if "fte_assumed" in out.columns or out.is_empty():  # normalised before, or nothing to mark
        return out, []
    if "fte" not in raw.columns:
        fte_blank = pl.lit(True)
    elif raw.schema["fte"] == pl.String:
        fte_blank = _clean(pl.col("fte")).is_null()
    else:  # a typed (parquet) number: blank is null, no text round trip
        fte_blank = pl.col("fte").is_null()
    assumed = raw.select(fte_blank.alias("__blank")).to_series() & (out["employment"] == "part_time").fill_null(False)
    out = out.with_columns(assumed.alias("fte_assumed"))
    hit = out.filter(pl.col("fte_assumed"))
    return out.select(pl.exclude("_row"), "_row"), [
        _problem_frame(
            hit,
            "staff",
            sheet,
            "fte",
            pl.lit("兼职"),
            "用工形式为兼职/非全日制，但未填工时折算：暂按全职（1）计，护理员配备核查的结果因此是上限；请填写工时折算，如 0.5",
            "part-time, but no fte given: counted as full-time (1) for now, so the staffing figure is an upper bound; "
            "fill in the fte, e.g. 0.5",
            "fte_unknown",
            "warning",
        )
    ] if hit.height else []


DERIVED = {"insurance": _insurance_year, "staff": _part_time}
