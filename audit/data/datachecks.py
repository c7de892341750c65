"""The individual validation checks, each returning problem rows (PROBLEM_SCHEMA).

Everything here is a polars expression or join over whole columns; loops run over
the handful of columns and rules declared in schemas/*.yaml, never over rows."""

from __future__ import annotations

import difflib
import re
from datetime import date
from functools import lru_cache, reduce
from operator import xor

import polars as pl

from audit.data import contract as schema
from audit.money import fen_to_yuan_expr
from audit.data.normalise import PROBLEM_SCHEMA, empty_problems, id_skeleton, sheet_expr
from audit.privacy import mask_person_id

GB11643_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
GB32100_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters, no I O S V Z
GB32100_WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28
EARLIEST_BIRTH = date(1900, 1, 1)
ROW_KEY = 10**9  # above any spreadsheet row number: packs (end day, row) into one Int64


def repeated(keys: pl.Series) -> pl.Series:
    """Mask of the rows whose key occurs more than once, as a pre-filter: sorting the keys'
    hashes and comparing neighbours takes a quarter of `is_duplicated`'s time on millions of
    rows. A hash collision keeps a few single rows too; every caller finds nothing in them."""
    return _repeated_hashes(keys.hash())


def repeated_rows(frame: pl.DataFrame, columns) -> pl.Series:
    """`repeated` of the rows' `columns` taken together, hashed column by column and the
    hashes combined (a struct of two text columns costs ~3× to hash on 2.5 M stays)."""
    combined = reduce(xor, (pl.col(c).hash(seed=i) for i, c in enumerate(columns)))
    return _repeated_hashes(frame.select(combined).to_series())


def _repeated_hashes(h: pl.Series) -> pl.Series:
    s = h.sort()
    return h.is_in(s.filter(s == s.shift(1)).implode())


def _rows(
    df: pl.DataFrame,
    table: schema.Table,
    sheet,
    column,
    value: pl.Expr,
    zh: pl.Expr | str,
    en: pl.Expr | str,
    check: str,
    severity: str = "error",
) -> pl.DataFrame:
    """Problem rows for every row of `df` (already filtered to the offending rows)."""
    col_zh = table.column(column).zh if column else None
    lit = lambda x: x if isinstance(x, pl.Expr) else pl.lit(x)  # noqa: E731
    return df.select(
        pl.lit(table.name).alias("table"),
        sheet_expr(df, sheet),
        pl.col("_row").cast(pl.Int64).alias("row"),
        pl.lit(column, dtype=pl.String).alias("column"),
        pl.lit(col_zh, dtype=pl.String).alias("column_zh"),
        value.cast(pl.String).alias("value"),
        lit(zh).cast(pl.String).alias("message"),
        lit(en).cast(pl.String).alias("message_en"),
        pl.lit(severity).alias("severity"),
        pl.lit(check).alias("check"),
    ).cast(PROBLEM_SCHEMA)


def _shown(col: schema.Column) -> pl.Expr:
    """The value as a user should see it in a problem: person ids masked, money in yuan."""
    e = pl.col(col.out_name)
    if col.spec.get("format") == "person_id":
        return mask_person_id(e)
    if col.type == "money":
        return fen_to_yuan_expr(e)
    return e.cast(pl.String)


def _table_problem(table: schema.Table, sheet, column, zh, en, check) -> pl.DataFrame:
    col_zh = table.column(column).zh if column else None
    return pl.DataFrame(
        [
            {
                "table": table.name,
                "sheet": sheet,
                "row": None,
                "column": column,
                "column_zh": col_zh,
                "value": None,
                "message": zh,
                "message_en": en,
                "severity": "error",
                "check": check,
            }
        ],
        schema=PROBLEM_SCHEMA,
    )


def missing_table(table: schema.Table) -> pl.DataFrame:
    return _table_problem(
        table,
        None,
        None,
        f"缺少必需的表“{table.zh}”（{table.name}）：文件夹中应有 {table.name}.csv 或 {table.zh}.xlsx，"
        f"或工作簿中应有工作表“{table.zh}”",
        f"required table {table.name} ({table.zh}) is missing: expected a file {table.name}.csv / "
        f"{table.zh}.xlsx or a sheet named {table.zh}",
        "missing_table",
    )


def no_rows(table: schema.Table, sheet) -> pl.DataFrame:
    """A required table with headers only (a blank template handed back): nothing to compute."""
    return _table_problem(
        table,
        sheet,
        None,
        f"“{table.zh}”只有表头，没有数据行",
        f"table {table.name} has headers but no data rows",
        "empty",
    )


def missing_columns(table: schema.Table, present: list[str], sheet) -> pl.DataFrame:
    """A missing required column; the headers we did not recognise are named, since one
    of them is usually the column misspelt."""
    known = {n for c in table.columns for n in (c.name, c.out_name)}
    unknown = [h for h in present if h not in known and not h.startswith("_")]
    hint_zh = f"（表中未识别的列：{'、'.join(unknown)}）" if unknown else ""
    hint_en = f" (headers not recognised: {', '.join(unknown)})" if unknown else ""
    parts = [
        _table_problem(
            table,
            sheet,
            c.name,
            f"缺少必需的列“{c.zh}”（{c.name}）{hint_zh}",
            f"required column {c.name} ({c.zh}) is missing{hint_en}",
            "missing_column",
        )
        for c in table.columns
        if c.required and c.name not in present and c.out_name not in present
    ]
    parts += [
        _table_problem(
            table,
            sheet,
            c.name,
            f"没有“{c.zh}”列：每人按所在行编号（如“第5行”）；同一人是否重复录入按身份证号核对",
            f"no {c.name} ({c.zh}) column: each person is numbered by their row (“第5行”); a person entered "
            "twice is found by 身份证号",
            "column_numbered_by_row",
        ).with_columns(pl.lit("info").alias("severity"))
        for c in table.columns
        if c.spec.get("when_absent") == "row_number" and c.name not in present
    ]
    return pl.concat(parts) if parts else empty_problems()


GENERIC_HEADER_ENDING = re.compile(r"(日期|时间|编号|名称)$")  # shared by many headers: not evidence of a match


def _header_core(text: str) -> str:
    key = schema.norm_key(text)
    return GENERIC_HEADER_ENDING.sub("", key) or key


def unknown_columns(table: schema.Table, present: list[str], sheet) -> pl.DataFrame:
    """An unrecognised header close to an optional column the table lacks is most likely
    that column misspelt; without a warning the column would silently take its default
    (a 工时折算 of 1.5 read as 1.0, a 离院时间 read as still resident). A missing required
    column is an error already (missing_columns). Short headers (序号, 备注) stay quiet."""
    known = {n for c in table.columns for n in (c.name, c.out_name)}
    absent = [c for c in table.columns if not c.required and c.name not in present and c.out_name not in present]
    spellings = {_header_core(h): c for c in absent for h in (c.zh, *c.synonyms, c.name)}
    rows = []
    for h in present:
        if h in known or h.startswith("_") or len(schema.norm_key(h)) < 3:
            continue
        close = difflib.get_close_matches(_header_core(h), list(spellings), n=1, cutoff=0.6)
        if not close:
            continue
        c = spellings[close[0]]
        default_zh = f"，否则按缺省值 {c.default} 计" if c.default is not None else "，否则该列按空白计"
        default_en = (
            f", else the default {c.default} applies" if c.default is not None else ", else the column counts as blank"
        )
        rows.append(
            {
                "table": table.name,
                "sheet": sheet,
                "row": None,
                "column": c.name,
                "column_zh": c.zh,
                "value": h,
                "message": f"未识别的表头“{h}”，该列未被读取；若指“{c.zh}”（{c.name}），请改用此表头{default_zh}",
                "message_en": f"header '{h}' is not recognised and the column was not read; if it means {c.name} "
                f"({c.zh}), use that header{default_en}",
                "severity": "warning",
                "check": "unknown_column",
            }
        )
    return pl.DataFrame(rows, schema=PROBLEM_SCHEMA) if rows else empty_problems()


# ---------------------------------------------------------------- per column (pandera)


def _range_specs(col: schema.Column) -> list[tuple[str, float]]:
    """In the order audit.data.contract.pandera_schema builds the checks (pandera reports check_number)."""
    return [(k, col.spec[k]) for k in ("min", "min_exclusive", "max") if k in col.spec]


RANGE_TEXT = {
    "min": ("应不小于 {b}", "must be at least {b}"),
    "min_exclusive": ("应大于 {b}", "must be greater than {b}"),
    "max": ("应不大于 {b}", "must be at most {b}"),
}


def column_checks(table: schema.Table, df: pl.DataFrame, sheet, unreadable: pl.DataFrame, present) -> pl.DataFrame:
    """Required values and single-column ranges through pandera (lazy: all failures at once).
    A cell already reported as unreadable is not reported again as missing."""
    import pandera.polars as pa

    try:
        schema.pandera_schema(table.name).validate(df, lazy=True)
        return empty_problems()
    except pa.errors.SchemaErrors as e:
        fails = e.failure_cases
    fails = fails.filter(pl.col("index").is_not_null() & pl.col("column").is_not_null())
    indexed = df.with_row_index("__i").with_columns(pl.col("__i").cast(pl.Int64))
    parts = []
    for col in table.columns:
        mine = fails.filter(pl.col("column") == col.out_name)
        if mine.is_empty():
            continue
        rows = indexed.join(mine.select(pl.col("index").cast(pl.Int64).alias("__i"), "check", "check_number"), on="__i")
        if col.required and col.name in present:
            missing = rows.filter(pl.col("check") == "not_nullable")
            missing = (  # the same Excel row on another home's sheet is another cell
                missing.with_columns(sheet_expr(missing, sheet).alias("__sheet"))
                .join(
                    unreadable.filter(pl.col("column") == col.name).select(
                        pl.col("row").alias("_row"), pl.col("sheet").alias("__sheet")
                    ),
                    on=["_row", "__sheet"],
                    how="anti",
                    nulls_equal=True,
                )
                .drop("__sheet")
            )
            parts.append(
                _rows(
                    missing,
                    table,
                    sheet,
                    col.name,
                    pl.lit(None),
                    "必填，不能为空",
                    "required; must not be empty",
                    "required",
                )
            )
        for n, (kind, bound) in enumerate(_range_specs(col)):
            hit = rows.filter((pl.col("check") != "not_nullable") & (pl.col("check_number") == n))
            b = f"{bound}" if col.type != "money" else f"{bound} 元"
            zh, en = RANGE_TEXT[kind]
            parts.append(_rows(hit, table, sheet, col.name, _shown(col), zh.format(b=b), en.format(b=bound), "range"))
    return pl.concat(parts) if parts else empty_problems()


# ---------------------------------------------------------------- within a row / table


ID_REPEATS_MIN_ROWS = 10_000  # below this, checking every row is already instant


@lru_cache(maxsize=1)
def _check_sums() -> dict[tuple[int, int], pl.Series]:
    """{(first digit, width): Σ dᵢ·wᵢ of every value of that many digits at that place}:
    the GB 11643 weighted sum of 17 digits as five look-ups (1 + 4 × 4 digits)."""
    out = {}
    for at, width in ((0, 1), (1, 4), (5, 4), (9, 4), (13, 4)):
        v = pl.int_range(0, 10**width, eager=True, dtype=pl.Int64)
        out[(at, width)] = sum(((v // 10 ** (width - 1 - j)) % 10) * GB11643_WEIGHTS[at + j] for j in range(width))
    return out


def _person_id_problems(table, df, sheet, col) -> pl.DataFrame:
    """GB 11643-1999: 17 digits + check character; check = (12 − Σ dᵢ·wᵢ mod 11) mod 11, 10 → X;
    digits 7–14 are the birth date."""
    s = pl.col(col.name)
    # the 17 digits as one integer (< 10¹⁷ fits Int64); its weighted digit sum is looked up
    # four digits at a time (_check_sums) instead of 17 divisions per id; intermediate
    # columns are materialised step by step because polars would otherwise re-evaluate
    # them inside each term
    n = pl.col("__n")
    # where ids repeat — a 申报名册 lists every person month after month (25 million rows,
    # 2.5 million ids) — each distinct id (with its number-cell flag) is checked once and
    # only the rows of the few bad ids are looked up again, with their row numbers; a list
    # of mostly distinct ids (residents) is checked row by row, with no unique to pay for
    flag = [c for c in (f"_numeric_{col.name}",) if c in df.columns]
    where = ["_row", *(["_sheet"] if "_sheet" in df.columns else [])]
    d = df.select(col.name, *flag, *where).filter(s.is_not_null())
    repeats = d.height >= ID_REPEATS_MIN_ROWS and d.select(s.approx_n_unique()).item() * 4 <= d.height
    if repeats:
        d = d.select(col.name, *flag).unique()
    d = d.with_columns(
        s.str.contains(r"^\d{17}[\dX]$").alias("__shape"), s.str.slice(0, 17).cast(pl.Int64, strict=False).alias("__n")
    )
    sums = pl.sum_horizontal(
        pl.lit(table_of_sums).gather((n // 10 ** (17 - at - width)) % 10**width)
        for (at, width), table_of_sums in _check_sums().items()
    )
    d = d.with_columns(
        ((12 - sums % 11) % 11).alias("__check"),
        ((n // 1000) % 10**8).alias("__birth_ymd"),
        # all 18 characters as a number (null when the last is X): its last digit, X = 10
        s.cast(pl.Int64, strict=False).alias("__n18"),
    )
    last = (pl.col("__n18") % 10).fill_null(10)
    # birth dates (digits 7–14 as the number yyyymmdd) repeat: each distinct one is dated once
    births = d.select(pl.col("__birth_ymd").filter(pl.col("__shape")).unique()).with_columns(
        pl.col("__birth_ymd").cast(pl.String).str.pad_start(8, "0").str.to_date("%Y%m%d", strict=False).alias("__birth")
    )
    no_birth = births.filter(
        pl.col("__birth").is_null() | (pl.col("__birth") < EARLIEST_BIRTH) | (pl.col("__birth") > date.today())
    )
    # An id from a number cell (or in scientific notation, or ending in Excel's 15-digit 000)
    # has invented last digits: re-entering as text is the only fix. Never check-digit
    # advice for it — changing the 18th character would make a wrong id look valid.
    numeric = pl.col(f"_numeric_{col.name}").fill_null(False) if flag else pl.lit(False)
    numeric = (
        numeric
        | s.str.contains(r"^\d(\.\d+)?E\+?\d+$")
        | (pl.col("__shape") & (pl.col("__n18") % 1000 == 0).fill_null(False) & (last != pl.col("__check")))
    )
    d = d.with_columns(numeric.alias("__numeric"))
    kinds = {
        "__lost": pl.col("__numeric"),
        "__bad_shape": ~pl.col("__numeric") & ~pl.col("__shape"),
        "__bad_check": ~pl.col("__numeric") & pl.col("__shape") & (last != pl.col("__check")),
        "__bad_birth": ~pl.col("__numeric")
        & pl.col("__shape")
        & pl.col("__birth_ymd").is_in(no_birth.get_column("__birth_ymd").implode()),
    }
    bad = d.select(
        col.name, *flag, *([] if repeats else where), *(e.fill_null(False).alias(k) for k, e in kinds.items())
    ).filter(pl.any_horizontal(list(kinds)))
    rows = (
        df.select(col.name, *flag, *where).join(
            bad, on=[col.name, *flag], how="inner", nulls_equal=True, maintain_order="left"
        )
        if repeats
        else bad
    )
    lost, bad_shape, bad_check, bad_birth = (rows.filter(pl.col(k)) for k in kinds)
    v = mask_person_id(s)
    return pl.concat(
        [
            _rows(
                lost,
                table,
                sheet,
                col.name,
                v,
                "在 Excel 中以数字保存，后几位已丢失：请把该列设为“文本”格式后，按身份证原件重新录入（不要只改最后一位）",
                "stored as a number in Excel, last digits lost: set the column to Text (文本) and re-enter it from the "
                "identity card (do not just change the last digit)",
                "id_stored_as_number",
            ),
            _rows(
                bad_shape,
                table,
                sheet,
                col.name,
                v,
                "应为 18 位：17 位数字加 1 位校验码（数字或 X）；在 Excel 中请把该列设为文本，否则长数字会被截断",
                "expected 18 characters: 17 digits and a check character (digit or X); in Excel format the column as text, "
                "or long numbers lose digits",
                "id_format",
            ),
            _rows(
                bad_check,
                table,
                sheet,
                col.name,
                v,
                "校验位不符：号码中有一位或几位录入有误，请对照身份证原件核对整个号码（不要只改最后一位）",
                "the check digit does not match: one or more digits are mistyped; check the whole number against the "
                "identity card (do not just change the last digit)",
                "id_check_digit",
            ),
            _rows(
                bad_birth,
                table,
                sheet,
                col.name,
                v,
                "第7–14位不是有效的出生日期",
                "characters 7–14 are not a valid birth date",
                "id_birth_date",
            ),
        ]
    )


def _period_problems(table, df, sheet, col) -> pl.DataFrame:
    """A claim or payment period we cannot place in time would leave its money out of
    the reconciliation: an error. `format: month` (申报名册) takes one month only."""
    from audit import dates

    d = dates.month_spans(df.filter(pl.col(col.name).is_not_null()).select(col.name, "_row"), col.name, "__")
    if col.spec.get("format") == "month":
        bad = d.filter(pl.col("__m0").is_null() | (pl.col("__m0") != pl.col("__m1")))
        zh, en = "应为一个月份，如 2024-05", "expected one month such as 2024-05"
    else:
        bad = d.filter(pl.col("__m0").is_null())
        zh, en = "无法识别的期间；应为" + dates.FORMS_ZH, "unreadable period; expected " + dates.FORMS_EN
    return _rows(bad, table, sheet, col.name, pl.col(col.name), zh, en, "period")


def _credit_code_problems(table, df, sheet, col) -> pl.DataFrame:
    """GB 32100-2015: 18 characters from 0-9 A-Y without I O S V Z; the 18th is
    31 − (Σ cᵢ·3ⁱ mod 31), with 31 → 0."""
    s = pl.col(col.name)
    index = {ch: i for i, ch in enumerate(GB32100_CHARS)}
    shape_ok = s.str.contains(f"^[{GB32100_CHARS}]{{18}}$")
    total = pl.sum_horizontal(
        [
            s.str.slice(i, 1).replace_strict(index, default=0, return_dtype=pl.Int64) * w
            for i, w in enumerate(GB32100_WEIGHTS)
        ]
    )
    code = (31 - total % 31) % 31
    expected = code.replace_strict(dict(enumerate(GB32100_CHARS)), return_dtype=pl.String, default=None)
    d = df.filter(s.is_not_null()).with_columns(shape_ok.alias("__shape"), expected.alias("__exp"))
    return pl.concat(
        [
            _rows(
                d.filter(~pl.col("__shape")),
                table,
                sheet,
                col.name,
                s,
                "应为 18 位统一社会信用代码（数字和除 I、O、S、V、Z 以外的大写字母）",
                "expected an 18-character unified social credit code (digits and capitals except I, O, S, V, Z)",
                "credit_code",
            ),
            _rows(
                d.filter(pl.col("__shape") & (s.str.slice(17, 1) != pl.col("__exp"))),
                table,
                sheet,
                col.name,
                s,
                pl.lit("校验码错误：按 GB 32100 第18位应为 ") + pl.col("__exp"),
                pl.lit("wrong check character: by GB 32100 the 18th character should be ") + pl.col("__exp"),
                "credit_code",
            ),
        ]
    )


ID_MAX_CHARS, TEXT_MAX_CHARS = 64, 2000


def text_limit(col: schema.Column) -> int:
    """Declared length bounds: an id (it becomes part of file names) at most 64 characters,
    any other text 2,000 — a 1 MB cell would stall the PDF report and hide in it."""
    return col.spec.get("max_length") or (
        ID_MAX_CHARS if col.spec.get("id_like") or col.spec.get("format") else TEXT_MAX_CHARS
    )


def date_bounds() -> tuple[date, date]:
    """Every date in the data lies between 1900-03-01 (Excel's calendar is a day off
    before then: serial 60 is the phantom 1900-02-29) and the end of next year."""
    return date(1900, 3, 1), date(date.today().year + 1, 12, 31)


def row_checks(table: schema.Table, df: pl.DataFrame, sheet, present) -> pl.DataFrame:
    """Formats, column-to-column ranges, conditional requirements, date order, duplicates."""
    parts = [empty_problems()]
    for col in table.columns:
        if col.name not in present and col.out_name not in present:
            continue
        s, c = col.spec, pl.col(col.out_name)
        if s.get("format") == "person_id":
            parts.append(_person_id_problems(table, df, sheet, col))
        if s.get("format") == "credit_code":
            parts.append(_credit_code_problems(table, df, sheet, col))
        if col.type == "text":
            limit = text_limit(col)
            hit = df.filter(c.str.len_chars() > limit)
            parts.append(
                _rows(
                    hit,
                    table,
                    sheet,
                    col.name,
                    _shown(col).str.head(20) + "…",
                    pl.lit("过长：") + c.str.len_chars().cast(pl.String) + f" 个字符（最多 {limit} 个）",
                    pl.lit("too long: ") + c.str.len_chars().cast(pl.String) + f" characters (at most {limit})",
                    "range",
                )
            )
        if col.type == "date":
            first, last = date_bounds()
            hit = df.filter((c < first) | (c > last))
            parts.append(
                _rows(
                    hit,
                    table,
                    sheet,
                    col.name,
                    c.dt.to_string("%Y-%m-%d"),
                    f"日期超出范围：应在 {first} 至 {last} 之间（Excel 在 1900-03-01 之前的日期差一天，如不存在的 1900-02-29）",
                    f"date out of range: expected {first} to {last} (Excel's dates before 1900-03-01 are a day off, "
                    "e.g. the non-existent 1900-02-29)",
                    "range",
                )
            )
        if s.get("format") in ("period", "month"):
            parts.append(_period_problems(table, df, sheet, col))
        if "max_column" in s:
            other = table.column(s["max_column"])
            hit = df.filter(c > pl.col(other.out_name))
            parts.append(
                _rows(
                    hit,
                    table,
                    sheet,
                    col.name,
                    _shown(col),
                    pl.lit(f"不能大于{other.zh}（") + pl.col(other.out_name).cast(pl.String) + "）",
                    pl.lit(f"must not exceed {other.name} (") + pl.col(other.out_name).cast(pl.String) + ")",
                    "range",
                )
            )
        if "required_when" in s:
            for other_name, value in s["required_when"].items():
                other = table.column(other_name)
                hit = df.filter(c.is_null() & (pl.col(other.out_name) == value))
                label = next(iter(other.values.get(value, ())), value)
                parts.append(
                    _rows(
                        hit,
                        table,
                        sheet,
                        col.name,
                        pl.lit(None),
                        f"{other.zh}为“{label}”时必填",
                        f"required when {other.name} is {value}",
                        "required",
                    )
                )
        if "not_before" in s:
            other = table.column(s["not_before"])
            hit = df.filter(c < pl.col(other.out_name))
            parts.append(
                _rows(
                    hit,
                    table,
                    sheet,
                    col.name,
                    c.dt.to_string("%Y-%m-%d"),
                    pl.lit(f"早于{other.zh} ") + pl.col(other.out_name).dt.to_string("%Y-%m-%d"),
                    pl.lit(f"is before {other.name} ") + pl.col(other.out_name).dt.to_string("%Y-%m-%d"),
                    "date_order",
                )
            )
        keys = (
            [col.out_name] + list(s.get("unique_within") or []) if (s.get("unique") or s.get("unique_within")) else None
        )
        if keys:
            parts.append(_duplicate_ids(table, df, sheet, col, keys))
        if s.get("one_per_id"):
            parts.append(_one_per_id(table, df, sheet, col))
        if s.get("one_row_per"):
            parts.append(_one_row_per(table, df, sheet, col, s["one_row_per"]))
    return pl.concat(parts)


def _duplicate_ids(table, df, sheet, col, keys) -> pl.DataFrame:
    """An id used twice, or two ids that differ only in case, width, invisible characters
    or look-alike letters from another script ('ҮL01' / 'YL01' / 'yl01'): both error, since
    the second would be paid as a second institution. Ids are kept as typed (NFKC,
    trimmed); they are compared by normalise.id_skeleton."""
    where = ["_row", *(["_sheet"] if "_sheet" in df.columns else [])]
    d = df.select(*keys, *where).filter(pl.all_horizontal([pl.col(k).is_not_null() for k in keys]))
    d = d.with_columns(_skeleton(d, col.out_name).alias("__key"))
    group = ["__key", *keys[1:]]
    # only rows whose key repeats can be a duplicate: the windows below run on those few
    d = d.with_row_index("__i").filter(repeated_rows(d, group))
    d = d.sort("_row", "__i").with_columns(
        pl.col("_row").first().over(group).alias("__first"),
        pl.col(col.out_name).first().over(group).alias("__first_id"),
        pl.col("__i").first().over(group).alias("__fi"),
    )
    hit = d.filter(pl.col("__i") != pl.col("__fi"))  # by place: two stacked sheets can share a row number
    same = pl.col(col.out_name) == pl.col("__first_id")
    within = "（同一机构内）" if col.spec.get("unique_within") else ""
    first = pl.col("__first").cast(pl.String)
    zh = (
        pl.when(same)
        .then(pl.lit(f"编号重复{within}：与第") + first + "行相同")
        .otherwise(
            pl.lit("编号与第")
            + first
            + pl.lit("行的“")
            + pl.col("__first_id")
            + pl.lit(f"”仅大小写、全半角或形近字母不同{within}，应为同一编号")
        )
    )
    en_within = " within the institution" if within else ""
    en = (
        pl.when(same)
        .then(pl.lit(f"duplicate id{en_within}: same as row ") + first)
        .otherwise(
            pl.lit("id differs from '")
            + pl.col("__first_id")
            + pl.lit("' on row ")
            + first
            + pl.lit(f" only in case, width or look-alike letters{en_within}: the same id typed twice")
        )
    )
    return _rows(hit, table, sheet, col.name, _shown(col), zh, en, "duplicate")


def _skeleton(df: pl.DataFrame, column: str) -> pl.Expr:
    """normalise.id_skeleton of a column; for ids all of printable ASCII without spaces
    (the usual case) that is just lower case, at a quarter of the cost."""
    plain = df.select(pl.col(column).str.contains(r"^[!-~]*$").all()).item()
    return pl.col(column).str.to_lowercase() if plain else id_skeleton(pl.col(column))


def _one_per_id(table, df, sheet, col) -> pl.DataFrame:
    """The same credit code, or the same name in one county, under two institution ids:
    one institution entered twice would be paid twice (a second construction grant)."""
    scope = ["__key", *col.spec["one_per_id"]] if isinstance(col.spec["one_per_id"], list) else ["__key"]
    d = df.filter(pl.all_horizontal(pl.col(c).is_not_null() for c in [col.out_name, *scope[1:]])).sort("_row")
    d = d.with_columns(id_skeleton(pl.col(col.out_name)).alias("__key"))
    d = d.with_columns(
        pl.col("_row").min().over(scope).alias("__first"),
        pl.col("institution_id").first().over(scope).alias("__first_id"),
    )
    hit = d.filter((pl.col("_row") != pl.col("__first")) & (pl.col("institution_id") != pl.col("__first_id")))
    first = pl.col("__first").cast(pl.String)
    return _rows(
        hit,
        table,
        sheet,
        col.name,
        _shown(col),
        pl.lit("与第")
        + first
        + pl.lit("行（编号 ")
        + pl.col("__first_id")
        + pl.lit(f"）的{col.zh}相同：同一机构不能有两个编号"),
        pl.lit(f"same {col.name} as row ")
        + first
        + pl.lit(" (id ")
        + pl.col("__first_id")
        + pl.lit("): one institution cannot have two ids"),
        "duplicate",
    )


def _one_row_per(table, df, sheet, col, others) -> pl.DataFrame:
    """A row pasted twice (the same institution, year and scheme in insurance) would be
    subsidised twice and move the input's average premium for everyone; a payment listed
    twice under one 凭证号 (same home, programme, period and amount) would count as paid
    twice and turn into a claw-back. The money on the repeated row is said."""
    keys = [col.out_name, *(table.column(k).out_name for k in others)]
    # rows stacked from two sheets can share a row number: a row is told from its twin by its place
    d = df.with_row_index("__i").sort("_row", "__i")
    d = d.with_columns(
        pl.col("_row").first().over(keys).alias("__first"), pl.col("__i").first().over(keys).alias("__fi")
    )
    hit = d.filter(pl.col(col.out_name).is_not_null() & (pl.col("__i") != pl.col("__fi")))
    names_zh = "、".join(table.column(k).zh for k in keys)
    first = pl.col("__first").cast(pl.String)
    money = next((k for k in keys if table.column(k).type == "money"), None)
    shown = fen_to_yuan_expr(pl.col(money), thousands=True) if money else None
    twice_zh = pl.lit("（这一行的 ") + shown + pl.lit(" 元会被计算两次）") if shown is not None else pl.lit("")
    twice_en = pl.lit(" (its ") + shown + pl.lit(" yuan would count twice)") if shown is not None else pl.lit("")
    return _rows(
        hit,
        table,
        sheet,
        col.name,
        _shown(col),
        pl.lit(f"{names_zh}与第") + first + pl.lit("行相同：同一行录入了两次？") + twice_zh,
        pl.lit(f"same {', '.join(keys)} as row ") + first + pl.lit(": the same row entered twice?") + twice_en,
        "duplicate",
    )


# ---------------------------------------------------------------- across tables


def _foreign_keys(tables, sheets, raw) -> list[pl.DataFrame]:
    parts = []
    for t in schema.tables().values():
        for col in t.columns:
            ref = col.spec.get("references")
            if not ref or t.name not in raw or col.name not in tables[t.name].columns:
                continue
            target, target_col = ref.split(".")
            if target not in raw:
                continue  # the missing table is its own problem; no flood of orphans
            tt = schema.table(target)
            keys = tables[target].select(pl.col(target_col).alias(col.name)).drop_nulls().unique()
            rows = tables[t.name]
            # only what a problem row shows: filtering every column of 2.5 million stays copies them all
            rows = rows.select(col.name, *(c for c in ("_row", "_sheet", "_inst_unmatched") if c in rows.columns))
            if "_inst_unmatched" in rows.columns:  # a name that matched no institution: reported when read
                rows = rows.filter(~pl.col("_inst_unmatched").fill_null(False))
            hit = rows.filter(pl.col(col.name).is_not_null()).join(keys, on=col.name, how="anti")
            parts.append(
                _rows(
                    hit,
                    t,
                    sheets.get(t.name),
                    col.name,
                    pl.col(col.name),
                    f"在“{tt.zh}”表中找不到这个{tt.column(target_col).zh}",
                    f"not found in table {target} ({target_col})",
                    "foreign_key",
                )
            )
    return parts


def _overlap_pairs(df: pl.DataFrame, start: str, end: str) -> pl.DataFrame:
    """Rows of the same person whose [start, end) spans overlap: one pair (`_row`, `_row_b`,
    `institution_id_b`) per later row. Each person's rows in start order; a row overlaps an
    earlier one when it starts before the latest end so far. Linear, one pair per flagged row:
    a self-join would make n² pairs when one placeholder id fills thousands of rows (20,000 →
    24 GB). The running maximum carries the row of that end: key = end day × 10⁹ + (10⁹ − row)."""
    own_sheet = ["_sheet"] if "_sheet" in df.columns else []  # problems then name each row's own sheet
    sheet = pl.col("_sheet") if own_sheet else pl.lit(None, pl.String)
    r = (
        df.with_row_index("__i")  # rows of sheets stacked one per home share Excel row numbers
        .filter(pl.col("person_id").is_not_null() & pl.col(start).is_not_null())
        .select("__i", "person_id", "institution_id", start, end, "_row", *own_sheet, sheet.alias("__sheet"))
    )
    r = r.filter(repeated(r.get_column("person_id")))  # one row cannot overlap: most people drop out here
    end_day = pl.col(end).fill_null(date.max).cast(pl.Int64)
    key = end_day * ROW_KEY + (ROW_KEY - 1 - pl.col("__i").cast(pl.Int64))
    r = r.sort("person_id", start, "__i").with_columns(key.cum_max().shift(1).over("person_id").alias("__prev"))
    latest = pl.col("__prev")
    flagged = r.filter(latest.is_not_null() & (pl.col(start).cast(pl.Int64) < latest // ROW_KEY)).with_columns(
        (ROW_KEY - 1 - latest % ROW_KEY).alias("__i_b")
    )
    other = r.select(
        pl.col("__i").cast(pl.Int64).alias("__i_b"),
        pl.col("_row").alias("_row_b"),
        pl.col("institution_id").alias("institution_id_b"),
        pl.col(start).alias("__start_b"),
        pl.col("__sheet").alias("__sheet_b"),
    )
    return (
        flagged.join(other, on="__i_b", how="left")
        .filter(pl.col("__start_b") < pl.col(end).fill_null(date.max))
        .sort("_row")
    )


def _other_row(en: bool = False) -> pl.Expr:
    """The other row of an overlap pair (第5行 / row 5), with its sheet when that is another:
    rosters kept one sheet per home share row numbers (工作表「乙院」第5行)."""
    elsewhere = pl.col("__sheet_b").is_not_null() & (pl.col("__sheet_b") != pl.col("__sheet")).fill_null(False)
    row = pl.col("_row_b").cast(pl.String)
    if en:
        return (
            pl.lit("row ")
            + row
            + pl.when(elsewhere).then(pl.lit(" of sheet '") + pl.col("__sheet_b") + "'").otherwise(pl.lit(""))
        )
    return (
        pl.when(elsewhere).then(pl.lit("工作表「") + pl.col("__sheet_b") + "」").otherwise(pl.lit(""))
        + "第"
        + row
        + "行"
    )


def _overlapping_employment(tables, sheets) -> pl.DataFrame:
    """The same person (身份证号) employed twice on the same day in one institution: counted
    twice in the staffing ratio. A roster without 人员编号 (numbered by row) has no other way
    to show a row entered twice. Two institutions at once is the run's second_payroll."""
    staff = tables["staff"]
    if not {"person_id", "hired_on", "left_on"} <= set(staff.columns):
        return empty_problems()
    since = pl.col("hired_on").fill_null(date(1900, 1, 1))  # no 入职日期: on staff all along, as staffing reads it
    pairs = _overlap_pairs(staff.with_columns(since), "hired_on", "left_on")
    pairs = pairs.filter(pl.col("institution_id").eq_missing(pl.col("institution_id_b")))
    other = _other_row()
    return _rows(
        pairs,
        schema.table("staff"),
        sheets.get("staff"),
        "person_id",
        mask_person_id(pl.col("person_id")),
        pl.lit("同一人在同一机构的两行在职时间重叠（与") + other + "）：人员配备会把此人计两次，请核对是否重复录入",
        pl.lit("two rows of the same person in the same institution are employed at once (")
        + _other_row(en=True)
        + "): the staffing ratio counts them twice; check for a row entered twice",
        "overlapping_employment",
        severity="warning",
    )


def _overlapping_stays(tables, sheets) -> pl.DataFrame:
    """The same person resident twice on the same day, in two institutions or in two rows
    of one institution. Both are warnings, not errors: the run goes on so that the
    double_claim check can name the months both institutions claim (an error finding
    that blocks those payments) instead of refusing the whole year's ledger.
    Leaving on the day the next stay starts (a transfer, a care-level split) is no overlap."""
    t = schema.table("residents")
    pairs = _overlap_pairs(tables["residents"], "admitted_on", "discharged_on")
    same = pl.col("institution_id").eq_missing(pl.col("institution_id_b"))
    other = _other_row()
    masked = mask_person_id(pl.col("person_id"))
    return pl.concat(
        [
            _rows(
                pairs.filter(~same),
                t,
                sheets.get("residents"),
                "person_id",
                masked,
                pl.lit("同一人同时入住两家机构：与")
                + other
                + "（机构 "
                + pl.col("institution_id_b")
                + "）的入住时间重叠，核算时将作为重复申领（double_claim）列出",
                pl.lit("the same person stays in two institutions at once: overlaps ")
                + _other_row(en=True)
                + " (institution "
                + pl.col("institution_id_b")
                + "); the run lists it as a double claim",
                "overlapping_stay",
                severity="warning",
            ),
            _rows(
                pairs.filter(same),
                t,
                sheets.get("residents"),
                "person_id",
                masked,
                pl.lit("同一人在同一机构的两行入住时间重叠（与")
                + other
                + "）：补助按人按月只计一次，请核对是否重复录入",
                pl.lit("two rows of the same person in the same institution overlap (")
                + _other_row(en=True)
                + "): grants count a person once a month; check for a row entered twice",
                "overlapping_stay",
                severity="warning",
            ),
        ]
    )


def _over_capacity(tables, sheets) -> pl.DataFrame:
    """Residents still in (no discharge date) outnumber an institution's approved beds."""
    t = schema.table("institutions")
    current = (
        tables["residents"]
        .select("institution_id", "discharged_on")
        .filter(pl.col("discharged_on").is_null() & pl.col("institution_id").is_not_null())
        .group_by("institution_id")
        .agg(pl.len().cast(pl.Int64).alias("__current"))
    )
    hit = (
        tables["institutions"]
        .join(current, on="institution_id")
        .filter((pl.col("beds") >= 0) & (pl.col("__current") > pl.col("beds")))
        .sort("_row")
    )
    return _rows(
        hit,
        t,
        sheets.get("institutions"),
        "beds",
        pl.col("beds").cast(pl.String),
        pl.lit("在院老人 ") + pl.col("__current").cast(pl.String) + " 人，多于核定床位数",
        pl.lit("") + pl.col("__current").cast(pl.String) + " current residents exceed the approved beds",
        "over_capacity",
        severity="warning",
    )


def cross_table_checks(tables: dict[str, pl.DataFrame], sheets: dict, raw: dict) -> pl.DataFrame:
    parts = [empty_problems(), *_foreign_keys(tables, sheets, raw)]
    if "staff" in raw:
        parts.append(_overlapping_employment(tables, sheets))
    if "residents" in raw:
        parts.append(_overlapping_stays(tables, sheets))
        if "institutions" in raw:
            parts.append(_over_capacity(tables, sheets))
    return pl.concat(parts)
