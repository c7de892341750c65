"""One-time per-bed subsidy as county texts write it (rule kind `bed_subsidy`):

- **tiers** — the rate of the band the institution reaches (audit.policy.tiers), or a rate by
  premises, or one rate;
- **modifiers** — 改扩建 / for-profit / 公建民营 factors, a cap per institution over all
  its construction money (earlier periods' 拨付 come off it first), counted beds capped by
  approved beds;
- **conditions** — registration, acceptance, a minimum operating period ("运营满1年" →
  due on the day it is reached), minimum occupancy (due on the day residents reach it), lease term by what is leased (land /
  building), rating at least N, a 保基本床位 agreement. The due date is the day the last
  dated condition is met;
- **stages** — "分三年按40%、30%、30%" / "验收后50%，满一年后50%": one ledger line per
  stage, in the period it falls due.

Each institution can hold two claims: its own unsubsidised beds (due from the
institution's dates) and the beds an expansion added (`expansion_beds`, due from
`expansion_accepted_on`). A claim whose stage fell due before the run period and whose
beds the data does not record as subsidised is a warning with the amount — never silence.
Not meeting a condition is `info` (the applicant is simply not eligible); `error` is kept
for a payment held (the data cannot say which beds were subsidised before).
"""

from __future__ import annotations

from fractions import Fraction

import polars as pl

from audit.kinds.base import ELIGIBILITY_READS, Item, Kind, columns
from audit.kinds.construction import _checklist as construction_checklist
from audit.kinds.common import PROFIT_BLANK_NOTE, PROFIT_STATUS, Ctx, Gap, condition_findings, fen_text, opt, pct, value
from audit.money import split_largest_remainder_expr
from audit.policy.tiers import band_of, parse_bands

PROGRAM = "construction"
INTERPRETATIONS = {
    "bed_subsidy_due": (
        "一次性床位补贴在最后一个有日期的条件满足之日到期（登记备案、验收、运营满规定月数——改扩建新增床位以其验收日期为准；"
        "入住率达标之日按入住、离院日期逐日计算）；分期拨付时每期按到期日所在期间列出。等级、租期、协议等数据中无日期的条件按核算期末的数据判断。"
        "以前期间已到期、数据未记为已补贴的床位列为提示，并给出金额，请核实是否已在本台账外发放。",
        "A one-time bed subsidy falls due on the day its last dated condition is met (registration, acceptance, "
        "the operating period — for expansion beds, their acceptance date; the day occupancy reaches the "
        "minimum, from admission and discharge dates); staged payments are listed in the period each stage "
        "falls due. Conditions the data holds no date for (rating, lease, agreement) are judged on the data at "
        "the period end. Beds due in an earlier period that the data does not record as subsidised are "
        "reported with the amount, to check whether they were paid outside this ledger.",
    ),
}


def _txt(c: str) -> pl.Expr:
    return pl.col(c).cast(pl.String).fill_null("空")


def _claims(ctx: Ctx, rule, inst: pl.DataFrame) -> pl.DataFrame:
    """One row per (institution, claim): `claim` new / expansion, `quantity`, `accepted`."""
    on = ctx.ref_date
    count = opt(rule, "bed_count", on, "new_beds")
    beds, sub = pl.col("beds").fill_null(0), pl.col("beds_subsidized_before").fill_null(0)
    exp = pl.col("expansion_beds").fill_null(0)
    if count == "new_beds":
        own = (beds - sub - exp).clip(lower_bound=0)
    else:  # nursing / other beds: the data does not say which kind was subsidised before
        nursing = pl.col("nursing_beds").fill_null(0)
        own = nursing if count == "nursing_beds" else (beds - nursing).clip(lower_bound=0)
        held = inst.filter((sub > 0) & (own > 0))
        condition_findings(
            ctx,
            held,
            pl.lit(True),
            rule,
            "held_subsidized_split",
            "error",
            f"已有床位享受过建设补贴，但数据未区分护理型与非护理型床位，{rule.citation} 的补贴暂缓支付，待核实",
            f"some beds were subsidised before but the data does not split them into nursing and other beds; "
            f"the subsidy under {rule.citation} is held until checked",
            pl.format(
                "beds={} nursing_beds={} beds_subsidized_before={}",
                _txt("beds"),
                _txt("nursing_beds"),
                _txt("beds_subsidized_before"),
            ),
        )
        inst = inst.filter(~((sub > 0) & (own > 0)))
        exp = pl.lit(0)
    new = inst.with_columns(
        pl.lit("new").alias("claim"), own.cast(pl.Int64).alias("quantity"), pl.col("accepted_on").alias("accepted")
    )
    expansion = inst.filter(exp > 0).with_columns(
        pl.lit("expansion").alias("claim"),
        exp.cast(pl.Int64).alias("quantity"),
        pl.col("expansion_accepted_on").alias("accepted"),
    )
    return pl.concat([new, expansion]).filter(pl.col("quantity") > 0)


def _not_eligible(ctx, rule, df, failed, kind, zh, en, evidence) -> pl.DataFrame:
    """An info finding per failing claim, and the claims left."""
    condition_findings(
        ctx,
        df,
        failed,
        rule,
        kind,
        "info",
        f"{zh}，不能享受 {rule.citation} 的补贴",
        f"{en}: not eligible under {rule.citation}",
        evidence,
    )
    return df.filter(~failed)


def _occupied(res: pl.DataFrame, on) -> pl.DataFrame:
    return (
        res.filter((pl.col("admitted_on") <= on) & (pl.col("discharged_on").is_null() | (pl.col("discharged_on") > on)))
        .group_by("institution_id")
        .agg(pl.len().cast(pl.Int64).alias("occupied_beds"))
    )


def _static_conditions(ctx: Ctx, rule, df: pl.DataFrame, tables) -> pl.DataFrame:
    """Conditions without a date of their own, judged on the data at the period end."""
    on = ctx.ref_date
    ownership = opt(rule, "eligible_ownership", on)
    if ownership:
        df = _not_eligible(
            ctx,
            rule,
            df,
            ~pl.col("ownership").is_in(sorted(ownership)).fill_null(False),
            "not_eligible",
            "举办性质不在补贴范围",
            "ownership not covered",
            pl.format("ownership={}", _txt("ownership")),
        )
    premises = opt(rule, "eligible_premises", on)
    if premises:  # the clause's scope (another clause of the pack covers other premises): no finding
        condition_findings(
            ctx,
            df,
            pl.col("premises").is_null(),
            rule,
            "missing_premises",
            "warning",
            "缺少用房性质（自有/租赁），无法确定适用的补贴条款",
            "premises missing: no clause can be chosen",
            pl.lit("premises=空"),
        )
        df = df.filter(pl.col("premises").is_in(sorted(premises)).fill_null(False))
    if opt(rule, "require_newly_built", on, False):
        df = _not_eligible(
            ctx,
            rule,
            df,
            (pl.col("claim") == "expansion") | ~pl.col("newly_built").fill_null(False),
            "not_newly_built",
            "非新建机构（或为改扩建床位）",
            "not newly built (or expansion beds)",
            pl.format("newly_built={} claim={}", _txt("newly_built"), pl.col("claim")),
        )
    land, building = opt(rule, "leased_land_min_years", on), opt(rule, "leased_min_years", on)
    leased = pl.col("premises") == "leased"
    on_land = leased & (pl.col("lease_of") == "land").fill_null(False)
    if land is not None:
        df = _not_eligible(
            ctx,
            rule,
            df,
            (on_land & (pl.col("lease_years").fill_null(0) < land)).fill_null(False),
            "lease_term",
            f"租赁土地租期不足 {land} 年",
            f"land lease shorter than {land} years",
            pl.format("lease_of=land lease_years={} min={}", _txt("lease_years"), pl.lit(land)),
        )
    if building is not None:
        bad = (leased & ~on_land if land is not None else leased) & (pl.col("lease_years").fill_null(0) < building)
        df = _not_eligible(
            ctx,
            rule,
            df,
            bad.fill_null(False),
            "lease_term",
            f"租赁用房租期不足 {building} 年",
            f"lease shorter than {building} years",
            pl.format("lease_of={} lease_years={} min={}", _txt("lease_of"), _txt("lease_years"), pl.lit(building)),
        )
    level = opt(rule, "min_rating_level", on)
    if level is not None:
        df = _not_eligible(
            ctx,
            rule,
            df,
            pl.col("rating_level").fill_null(0) < level,
            "rating_below_minimum",
            f"评定等级未达 {level} 级",
            f"rating below level {level}",
            pl.format("rating_level={} min={}", _txt("rating_level"), pl.lit(level)),
        )
    if opt(rule, "require_basic_beds_agreement", on, False):
        df = _not_eligible(
            ctx,
            rule,
            df,
            ~pl.col("basic_beds_agreement").fill_null(False),
            "no_basic_beds_agreement",
            "未签订保基本床位协议",
            "no agreement on basic-service beds",
            pl.format("basic_beds_agreement={}", _txt("basic_beds_agreement")),
        )
    occupancy = opt(rule, "min_occupancy", on)
    if occupancy is not None or opt(rule, "band_by", on) == "occupied_beds":
        df = df.join(_occupied(tables["residents"], on), on="institution_id", how="left").with_columns(
            pl.col("occupied_beds").fill_null(0)
        )
    return df


def _occupancy_reached(ctx: Ctx, rule, df: pl.DataFrame, tables) -> pl.DataFrame:
    """ "入住率达30%" is a dated condition: `due` moves to the first day on or after the other
    conditions' date on which residents in residence (admitted ≤ day < discharged) reach the
    share of approved beds. Found from admission/discharge events (a running count per
    claim), never day by day; not reached by the period end → not eligible (info)."""
    on = ctx.ref_date
    occupancy = opt(rule, "min_occupancy", on)
    if occupancy is None or not df.height:
        return df
    s = Fraction(occupancy)
    beds = pl.col("beds").fill_null(0)
    claims = df.with_row_index("_claim").with_columns(
        ((beds * s.numerator + s.denominator - 1) // s.denominator).alias("_need")
    )  # ceil(beds × share)
    res = (
        tables["residents"]
        .select("institution_id", "admitted_on", "discharged_on")
        .join(claims.select("_claim", "institution_id", "due"), on="institution_id")
    )
    at_due = (
        res.filter(
            (pl.col("admitted_on") <= pl.col("due"))
            & (pl.col("discharged_on").is_null() | (pl.col("discharged_on") > pl.col("due")))
        )
        .group_by("_claim")
        .agg(pl.len().cast(pl.Int64).alias("_n0"))
    )
    later = lambda d: (d > pl.col("due")) & (d <= on)  # noqa: E731
    events = (
        pl.concat(
            [
                res.filter(later(pl.col("admitted_on"))).select(
                    "_claim", pl.col("admitted_on").alias("day"), pl.lit(1).alias("d")
                ),
                res.filter(later(pl.col("discharged_on"))).select(
                    "_claim", pl.col("discharged_on").alias("day"), pl.lit(-1).alias("d")
                ),
            ]
        )
        .group_by("_claim", "day")
        .agg(pl.col("d").sum().cast(pl.Int64))
        .sort("_claim", "day")
    )
    claims = claims.join(at_due, on="_claim", how="left").with_columns(pl.col("_n0").fill_null(0))
    first = (
        events.join(claims.select("_claim", "_n0", "_need"), on="_claim")
        .sort("_claim", "day")  # a join keeps no order: the running count needs the days in order
        .with_columns((pl.col("_n0") + pl.col("d").cum_sum().over("_claim")).alias("_n"))
        .filter(pl.col("_n") >= pl.col("_need"))
        .group_by("_claim")
        .agg(pl.col("day").min().alias("_reached"))
    )
    claims = claims.join(first, on="_claim", how="left").with_columns(
        pl.when(pl.col("_n0") >= pl.col("_need")).then(pl.col("due")).otherwise(pl.col("_reached")).alias("_reached")
    )
    claims = _not_eligible(
        ctx,
        rule,
        claims,
        pl.col("_reached").is_null() | (beds == 0),
        "occupancy_below_minimum",
        f"入住率未达 {pct(s)}（截至期末 {on}）",
        f"occupancy below {pct(s)} (up to {on})",
        pl.format("occupied={} beds={} min={}", pl.col("occupied_beds"), _txt("beds"), pl.lit(pct(s))),
    )
    return claims.with_columns(pl.col("_reached").alias("due")).drop("_claim", "_need", "_n0", "_reached")


def _due(ctx: Ctx, rule, df: pl.DataFrame) -> pl.DataFrame:
    """`due`: the day the last dated condition is met; claims missing a required date
    get an info finding and leave."""
    on = ctx.ref_date
    dated = []
    if opt(rule, "require_registered", on, False):
        dated.append(("registered_on", pl.col("registered_on"), "未登记备案", "not registered"))
    if opt(rule, "require_accepted", on, False):
        dated.append(("accepted", pl.col("accepted"), "未通过验收（改扩建为新增床位验收）", "not accepted"))
    months = opt(rule, "min_operating_months", on)
    if months is not None:
        dated.append(
            (
                "operating",
                pl.col("opened_on").dt.offset_by(f"{months}mo"),
                f"未投入运营，无法计算运营满 {months} 个月的日期",
                "not in operation",
            )
        )
    if not dated:
        dated.append(("accepted", pl.col("accepted"), "无验收日期", "no acceptance date"))
    for name, expr, zh, en in dated:
        df = _not_eligible(
            ctx,
            rule,
            df,
            expr.is_null(),
            f"missing_{name}",
            zh,
            en,
            pl.format(
                "registered_on={} accepted={} opened_on={}", _txt("registered_on"), _txt("accepted"), _txt("opened_on")
            ),
        )
    # the beds an expansion added fall due from their own acceptance: without that date, none
    df = _not_eligible(
        ctx,
        rule,
        df,
        (pl.col("claim") == "expansion") & pl.col("accepted").is_null(),
        "missing_expansion_accepted_on",
        "改扩建新增床位无验收日期",
        "expansion beds have no acceptance date",
        pl.format("expansion_beds={} expansion_accepted_on=空", pl.col("quantity")),
    )
    due = pl.max_horizontal([e for _, e, _, _ in dated])
    # an expansion's beds are due no earlier than their acceptance
    due = pl.max_horizontal(due, pl.when(pl.col("claim") == "expansion").then(pl.col("accepted")))
    return df.with_columns(due.alias("due"))


def _base_rate(ctx: Ctx, rule, df: pl.DataFrame) -> pl.DataFrame:
    """`base_rate_fen` from the band reached, the premises or the single rate."""
    on = ctx.ref_date
    if rule.has("rate_by_band"):
        try:
            table = value(rule, "rate_by_band", on)
        except Gap as g:
            ctx.gap(rule, g, df["institution_id"])
            return df.clear().with_columns(pl.lit(None, pl.Int64).alias("base_rate_fen"), pl.lit("").alias("band"))
        by = opt(rule, "band_by", on, "new_beds")
        qty = {
            "new_beds": pl.col("quantity"),
            "beds": pl.col("beds"),
            "occupied_beds": pl.col("occupied_beds"),
            "rating_level": pl.col("rating_level"),
        }[by]
        df = df.with_columns(band_of(qty, table).alias("band"))
        bands = ", ".join(b.text_zh() for b in parse_bands(table))
        df = _not_eligible(
            ctx,
            rule,
            df,
            pl.col("band").is_null(),
            "below_band",
            f"{_BY_ZH[by]}不在任何补贴档次内（{bands}）",
            f"{by} in no band ({', '.join(table)})",
            pl.format("{}={}", pl.lit(by), qty.cast(pl.String).fill_null("空")),
        )
        open_keys = [k for k, v in table.items() if v is None]
        for k in open_keys:
            ctx.gap(rule, "rate_by_band", df.filter(pl.col("band") == k)["institution_id"], key=k)
        df = df.filter(~pl.col("band").is_in(open_keys))
        rates = pl.DataFrame(
            {
                "band": [k for k in table if table[k] is not None],
                "base_rate_fen": [v for v in table.values() if v is not None],
            },
            schema={"band": pl.String, "base_rate_fen": pl.Int64},
        )
        return df.join(rates, on="band", how="left")
    if rule.has("rate_self_built") or rule.has("rate_leased"):
        parts = []
        for premises, name in (("self_built", "rate_self_built"), ("leased", "rate_leased")):
            part = df.filter(pl.col("premises") == premises)
            if not rule.has(name):
                _not_eligible(
                    ctx,
                    rule,
                    part,
                    pl.lit(True),
                    "premises_not_covered",
                    "用房性质不在补贴范围",
                    "premises not covered",
                    pl.format("premises={}", _txt("premises")),
                )
                continue
            try:
                rate = value(rule, name, on)
            except Gap as g:
                ctx.gap(rule, g, part["institution_id"])
                continue
            parts.append(part.with_columns(pl.lit(rate, pl.Int64).alias("base_rate_fen")))
        condition_findings(
            ctx,
            df,
            pl.col("premises").is_null(),
            rule,
            "missing_premises",
            "warning",
            "缺少用房性质（自有/租赁），无法确定补贴标准",
            "premises missing: no rate applies",
            pl.lit("premises=空"),
        )
        out = pl.concat(parts) if parts else df.clear().with_columns(pl.lit(None, pl.Int64).alias("base_rate_fen"))
        return out.with_columns(pl.lit(None, pl.String).alias("band"))
    rate = value(rule, "rate", on)
    return df.with_columns(pl.lit(rate, pl.Int64).alias("base_rate_fen"), pl.lit(None, pl.String).alias("band"))


_BY_ZH = {"new_beds": "新增床位数", "beds": "核定床位数", "occupied_beds": "入住床位数", "rating_level": "评定等级"}


def _modifiers(ctx: Ctx, rule, df: pl.DataFrame) -> pl.DataFrame:
    """`rate_fen` after the expansion / for-profit / public-private factors (their product,
    rounded once to the fen), `quantity` capped by approved beds, and a basis note."""
    on = ctx.ref_date
    num, den, note = pl.lit(1, pl.Int128), pl.lit(1, pl.Int128), pl.lit("")  # three shares of 10⁶ each: Int128
    for name, applies, zh in (
        ("expansion_share", pl.col("claim") == "expansion", "改扩建按"),
        ("forprofit_share", PROFIT_STATUS == "forprofit", "营利性按"),  # a blank 营利性质 is for-profit
        ("public_private_share", pl.col("ownership") == "public_private", "公建民营按"),
    ):
        try:
            share = opt(rule, name, on)
        except Gap as g:  # a blank 举办性质 may be the kind whose share is open
            open_share = applies.fill_null(name != "expansion_share")
            ctx.gap(rule, g, df.filter(open_share)["institution_id"])
            df = df.filter(~open_share)
            continue
        if share is None:
            continue
        s = Fraction(share)
        if name == "public_private_share":  # blank 举办性质: paid in full, and said, with the difference
            condition_findings(
                ctx,
                df,
                pl.col("ownership").is_null(),
                rule,
                "missing_ownership",
                "warning",
                f"未填写举办性质：按全额补助计；如属{zh[:-1]}，应按 {pct(s)} 计（{rule.citation}）",
                f"ownership blank: paid in full; if it applies, {pct(s)} is due ({rule.citation})",
                pl.format(
                    "ownership=空 beds={} overpaid_at_most={}",
                    pl.col("quantity"),
                    fen_text(
                        pl.col("quantity") * pl.col("base_rate_fen") * (s.denominator - s.numerator) // s.denominator
                    ),
                ),
            )
        hit = applies.fill_null(False)
        num = pl.when(hit).then(num * s.numerator).otherwise(num)
        den = pl.when(hit).then(den * s.denominator).otherwise(den)
        said = pl.lit(f"，{zh} {pct(s)}")
        if name == "forprofit_share":  # a blank 营利性质 read as for-profit is said
            said = said + pl.when(pl.col("profit_status").is_null()).then(pl.lit(PROFIT_BLANK_NOTE)).otherwise(
                pl.lit("")
            )
        note = note + pl.when(hit).then(said).otherwise(pl.lit(""))
    product = pl.col("base_rate_fen").cast(pl.Int128) * num
    df = df.with_columns(((product * 2 + den) // (2 * den)).cast(pl.Int64).alias("rate_fen"), note.alias("_note"))
    if opt(rule, "cap_beds_by_approved", on, False):
        over = pl.col("quantity") > pl.col("beds").fill_null(0)
        condition_findings(
            ctx,
            df,
            over,
            rule,
            "beds_capped",
            "info",
            "计补床位数超过核定床位数，按核定床位数计",
            "counted beds exceed approved beds; capped",
            pl.format("quantity={} beds={}", pl.col("quantity"), _txt("beds")),
        )
        df = df.with_columns(pl.min_horizontal("quantity", pl.col("beds").fill_null(0)).alias("quantity"))
    return df


def bed_subsidy(rule, tables: dict, ctx: Ctx) -> pl.DataFrame:
    """The period's lines of a one-time per-bed subsidy (see the module docstring)."""
    on, span = ctx.ref_date, ctx.span
    ctx.interpretations.add("bed_subsidy_due")
    inst = tables["institutions"].filter(pl.col("kind") == "institution")
    df = _claims(ctx, rule, inst)
    df = _static_conditions(ctx, rule, df, tables)
    df = _due(ctx, rule, df)
    df = _occupancy_reached(ctx, rule, df, tables)
    df = _base_rate(ctx, rule, df)
    if not df.height:
        return df.clear()
    df = _modifiers(ctx, rule, df)
    df = df.with_columns((pl.col("quantity") * pl.col("rate_fen")).alias("gross_fen"))
    cap = opt(rule, "cap_per_institution", on)
    # the cap is the institution's whole construction subsidy, not each claim's nor each year's:
    # what earlier periods paid (拨付) comes off it first, then the claims take what is left in
    # the order they fall due (new beds before expansion beds on one day)
    df = _paid_before(df, tables, span)
    room = (pl.lit(cap, pl.Int64) - _earlier_not_claimed()).clip(lower_bound=0)
    order = ["due", pl.col("claim") != "new"]
    before = (pl.col("gross_fen").cum_sum() - pl.col("gross_fen")).over("institution_id", order_by=order)
    capped_total = pl.min_horizontal("gross_fen", (room - before).clip(lower_bound=0))
    capped = pl.col("gross_fen") > capped_total if cap is not None else pl.lit(False)
    paid_note = (
        pl.when(_earlier_not_claimed() > 0)
        .then(pl.lit("（以前期间已拨付 ") + fen_text(_earlier_not_claimed()) + pl.lit(" 元计入上限）"))
        .otherwise(pl.lit(""))
    )
    df = df.with_columns(
        (capped_total if cap is not None else pl.col("gross_fen")).alias("total_fen"),
        pl.when(capped)
        .then(pl.lit(f"，最高不超过 {cap // 100:,} 元" if cap is not None else "") + paid_note)
        .otherwise(pl.lit(""))
        .alias("_cap_note"),
    )
    if cap is not None:  # a claim the institution's cap leaves nothing of: said, with its money
        condition_findings(
            ctx,
            df,
            (pl.col("total_fen") == 0) & (pl.col("gross_fen") > 0),
            rule,
            "cap_reached",
            "info",
            f"已达 {rule.citation} 单个机构补助上限（{cap // 100:,} 元），该部分床位不再补助",
            f"the institution's cap under {rule.citation} ({cap // 100:,} yuan) is reached: these beds get nothing",
            pl.format("claim={} beds={} amount={}", pl.col("claim"), pl.col("quantity"), fen_text(pl.col("gross_fen"))),
        )
    stages = _stages(ctx, rule, df)
    if not stages.height:
        return stages
    later = stages.filter(pl.col("stage_due") > span.end)
    condition_findings(
        ctx,
        later.filter(pl.col("stage") == pl.col("stage").min().over("institution_id", "claim")),
        pl.lit(True),
        rule,
        "not_yet_due",
        "info",
        f"{rule.citation} 的补贴尚未到期（见到期日），本期不列",
        f"the subsidy under {rule.citation} is not yet due",
        pl.format("claim={} due={} amount={}", pl.col("claim"), pl.col("stage_due"), fen_text(pl.col("amount_fen"))),
    )
    past = pl.col("stage_due") < span.start
    claim = ["institution_id", "claim"]
    agg = (
        stages.group_by(claim)
        .agg(
            pl.col("amount_fen").filter(past).sum(),
            pl.col("stage_due").filter(past).min().alias("first_due"),
            pl.col("stage_due").max().alias("last_due"),
            pl.col("quantity").first(),
        )
        .filter(pl.col("amount_fen") > 0)
    )
    wholly = pl.col("last_due") < span.start
    evidence = pl.format(
        "claim={} beds={} first_due={} amount={}",
        pl.col("claim"),
        pl.col("quantity"),
        pl.col("first_due"),
        fen_text(pl.col("amount_fen")),
    )
    condition_findings(
        ctx,
        agg,
        wholly,
        rule,
        "overdue_unpaid",
        "warning",
        f"按 {rule.citation} 以前期间已到期、但数据未记为已补贴的床位补贴，请核实是否已在本台账外发放",
        f"bed subsidy under {rule.citation} fell due before this period and the data does not record the beds "
        "as subsidised; check whether it was paid outside this ledger",
        evidence,
    )
    condition_findings(
        ctx,
        agg,
        ~wholly,
        rule,
        "earlier_stages",
        "info",
        f"按 {rule.citation} 分期拨付，以前期间已到期的各期应已在当期列出，请核实已发放",
        f"staged payment under {rule.citation}: stages due in earlier periods should have been paid then; check",
        evidence,
    )
    lines = stages.filter((pl.col("stage_due") >= span.start) & (pl.col("stage_due") <= span.end))
    if cap is not None:
        _cap_history_unknown(ctx, rule, lines)
    return _lines(ctx, rule, lines)


def _paid_before(df: pl.DataFrame, tables: dict, span) -> pl.DataFrame:
    """`_paid_before`: the institution's construction payments (拨付) for periods that end
    before the run's (null: the data has none), and `_owed_before`: the gross of this run's
    claims that fell due before it — the same money when those claims were paid then."""
    from audit import dates

    start = span.start.year * 12 + span.start.month - 1
    pay = tables.get("payments")
    if pay is not None and pay.height:
        paid = (
            dates.month_spans(pay.filter(pl.col("program") == "construction"))
            .filter(pl.col("m1") < start)
            .group_by("institution_id")
            .agg(pl.col("amount_fen").sum().alias("_paid_before"))
        )
    else:
        paid = pl.DataFrame(schema={"institution_id": pl.String, "_paid_before": pl.Int64})
    owed = pl.col("gross_fen").filter(pl.col("due") < span.start).sum().over("institution_id")
    return df.join(paid, on="institution_id", how="left").with_columns(owed.alias("_owed_before"))


def _earlier_not_claimed() -> pl.Expr:
    """Money earlier periods paid beyond this run's own earlier claims: it went to beds the
    run does not see (those recorded as subsidised before) and counts against the cap."""
    return (pl.col("_paid_before").fill_null(0) - pl.col("_owed_before")).clip(lower_bound=0)


def _cap_history_unknown(ctx: Ctx, rule, lines: pl.DataFrame) -> None:
    """Beds subsidised before with no record of what they were paid: the cap cannot be
    checked, so this period's money for the institution may lie beyond it (a warning with
    that money, not a silent full payment)."""
    unknown = (
        lines.filter((pl.col("beds_subsidized_before").fill_null(0) > 0) & pl.col("_paid_before").is_null())
        .group_by("institution_id")
        .agg(pl.col("beds_subsidized_before").first(), pl.col("amount_fen").sum())
    )
    condition_findings(
        ctx,
        unknown,
        pl.lit(True),
        rule,
        "cap_history_unknown",
        "warning",
        f"已有床位享受过建设补贴，但拨付表中没有以前期间的建设补贴拨付记录，无法核对 {rule.citation} 的单个机构补助上限："
        "本期金额可能部分或全部超出上限（补录以前拨付后重新核算）",
        f"some beds were subsidised before but the payments hold no earlier construction payment, so the "
        f"institution's cap under {rule.citation} cannot be checked: this period's money may lie beyond it "
        "(add the earlier payments and run again)",
        pl.format(
            "beds_subsidized_before={} amount={}", pl.col("beds_subsidized_before"), fen_text(pl.col("amount_fen"))
        ),
    )


def _stages(ctx: Ctx, rule, df: pl.DataFrame) -> pl.DataFrame:
    """One row per stage: `stage`, `stage_due`, `amount_fen` (largest-remainder split of
    the total, so the stages add up to the fen)."""
    on = ctx.ref_date
    shares = opt(rule, "stage_shares", on) or {1: Fraction(1)}
    after = opt(rule, "stage_after_months", on) or {}
    keys = sorted(shares)
    missing = [k for k in keys if shares[k] is None or (len(keys) > 1 and after.get(k) is None)]
    if missing:
        raise Gap("stage_shares" if shares.get(missing[0]) is None else "stage_after_months")
    weights = []
    den = 1
    for k in keys:
        den = den * Fraction(shares[k]).denominator // _gcd(den, Fraction(shares[k]).denominator)
    weights = [int(Fraction(shares[k]) * den) for k in keys]
    parts = split_largest_remainder_expr(pl.col("total_fen"), [pl.lit(w, pl.Int64) for w in weights])
    out = []
    for i, k in enumerate(keys):
        months = after.get(k, 0) or 0
        out.append(
            df.with_columns(
                pl.lit(k, pl.Int64).alias("stage"),
                pl.lit(len(keys), pl.Int64).alias("n_stages"),
                pl.lit(pct(Fraction(shares[k]))).alias("stage_share"),
                (pl.col("due").dt.offset_by(f"{months}mo") if months else pl.col("due")).alias("stage_due"),
                parts[i].alias("amount_fen"),
            )
        )
    return pl.concat(out)


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def _lines(ctx: Ctx, rule, lines: pl.DataFrame) -> pl.DataFrame:
    if not lines.height:
        return lines
    payer = value(rule, "payer", ctx.ref_date)
    item = pl.when(pl.col("claim") == "expansion").then(pl.lit("expansion_beds")).otherwise(
        pl.lit("new_beds")
    ) + pl.when(pl.col("n_stages") > 1).then(pl.lit("_stage_") + pl.col("stage").cast(pl.String)).otherwise(pl.lit(""))
    band = pl.when(pl.col("band").is_not_null()).then(pl.lit("，档次 ") + pl.col("band")).otherwise(pl.lit(""))
    stage = (
        pl.when(pl.col("n_stages") > 1)
        .then(
            pl.format("；第 {} 期（共 {} 期）按 {}", pl.col("stage"), pl.col("n_stages"), pl.col("stage_share"))
            + pl.lit(" = ")
            + fen_text(pl.col("amount_fen"))
            + pl.lit(" 元")
        )
        .otherwise(pl.lit(""))
    )
    return lines.with_columns(
        pl.lit(PROGRAM).alias("program"),
        item.alias("item"),
        pl.lit(ctx.period_label).alias("period"),
        pl.lit(payer).alias("payer"),
        pl.lit(rule.id).alias("rule"),
        pl.lit(rule.citation).alias("citation"),
        (
            pl.format("{} 床 × ", pl.col("quantity"))
            + fen_text(pl.col("base_rate_fen"))
            + pl.lit(" 元/床")
            + band
            + pl.col("_note")
            + pl.when(pl.col("rate_fen") != pl.col("base_rate_fen"))
            .then(pl.lit("（= ") + fen_text(pl.col("rate_fen")) + pl.lit(" 元/床）"))
            .otherwise(pl.lit(""))
            + pl.lit(" = ")
            + fen_text(pl.col("gross_fen"))
            + pl.lit(" 元")
            + pl.col("_cap_note")
            + stage
            + pl.format("（到期日 {}）", pl.col("stage_due"))
        ).alias("basis"),
    )


# ---------------------------------------------------------------- the kinds, declared once

_BED_SUBSIDY = (
    "rate",
    "rate_by_band",
    "band_by",
    "rate_self_built",
    "rate_leased",
    "forprofit_share",
    "public_private_share",
    "cap_per_institution",
    "min_operating_months",
    "stage_shares",
    "stage_after_months",
)
_EXPANSION = (
    "rate",
    "rate_by_band",
    "band_by",
    "expansion_share",
    "forprofit_share",
    "min_operating_months",
    "stage_shares",
    "stage_after_months",
)
KINDS = [
    Kind(
        "bed_subsidy",
        "一次性床位补贴（分档、分期）",
        "one-time bed subsidy (tiers, stages)",
        params={
            "eligible_ownership": {"set"},
            "require_registered": {"bool"},
            "require_accepted": {"bool"},
            "require_newly_built": {"bool"},
            "eligible_premises": {"set"},
            "bed_count": {"text"},
            "band_by": {"text"},
            "rate": {"yuan/bed"},
            "rate_by_band": {"table:yuan/bed"},
            "rate_self_built": {"yuan/bed"},
            "rate_leased": {"yuan/bed"},
            "expansion_share": {"share"},
            "forprofit_share": {"share"},
            "public_private_share": {"share"},
            "cap_per_institution": {"yuan"},
            "cap_beds_by_approved": {"bool"},
            "min_operating_months": {"months"},
            "min_occupancy": {"share"},
            "leased_min_years": {"years"},
            "leased_land_min_years": {"years"},
            "min_rating_level": {"level"},
            "require_basic_beds_agreement": {"bool"},
            "stage_shares": {"table:share"},
            "stage_after_months": {"table:months"},
            "payer": {"payer"},
        },
        program=PROGRAM,
        compute=bed_subsidy,
        items=(
            Item("new_beds", "新增床位", "new beds", _BED_SUBSIDY),
            Item("new_beds_stage_", "新增床位（第 {n} 期）", "new beds (stage {n})", _BED_SUBSIDY),
            Item("expansion_beds", "改扩建新增床位", "expansion beds", _EXPANSION),
            Item("expansion_beds_stage_", "改扩建新增床位（第 {n} 期）", "expansion beds (stage {n})", _EXPANSION),
        ),
        reads=(
            *ELIGIBILITY_READS,
            *columns("institutions", "beds", "beds_subsidized_before", "expansion_beds"),
        ),
        reads_with={
            "eligible_premises": columns("institutions", "premises"),
            "rate_leased": columns("institutions", "premises"),
            "leased_min_years": columns("institutions", "premises", "lease_years"),
            "leased_land_min_years": columns("institutions", "premises", "lease_of", "lease_years"),
            "min_rating_level": columns("institutions", "rating_level"),
            "forprofit_share": columns("institutions", "profit_status"),
            "expansion_share": columns("institutions", "expansion_beds", "expansion_accepted_on"),
            "require_basic_beds_agreement": columns("institutions", "basic_beds_agreement"),
            "require_newly_built": columns("institutions", "newly_built"),
            "bed_count": columns("institutions", "nursing_beds"),
            "min_occupancy": columns("residents", "admitted_on", "discharged_on"),
        },
        interpretations=INTERPRETATIONS,
        checklist=construction_checklist,
    ),
]
