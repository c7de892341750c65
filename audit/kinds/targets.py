"""Institution and area targets (docs/policy-digest.md §5): warnings, not payment blocks.

Values are read at the settlement period's last day (a year's: 31 December); staff count
when employed that day.
All comparisons are exact (integers against the target's Fraction).

- nursing_bed_share: nursing_beds / beds ≥ min, per residential institution.
- beds_per_social_worker: social workers' FTE ≥ ceil(beds / N), N = the rule's min/max.
- senior_grade_share (area): caregivers certified senior or technician (高级以上)
  ÷ certified caregivers, per county.
- first_aid_share (area): certified caregivers holding a first-aid certificate ÷
  certified caregivers ("持证养老护理员中持救护员证"), per county.
- per-10k / per-1k indicators need the number of older people, which the data does
  not carry: one info finding per indicator says so (never a guessed population)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import polars as pl

from audit.kinds.base import TARGET_UNITS, Kind
from audit.kinds.common import INSTITUTION, as_span, param_text
from audit.kinds.checking import (
    MICRO,
    as_findings,
    employed,
    finding_rows,
    fraction_percent,
    fte_text,
    gap_finding,
    percent_text,
    pick,
    read_value,
)
from audit.errors import PolicyGap

CERTIFIED = ("junior", "intermediate", "senior", "technician")
SENIOR_OR_ABOVE = ("senior", "technician")  # 高级以上


def _threshold(rule, on: date):
    """(min-or-max value as Fraction | PolicyGap | None)."""
    for name in ("min", "max"):
        if rule.has(name):
            v = read_value(rule, name, on)
            return v if v is None or isinstance(v, PolicyGap) else Fraction(v), name
    return None, "min"


def _residential(institutions: pl.DataFrame) -> pl.DataFrame:
    return institutions.filter(pl.col("kind").is_null() | (pl.col("kind") == "institution"))


def nursing_bed_share(tables, rule, target: Fraction, year, on, lang) -> pl.DataFrame:
    insts = _residential(tables["institutions"]).filter(
        (pl.col("beds") > 0)
        & pl.col("nursing_beds").is_not_null()
        & (pl.col("nursing_beds") * target.denominator < pl.col("beds") * target.numerator)
    )
    share = percent_text(pl.col("nursing_beds"), pl.col("beds"))
    tgt = fraction_percent(target)
    message = pl.format(
        pick(
            lang,
            "护理型床位占比 {}（护理型床位 {} 张 / 核定床位 {} 张），低于目标 " + tgt + "。",
            "Nursing-type bed share {} ({} of {} beds) is below the target of " + tgt + ".",
        ),
        share,
        pl.col("nursing_beds"),
        pl.col("beds"),
    )
    return as_findings(
        insts.with_columns(
            pl.lit("nursing_bed_share").alias("rule"),
            pl.lit("warning").alias("severity"),
            message.alias("message"),
            pl.format(
                "share={} target={} nursing_beds={} beds={}", share, pl.lit(tgt), pl.col("nursing_beds"), pl.col("beds")
            ).alias("evidence"),
            pl.lit(rule.citation).alias("citation"),
            pl.lit(str(year)).alias("period"),
        )
    )


def beds_per_social_worker(tables, rule, per: Fraction, year, on, lang) -> pl.DataFrame:
    sw = (
        employed(tables["staff"].filter(pl.col("role") == "social_worker"), [on])
        .group_by("institution_id")
        .agg(pl.col("fte_micro").sum().alias("actual_micro"))
    )
    # required = ceil(beds / per) = ceil(beds·den / num)
    required = (pl.col("beds") * per.denominator + per.numerator - 1) // per.numerator
    rows = (
        _residential(tables["institutions"])
        .filter(pl.col("beds") > 0)
        .join(sw, on="institution_id", how="left")
        .with_columns(pl.col("actual_micro").fill_null(0), required.cast(pl.Int64).alias("required"))
        .filter(pl.col("actual_micro") < pl.col("required") * MICRO)
    )
    actual = fte_text(pl.col("actual_micro"))
    n = str(per.numerator) if per.denominator == 1 else str(per)
    message = pl.format(
        pick(
            lang,
            "核定床位 {} 张，按每 " + n + " 张床位 1 名社会工作者应配 {} 名，" + _end(year, lang) + "实际 {} 名。",
            "{} beds require {} social workers (one per " + n + " beds); {} employed at " + _end(year, lang) + ".",
        ),
        pl.col("beds"),
        pl.col("required"),
        actual,
    )
    return as_findings(
        rows.with_columns(
            pl.lit("beds_per_social_worker").alias("rule"),
            pl.lit("warning").alias("severity"),
            message.alias("message"),
            pl.format(
                "required={} actual={} beds={} date={}",
                pl.col("required"),
                actual,
                pl.col("beds"),
                pl.lit(on.isoformat()),
            ).alias("evidence"),
            pl.lit(rule.citation).alias("citation"),
            pl.lit(str(year)).alias("period"),
        )
    )


INSTITUTION_METRICS = {"nursing_bed_share": nursing_bed_share, "beds_per_social_worker": beds_per_social_worker}


def _certified_by_county(tables, on: date) -> pl.DataFrame:
    """Per county: certified caregivers employed on `on`, those senior or above, those with first aid."""
    staff = employed(
        tables["staff"].filter((pl.col("role") == "caregiver") & pl.col("care_certificate").is_in(CERTIFIED)), [on]
    ).join(tables["institutions"].select("institution_id", "county").drop_nulls(), on="institution_id", how="inner")
    counties = (
        tables["institutions"].select(pl.col("county")).unique().drop_nulls()
    )  # a missing county is a validation error
    agg = staff.group_by("county").agg(
        pl.len().cast(pl.Int64).alias("certified"),
        pl.col("care_certificate").is_in(SENIOR_OR_ABOVE).sum().cast(pl.Int64).alias("senior"),
        pl.col("first_aid_certificate").fill_null(False).sum().cast(pl.Int64).alias("first_aid"),
    )
    return counties.join(agg, on="county", how="left").with_columns(
        pl.col("certified", "senior", "first_aid").fill_null(0)
    )


AREA_SHARES = {  # metric -> (numerator column, zh label, en label)
    "senior_grade_share": (
        "senior",
        "高级以上护理员占持证护理员比例",
        "share of certified caregivers at senior grade or above",
    ),
    "first_aid_share": (
        "first_aid",
        "持证护理员中持救护员证比例",
        "share of certified caregivers holding a first-aid certificate",
    ),
}


def area_share(tables, rule, metric, target: Fraction, year, on, lang) -> pl.DataFrame:
    col, zh, en = AREA_SHARES[metric]
    counts = _certified_by_county(tables, on)
    tgt = fraction_percent(target)
    short = counts.filter(
        (pl.col("certified") > 0) & (pl.col(col) * target.denominator < pl.col("certified") * target.numerator)
    )
    share = percent_text(pl.col(col), pl.col("certified"))
    message = pl.format(
        pick(
            lang,
            "{}：" + zh + " {}（{} / {} 人），低于目标 " + tgt + "。",
            "{}: " + en + " is {} ({} of {}), below the target of " + tgt + ".",
        ),
        pl.col("county"),
        share,
        pl.col(col),
        pl.col("certified"),
    )
    warnings = short.with_columns(
        pl.lit("warning").alias("severity"),
        message.alias("message"),
        pl.format(
            "county={} share={} target={} {}={} certified={}",
            pl.col("county"),
            share,
            pl.lit(tgt),
            pl.lit(col),
            pl.col(col),
            pl.col("certified"),
        ).alias("evidence"),
    )
    none = counts.filter(pl.col("certified") == 0).with_columns(
        pl.lit("info").alias("severity"),
        pl.format(
            pick(
                lang,
                "{}：" + _end(year, lang) + "无持证护理员，无法计算" + zh + "。",
                "{}: no certified caregivers at " + _end(year, lang) + "; the " + en + " cannot be computed.",
            ),
            pl.col("county"),
        ).alias("message"),
        pl.format("county={} certified=0 target={}", pl.col("county"), pl.lit(tgt)).alias("evidence"),
    )
    return as_findings(
        pl.concat([warnings, none], how="diagonal").with_columns(
            pl.lit(None, dtype=pl.String).alias("institution_id"),
            pl.lit(metric).alias("rule"),
            pl.lit(rule.citation).alias("citation"),
            pl.lit(str(year)).alias("period"),
        )
    )


def _missing_data(rule, metric: str, year: int, lang: str, what_zh: str, what_en: str) -> dict:
    return {
        "institution_id": None,
        "rule": metric,
        "severity": "info",
        "message": pick(
            lang,
            f"指标“{rule.title or metric}”需要{what_zh}，输入数据中没有，未作评估。",
            f"Indicator “{getattr(rule, 'title_en', '') or metric}” needs {what_en}, "
            f"which the input does not contain; not evaluated.",
        ),
        "evidence": f"rule={rule.id} metric={metric}",
        "citation": rule.citation,
        "period": str(year),
    }


MISSING_DATA = {  # metric (or its ending) -> what the input would need to carry
    "per_10k": ("辖区老年人口数", "the older population count"),
    "per_1k": ("辖区老年人口数", "the older population count"),
    "lottery_elderly_share": ("福利彩票公益金使用数据", "welfare-lottery fund accounts"),
    "lottery_home_care_share": ("福利彩票公益金使用数据", "welfare-lottery fund accounts"),
    "facility_land_m2_per_capita": ("养老服务设施用地面积和人口数", "facility land area and population"),
    "head_training_interval_years": ("机构负责人培训记录", "training records of institution heads"),
}


def _not_computable(rule, metric: str, year: int, lang: str) -> dict:
    key = next((k for k in MISSING_DATA if metric == k or metric.endswith(k)), None)
    zh, en = MISSING_DATA.get(key, ("本工具尚不能从输入数据计算的信息", "data this tool cannot compute it from"))
    return _missing_data(rule, metric, year, lang, zh, en)


def _end(label: str, lang: str) -> str:
    """ "年末" for a calendar year's label (2024), else "期末" (2024H1, 2024-05, ...)."""
    return pick(lang, "年末", "year end") if label.isdigit() else pick(lang, "期末", "period end")


def check_targets(tables: dict, pack, period, lang: str = "zh") -> pl.DataFrame:
    """Institution targets and area targets of the pack (loops over rules only), as on
    the last day of `period` (an audit.dates.Period, or a year)."""
    span = as_span(period)
    on, year = span.end, span.label
    parts, notes = [], []
    for kind in ("institution_target", "area_target"):
        for rule in pack.rules_of_kind(kind):
            metric = read_value(rule, "metric", on)
            if metric is None:
                continue  # not in force at the period end
            if isinstance(metric, PolicyGap):
                notes.append(gap_finding(rule, "metric", lang, str(year)))
                continue
            supported = AREA_SHARES if kind == "area_target" else INSTITUTION_METRICS
            if metric not in supported:
                notes.append(_not_computable(rule, metric, year, lang))
                continue
            target, name = _threshold(rule, on)
            if target is None:
                continue
            if isinstance(target, PolicyGap):
                notes.append(gap_finding(rule, name, lang, str(year)))
                continue
            if kind == "area_target":
                parts.append(area_share(tables, rule, metric, target, year, on, lang))
            else:
                parts.append(INSTITUTION_METRICS[metric](tables, rule, target, year, on, lang))
    return pl.concat([finding_rows(notes), *parts])


CHECKLIST_METRICS = {
    "nursing_bed_share": ("护理型床位占比", "nursing-bed share"),
    "beds_per_social_worker": ("每名社会工作者对应床位数", "beds per social worker"),
    "head_training_interval_years": (
        "机构负责人参加培训的间隔（年）",
        "years between trainings of the institution's head",
    ),
}


def _checklist(rule, on: date, lang: str) -> list[tuple[str, dict]]:
    metric = rule.reading("metric", on)
    bound = "min" if rule.has("min") else "max" if rule.has("max") else None
    if metric.state != "value" or not bound:
        return []
    zh, en = CHECKLIST_METRICS.get(metric.value, (metric.value, metric.value))
    op = pick(lang, "不低于" if bound == "min" else "不高于", "at least" if bound == "min" else "at most")
    return [(f"{pick(lang, zh, en)} {op} {param_text(rule, bound, on, lang)}", {"kind": INSTITUTION})]


# ---------------------------------------------------------------- the kinds, declared once

_TARGET = {"metric": {"text"}, "min": TARGET_UNITS, "max": TARGET_UNITS}
KINDS = [
    Kind(
        "institution_target",
        "机构指标",
        "institution target",
        params=_TARGET,
        check=check_targets,
        checklist=_checklist,
    ),
    Kind("area_target", "区域指标", "area target", params=_TARGET, check=check_targets),
]
