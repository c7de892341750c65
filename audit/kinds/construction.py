"""Construction subsidies 建设补贴: per-bed subsidy (lump sum or a leased schedule),
the nursing-type bonus and the renovation share.

Interpretations (stated in the manifest):
- Parameters are taken as in force on the settlement period's last day (the reference
  date; a year's: 31 December).
- A per-bed subsidy falls due on the day the institution first meets every required
  condition: the latest of registered_on / accepted_on / opened_on (those the rule
  requires), and is listed in the period holding that day. A leased schedule of N
  years pays one line a year, on that day and its anniversaries; a period holds the
  lines falling due in it (a calendar year Y: exactly the schedule's year-Y line).
- Conditions are reported only for institutions that could be due in the run period
  (latest known date inside the schedule window, or no date at all) and have beds
  to claim, so old institutions do not repeat findings every year.
- The nursing-type bonus is one-time: occupancy is read at the period end and at the
  ends of the earlier periods of the same length (a year: earlier year ends).
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import polars as pl

from audit.dates import Period
from audit.kinds.base import ELIGIBILITY, ELIGIBILITY_READS, Item, Kind, columns
from audit.kinds.common import (
    INSTITUTION,
    PROFIT_BLANK_NOTE,
    PROFIT_STATUS,
    Ctx,
    Gap,
    condition_findings,
    fen_text,
    opt,
    param_text,
    pct,
    share_weights,
    t,
    value,
)
from audit.i18n import PAYERS, words
from audit.money import mul_share_expr, split_largest_remainder_expr

PROGRAM = "construction"
MAX_LOOKBACK_YEARS = 30  # earlier year ends checked for a one-time bonus already due
PAYER_ZH = words(PAYERS, "zh")
INTERPRETATIONS = {
    "renovation_one_time": (
        "敬老院改造补助按输入中有投资决算额、且评定等级达标的机构在核算期间列出（输入无决算日期）；"
        "输入应只包含本期间完成决算的改造项目。",
        "The renovation grant is listed in the run period for every home in the input with a final investment "
        "and the required rating (the input has no date for it); the input should hold only renovations whose "
        "final account closed in that period.",
    ),
    "construction_due_year": (
        "建设补贴在机构首次满足全部条件（登记备案、竣工验收、投入运营中最晚日期）之日到期，列入该日所在的核算期间；"
        "租赁用房分年补贴自该日起每满一年一行，核算期间只列其中到期的行。参数取核算期间最后一天有效的值。",
        "A construction subsidy falls due on the day all conditions are first met (latest of "
        "registration, acceptance, opening) and is listed in the period holding it; a leased schedule pays "
        "one line a year from then, on the anniversaries; a period holds the lines due in it. Parameters as "
        "in force on the period's last day.",
    ),
    "nursing_occupancy": (
        "护理型机构入住率 = 参考日（核算期间最后一天）在院且能力等级属护理等级的老人数 ÷ 核定床位数；"
        "一次性奖励只在首次达标的期间列出（自应付日起逐期末核对，期间等长：按年核算即逐年末）。",
        "Nursing occupancy = residents in residence on the reference date (the period's last day) with a "
        "nursing care level ÷ approved beds; the one-time bonus is listed in the period it is first reached "
        "at the end of (earlier period ends of the same length are checked: year ends for a year).",
    ),
}


def _txt(*cols: str) -> list[pl.Expr]:
    """Columns as text for evidence, an empty value shown as 空 (pl.format drops nulls)."""
    return [pl.col(c).cast(pl.String).fill_null("空") for c in cols]


def _payer_lines(ctx: Ctx, rule, lines: pl.DataFrame) -> pl.DataFrame:
    """Split each line's amount between the rule's payers (largest remainder, to the fen)."""
    on = ctx.ref_date
    shares = opt(rule, "payer_shares", on)
    if not shares:
        payer = value(rule, "payer", on)
        return lines.with_columns(
            pl.lit(payer).alias("payer"), (pl.col("basis") + pl.lit(f"；{PAYER_ZH.get(payer, payer)}")).alias("basis")
        )
    missing = [p for p, s in shares.items() if s is None]
    if missing:
        raise Gap(f"payer_shares.{missing[0]}")
    payers, weights = share_weights({p: Fraction(s) for p, s in shares.items()})
    parts = split_largest_remainder_expr(pl.col("amount_fen"), [pl.lit(w, pl.Int64) for w in weights])
    split = lines.with_columns(p.alias(f"_part_{i}") for i, p in enumerate(parts))
    out = []
    for i, payer in enumerate(payers):
        out.append(
            split.with_columns(
                pl.lit(payer).alias("payer"),
                pl.col(f"_part_{i}").alias("amount_fen"),
                pl.lit(None, pl.Int64).alias("rate_fen"),
                (
                    pl.col("basis")
                    + pl.lit(f"；{PAYER_ZH.get(payer, payer)} {pct(Fraction(shares[payer]))} = ")
                    + fen_text(pl.col(f"_part_{i}"))
                    + pl.lit(" 元")
                ).alias("basis"),
            )
        )
    return pl.concat(out).drop([f"_part_{i}" for i in range(len(payers))])


def _scope(ctx: Ctx, rule, inst: pl.DataFrame, relevant: pl.Expr) -> pl.Expr:
    """In scope of the clause (kind, ownership, newly built); out-of-scope institutions
    with beds to claim get an info `not_eligible` finding. Returns the in-scope mask."""
    on = ctx.ref_date
    ownership = opt(rule, "eligible_ownership", on)
    scope = pl.col("kind") == "institution"
    if ownership:
        scope = scope & pl.col("ownership").is_in(sorted(ownership))
    if opt(rule, "require_newly_built", on, False):
        scope = scope & pl.col("newly_built").fill_null(False)
    scope = scope.fill_null(False)
    condition_findings(
        ctx,
        inst,
        relevant & ~scope,
        rule,
        "not_eligible",
        "info",
        f"不属于 {rule.citation} 的补贴范围（机构类型、举办性质或非新建）",
        f"not covered by {rule.citation} (kind, ownership or not newly built)",
        pl.format("kind={} ownership={} newly_built={}", *_txt("kind", "ownership", "newly_built")),
    )
    return scope


def _conditions(ctx: Ctx, rule, inst: pl.DataFrame, relevant: pl.Expr, severity="info") -> pl.Expr:
    """Registration, acceptance, operation, bed minimum, lease term: each failure is an
    info finding (the applicant is simply not eligible; no payment is held — issue 11).
    Returns the all-conditions-met mask."""
    on = ctx.ref_date
    ok = pl.lit(True)
    checks = []
    if opt(rule, "require_registered", on, False):
        checks.append(
            (
                "not_registered",
                pl.col("registered_on").is_null() | (pl.col("registered_on") > on),
                "未依法登记或备案",
                "not registered or filed",
                pl.format("registered_on={}", *_txt("registered_on")),
            )
        )
    if opt(rule, "require_accepted", on, False):
        checks.append(
            (
                "not_accepted",
                pl.col("accepted_on").is_null() | (pl.col("accepted_on") > on),
                "未通过竣工验收",
                "not accepted on completion",
                pl.format("accepted_on={}", *_txt("accepted_on")),
            )
        )
    if opt(rule, "require_operating", on, False):
        checks.append(
            (
                "not_operating",
                pl.col("opened_on").is_null() | (pl.col("opened_on") > on),
                "未投入运营",
                "not in operation",
                pl.format("opened_on={}", *_txt("opened_on")),
            )
        )
    min_beds = opt(rule, "min_beds", on)
    if min_beds is not None:
        checks.append(
            (
                "bed_minimum",
                pl.col("beds").fill_null(0) < min_beds,
                f"床位数不足 {min_beds} 张",
                f"fewer than {min_beds} beds",
                pl.format("beds={} min_beds={}", *_txt("beds"), pl.lit(min_beds)),
            )
        )
    min_years = opt(rule, "leased_min_years", on)
    if min_years is not None:
        checks.append(
            (
                "lease_term",
                (pl.col("premises") == "leased") & (pl.col("lease_years").fill_null(0) < min_years),
                f"租赁用房租期不足 {min_years} 年",
                f"lease term shorter than {min_years} years",
                pl.format("lease_years={} min_years={}", *_txt("lease_years"), pl.lit(min_years)),
            )
        )
    for kind, failed, zh, en, evidence in checks:
        failed = failed.fill_null(True)
        condition_findings(
            ctx,
            inst,
            relevant & failed,
            rule,
            kind,
            severity,
            f"{zh}，不能享受 {rule.citation} 的补贴",
            f"{en}: no subsidy under {rule.citation}",
            evidence,
        )
        ok = ok & ~failed
    return ok


def _due_date(ctx: Ctx, rule) -> pl.Expr:
    """Latest of the dates the rule requires (all three when it requires none)."""
    on = ctx.ref_date
    cols = [
        c
        for c, p in (
            ("registered_on", "require_registered"),
            ("accepted_on", "require_accepted"),
            ("opened_on", "require_operating"),
        )
        if opt(rule, p, on, False)
    ]
    return pl.max_horizontal(cols or ["registered_on", "accepted_on", "opened_on"])


def _rates(ctx: Ctx, rule, df: pl.DataFrame, rate_names: dict) -> pl.DataFrame:
    """Attach `base_rate_fen` by premises and `rate_fen` after the for-profit share;
    institutions whose rate is a gap get a policy_gap finding and are dropped."""
    on = ctx.ref_date
    keep = []
    for premises, name in rate_names.items():
        part = df.filter(pl.col("premises") == premises)
        if not part.height:
            continue
        try:
            rate = value(rule, name, on, required=False)
        except Gap as g:
            ctx.gap(rule, g, part["institution_id"])
            continue
        if rate is None:  # the clause does not pay this kind of premises
            continue
        keep.append(part.with_columns(pl.lit(rate, pl.Int64).alias("base_rate_fen")))
    if not keep:
        return df.clear().with_columns(
            pl.lit(None, pl.Int64).alias("base_rate_fen"),
            pl.lit(None, pl.Int64).alias("rate_fen"),
            pl.lit("").alias("basis"),
        )
    df = pl.concat(keep)
    forprofit = PROFIT_STATUS == "forprofit"  # a blank 营利性质 is for-profit (audit.stake says the rest)
    share = None
    try:
        share = opt(rule, "forprofit_share", on)
    except Gap as g:  # a blank 营利性质 is read as for-profit: its rate is as open as theirs
        ctx.gap(rule, g, df.filter(forprofit)["institution_id"])
        df = df.filter(~forprofit)
    if share is not None:
        reduced = mul_share_expr(pl.col("base_rate_fen"), Fraction(share))
        note = (
            pl.lit(f"（营利性按 {pct(Fraction(share))}：")
            + fen_text(pl.col("base_rate_fen"))
            + pl.lit(f" × {pct(Fraction(share))} = ")
            + fen_text(reduced)
            + pl.lit(" 元/床）")
            + pl.when(pl.col("profit_status").is_null()).then(pl.lit(PROFIT_BLANK_NOTE)).otherwise(pl.lit(""))
        )
        return df.with_columns(
            pl.when(forprofit).then(reduced).otherwise(pl.col("base_rate_fen")).alias("rate_fen"),
            pl.when(forprofit).then(note).otherwise(pl.lit("")).alias("_rate_note"),
        )
    return df.with_columns(pl.col("base_rate_fen").alias("rate_fen"), pl.lit("").alias("_rate_note"))


def construction_per_bed(rule, tables: dict, ctx: Ctx) -> pl.DataFrame:
    """Per-bed construction subsidy lines falling due in the run period."""
    on, span = ctx.ref_date, ctx.span
    inst = tables["institutions"].with_columns(
        (pl.col("beds").fill_null(0) - pl.col("beds_subsidized_before").fill_null(0))
        .clip(lower_bound=0)
        .alias("quantity")
    )
    n_years = max(1, opt(rule, "leased_schedule_years", on, 1) or 1)
    window = n_years if rule.has("rate_leased") else 1
    known = pl.max_horizontal("registered_on", "accepted_on", "opened_on")
    earliest = date(span.start.year - window + 1, span.start.month, 1)  # a year: 1 Jan of year − window + 1
    relevant = (pl.col("quantity") > 0) & (known.is_null() | ((known <= on) & (known >= earliest)))
    scope = _scope(ctx, rule, inst, relevant)
    ok = _conditions(ctx, rule, inst.filter(scope), relevant)
    ctx.interpretations.add("construction_due_year")
    due = _due_date(ctx, rule)
    # a later part of a leased schedule is kept even when beds_subsidized_before leaves it no
    # beds: those beds may be the ones its first part paid (see _later_part_beds_held)
    held = pl.col("beds").fill_null(0) - pl.col("quantity")
    elig = (
        inst.filter(scope)
        .filter(ok & (pl.col("beds").fill_null(0) > 0) & due.is_not_null() & (due <= on))
        .with_columns(due.dt.year().alias("due_year"))
    )
    # the schedule's lines due in the period: self-built pays once on the due day, leased
    # n_years times, on the due day and its anniversaries (a year Y: exactly the line k = Y − due year + 1)
    schedule = pl.DataFrame({"k": list(range(1, n_years + 1))}, schema={"k": pl.Int64})
    elig = (
        elig.join(schedule, how="cross")
        .filter(pl.col("k") <= pl.when(pl.col("premises") == "leased").then(n_years).otherwise(1))
        .with_columns(due.dt.offset_by(pl.format("{}y", pl.col("k") - 1)).alias("_line_due"))
        .filter((pl.col("_line_due") >= span.start) & (pl.col("_line_due") <= span.end))
        .filter((pl.col("quantity") > 0) | ((pl.col("k") > 1) & (held > 0)))
    )
    if not elig.height:
        return elig.clear()
    condition_findings(
        ctx,
        elig,
        pl.col("premises").is_null() & (pl.col("quantity") > 0),
        rule,
        "missing_premises",
        "warning",
        "缺少用房性质（自建/租赁），无法确定补贴标准",
        "premises (self-built/leased) missing: no rate applies",
        pl.lit("premises=空"),
    )
    priced = _rates(ctx, rule, elig, {"self_built": "rate_self_built", "leased": "rate_leased"})
    _later_part_beds_held(ctx, rule, priced.filter(pl.col("k") > 1), n_years)
    priced = priced.filter(pl.col("quantity") > 0)
    if not priced.height:
        return priced
    leased_item = pl.lit("leased_beds") if n_years == 1 else pl.lit("leased_beds_year_") + pl.col("k").cast(pl.String)
    sched = (
        pl.lit("")
        if n_years == 1
        else pl.lit(f"；租赁用房按年补贴 {n_years} 年，第 ") + pl.col("k").cast(pl.String) + pl.lit(" 年")
    )
    lines = priced.with_columns(
        pl.lit(PROGRAM).alias("program"),
        pl.when(pl.col("premises") == "leased").then(leased_item).otherwise(pl.lit("self_built_beds")).alias("item"),
        pl.lit(ctx.period_label).alias("period"),
        (pl.col("quantity") * pl.col("rate_fen")).alias("amount_fen"),
    ).with_columns(
        (
            pl.format("{} 床 × ", pl.col("quantity"))
            + fen_text(pl.col("rate_fen"))
            + pl.lit(" 元/床 = ")
            + fen_text(pl.col("amount_fen"))
            + pl.lit(" 元")
            + pl.col("_rate_note")
            + pl.when(pl.col("premises") == "leased").then(sched).otherwise(pl.lit(""))
            + pl.format("（应付年度 {}）", pl.col("due_year"))
        ).alias("basis")
    )
    return _finish(ctx, rule, lines)


def _later_part_beds_held(ctx: Ctx, rule, later: pl.DataFrame, n_years: int) -> None:
    """A later yearly part of a leased schedule (连补N年) pays the beds its first part paid; each part
    is priced as beds − beds_subsidized_before at the time of the run, so a bureau that recorded the
    first part's beds as subsidised would zero years 2..N. The column cannot say whose subsidy those
    beds had (this schedule's first part, or an earlier one), so nothing is added: a warning names
    the home and the money those beds carry in this part (beds × the part's rate)."""
    held = pl.min_horizontal(pl.col("beds_subsidized_before").fill_null(0), pl.col("beds").fill_null(0))
    condition_findings(
        ctx,
        later.with_columns((held * pl.col("rate_fen")).alias("_held_fen")),
        held > 0,
        rule,
        "lease_part_beds_subsidised",
        "warning",
        f"租赁用房按年补贴（连补 {n_years} 年）的以后年度：已享受建设补贴床位数未计入本年补贴。"
        f"如这些床位正是 {rule.citation} 前几年已补的床位，本年仍应按核定床位数补助（金额见证据）；"
        "请核实，如属本项补贴，填写第 1 年补贴前的已享受建设补贴床位数后重新核算",
        f"a later year of a leased schedule (paid for {n_years} years): the beds recorded as subsidised before "
        f"are left out of this year. If they are the beds {rule.citation} paid in an earlier year, this year is "
        "still due on the approved beds (the amount in the evidence); check, and if so enter the beds "
        "subsidised before the first year and run again",
        pl.format(
            "year={} beds={} beds_subsidized_before={} amount={}",
            pl.col("k"),
            *_txt("beds", "beds_subsidized_before"),
            fen_text(pl.col("_held_fen")),
        ),
    )


def _finish(ctx: Ctx, rule, lines: pl.DataFrame) -> pl.DataFrame:
    lines = lines.with_columns(pl.lit(rule.id).alias("rule"), pl.lit(rule.citation).alias("citation"))
    try:
        return _payer_lines(ctx, rule, lines)
    except Gap as g:
        ctx.gap(rule, g, lines["institution_id"])
        return lines.clear()


def nursing_type_bonus(rule, tables: dict, ctx: Ctx) -> pl.DataFrame:
    """One-time per-bed bonus for nursing-type institutions whose nursing occupancy on the
    reference date (the period's last day) reaches the threshold."""
    on = ctx.ref_date
    ctx.interpretations.add("nursing_occupancy")
    try:
        levels = value(rule, "nursing_care_levels", on)
        threshold = Fraction(value(rule, "min_nursing_occupancy", on))
    except Gap as g:
        ids = tables["institutions"].filter(pl.col("nursing_type").fill_null(False))["institution_id"]
        ctx.gap(rule, g, ids)
        return tables["institutions"].clear()
    res = tables["residents"]
    nursing = _nursing_count(res, levels, on)
    inst = (
        tables["institutions"]
        .join(nursing, on="institution_id", how="left")
        .with_columns(pl.col("nursing_residents").fill_null(0), pl.col("beds").fill_null(0).alias("quantity"))
    )
    candidates = pl.col("nursing_type").fill_null(False) & (pl.col("quantity") > 0)
    scope = _scope(ctx, rule, inst, candidates)
    inst = inst.filter(scope & candidates)
    ok = _conditions(ctx, rule, inst, pl.lit(True))
    inst = inst.filter(ok)
    # exact comparison: nursing / beds ≥ p/q  ⇔  nursing × q ≥ p × beds
    reached = pl.col("nursing_residents") * threshold.denominator >= pl.col("quantity") * threshold.numerator
    condition_findings(
        ctx,
        inst,
        ~reached,
        rule,
        "nursing_occupancy",
        "info",
        f"护理型机构入住率未达 {pct(threshold)}，暂不享受护理型床位奖励",
        f"nursing occupancy below {pct(threshold)}: no nursing-type bonus yet",
        pl.format(
            "nursing_residents={} beds={} date={}",
            pl.col("nursing_residents"),
            pl.col("quantity"),
            pl.lit(on.isoformat()),
        ),
    )
    inst = _not_reached_before(ctx, rule, inst.filter(reached), res, levels, threshold)
    if not inst.height:
        return inst
    priced = _rates(ctx, rule, inst, {"self_built": "rate_self_built", "leased": "rate_leased"})
    if not priced.height:
        return priced
    lines = priced.with_columns(
        pl.lit(PROGRAM).alias("program"),
        pl.lit("nursing_type_bonus").alias("item"),
        pl.lit(ctx.period_label).alias("period"),
        (pl.col("quantity") * pl.col("rate_fen")).alias("amount_fen"),
    ).with_columns(
        (
            pl.format("{} 床 × ", pl.col("quantity"))
            + fen_text(pl.col("rate_fen"))
            + pl.lit(" 元/床 = ")
            + fen_text(pl.col("amount_fen"))
            + pl.lit(" 元")
            + pl.col("_rate_note")
            + pl.format(
                "（护理老人 {} 人 ÷ 核定床位 {} 张，达到 {}）",
                pl.col("nursing_residents"),
                pl.col("quantity"),
                pl.lit(pct(threshold)),
            )
        ).alias("basis")
    )
    return _finish(ctx, rule, lines)


def _nursing_count(res: pl.DataFrame, levels, on: date) -> pl.DataFrame:
    """Residents in residence on `on` with a nursing care level, per institution (lazy: the
    filter copies only the four columns it needs, not every column of 2.5 M stays)."""
    return (
        res.lazy()
        .filter(
            (pl.col("admitted_on") <= on)
            & (pl.col("discharged_on").is_null() | (pl.col("discharged_on") > on))
            & pl.col("care_level").is_in(sorted(levels))
        )
        .group_by("institution_id")
        .agg(pl.len().cast(pl.Int64).alias("nursing_residents"))
        .collect()
    )


def _not_reached_before(ctx: Ctx, rule, inst: pl.DataFrame, res: pl.DataFrame, levels, threshold) -> pl.DataFrame:
    """The bonus is one-time: drop institutions whose occupancy already reached the
    threshold at an earlier period end (periods of the run's length: year ends for a
    year) since they became due — they were due then."""
    span = ctx.span
    inst = inst.with_columns(_due_date(ctx, rule).alias("due_on"))
    due_on = inst["due_on"].drop_nulls()
    if not inst.height or not due_on.len():
        return inst
    # only the candidates' residents, once, instead of every resident for each check point
    res = res.select("institution_id", "admitted_on", "discharged_on", "care_level").join(
        inst.select("institution_id"), on="institution_id", how="semi"
    )
    n, ends, k = span.n_months, [], 1
    while len(ends) < MAX_LOOKBACK_YEARS * 12 // n:
        back = span.end.year * 12 + span.end.month - 1 - k * n
        end = Period.parse(f"{back // 12}-{back % 12 + 1:02d}").end
        if end < due_on.min():
            break
        ends.append(end)
        k += 1
    if not ends:
        return inst
    # a year's check points are named by their year (as in the year-by-year reading), others by date
    name = (lambda d: str(d.year)) if ctx.period is None else (lambda d: d.isoformat())
    earlier = [
        _nursing_count(res, levels, d).with_columns(pl.lit(d).alias("checked_on"), pl.lit(name(d)).alias("_name"))
        for d in ends
    ]
    before = (
        pl.concat(earlier)
        .join(inst.select("institution_id", "quantity", "due_on"), on="institution_id")
        .filter(
            (pl.col("checked_on") >= pl.col("due_on"))
            & (pl.col("nursing_residents") * threshold.denominator >= pl.col("quantity") * threshold.numerator)
        )
        .group_by("institution_id")
        .agg(pl.col("_name").sort_by("checked_on").first().alias("first_year"))
    )
    hit = inst.join(before, on="institution_id")
    condition_findings(
        ctx,
        hit,
        pl.lit(True),
        rule,
        "nursing_bonus_earlier",
        "info",
        "护理型床位奖励为一次性补助：入住率在以前年度末已达标，应在该年度发放，本年度不再列出"
        if ctx.period is None
        else "护理型床位奖励为一次性补助：入住率在以前期末已达标，应在该期发放，本期不再列出",
        "the nursing-type bonus is one-time: occupancy already reached the threshold at an earlier year end, "
        "so it was due then and is not listed again"
        if ctx.period is None
        else "the nursing-type bonus is one-time: occupancy already reached the threshold at an earlier period end, "
        "so it was due then and is not listed again",
        pl.format("first_year={}", pl.col("first_year")),
    )
    return inst.join(before, on="institution_id", how="anti")


def renovation_share(rule, tables: dict, ctx: Ctx) -> pl.DataFrame:
    """Share of the final investment of a renovated 敬老院 that reached the rating level."""
    on = ctx.ref_date
    inst = tables["institutions"].filter(pl.col("investment_final_fen").fill_null(0) > 0)
    if not inst.height:
        return inst
    ctx.interpretations.add("renovation_one_time")
    # the clause is for 敬老院 (特困人员供养服务机构): another home's investment is no renovation grant
    evidence = pl.format("is_tekun={} investment_final={}", *_txt("is_tekun"), fen_text(pl.col("investment_final_fen")))
    condition_findings(
        ctx,
        inst,
        pl.col("is_tekun").is_null(),
        rule,
        "not_eligible",
        "warning",
        f"填有投资决算额，但未填写是否特困供养机构（敬老院）：{rule.citation} 的改造补助只补敬老院，暂不计发；"
        "如属敬老院，请填“是”后重新核算",
        f"a final investment is given but not whether it is a 敬老院 (特困供养机构): {rule.citation} pays "
        "renovated 敬老院 only, so nothing is paid; fill it in and run again",
        evidence,
    )
    condition_findings(
        ctx,
        inst,
        pl.col("is_tekun").not_(),
        rule,
        "not_eligible",
        "info",
        f"不属于 {rule.citation} 的补助范围（非敬老院）",
        f"not covered by {rule.citation} (not a 敬老院)",
        evidence,
    )
    inst = inst.filter(pl.col("is_tekun").fill_null(False))
    min_level = opt(rule, "min_rating_level", on, 0)
    low = pl.col("rating_level").fill_null(0) < min_level
    condition_findings(
        ctx,
        inst,
        low,
        rule,
        "rating_below_minimum",
        "info",
        f"评定等级未达 {min_level} 级，不享受改造补助",
        f"rating below level {min_level}: no renovation grant",
        pl.format("rating_level={} min={}", *_txt("rating_level"), pl.lit(min_level)),
    )
    inst = inst.filter(~low)
    try:
        share = Fraction(value(rule, "share", on))
    except Gap as g:
        ctx.gap(rule, g, inst["institution_id"])
        return inst.clear()
    lines = inst.with_columns(
        pl.lit(PROGRAM).alias("program"),
        pl.lit("renovation_share").alias("item"),
        pl.lit(ctx.period_label).alias("period"),
        pl.lit(1, pl.Int64).alias("quantity"),
        pl.lit(None, pl.Int64).alias("rate_fen"),
        mul_share_expr(pl.col("investment_final_fen"), share).alias("amount_fen"),
    ).with_columns(
        (
            pl.lit("投资决算额 ")
            + fen_text(pl.col("investment_final_fen"))
            + pl.lit(f" 元 × {pct(share)} = ")
            + fen_text(pl.col("amount_fen"))
            + pl.lit(" 元")
        ).alias("basis")
    )
    return _finish(ctx, rule, lines)


def _checklist(rule, on: date, lang: str) -> list[tuple[str, dict]]:
    """What an inspector checks for a per-bed subsidy or the nursing-type bonus."""
    items = [
        (
            t(
                lang,
                "登记备案证明与竣工验收材料；核定床位数与实有床位一致",
                "Registration and acceptance papers; approved beds match actual beds",
            ),
            {"kind": INSTITUTION},
        )
    ]
    if rule.has("leased_min_years"):
        years = param_text(rule, "leased_min_years", on, lang)
        items.append(
            (
                t(
                    lang,
                    f"租赁用房：租赁合同租期不少于 {years} 年",
                    f"Leased premises: lease term at least {years} years",
                ),
                {"kind": INSTITUTION, "premises": {"leased"}},
            )
        )
    if rule.kind == "nursing_type_bonus":
        items.append(
            (
                t(
                    lang,
                    "护理型机构：护理老人入住情况与能力评估报告",
                    "Nursing-type: residents needing nursing and their assessments",
                ),
                {"kind": INSTITUTION},
            )
        )
    return items


def _renovation_checklist(rule, on: date, lang: str) -> list[tuple[str, dict]]:
    return [
        (
            t(lang, "改造项目：投资决算与等级评定结果", "Renovation: final investment account and rating result"),
            {"kind": INSTITUTION},
        )
    ]


# ---------------------------------------------------------------- the kinds, declared once

_RATES = ("rate_self_built", "forprofit_share", "payer_shares")
_LEASED = ("rate_leased", "leased_min_years", "leased_schedule_years", "forprofit_share", "payer_shares")
KINDS = [
    Kind(
        "construction_per_bed",
        "建设补贴（按床位）",
        "construction subsidy per bed",
        params={
            **ELIGIBILITY,
            "rate_self_built": {"yuan/bed"},
            "rate_leased": {"yuan/bed", "yuan/bed/year"},
            "leased_min_years": {"years"},
            "leased_schedule_years": {"count"},
            "forprofit_share": {"share"},
            "payer_shares": {"table:share"},
            "payer": {"payer"},
        },
        program=PROGRAM,
        compute=construction_per_bed,
        items=(
            Item("self_built_beds", "自建床位", "self-built beds", _RATES),
            Item("leased_beds", "租赁床位", "leased beds", _LEASED),
            Item("leased_beds_year_", "租赁床位（第 {n} 年）", "leased beds (year {n})", _LEASED),
        ),
        reads=(
            *ELIGIBILITY_READS,
            *columns("institutions", "beds", "beds_subsidized_before", "premises", "newly_built"),
        ),
        reads_with={
            "rate_leased": columns("institutions", "lease_years"),
            "leased_min_years": columns("institutions", "lease_years"),
            "forprofit_share": columns("institutions", "profit_status"),
        },
        interpretations={"construction_due_year": INTERPRETATIONS["construction_due_year"]},
        checklist=_checklist,
    ),
    Kind(
        "nursing_type_bonus",
        "护理型床位奖补",
        "nursing-type bonus",
        params={
            **ELIGIBILITY,
            "rate_self_built": {"yuan/bed"},
            "rate_leased": {"yuan/bed"},
            "min_nursing_occupancy": {"share"},
            "nursing_care_levels": {"set"},
            "payer": {"payer"},
        },
        program=PROGRAM,
        compute=nursing_type_bonus,
        items=(
            Item(
                "nursing_type_bonus",
                "护理型床位奖补",
                "nursing-type bonus",
                ("rate_self_built", "rate_leased", "min_nursing_occupancy", "nursing_care_levels"),
            ),
        ),
        reads=(
            *ELIGIBILITY_READS,
            *columns("institutions", "nursing_beds", "nursing_type"),
            *columns("residents", "care_level", "admitted_on", "discharged_on"),
        ),
        reads_with={"rate_leased": columns("institutions", "premises")},
        interpretations={"nursing_occupancy": INTERPRETATIONS["nursing_occupancy"]},
        checklist=_checklist,
    ),
    Kind(
        "renovation_share",
        "敬老院改造补助",
        "renovation share",
        params={"min_rating_level": {"level"}, "share": {"share"}, "payer": {"payer"}},
        program=PROGRAM,
        compute=renovation_share,
        items=(Item("renovation_share", "敬老院改造补助", "renovation share", ("share", "min_rating_level")),),
        reads=columns("institutions", "is_tekun", "rating_level", "investment_final"),
        interpretations={"renovation_one_time": INTERPRETATIONS["renovation_one_time"]},
        checklist=_renovation_checklist,
    ),
]
