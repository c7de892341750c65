"""Caregiver staffing ratios (docs/policy-digest.md §4), at every month-end of the
settlement period (a year's twelve, a half-year's six, …).

required = full/N_full + partial/N_partial + self_care/N_self, rounded up on the total.
Done exactly in integers: with L = lcm(N_full, N_partial, N_self) the total is
(full·L/N_full + partial·L/N_partial + self·L/N_self) / L, and ceil(a / L) = (a + L − 1) // L.
Example 9 full, 12 partial, 30 self-care at 1:3/1:6/1:10 → L = 30, a = 90+60+90 = 240 → 8.

Residents with no care level are counted as self-care (the lowest need), so the
requirement is a lower bound for them; an info finding says so."""

from __future__ import annotations

import math
from datetime import date

import polars as pl

from audit.kinds.base import Kind, columns
from audit.kinds.common import INSTITUTION, flag, param_text
from audit.kinds.checking import (
    MICRO,
    as_findings,
    empty_findings,
    finding_rows,
    fte_float,
    fte_text,
    gap_finding,
    month_ends,
    pick,
    read_value,
    residence_spans,
    with_month_end,
)
from audit.dates import Period
from audit.kinds.common import as_span, month_number
from audit.errors import PolicyError, PolicyGap

LEVELS = ("full", "partial", "self_care")
STAFFING_SCHEMA = {
    "institution_id": pl.String,
    "rule": pl.String,
    "month_end": pl.Date,
    "residents_full": pl.Int64,
    "residents_partial": pl.Int64,
    "residents_self_care": pl.Int64,
    "residents_unknown": pl.Int64,
    "required": pl.Int64,
    "actual": pl.Float64,
    "shortfall": pl.Float64,
}


def empty_staffing() -> pl.DataFrame:
    return pl.DataFrame(schema=STAFFING_SCHEMA)


def resident_census(residents: pl.DataFrame, period) -> pl.DataFrame:
    """Residents in residence per institution and month-end, by care level: for each
    month m, the stays whose span covers it (first ≤ m ≤ last), summed per institution
    and care level in one pass; never a resident × month frame."""
    n_months = as_span(period).n_months
    # each month's 0/1 made a column first, then plain sums per group (as caregiver_fte): a
    # filtered sum per month inside the group_by is evaluated group by group (~2× the time)
    in_month = lambda m: ((pl.col("_first") <= m) & (pl.col("_last") >= m)).cast(pl.UInt8).alias(str(m))  # noqa: E731
    by_level = (
        residence_spans(residents, period)
        .select("institution_id", "care_level", *(in_month(m) for m in range(1, n_months + 1)))
        .group_by("institution_id", "care_level")
        .agg(pl.exclude("institution_id", "care_level").sum())
        .unpivot(index=["institution_id", "care_level"], variable_name="_month", value_name="n")
        .filter(pl.col("n") > 0)
        .with_columns(pl.col("_month").cast(pl.Int32))
    )
    n = pl.col("n").cast(pl.Int64)
    census = by_level.group_by("institution_id", "_month").agg(
        *[n.filter(pl.col("care_level") == lvl).sum().alias(f"residents_{lvl}") for lvl in LEVELS],
        n.filter(pl.col("care_level").is_null()).sum().alias("residents_unknown"),
    )
    return with_month_end(census, period).drop("_month").collect()


def caregiver_fte(staff: pl.DataFrame, days: list[date]) -> pl.DataFrame:
    """Sum of caregivers' FTE (millionths) per institution and month-end `day`: a caregiver
    counts on the last day of month m when hired by then and not left before it
    (docs/policy-digest.md §4), i.e. for the months first ≤ m ≤ last computed from the
    hiring and leaving months; summed per institution in one pass, no staff × month rows."""
    period = Period(days[0].replace(day=1), days[-1])  # the month-ends of one period, in order
    n = period.n_months
    hired, left = pl.col("hired_on"), pl.col("left_on")
    # left on the month's last day: still employed that day
    last_left = month_number(left, period) - 1 + (left == left.dt.month_end()).cast(pl.Int32)
    # a part-timer with no fte counts 1 (audit.data.normalise): the sum is then an upper bound
    assumed = pl.col("fte_assumed").fill_null(False) if "fte_assumed" in staff.columns else pl.lit(False)
    spans = (
        staff.lazy()
        .filter(pl.col("role") == "caregiver")
        .select(
            "institution_id",
            (pl.col("fte").fill_null(1.0) * MICRO).round(0).cast(pl.Int64).alias("fte_micro"),
            assumed.alias("_assumed"),
            pl.max_horizontal(pl.lit(1, pl.Int32), month_number(hired, period).fill_null(1)).alias("_first"),
            pl.min_horizontal(pl.lit(n, pl.Int32), last_left.fill_null(n)).alias("_last"),
        )
        .filter(pl.col("_first") <= pl.col("_last"))
    )
    in_month = lambda m: (pl.col("_first") <= m) & (pl.col("_last") >= m)  # noqa: E731
    months = range(1, n + 1)
    fte = {
        "actual_micro": pl.col("fte_micro"),
        "assumed_micro": pl.when(pl.col("_assumed")).then(pl.col("fte_micro")).otherwise(0),
    }
    # each month's FTE made a column first, then plain sums per institution: a filtered sum
    # per month inside the group_by is evaluated group by group (~5× the time on 840,000 staff)
    sums = (
        spans.select(
            "institution_id",
            *(pl.when(in_month(m)).then(e).otherwise(0).alias(f"{name}{m}") for name, e in fte.items() for m in months),
        )
        .group_by("institution_id")
        .agg(pl.exclude("institution_id").sum())
        .collect()
        .lazy()
    )

    def per_month(name: str) -> pl.LazyFrame:
        return (
            sums.select("institution_id", *(pl.col(f"{name}{m}").alias(str(m)) for m in months))
            .unpivot(index="institution_id", variable_name="_month", value_name=name)
            .with_columns(pl.col("_month").cast(pl.Int32))
        )

    both = per_month("actual_micro").join(per_month("assumed_micro"), on=["institution_id", "_month"])
    return with_month_end(both, period).select("institution_id", "day", "actual_micro", "assumed_micro").collect()


class _Gap(Exception):
    """A parameter of the rule is a declared gap: the rule is not evaluated."""

    def __init__(self, finding: dict):
        self.finding = finding


def _month_ratio(rule, d: date, lang: str, label: str) -> dict | None:
    """The rule's parameters on one month-end as a row (None when not in force that day)."""
    table = read_value(rule, "residents_per_caregiver", d)
    if table is None:
        return None
    if isinstance(table, PolicyGap):
        raise _Gap(gap_finding(rule, "residents_per_caregiver", lang, label))
    missing = [lvl for lvl in LEVELS if table.get(lvl) is None]
    if missing:
        detail = pick(lang, f"（{'、'.join(missing)}）", f" ({', '.join(missing)})")
        raise _Gap(gap_finding(rule, "residents_per_caregiver", lang, label, detail))
    # absent rounding = the digest's "rounded up on the total"; absent tekun_only = all institutions
    rounding = read_value(rule, "rounding", d) if rule.has("rounding") else "ceil_total"
    tekun_only = read_value(rule, "tekun_only", d) if rule.has("tekun_only") else False
    for name, value in (("rounding", rounding), ("tekun_only", tekun_only)):
        if isinstance(value, PolicyGap):
            raise _Gap(gap_finding(rule, name, lang, label))
    if rounding not in (None, "ceil_total"):
        raise PolicyError(
            pick(
                lang,
                f"规则 {rule.id} 的取整方式 {rounding!r} 不受支持（仅支持 ceil_total：总数向上取整）。",
                f"Rule {rule.id}: rounding {rounding!r} is not supported (only ceil_total).",
            )
        )
    n = {lvl: int(table[lvl]) for lvl in LEVELS}
    if min(n.values()) <= 0:
        raise PolicyError(
            pick(
                lang,
                f"规则 {rule.id} 的每名护理员照护人数须为正数：{n}",
                f"Rule {rule.id}: residents per caregiver must be positive, got {n}",
            )
        )
    lcm = math.lcm(*n.values())
    return {"day": d, "tekun_only": bool(tekun_only), "lcm": lcm, **{f"w_{lvl}": lcm // n[lvl] for lvl in LEVELS}}


def _ratios_by_month(rule, days: list[date], lang: str, label: str) -> tuple[pl.DataFrame | None, list[dict]]:
    """Per month-end the weights L/N per care level and L = lcm of the three N, or the gap
    finding that stops the rule. Months before the rule is in force are left out."""
    try:
        rows = [row for d in days if (row := _month_ratio(rule, d, lang, label)) is not None]
    except _Gap as gap:
        return None, [gap.finding]
    if not rows:
        return None, []
    return pl.DataFrame(rows).with_columns(pl.col("day").cast(pl.Date)), []


def _rule_frame(rule, ratios: pl.DataFrame, institutions, census, fte) -> pl.DataFrame:
    """Institution × month-end grid for one rule with required, actual and shortfall."""
    insts = institutions.filter(pl.col("kind").is_null() | (pl.col("kind") == "institution"))
    grid = insts.select("institution_id", pl.col("is_tekun").fill_null(False)).join(ratios, how="cross")
    grid = grid.filter(~pl.col("tekun_only") | pl.col("is_tekun"))
    counts = [f"residents_{lvl}" for lvl in LEVELS] + ["residents_unknown"]
    frame = (
        grid.join(census, on=["institution_id", "day"], how="left")
        .join(fte, on=["institution_id", "day"], how="left")
        .with_columns(
            *[pl.col(c).fill_null(0) for c in counts],
            pl.col("actual_micro").fill_null(0),
            pl.col("assumed_micro").fill_null(0),
        )
    )
    weighted = (
        pl.col("residents_full") * pl.col("w_full")
        + pl.col("residents_partial") * pl.col("w_partial")
        + (pl.col("residents_self_care") + pl.col("residents_unknown")) * pl.col("w_self_care")
    )
    required = ((weighted + pl.col("lcm") - 1) // pl.col("lcm")).cast(pl.Int64)
    return frame.with_columns(
        pl.lit(rule.id).alias("rule"),
        required.alias("required"),
    ).with_columns(
        (pl.col("required") * MICRO - pl.col("actual_micro")).clip(lower_bound=0).alias("short_micro"),
    )


def _shortfall_findings(frame: pl.DataFrame, rule, lang: str) -> pl.DataFrame:
    """An error per month short. Part-timers with no fte count 1, so the staff on duty is at
    most the figure shown: the shortfall is then at least what is shown and at most that
    plus their count — said as a range; a month that is met only by counting them fully is
    a warning (it may be short)."""
    floor = pl.col("required") * MICRO - (pl.col("actual_micro") - pl.col("assumed_micro"))
    short = frame.filter((pl.col("short_micro") > 0) | ((pl.col("assumed_micro") > 0) & (floor > 0)))
    month = pl.col("day").dt.strftime("%Y-%m")
    actual, gap = fte_text(pl.col("actual_micro")), fte_text(pl.col("short_micro"))
    bounded = pl.col("assumed_micro") > 0
    gap_max, assumed = fte_text(floor.clip(lower_bound=0)), fte_text(pl.col("assumed_micro"))
    if lang == "en":
        head = (
            pl.when(pl.col("short_micro") > 0)
            .then(pl.lit("Caregivers short at month-end "))
            .otherwise(pl.lit("Caregivers may be short at month-end "))
        )
        tail = (
            pl.when(~bounded)
            .then(pl.format("{} employed (FTE), {} short.", actual, gap))
            .when(pl.col("short_micro") > 0)
            .then(
                pl.format(
                    "at most {} employed (FTE: {} of it part-timers with no fte, counted as full-time), so at least {} "
                    "and at most {} short; fill in their fte.",
                    actual,
                    assumed,
                    gap,
                    gap_max,
                )
            )
            .otherwise(
                pl.format(
                    "at most {} employed (FTE: {} of it part-timers with no fte, counted as full-time): met only if "
                    "they work full-time, else up to {} short; fill in their fte.",
                    actual,
                    assumed,
                    gap_max,
                )
            )
        )
        message = pl.format(
            "{}{}: {} required for the residents' care levels (full {}, partial {}, self-care {}{}), {}",
            head,
            month,
            pl.col("required"),
            pl.col("residents_full"),
            pl.col("residents_partial"),
            pl.col("residents_self_care"),
            _unknown_note(lang),
            tail,
        )
    else:
        month_zh = pl.format("{}年{}月", pl.col("day").dt.year(), pl.col("day").dt.month())
        head = pl.when(pl.col("short_micro") > 0).then(pl.lit("护理员配备不足")).otherwise(pl.lit("护理员配备可能不足"))
        tail = (
            pl.when(~bounded)
            .then(pl.format("实际在岗折算 {} 人，缺 {} 人。", actual, gap))
            .when(pl.col("short_micro") > 0)
            .then(
                pl.format(
                    "实际在岗折算最多 {} 人（其中 {} 人是未填工时折算的兼职护理员，暂按全职计），"
                    "所以至少缺 {} 人、最多缺 {} 人；请填写兼职人员的工时折算。",
                    actual,
                    assumed,
                    gap,
                    gap_max,
                )
            )
            .otherwise(
                pl.format(
                    "实际在岗折算最多 {} 人（其中 {} 人是未填工时折算的兼职护理员，暂按全职计）："
                    "只有兼职人员都按全职在岗才达标，否则最多缺 {} 人；请填写兼职人员的工时折算。",
                    actual,
                    assumed,
                    gap_max,
                )
            )
        )
        message = pl.format(
            "{}末{}：按入住老人能力等级应配 {} 人（完全失能 {}、部分失能 {}、自理 {}{}），{}",
            month_zh,
            head,
            pl.col("required"),
            pl.col("residents_full"),
            pl.col("residents_partial"),
            pl.col("residents_self_care"),
            _unknown_note(lang),
            tail,
        )
    return as_findings(
        short.with_columns(
            pl.lit("staffing_ratio").alias("rule"),
            pl.when(pl.col("short_micro") > 0).then(pl.lit("error")).otherwise(pl.lit("warning")).alias("severity"),
            message.alias("message"),
            pl.format("required={} actual={} month={}", pl.col("required"), actual, month).alias("evidence")
            + pl.when(bounded).then(pl.format(" fte_assumed={} bound=upper", assumed)).otherwise(pl.lit("")),
            pl.lit(rule.citation).alias("citation"),
            month.alias("period"),
        )
    )


def _unknown_note(lang: str) -> pl.Expr:
    text = pick(lang, "、能力等级缺失按自理计 ", ", care level missing, counted as self-care ")
    return (
        pl.when(pl.col("residents_unknown") > 0)
        .then(pl.lit(text) + pl.col("residents_unknown").cast(pl.String))
        .otherwise(pl.lit(""))
    )


def _unknown_level_findings(frame: pl.DataFrame, rule, label: str, lang: str) -> pl.DataFrame:
    """One info per institution whose residents lack a care level in some month."""
    worst = (
        frame.filter(pl.col("residents_unknown") > 0)
        .group_by("institution_id")
        .agg(pl.col("residents_unknown").max().alias("n"))
    )
    message = pl.format(
        pick(
            lang,
            "有 {} 名入住老人缺少能力等级，护理员配备要求按自理计算，实际要求可能更高；请补充能力等级。",
            "{} residents have no care level; they were counted as self-care, so the caregiver requirement "
            "is a lower bound. Please supply their care level.",
        ),
        pl.col("n"),
    )
    return as_findings(
        worst.with_columns(
            pl.lit("staffing_ratio").alias("rule"),
            pl.lit("info").alias("severity"),
            message.alias("message"),
            pl.format("unknown_care_level_max={} rule={}", pl.col("n"), pl.lit(rule.id)).alias("evidence"),
            pl.lit(rule.citation).alias("citation"),
            pl.lit(label).alias("period"),
        )
    )


def check_staffing(tables: dict, pack, period, lang: str = "zh") -> tuple[pl.DataFrame, pl.DataFrame]:
    """Findings and the month-by-month staffing frame for every staffing_ratio rule, at
    the month-ends of `period` (an audit.dates.Period, or a year)."""
    rules = pack.rules_of_kind("staffing_ratio")
    if not rules:
        return empty_findings(), empty_staffing()
    span = as_span(period)
    label = span.label
    days = month_ends(span)
    census = resident_census(tables["residents"], span)
    fte = caregiver_fte(tables["staff"], days)
    findings, frames = [], []
    for rule in rules:
        ratios, gaps = _ratios_by_month(rule, days, lang, label)
        findings.append(finding_rows(gaps))
        if ratios is None:
            continue
        frame = _rule_frame(rule, ratios, tables["institutions"], census, fte)
        findings.append(_shortfall_findings(frame, rule, lang))
        findings.append(_unknown_level_findings(frame, rule, label, lang))
        frames.append(frame)
    staffing = (
        pl.concat(frames)
        .select(
            "institution_id",
            "rule",
            pl.col("day").alias("month_end"),
            *[f"residents_{lvl}" for lvl in LEVELS],
            "residents_unknown",
            "required",
            fte_float(pl.col("actual_micro")).alias("actual"),
            fte_float(pl.col("short_micro")).alias("shortfall"),
        )
        .cast(STAFFING_SCHEMA)
        .sort("institution_id", "rule", "month_end")
        if frames
        else empty_staffing()
    )
    return pl.concat(findings), staffing


def _checklist(rule, on: date, lang: str) -> list[tuple[str, dict]]:
    if not rule.has("residents_per_caregiver"):
        return []
    ratio = param_text(rule, "residents_per_caregiver", on, lang)
    return [
        (
            pick(
                lang,
                f"护理员配备：{ratio}（核对排班表、劳动合同与在岗护理员）",
                f"Caregiver staffing: {ratio} (check rosters, contracts, caregivers on duty)",
            ),
            {"kind": INSTITUTION, **({"is_tekun": {True}} if flag(rule, "tekun_only", on) else {})},
        )
    ]


# ---------------------------------------------------------------- the kinds, declared once

KINDS = [
    Kind(
        "staffing_ratio",
        "护理员配备比例",
        "caregiver staffing ratio",
        params={"residents_per_caregiver": {"table:persons"}, "tekun_only": {"bool"}, "rounding": {"text"}},
        check=check_staffing,
        reads=(("residents", "care_level"), *columns("staff", "role", "fte", "hired_on", "left_on")),
        reads_with={"tekun_only": columns("institutions", "is_tekun")},
        checklist=_checklist,
    ),
]
