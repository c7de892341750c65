"""Home-care centre grants 居家养老服务中心运营补贴: star-level grants and factor
allocation of a budget.

Amounts are per year: another settlement period pays each whole year inside it, and
splits a part year by months only where the clause says so (`prorate_by_months`;
audit.kinds.common.settle_annual), else says it is not split.

Rounding (stated): the no-star formula base × score ÷ 100 (the score exactly as
written) and the share for a centre inside an institution are rounded half away from
zero to the fen. A factor allocation splits the budget by largest remainder (ties to
the smaller institution_id), so the parts add up to the budget exactly."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import polars as pl

from audit.kinds.base import Item, Kind, columns
from audit.kinds.common import (
    CENTRES,
    PRORATE,
    Ctx,
    Gap,
    condition_findings,
    fen_text,
    opt,
    pct,
    settle_annual,
    t,
    value,
)
from audit.money import mul_share_expr, round_fraction

PROGRAM = "center_operating"
INTERPRETATIONS = {
    "center_rounding": (
        "无星级中心按 基数 × 考核得分 ÷ 100 计算（得分按填写的数值，不先取舍），设在养老机构内的按比例折算，均四舍五入到分。",
        "Unstarred centres get base × score ÷ 100 (the score as written, not rounded first); centres inside an "
        "institution get the stated share; both rounded half away from zero to the fen.",
    ),
    "factor_allocation": (
        "因素分配法：各中心金额 = 预算 × 权重 ÷ 权重合计，按最大余数法分配到分，合计等于预算。",
        "Factor allocation: amount = budget × weight ÷ total weight, split to the fen by largest remainder; "
        "the parts add up to the budget.",
    ),
}


def _eligible(rule, tables: dict, ctx: Ctx) -> pl.DataFrame:
    """Centres of the rule's kinds that pass the assessment / operating conditions; the
    others get a warning finding (they receive nothing)."""
    on = ctx.ref_date
    kinds = value(rule, "center_kind", on)
    df = tables["institutions"].filter(pl.col("kind").is_in(sorted(kinds)))
    if opt(rule, "require_assessed_pass", on, False):
        failed = ~pl.col("assessed_pass").fill_null(False)
        condition_findings(
            ctx,
            df,
            failed,
            rule,
            "not_assessed_pass",
            "warning",
            f"未经考核或评估合格，不享受 {rule.citation} 的运营补贴",
            f"not assessed as qualified: no grant under {rule.citation}",
            pl.format("assessed_pass={}", pl.col("assessed_pass").cast(pl.String).fill_null("空")),
        )
        df = df.filter(~failed)
    if opt(rule, "require_operating_normally", on, False):
        failed = ~pl.col("operating_normally").fill_null(False)
        condition_findings(
            ctx,
            df,
            failed,
            rule,
            "not_operating_normally",
            "warning",
            f"未按要求正常运营，不享受 {rule.citation} 的运营补贴",
            f"not operating normally: no grant under {rule.citation}",
            pl.format("operating_normally={}", pl.col("operating_normally").cast(pl.String).fill_null("空")),
        )
        df = df.filter(~failed)
    return df.with_columns(pl.col("star_level").fill_null(0))


def center_star_grant(rule, tables: dict, ctx: Ctx) -> pl.DataFrame:
    """Yearly grant by star level (or score for no star) plus the base amount."""
    on = ctx.ref_date
    ctx.interpretations.add("center_rounding")
    df = _eligible(rule, tables, ctx)
    if not df.height:
        return df
    try:
        base = opt(rule, "base_amount", on)
        inside = opt(rule, "inside_institution_share", on)
    except Gap as g:
        ctx.gap(rule, g, df["institution_id"])
        return df.clear()
    stars = value(rule, "rate_by_star", on, required=False) or {}
    parts = []
    # starred centres: the table's rate for their star; a null (or missing) key is a gap
    starred = df.filter(pl.col("star_level") > 0)
    for star, part in starred.group_by("star_level"):
        s = star[0] if isinstance(star, tuple) else star
        rate = stars.get(int(s))
        if rate is None:
            ctx.gap(rule, "rate_by_star", part["institution_id"], key=int(s))
            continue
        parts.append(
            part.with_columns(
                pl.lit(f"star_{int(s)}").alias("item"),
                pl.lit(rate, pl.Int64).alias("full_fen"),
                pl.lit(f"{int(s)} 星 ").alias("_what"),
            )
        )
    unstarred = df.filter(pl.col("star_level") == 0)
    if unstarred.height:
        try:
            score_base = opt(rule, "unstarred_score_base", on)
        except Gap as g:
            ctx.gap(rule, g, unstarred["institution_id"])
            score_base = False
        if score_base:
            missing = pl.col("assessment_score").is_null()
            condition_findings(
                ctx,
                unstarred,
                missing,
                rule,
                "missing_score",
                "warning",
                "无星级中心缺少考核得分，无法按得分计算补贴",
                "unstarred centre without an assessment score: grant cannot be computed",
                pl.lit("assessment_score="),
            )
            scored = unstarred.filter(~missing)
            scored = scored.join(_score_formula(score_base, scored["assessment_score"]), on="assessment_score")
            parts.append(
                scored.with_columns(
                    pl.lit("score_formula").alias("item"),
                    (
                        fen_text(pl.lit(score_base, pl.Int64))
                        + pl.lit(" 元 × ")
                        + pl.col("_score")
                        + pl.lit(" ÷ 100 = ")
                    ).alias("_what"),
                )
            )
        elif score_base is None and base is None:
            ctx.gap(rule, "rate_by_star", unstarred["institution_id"], key=0)
    lines = []
    if parts:
        lines.append(
            pl.concat([p.select("institution_id", "inside_institution", "item", "full_fen", "_what") for p in parts])
        )
    if base is not None:  # the base goes to every centre that qualifies
        lines.append(
            df.select(
                "institution_id",
                "inside_institution",
                pl.lit("base_amount").alias("item"),
                pl.lit(base, pl.Int64).alias("full_fen"),
                pl.lit("基础补贴 ").alias("_what"),
            )
        )
    if not lines:
        return df.clear()
    out = pl.concat(lines)
    is_inside = pl.col("inside_institution").fill_null(False)
    if inside is not None:
        share = Fraction(inside)
        amount = pl.when(is_inside).then(mul_share_expr(pl.col("full_fen"), share)).otherwise(pl.col("full_fen"))
        note = (
            pl.when(is_inside)
            .then(pl.lit(f" × {pct(share)}（设在养老机构内）= ") + fen_text(amount) + pl.lit(" 元"))
            .otherwise(pl.lit(""))
        )
    else:
        amount, note = pl.col("full_fen"), pl.lit("")
    payer = value(rule, "payer", on)
    lines = out.with_columns(amount.alias("amount_fen")).with_columns(
        pl.lit(PROGRAM).alias("program"),
        pl.lit(ctx.period_label).alias("period"),
        pl.lit(1, pl.Int64).alias("quantity"),
        pl.col("amount_fen").alias("rate_fen"),
        pl.lit(payer).alias("payer"),
        pl.lit(rule.id).alias("rule"),
        pl.lit(rule.citation).alias("citation"),
        (pl.col("_what") + fen_text(pl.col("full_fen")) + pl.lit(" 元/年") + note).alias("basis"),
    )
    return settle_annual(ctx, rule, lines, "中心运营补贴", "centre grant")


def _score_formula(base_fen: int, scores: pl.Series) -> pl.DataFrame:
    """base × score ÷ 100 for each distinct score, exactly: the score is the decimal it was
    written as (the shortest text of the number: 80.115, not the binary 80.11499…), and
    the product is rounded half away from zero to the fen (audit.money.round_fraction).
    A column holds few distinct scores (one per centre), so each is read once, joined back."""
    distinct = scores.drop_nulls().unique().sort()
    written = [Decimal(repr(float(x))) for x in distinct]
    return pl.DataFrame(
        {
            "assessment_score": distinct,
            "full_fen": [round_fraction(Fraction(base_fen) * Fraction(d) / 100) for d in written],
            "_score": [format(d, "f") for d in written],
        },
        schema={"assessment_score": scores.dtype, "full_fen": pl.Int64, "_score": pl.String},
    )


def allocate(df: pl.DataFrame, total: int, weight: str = "weight") -> pl.Series:
    """amount_i = total × w_i ÷ Σw, floored, the leftover fen to the largest remainders
    (ties to the earlier row in institution_id order). Adds up to `total` exactly."""
    df = df.select("institution_id", pl.col(weight).cast(pl.Int64).alias("_w")).with_row_index("_i")
    wsum = int(df["_w"].sum())
    if wsum <= 0:
        raise ValueError("weights must have a positive sum")
    df = df.with_columns(
        (pl.lit(total) * pl.col("_w") // wsum).alias("_f"), (pl.lit(total) * pl.col("_w") % wsum).alias("_r")
    )
    left = total - int(df["_f"].sum())
    order = df.sort(["_r", "institution_id"], descending=[True, False]).with_row_index("_rank")
    extra = order.select("_i", (pl.col("_rank") < left).cast(pl.Int64).alias("_x"))
    return df.join(extra, on="_i").sort("_i").select(pl.col("_f") + pl.col("_x"))["_f"]


def factor_allocation(rule, tables: dict, ctx: Ctx) -> pl.DataFrame:
    """Budget shared among qualifying centres by star weight (因素分配法)."""
    on = ctx.ref_date
    ctx.interpretations.add("factor_allocation")
    df = _eligible(rule, tables, ctx)
    if not df.height:
        return df
    try:
        budget = value(rule, "budget", on)
        weights = value(rule, "weight_by_star", on)
    except Gap as g:
        ctx.gap(rule, g, df["institution_id"])
        return df.clear()
    used = sorted(set(df["star_level"].to_list()))
    missing = [s for s in used if weights.get(int(s)) is None]
    if missing:  # one unknown weight changes every share: no line at all
        for s in missing:
            ctx.gap(rule, "weight_by_star", df.filter(pl.col("star_level") == s)["institution_id"], key=int(s))
        return df.clear()
    df = (
        df.with_columns(
            pl.col("star_level")
            .replace_strict({int(k): v for k, v in weights.items() if v is not None}, return_dtype=pl.Int64)
            .alias("weight")
        )
        .filter(pl.col("weight") > 0)
        .sort("institution_id")
    )
    if not df.height:
        return df
    wsum = int(df["weight"].sum())
    payer = value(rule, "payer", on)
    df = df.with_columns(allocate(df, budget).alias("amount_fen"))
    lines = df.with_columns(
        pl.lit(PROGRAM).alias("program"),
        pl.lit("factor_share").alias("item"),
        pl.lit(ctx.period_label).alias("period"),
        pl.lit(1, pl.Int64).alias("quantity"),
        pl.lit(None, pl.Int64).alias("rate_fen"),
        pl.lit(payer).alias("payer"),
        pl.lit(rule.id).alias("rule"),
        pl.lit(rule.citation).alias("citation"),
        (
            pl.lit("预算 ")
            + fen_text(pl.lit(budget, pl.Int64))
            + pl.format(" 元 × 权重 {} ÷ 权重合计 {} = ", pl.col("weight"), pl.lit(wsum))
            + fen_text(pl.col("amount_fen"))
            + pl.lit(" 元（最大余数法，合计等于预算）")
        ).alias("basis"),
    )
    return settle_annual(ctx, rule, lines, "年度预算分配额", "share of the annual budget")


def _checklist(rule, on, lang: str) -> list[tuple[str, dict]]:
    return [
        (
            t(
                lang,
                "居家养老服务中心：星级评定、考核结果与正常运营情况",
                "Home-care centre: star rating, assessment and normal operation",
            ),
            {"kind": CENTRES},
        )
    ]


# ---------------------------------------------------------------- the kinds, declared once

KINDS = [
    Kind(
        "center_star_grant",
        "居家养老服务中心星级补助",
        "home-care centre star grant",
        params={
            "center_kind": {"set"},
            "require_assessed_pass": {"bool"},
            "require_operating_normally": {"bool"},
            "base_amount": {"yuan/year"},
            "rate_by_star": {"table:yuan/year"},
            "unstarred_score_base": {"yuan/year"},
            "inside_institution_share": {"share"},
            PRORATE: {"bool"},
            "payer": {"payer"},
        },
        program=PROGRAM,
        compute=center_star_grant,
        items=(
            Item("star_", "{n} 星级中心", "{n}-star centre", ("rate_by_star", "inside_institution_share")),
            Item("score_formula", "按考核得分", "score formula", ("unstarred_score_base", "inside_institution_share")),
            Item("base_amount", "基础补贴", "base amount", ("base_amount",)),
        ),
        reads=columns("institutions", "kind", "star_level"),
        reads_with={
            "require_assessed_pass": columns("institutions", "assessed_pass"),
            "require_operating_normally": columns("institutions", "operating_normally"),
            "unstarred_score_base": columns("institutions", "assessment_score"),
            "inside_institution_share": columns("institutions", "inside_institution"),
        },
        interpretations={"center_rounding": INTERPRETATIONS["center_rounding"]},
        checklist=_checklist,
    ),
    Kind(
        "factor_allocation",
        "因素法分配",
        "factor allocation",
        params={
            "budget": {"yuan"},
            "weight_by_star": {"table:count"},
            "center_kind": {"set"},
            "require_operating_normally": {"bool"},
            PRORATE: {"bool"},
            "payer": {"payer"},
        },
        program=PROGRAM,
        compute=factor_allocation,
        items=(Item("factor_share", "因素法分配", "factor allocation", ("budget", "weight_by_star")),),
        reads=columns("institutions", "kind", "star_level"),
        reads_with={"require_operating_normally": columns("institutions", "operating_normally")},
        interpretations={"factor_allocation": INTERPRETATIONS["factor_allocation"]},
        checklist=_checklist,
    ),
]
