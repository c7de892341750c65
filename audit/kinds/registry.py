"""Every rule kind, collected from the `KINDS` list at the end of each family module of
audit.kinds (a new module is found without being listed here)."""

from __future__ import annotations

import importlib
import pkgutil

import audit.kinds
from audit.kinds.base import Item, Kind

_NOT_FAMILIES = {"base", "registry", "common", "checking"}
# the order `audit policy` lists kinds in; a family module not named here comes after these
ORDER = ("construction", "operating", "centers", "insurance", "bed_subsidy", "bed_month", "staffing", "targets")


def _collect() -> dict[str, Kind]:
    found: dict[str, Kind] = {}
    names = {m.name for m in pkgutil.iter_modules(audit.kinds.__path__)} - _NOT_FAMILIES
    for name in [n for n in ORDER if n in names] + sorted(names - set(ORDER)):
        module = importlib.import_module(f"audit.kinds.{name}")
        for kind in getattr(module, "KINDS", ()):
            if kind.name in found:
                raise RuntimeError(f"rule kind {kind.name} declared twice ({module.__name__})")
            found[kind.name] = kind
    return found


KINDS: dict[str, Kind] = _collect()
PARAMS: dict[str, dict[str, set[str]]] = {k: dict(kind.params) for k, kind in KINDS.items()}


def subsidy_kinds() -> list[Kind]:
    return [k for k in KINDS.values() if k.compute is not None]


def program_kinds() -> dict[str, set[str]]:
    """ledger program → the kinds that pay into it."""
    out: dict[str, set[str]] = {}
    for k in subsidy_kinds():
        out.setdefault(k.program, set()).add(k.name)
    return out


def program_inputs() -> dict[str, list[str]]:
    """ledger program → the institution columns its kinds read (normalised names, in
    declaration order): what `audit explain` shows beside a line."""
    from audit.data import contract
    from audit.policy.tiers import FLAGS

    out: dict[str, list[str]] = {}
    for k in subsidy_kinds():
        cols = out.setdefault(k.program or "", [])
        read = [*k.reads, *(c for more in k.reads_with.values() for c in more)]
        if "rate_by_band" in k.params:  # a band key may name a flag column ("[100,)+model")
            read += [("institutions", c) for c in FLAGS.values()]
        names = [contract.table(t).column(c).out_name for t, c in read if t == "institutions"]
        cols += [c for c in dict.fromkeys(names) if c not in cols]
    return out


def items() -> list[Item]:
    return [i for k in KINDS.values() for i in k.items]


def item_of(code: str) -> Item | None:
    """The declared item of a ledger item code (exact, else the longest prefix item:
    `leased_beds_year_2`, `bed_months_severe`)."""
    exact = {i.code: i for i in items()}
    if code in exact:
        return exact[code]
    prefixes = [i for i in items() if i.code.endswith("_") and code.startswith(i.code)]
    return max(prefixes, key=lambda i: len(i.code), default=None)


def interpretations() -> dict[str, tuple[str, str]]:
    return {key: text for k in KINDS.values() for key, text in k.interpretations.items()}


def basis_phrases() -> list[tuple[str, str]]:
    """Every kind's declared basis phrases (Kind.basis_en), longest Chinese first."""
    return sorted({p for k in KINDS.values() for p in k.basis_en}, key=lambda p: (-len(p[0]), p))
