"""Compliance checks: Dataset + Pack + year → findings (+ the staffing frame).

Staffing ratios, double claims, institution and area targets. Eligibility findings
of the subsidies (lease term, bed minimum, …) and rate gaps come from audit.calc."""

from __future__ import annotations

import polars as pl

from audit.kinds.claims import check_double_claims
from audit.kinds.checking import FINDINGS_SCHEMA, empty_findings, sort_findings
from audit.kinds.staffing import STAFFING_SCHEMA, check_staffing, empty_staffing
from audit.kinds.targets import check_targets

__all__ = ["run_checks", "FINDINGS_SCHEMA", "STAFFING_SCHEMA", "empty_findings", "empty_staffing"]


def run_checks(dataset, pack, year: int, lang: str = "zh") -> tuple[pl.DataFrame, pl.DataFrame]:
    """All checks for the audit year. `dataset` is an audit.data.io.Dataset (or anything with
    `.tables`); returns (findings, staffing), both sorted."""
    tables = dataset.tables
    staffing_findings, staffing = check_staffing(tables, pack, year, lang)
    findings = pl.concat([
        staffing_findings,
        check_double_claims(tables, pack, year, lang),
        check_targets(tables, pack, year, lang),
    ])
    return sort_findings(findings), staffing
