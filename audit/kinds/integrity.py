"""Integrity checks on the data already held (issue 12 §4): things an audit reports
because they cannot be true of an honest register.

- more residents in residence at a month-end than the institution's approved beds;
- one person (staff 身份证号) on two institutions' payrolls in overlapping periods;
- an age over 110 (by the id's birth date) among residents or claimed residents.
Claims for a programme the pack does not have are found by audit.reconcile, which
holds the money they concern."""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from audit.kinds.registers import birth_date, born_before
from audit.dates import Period
from audit.kinds.checking import as_findings, empty_findings, pick
from audit.kinds.common import as_span, month_number
from audit.privacy import mask_person_id

MAX_PLAUSIBLE_AGE = 110


def check_integrity(tables: dict, pack, period, lang: str = "zh") -> pl.DataFrame:
    """The three checks over `period` (an audit.dates.Period, or a year)."""
    from audit.data import contract as schema

    span = as_span(period)
    # a caller may hand in only the tables it has (tests, the API): the others are empty
    tables = {name: tables.get(name, schema.table(name).empty_frame()) for name in schema.TABLE_ORDER}
    return pl.concat(
        [
            _over_beds(tables, span, lang),
            _second_payroll(tables, span, lang),
            _implausible_ages(tables, span, lang),
        ]
    )


def _over_beds(tables: dict, span: Period, lang: str) -> pl.DataFrame:
    """Residents in residence on each month-end (admitted ≤ day < discharged) counted by
    arithmetic, not by expanding stays: a stay is in on the last day of month m when its
    first counted month ≤ m ≤ its last; each month's headcount is one sum per institution,
    all months in one pass over the stays."""
    # beds = 0 means none approved or none stated: validation's over_capacity speaks for those
    beds = tables["institutions"].select("institution_id", "beds").filter(pl.col("beds") > 0)
    res = (
        tables["residents"].lazy().filter(pl.col("admitted_on").is_not_null() & pl.col("institution_id").is_not_null())
    )
    adm, dis = pl.col("admitted_on"), pl.col("discharged_on")
    # the months 1–n of the period on whose last day the stay is in
    n = span.n_months
    first = pl.max_horizontal(pl.lit(1, pl.Int32), month_number(adm, span))
    last = pl.min_horizontal(pl.lit(n, pl.Int32), (month_number(dis, span) - 1).fill_null(n))
    in_month = lambda m: ((pl.col("f") <= m) & (pl.col("l") >= m)).sum().cast(pl.Int64).alias(str(m))  # noqa: E731
    grid = (
        res.select("institution_id", first.alias("f"), last.alias("l"))
        .filter(pl.col("f") <= pl.col("l"))
        .group_by("institution_id")
        .agg(in_month(m) for m in range(1, n + 1))
        .unpivot(index="institution_id", variable_name="m", value_name="n")
        .with_columns(pl.col("m").cast(pl.Int64))
    )
    over = grid.join(beds.lazy(), on="institution_id").filter(pl.col("n") > pl.col("beds")).collect()
    if not over.height:
        return empty_findings()
    per = over.group_by("institution_id").agg(
        pl.col("m")
        .replace_strict({i: f"{y}-{m:02d}" for i, (y, m) in enumerate(span.months, start=1)}, return_dtype=pl.String)
        .sort()
        .str.join(",")
        .alias("months"),
        pl.col("n").max().alias("most"),
        pl.col("beds").first(),
    )
    return as_findings(
        per.select(
            "institution_id",
            pl.lit("over_beds").alias("rule"),
            pl.lit("warning").alias("severity"),
            pl.format(
                pick(
                    lang,
                    "月末在院老人最多 {} 人，超过核定床位 {} 张（{}）：入住名单或床位核定有误，相关人月应核实",
                    "up to {} residents on a month-end, more than the {} approved beds ({}): the resident list or "
                    "the approved beds are wrong; check those resident-months",
                ),
                pl.col("most"),
                pl.col("beds"),
                pl.col("months"),
            ).alias("message"),
            pl.format("residents_max={} beds={} months={}", pl.col("most"), pl.col("beds"), pl.col("months")).alias(
                "evidence"
            ),
            pl.lit(None, pl.String).alias("citation"),
            pl.lit(span.label).alias("period"),
        )
    )


def _second_payroll(tables: dict, span: Period, lang: str) -> pl.DataFrame:
    """The same person employed by two institutions at once (hired_on ≤ day < left_on on
    some day of the period): one caregiver counted twice in two staffing ratios.
    Only people on more than one institution's staff list are paired (few rows)."""
    staff = tables["staff"]
    if "person_id" not in staff.columns:
        return empty_findings()
    y0, y1 = span.start, span.end + timedelta(days=1)
    s = (
        staff.filter(pl.col("person_id").is_not_null())
        .select(
            "person_id",
            "institution_id",
            "staff_id",
            "role",
            pl.max_horizontal(pl.col("hired_on").fill_null(y0), pl.lit(y0)).alias("a"),
            pl.min_horizontal(pl.col("left_on").fill_null(y1), pl.lit(y1)).alias("b"),
        )
        .filter(pl.col("a") < pl.col("b"))
    )
    s = s.join(
        s.group_by("person_id").agg(pl.col("institution_id").n_unique().alias("k")).filter(pl.col("k") > 1),
        on="person_id",
        how="semi",
    )
    if not s.height:
        return empty_findings()
    pairs = (
        s.join(s, on="person_id", suffix="_o")
        .filter(
            (pl.col("institution_id") != pl.col("institution_id_o"))
            & (pl.col("a") < pl.col("b_o"))
            & (pl.col("a_o") < pl.col("b"))
        )
        .with_columns(
            pl.max_horizontal("a", "a_o").alias("from"),
            (pl.min_horizontal("b", "b_o") - pl.duration(days=1)).alias("to"),
        )
    )
    if not pairs.height:
        return empty_findings()
    per = (
        pairs.group_by("institution_id", "person_id")
        .agg(
            pl.col("institution_id_o").unique().sort().str.join(",").alias("others"),
            pl.col("staff_id").unique().sort().str.join(",").alias("staff_ids"),
            pl.col("from").min(),
            pl.col("to").max(),
        )
        .with_columns(mask_person_id(pl.col("person_id")).alias("masked"))
    )
    return as_findings(
        per.select(
            "institution_id",
            pl.lit("second_payroll").alias("rule"),
            pl.lit("error").alias("severity"),
            pl.format(
                pick(
                    lang,
                    "工作人员（身份证号 {}，本机构人员编号 {}）同时受雇于机构 {}（{} 至 {}）：同一人不能在两家机构同时计入人员配备",
                    "staff member (id {}, staff no. {}) is also employed by {} (from {} to {}): one person cannot "
                    "count in two institutions' staffing",
                ),
                pl.col("masked"),
                pl.col("staff_ids"),
                pl.col("others"),
                pl.col("from").cast(pl.String),
                pl.col("to").cast(pl.String),
            ).alias("message"),
            pl.format(
                "person={} staff_id={} also_at={} from={} to={}",
                pl.col("masked"),
                pl.col("staff_ids"),
                pl.col("others"),
                pl.col("from").cast(pl.String),
                pl.col("to").cast(pl.String),
            ).alias("evidence"),
            pl.lit(None, pl.String).alias("citation"),
            pl.lit(span.label).alias("period"),
        )
    )


def _implausible_ages(tables: dict, span: Period, lang: str) -> pl.DataFrame:
    """Older than 110 on the period's last day by the id's birth date: a wrong id, or a
    register that keeps the dead."""
    day = span.end
    rows = pl.concat(
        [
            tables["residents"].lazy().select("institution_id", "person_id"),
            tables["claim_residents"].lazy().select("institution_id", "person_id"),
        ]
    ).drop_nulls()
    # a text pre-filter on the id's birth-date characters leaves the few that may be too
    # old; only those are dated exactly (dating or de-duplicating millions of ids was the cost)
    maybe = rows.filter(born_before(pl.col("person_id"), day, MAX_PLAUSIBLE_AGE + 1)).collect()
    old = maybe.filter(
        (birth_date(pl.col("person_id")).dt.offset_by(f"{MAX_PLAUSIBLE_AGE + 1}y") <= day).fill_null(False)
    ).unique()
    if not old.height:
        return empty_findings()
    per = old.with_columns(
        mask_person_id(pl.col("person_id")).alias("masked"),
        (pl.lit(day.year) - birth_date(pl.col("person_id")).dt.year()).alias("age"),
    )
    return as_findings(
        per.select(
            "institution_id",
            pl.lit("implausible_age").alias("rule"),
            pl.lit("warning").alias("severity"),
            pl.format(
                pick(
                    lang,
                    "身份证号 {} 显示年龄约 {} 岁（超过 {} 岁）：请核对身份证号或是否已死亡",
                    "id {} gives an age of about {} (over {}): check the id and whether the person has died",
                ),
                pl.col("masked"),
                pl.col("age"),
                pl.lit(MAX_PLAUSIBLE_AGE),
            ).alias("message"),
            pl.format("person={} age={}", pl.col("masked"), pl.col("age")).alias("evidence"),
            pl.lit(None, pl.String).alias("citation"),
            pl.lit(span.label).alias("period"),
        )
    )
