"""Operating grant per resident-month / occupied bed-month (rule kind `bed_month_grant`).

A resident counts in a month when in residence on its last day (admitted_on ≤ month end
< discharged_on) — the month-end census, which is also the count of occupied beds. The
rate is one amount, the amount of the band the institution reaches (e.g. by approved
beds), or depends on the resident's GB/T 42195 ability grade: directly (`rate_by_grade`)
or through the text's own levels (`level_by_grade`, a declared and quoted five → three
mapping) as an amount per level or a base × (1 + uplift) ("分别上浮50%、100%、200%").

Counting is arithmetic per stay: the first and last counted month of each stay inside
the period (after the waiting period "开业6个月以上" is reached) give its months; with a
cap by approved beds, month-end censuses come from difference arrays and a cumulative
sum per institution — never one row per stay × month.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from fractions import Fraction

import polars as pl

from audit.dates import Period
from audit.kinds.base import LOCAL_HUKOU_READS, Item, Kind, columns
from audit.kinds.operating import _checklist as operating_checklist
from audit.kinds.operating import residence_since
from audit.kinds.common import PROFIT_STATUS, Ctx, Gap, condition_findings, fen_text, opt, value
from audit.kinds.registers import ELDERLY_AGE, birth_date
from audit.privacy import mask_person_id
from audit.policy.values import GRADES
from audit.policy.tiers import band_of, parse_bands

PROGRAM = "operating"
DEMENTIA_GRADES = ("mild", "moderate", "severe")
DEMENTIA_ZH = {"mild": "轻度失智", "moderate": "中度失智", "severe": "重度失智"}
GRADE_ZH = {"intact": "能力完好", "mild": "轻度失能", "moderate": "中度失能", "severe": "重度失能", "total": "完全失能"}
LEVEL_ZH = {
    "none": "无失能",
    "mild": "轻度",
    "moderate": "中度",
    "severe": "重度",
    "self_care": "自理",
    "partial": "部分失能",
    "full": "完全失能",
}
# a three-level care_level stands for these grades when no five-level grade is given
CARE_LEVEL_GRADES = {"self_care": ("intact",), "partial": ("mild", "moderate"), "full": ("severe", "total")}
INTERPRETATIONS = {
    "bed_month_census": (
        "入住人月 / 实际使用床位月按月末在院人数计（入住日期 ≤ 月末 < 离院日期）；设运营期限的，自运营满期限之日所在月起计。"
        "只有三级能力等级（部分失能、完全失能）而政策按五级分档的，仅在两种可能的五级标准相同时计发，否则列为提示。",
        "Resident-months / occupied bed-months are month-end censuses (admitted ≤ month end < discharged); with a "
        "waiting period, months count from the month in which it is reached. Where only the three-level care level "
        "is known and the pack's rate differs between the two five-level grades it could stand for, the months are "
        "reported, not paid.",
    ),
}


def _txt(c: str) -> pl.Expr:
    return pl.col(c).cast(pl.String).fill_null("空")


def _level_rate(rule, on, lv: str):
    """A level of the text → ("abs", fen) | ("mult", Fraction) | ("gap", param, key)."""
    by_level, uplift = opt(rule, "rate_by_level", on), opt(rule, "uplift_by_level", on)
    if by_level is not None:
        v = by_level.get(lv)
        return ("abs", v) if v is not None else ("gap", "rate_by_level", lv)
    if uplift is not None:
        # "none" (能力完好) is the level the text raises nothing for; any other level the table
        # lacks is a gap, never a silent zero uplift
        u = 0 if lv == "none" else uplift.get(lv)
        return ("mult", 1 + Fraction(u)) if u is not None else ("gap", "uplift_by_level", lv)
    return ("mult", Fraction(1))


def _grade_rates(ctx: Ctx, rule) -> dict:
    """grade -> (("abs", fen) | ("mult", Fraction) | ("gap", param, key), label)."""
    on = ctx.ref_date
    out = {}
    by_grade = opt(rule, "rate_by_grade", on)
    levels = opt(rule, "level_by_grade", on)
    for g in GRADES:
        if by_grade is not None:
            v = by_grade.get(g)
            out[g] = (("abs", v) if v is not None else ("gap", "rate_by_grade", g), GRADE_ZH[g])
        elif levels is not None:
            lv = levels.get(g)
            out[g] = (
                (_level_rate(rule, on, lv), f"{LEVEL_ZH[lv]}（{GRADE_ZH[g]}）")
                if lv is not None
                else (("gap", "level_by_grade", g), GRADE_ZH[g])
            )
        else:
            out[g] = (("mult", Fraction(1)), "")
    return out


def _dementia_rates(ctx: Ctx, rule) -> dict:
    """dementia grade -> (spec, label) when the text raises the rate by 失智程度 too."""
    on = ctx.ref_date
    levels = opt(rule, "dementia_level_by_grade", on)
    if levels is None:
        return {}
    return {
        d: (
            (_level_rate(rule, on, lv), f"{LEVEL_ZH[lv]}（{DEMENTIA_ZH[d]}）")
            if lv is not None
            else (("gap", "dementia_level_by_grade", d), DEMENTIA_ZH[d])
        )
        for d, lv in ((d, levels.get(d)) for d in DEMENTIA_GRADES)
    }


def _rate_expr(spec: dict, column: str) -> pl.Expr:
    """The rate (fen) of each row from its grade in `column`, per spec (gaps give null)."""
    rate = pl.lit(None, pl.Int64)
    for g, ((kind, *rest), _) in spec.items():
        if kind == "gap":
            continue
        v = rest[0]
        r = (
            pl.lit(v, pl.Int64)
            if kind == "abs"
            else (pl.col("base_rate_fen") * v.numerator * 2 + v.denominator) // (2 * v.denominator)
        )
        rate = pl.when(pl.col(column) == g).then(r).otherwise(rate)
    return rate


def _eligible(ctx: Ctx, rule, inst: pl.DataFrame, tables) -> pl.DataFrame:
    on = ctx.ref_date
    ownership = opt(rule, "eligible_ownership", on)
    has_residents = pl.col("institution_id").is_in(tables["residents"]["institution_id"].unique().implode())

    def drop(df, failed, kind, zh, en, evidence):
        condition_findings(
            ctx,
            df,
            failed & has_residents,
            rule,
            kind,
            "info",
            f"{zh}，不能享受 {rule.citation} 的运营补贴",
            f"{en}: no operating grant under {rule.citation}",
            evidence,
        )
        return df.filter(~failed)

    if ownership:
        inst = drop(
            inst,
            ~pl.col("ownership").is_in(sorted(ownership)).fill_null(False),
            "not_eligible",
            "举办性质不在补贴范围",
            "ownership not covered",
            pl.format("ownership={}", _txt("ownership")),
        )
    if opt(rule, "require_registered", on, False):
        inst = drop(
            inst,
            (pl.col("registered_on").is_null() | (pl.col("registered_on") > on)),
            "not_registered",
            "未登记备案",
            "not registered",
            pl.format("registered_on={}", _txt("registered_on")),
        )
    if opt(rule, "require_operating_normally", on, False):
        inst = drop(
            inst,
            ~pl.col("operating_normally").fill_null(False),
            "not_operating_normally",
            "未正常运营",
            "not operating normally",
            pl.format("operating_normally={}", _txt("operating_normally")),
        )
    level = opt(rule, "min_rating_level", on)
    if level is not None:
        inst = drop(
            inst,
            pl.col("rating_level").fill_null(0) < level,
            "rating_below_minimum",
            f"评定等级未达 {level} 级",
            f"rating below level {level}",
            pl.format("rating_level={} min={}", _txt("rating_level"), pl.lit(level)),
        )
    months = opt(rule, "min_operating_months", on)
    if months is not None:
        inst = drop(
            inst,
            pl.col("opened_on").is_null(),
            "missing_opened_on",
            "无投入运营日期",
            "no opening date",
            pl.lit("opened_on=空"),
        )
        reached = pl.col("opened_on").dt.offset_by(f"{months}mo")
        inst = inst.with_columns(reached.alias("_reached"))
        inst = drop(
            inst,
            pl.col("_reached") > on,
            "operating_period",
            f"运营未满 {months} 个月（期末 {on}）",
            f"operating for less than {months} months (at {on})",
            pl.format("opened_on={} reached_on={}", _txt("opened_on"), _txt("_reached")),
        )
    else:
        inst = inst.with_columns(pl.lit(None, pl.Date).alias("_reached"))
    if rule.has("rate_by_band"):
        try:
            table = value(rule, "rate_by_band", on)
        except Gap as g:
            ctx.gap(rule, g, inst["institution_id"])
            return inst.clear().with_columns(
                pl.lit(None, pl.Int64).alias("base_rate_fen"), pl.lit(None, pl.String).alias("band")
            )
        by = opt(rule, "band_by", on, "beds")
        qty = {"beds": pl.col("beds"), "rating_level": pl.col("rating_level")}.get(by, pl.col("beds"))
        inst = inst.with_columns(band_of(qty, table).alias("band"))
        bands = ", ".join(b.text_zh() for b in parse_bands(table))
        inst = drop(
            inst,
            pl.col("band").is_null(),
            "below_band",
            f"不在任何补贴档次内（{bands}）",
            f"in no band ({', '.join(table)})",
            pl.format("{}={}", pl.lit(by), qty.cast(pl.String).fill_null("空")),
        )
        for k in [k for k, v in table.items() if v is None]:
            ctx.gap(rule, "rate_by_band", inst.filter(pl.col("band") == k)["institution_id"], key=k)
        rates = pl.DataFrame(
            {
                "band": [k for k, v in table.items() if v is not None],
                "base_rate_fen": [v for v in table.values() if v is not None],
            },
            schema={"band": pl.String, "base_rate_fen": pl.Int64},
        )
        return inst.join(rates, on="band", how="inner")
    base = opt(rule, "rate", on)
    return inst.with_columns(pl.lit(base, pl.Int64).alias("base_rate_fen"), pl.lit(None, pl.String).alias("band"))


def bed_month_grant(rule, tables: dict, ctx: Ctx) -> pl.DataFrame:
    """The period's operating-grant lines of one rule. A month is priced at the values in
    force on its last day (its census day): when a value changes inside the period, each
    run of months with the same values is priced on its own, as its own lines."""
    parts = _value_parts(ctx, rule)
    if len(parts) == 1:
        return _bed_month_lines(rule, tables, ctx)
    _say_split(ctx, rule, parts)
    out = []
    for part in parts:
        sub = replace(ctx, period=part)  # findings of a part carry its period
        try:
            out.append(_bed_month_lines(rule, tables, sub))
        except Gap as g:  # a part no value covers: said for that part, the others still paid
            sub.gap(rule, g, tables["institutions"]["institution_id"])
    out = [o for o in out if o.height]
    return pl.concat(out, how="diagonal_relaxed") if out else pl.DataFrame()


def _value_parts(ctx: Ctx, rule) -> list[Period]:
    """The period cut where a parameter takes a different value, or stops having one: a
    value that starts (or ends the day before) in month m holds (or not) on m's last day, so
    m is the first month of a new part (a change inside the period's first month cuts
    nothing). A local value (--set) holds on every date."""
    span = ctx.span
    days = {
        d
        for p in rule.params.values()
        if p.local is None
        for prev, e in zip([None, *p.values], p.values)
        for d in (
            e.start if prev is not None and (prev.value, prev.gap, prev.until) != (e.value, e.gap, None) else None,
            e.until + timedelta(days=1) if e.until is not None else None,
        )
        if d is not None and span.start < d <= span.end
    }
    cuts = sorted({span.month_index(d) for d in days} - {0})
    bounds = [0, *cuts, span.n_months]
    ends = span.month_ends
    return [Period(ends[a].replace(day=1), ends[b - 1]) for a, b in zip(bounds, bounds[1:])]


def _say_split(ctx: Ctx, rule, parts: list[Period]) -> None:
    """An info finding naming, for each parameter that changes, its value in each part with
    the clause and the words it comes from."""
    from audit.policy.values import format_value

    said = []
    for name, p in rule.params.items():
        readings = [rule.reading(name, part.end) for part in parts]
        if len({(r.state, repr(r.value)) for r in readings}) < 2:
            continue
        said.append(
            f"param={rule.id}.{name} "
            + " ".join(
                f"{part.label}="
                + (format_value(p.unit, r.value, ctx.lang) if r.state == "value" else r.state)
                + (f"（{rule.short} {r.entry.clause}：「{r.entry.quote}」）" if r.entry is not None else "")
                for part, r in zip(parts, readings)
            )
        )
    labels = "、".join(part.label for part in parts)
    ctx.finding(
        "values_change_in_period",
        "info",
        ctx.t(
            f"规则 {rule.id} 的标准在期间 {ctx.period_label} 内变更：按 {labels} 分段计发，每月按当月月末有效的标准计",
            f"rule {rule.id} changes value within {ctx.period_label}: priced in parts ({', '.join(p.label for p in parts)}), "
            "each month at the values in force on its last day",
        ),
        "; ".join(said),
        rule.citation,
    )


def _bed_month_lines(rule, tables: dict, ctx: Ctx) -> pl.DataFrame:
    """The lines of one rule over a span in which its values do not change."""
    on, span = ctx.ref_date, ctx.span
    ctx.interpretations.add("bed_month_census")
    inst = _eligible(ctx, rule, tables["institutions"].filter(pl.col("kind") == "institution"), tables)
    if not inst.height:
        return inst.clear()
    spec = _grade_rates(ctx, rule)
    # a three-level care level stands for one rate only when its grades agree
    fallback = {cl: gs[0] for cl, gs in CARE_LEVEL_GRADES.items() if len({spec[g][0] for g in gs}) == 1}
    # months count from the later of the waiting period's end and (when required) registration
    start = (
        pl.max_horizontal("_reached", "registered_on")
        if opt(rule, "require_registered", on, False)
        else pl.col("_reached")
    )
    inst = inst.with_columns(start.alias("_reached"))
    res = tables["residents"].join(
        inst.select("institution_id", "county", "beds", "profit_status", "_reached", "band", "base_rate_fen"),
        on="institution_id",
        how="inner",
    )
    if opt(rule, "local_hukou", on, False):
        res = res.filter(pl.col("hukou_county") == pl.col("county"))
    grade = pl.coalesce(
        pl.col("ability_grade"), pl.col("care_level").replace_strict(fallback, default=None, return_dtype=pl.String)
    )
    res = res.with_columns(grade.alias("grade"))
    # months of each stay inside the period: arithmetic, no expansion
    idx = lambda d: (d.dt.year().cast(pl.Int64) - span.start.year) * 12 + d.dt.month().cast(pl.Int64) - span.start.month  # noqa: E731
    n = span.n_months
    lo, hi = _months_in_force(ctx, rule, idx, n)
    first = pl.max_horizontal(pl.lit(lo, pl.Int64), idx(pl.col("admitted_on")), idx(pl.col("_reached")).fill_null(0))
    last = pl.min_horizontal(pl.lit(hi, pl.Int64), (idx(pl.col("discharged_on")) - 1).fill_null(n - 1))
    # overlapping rows of one person in one home count each month once (operating's rule)
    res = residence_since(res)
    res = res.with_columns(first.alias("f"), last.alias("l")).filter(pl.col("l") >= pl.col("f"))
    if not res.height:
        return res.clear()
    # residents whose grade the data does not give (when the rate depends on it)
    graded = len({spec[g][0] for g in GRADES}) > 1  # the rate depends on the grade
    if graded:
        unknown = res.filter(pl.col("grade").is_null())
        if unknown.height:
            agg = unknown.group_by("institution_id").agg((pl.col("l") - pl.col("f") + 1).sum().alias("months"))
            condition_findings(
                ctx,
                agg,
                pl.lit(True),
                rule,
                "ability_grade_unknown",
                "warning",
                f"{rule.citation} 按能力等级分档，但这些老人缺少可用的五级能力等级（能力完好/轻度/中度/重度/完全失能），相应人月未计发",
                f"{rule.citation} pays by ability grade, but these residents have no usable five-level grade; "
                "their months are not paid",
                pl.format("resident_months={}", pl.col("months")),
            )
        res = res.filter(pl.col("grade").is_not_null())
    else:
        res = res.with_columns(pl.col("grade").fill_null("intact"))
    for g, ((kind, *rest), _) in spec.items():
        if kind == "gap":
            ctx.gap(rule, rest[0], res.filter(pl.col("grade") == g)["institution_id"], key=rest[1])
    payable = [g for g, (s, _) in spec.items() if s[0] != "gap"]
    res = res.filter(pl.col("grade").is_in(payable))
    rate = _rate_expr(spec, "grade")
    label = pl.col("grade").replace_strict({g: spec[g][1] for g in GRADES}, default="", return_dtype=pl.String)
    dementia = _dementia_rates(ctx, rule)
    if dementia:
        # "按失能失智程度": the higher of the ability grade's rate and the dementia grade's
        for d, ((kind, *rest), _) in dementia.items():
            if kind == "gap":
                ctx.gap(rule, rest[0], res.filter(pl.col("dementia_grade") == d)["institution_id"], key=rest[1])
        d_rate = _rate_expr(dementia, "dementia_grade")
        higher = (d_rate > rate).fill_null(False)
        d_label = pl.col("dementia_grade").replace_strict(
            {d: dementia[d][1] for d in DEMENTIA_GRADES}, default="", return_dtype=pl.String
        )
        res = res.with_columns(
            pl.when(higher)
            .then(pl.lit("dementia_") + pl.col("dementia_grade"))
            .otherwise(pl.col("grade"))
            .alias("grade"),
            pl.when(higher).then(d_rate).otherwise(rate).alias("_rate"),
            pl.when(higher).then(d_label).otherwise(label).alias("_label"),
        )
        rate, label = pl.col("_rate"), pl.col("_label")
        graded = True
    share = opt(rule, "forprofit_share", on)
    if share is not None:
        s = Fraction(share)
        rate = (
            pl.when(PROFIT_STATUS == "forprofit")  # a blank 营利性质 is for-profit (audit.stake says the rest)
            .then((rate * s.numerator * 2 + s.denominator) // (2 * s.denominator))
            .otherwise(rate)
        )
    # keys are joined on below: no nulls in them (a null never equals a null in a join)
    res = res.with_columns(rate.alias("rate_fen"), label.alias("label"), pl.col("band").fill_null(""))
    res = _registers_cut(ctx, rule, res, tables, idx)
    keys = ["institution_id", "grade", "rate_fen", "label", "base_rate_fen", "band"]
    if opt(rule, "cap_by_approved_beds", on, False):
        counted = _capped_months(ctx, rule, res, keys, n)
    else:
        counted = res.group_by(keys).agg((pl.col("l") - pl.col("f") + 1).sum().alias("quantity"))
    counted = counted.filter(pl.col("quantity") > 0)
    return _lines(ctx, rule, counted, graded)


def _months_in_force(ctx: Ctx, rule, idx, n: int) -> tuple[int, int]:
    """The period's months (0…n−1) whose month-end the rule is in force on — every parameter
    has a value from its first date until the last one ends. A period that reaches outside
    is said (info): months before the rule began, or after it ended, are not paid."""
    span = ctx.span
    starts = [p.values[0].start for p in rule.params.values() if p.values]
    ends = [p.values[-1].until for p in rule.params.values() if p.values and p.values[-1].until is not None]
    begin, end = max(starts, default=span.start), min(ends, default=span.end)
    lo = max(0, pl.select(idx(pl.lit(begin))).item())
    # the month of `end` counts only when the rule still holds on its last day
    last_day = pl.select(pl.lit(end).dt.month_end()).item()
    hi = min(n - 1, pl.select(idx(pl.lit(end))).item() - (0 if end >= last_day else 1))
    if lo > 0 or hi < n - 1:
        ctx.finding(
            "months_not_in_force",
            "info",
            ctx.t(
                f"规则 {rule.id} 自 {begin} 起施行"
                + (f"、至 {end} 止" if ends else "")
                + f"：期间 {span.label} 中此外的月份不计发",
                f"rule {rule.id} holds from {begin}"
                + (f" until {end}" if ends else "")
                + f": the other months of {span.label} are not paid",
            ),
            f"rule={rule.id} from={begin} until={end if ends else '—'} period={span.label}",
            rule.citation,
        )
    return lo, hi


def _registers_cut(ctx: Ctx, rule, res: pl.DataFrame, tables: dict, idx) -> pl.DataFrame:
    """Month-ends after a death on the death register, or before the 60th birthday (the id's
    birth date, 老年人权益保障法), are not counted: each cut is a finding naming the person
    (masked), the months and the money."""
    deaths = tables.get("deaths")
    died = (
        deaths.filter(pl.col("person_id").is_not_null() & pl.col("died_on").is_not_null())
        .group_by("person_id")
        .agg(pl.col("died_on").min())
        if deaths is not None and deaths.height
        else pl.DataFrame(schema={"person_id": pl.String, "died_on": pl.Date})
    )
    res = res.join(died, on="person_id", how="left")
    sixty = birth_date(pl.col("person_id")).dt.offset_by(f"{ELDERLY_AGE}y")
    f2 = pl.max_horizontal("f", idx(sixty).fill_null(0))
    l2 = pl.min_horizontal("l", (idx(pl.col("died_on")) - 1).fill_null(pl.col("l")))
    res = res.with_columns(
        ((pl.col("l") - pl.col("f") + 1) - (l2 - f2 + 1).clip(lower_bound=0)).alias("_cut"),
        f2.alias("f2"),
        l2.alias("l2"),
    )
    cut = res.filter(pl.col("_cut") > 0)
    if cut.height:
        condition_findings(
            ctx,
            cut,
            pl.lit(True),
            rule,
            "register_cut",
            "warning",
            f"死亡名单或身份证号出生日期表明部分月份不符合 {rule.citation} 的计发条件（死亡后或未满六十周岁），相应人月不计",
            f"the death register or the id's birth date rules out some months under {rule.citation} "
            "(after death or under 60): not counted",
            pl.format(
                "person={} died_on={} months={} amount={}",
                mask_person_id(pl.col("person_id")),
                pl.col("died_on").cast(pl.String).fill_null("—"),
                pl.col("_cut"),
                fen_text(pl.col("_cut") * pl.col("rate_fen")),
            ),
        )
    return (
        res.with_columns(pl.col("f2").alias("f"), pl.col("l2").alias("l"))
        .filter(pl.col("l") >= pl.col("f"))
        .drop("f2", "l2", "_cut", "died_on")
    )


def _capped_months(ctx: Ctx, rule, res: pl.DataFrame, keys: list[str], n: int) -> pl.DataFrame:
    """Month-end censuses by difference arrays; each month counts at most the approved
    beds, keeping the lowest rates first (the excess is reported, not paid)."""
    starts = res.group_by([*keys, pl.col("f").alias("m")]).agg(pl.len().cast(pl.Int64).alias("d"))
    ends = (
        res.filter(pl.col("l") < n - 1)
        .group_by([*keys, (pl.col("l") + 1).alias("m")])
        .agg((-pl.len().cast(pl.Int64)).alias("d"))
    )
    delta = pl.concat([starts, ends]).group_by([*keys, "m"]).agg(pl.col("d").sum())
    grid = delta.select(keys).unique().join(pl.DataFrame({"m": list(range(n))}, schema={"m": pl.Int64}), how="cross")
    census = (
        grid.join(delta, on=[*keys, "m"], how="left")
        .with_columns(pl.col("d").fill_null(0))
        .sort([*keys, "m"])
        .with_columns(pl.col("d").cum_sum().over(keys).alias("census"))
        .filter(pl.col("census") > 0)
        .join(ctx_beds(res), on="institution_id", how="left")
        .sort("institution_id", "m", "rate_fen", "grade")
        .with_columns(pl.col("census").cum_sum().over("institution_id", "m").alias("cum"))
    )
    census = census.with_columns(
        (pl.min_horizontal(pl.col("cum"), pl.col("beds")) - (pl.col("cum") - pl.col("census")))
        .clip(lower_bound=0)
        .alias("counted")
    )
    over = census.group_by("institution_id").agg(
        (pl.col("census") - pl.col("counted")).sum().alias("excess"),
        ((pl.col("census") - pl.col("counted")) * pl.col("rate_fen")).sum().alias("excess_fen"),
        pl.col("beds").first(),
        pl.col("beds_missing").first(),
    )
    evidence = pl.format(
        "excess_resident_months={} beds={} amount={}", pl.col("excess"), pl.col("beds"), fen_text(pl.col("excess_fen"))
    )
    condition_findings(
        ctx,
        over,
        (pl.col("excess") > 0) & ~pl.col("beds_missing"),
        rule,
        "over_approved_beds",
        "warning",
        "月末在院人数超过核定床位数，超出部分按核定床位数封顶不计发",
        "month-end residents exceed approved beds; the excess is capped and not paid",
        evidence,
    )
    condition_findings(
        ctx,
        over,
        (pl.col("excess") > 0) & pl.col("beds_missing"),
        rule,
        "missing_beds",
        "warning",
        f"未填写核定床位数：{rule.citation} 按核定床位数封顶，无法计算，相应人月未计发（补填后重新核算）",
        f"approved beds blank: {rule.citation} caps by them, so these months are not paid (fill them in, run again)",
        evidence,
    )
    return census.group_by(keys).agg(pl.col("counted").sum().alias("quantity"))


def ctx_beds(res: pl.DataFrame) -> pl.DataFrame:
    """Approved beds per home; blank counts 0 (nothing is paid past an unknown cap) and is said."""
    return res.group_by("institution_id").agg(
        pl.col("beds").first().fill_null(0), pl.col("beds").first().is_null().alias("beds_missing")
    )


def _lines(ctx: Ctx, rule, counted: pl.DataFrame, graded: bool) -> pl.DataFrame:
    """One line per institution and grade (item bed_months_<grade> when the rate depends on it)."""
    if not counted.height:
        return counted
    payer = value(rule, "payer", ctx.ref_date)
    item = pl.lit("bed_months") + (pl.lit("_") + pl.col("grade") if graded else pl.lit(""))
    base = (
        pl.when(pl.col("rate_fen") != pl.col("base_rate_fen"))
        .then(pl.lit("（基础 ") + fen_text(pl.col("base_rate_fen")) + pl.lit(" 元/人/月）"))
        .otherwise(pl.lit(""))
    )
    band = pl.when(pl.col("band") != "").then(pl.lit("，档次 ") + pl.col("band")).otherwise(pl.lit(""))
    label = pl.when(pl.col("label") != "").then(pl.lit("；") + pl.col("label")).otherwise(pl.lit(""))
    return counted.with_columns(
        pl.lit(PROGRAM).alias("program"),
        item.alias("item"),
        pl.lit(ctx.period_label).alias("period"),
        (pl.col("quantity") * pl.col("rate_fen")).alias("amount_fen"),
        pl.lit(payer).alias("payer"),
        pl.lit(rule.id).alias("rule"),
        pl.lit(rule.citation).alias("citation"),
    ).with_columns(
        (
            pl.format("{} 人月 × ", pl.col("quantity"))
            + fen_text(pl.col("rate_fen"))
            + pl.lit(" 元/人/月 = ")
            + fen_text(pl.col("amount_fen"))
            + pl.lit(" 元")
            + base
            + band
            + label
            + pl.lit(f"（期间 {ctx.period_label}）")
        ).alias("basis")
    )


# ---------------------------------------------------------------- the kinds, declared once

_BED_MONTHS = (
    "rate",
    "rate_by_band",
    "band_by",
    "rate_by_grade",
    "level_by_grade",
    "rate_by_level",
    "uplift_by_level",
    "min_operating_months",
    "cap_by_approved_beds",
)
KINDS = [
    Kind(
        "bed_month_grant",
        "运营补贴（按入住人月 / 床位月）",
        "operating grant per resident- or bed-month",
        params={
            "eligible_ownership": {"set"},
            "require_registered": {"bool"},
            "require_operating_normally": {"bool"},
            "local_hukou": {"bool"},
            "min_operating_months": {"months"},
            "min_rating_level": {"level"},
            "band_by": {"text"},
            "rate": {"yuan/person/month"},
            "rate_by_band": {"table:yuan/person/month"},
            "rate_by_grade": {"table:yuan/person/month"},
            "level_by_grade": {"table:text"},
            "dementia_level_by_grade": {"table:text"},
            "rate_by_level": {"table:yuan/person/month"},
            "uplift_by_level": {"table:ratio"},
            "cap_by_approved_beds": {"bool"},
            "forprofit_share": {"share"},
            "payer": {"payer"},
        },
        program=PROGRAM,
        compute=bed_month_grant,
        # grade-labelled months: bed_months_<grade>, {n} is the grade's words
        items=(
            Item("bed_months", "入住床位月", "occupied bed-months", _BED_MONTHS),
            Item("bed_months_", "入住床位月 · {n}", "occupied bed-months · {n}", _BED_MONTHS),
        ),
        reads=(
            *columns("institutions", "kind", "ownership", "opened_on"),
            *columns("residents", "admitted_on", "discharged_on"),
        ),
        reads_with={
            "local_hukou": LOCAL_HUKOU_READS,
            "rate_by_grade": columns("residents", "care_level"),
            "level_by_grade": columns("residents", "care_level"),
            "dementia_level_by_grade": columns("residents", "dementia_grade"),
            "min_rating_level": columns("institutions", "rating_level"),
            "require_registered": columns("institutions", "registered_on"),
            "require_operating_normally": columns("institutions", "operating_normally"),
            "band_by": columns("institutions", "beds"),
            "cap_by_approved_beds": columns("institutions", "beds"),
            "forprofit_share": columns("institutions", "profit_status"),
        },
        interpretations=INTERPRETATIONS,
        checklist=operating_checklist,
    ),
]
