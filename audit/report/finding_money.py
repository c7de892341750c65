"""The money at stake in each finding of a self-check: what the institution is not paid
because of it, worked out from the pack's parameters with the clause cited — or, where its
own data cannot give a figure, a sentence saying why (never a 0 that looks like a sum).

- construction-bed conditions (lease term, bed minimum, registration, acceptance,
  opening): beds to subsidise × the rule's rate (× the for-profit share) × the leased
  schedule's years, for every construction_per_bed rule of the finding's clause that
  sets the condition; a rate the text leaves open is named as a gap;
- claims findings and person-months cut: the amount not approved, cut, or left unclaimed
  (`amount=` in the evidence, as the claims audit worked it out);
- inputs the reader could not use (at_stake_*, audit.stake): the most not paid (`amount=`);
- money paid on a reading the bureau should confirm (a shared county name read as local, a
  premium rule begun mid-year): the amount paid that way, never called unpaid;
- a rule-level finding spread over many homes (own_amounts): the home's own amount;
- anything else: why no figure is given."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import polars as pl

from audit.kinds.common import PROFIT_BLANK_OPEN, PROFIT_STATUS, pct
from audit.money import fen_to_yuan_expr, mul_share_expr

# finding code → the construction_per_bed parameter that makes it a condition
CONDITION_PARAM = {
    "lease_term": "leased_min_years",
    "bed_minimum": "min_beds",
    "not_registered": "require_registered",
    "not_accepted": "require_accepted",
    "not_operating": "require_operating",
}
PER_BED_KIND = "construction_per_bed"
CUT_RULES = ("died", "under_60", "not_on_roster")  # operating-grant person-months cut, `amount=` in evidence
# findings whose evidence gives the most not paid because of them as `amount=`
HELD_RULES = ("lease_part_beds_subsidised", "before_rule_start", "premium_part_year")
# findings whose `amount=` IS paid, on a reading the bureau should confirm (not money held back)
PAID_ON_READING = (pl.col("rule") == "at_stake_hukou_read_as_home") | (
    (pl.col("rule") == "premium_part_year") & pl.col("evidence").str.contains("paid=yes", literal=True)
)

AMOUNT_IN_EVIDENCE = r"amount=(-?[\d,]+\.\d\d)"  # the money a finding states in its evidence

WORDS = {
    # per_bed: beds, rate, per year?, for-profit note, years, amount, rule title, clause (pl.format)
    "zh": {
        "per_bed": "{} 张床 × {} 元/床{}{}{} = {} 元不予补助（{}，{}）",
        "per_year": "/年",
        "share": "（营利性按 {pct}）",
        "years": " × {n} 年",
        "rate_gap": "{title}：原文未规定补助标准（{param}），该部分金额无法计算（{citation}）",
        "no_premises": "{title}：缺少用房性质（自建/租赁），无法计算",
        "claim": "申报金额中 {} 元未予核定（{}）",
        "cut": "核减 {} 元（{}）",
        "at_stake": "最多 {} 元未计发（{}）",
        "paid_on_reading": "{} 元已按此计发，是否应付由主管部门核定（{}）",
        "see_stake": "涉及的金额（如能计算）另列一条“涉及金额”的发现",
        "unclaimed": "符合条件而未申报 {} 元（{}）",
        "gap": "原文未规定该参数，相关款项未计发；金额待主管部门确定标准后才能计算（不按零计）",
        "estimated": "已按输入数据的平均保费计发；主管部门公布的平均保费不同时，金额随之变化",
        "blank_open": "未填写营利性质，已按营利性计发；如属非营利性，原文未规定其补助比例，应计发数额无法计算（不按零计）",
        "other_home": "金额取决于另一机构的申报，须由主管部门核对后确定，本机构数据无法计算",
        "level": "金额取决于评定后的等级，评定前无法计算",
        "out_of_scope": "不在该条款补助范围内，没有可经整改取得的金额",
        "sep": "；",
        "no_money": "该项不直接对应补贴金额（指标、配备或数据问题），无法计算",
        "unknown": "本机构数据无法单独计算该项涉及的金额",
    },
    "en": {
        "per_bed": "{} beds × {} yuan/bed{}{}{} = {} yuan not payable ({}, {})",
        "per_year": "/year",
        "share": " (for-profit at {pct})",
        "years": " × {n} years",
        "rate_gap": "{title}: the text sets no rate ({param}); this part cannot be computed ({citation})",
        "no_premises": "{title}: premises (self-built/leased) missing; cannot be computed",
        "claim": "{} yuan of the claim not approved ({})",
        "cut": "{} yuan cut ({})",
        "at_stake": "up to {} yuan not paid ({})",
        "paid_on_reading": "{} yuan is paid on this reading; whether it is due is for the bureau ({})",
        "see_stake": "the money at stake, where it can be computed, is a finding of its own ('money at stake')",
        "unclaimed": "{} yuan eligible but not claimed ({})",
        "gap": "The text sets no value: the amount is not paid and cannot be computed until the bureau sets one "
        "(never counted as zero)",
        "estimated": "Paid on the input's mean premium; if the bureau's published average differs, so does the amount",
        "blank_open": "Profit status blank: paid as for-profit; if non-profit, the text sets no share for it and what "
        "is due cannot be computed (never counted as zero)",
        "other_home": "Depends on another institution's claim; the bureau settles it, your data cannot",
        "level": "Depends on the rating level still to be assessed; cannot be computed before",
        "out_of_scope": "Outside the clause's scope: no amount a fix would bring",
        "sep": "; ",
        "no_money": "Not tied to a grant amount (a target, staffing or data problem); cannot be computed",
        "unknown": "Your own data cannot give the amount this finding concerns",
    },
}
REASON = {
    "policy_gap": "gap",
    "average_premium_from_input": "estimated",
    PROFIT_BLANK_OPEN: "blank_open",
    "not_in_force": "gap",
    "double_claim": "other_home",
    "claim_at_other_home": "other_home",
    "unrated": "level",
    "not_eligible": "out_of_scope",
    "nursing_bed_share": "no_money",
    "beds_per_social_worker": "no_money",
    "staffing_ratio": "no_money",
    "second_payroll": "no_money",
    "overlapping_stay": "no_money",
    "overlapping_employment": "no_money",
    "nursing_occupancy": "no_money",
    "implausible_age": "no_money",
    "over_beds": "no_money",
    "institution_target": "no_money",
    "fte_unknown": "no_money",
    # inputs the reader could not use: audit.stake gives their money as at_stake_* findings
    "place_unresolved": "see_stake",
    "rule_input_missing": "see_stake",
    "missing_year": "see_stake",
}


def _fen(expr: pl.Expr) -> pl.Expr:
    return fen_to_yuan_expr(expr, thousands=True)


def _per_bed_rows(findings: pl.DataFrame, inst: pl.DataFrame, pack, on: date, W: dict) -> pl.DataFrame:
    """(_row, text, fen) for each construction-bed condition finding and each rule that sets it."""
    out = []
    for rule in pack.rules.values():
        if rule.kind != PER_BED_KIND:
            continue
        title = (rule.title_en or rule.title) if W is WORDS["en"] else rule.title
        for code, param in CONDITION_PARAM.items():
            setting = rule.reading(param, on)
            if setting.state != "value" or setting.value in (False, None):
                continue
            hit = findings.filter((pl.col("rule") == code) & (pl.col("citation") == rule.citation)).join(
                inst, on="institution_id", how="inner"
            )
            if hit.is_empty():
                continue
            n_years = rule.reading("leased_schedule_years", on)
            years = int(n_years.value) if n_years.state == "value" and n_years.value else 1
            share = rule.reading("forprofit_share", on)
            parts = []
            for premises, name in (("self_built", "rate_self_built"), ("leased", "rate_leased")):
                rate = rule.reading(name, on)
                mine = pl.col("premises") == premises
                if rate.state == "gap":
                    parts.append(
                        pl.when(mine).then(
                            pl.lit(W["rate_gap"].format(title=title, param=f"{rule.id}.{name}", citation=rule.citation))
                        )
                    )
                    continue
                if rate.state != "value":  # the clause does not pay this kind of premises
                    continue
                n = years if premises == "leased" else 1
                base = pl.lit(int(rate.value), pl.Int64)
                forprofit = PROFIT_STATUS == "forprofit"  # a blank 营利性质 is paid as for-profit
                if share.state == "value" and share.value is not None:
                    cut = Fraction(share.value)
                    fen = pl.when(forprofit).then(mul_share_expr(base, cut)).otherwise(base)
                    note = pl.when(forprofit).then(pl.lit(W["share"].format(pct=pct(cut)))).otherwise(pl.lit(""))
                else:
                    fen, note = base, pl.lit("")
                amount = pl.col("quantity") * fen * n
                text = pl.format(
                    W["per_bed"],
                    pl.col("quantity"),
                    _fen(fen),
                    pl.lit(W["per_year"] if n > 1 else ""),
                    note,
                    pl.lit(W["years"].format(n=n) if n > 1 else ""),
                    _fen(amount),
                    pl.lit(title),
                    pl.lit(rule.citation),
                )
                parts.append(pl.when(mine).then(text))
            if not parts:
                continue
            text = pl.coalesce(*parts, pl.lit(W["no_premises"].format(title=title)))
            out.append(hit.select("_row", text.alias("text")))
    if not out:
        return pl.DataFrame(schema={"_row": pl.UInt32, "text": pl.String})
    return pl.concat(out)


def with_stake(findings: pl.DataFrame, institutions: pl.DataFrame | None, pack, on: date, lang: str) -> pl.DataFrame:
    """`findings` with a `stake` column: the money at stake as worked-out words, or why it
    cannot be given. `institutions` needs beds, beds_subsidized_before, premises, profit_status."""
    W = WORDS["en" if lang == "en" else "zh"]
    if findings.is_empty():
        return findings.with_columns(pl.lit(None, pl.String).alias("stake"))
    f = findings.with_row_index("_row")
    per_bed = pl.DataFrame(schema={"_row": pl.UInt32, "text": pl.String})
    cols = {"institution_id", "beds", "premises", "profit_status"}
    if institutions is not None and cols <= set(institutions.columns):
        before = (
            pl.col("beds_subsidized_before").fill_null(0)
            if "beds_subsidized_before" in institutions.columns
            else pl.lit(0)
        )
        inst = institutions.select(
            "institution_id",
            "premises",
            "profit_status",
            (pl.col("beds").fill_null(0) - before).clip(lower_bound=0).alias("quantity"),
        )
        per_bed = _per_bed_rows(f.filter(pl.col("institution_id").is_not_null()), inst, pack, on, W)
    per_bed = per_bed.group_by("_row").agg(pl.col("text").sort().str.join(W["sep"]).alias("_bed"))
    claim_fen = pl.col("evidence").str.extract(AMOUNT_IN_EVIDENCE)
    cited = pl.col("citation").fill_null("")
    claim = (
        pl.when(claim_fen.is_null())
        .then(None)
        .when(pl.col("rule") == "claim_missing")
        .then(pl.format(W["unclaimed"], claim_fen.str.strip_chars("-"), cited))
        .when(pl.col("rule").str.starts_with("claim_"))
        .then(pl.format(W["claim"], claim_fen, cited))
        .when(pl.col("rule").is_in(CUT_RULES))
        .then(pl.format(W["cut"], claim_fen, cited))
        .when(PAID_ON_READING)
        .then(pl.format(W["paid_on_reading"], claim_fen, cited))
        .when(pl.col("rule").str.starts_with("at_stake_") | pl.col("rule").is_in(HELD_RULES))
        .then(pl.format(W["at_stake"], claim_fen, cited))
    )
    reason = pl.col("rule").replace_strict(
        {r: W[k] for r, k in REASON.items()}, default=W["unknown"], return_dtype=pl.String
    )
    return (
        f.join(per_bed, on="_row", how="left")
        .with_columns(pl.coalesce(pl.col("_bed"), claim, reason).alias("stake"))
        .sort("_row")
        .drop("_row", "_bed")
    )


def own_amounts(general: pl.DataFrame, institution_id: str, home_amounts: dict, lang: str) -> pl.DataFrame:
    """The rule-level findings that spread a rule's money over many homes (premium_part_year,
    before_rule_start: Ctx.spread) as one home's self-check shows them: kept only where the
    rule touches the home, with the home's own amount as the money (the finding states the
    total over all homes). `home_amounts`: Ctx.home_amounts (home_amounts_key → {id: fen});
    a finding it does not record stays as it is."""
    W = WORDS["en" if lang == "en" else "zh"]
    ev = pl.col("evidence").fill_null("")
    # home_amounts_key: code, rule= of the evidence, period
    key = pl.concat_str(pl.col("rule"), pl.lit(" "), ev.str.extract(r"rule=(\S+)"), pl.lit("@"), pl.col("period"))
    own = {k: homes[institution_id] for k, homes in home_amounts.items() if institution_id in homes}
    fen = key.replace_strict(own, default=None, return_dtype=pl.Int64)
    hit = key.is_in(list(home_amounts))
    cited = pl.col("citation").fill_null("")
    words = (
        pl.when(PAID_ON_READING)
        .then(pl.format(W["paid_on_reading"], _fen(fen), cited))
        .otherwise(pl.format(W["at_stake"], _fen(fen), cited))
    )
    return general.filter(~hit.fill_null(False) | fen.is_not_null()).with_columns(
        pl.when(hit).then(words).otherwise(pl.col("stake")).alias("stake")
    )
