"""Policy packs: YAML → an immutable Pack. values (units, value parsing), tiers (band
keys), loader (strict YAML, Pack/Rule/Param/Entry/Reading, overrides); packs/ the shipped
packs and packs/sources/ their source texts.

The loader's names are re-exported lazily: rule kinds (audit.kinds) read units from
audit.policy.values, and the loader reads the kinds' declarations, so importing this
package must not load the loader."""

from importlib import import_module

__all__ = [
    "KINDS",
    "PACK_DIR",
    "Entry",
    "Pack",
    "Param",
    "Reading",
    "Rule",
    "apply_overrides",
    "format_value",
    "load_pack",
    "parse_value",
    "resolve",
    "shipped_packs",
]


def __getattr__(name):
    if name in __all__:
        return getattr(import_module("audit.policy.loader"), name)
    raise AttributeError(f"module 'audit.policy' has no attribute {name!r}")
