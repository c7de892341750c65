"""Helpers for the calculator tests: normalised tables (docs/internals.md "Normalised
tables") built from a few dicts, every other column at its default."""

from __future__ import annotations

from datetime import date as D  # noqa: F401  (re-exported for the tests)

import polars as pl

from audit.data import contract as schema
from audit.calc import compute
from audit.policy import load_pack

DEFAULTS = {
    "institutions": {"name": "测试机构", "county": "越城区", "kind": "institution", "ownership": "private",
                     "profit_status": "nonprofit", "is_tekun": False, "newly_built": True, "premises": "self_built",
                     "beds": 0, "nursing_beds": 0, "beds_subsidized_before": 0, "nursing_type": False,
                     "rating_level": 0, "star_level": 0, "assessed_pass": True, "operating_normally": True,
                     "inside_institution": False},
    "residents": {"hukou_county": "越城区", "care_level": "self_care", "dementia": False, "low_income": "none"},
    "staff": {"role": "caregiver", "fte": 1.0},
    "insurance": {"scheme": "institution"},
}


def frame(table: str, *rows: dict) -> pl.DataFrame:
    """A normalised table: the given rows over the contract's full schema."""
    empty = schema.table(table).empty_frame()
    full = [{**DEFAULTS.get(table, {}), **r, "_row": i + 2} for i, r in enumerate(rows)]
    if not full:
        return empty
    return pl.DataFrame(full, schema=empty.schema)


def tables(institutions=(), residents=(), insurance=(), staff=()) -> dict[str, pl.DataFrame]:
    out = {t: schema.table(t).empty_frame() for t in schema.TABLE_ORDER}
    out["institutions"] = frame("institutions", *institutions)
    out["residents"] = frame("residents", *residents)
    out["insurance"] = frame("insurance", *insurance)
    out["staff"] = frame("staff", *staff)
    return out


def run_calc(pack: str, year: int, sets=(), **tabs):
    """ledger, findings of the real pack (with local --set values) over hand-made tables."""
    ledger, findings, _ = compute(tables(**tabs), load_pack(pack, sets=sets), year)
    return ledger, findings


def lines(ledger: pl.DataFrame, **where) -> pl.DataFrame:
    for c, v in where.items():
        ledger = ledger.filter(pl.col(c) == v)
    return ledger


def yuan(fen_series) -> list[str]:
    from audit.money import fen_to_yuan

    return [fen_to_yuan(x) for x in fen_series]
