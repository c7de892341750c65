"""Validation: every problem in the input at once, one located row per problem.

Per-column checks (required values, ranges) run through pandera schemas derived
from schemas/*.yaml; cross-column and cross-table checks are polars expressions
and joins. The result follows the problems schema in docs/internals.md."""

from __future__ import annotations


from functools import lru_cache

import polars as pl

from audit.data import contract as schema, datachecks, places
from audit.data.normalise import PROBLEM_SCHEMA, empty_problems, normalise_table
from audit.privacy import mask_national_ids

__all__ = ["validate", "check_tables", "format_problem_lines"]


def _sheet(sources: dict, table: str) -> str | None:
    return (sources.get(table) or {}).get("sheet")


def check_tables(
    tables: dict[str, pl.DataFrame], sources: dict | None = None
) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """Normalise raw (or already normalised) tables and validate them.
    Returns (every contract table normalised, problems frame)."""
    sources = sources or {}
    parts: list[pl.DataFrame] = []
    for key, src in sources.items():
        if src.get("problems"):
            parts.append(pl.DataFrame(src["problems"], schema=PROBLEM_SCHEMA))
    out: dict[str, pl.DataFrame] = {}
    for name, t in schema.tables().items():
        raw = tables.get(name)
        if raw is None:
            out[name] = t.empty_frame()
            if (
                t.required
                and not (sources.get(name) or {}).get("problems")
                and not (sources.get("*", {}).get("problems") and not tables)
            ):
                parts.append(datachecks.missing_table(t))
            continue
        sheet = _sheet(sources, name)
        present = (sources.get(name) or {}).get("columns") or list(raw.columns)
        if t.required and raw.height == 0:
            parts.append(datachecks.no_rows(t, sheet))
        # a money column refused for its unit (单位：万元) is there: its error says so, not "missing"
        refused = [
            c
            for info in (sources.get(name) or {}).get("read", [])
            for c, h in info["read_as"].items()
            if h.get("ignored") == "unit"
        ]
        parts.append(datachecks.missing_columns(t, [*present, *refused], sheet))
        parts.append(datachecks.unknown_columns(t, present, sheet))
        normalised, unreadable = normalise_table(name, raw, sheet)
        out[name] = normalised
        parts.append(unreadable)
        parts.append(datachecks.column_checks(t, normalised, sheet, unreadable, present))
        parts.append(datachecks.row_checks(t, normalised, sheet, present))
    parts.append(places.resolve_tables(out, {n: _sheet(sources, n) for n in out}))
    parts.append(datachecks.cross_table_checks(out, {n: _sheet(sources, n) for n in out}, tables))
    problems = (
        pl.concat([p.select(list(PROBLEM_SCHEMA)).cast(PROBLEM_SCHEMA) for p in parts]) if parts else empty_problems()
    )
    order = {n: i for i, n in enumerate(schema.TABLE_ORDER)}
    problems = (
        problems.with_columns(pl.col("table").replace_strict(order, default=-1, return_dtype=pl.Int64).alias("__t"))
        .sort(["__t", "row", "column", "check"], nulls_last=False)
        .drop("__t")
        # a 身份证号 typed into any column (an inspector id, a note) is shown masked
        .with_columns(mask_national_ids(pl.col(c)).alias(c) for c in ("value", "message", "message_en"))
    )
    return out, locate(problems, sources)


def locate(problems: pl.DataFrame, sources: dict) -> pl.DataFrame:
    """Add `letter` (Excel column letter) and `header` (the user's own header text) to
    each problem with a column, from how each sheet was read: a message then names the
    cell as the user sees it (七星敬老院 第5行 C列“身份证号”)."""
    rows = [
        (t, info["sheet"], col, how["letter"], how["header"])
        for t, src in sources.items()
        if t != "*"
        for info in src.get("read", [])
        for col, how in info["read_as"].items()
        if not how.get("ignored")
    ]
    where = pl.DataFrame(
        rows,
        schema={"table": pl.String, "sheet": pl.String, "column": pl.String, "letter": pl.String, "header": pl.String},
        orient="row",
    ).unique(["table", "sheet", "column"], keep="first")
    return problems.join(where, on=["table", "sheet", "column"], how="left", nulls_equal=False, maintain_order="left")


_FILE = r"\.(?i:csv|tsv|txt|xlsx|xlsm|xls|ods|parquet|json)$"  # a one-table file is named by its file name


def where_words(frame: pl.DataFrame, lang: str = "zh") -> pl.Expr:
    """The cell as the user sees it, from a located frame (sheet, row, letter, header,
    column_zh; missing ones are left out): 工作表「入住名册」第 12 行 F 列「身份证号」, or for a
    column we could not read 文件「入住老人.csv」「户籍所在区县」列 — never our table and
    column names. English: sheet '入住名册' row 12 column F '身份证号'."""

    def col(c: str) -> pl.Expr:
        return pl.col(c).cast(pl.String) if c in frame.columns else pl.lit(None, pl.String)

    is_file = col("sheet").str.contains(_FILE)
    header = pl.coalesce(col("header"), col("column_zh"))
    if lang == "en":
        parts = [
            pl.when(is_file).then(pl.lit("file '")).otherwise(pl.lit("sheet '")) + col("sheet") + pl.lit("'"),
            pl.lit(" row ") + col("row"),
            pl.when(col("letter").is_not_null())
            .then(pl.lit(" column ") + col("letter") + pl.lit(" '") + header + pl.lit("'"))
            .otherwise(pl.lit(" column '") + header + pl.lit("'")),
        ]
    else:
        parts = [
            pl.when(is_file).then(pl.lit("文件「")).otherwise(pl.lit("工作表「")) + col("sheet") + pl.lit("」"),
            pl.lit("第 ") + col("row") + pl.lit(" 行"),
            pl.when(col("letter").is_not_null())
            .then(pl.lit(" ") + col("letter") + pl.lit(" 列「") + header + pl.lit("」"))
            .otherwise(pl.lit("「") + header + pl.lit("」列")),
        ]
    return pl.concat_str(parts, ignore_nulls=True).str.strip_chars()


@lru_cache(maxsize=2)
def _term_steps(lang: str) -> tuple[tuple[str, str, bool], ...]:
    """(pattern, replacement, literal) turning an institutions column and its value into the
    user's words: the contract's Chinese header, an enum by its first accepted spelling, a
    yes/no as 是/否 (yes/no in English)."""
    quote = (lambda h: f"'{h}'") if lang == "en" else (lambda h: f"「{h}」")
    yes_no = ("yes", "no") if lang == "en" else ("是", "否")
    steps = []
    for c in schema.table("institutions").columns:
        key = quote(c.zh) + "="
        steps.append((rf"(^|\s){c.name}=", "${1}" + key, False))
        for code in sorted(c.values, key=len, reverse=True):  # public_private before public
            if c.values[code]:
                steps.append((key + code, key + c.values[code][0], True))
        if c.type == "bool":
            steps += [(key + "true", key + yes_no[0], True), (key + "false", key + yes_no[1], True)]
        if lang == "en":
            steps += [(key + "空", key + "blank", True)]
    return tuple(steps)


def in_user_terms(evidence: pl.Expr, lang: str = "zh") -> pl.Expr:
    """A finding's `ownership=private registered_on=空` in the user's words: 「举办性质」=民办
    「登记备案日期」=空 ('举办性质'=民办 '登记备案日期'=blank in English; the headers are the
    contract's, as the data warnings' column_zh). Only the institutions columns are renamed:
    amount=, param=, months=, ids= … stay, as the reports read them."""
    for pattern, replacement, literal in _term_steps("en" if lang == "en" else "zh"):
        evidence = evidence.str.replace_all(pattern, replacement, literal=literal)
    return evidence


def validate(tables: dict[str, pl.DataFrame], sources: dict | None = None) -> pl.DataFrame:
    """Problems frame for raw or normalised tables (see docs/internals.md)."""
    return check_tables(tables, sources)[1]


def format_problem_lines(problems: pl.DataFrame, lang: str = "zh") -> list[str]:
    """One line per problem: `入住老人 第5行 身份证号(person_id): 校验位错误 … 值 3306**********123X`."""
    lines = []
    for p in problems.iter_rows(named=True):  # printing, not computing: a loop is fine here
        where = p["sheet"] or p["table"] or ""
        if lang == "en":
            loc = f"{where} row {p['row']}" if p["row"] is not None else where
            col = f" {p['column']}" if p["column"] else ""
            if p.get("letter"):
                col = f" column {p['letter']} '{p['header']}' ({p['column']})"
            msg = p["message_en"]
            val = f" (value: {p['value']})" if p["value"] not in (None, "") else ""
            sev = {"error": "", "info": " [info]"}.get(p["severity"], " [warning]")
        else:
            loc = f"{where} 第{p['row']}行" if p["row"] is not None else where
            col = f" {p['column_zh']}({p['column']})" if p["column"] else ""
            if p.get("letter"):  # the cell as the user sees it: C列“户籍地”
                gloss = "" if p["header"] == p["column_zh"] else f"（{p['column_zh']}）"
                col = f" {p['letter']}列“{p['header']}”{gloss}"
            msg = p["message"]
            val = f"，值 {p['value']}" if p["value"] not in (None, "") else ""
            sev = {"error": "", "info": " [说明]"}.get(p["severity"], " [警告]")
        lines.append(f"{loc}{col}: {msg}{val}{sev}")
    return lines
