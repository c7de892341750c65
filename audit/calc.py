"""Calculators: Dataset + Pack + year → ledger (one row per payable line) and the
findings met on the way (policy gaps, failed conditions).

Each subsidy kind declares its function (audit.kinds.registry); the pack says which rules
of which kinds apply. Kinds that are checks belong to audit.checks and are skipped here."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import polars as pl

from audit.data.validation import in_user_terms
from audit.dates import Period, month_runs
from audit.kinds.common import (
    FINDING_SORT,
    LEDGER_SORT,
    Ctx,
    Gap,
    as_findings,
    as_ledger,
    basis_en,
    empty_findings,
    empty_ledger,
    yuan,
)
from audit.kinds.registry import KINDS, interpretations
from audit.money import check_ledger_amounts

# rule kind → its calculator (one rule at a time), from each kind's declaration
CALCULATORS = {k.name: k.compute for k in KINDS.values() if k.compute is not None and not k.together}
INTERPRETATIONS = interpretations()


def compute(dataset, pack, year: int, lang: str = "zh", period=None) -> tuple[pl.DataFrame, pl.DataFrame, Ctx]:
    """compute_ledger plus the context (interpretations used, average premiums) for the manifest.
    `period` (audit.dates.Period, default the calendar year `year`) is the settlement span."""
    tables = dataset.tables if hasattr(dataset, "tables") else dataset
    if period is not None and period.is_calendar_year:
        year, period = period.start.year, None  # a calendar year is the classic run, unchanged
    elif period is not None:
        year = period.end.year
    ctx = Ctx(pack=pack, year=year, lang=lang, period=period)
    parts = []
    for rule in pack.rules.values():
        fn = CALCULATORS.get(rule.kind)
        if fn is None:
            continue
        for part in _parts_in_force(rule, ctx):
            try:
                parts.append(fn(rule, tables, part))
            except Gap as g:  # a gap in a parameter every line needs (e.g. the payer)
                part.gap(rule, g, tables["institutions"]["institution_id"])
        _before_start(rule, fn, tables, ctx)
    for kind in KINDS.values():  # computed together (premium shares cap each other), year by year
        if kind.together:
            for piece in _calendar_pieces(ctx):
                parts.append(_together(kind, pack.rules_of_kind(kind.name), tables, piece))
    parts = [as_ledger(p) for p in parts if p.height]
    ledger = pl.concat(parts) if parts else empty_ledger()
    ledger = ledger.filter(pl.col("amount_fen") != 0).sort(LEDGER_SORT, nulls_last=True)
    check_ledger_amounts(ledger, lang)
    if lang == "en":
        ledger = ledger.with_columns(basis_en(pl.col("basis")).alias("basis"))
    findings = pl.concat(ctx.findings) if ctx.findings else empty_findings()
    # two rules of one clause (city and province parts) find the same thing once
    findings = as_findings(findings).unique(maintain_order=True)
    findings = findings.with_columns(in_user_terms(pl.col("evidence"), lang))
    return ledger, findings.sort(FINDING_SORT, nulls_last=True), ctx


def _together(kind, rules: list, tables: dict, ctx: Ctx) -> pl.DataFrame:
    """The rules of a kind computed together (premium shares cap each other), settled by
    whole years. A premium is one annual amount with no payment date, so it is not split by
    months: as every annual amount, it is settled by the rule in force on the period's last
    day (the reference date; Rule.spans_in_force's last month). A rule in force in only some
    months gets one rule-level finding with the money summed over the homes (_part_period):
    paid in full when it holds at the end (info: if the premium was paid before the rule
    started, whether it is covered is for the bureau), not paid when it ended before (warning:
    what it would pay, computed with the others as if it held the whole period). In force in
    no month: not_in_force."""
    span = ctx.span
    held = {r.id: r.spans_in_force(span) for r in rules}
    at_end = [r for r in rules if held[r.id] and held[r.id][-1].end == span.end]
    lines = kind.compute(at_end, tables, ctx) if at_end else empty_ledger()
    for rule in rules:
        if not held[rule.id]:
            _not_in_force(rule, ctx.year, ctx)
        elif rule in at_end and held[rule.id] != [span]:
            _part_period(rule, lines, ctx, paid=True)
        elif rule not in at_end:
            shadow = [r if r is not rule else rule.holding_over(span) for r in rules if r in at_end or r is rule]
            try:  # the shadow run's findings are not the run's: only its money is
                would = kind.compute(
                    shadow, tables, Ctx(pack=ctx.pack, year=ctx.year, lang=ctx.lang, period=ctx.period)
                )
            except Gap:
                continue
            _part_period(rule, would, ctx, paid=False)
    return lines


def _calendar_pieces(ctx: Ctx) -> list[Ctx]:
    """The run cut at year ends. An annual amount (a premium) belongs to its year, so each
    year of a run over several is settled by the rules in force in that year, as a run of
    that year alone would: a rule that ended in 2023 still pays the 2023 premiums of a
    2023-01..2024-12 run, and one that starts in 2024 pays no 2023 premium."""
    span = ctx.span
    if span.start.year == span.end.year:
        return [ctx]
    pieces = [
        Period(max(span.start, date(y, 1, 1)), min(span.end, date(y, 12, 31)))
        for y in range(span.start.year, span.end.year + 1)
    ]
    return [
        replace(ctx, year=p.start.year, period=None) if p.is_calendar_year else replace(ctx, year=p.end.year, period=p)
        for p in pieces
    ]


def _part_period(rule, lines: pl.DataFrame, ctx: Ctx, paid: bool) -> None:
    """One rule-level finding (Ctx.spread): the public share `rule` (in force in part of the
    period) pays (paid: info) or would pay (not paid: warning), summed over the homes."""
    if not lines.height:
        return
    mine = lines.filter((pl.col("rule") == rule.id) & (pl.col("payer") != "institution") & (pl.col("amount_fen") != 0))
    if not mine.height:
        return
    per_home = mine.group_by("institution_id").agg(pl.col("amount_fen").sum()).sort("institution_id")
    homes, total = per_home.height, yuan(int(per_home["amount_fen"].sum()))
    months = ",".join(s.label for s in rule.spans_in_force(ctx.span))
    where = ctx.span.label_zh() if ctx.period else f"{ctx.year} 年"
    zh = f"规则 {rule.id} 在 {where}只在 {months} 施行；保费按年度记录（每年一份、无缴费日期），不按月折算："
    en = (
        f"rule {rule.id} holds in only {months} of {ctx.period_label}; a premium is recorded per year (one a year, "
        "no payment date) and is not split by months: "
    )
    if paid:
        zh += (
            f"按期末有效的规则全额计发 {homes} 个机构的保费补助，合计 {total} 元（各机构金额见明细）；"
            "如保费缴于规则施行前，是否补助由主管部门决定"
        )
        en += (
            f"the rule in force at the period's end pays the share of {homes} home(s) in full, {total} yuan "
            "in all (each home's amount is in its lines); if a premium was paid before the rule started, whether "
            "it is covered is for the bureau"
        )
    else:
        zh += (
            f"规则在期末前已终止，{homes} 个机构的保费补助不计发；如全期施行，合计应得 {total} 元，"
            "是否补助由主管部门决定"
        )
        en += (
            f"the rule ended before the period's end, so the share of {homes} home(s) is not paid; in force the "
            f"whole period it would pay {total} yuan in all; whether it is covered is for the bureau to decide"
        )
    evidence = f"in_force={months} period={ctx.period_label} paid={'yes' if paid else 'no'}"
    ctx.spread("premium_part_year", "info" if paid else "warning", rule, per_home, ctx.t(zh, en), evidence)


def _not_in_force(rule, year: int, ctx: Ctx) -> None:
    """Info: the rule holds in no month of the run, so it is not computed."""
    ctx.finding(
        "not_in_force",
        "info",
        ctx.t(
            f"规则 {rule.id} 在 {ctx.span.label_zh() if ctx.period else f'{year} 年'}未生效（或已终止），不计算",
            f"rule {rule.id} is not in force in {ctx.period_label}; not computed",
        ),
        f"rule={rule.id} year={year}" if ctx.period is None else f"rule={rule.id} period={ctx.period_label}",
        rule.citation,
    )


def _parts_in_force(rule, ctx: Ctx) -> list[Ctx]:
    """The run's context narrowed to each run of months the rule is in force in
    (Rule.spans_in_force), so those months are paid at the values then in force: a rule
    that ends on 30 June pays January–June of a yearly run, read on 30 June. The months
    left out are an info finding naming them; a rule in force in no month, not_in_force."""
    span = ctx.span
    spans = rule.spans_in_force(span)
    if spans == [span]:
        return [ctx]
    if not spans:
        _not_in_force(rule, ctx.year, ctx)
        return []
    paid = [s.label for s in spans]
    held = {d for s in spans for d in s.month_ends}
    out = [s.label for s in month_runs([d for d in span.month_ends if d not in held])]
    begin, end = _first_day(rule, span), _last_day(rule)
    ctx.finding(
        "months_not_in_force",
        "info",
        ctx.t(
            f"规则 {rule.id} 自 {begin} 起施行"
            + (f"、至 {end} 止" if end else "")
            + f"：期间 {span.label} 中只计发 {'、'.join(paid)}（按当时有效的数值），"
            + f"{'、'.join(out)} 不计发",
            f"rule {rule.id} holds from {begin}"
            + (f" until {end}" if end else "")
            + f": of {span.label} only {', '.join(paid)} is paid (at the values then in force); "
            + f"{', '.join(out)} is not",
        ),
        f"rule={rule.id} from={begin} until={end or '—'} paid={','.join(paid)} not_paid={','.join(out)} "
        f"period={span.label}",
        rule.citation,
    )
    return [
        replace(ctx, year=s.start.year, period=None) if s.is_calendar_year else replace(ctx, year=s.end.year, period=s)
        for s in spans
    ]


def _first_day(rule, span) -> date:
    """The first day every parameter of the rule has a value."""
    return max((p.values[0].start for p in rule.params.values() if p.values), default=span.start)


def _last_day(rule) -> date | None:
    ends = [p.values[-1].until for p in rule.params.values() if p.values and p.values[-1].until is not None]
    return min(ends, default=None)


def _before_start(rule, fn, tables: dict, ctx: Ctx) -> None:
    """A rule that starts inside the run pays from its first month in force, so a home whose
    money fell due in the months before (a construction subsidy due in March under a rule
    from September) gets nothing in this run or any later one. Whether a new rule covers
    homes that qualified before it started is for the bureau, so the money is not certainly
    due: one rule-level info finding (Ctx.spread) names what those months would carry at the
    rule's own first values for each home and in all (the calculator run on them with the
    rule reaching back; never a ledger line)."""
    span = ctx.span
    spans = rule.spans_in_force(span)
    if not spans or spans[0].start == span.start:
        return
    begin = _first_day(rule, span)
    early = [
        Ctx(pack=ctx.pack, year=s.start.year, lang=ctx.lang)
        if s.is_calendar_year
        else Ctx(pack=ctx.pack, year=s.end.year, lang=ctx.lang, period=s)
        for s in month_runs([d for d in span.month_ends if d < spans[0].start])
    ]
    shadow = rule.holding_over(span)
    found = []
    for part in early:  # findings and gaps of these runs are not the run's: only their money is
        try:
            lines = fn(shadow, tables, part)
        except Gap:
            continue
        if lines.height:
            found.append(lines.select("institution_id", "item", "amount_fen"))
    if not found:
        return
    due = pl.concat(found).filter(pl.col("amount_fen") != 0)
    if not due.height:
        return
    per_home = due.group_by("institution_id").agg(pl.col("amount_fen").sum()).sort("institution_id")
    labels = [p.period_label for p in early]
    items = ",".join(due["item"].unique().sort().to_list())
    homes, total = per_home.height, yuan(int(per_home["amount_fen"].sum()))
    zh = (
        f"规则 {rule.id} 自 {begin} 起施行，{'、'.join(labels)} 在施行前、本次不计发；"
        f"按该规则自身的标准计，这些月份 {homes} 个机构合计涉及 {total} 元（各机构金额见其自查表）。"
        "新规则是否适用于施行前已符合条件的机构，由主管部门决定"
    )
    en = (
        f"rule {rule.id} holds from {begin}: {', '.join(labels)} fall before it and are not paid; "
        f"at the rule's own rates those months would carry {total} yuan for {homes} home(s) in all (each home's "
        "amount is in its self-check). Whether a new rule covers homes that qualified before it started "
        "is for the bureau to decide"
    )
    evidence = f"from={begin} months={','.join(labels)} items={items}"
    ctx.spread("before_rule_start", "info", rule, per_home, ctx.t(zh, en), evidence)


def compute_ledger(dataset, pack, year: int, lang: str = "zh") -> tuple[pl.DataFrame, pl.DataFrame]:
    """The year's ledger (docs/internals.md "Ledger") and the calculators' findings."""
    ledger, findings, _ = compute(dataset, pack, year, lang)
    return ledger, findings
