"""The table contracts as data: loads schemas/*.yaml once and answers questions about
them (headers, types, enum synonyms, checks). Readers, validation, the Excel template
and pandera schemas all derive from these files, so a column is described once."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import polars as pl
import yaml

from audit.resources import SCHEMAS as SCHEMA_DIR

TABLE_ORDER = (
    "institutions",
    "residents",
    "staff",
    "insurance",
    "inspectors",
    "conflicts",
    "inspections",
    "claims",
    "claim_residents",
    "payments",
    "deaths",
    "assistance_roster",
)
TYPES = ("text", "enum", "bool", "date", "int", "number", "money")
DTYPES = {
    "text": pl.String,
    "enum": pl.String,
    "bool": pl.Boolean,
    "date": pl.Date,
    "int": pl.Int64,
    "number": pl.Float64,
    "money": pl.Int64,
}
TYPE_ZH = {
    "text": "文本",
    "enum": "选项",
    "bool": "是/否",
    "date": "日期",
    "int": "整数",
    "number": "数值",
    "money": "金额(元)",
}


def norm_key(text: str) -> str:
    """Header / sheet / enum matching key: NFKC (full-width → half-width), no spaces,
    lower case, so '机构编号 ', '乡镇（街道）中心' and 'Institution_ID' all match."""
    s = unicodedata.normalize("NFKC", str(text))
    return re.sub(r"\s+", "", s).lower()


@dataclass(frozen=True)
class Column:
    name: str
    zh: str
    type: str
    required: bool = False
    default: object = None
    synonyms: tuple[str, ...] = ()
    values: dict = field(default_factory=dict)  # canonical -> tuple of Chinese synonyms
    description: str = ""
    spec: dict = field(default_factory=dict)  # the raw YAML entry (checks: min, max, …)

    @property
    def out_name(self) -> str:
        """Name in the normalised table: money columns carry a `_fen` suffix."""
        return f"{self.name}_fen" if self.type == "money" else self.name

    @property
    def dtype(self):
        return DTYPES[self.type]

    def enum_map(self) -> dict[str, str]:
        """norm_key(any accepted spelling) -> canonical English value."""
        out = {}
        for canon, syns in self.values.items():
            for s in (canon, *syns):
                out[norm_key(s)] = canon
        return out

    def accepted_text(self, every_synonym: bool = False) -> str:
        """'养老机构(institution)、…' for messages; with every_synonym, '部分失能/半失能/…(partial)'
        for the template's 说明 sheet."""

        def spell(c, syns):
            shown = "/".join(syns) if every_synonym else (syns[0] if syns else "")
            return f"{shown}({c})" if shown else c

        return "、".join(spell(c, syns) for c, syns in self.values.items())


@dataclass(frozen=True)
class Table:
    name: str
    zh: str
    required: bool
    synonyms: tuple[str, ...]
    description: str
    columns: tuple[Column, ...]
    checks: tuple[str, ...] = ()

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name or c.out_name == name:
                return c
        raise KeyError(name)

    def header_map(self) -> dict[str, str]:
        """norm_key(header as a user may write it) -> English column name."""
        out = {}
        for c in self.columns:
            for h in (c.name, c.zh, *c.synonyms):
                out.setdefault(norm_key(h), c.name)
        return out

    def empty_frame(self) -> pl.DataFrame:
        """The normalised table with no rows: full schema, so code never branches on presence."""
        schema = {c.out_name: c.dtype for c in self.columns}
        schema["_row"] = pl.Int64
        return pl.DataFrame(schema=schema)


def _column(spec: dict) -> Column:
    if spec.get("type") not in TYPES:
        raise ValueError(f"schema column {spec.get('name')}: unknown type {spec.get('type')!r}")
    values = {str(k): tuple(str(s) for s in (v or ())) for k, v in (spec.get("values") or {}).items()}
    return Column(
        name=spec["name"],
        zh=spec["zh"],
        type=spec["type"],
        required=bool(spec.get("required", False)),
        default=spec.get("default"),
        synonyms=tuple(spec.get("synonyms") or ()),
        values=values,
        description=spec.get("description", ""),
        spec=spec,
    )


@lru_cache(maxsize=1)
def tables() -> dict[str, Table]:
    """Every contract table, in TABLE_ORDER, loaded from schemas/*.yaml."""
    out = {}
    for name in TABLE_ORDER:
        # libyaml's loader where built (a tenth of pure-Python SafeLoader's time; same result)
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        spec = yaml.load((SCHEMA_DIR / f"{name}.yaml").read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
        out[name] = Table(
            name=spec["table"],
            zh=spec["zh"],
            required=bool(spec.get("required", False)),
            synonyms=tuple(spec.get("synonyms") or ()),
            description=spec.get("description", ""),
            columns=tuple(_column(c) for c in spec["columns"]),
            checks=tuple(spec.get("checks") or ()),
        )
    return out


def table(name: str) -> Table:
    return tables()[name]


def table_for_name(label: str) -> str | None:
    """Which contract table a file stem or sheet name means ('机构', 'Institutions ', …)."""
    key = norm_key(label)
    for t in tables().values():
        if key in {norm_key(x) for x in (t.name, t.zh, *t.synonyms)}:
            return t.name
    return None


@lru_cache(maxsize=None)
def pandera_schema(table_name: str):
    """A pandera (polars backend) schema for a *normalised* table: dtypes, required
    values and single-column ranges from the YAML. Cross-column and cross-table
    checks live in audit.data.validation as polars expressions."""
    import pandera.polars as pa

    t = table(table_name)
    cols = {}
    for c in t.columns:
        s = c.spec
        checks = []
        if "min" in s:
            checks.append(pa.Check.ge(s["min"], name="min"))
        if "min_exclusive" in s:
            checks.append(pa.Check.gt(s["min_exclusive"], name="min_exclusive"))
        if "max" in s:
            checks.append(pa.Check.le(s["max"], name="max"))
        if c.type == "money":  # YAML bounds are in yuan; the frame holds fen
            checks = [
                pa.Check.ge(s[k] * 100, name=k) if k == "min" else pa.Check.le(s[k] * 100, name=k)
                for k in ("min", "max")
                if k in s
            ]
        cols[c.out_name] = pa.Column(c.dtype, checks=checks, nullable=not c.required, required=True)
    return pa.DataFrameSchema(cols, strict=False, name=table_name)
