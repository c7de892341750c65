"""Policy packs: YAML → an immutable Pack. values (units, kinds, value parsing),
loader (strict YAML, Pack/Rule/Param/Entry, overrides); packs/ the shipped packs and
packs/sources/ their source texts."""

from audit.policy.loader import (  # noqa: F401  (the names callers use)
    KINDS, PACK_DIR, Entry, Pack, Param, Rule, apply_overrides, format_value, load_pack, parse_value, resolve,
    shipped_packs,
)
