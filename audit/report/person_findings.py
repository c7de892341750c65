"""Findings about one person each, grouped for a self-check.

The claims audit, the register cuts and the integrity checks give one finding per person
(evidence `person=<masked id> months=… amount=…`): a home with sixty residents claimed
from outside the county had sixty blocks of the same words, most of a self-check's pages.
A manager acts per rule, so the self-check shows one row per institution, rule, severity,
clause and period — the count of people, their person-months, the money summed exactly
in fen, the first few masked ids — and the people themselves one line each in a table at
the end. A rule with a single person keeps its own finding as it is."""

from __future__ import annotations

import polars as pl

from audit.money import fen_to_yuan_expr
from audit.report.finding_money import AMOUNT_IN_EVIDENCE

LISTED = 3  # masked ids named in a grouped row before "等 N 人"
GROUP_KEY = ["institution_id", "rule", "severity", "citation", "period"]

WORDS = {
    "zh": {
        "message": "{}：{} 人{}（身份证号 {}{}）；逐人明细见本报告末“逐人明细”表",
        "months": "，共 {} 个人月",
        "more": " 等 {} 人",
        "sep": "、",
    },
    "en": {
        "message": "{}: {} people{} (ids {}{}); one line each in the table 'Persons' at the end of this report",
        "months": ", {} person-months",
        "more": " and {} more",
        "sep": ", ",
    },
}


def _fen(amount_text: pl.Expr) -> pl.Expr:
    """'-1,234.56' → -123456: the evidence's two-decimal yuan back to integer fen, exactly."""
    return amount_text.str.replace_all(",", "", literal=True).str.replace(".", "", literal=True).cast(pl.Int64)


def _month_runs(months: pl.Expr) -> pl.Expr:
    """'2024-01,2024-02' → [24289, 24290] (year × 12 + month, so consecutive months differ by 1);
    a bare count (`months=3`) gives none: the count column carries it."""
    year = pl.element().str.slice(0, 4).cast(pl.Int64, strict=False)
    month = pl.element().str.slice(5, 2).cast(pl.Int64, strict=False)
    return months.str.split(",").list.eval((year * 12 + month).drop_nulls())


def group_person_findings(findings: pl.DataFrame, L: dict, lang: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(findings with each group of two or more per-person findings as one row, persons):
    `persons` has one row per person of a grouped row — institution_id, rule, label,
    person (masked), months (as runs), n_months, amount, other (the rest of the evidence)."""
    W = WORDS["en" if lang == "en" else "zh"]
    months = pl.col("evidence").str.extract(r"(?:^|\s)months=(\S+)")
    f = findings.with_row_index("_row").with_columns(
        pl.col("evidence").str.extract(r"^person=(\S+)").alias("_person"),
        months.alias("_months"),
        pl.when(months.str.contains(r"^\d+$"))
        .then(months.cast(pl.Int64, strict=False))
        .otherwise(months.str.count_matches(",") + 1)
        .alias("_n_months"),
        _fen(pl.col("evidence").str.extract(AMOUNT_IN_EVIDENCE)).alias("_fen"),
    )
    grouped = (
        pl.col("_person").is_not_null()
        & pl.col("institution_id").is_not_null()
        & (pl.len().over([*GROUP_KEY, pl.col("_person").is_not_null()]) > 1)
    )
    f = f.with_columns(grouped.alias("_grouped"))
    members = f.filter(pl.col("_grouped"))
    if members.is_empty():
        return findings, _persons(members, L)
    label = pl.col("rule").replace_strict(L["rules"], default=pl.col("rule"), return_dtype=pl.String)
    same = [c for c in findings.columns if c not in (*GROUP_KEY, "message", "evidence")]  # labels, fix hint
    groups = (
        members.sort("_person", "_row")
        .group_by(GROUP_KEY, maintain_order=True)
        .agg(
            pl.col("_row").min(),
            pl.len().alias("_n"),
            pl.col("_n_months").sum().alias("_months_total"),
            pl.col("_n_months").null_count().alias("_months_unknown"),
            pl.col("_fen").sum().alias("_fen_total"),
            pl.col("_fen").null_count().alias("_fen_unknown"),
            pl.col("_person").head(LISTED).str.join(W["sep"]).alias("_listed"),
            pl.col(same).first(),
        )
        .with_columns(
            # a sum only where every person's amount is known: else no figure (the stake then says why)
            pl.when(pl.col("_fen_unknown") == 0).then(pl.col("_fen_total")).alias("_fen_total"),
            pl.when(pl.col("_months_unknown") == 0).then(pl.col("_months_total")).alias("_months_total"),
        )
    )
    more = pl.when(pl.col("_n") > LISTED).then(pl.format(W["more"], pl.col("_n"))).otherwise(pl.lit(""))
    month_words = pl.format(W["months"], pl.col("_months_total")).fill_null("")
    rows = groups.select(
        "_row",
        *GROUP_KEY,
        pl.format(W["message"], label, pl.col("_n"), month_words, pl.col("_listed"), more).alias("message"),
        pl.concat_str(
            pl.format("persons={}", pl.col("_n")),
            pl.format("months={}", pl.col("_months_total")),
            pl.format("amount={}", fen_to_yuan_expr(pl.col("_fen_total"), thousands=True)),
            separator=" ",
            ignore_nulls=True,
        ).alias("evidence"),
        *same,
    )
    kept = f.filter(~pl.col("_grouped")).select(rows.columns)
    merged = pl.concat([kept, rows.select(kept.columns)]).sort("_row").select(findings.columns)
    return merged, _persons(members, L)


def _persons(members: pl.DataFrame, L: dict) -> pl.DataFrame:
    """One line per person of a grouped finding, for the self-check's table at the end."""
    if members.is_empty():
        return pl.DataFrame(
            schema={
                c: pl.Int64 if c == "n_months" else pl.String
                for c in ("institution_id", "rule", "label", "person", "months", "n_months", "amount", "other")
            }
        )
    runs = (
        members.select("_row", _month_runs(pl.col("_months").fill_null("")).alias("_m"))
        .explode("_m")
        .drop_nulls("_m")
        .with_columns((pl.col("_m").diff().over("_row").fill_null(0) != 1).cum_sum().over("_row").alias("_run"))
        .group_by("_row", "_run", maintain_order=True)
        .agg(pl.col("_m").first().alias("a"), pl.col("_m").last().alias("b"))
    )

    def month(m: pl.Expr) -> pl.Expr:
        return pl.format("{}-{}", ((m - 1) // 12).cast(pl.String), ((m - 1) % 12 + 1).cast(pl.String).str.zfill(2))

    runs = (
        runs.with_columns(
            pl.when(pl.col("a") == pl.col("b"))
            .then(month(pl.col("a")))
            .otherwise(pl.format("{}–{}", month(pl.col("a")), month(pl.col("b"))))
            .alias("_text")
        )
        .group_by("_row", maintain_order=True)
        .agg(pl.col("_text").str.join(", ").alias("months"))
    )
    other = pl.col("evidence").str.replace_all(r"(?:^|\s)(?:person|months|amount)=\S+", "").str.strip_chars()
    return (
        members.join(runs, on="_row", how="left")
        .sort("institution_id", "rule", "severity", "_person", "_row")
        .select(
            "institution_id",
            "rule",
            pl.col("rule").replace_strict(L["rules"], default=pl.col("rule"), return_dtype=pl.String).alias("label"),
            pl.col("_person").alias("person"),
            pl.col("months").fill_null(""),
            pl.col("_n_months").alias("n_months"),
            fen_to_yuan_expr(pl.col("_fen"), thousands=True).fill_null("").alias("amount"),
            other.alias("other"),
        )
    )
