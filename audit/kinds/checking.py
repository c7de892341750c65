"""Shared pieces of the compliance checks: the findings frame, month-ends, who is in
residence on a day, reading pack values that may be gaps, and number formatting.

Dates follow docs/policy-digest.md §4: a resident is in residence on day d when
admitted_on ≤ d and (discharged_on is null or > d); a staff member is employed on d
when (hired_on is null or ≤ d) and (left_on is null or ≥ d)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import polars as pl

from audit.i18n import t as pick
from audit.kinds.common import FINDING_SCHEMA, FINDING_SORT, as_span, month_number, repeated
from audit.errors import PolicyGap

FINDINGS_SCHEMA = FINDING_SCHEMA  # one findings frame (audit.kinds.common), one sort order
MICRO = 1_000_000  # FTE is summed in millionths so that comparisons are exact


def empty_findings() -> pl.DataFrame:
    return pl.DataFrame(schema=FINDINGS_SCHEMA)


def as_findings(df: pl.DataFrame) -> pl.DataFrame:
    """Select and type the findings columns (missing optional ones become null)."""
    cols = [(pl.col(c) if c in df.columns else pl.lit(None)).cast(t).alias(c) for c, t in FINDINGS_SCHEMA.items()]
    return df.select(cols)


def finding_rows(rows: list[dict]) -> pl.DataFrame:
    """A few findings built one by one (per rule or per metric, never per row of data)."""
    if not rows:
        return empty_findings()
    return as_findings(pl.DataFrame(rows, schema=FINDINGS_SCHEMA))


def sort_findings(df: pl.DataFrame) -> pl.DataFrame:
    return df.sort(FINDING_SORT, nulls_last=True)


def month_ends(period) -> list[date]:
    """The last day of every month of the period (a year: its twelve month-ends)."""
    return as_span(period).month_ends


def in_residence(residents: pl.DataFrame, period) -> pl.DataFrame:
    """One row per (institution, person, month-end of the period) in residence that day:
    institution_id, person_id, care_level and the month-end in column `day`."""
    return with_month_end(residence_months(residents, period), period).drop("_month").collect()


def with_month_end(frame: pl.LazyFrame, period) -> pl.LazyFrame:
    """Month number `_month` (1 = the period's first month) → its last day in column `day`."""
    days = dict(enumerate(month_ends(period), start=1))
    return frame.with_columns(pl.col("_month").replace_strict(days, return_dtype=pl.Date).alias("day"))


def residence_spans(residents: pl.DataFrame, period) -> pl.LazyFrame:
    """Lazy rows institution_id, person_id, care_level, `_first`, `_last`: the months
    (1–n of the period, first ≤ last) on whose last day the row is in residence, by arithmetic on the
    admission and discharge months (no stay × month rows).

    A stay split into rows (care-level change) contributes its row in force that day;
    overlapping rows of one person in one institution (a validation warning) count once,
    the most recently admitted row giving the care level. Only people with several rows
    in one institution need that: their rows are expanded to months, de-duplicated and
    given back as one-month spans; everyone else keeps one span per stay."""
    key = ["institution_id", "person_id"]
    adm, dis = pl.col("admitted_on"), pl.col("discharged_on")
    n = as_span(period).n_months
    rows = (
        residents.lazy()
        .filter(adm.is_not_null())
        .with_row_index("_i")
        .select(
            *key,
            "care_level",
            "admitted_on",
            "_i",
            pl.max_horizontal(pl.lit(1, pl.Int32), month_number(adm, period)).alias("_first"),
            pl.min_horizontal(pl.lit(n, pl.Int32), (month_number(dis, period) - 1).fill_null(n)).alias("_last"),
        )
        .filter(pl.col("_first") <= pl.col("_last"))
        .collect()
    )
    # a hash collision only sends a row through the exact de-duplication below
    twice = repeated(rows, *key)
    if twice is None:
        return rows.lazy().select(*key, "care_level", "_first", "_last")
    # a row without a person id is a person of its own
    rows = rows.with_columns((pl.col("person_id").is_not_null() & twice).alias("_several")).lazy()
    single = rows.filter(~pl.col("_several")).select(*key, "care_level", "_first", "_last")
    several = (
        rows.filter(pl.col("_several"))
        .sort("admitted_on", "_i")  # so that keep="last" keeps the latest admission
        .with_columns(pl.int_ranges("_first", pl.col("_last") + 1, dtype=pl.Int32).alias("_month"))
        .explode("_month")
        .unique([*key, "_month"], keep="last")
        .select(*key, "care_level", pl.col("_month").alias("_first"), pl.col("_month").alias("_last"))
    )
    return pl.concat([single, several])


def residence_months(residents: pl.DataFrame, period) -> pl.LazyFrame:
    """Lazy rows institution_id, person_id, care_level, `_month` (1–n): in residence on
    that month's last day (residence_spans expanded: only for a few people at a time)."""
    return (
        residence_spans(residents, period)
        .with_columns(pl.int_ranges("_first", pl.col("_last") + 1, dtype=pl.Int32).alias("_month"))
        .explode("_month")
        .drop("_first", "_last")
    )


def employed(staff: pl.DataFrame, days: list[date]) -> pl.DataFrame:
    """One row per (staff row, day) employed that day, with fte in millionths (`fte_micro`)."""
    day_frame = pl.DataFrame({"day": days}, schema={"day": pl.Date})
    return (
        staff.join(day_frame, how="cross")
        .filter(
            (pl.col("hired_on").is_null() | (pl.col("hired_on") <= pl.col("day")))
            & (pl.col("left_on").is_null() | (pl.col("left_on") >= pl.col("day")))
        )
        .with_columns((pl.col("fte").fill_null(1.0) * MICRO).round(0).cast(pl.Int64).alias("fte_micro"))
    )


def fte_text(micro: pl.Expr) -> pl.Expr:
    """FTE in millionths → '6.5' / '7' (no float noise, no trailing zeros)."""
    whole = (micro // MICRO).cast(pl.String)
    frac = (micro % MICRO).cast(pl.String).str.pad_start(6, "0").str.strip_chars_end("0")
    return pl.when(micro % MICRO == 0).then(whole).otherwise(whole + pl.lit(".") + frac)


def fte_float(micro: pl.Expr) -> pl.Expr:
    """FTE in millionths → the nearest Float64 (via its decimal text: polars turns a
    division by a literal into a multiplication, which gives 1.7999999999999998)."""
    return fte_text(micro).cast(pl.Float64)


def percent_text(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    """num/den as a percentage with one decimal ('45.0%'), rounded half up, exact in integers."""
    tenths = (num * 2000 + den) // (den * 2)  # round(num/den × 1000)
    return (tenths // 10).cast(pl.String) + pl.lit(".") + (tenths % 10).cast(pl.String) + pl.lit("%")


def fraction_percent(x: Fraction) -> str:
    """Fraction(58, 100) → '58%', Fraction(37, 200) → '18.5%' (a target as the text states it)."""
    p = Fraction(x) * 100
    if p.denominator == 1:
        return f"{p.numerator}%"
    return f"{float(p):.4g}%"


def read_value(rule, name: str, on: date):
    """The value on that date, the PolicyGap when the text leaves it open, or None when the
    rule does not set it on that date (not in force, or not declared). Lets a check skip
    months a rule does not cover and report gaps."""
    r = rule.reading(name, on)
    if r.state == "value":
        return r.value
    if r.state == "gap":
        return PolicyGap(r.message, rule=rule.id, param=name, citation=f"{rule.short} {r.entry.clause}")
    return None


def gap_finding(rule, param: str, lang: str, period: str, detail: str = "") -> dict:
    """A declared gap met by a check: the check is not run and says so (never a silent pass)."""
    msg = pick(
        lang,
        f"政策文件未规定“{rule.title or rule.id}”的参数 {param}{detail}，且未设置本地值，该项检查未执行。",
        f"The policy text leaves parameter {param} of “{getattr(rule, 'title_en', '') or rule.id}”{detail} open and no local value is set; "
        f"this check was not run.",
    )
    return {
        "institution_id": None,
        "rule": "policy_gap",
        "severity": "warning",
        "message": msg,
        "evidence": f"rule={rule.id} param={param}",
        "citation": rule.citation,
        "period": period,
    }
