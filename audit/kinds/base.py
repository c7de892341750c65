"""A rule kind, declared once (docs/internals.md "How to add a kind").

Each family module of audit.kinds ends with `KINDS = [Kind(...), ...]`; audit.kinds.registry
collects them, and everything else derives from these declarations: the pack loader's
parameter/unit check (audit.policy), the calculators and checks that run (audit.calc,
audit.checks), the ledger item words (reports), the parameters `audit explain` quotes, the
interpretations stated in the manifest, and the inspection checklist items."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

# parameters every per-bed subsidy may take (conditions of eligibility)
ELIGIBILITY: dict[str, set[str]] = {
    "eligible_ownership": {"set"},
    "require_registered": {"bool"},
    "require_accepted": {"bool"},
    "require_operating": {"bool"},
    "require_newly_built": {"bool"},
    "min_beds": {"count"},
}
# the institution columns those conditions read (a kind's `reads` includes them)
ELIGIBILITY_READS = (
    ("institutions", "kind"),
    ("institutions", "ownership"),
    ("institutions", "registered_on"),
    ("institutions", "accepted_on"),
    ("institutions", "opened_on"),
)
# "本地户籍": the resident's 户籍地 against the home's county
LOCAL_HUKOU_READS = (("residents", "hukou_county"), ("institutions", "county"))
TARGET_UNITS = {"share", "count", "persons", "years", "m2/person"}


def columns(table: str, *names: str) -> tuple[tuple[str, str], ...]:
    """(table, contract column) pairs, for a kind's `reads` and `reads_with`."""
    return tuple((table, n) for n in names)


@dataclass(frozen=True)
class Item:
    """A ledger item a kind writes. `code` ending in "_" is a prefix of numbered items
    (`resident_months_level_4`, `bed_months_severe`), and `{n}` in the words stands for the
    number or the care grade's words."""

    code: str
    zh: str
    en: str
    params: tuple[str, ...] = ()  # the parameters `audit explain` quotes for a line of it


@dataclass(frozen=True)
class Kind:
    """Everything about one rule kind.

    - params: parameter → the units a pack may give it (the loader refuses others)
    - compute: subsidy kinds, `(rule, tables, ctx) → ledger lines` for one rule; or with
      `together=True`, `(rules, tables, ctx)` once for all in-force rules of the kind
      (premium shares cap each other in pack order)
    - check: check kinds, `(tables, pack, year, lang) → findings` (or (findings, staffing)
      for staffing_ratio); kinds sharing one check function run it once
    - program: the ledger program of a subsidy kind
    - reads: (table, contract column) every rule of the kind reads; reads_with: parameter →
      the columns that parameter brings in. One declaration serves `validate`'s missing-column
      warnings, the money at stake on blank cells (audit.data.needs) and `audit explain`
    - interpretations: id → (zh, en) readings stated in the manifest when used
    - checklist: `(rule, on, lang) → [(text, when)]` inspection checklist items
    - basis_en: (Chinese phrase, English) pairs for the words its basis text adds (an English
      run translates the basis phrase by phrase; these come before the shared ones)"""

    name: str
    zh: str
    en: str
    params: Mapping[str, set[str]]
    program: str | None = None
    compute: Callable | None = None
    together: bool = False
    check: Callable | None = None
    items: tuple[Item, ...] = ()
    reads: tuple[tuple[str, str], ...] = ()
    reads_with: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    interpretations: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    checklist: Callable | None = None
    basis_en: tuple[tuple[str, str], ...] = ()
