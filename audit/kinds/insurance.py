"""Insurance premium splits 综合保险补助 (premium_share).

The pack's premium_share rules apply in pack order to each premium of the run year
(of every calendar year lying wholly inside another settlement period: a premium is
recorded per year with no date, so a part year cannot hold it — a warning says which
premiums are left to their year's run);
each public share (premium or average premium × share, rounded half away from zero to
the fen) is capped at what is left of the premium, and the rest is a
payer=institution line. The lines of one premium add up to the premium exactly."""

from __future__ import annotations

from fractions import Fraction

import polars as pl

from audit.kinds.base import Item, Kind, columns
from audit.kinds.common import (
    PROFIT_BLANK_NOTE,
    PROFIT_STATUS,
    Ctx,
    Gap,
    fen_text,
    opt,
    pct,
    t,
    value,
    whole_years,
    year_parts,
    yuan,
)
from audit.money import fen_to_yuan, mul_share_expr, round_fraction

PROGRAM = "insurance"
INTERPRETATIONS = {
    "premium_cap": (
        "各级补助按政策包顺序计算，每项以剩余保费为上限，机构自付部分不为负；同一保单各行合计等于保费。",
        "Shares apply in pack order, each capped at what is left of the premium, so the institution's "
        "part is never negative; the lines of a premium add up to it.",
    ),
    "average_premium_from_input": (
        "未设定平均保费时，取输入数据中该险种当年保费的平均值（四舍五入到分）。",
        "With no average premium set, the mean of the input's premiums of that scheme and year is used "
        "(rounded to the fen).",
    ),
}


REST_UPPER_BOUND = "（尚有补助比例未定，见 policy_gap；机构自付至多此数）"


def premium_shares(rules: list, tables: dict, ctx: Ctx) -> pl.DataFrame:
    """All premium_share rules together (they share each premium's remainder)."""
    on = ctx.ref_date
    covered = sorted(set().union(*(value(r, "scheme", on) for r in rules)))
    years = whole_years(ctx.span)
    _part_years(ctx, rules, tables["insurance"].filter(pl.col("scheme").is_in(covered)))
    ins = tables["insurance"].filter(pl.col("year").is_in(years) & pl.col("scheme").is_in(covered))
    if not ins.height or not rules:
        return ins.clear()
    ctx.interpretations.add("premium_cap")
    prem = (
        ins.with_row_index("_policy")
        .join(tables["institutions"].select("institution_id", "profit_status"), on="institution_id", how="left")
        .with_columns(  # a blank 营利性质 is read as for-profit, and the basis says so
            PROFIT_STATUS, pl.col("profit_status").is_null().alias("_blank"), pl.col("premium_fen").alias("_left")
        )
    )
    lines = []
    open_share = pl.lit(False)  # a share of this premium is a gap: the rest is only an upper bound
    for rule in rules:
        schemes = value(rule, "scheme", on)
        mine = pl.col("scheme").is_in(sorted(schemes))
        affected = prem.filter(mine)
        if not affected.height:
            continue
        share_of = {}
        for status in ("nonprofit", "forprofit"):  # a gap for one kind leaves the other paid
            try:
                share_of[status] = opt(rule, f"share_{status}", on)
            except Gap as g:
                ctx.gap(rule, g, affected.filter(pl.col("profit_status") == status)["institution_id"])
                open_share = open_share | (mine & (pl.col("profit_status") == status))
        if not any(v is not None for v in share_of.values()):
            continue
        try:
            base = _base(rule, ctx, prem, mine)
        except Gap as g:
            ctx.gap(rule, g, affected["institution_id"])
            open_share = open_share | mine
            continue
        exprs, notes = [], []
        for status, share in share_of.items():
            if share is None:
                continue
            share = Fraction(share)
            raw = mul_share_expr(base["expr"], share)
            exprs.append((status, raw))
            notes.append((status, base["text"] + pl.lit(f" × {pct(share)} = ") + fen_text(raw) + pl.lit(" 元")))
        if not exprs:
            continue
        raw, note = pl.lit(0, pl.Int64), pl.lit("")  # a status whose share is a gap: no line (said above)
        for status, e in exprs:
            raw = pl.when(pl.col("profit_status") == status).then(e).otherwise(raw)
        for status, n in notes:
            note = pl.when(pl.col("profit_status") == status).then(n).otherwise(note)
        if len(set(share_of.values())) > 1:  # the reading of a blank changes the share
            note = note + pl.when(pl.col("_blank")).then(pl.lit(PROFIT_BLANK_NOTE)).otherwise(pl.lit(""))
        paid = pl.min_horizontal(raw, pl.col("_left"))
        step = prem.with_columns(
            pl.when(mine).then(paid).otherwise(None).alias("_paid"),
            pl.when(mine & (raw > pl.col("_left")))
            .then(pl.lit("，以剩余保费 ") + fen_text(pl.col("_left")) + pl.lit(" 元为上限"))
            .otherwise(pl.lit(""))
            .alias("_cap"),
            note.alias("_note"),
        )
        payer = value(rule, "payer", on)
        lines.append(
            step.filter(pl.col("_paid").is_not_null()).select(
                "_policy",
                "institution_id",
                "year",
                pl.lit("premium_share").alias("item"),
                pl.col("_paid").alias("amount_fen"),
                pl.lit(payer).alias("payer"),
                pl.lit(rule.id).alias("rule"),
                pl.lit(rule.citation).alias("citation"),
                (pl.col("_note") + pl.col("_cap")).alias("basis"),
            )
        )
        prem = step.with_columns((pl.col("_left") - pl.col("_paid").fill_null(0)).alias("_left"))
    rest = prem.filter(pl.col("_left") > 0).select(
        "_policy",
        "institution_id",
        "year",
        pl.lit("premium_rest").alias("item"),
        pl.col("_left").alias("amount_fen"),
        pl.lit("institution").alias("payer"),
        _first_rule(rules, on, "id"),
        _first_rule(rules, on, "citation"),
        (
            pl.lit("保费 ")
            + fen_text(pl.col("premium_fen"))
            + pl.lit(" 元 − 各级补助 = 机构自付 ")
            + fen_text(pl.col("_left"))
            + pl.lit(" 元")
            + pl.when(open_share).then(pl.lit(REST_UPPER_BOUND)).otherwise(pl.lit(""))
        ).alias("basis"),
    )
    out = pl.concat(lines + [rest])
    return (
        out.with_columns(
            pl.lit(PROGRAM).alias("program"),
            pl.col("year").cast(pl.String).alias("period"),
            pl.lit(1, pl.Int64).alias("quantity"),
            pl.lit(None, pl.Int64).alias("rate_fen"),
        )
        .sort("_policy", "item")
        .drop("_policy", "year")
    )


def _part_years(ctx: Ctx, rules: list, ins: pl.DataFrame) -> None:
    """A settlement period that cuts a calendar year: that year's premiums (one a year,
    no date) are not split; one warning says so with the premiums at stake."""
    span = ctx.span
    part = [y for y, a, b in year_parts(span) if (a, b) != (1, 12)]
    if ctx.period is None or not part:
        return
    left = ins.filter(pl.col("year").is_in(part))
    if not left.height:
        return
    ids = sorted(set(left["institution_id"].to_list()))
    total = int(left["premium_fen"].fill_null(0).sum())
    years = "、".join(str(y) for y in part)
    ctx.finding(
        "annual_not_split",
        "warning",
        ctx.t(
            f"综合保险保费按年度记录（每年每险种一份、无缴费日期），期间 {span.label} 只含 {years} 年的一部分，"
            f"该年度 {left.height} 份保单（{len(ids)} 个机构，保费合计 {yuan(total)} 元）的补助不拆分计发；请按年度核算",
            f"premiums are recorded per year (one per scheme, no payment date) and {span.label} holds only part of "
            f"{years}: the shares of those {left.height} premium(s) ({len(ids)} institution(s), {yuan(total)} yuan) "
            "are not split; settle them by year",
        ),
        f"period={span.label} years={years} policies={left.height} premiums={yuan(total)}",
        "; ".join(dict.fromkeys(r.citation for r in rules)),
    )


def _first_rule(rules: list, on, attr: str) -> pl.Expr:
    """The rest of a premium is booked under the first rule covering its scheme."""
    out = pl.lit(None, pl.String)
    for rule in reversed(rules):
        out = (
            pl.when(pl.col("scheme").is_in(sorted(value(rule, "scheme", on))))
            .then(pl.lit(getattr(rule, attr)))
            .otherwise(out)
        )
    return out.alias("rule" if attr == "id" else attr)


def _base(rule, ctx: Ctx, prem: pl.DataFrame, mine: pl.Expr) -> dict:
    """The amount a share applies to: each premium, or the average premium (the pack's,
    else the input's mean with an info finding)."""
    on = ctx.ref_date
    if opt(rule, "basis", on, "premium") != "average_premium":
        return {
            "expr": pl.col("premium_fen"),
            "text": pl.lit("保费 ") + fen_text(pl.col("premium_fen")) + pl.lit(" 元"),
        }
    try:
        avg = value(rule, "average_premium", on)
        how = "平均保费（政策包或本地设定）"
    except Gap:
        fen = prem.filter(mine)["premium_fen"].drop_nulls()
        avg = round_fraction(Fraction(int(fen.sum()), fen.len()))
        how = "平均保费（输入数据均值）"
        ctx.interpretations.add("average_premium_from_input")
        ctx.finding(
            "average_premium_from_input",  # paid on the mean, not a gap left unpaid
            "info",
            ctx.t(
                f"{rule.citation} 的平均保费未设定，按输入数据 {fen.len()} 份保单的平均保费 {fen_to_yuan(avg, True)} 元计算；"
                f"可用 --set {rule.id}.average_premium=数值 设定",
                f"{rule.citation}: average premium not set; the mean of the input's {fen.len()} premiums "
                f"({fen_to_yuan(avg, True)} yuan) is used; set it with --set {rule.id}.average_premium=VALUE",
            ),
            f"param={rule.id}.average_premium policies={fen.len()} total={fen_to_yuan(int(fen.sum()))} "
            f"mean={fen_to_yuan(avg)}",
            rule.citation,
        )
    ctx.average_premium[rule.id] = avg
    return {"expr": pl.lit(avg, pl.Int64), "text": pl.lit(f"{how} {fen_to_yuan(avg, True)} 元")}


def _checklist(rule, on, lang: str) -> list[tuple[str, dict]]:
    return [(t(lang, "综合责任保险：保单与保费缴纳凭证", "Liability insurance: policy and premium receipts"), {})]


# ---------------------------------------------------------------- the kinds, declared once

KINDS = [
    Kind(
        "premium_share",
        "综合责任保险保费补助",
        "insurance premium share",
        params={
            "scheme": {"set"},
            "basis": {"text"},
            "share_nonprofit": {"share"},
            "share_forprofit": {"share"},
            "average_premium": {"yuan"},
            "payer": {"payer"},
        },
        program=PROGRAM,
        compute=premium_shares,
        together=True,
        items=(
            Item(
                "premium_share", "保费补助", "premium share", ("share_nonprofit", "share_forprofit", "average_premium")
            ),
            Item("premium_rest", "保费自付部分", "premium (own share)"),
        ),
        reads=(*columns("insurance", "premium", "year", "scheme"), ("institutions", "profit_status")),
        interpretations=INTERPRETATIONS,
        checklist=_checklist,
    ),
]
