"""What would it cost? The current rules and a proposed change, computed on the same data.

The data is read and validated once; the calculators and checks run twice, once under
the baseline pack and once under the proposal. The proposal is always a new Pack — a
deep copy of the baseline with the proposed local values applied, or another document
loaded on its own — so the two never share mutable state. A proposed value still obeys
the document's floors (不低于) unless the proposal is another document.

Everything here is integer fen; the differences are summed by polars, never by a loop
over institutions."""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import NamedTuple

import polars as pl

from audit import i18n
from audit.errors import PolicyError
from audit.money import fen_to_yuan_expr

PUBLIC = pl.col("payer") != "institution"  # the institution's own premium share is not public money
FINDING_KEY = ["institution_id", "rule", "severity", "period", "evidence"]  # a finding's identity across packs


@dataclass
class Comparison:
    """Baseline and proposal run on one dataset, and their differences (all money in fen).

    - changes: one row per parameter (or table key) whose value differs during the year
    - by_program_payer / by_county_program / by_institution: baseline_fen, proposal_fen,
      delta_fen (county and institution rows count public money only)
    - crossings: institution × program paid under one side only (`direction` newly_paid /
      no_longer_paid where both sides' amounts are known; else the `status` of `_decide`, e.g.
      both_gap, and no amount on the side a gap leaves unknown)
    - findings_appeared / findings_disappeared: findings present under one side only
    - unpriced: institution × program a declared policy gap leaves unpriced on either side
      (`gap`: proposal_gap / baseline_gap where the sides' gaps differ, same_gap where both
      leave the same parameters open, same_gap_changed where they do but another parameter of
      their rule changes; `payers`: whose money, null where the text names no payer).
    - total: the public money of all institutions, one row shaped like the breakdowns.
    Every breakdown and the total carry `baseline_unpriced` / `proposal_unpriced` (how many
    unpriced institution × programs the row holds), `gap` and what `_decide` made of them:
    `baseline_fen` / `proposal_fen` are null for a side with a gap in the row (its priced
    part, `baseline_priced_fen` / `proposal_priced_fen`, is not the whole), `delta_fen` is
    null unless both sides leave the same gaps open and something is priced, and `status`
    says why (null where the row is complete)."""

    baseline: object  # RunResult
    proposal: object  # RunResult
    changes: pl.DataFrame
    by_program_payer: pl.DataFrame
    by_county_program: pl.DataFrame
    by_institution: pl.DataFrame
    crossings: pl.DataFrame
    findings_appeared: pl.DataFrame
    findings_disappeared: pl.DataFrame
    unpriced: pl.DataFrame
    total: pl.DataFrame
    lang: str = "zh"
    manifest: dict = field(default_factory=dict)
    proposal_is_other_document: bool = False  # --proposal-policy: the baseline's floors do not bind it

    @property
    def year(self) -> int:
        return self.baseline.year

    def totals(self) -> Totals:
        """Public money (fen): baseline, proposal, delta — None where a policy gap leaves it
        unknown (see `total` for the priced parts and why)."""
        row = self.total.row(0, named=True)
        return Totals(row["baseline_fen"], row["proposal_fen"], row["delta_fen"])

    def table(self, for_people: bool = False) -> pl.DataFrame:
        """Every breakdown as one long table (compare.csv): yuan text, delta % as text;
        `for_people` groups thousands (1,234.00) and signs gains (+25.00%). What a policy gap
        leaves unknown is empty and `status` says why."""
        parts = [
            self.total.with_columns(pl.lit("total").alias("level")),
            self.by_program_payer.with_columns(pl.lit("program_payer").alias("level")),
            self.by_county_program.with_columns(pl.lit("county_program").alias("level")),
            self.by_institution.with_columns(pl.lit("institution").alias("level")),
        ]
        long = pl.concat(parts, how="diagonal_relaxed")
        from audit.report.compare import GAP_WORDS, delta_pct, gap_status

        return long.select(
            *(
                pl.col(c).cast(pl.String) if c in long.columns else pl.lit(None, pl.String).alias(c)
                for c in ("level", "program", "payer", "county", "institution_id", "name")
            ),
            fen_to_yuan_expr(pl.col("baseline_fen"), for_people).alias("baseline"),
            fen_to_yuan_expr(pl.col("proposal_fen"), for_people).alias("proposal"),
            (
                pl.when(pl.col("delta_fen") > 0).then(pl.lit("+" if for_people else "")).otherwise(pl.lit(""))
                + fen_to_yuan_expr(pl.col("delta_fen"), for_people)
            ).alias("delta"),
            delta_pct(for_people).alias("delta_pct"),
            pl.col("baseline_unpriced").fill_null(0).cast(pl.String),
            pl.col("proposal_unpriced").fill_null(0).cast(pl.String),
            gap_status(GAP_WORDS["en" if self.lang == "en" else "zh"]).alias("status"),
        )


class Totals(NamedTuple):
    """Public money in fen; None where a policy gap leaves it unknown."""

    baseline_fen: int | None
    proposal_fen: int | None
    delta_fen: int | None


def _decide(frame: pl.DataFrame) -> pl.DataFrame:
    """The one place that decides what of a row is money (every output reads it from here).
    A side with an unpriced institution × program in the row has no amount: its priced part
    is not the whole. The difference stands where both sides leave the same parameters open
    and no changed parameter feeds them (the unknown part is the same on both: gap same_gap,
    null here) and something is priced; a row that is a gap on
    both sides and nothing else has none (not 0.00 → 0.00, "unchanged")."""
    b, p = pl.col("baseline_priced_fen"), pl.col("proposal_priced_fen")
    b_open, p_open = pl.col("baseline_unpriced") > 0, pl.col("proposal_unpriced") > 0
    same_gaps, priced = pl.col("gap").is_null(), (b != 0) | (p != 0)
    newly = (pl.col("gap") == "baseline_gap") & (b == 0) & (p > 0)
    priced_cols = {"baseline_fen": "baseline_priced_fen", "proposal_fen": "proposal_priced_fen"}
    return (
        frame.drop("delta_fen", strict=False)
        .rename(priced_cols)
        .with_columns(
            pl.when(~b_open).then(b).alias("baseline_fen"),
            pl.when(~p_open).then(p).alias("proposal_fen"),
            pl.when(same_gaps & (~b_open | priced)).then(p - b).alias("delta_fen"),
            pl.when(newly)
            .then(pl.lit("newly_priced"))
            .when(~same_gaps)
            .then(pl.col("gap"))
            .when(b_open & priced)
            .then(pl.lit("same_gap_priced"))
            .when(b_open)
            .then(pl.lit("same_gap"))
            .otherwise(pl.lit(None, pl.String))
            .alias("status"),
        )
    )


def _row_gap() -> pl.Expr:
    """The gap status of a row (an aggregation) from those of the institution × programs it holds."""
    has = lambda code: (pl.col("gap") == code).any()  # noqa: E731
    return (
        pl.when(has("both_gap") | (has("proposal_gap") & has("baseline_gap")))
        .then(pl.lit("both_gap"))
        .when(has("proposal_gap"))
        .then(pl.lit("proposal_gap"))
        .when(has("baseline_gap"))
        .then(pl.lit("baseline_gap"))
        .when(has("same_gap_changed"))
        .then(pl.lit("same_gap_changed"))
        .otherwise(pl.lit(None, pl.String))
        .alias("gap")
    )


# ---------------------------------------------------------------- the proposal pack


def proposal_pack(baseline, policy=None, sets=(), override_file=None, lang: str = "zh"):
    """The proposal as a new Pack: another document (`policy`, with its own local values)
    or a deep copy of the baseline with the proposed values applied on top of the
    baseline's own — checked as any local value is (units, bands, 不低于 floors)."""
    from audit.policy import apply_overrides, load_pack

    if policy is not None:
        return load_pack(policy, sets=sets, override_file=override_file, lang=lang)
    if not sets and not override_file:
        raise PolicyError(
            "未给出拟议方案：请用 --proposal-set、--proposal-override 或 --proposal-policy 说明要比较的改动"
            if lang != "en"
            else "no proposal given: say what to compare with --proposal-set, --proposal-override or --proposal-policy"
        )
    pack = copy.deepcopy(baseline)
    return apply_overrides(pack, sets=tuple(sets), override_file=override_file, lang=lang, set_source="--proposal-set")


# ---------------------------------------------------------------- what changed

_ABSENT, _NOT_IN_FORCE, _GAP = "absent", "not_in_force", "gap"
RULE_ARROW = " → "  # a change's `rule` where the packs' rules differ: baseline rule → proposal rule


def changed_params(changes: pl.DataFrame) -> frozenset[tuple[str, str]]:
    """(rule id of either pack, "param" or "param.KEY") of each parameter that changes (parameter_changes)."""
    return frozenset(
        (r, param) for label, param in changes.select("rule", "param").iter_rows() for r in label.split(RULE_ARROW)
    ) - {("—", p) for p in changes["param"]}


def _feeds_gap(rule, gap: str, changed: frozenset[tuple[str, str]]) -> bool:
    """Whether a changed parameter may change what the gap `gap` ("rule.param[.KEY]") leaves
    unknown: any change to a parameter of its rule — but another key of a table of rates (each
    home or line reads the one key of its star, level or band, so the gapped lines read none of
    the others; a table of shares or weights divides among all its keys)."""
    g_name, _, g_key = gap.partition(".")[2].partition(".")
    per_line = rule.has(g_name) and rule.param(g_name).unit.startswith("table:yuan")
    for rid, param in changed:
        c_name, _, c_key = param.partition(".")
        if rid != rule.id or (per_line and c_name == g_name and c_key and g_key not in (c_key, "<KEY>")):
            continue
        return True
    return False


def rule_pairs(a, b) -> list[tuple[str | None, str | None]]:
    """Which rule of b stands for which rule of a: the same id; else, for a rule one pack
    lacks, the other pack's first unmatched rule of the same kind (and target metric), so
    another document's `construction` is set against this one's `construction_city`.
    A rule left over is paired with None (added or removed)."""

    def kind_of(rule):
        metric = rule.params.get("metric")
        return rule.kind, (metric.values[-1].value if metric is not None else None)

    pairs, spare = [], [r for r in b.rules if r not in a.rules]
    for ra in a.rules:
        if ra in b.rules:
            pairs.append((ra, ra))
            continue
        rb = next((r for r in spare if kind_of(b.rules[r]) == kind_of(a.rules[ra])), None)
        if rb is not None:
            spare.remove(rb)
        pairs.append((ra, rb))
    return pairs + [(None, rb) for rb in spare]


def _state(pack, rule_id: str | None, name: str, on: dt.date):
    """(kind, typed value, source, entry) of one parameter on one day: kind is value,
    local, gap, not_in_force or absent."""
    rule = pack.rules.get(rule_id) if rule_id is not None else None
    if rule is None or name not in rule.params:
        return _ABSENT, None, None, None
    try:
        e = rule.entry(name, on)
    except PolicyError:
        return _NOT_IN_FORCE, None, None, None
    p = rule.params[name]
    if p.local is not None:
        return "local", p.local_on(e), p.local_source, e
    if e.gap:
        return _GAP, None, None, e
    return "value", e.value, None, e


def _keyed(state, key):
    """One key of a table parameter (a null key is a gap for that key)."""
    kind, value, source, e = state
    if key is None or kind not in ("value", "local"):
        return state
    v = value.get(key) if isinstance(value, dict) else None
    return (kind if v is not None else _GAP), v, source, e


def _token(state, unit):
    """What makes two states equal: a value with its unit (a local value equal to the
    document's is no change), or the kind of absence."""
    kind, value = state[0], state[1]
    return ("value", unit, value) if kind in ("value", "local") else (kind,)


def _month_ends(year: int) -> list[dt.date]:
    return [(dt.date(year + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)) for m in range(1, 13)]


def parameter_changes(a, b, year: int, lang: str = "zh", period=None) -> pl.DataFrame:
    """Every parameter (table key by key) whose value differs between packs a and b on
    some month end of `year` (or of `period`, an audit.dates.Period) — where the
    calculators read them — with both values,
    where each comes from (clause, or the local value's source) and b's quoted words.
    Consecutive months with the same pair are one row."""
    from audit.policy.values import format_value

    def t(zh: str, en: str) -> str:
        return i18n.t(lang, zh, en)

    words = {
        _ABSENT: t("—（无此参数）", "— (no such parameter)"),
        _NOT_IN_FORCE: t("未生效", "not in force"),
        _GAP: t("缺口（原文未规定）", "gap (the text gives none)"),
    }

    def unit_of(pack, rid, name):
        rule = pack.rules.get(rid)
        return rule.params[name].unit if rule is not None and name in rule.params else None

    def show(state, unit, key):
        kind, value = state[0], state[1]
        if kind in words:
            return words[kind]
        inner = unit[len("table:") :] if unit.startswith("table:") and key is not None else unit
        return format_value(inner, value, lang)

    def source(pack, state):
        kind, _, src, e = state
        if e is None:
            return ""
        where = f"{pack.short} {e.clause}"
        return t(f"{where}（本地设定 {src}）", f"{where} (local value {src})") if kind == "local" else where

    pairs = rule_pairs(a, b)
    days = period.month_ends if period is not None else _month_ends(year)
    rows = []
    for ra, rb in pairs:
        names = [n for r in (a.rules.get(ra), b.rules.get(rb)) if r is not None for n in r.params]
        for name in dict.fromkeys(names):
            ua, ub = unit_of(a, ra, name), unit_of(b, rb, name)
            sa = [_state(a, ra, name, d) for d in days]
            sb = [_state(b, rb, name, d) for d in days]
            keys = [None]
            if any(u and u.startswith("table:") for u in (ua, ub)):
                found = {k for s in sa + sb if isinstance(s[1], dict) for k in s[1]}
                keys = sorted(found, key=lambda k: (str(type(k)), k)) or [None]
            for key in keys:
                pairs = [(_keyed(x, key), _keyed(y, key)) for x, y in zip(sa, sb)]
                runs = []  # consecutive month ends with one (old, new) pair
                for i, (d, (x, y)) in enumerate(zip(days, pairs)):
                    if _token(x, ua) == _token(y, ub):
                        continue
                    label = (show(x, ua or "", key), show(y, ub or "", key))
                    if runs and runs[-1]["label"] == label and runs[-1]["last"] == days[i - 1]:
                        runs[-1]["last"] = d
                    else:
                        runs.append({"label": label, "first": d, "last": d, "x": x, "y": y})
                for r in runs:
                    whole = t("全期", "whole period") if period is not None else t("全年", "whole year")
                    months = (
                        whole
                        if (r["first"], r["last"]) == (days[0], days[-1])
                        else f"{r['first']:%Y-%m}" + ("" if r["first"] == r["last"] else f"..{r['last']:%Y-%m}")
                    )
                    y = r["y"]
                    rows.append(
                        {
                            "rule": ra if ra == rb else RULE_ARROW.join(r or "—" for r in (ra, rb)),
                            "param": name if key is None else f"{name}.{key}",
                            "unit": (ub or ua or "") if key is None else (ub or ua or "").removeprefix("table:"),
                            "months": months,
                            "old": r["label"][0],
                            "new": r["label"][1],
                            "old_source": source(a, r["x"]),
                            "new_source": source(b, y),
                            "new_quote": y[3].quote if y[3] is not None and y[0] != "local" else "",
                        }
                    )
    schema = {
        c: pl.String for c in ("rule", "param", "unit", "months", "old", "new", "old_source", "new_source", "new_quote")
    }
    return pl.DataFrame(rows, schema=schema)


# ---------------------------------------------------------------- differences


def _side_by_side(base: pl.DataFrame, prop: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Sum amount_fen by `keys` on each side; a key present on one side only is 0 on the other."""
    b = base.group_by(keys).agg(pl.col("amount_fen").sum().alias("baseline_fen"))
    p = prop.group_by(keys).agg(pl.col("amount_fen").sum().alias("proposal_fen"))
    both = b.join(p, on=keys, how="full", coalesce=True, nulls_equal=True)
    return both.with_columns(
        pl.col("baseline_fen", "proposal_fen").fill_null(0).cast(pl.Int64),
    ).with_columns((pl.col("proposal_fen") - pl.col("baseline_fen")).alias("delta_fen"))


def _program_order(col: str = "program") -> pl.Expr:
    from audit.report.frames import order_expr
    from audit.report.labels import PROGRAM_ORDER

    return order_expr(col, PROGRAM_ORDER)


def _gap_payers(rule, program: str | None, on: dt.date) -> list[str | None]:
    """Whose money a gap in `rule` leaves unknown: the rule's payer, or each payer of its
    payer_shares — and, for insurance, the institution's own share too (it is what the public
    shares leave of the premium). None where the payer itself is a gap (the text names none):
    the money could be any payer's (see `_payer_rows`)."""
    from audit.kinds.common import Gap, opt

    try:
        shares = opt(rule, "payer_shares", on)
        payers: list[str | None] = list(shares) if shares else [p for p in [opt(rule, "payer", on)] if p]
    except Gap:
        payers = [None]
    return payers + (["institution"] if program == "insurance" else [])


GAP_PAIR_SCHEMA = {
    "institution_id": pl.String,
    "program": pl.String,
    "key": pl.String,
    "payers": pl.List(pl.String),
    "changed": pl.Boolean,
}


def _gap_pairs(result, changed: frozenset[tuple[str, str]] = frozenset()) -> pl.DataFrame:
    """institution_id, program, gaps (sorted "rule.param" keys), payers (whose money they
    leave unknown; null for a payer the text does not name), changed (a parameter in `changed`,
    those the comparison changes, may change what a gap here leaves unknown: `_feeds_gap`) a
    declared policy gap left unpriced in one run (the calculators record them on the context)."""
    from audit.kinds.registry import KINDS

    ctx = (getattr(result, "extra", None) or {}).get("ctx")
    parts = [pl.DataFrame(schema=GAP_PAIR_SCHEMA)]
    for key, ids in sorted(getattr(ctx, "gap_ids", {}).items()):  # one frame per gap, not a row at a time
        rule = result.pack.rules.get(key.split(".", 1)[0])
        program = KINDS[rule.kind].program if rule is not None and rule.kind in KINDS else None
        payers = _gap_payers(rule, program, ctx.ref_date) if rule is not None else []
        parts.append(
            pl.DataFrame({"institution_id": sorted(ids)}, schema={"institution_id": pl.String}).with_columns(
                pl.lit(program, pl.String).alias("program"),
                pl.lit(key, pl.String).alias("key"),
                pl.lit(pl.Series("payers", [payers], dtype=GAP_PAIR_SCHEMA["payers"])).first(),
                pl.lit(rule is not None and _feeds_gap(rule, key, changed)).alias("changed"),
            )
        )
    frame = pl.concat(parts)
    return frame.group_by("institution_id", "program").agg(
        pl.col("key").unique().sort().str.join(",").alias("gaps"),
        pl.col("payers").list.explode(keep_nulls=True, empty_as_null=False).unique().sort(),
        pl.col("changed").any(),
    )


def _unpriced(base, prop, changed: frozenset[tuple[str, str]] = frozenset()) -> pl.DataFrame:
    """institution_id, program, baseline_gap, proposal_gap (bool), gap, payers: an institution ×
    program that a policy gap leaves unpriced on either side, how the two compare, and whose
    money (payer; null where the text names none) the gaps of either side leave unknown.
    The same gaps on both sides leave the same money unknown only while no changed parameter
    (`changed`, see `changed_params`) feeds them: otherwise the gap is same_gap_changed."""
    b = _gap_pairs(base, changed).rename({"gaps": "_b", "payers": "_bp", "changed": "_bc"})
    p = _gap_pairs(prop, changed).rename({"gaps": "_p", "payers": "_pp", "changed": "_pc"})
    both = b.join(p, on=["institution_id", "program"], how="full", coalesce=True, nulls_equal=True)
    only_b = pl.col("_b").is_not_null() & (pl.col("_b") != pl.col("_p")).fill_null(True)
    only_p = pl.col("_p").is_not_null() & (pl.col("_p") != pl.col("_b")).fill_null(True)
    return both.select(
        "institution_id",
        "program",
        pl.col("_b").is_not_null().alias("baseline_gap"),
        pl.col("_p").is_not_null().alias("proposal_gap"),
        pl.when(only_b & only_p)
        .then(pl.lit("both_gap"))
        .when(only_p)
        .then(pl.lit("proposal_gap"))
        .when(only_b)
        .then(pl.lit("baseline_gap"))
        .when(pl.col("_bc") | pl.col("_pc"))
        .then(pl.lit("same_gap_changed"))
        .otherwise(pl.lit("same_gap"))
        .alias("gap"),
        pl.concat_list(pl.col("_bp").fill_null([]), pl.col("_pp").fill_null([]))
        .list.unique()
        .list.sort()
        .alias("payers"),
    ).sort("institution_id", "program", nulls_last=True)


def _payer_rows(gaps: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
    """The unpriced institution × programs (`gaps`, with `payers`) one per program × payer row
    they leave unknown: each payer a gap names; where a gap names none (null: the payer itself
    is the gap), every payer row of that program in `rows` — the money could be any of theirs —
    or, for a program with no row, a row of no payer."""
    named = gaps.explode("payers", keep_nulls=True, empty_as_null=False).rename({"payers": "payer"})
    unnamed = named.filter(pl.col("payer").is_null()).drop("payer")
    spread = unnamed.join(rows.select("program", "payer").unique(), on="program", how="left", nulls_equal=True)
    return pl.concat([named.filter(pl.col("payer").is_not_null()), spread.select(named.columns)]).unique(
        ["institution_id", "program", "payer"], keep="first", maintain_order=True
    )


def _with_gaps(frame: pl.DataFrame, unpriced: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """frame with baseline_unpriced / proposal_unpriced / gap of the unpriced institution ×
    programs in each row's scope (`keys`), decided (`_decide`); a scope with gaps but no
    money gets a row."""
    per = unpriced.group_by(keys).agg(
        pl.col("baseline_gap").sum().cast(pl.Int64).alias("baseline_unpriced"),
        pl.col("proposal_gap").sum().cast(pl.Int64).alias("proposal_unpriced"),
        _row_gap(),
    )
    missing = per.join(frame.select(keys).unique(), on=keys, how="anti", nulls_equal=True)
    zeros = missing.select(
        *keys,
        *(pl.lit(0, pl.Int64).alias(c) for c in ("baseline_fen", "proposal_fen", "delta_fen")),
    )
    out = pl.concat([frame, zeros], how="diagonal_relaxed") if zeros.height else frame
    out = out.join(per, on=keys, how="left", nulls_equal=True)
    return _decide(out.with_columns(pl.col("baseline_unpriced", "proposal_unpriced").fill_null(0)))


def _differences(base, prop, institutions: pl.DataFrame, unpriced: pl.DataFrame) -> dict:
    from audit.report.frames import order_expr
    from audit.report.labels import PAYER_ORDER

    counties = institutions.select("institution_id", pl.col("county").fill_null(""))
    lb, lp = base.ledger, prop.ledger
    by_pp = _side_by_side(lb, lp, ["program", "payer"])
    pb, pp = (x.filter(PUBLIC).join(counties, on="institution_id", how="left") for x in (lb, lp))
    by_cp = _side_by_side(pb, pp, ["county", "program"]).sort("county", _program_order(), "program")
    per = _side_by_side(pb, pp, ["institution_id"])
    by_inst = (
        institutions.select("institution_id", "name", "county")
        .join(per, on="institution_id", how="left")
        .with_columns(pl.col("baseline_fen", "proposal_fen", "delta_fen").fill_null(0))
        .sort("institution_id")
    )
    gaps = unpriced.join(counties, on="institution_id", how="left")
    # paid on one side only: a crossing (newly / no longer paid) only where `_decide` knows both sides' amounts;
    # where a gap on either side leaves one unknown, the row has no amount there and says why (its `status`)
    prog = _with_gaps(_side_by_side(pb, pp, ["institution_id", "program"]), gaps, ["institution_id", "program"])
    paid = pl.col("proposal_priced_fen") > 0
    crossings = (
        prog.filter((pl.col("baseline_priced_fen") > 0) != paid)
        .with_columns(
            pl.when(pl.col("status").is_not_null())
            .then(pl.col("status"))
            .when(paid)
            .then(pl.lit("newly_paid"))
            .otherwise(pl.lit("no_longer_paid"))
            .alias("direction")
        )
        .join(institutions.select("institution_id", "name", "county"), on="institution_id", how="left")
        .select("institution_id", "name", "county", "program", "direction", "baseline_fen", "proposal_fen", "delta_fen")
        .sort("direction", _program_order(), "institution_id")
    )
    public = by_pp.filter(PUBLIC)
    total = pl.DataFrame(
        {"_all": [True], **{c: [int(public[c].sum())] for c in ("baseline_fen", "proposal_fen", "delta_fen")}},
        schema_overrides={c: pl.Int64 for c in ("baseline_fen", "proposal_fen", "delta_fen")},
    )
    return {
        "total": _with_gaps(total, gaps.with_columns(pl.lit(True).alias("_all")), ["_all"]).drop("_all"),
        # a gap leaves unknown the money of the payers its rules name, not the whole program
        "by_program_payer": _with_gaps(by_pp, _payer_rows(gaps, by_pp), ["program", "payer"]).sort(
            _program_order(), order_expr("payer", PAYER_ORDER), "program", "payer", nulls_last=True
        ),
        "by_county_program": _with_gaps(by_cp, gaps, ["county", "program"]).sort("county", _program_order(), "program"),
        "by_institution": _with_gaps(by_inst, gaps, ["institution_id"]),
        "crossings": crossings,
        "unpriced": unpriced,
    }


def _findings_diff(base, prop) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Findings under one side only, matched on what was found (institution, rule,
    severity, period, evidence) — not on wording or citation, which name the pack."""
    fb, fp = (r.findings.unique(FINDING_KEY, keep="first", maintain_order=True) for r in (base, prop))
    appeared = fp.join(fb.select(FINDING_KEY), on=FINDING_KEY, how="anti", nulls_equal=True)
    gone = fb.join(fp.select(FINDING_KEY), on=FINDING_KEY, how="anti", nulls_equal=True)
    order = ["institution_id", "rule", "severity", "period", "evidence"]
    return appeared.sort(order, nulls_last=True), gone.sort(order, nulls_last=True)


def _manifest(base, prop, changes: pl.DataFrame) -> dict:
    def side(r):
        m = r.manifest
        return {k: m[k] for k in ("pack", "overrides", "interpretations", "counts", "average_premium_used")}

    m = base.manifest
    return {
        "tool": m["tool"],
        "version": m["version"],
        "year": m["year"],
        "lang": m["lang"],
        "kind": "compare",
        "inputs": m["inputs"],
        "reference_dates": m["reference_dates"],
        "baseline": side(base),
        "proposal": side(prop),
        "changed_parameters": changes.height,
        "csv_encoding": m["csv_encoding"],
        **({"period": m["period"]} if "period" in m else {}),
    }


COMPARE_STAGES = ("read", "policy", "baseline", "proposal", "compare")


def compare(
    data_path,
    policy,
    year: int | None = None,
    sets=(),
    override_file=None,
    proposal_policy=None,
    proposal_sets=(),
    proposal_override=None,
    lang: str = "zh",
    progress=None,
    period=None,
) -> Comparison:
    """The baseline (`policy` with `sets`/`override_file`) and the proposal on the same
    data: read and validate once (InputError on errors, nothing computed), load both
    packs (PolicyError when a proposed value is refused, e.g. below a floor), compute
    both, and set them side by side. `progress(stage)` is called as each of
    COMPARE_STAGES begins."""
    from audit.pipeline import load_inputs, run_loaded, year_and_period

    year, span = year_and_period(year, period, lang)
    step = progress or (lambda stage: None)
    dataset, baseline_pack = load_inputs(data_path, policy, sets, override_file, lang, progress)
    prop_pack = proposal_pack(baseline_pack, proposal_policy, proposal_sets, proposal_override, lang)
    step("baseline")
    base = run_loaded(dataset, baseline_pack, year, lang=lang, period=span)
    step("proposal")
    prop = run_loaded(dataset, prop_pack, year, lang=lang, period=span)
    step("compare")
    changes = parameter_changes(baseline_pack, prop_pack, year, lang, period=span)
    appeared, gone = _findings_diff(base, prop)
    return Comparison(
        baseline=base,
        proposal=prop,
        changes=changes,
        **_differences(base, prop, dataset.tables["institutions"], _unpriced(base, prop, changed_params(changes))),
        findings_appeared=appeared,
        findings_disappeared=gone,
        lang=lang,
        manifest=_manifest(base, prop, changes),
        proposal_is_other_document=proposal_policy is not None,
    )


# ---------------------------------------------------------------- writing


def csv_table(comparison: Comparison) -> pl.DataFrame:
    """compare.csv: the long table, text from the input (names, counties, ids) defused
    against formulas; the figures are ours (a negative delta stays a number)."""
    from audit.privacy import defuse_formula

    table = comparison.table()
    return table.with_columns(
        defuse_formula(pl.col(c)).alias(c) for c in ("program", "payer", "county", "institution_id", "name")
    )


OUTPUT_NAMES = {"compare.csv", "compare.xlsx", "manifest.json", "compare.html", "compare.pdf"}


def write_compare(comparison: Comparison, out_dir, report: bool = True) -> list:
    """compare.csv, compare.xlsx, manifest.json and (with `report`) compare.html /
    compare.pdf, written into a temporary folder and renamed into place only when all
    succeeded: complete outputs or none."""
    from pathlib import Path

    from audit.outputs import output_set

    out = Path(out_dir).resolve()
    with output_set(out, OUTPUT_NAMES, comparison.lang) as tmp:
        csv_table(comparison).write_csv(tmp / "compare.csv", include_bom=True)
        write_compare_xlsx(comparison, tmp / "compare.xlsx")
        (tmp / "manifest.json").write_text(
            json.dumps(comparison.manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        if report:
            from audit.report.compare import write_compare_report

            write_compare_report(comparison, tmp)
    return sorted(p for p in out.iterdir() if p.name in OUTPUT_NAMES)


def write_compare_xlsx(comparison: Comparison, path) -> None:
    """compare.xlsx: 汇总 (total, program × payer), 区县×项目, 机构, 参数变化, 跨过条件,
    发现变化 — headers in the reader's language, money as numbers (#,##0.00), delta % as
    text; every text cell written as a string (no formulas, no links)."""
    from decimal import Decimal

    from audit.privacy import safe_workbook
    from audit.report.compare import GAP_WORDS, crossing_words, delta_pct, findings_changes, gap_status, labels

    L = labels(comparison.lang)
    S = L["sheets"]
    wb = safe_workbook(str(path))  # strings as strings; the same inputs give the same bytes
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    money = wb.add_format({"num_format": "#,##0.00"})
    text = wb.add_format({"num_format": "@"})

    def sheet(title, columns, frame, widths):
        """columns: [(header, column, kind)] with kind money (fen → yuan number) or text."""
        ws = wb.add_worksheet(title[:31])
        ws.freeze_panes(1, 0)
        for c, ((header, _, _), w) in enumerate(zip(columns, widths)):
            ws.write_string(0, c, header, head)
            ws.set_column(c, c, w)
        for r, row in enumerate(frame.select([col for _, col, _ in columns]).iter_rows(), start=1):
            for c, ((_, _, kind), v) in enumerate(zip(columns, row)):
                if kind == "money" and v is not None:
                    ws.write_number(r, c, float(Decimal(int(v)) / 100), money)
                else:
                    ws.write_string(r, c, "" if v is None else str(v), text)

    gap_words = GAP_WORDS["en" if comparison.lang == "en" else "zh"]

    def pct(frame):
        """delta % as text and the row's status in words (what a policy gap leaves unknown is blank)."""
        return frame.with_columns(delta_pct(plus=True).alias("delta_pct"), gap_status(gap_words).alias("gap_status"))

    def labelled(frame):
        """program / payer in words; a row of no payer (the payer itself is a gap) says so."""
        return frame.with_columns(
            *(
                pl.col(c).replace_strict(L[f"{c}s"], default=pl.col(c)).alias(f"{c}_label")
                for c in ("program", "payer")
                if c in frame.columns
            )
        ).with_columns(*([pl.col("payer_label").fill_null(L["payer_unnamed"])] if "payer" in frame.columns else []))

    amounts = [
        (L["baseline_yuan"], "baseline_fen", "money"),
        (L["proposal_yuan"], "proposal_fen", "money"),
        (L["delta"], "delta_fen", "money"),
        (L["delta_pct"], "delta_pct", "text"),
    ]
    gaps = [
        (L["baseline_unpriced"], "baseline_unpriced", "text"),
        (L["proposal_unpriced"], "proposal_unpriced", "text"),
        (L["gap_status"], "gap_status", "text"),
    ]
    total = comparison.total.with_columns(
        pl.lit(L["public_total"]).alias("program_label"), pl.lit("").alias("payer_label")
    )
    summary = pl.concat([labelled(comparison.by_program_payer), total], how="diagonal_relaxed")
    sheet(
        S["summary"],
        [(L["program"], "program_label", "text"), (L["payer"], "payer_label", "text"), *amounts, *gaps],
        pct(summary),
        [24, 18, 18, 18, 18, 10, 12, 12, 30],
    )
    sheet(
        S["county"],
        [(L["county"], "county", "text"), (L["program"], "program_label", "text"), *amounts, *gaps],
        pct(labelled(comparison.by_county_program)),
        [14, 24, 18, 18, 18, 10, 12, 12, 30],
    )
    sheet(
        S["institutions"],
        [
            (L["institution_id"], "institution_id", "text"),
            (L["name"], "name", "text"),
            (L["county"], "county", "text"),
            *amounts,
            *gaps,
        ],
        pct(comparison.by_institution),
        [14, 28, 12, 18, 18, 18, 10, 12, 12, 30],
    )
    sheet(
        S["changes"],
        [
            (L["rule"], "rule", "text"),
            (L["param"], "param", "text"),
            (L["months"], "months", "text"),
            (L["old"], "old", "text"),
            (L["new"], "new", "text"),
            (L["old_source"], "old_source", "text"),
            (L["new_source"], "new_source", "text"),
            (L["quote"], "new_quote", "text"),
        ],
        comparison.changes,
        [18, 26, 10, 16, 16, 30, 30, 50],
    )
    cross = labelled(comparison.crossings).with_columns(
        pl.col("direction").replace_strict(crossing_words(comparison.lang)).alias("direction")
    )
    sheet(
        S["crossings"],
        [
            (L["institution_id"], "institution_id", "text"),
            (L["name"], "name", "text"),
            (L["county"], "county", "text"),
            (L["program"], "program_label", "text"),
            (L["direction"], "direction", "text"),
            *amounts[:3],
        ],
        cross,
        [14, 28, 12, 22, 30, 18, 18, 18],
    )
    found = findings_changes(comparison).with_columns(
        pl.col("change").replace_strict({k: L[k] for k in ("appeared", "disappeared")}).alias("change"),
        pl.col("severity").replace(L["severities"]).alias("severity"),
    )
    sheet(
        S["findings"],
        [
            (L["change"], "change", "text"),
            (L["institution_id"], "institution_id", "text"),
            (L["rule"], "rule", "text"),
            (L["severity"], "severity", "text"),
            (L["period"], "period", "text"),
            (L["message"], "message", "text"),
            (L["evidence"], "evidence", "text"),
            (L["citation"], "citation", "text"),
        ],
        found,
        [8, 14, 20, 8, 9, 50, 40, 26],
    )
    wb.close()
