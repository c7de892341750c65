"""What the public sees of a draw (一公开): the draw's ceremony (time, witnesses, where the
seed came from), a public verification file that re-runs the institution draw from
public data only (institution ids, names, strata, last inspection dates — no people),
and the names of people to mask in published free text.

Seed procedure (docs/internals.md, "Draw seed"): the register is frozen and its hash
published first; the seed is then taken from a value published after that moment (the
draw-day lottery numbers, say) joined to the plan's document number, so nobody could
know it while the register could still be changed."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import polars as pl

from audit.errors import InputError
from audit.i18n import t as _t

PUBLIC_COLUMNS = ("institution_id", "name", "county", "stratum", "opened_on", "last_inspected_on")


def draw_hash(draw_json_bytes: bytes) -> str:
    """The draw's identity on the public list: SHA-256 of draw.json as written."""
    return hashlib.sha256(draw_json_bytes).hexdigest()


def public_register(tables: dict[str, pl.DataFrame], params, findings=None) -> pl.DataFrame:
    """The register as the draw saw it, public columns only: stratum already assigned (a
    findings-based stratum says only high/medium/low) and each institution's latest
    inspection date (coverage picks depend on it)."""
    from audit.inspect.draw import _assign_strata

    inst = tables["institutions"]
    cols = [c for c in ("institution_id", "name", "county", "risk_class", "opened_on") if c in inst.columns]
    strat = _assign_strata(inst.select(cols), params, findings)
    insp = tables.get("inspections")
    last = (
        insp.group_by("institution_id").agg(pl.col("inspected_on").max().alias("last_inspected_on"))
        if insp is not None and insp.height
        else pl.DataFrame(schema={"institution_id": pl.String, "last_inspected_on": pl.Date})
    )
    out = strat.join(last, on="institution_id", how="left")
    for c in PUBLIC_COLUMNS:
        if c not in out.columns:
            out = out.with_columns(pl.lit(None, pl.String).alias(c))
    return out.select(PUBLIC_COLUMNS).sort("institution_id")


def public_record(record: dict, register: pl.DataFrame) -> dict:
    """draw_public.json: enough to re-run the institution draw — algorithm, rules,
    parameters, the public register and the picks — and nothing about people."""
    params = dict(record["parameters"])
    rows = register.with_columns(pl.col(c).cast(pl.String) for c in ("opened_on", "last_inspected_on")).to_dicts()
    return {
        "algorithm": record["algorithm"],
        "rules": {k: v for k, v in record["rules"].items() if not k.startswith("team")},
        "parameters": {k: v for k, v in params.items() if k not in ("team_size", "joint", "avoid_same_county")},
        "ceremony": record.get("ceremony", {}),
        "register": rows,
        "picks": [
            {k: p.get(k) for k in ("institution_id", "name", "stratum", "pick", "rank", "rank_hash")}
            for p in record["picks"]
        ],
    }


def verify_public(path, lang: str = "zh"):
    """Re-run the institution draw from draw_public.json alone; a Verification."""
    from audit.inspect.draw import DrawParams, Verification, draw_institutions

    try:
        rec = json.loads(Path(path).read_text(encoding="utf-8"))
        reg = pl.DataFrame(rec["register"], infer_schema_length=None)
        params = DrawParams(**{**rec["parameters"], "strata": "risk_class", "default_stratum": "medium"}, lang=lang)
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise InputError(
            _t(lang, f"无法读取公开复核文件 {path}: {e}", f"cannot read the public verification file {path}: {e}")
        )
    for c in PUBLIC_COLUMNS:
        if c not in reg.columns:
            reg = reg.with_columns(pl.lit(None, pl.String).alias(c))
    inst = reg.select(
        "institution_id",
        "name",
        "county",
        pl.col("stratum").alias("risk_class"),
        pl.col("opened_on").cast(pl.String).str.to_date(strict=False),
    )
    insp = reg.filter(pl.col("last_inspected_on").is_not_null()).select(
        "institution_id", pl.col("last_inspected_on").cast(pl.String).str.to_date(strict=False).alias("inspected_on")
    )
    picks, _ = draw_institutions({"institutions": inst, "inspections": insp}, params)
    got = {(p["institution_id"], p["pick"], p["rank_hash"]) for p in picks.to_dicts()}
    want = {(p["institution_id"], p["pick"], p["rank_hash"]) for p in rec["picks"]}
    diffs = [
        _t(lang, f"重新抽取抽中了 {i}，公开记录中没有", f"re-run draws {i}, absent from the record")
        for i, _, _ in sorted(got - want)
    ] + [
        _t(lang, f"公开记录中的 {i} 重新抽取时未被抽中", f"{i} in the record is not drawn again")
        for i, _, _ in sorted(want - got)
    ]
    return Verification(matches=not diffs, differences=diffs)


def names_to_mask(draw: dict, tables: dict[str, pl.DataFrame] | None) -> list[str]:
    """People's names that may appear in free text: the draw's inspectors and, when the
    data is given, its residents, staff and inspectors (longest first, two characters or more)."""
    names = {m.get("name") for p in draw.get("picks", []) for m in p.get("team", []) or []}
    for t in ("residents", "staff", "inspectors"):
        df = (tables or {}).get(t)
        if df is not None and "name" in df.columns:
            names |= set(df["name"].drop_nulls().cast(pl.String).to_list())
    return sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=lambda n: (-len(n), n))


def mask_names(expr: pl.Expr, names: list[str]) -> pl.Expr:
    """Each listed name in free text → its first character and stars (张三 → 张*)."""
    if not names:
        return expr
    return expr.str.replace_many(names, [n[0] + "*" * (len(n) - 1) for n in names])


def ceremony(drawn_at: str | None, witnesses: tuple[str, ...] | list[str], seed_source: str | None) -> dict:
    """When and before whom the draw was made, and where the seed came from (as stated)."""
    return {
        "drawn_at": drawn_at or "",
        "witnesses": [w.strip() for w in witnesses if w and w.strip()],
        "seed_source": (seed_source or "").strip(),
    }


def today_iso() -> str:
    return date.today().isoformat()
