"""Double claims: one person counted by two institutions at the same month-end.

A per-resident grant or a staffing headcount that counts the same person twice pays
twice, so each institution involved gets an error finding naming the (masked) person,
the months and the other institution(s).

Beds subsidised twice are not checked here: `beds_subsidized_before` > `beds` is a
validation error, and the construction calculator subtracts the beds already
subsidised (quantity = beds − beds_subsidized_before), so a second check would only
repeat their findings."""

from __future__ import annotations

import polars as pl

from audit.kinds.checking import as_findings, empty_findings, in_residence, pick
from audit.kinds.common import as_span, repeated
from audit.privacy import mask_person_id

# an error finding of these checks holds the institution's whole program (not only the lines
# of the clause it cites): a person counted twice taints every per-resident line
HELD_PROGRAMS = {"double_claim": "operating"}


def check_double_claims(tables: dict, pack, period, lang: str = "zh") -> pl.DataFrame:
    """Month-ends of `period` (an audit.dates.Period, or a year). Only people on more than
    one institution's register can be counted twice, so only
    their stays are expanded to month-ends (a few rows, whatever the size of the input)."""
    residents = tables["residents"]
    # people with one row drop out first (a hash collision only keeps a row in)
    twice = repeated(residents, "person_id")
    if twice is None:
        return empty_findings()
    movers = (
        residents.filter(twice & pl.col("person_id").is_not_null())
        .group_by("person_id")
        .agg(pl.col("institution_id").n_unique().alias("n"))
        .filter(pl.col("n") > 1)["person_id"]
    )
    stays = in_residence(residents.filter(pl.col("person_id").is_in(movers.implode())), period)
    shared = (
        stays.group_by("person_id", "day")
        .agg(pl.col("institution_id").unique().sort().alias("all_ids"))
        .filter(pl.col("all_ids").list.len() > 1)
    )
    per_inst = (
        shared.with_columns(pl.col("all_ids").alias("institution_id"))
        .explode("institution_id")
        .with_columns(pl.col("all_ids").list.set_difference(pl.concat_list("institution_id")).alias("others"))
        .group_by("person_id", "institution_id")
        .agg(
            pl.col("day").sort().dt.strftime("%Y-%m").str.join(",").alias("months"),
            pl.col("others")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .unique()
            .sort()
            .str.join(",")
            .alias("others"),
        )
        .with_columns(mask_person_id(pl.col("person_id")).alias("masked"))
    )
    message = pl.format(
        pick(
            lang,
            "同一老人（身份证号 {}）在 {} 月末同时计入本机构和 {}，存在重复申领风险。",
            "The same person (id {}) is counted at month-end {} both here and at {}: a possible double claim.",
        ),
        pl.col("masked"),
        pl.col("months"),
        pl.col("others"),
    )
    citations = (
        "; ".join(r.citation for k in ("resident_month_grant", "bed_month_grant") for r in pack.rules_of_kind(k))
        or None
    )
    return as_findings(
        per_inst.with_columns(
            pl.lit("double_claim").alias("rule"),
            pl.lit("error").alias("severity"),
            message.alias("message"),
            pl.format("person={} months={} also_at={}", pl.col("masked"), pl.col("months"), pl.col("others")).alias(
                "evidence"
            ),
            pl.lit(citations, dtype=pl.String).alias("citation"),
            pl.lit(as_span(period).label).alias("period"),
        )
    )
