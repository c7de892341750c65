"""Calculators: Dataset + Pack + year → ledger (one row per payable line) and the
findings met on the way (policy gaps, failed conditions).

Each subsidy kind declares its function (audit.kinds.registry); the pack says which rules
of which kinds apply. Kinds that are checks belong to audit.checks and are skipped here."""

from __future__ import annotations

import polars as pl

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
        if fn is None or not _in_force(rule, year, ctx):
            continue
        try:
            parts.append(fn(rule, tables, ctx))
        except Gap as g:  # a gap in a parameter every line needs (e.g. the payer)
            ids = tables["institutions"]["institution_id"]
            ctx.gap(rule, g, ids)
    for kind in KINDS.values():  # computed together (premium shares cap each other)
        if kind.together:
            rules = [rule for rule in pack.rules_of_kind(kind.name) if _in_force(rule, year, ctx)]
            if rules:
                parts.append(kind.compute(rules, tables, ctx))
    parts = [as_ledger(p) for p in parts if p.height]
    ledger = pl.concat(parts) if parts else empty_ledger()
    ledger = ledger.filter(pl.col("amount_fen") != 0).sort(LEDGER_SORT, nulls_last=True)
    check_ledger_amounts(ledger, lang)
    if lang == "en":
        ledger = ledger.with_columns(basis_en(pl.col("basis")).alias("basis"))
    findings = pl.concat(ctx.findings) if ctx.findings else empty_findings()
    # two rules of one clause (city and province parts) find the same thing once
    findings = as_findings(findings).unique(maintain_order=True)
    return ledger, findings.sort(FINDING_SORT, nulls_last=True), ctx


def _in_force(rule, year: int, ctx: Ctx) -> bool:
    """Every parameter has a value (or a declared gap) on the period's first or last day;
    otherwise an info finding says the rule was not computed."""
    if rule.in_force(ctx.span.start, ctx.span.end):
        return True
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
    return False


def compute_ledger(dataset, pack, year: int, lang: str = "zh") -> tuple[pl.DataFrame, pl.DataFrame]:
    """The year's ledger (docs/internals.md "Ledger") and the calculators' findings."""
    ledger, findings, _ = compute(dataset, pack, year, lang)
    return ledger, findings
