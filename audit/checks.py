"""Compliance checks: Dataset + Pack + year → findings (+ the staffing frame).

Staffing ratios, double claims, institution and area targets. Eligibility findings
of the subsidies (lease term, bed minimum, …) and rate gaps come from audit.calc."""

from __future__ import annotations

import polars as pl

from audit.kinds.claims import check_double_claims
from audit.kinds.checking import FINDINGS_SCHEMA, empty_findings, sort_findings
from audit.kinds.registry import KINDS
from audit.kinds.staffing import STAFFING_SCHEMA, empty_staffing

__all__ = ["run_checks", "FINDINGS_SCHEMA", "STAFFING_SCHEMA", "empty_findings", "empty_staffing"]


def run_checks(dataset, pack, year: int, lang: str = "zh") -> tuple[pl.DataFrame, pl.DataFrame]:
    """All checks for the audit year. `dataset` is an audit.data.io.Dataset (or anything with
    `.tables`); returns (findings, staffing), both sorted."""
    tables = dataset.tables
    parts, staffing = [check_double_claims(tables, pack, year, lang)], empty_staffing()
    for check in dict.fromkeys(k.check for k in KINDS.values() if k.check is not None):  # each function once
        out = check(tables, pack, year, lang)
        if isinstance(out, tuple):  # (findings, staffing frame)
            out, staffing = out
        parts.append(out)
    return sort_findings(pl.concat(parts)), staffing
