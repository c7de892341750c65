"""Builders shared by the checks tests: normalised frames per docs/internals.md and
small packs made of real audit.policy Rule/Param/Entry objects (no YAML needed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from audit.policy import Entry, Param, Rule

INSTITUTION_SCHEMA = {
    "institution_id": pl.String, "name": pl.String, "county": pl.String, "kind": pl.String,
    "is_tekun": pl.Boolean, "beds": pl.Int64, "nursing_beds": pl.Int64, "_row": pl.Int64,
}
RESIDENT_SCHEMA = {
    "institution_id": pl.String, "person_id": pl.String, "name": pl.String,
    "admitted_on": pl.Date, "discharged_on": pl.Date, "care_level": pl.String, "_row": pl.Int64,
}
STAFF_SCHEMA = {
    "institution_id": pl.String, "staff_id": pl.String, "role": pl.String, "fte": pl.Float64,
    "hired_on": pl.Date, "left_on": pl.Date, "care_certificate": pl.String,
    "first_aid_certificate": pl.Boolean, "_row": pl.Int64,
}
D = dt.date


def institutions(*rows: dict) -> pl.DataFrame:
    base = {"name": "机构", "county": "甲县", "kind": "institution", "is_tekun": False, "beds": 0, "nursing_beds": 0}
    return _frame(rows, base, INSTITUTION_SCHEMA)


def residents(*rows: dict) -> pl.DataFrame:
    base = {"name": "张三", "admitted_on": D(2020, 1, 1), "discharged_on": None, "care_level": "self_care"}
    return _frame(rows, base, RESIDENT_SCHEMA)


def staff(*rows: dict) -> pl.DataFrame:
    base = {"role": "caregiver", "fte": 1.0, "hired_on": None, "left_on": None,
            "care_certificate": "none", "first_aid_certificate": False}
    rows = [{"staff_id": f"S{i}", **r} for i, r in enumerate(rows)]
    return _frame(rows, base, STAFF_SCHEMA)


def _frame(rows, base, schema) -> pl.DataFrame:
    full = [{**base, **r, "_row": i + 2} for i, r in enumerate(rows)]
    return pl.DataFrame([{k: r.get(k) for k in schema} for r in full], schema=schema)


@dataclass
class FakeDataset:
    tables: dict = field(default_factory=dict)


def dataset(insts=None, res=None, stf=None) -> FakeDataset:
    return FakeDataset({
        "institutions": insts if insts is not None else institutions(),
        "residents": res if res is not None else residents(),
        "staff": stf if stf is not None else staff(),
    })


def rule(rule_id: str, kind: str, clause: str = "条款", start=D(2000, 1, 1), **params) -> Rule:
    """A Rule whose every parameter has one value from `start`; `None` declares a gap."""
    ps = {
        name: Param(name=name, unit="test", floor=False, values=[Entry(
            start=start, until=None, value=v, gap=v is None, quote="原文", clause=clause)])
        for name, v in params.items()
    }
    return Rule(id=rule_id, kind=kind, title=rule_id, clause=clause, params=ps, short="测试 文件", pack_id="test")


@dataclass
class FakePack:
    """The slice of the Pack API the checks use."""

    rules: list

    def rules_of_kind(self, kind):
        return [r for r in self.rules if r.kind == kind]
