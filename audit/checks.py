"""Compliance checks: Dataset + Pack + period → findings (+ the staffing frame).

Staffing ratios, double claims, institution and area targets. Eligibility findings
of the subsidies (lease term, bed minimum, …) and rate gaps come from audit.calc."""

from __future__ import annotations

import polars as pl

from audit.data.validation import in_user_terms
from audit.kinds.claims import check_double_claims
from audit.kinds.integrity import check_integrity
from audit.kinds.checking import FINDINGS_SCHEMA, empty_findings, sort_findings
from audit.kinds.registry import KINDS
from audit.kinds.staffing import STAFFING_SCHEMA, empty_staffing

__all__ = ["run_checks", "FINDINGS_SCHEMA", "STAFFING_SCHEMA", "empty_findings", "empty_staffing"]


def run_checks(dataset, pack, period, lang: str = "zh") -> tuple[pl.DataFrame, pl.DataFrame]:
    """All checks for the settlement period (an audit.dates.Period, or a year for its
    calendar year): month-end checks look at the period's month-ends, point checks at its
    last day. `dataset` is an audit.data.io.Dataset (or anything with `.tables`); returns
    (findings, staffing), both sorted."""
    tables = dataset.tables
    parts = [check_double_claims(tables, pack, period, lang), check_integrity(tables, pack, period, lang)]
    staffing = empty_staffing()
    for check in dict.fromkeys(k.check for k in KINDS.values() if k.check is not None):  # each function once
        out = check(tables, pack, period, lang)
        if isinstance(out, tuple):  # (findings, staffing frame)
            out, staffing = out
        parts.append(out)
    findings = pl.concat(parts)
    return sort_findings(findings.with_columns(in_user_terms(pl.col("evidence"), lang))), staffing
