"""Outside registers override what a home declares, month by month.

A home controls its own resident list; it does not control the death register, the
assistance roster or the birth date inside a citizen id. So, on each month-end counted
for a resident-month grant:
- a person in `deaths` is not in residence on or after `died_on` (as after a discharge);
- a person under 60 on that day is not an older person: 《中华人民共和国老年人权益保障法》
  第二条 "本法所称老年人是指六十周岁以上的公民" (the age is read from the id's birth date);
- a declared `low_income` category counts only if the person is on `assistance_roster`
  in that category that day (from ≤ day < until, as a stay counts admitted ≤ day <
  discharged). An empty roster means no roster was given: declarations stand.
The flags are added as columns; the calculator drops or cuts the months and reports
each change with its money."""

from __future__ import annotations

from datetime import date

import polars as pl

ELDERLY_AGE = 60
ELDERLY_LAW = "《中华人民共和国老年人权益保障法》第二条"
ELDERLY_QUOTE = "本法所称老年人是指六十周岁以上的公民"


def birth_date(person_id: pl.Expr) -> pl.Expr:
    """Characters 7–14 of an 18-character id (GB 11643); null when not a date."""
    return person_id.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)


def under_age(person_id: pl.Expr, day: pl.Expr) -> pl.Expr:
    """Not yet 60 full years old on `day` (满六十周岁 on the 60th birthday)."""
    return (birth_date(person_id).dt.offset_by(f"{ELDERLY_AGE}y") > day).fill_null(False)


def born_after(person_id: pl.Expr, day: date, years: int) -> pl.Expr:
    """Cheap text pre-filter: the id's birth-date characters (YYYYMMDD) fall in the month
    `years` before `day` or later. Every id with a real birth date less than `years`
    years before `day` passes (digit text orders as dates do); the exact test then runs
    on the few that pass, not on millions of ids (parsing every id's date was most of
    the time)."""
    return person_id.str.slice(6, 8) > f"{day.year - years:04d}{day.month:02d}00"


def born_before(person_id: pl.Expr, day: date, years: int) -> pl.Expr:
    """Cheap text pre-filter: the id's birth-date characters fall in the month `years`
    before `day` or earlier (every id at least `years` years old on `day` passes)."""
    return person_id.str.slice(6, 8) < f"{day.year - years:04d}{day.month:02d}99"


def with_registers(months: pl.LazyFrame, tables: dict) -> pl.LazyFrame:
    """Person × month_end rows (person_id, month_end, low_income) → adds `died_on`,
    `dead`, `under_60`, `low_declared`, `off_roster` and sets `low_income` to 'none' where
    the roster does not confirm the declared category."""
    deaths = tables.get("deaths")
    if deaths is not None and deaths.height:
        first = (
            deaths.lazy()
            .filter(pl.col("person_id").is_not_null() & pl.col("died_on").is_not_null())
            .group_by("person_id")
            .agg(pl.col("died_on").min())
        )
        months = months.join(first, on="person_id", how="left")
    else:
        months = months.with_columns(pl.lit(None, pl.Date).alias("died_on"))
    months = months.with_columns(
        (pl.col("died_on") <= pl.col("month_end")).fill_null(False).alias("dead"),
        under_age(pl.col("person_id"), pl.col("month_end")).alias("under_60"),
        pl.col("low_income").alias("low_declared"),
    )
    roster = tables.get("assistance_roster")
    if roster is None or not roster.height:
        return months.with_columns(pl.lit(False).alias("off_roster"))
    declared = (
        months.filter(pl.col("low_declared").is_not_null() & (pl.col("low_declared") != "none"))
        .select("person_id", "low_declared", "month_end")
        .unique()
    )
    confirmed = (
        declared.join(
            roster.lazy().select("person_id", pl.col("category").alias("low_declared"), "from", "until"),
            on=["person_id", "low_declared"],
            how="inner",
        )
        .filter(
            (pl.col("from") <= pl.col("month_end"))
            & (pl.col("until").is_null() | (pl.col("until") > pl.col("month_end")))
        )
        .select("person_id", "low_declared", "month_end")
        .unique()
        .with_columns(pl.lit(True).alias("_on_roster"))
    )
    months = months.join(confirmed, on=["person_id", "low_declared", "month_end"], how="left")
    off = pl.col("low_declared").is_not_null() & (pl.col("low_declared") != "none") & pl.col("_on_roster").is_null()
    return months.with_columns(
        off.alias("off_roster"),
        pl.when(off).then(pl.lit("none")).otherwise(pl.col("low_income")).alias("low_income"),
    ).drop("_on_roster")
