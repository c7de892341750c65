"""Declared vs approved vs paid (申报 · 核定 · 拨付), and why they differ.

- `approved` is the recomputed ledger (public money only: the institution's own premium
  share is not paid by anyone). Month-based programmes (operating grants) are set
  against a claim month by month; yearly lines against a claim covering their year.
- A reconciliation row is one claim key (institution × programme × period). A payment
  belongs to the narrowest claim whose period holds it; a payment no claim holds, or
  approved money no claim holds, gets a row of its own (claimed 0), so the columns add
  up to the totals of the inputs and of the ledger. A payment or ledger line that fits in
  no one claim but overlaps some is merged with them into one row over their common span
  (money is only ever compared over the same months).
- Per-resident discrepancies (申报名册): every claimed person-month the ledger does not
  count, with its cause and money, and every counted person-month not claimed. Their
  money, or without a 申报名册 the registers' cuts, explains claimed − approved; what
  they do not explain is stated as unexplained.

Everything is joins and group-bys over whole frames (25 million claimed person-months
reconcile without a row loop)."""

from __future__ import annotations

import polars as pl

from audit import dates
from audit.i18n import PROGRAMS, words
from audit.kinds.common import FINDING_SCHEMA, Ctx, as_findings, fen_text
from audit.kinds.registers import ELDERLY_LAW, ELDERLY_QUOTE, under_age
from audit.privacy import mask_person_id

STATUS = {  # code: (zh, en)
    "match": ("一致", "match"),
    "cut": ("核减", "cut"),
    "raised": ("核增", "raised"),
    "recover": ("追回", "recover"),
    "pay": ("补发", "pay"),
}
RECONCILIATION_SCHEMA = {
    "institution_id": pl.String,
    "name": pl.String,
    "county": pl.String,
    "program": pl.String,
    "period": pl.String,
    "claimed_fen": pl.Int64,
    "approved_fen": pl.Int64,
    "paid_fen": pl.Int64,
    "claimed_minus_approved_fen": pl.Int64,
    "to_recover_fen": pl.Int64,
    "to_pay_fen": pl.Int64,
    "status": pl.String,
    "explained_fen": pl.Int64,
    "unexplained_fen": pl.Int64,
    "explained_by": pl.String,
}
DISCREPANCY_SCHEMA = {
    "institution_id": pl.String,
    "program": pl.String,
    "month_end": pl.Date,
    "person_id": pl.String,
    "rule": pl.String,
    "amount_fen": pl.Int64,
}
# causes of a claimed person-month the ledger does not count, in the order they are tested
CAUSES = ("died", "under_60", "claimed_elsewhere", "at_other_home", "not_resident", "not_local", "not_eligible")
CAUSE_WORDS = {
    "died": ("死亡名单显示已于 {} 死亡", "died on {} by the death register"),
    "under_60": ("按身份证号出生日期未满六十周岁{}", "under 60 by the id's birth date{}"),
    "claimed_elsewhere": ("同月也在机构 {} 的申报名册中", "also claimed by {} for the same month"),
    "at_other_home": ("该月末在机构 {} 入住", "in residence at {} on the month-end"),
    "not_resident": ("该月末不在本机构入住名单中{}", "not in residence here on the month-end{}"),
    "not_local": ("户籍不在机构所在区县{}", "household registration outside the institution's county{}"),
    "not_eligible": (
        "未满足计发条件（入住未满规定月数、机构未登记或未评级等）{}",
        "conditions not met (minimum months, registration or rating){}",
    ),
    "not_claimed": ("在院且符合条件，但未申报{}", "counted but not claimed{}"),
}


def span_months(ctx: Ctx | None, year: int) -> tuple[int, int]:
    """First and last month number of the run: its settlement period, else the year."""
    span = getattr(ctx, "span", None)
    if span is None:
        return year * 12, year * 12 + 11
    return span.start.year * 12 + span.start.month - 1, span.end.year * 12 + span.end.month - 1


def month_number(d: pl.Expr) -> pl.Expr:
    return d.dt.year().cast(pl.Int64) * 12 + d.dt.month().cast(pl.Int64) - 1


def month_end_of(m: pl.Expr) -> pl.Expr:
    """Month number → that month's last day."""
    first = pl.date(m // 12, m % 12 + 1, 1)
    return first.dt.month_end()


def programs_in_pack(pack) -> set[str]:
    """The ledger programmes the pack's rules pay into (from each kind's declaration)."""
    from audit.kinds.registry import KINDS

    return {KINDS[r.kind].program for r in pack.rules.values() if r.kind in KINDS and KINDS[r.kind].program}


# ---------------------------------------------------------------- approved money in months


def approved_atoms(ledger: pl.DataFrame, ctx: Ctx | None) -> pl.DataFrame:
    """Public approved money as (institution_id, program, m0, m1, amount_fen): month-level
    for the programmes the calculators priced by month, ledger lines (their period) else."""
    monthly = pl.concat(ctx.monthly) if ctx is not None and ctx.monthly else None
    by_month = set()
    parts = []
    if monthly is not None and monthly.height:
        monthly = monthly.filter(pl.col("payer") != "institution")
        by_month = set(monthly["program"].unique().to_list())
        parts.append(
            monthly.select(
                "institution_id",
                "program",
                month_number(pl.col("month_end")).alias("m0"),
                month_number(pl.col("month_end")).alias("m1"),
                "amount_fen",
            )
        )
    lines = ledger.filter((pl.col("payer") != "institution") & ~pl.col("program").is_in(sorted(by_month)))
    lines = dates.month_spans(lines.select("institution_id", "program", "period", "amount_fen"))
    parts.append(lines.select("institution_id", "program", "m0", "m1", "amount_fen"))
    out = pl.concat([p.cast({"m0": pl.Int64, "m1": pl.Int64, "amount_fen": pl.Int64}) for p in parts])
    return out.group_by("institution_id", "program", "m0", "m1").agg(pl.col("amount_fen").sum())


PAIR = ["institution_id", "program"]


def _narrowest(items: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    """items (with `_i`, institution_id, program, m0, m1) → `_i`, k0, k1 of the narrowest key
    whose span holds the item's (none: not in the result)."""
    return (
        items.join(
            keys.select(*PAIR, pl.col("m0").alias("k0"), pl.col("m1").alias("k1")),
            on=PAIR,
            how="inner",
        )
        .filter((pl.col("k0") <= pl.col("m0")) & (pl.col("m1") <= pl.col("k1")))
        .sort("_i", pl.col("k1") - pl.col("k0"), "k0")
        .unique("_i", keep="first")
        .select("_i", "k0", "k1")
    )


def _assign(items: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    """items with k0/k1 set (null where no key holds them)."""
    items = items.with_row_index("_i")
    return items.join(_narrowest(items, keys), on="_i", how="left").drop("_i")


def _runs(items: pl.DataFrame, touching: bool = True) -> pl.DataFrame:
    """items with k0/k1: the span of their run per institution × programme, a run being
    spans that overlap (`touching`: or follow each other without a gap)."""
    items = items.sort(*PAIR, "m0", "m1")
    gap = 1 if touching else 0
    new_run = (pl.col("m0") > pl.col("m1").shift(1).cum_max().over(PAIR) + gap).fill_null(True)
    return (
        items.with_columns(new_run.cast(pl.Int64).cum_sum().over(PAIR).alias("_run"))
        .with_columns(
            pl.col("m0").min().over(*PAIR, "_run").alias("k0"),
            pl.col("m1").max().over(*PAIR, "_run").alias("k1"),
        )
        .drop("_run")
    )


def _absorb(keys: pl.DataFrame, items: pl.DataFrame) -> pl.DataFrame:
    """keys (institution_id, program, m0, m1) grown until every key an item span overlaps
    holds it: an item that sticks out of a key it overlaps is merged with it into one span,
    so its money is set against the same months as theirs (a payment for the year against
    half-year claims, a yearly ledger line claimed for one month) — also when a wider key
    holds it (a payment for 2024 against claims for 2024 and 2024H1: else the payment sits
    on the 2024 row and H1's approved money on the H1 row, an invented 追回 and 补发). Keys
    no such item touches stay as they are (a claim nested in another keeps its own row)."""
    items = items.select(*PAIR, "m0", "m1").unique()
    overlap = (pl.col("k0") <= pl.col("m1")) & (pl.col("m0") <= pl.col("k1"))
    holds = (pl.col("k0") <= pl.col("m0")) & (pl.col("m1") <= pl.col("k1"))
    for _ in range(items.height + 1):  # each round leaves fewer loose items; bounded
        pairs = items.join(keys.select(*PAIR, pl.col("m0").alias("k0"), pl.col("m1").alias("k1")), on=PAIR).filter(
            overlap
        )
        loose = pairs.filter(~holds)
        if not loose.height:
            break
        touched = loose.select(*PAIR, pl.col("k0").alias("m0"), pl.col("k1").alias("m1")).unique()
        spans = pl.concat([loose.select(*PAIR, "m0", "m1").unique(), touched])
        merged = _runs(spans, touching=False).select(*PAIR, pl.col("k0").alias("m0"), pl.col("k1").alias("m1"))
        keys = pl.concat([keys.join(touched, on=[*PAIR, "m0", "m1"], how="anti"), merged]).unique()
    return keys


def _row_keys(claims: pl.DataFrame, pays: pl.DataFrame, atoms: pl.DataFrame) -> pl.DataFrame:
    """The spans of the reconciliation rows per institution × programme, before the approved
    months nothing else covers: each claim period, grown where a payment or an approved
    ledger line does not fit inside one claim; then payments no claim touches (overlapping
    ones together), grown the same way by the ledger lines."""
    span = ["institution_id", "program", "m0", "m1"]
    items = pl.concat([pays.select(span), atoms.filter(pl.col("m0") != pl.col("m1")).select(span)])
    keys = _absorb(claims.select(span).unique(), items)
    alone = _assign(pays.select(span), keys).filter(pl.col("k0").is_null()).drop("k0", "k1")
    if alone.height:
        lone = _runs(alone, touching=False).select(*PAIR, pl.col("k0").alias("m0"), pl.col("k1").alias("m1"))
        keys = _absorb(pl.concat([keys, lone]).unique(), items)
    return keys


# ---------------------------------------------------------------- per-resident discrepancies


def resident_discrepancies(tables: dict, pack, ctx: Ctx, lang: str = "zh") -> tuple[pl.DataFrame, pl.DataFrame]:
    """(person-month discrepancies (DISCREPANCY_SCHEMA; amount > 0 claimed but not
    counted, < 0 counted but not claimed), findings one per institution × person × cause).

    The money of a claimed month not counted is what it would earn had it counted:
    with the person's declared attributes where this home lists the person that month,
    else the base rate alone (a lower bound: no supplement is assumed)."""

    roll = tables["claim_residents"]
    rules = [r for r in pack.rules_of_kind("resident_month_grant")]
    year = ctx.year
    if not roll.height or not rules:
        return pl.DataFrame(schema=DISCREPANCY_SCHEMA), pl.DataFrame(schema=FINDING_SCHEMA)
    r0, r1 = span_months(ctx, year)
    # each distinct month text is parsed once; the 25 million rows only join a small table
    months = dates.month_spans(roll.select(pl.col("period").unique()))
    months = months.filter((pl.col("m0") == pl.col("m1")) & pl.col("m0").is_between(r0, r1)).select(
        "period", month_end_of(pl.col("m0")).alias("month_end")
    )
    claims = (
        roll.lazy()
        .filter(pl.col("person_id").is_not_null())
        .select("institution_id", "period", "person_id")
        .join(months.lazy(), on="period", how="inner")
        .select("institution_id", "person_id", "month_end")
    )
    shared = _claimed_by_two_homes(claims)
    prepared = [_RuleFrames(rule, tables, ctx) for rule in rules]
    parts, found = [], []
    # every person-month is judged within its own institution (with the whole input for
    # the other homes), so the roll is taken a slice of institutions at a time: the
    # intermediate frames of 25 million claimed rows never exist at once
    # the slices are consecutive ranges of sorted ids: each sorted on its own, they are in order
    # together (no sorted copy of the whole)
    for ids, with_null in _institution_slices(tables, roll.height):
        in_slice = pl.col("institution_id").is_in(ids) | (pl.col("institution_id").is_null() & with_null)
        claimed = claims.filter(in_slice).unique().collect()
        per_rule = []
        for frames in prepared:
            disc, why = _slice_discrepancies(frames, tables, ctx, claimed, shared, in_slice, lang)
            per_rule.append(disc)
            found.append(why)
        disc = (
            pl.concat(per_rule)
            .group_by("institution_id", "program", "month_end", "person_id", "rule")
            .agg(pl.col("amount_fen").max())
            if len(prepared) > 1
            else per_rule[0]
        )
        parts.append(disc.sort("institution_id", "month_end", "person_id", "rule"))
    return pl.concat(parts), pl.concat(found)


SLICE_ROWS = 3_000_000  # claimed person-months reconciled at a time (bounds memory; results do not depend on it)


def _institution_slices(tables: dict, claimed_rows: int) -> list[tuple[list, bool]]:
    """Sorted institution ids (of the institutions table and of the roll) cut into
    consecutive slices of about SLICE_ROWS claimed rows each; the first also takes rows
    without an institution id."""
    ids = (
        pl.concat([tables["institutions"].select("institution_id"), tables["claim_residents"].select("institution_id")])
        .drop_nulls()
        .unique()
        .sort("institution_id")["institution_id"]
    )
    n = max(1, -(-claimed_rows // SLICE_ROWS))
    size = max(1, -(-ids.len() // n))
    return [(ids.slice(i, size).to_list(), i == 0) for i in range(0, max(ids.len(), 1), size)]


def _claimed_by_two_homes(claims: pl.LazyFrame) -> pl.DataFrame:
    """(person_id, month_end, _other): every home claiming a person-month that more than
    one home claims (the few rows `claimed_elsewhere` needs, found without holding the
    whole roll twice; a hash collision only keeps a row in)."""
    key = pl.struct("person_id", "month_end").hash()
    twice = claims.filter(key.is_duplicated()).unique()
    return (
        twice.filter(pl.struct("person_id", "month_end").is_duplicated())
        .select("person_id", "month_end", pl.col("institution_id").alias("_other"))
        .collect()
    )


class _RuleFrames:
    """What one resident-month rule needs for every slice, computed once: its counted
    stay spans and the months the registers remove, and its rate conditions."""

    def __init__(self, rule, tables: dict, ctx: Ctx):
        from audit.kinds.operating import COUNTS, _base, counted_spans, disabled_expr, registers_stays

        on = ctx.ref_date
        self.rule = rule
        self.disabled = disabled_expr(
            _opt(rule, "disabled_care_levels", on) or frozenset(), bool(_opt(rule, "dementia_counts_as_disabled", on))
        )
        self.cats = sorted(_opt(rule, "low_income_categories", on) or ())
        self.local = _opt(rule, "local_hukou", on)
        self.priced_base = _base(rule)[0]
        self.spans = (
            counted_spans(rule, tables, ctx)
            .filter(pl.col("registered_ok") & self.priced_base)
            .select("institution_id", "person_id", "_first", "_last")
            .collect()
        )
        removed = registers_stays(rule, tables, ctx)
        self.removed = (
            removed.filter(pl.col("registered_ok") & ~COUNTS)
            .select("institution_id", "person_id", "month_end")
            .collect()
            if removed is not None
            else pl.DataFrame(schema={"institution_id": pl.String, "person_id": pl.String, "month_end": pl.Date})
        )


def _slice_discrepancies(
    frames: _RuleFrames,
    tables: dict,
    ctx: Ctx,
    claimed: pl.DataFrame,
    shared: pl.DataFrame,
    in_slice: pl.Expr,
    lang: str,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """resident_discrepancies for one rule and the institutions of one slice (`claimed`
    is the slice's roll, `shared` the person-months claimed by several homes)."""
    from audit.kinds.operating import person_month_values

    rule, disabled, cats = frames.rule, frames.disabled, frames.cats
    not_counted, not_claimed = _roll_against_ledger(
        rule, tables, ctx, claimed, frames.priced_base, frames.spans.filter(in_slice), frames.removed.filter(in_slice)
    )
    # causes, in order: registers first, then residence, then the rule's own conditions
    res = tables["residents"].select(
        "institution_id",
        "person_id",
        "admitted_on",
        "discharged_on",
        "hukou_county",
        "care_level",
        "dementia",
        "low_income",
    )
    nc = not_counted.with_row_index("_i")
    here = (
        nc.join(res, on=["institution_id", "person_id"], how="inner")
        .filter(
            (pl.col("admitted_on") <= pl.col("month_end"))
            & (pl.col("discharged_on").is_null() | (pl.col("discharged_on") > pl.col("month_end")))
        )
        .sort("_i", "admitted_on", descending=[False, True])
        .unique("_i", keep="first")
        .select("_i", "hukou_county", "care_level", "dementia", "low_income")
    )
    elsewhere = (
        nc.join(
            res.select("person_id", pl.col("institution_id").alias("_other"), "admitted_on", "discharged_on"),
            on="person_id",
            how="inner",
        )
        .filter(
            (pl.col("_other") != pl.col("institution_id"))
            & (pl.col("admitted_on") <= pl.col("month_end"))
            & (pl.col("discharged_on").is_null() | (pl.col("discharged_on") > pl.col("month_end")))
        )
        .group_by("_i")
        .agg(pl.col("_other").unique().sort().str.join(",").alias("_at_other"))
    )
    also_claimed = (
        nc.join(shared, on=["person_id", "month_end"], how="inner")
        .filter(pl.col("_other") != pl.col("institution_id"))
        .group_by("_i")
        .agg(pl.col("_other").unique().sort().str.join(",").alias("_claimed_other"))
    )
    deaths = tables["deaths"].group_by("person_id").agg(pl.col("died_on").min())
    inst = tables["institutions"].select("institution_id", pl.col("county").alias("_county"), "rating_level")
    nc = (
        nc.join(here, on="_i", how="left")
        .join(elsewhere, on="_i", how="left")
        .join(also_claimed, on="_i", how="left")
        .join(deaths, on="person_id", how="left")
        .join(inst, on="institution_id", how="left")
    )
    resident_here = (
        pl.col("care_level").is_not_null() | pl.col("hukou_county").is_not_null() | pl.col("low_income").is_not_null()
    )
    cause = (
        pl.when((pl.col("died_on") <= pl.col("month_end")).fill_null(False))
        .then(pl.lit("died"))
        .when(under_age(pl.col("person_id"), pl.col("month_end")))
        .then(pl.lit("under_60"))
        .when(~resident_here & pl.col("_claimed_other").is_not_null())
        .then(pl.lit("claimed_elsewhere"))
        .when(~resident_here & pl.col("_at_other").is_not_null())
        .then(pl.lit("at_other_home"))
        .when(~resident_here)
        .then(pl.lit("not_resident"))
        .when(
            pl.lit(bool(frames.local))
            & (pl.col("hukou_county").str.strip_chars() != pl.col("_county").str.strip_chars()).fill_null(True)
        )
        .then(pl.lit("not_local"))
        .otherwise(pl.lit("not_eligible"))
    )
    nc = nc.with_columns(
        cause.alias("cause"),
        (pl.lit("claim_") + cause).alias("rule"),
        pl.coalesce(pl.col("care_level"), pl.lit("self_care")).alias("care_level"),
        pl.col("dementia").fill_null(False),
        pl.col("low_income").fill_null("none"),
    )
    valued = person_month_values(rule, nc, ctx, disabled, pl.col("low_income").is_in(cats).fill_null(False))
    unclaimed = person_month_values(rule, not_claimed, ctx, disabled, pl.col("low_income").is_in(cats).fill_null(False))
    disc = pl.concat(
        [
            valued.select(
                "institution_id", pl.lit("operating").alias("program"), "month_end", "person_id", "rule", "amount_fen"
            ),
            unclaimed.select(
                "institution_id",
                pl.lit("operating").alias("program"),
                "month_end",
                "person_id",
                pl.lit("claim_missing").alias("rule"),
                (-pl.col("amount_fen")).alias("amount_fen"),
            ),
        ]
    ).cast(DISCREPANCY_SCHEMA)
    return disc, _discrepancy_findings(valued, unclaimed, rule, ctx, lang)


def _roll_against_ledger(
    rule,
    tables: dict,
    ctx: Ctx,
    claimed: pl.DataFrame,
    priced_base: pl.Expr,
    spans: pl.DataFrame,
    removed: pl.DataFrame,
):
    """(claimed person-months the ledger does not count, counted person-months not claimed
    — the latter with the attributes that price them).

    The ledger's months are never expanded for everyone: a claimed month is counted when
    one of the person's stay spans in that institution (`spans`: _first, _last) holds it
    and no register removes it (`removed`); months not claimed are looked for only among
    the people whose counted months outnumber their counted claims."""
    from audit.kinds.common import month_number as months_into
    from audit.kinds.operating import COUNTS, counted_stays

    keys = ["institution_id", "person_id", "month_end"]
    pair = ["institution_id", "person_id"]
    spans = spans.lazy()
    # claimed months are those of the run's period already; counted spans number them 1…n from its first month
    hit = (
        claimed.lazy()
        .with_columns(months_into(pl.col("month_end"), ctx.span).alias("_m"))
        .join(spans, on=pair, how="inner")
        .filter((pl.col("_first") <= pl.col("_m")) & (pl.col("_m") <= pl.col("_last")))
        .select(keys)
        .join(removed.lazy(), on=keys, how="anti")
        .collect()
    )
    not_counted = claimed.join(hit, on=keys, how="anti")
    due = (
        spans.group_by(pair)
        .agg((pl.col("_last") - pl.col("_first") + 1).sum().alias("_due"))
        .collect()
        .join(removed.group_by(pair).agg(pl.len().alias("_gone")), on=pair, how="left")
        .join(hit.group_by(pair).agg(pl.len().alias("_got")), on=pair, how="left")
        .filter(pl.col("_due") - pl.col("_gone").fill_null(0) > pl.col("_got").fill_null(0))
    )
    if not due.height:
        return not_counted, counted_stays(rule, {**tables, "residents": tables["residents"].clear()}, ctx).collect()
    short = {**tables, "residents": tables["residents"].join(due.select(pair), on=pair, how="semi")}
    not_claimed = (
        counted_stays(rule, short, ctx)
        .filter(pl.col("registered_ok") & COUNTS & priced_base)
        .join(claimed.lazy(), on=keys, how="anti")
        .collect()
    )
    return not_counted, not_claimed


def _opt(rule, name, on):
    from audit.kinds.common import Gap, opt

    try:
        return opt(rule, name, on)
    except Gap:
        return None


def _discrepancy_findings(valued: pl.DataFrame, unclaimed: pl.DataFrame, rule, ctx: Ctx, lang: str) -> pl.DataFrame:
    """One finding per institution × person × cause: months and money. A claimed month
    not counted is an error (money claimed that is not due); a month not claimed is info."""
    extra = (
        pl.when(pl.col("cause") == "died")
        .then(pl.col("died_on").cast(pl.String))
        .when(pl.col("cause") == "claimed_elsewhere")
        .then(pl.col("_claimed_other"))
        .when(pl.col("cause") == "at_other_home")
        .then(pl.col("_at_other"))
        .otherwise(pl.lit(""))
    )
    rows = pl.concat(
        [
            valued.select("institution_id", "person_id", "month_end", "cause", "amount_fen", extra.alias("_extra")),
            unclaimed.select(
                "institution_id",
                "person_id",
                "month_end",
                pl.lit("not_claimed").alias("cause"),
                "amount_fen",
                pl.lit("").alias("_extra"),
            ),
        ]
    )
    if not rows.height:
        return pl.DataFrame(schema=FINDING_SCHEMA)
    # the institution's own conditions and months it did not claim are one finding per
    # institution (thousands of residents share them); claim_discrepancies.csv lists each month
    pooled = pl.col("cause").is_in(["not_eligible", "not_claimed"])
    per = (
        rows.filter(~pooled)
        .group_by("institution_id", "person_id", "cause")
        .agg(
            pl.col("month_end").sort().dt.strftime("%Y-%m").str.join(",").alias("months"),
            pl.len().alias("n"),
            pl.col("amount_fen").sum(),
            pl.col("_extra").first(),
        )
        .with_columns(
            mask_person_id(pl.col("person_id")).alias("masked"), fen_text(pl.col("amount_fen")).alias("money")
        )
    )
    zh = {k: v[0] for k, v in CAUSE_WORDS.items()}
    en = {k: v[1] for k, v in CAUSE_WORDS.items()}
    cause_words = pl.col("cause").replace_strict(en if lang == "en" else zh, return_dtype=pl.String)
    cause = _fill(cause_words, pl.col("_extra"))
    claimed_msg = pl.format(
        "申报名册中该老人（身份证号 {}）{} 个月（{}）未予核定：{}；涉及金额 {} 元"
        if lang != "en"
        else "claimed person (id {}): {} month(s) ({}) not approved: {}; {} yuan",
        pl.col("masked"),
        pl.col("n"),
        pl.col("months"),
        cause,
        pl.col("money"),
    )
    citation = (
        pl.when(pl.col("cause") == "under_60")
        .then(pl.lit(f"{ELDERLY_LAW}：“{ELDERLY_QUOTE}”"))
        .otherwise(pl.lit(rule.citation))
    )
    people = per.select(
        "institution_id",
        (pl.lit("claim_") + pl.col("cause")).alias("rule"),
        _holds(pl.col("amount_fen")).alias("severity"),
        claimed_msg.alias("message"),
        pl.format("person={} months={} amount={}", pl.col("masked"), pl.col("months"), pl.col("money")).alias(
            "evidence"
        ),
        citation.alias("citation"),
        pl.lit(ctx.period_label).alias("period"),
    )
    pool = (
        rows.filter(pooled)
        .group_by("institution_id", "cause")
        .agg(pl.col("person_id").n_unique().alias("persons"), pl.len().alias("n"), pl.col("amount_fen").sum())
        .with_columns(fen_text(pl.col("amount_fen").abs()).alias("money"))
    )
    is_nc = pl.col("cause") == "not_claimed"
    pool_msg = (
        pl.when(is_nc)
        .then(
            pl.format(
                "{} 位老人共 {} 个人月在院且符合条件但未申报（{} 元），明细见 claim_discrepancies.csv"
                if lang != "en"
                else "{} person(s), {} resident-month(s) counted but not claimed ({} yuan); see claim_discrepancies.csv",
                pl.col("persons"),
                pl.col("n"),
                pl.col("money"),
            )
        )
        .otherwise(
            pl.format(
                "申报名册中 {} 位老人共 {} 个人月未满足计发条件（入住未满规定月数、机构未登记或未评级等），涉及 {} 元，明细见 claim_discrepancies.csv"
                if lang != "en"
                else "{} claimed person(s), {} month(s) do not meet the conditions (minimum months, registration, rating): "
                "{} yuan; see claim_discrepancies.csv",
                pl.col("persons"),
                pl.col("n"),
                pl.col("money"),
            )
        )
    )
    institutions = pool.select(
        "institution_id",
        pl.when(is_nc).then(pl.lit("claim_missing")).otherwise(pl.lit("claim_not_eligible")).alias("rule"),
        pl.when(is_nc).then(pl.lit("info")).otherwise(_holds(pl.col("amount_fen"))).alias("severity"),
        pool_msg.alias("message"),
        pl.format("persons={} months={} amount={}", pl.col("persons"), pl.col("n"), pl.col("money")).alias("evidence"),
        pl.lit(rule.citation).alias("citation"),
        pl.lit(ctx.period_label).alias("period"),
    )
    return pl.concat([as_findings(people), as_findings(institutions)])


def _holds(amount_fen: pl.Expr) -> pl.Expr:
    """`error` (the payment waits) only where public money is at stake; a wrong claim worth
    0.00 is a `warning`: it must be corrected but holds no payment."""
    return pl.when(amount_fen != 0).then(pl.lit("error")).otherwise(pl.lit("warning"))


def _fill(template: pl.Expr, value: pl.Expr) -> pl.Expr:
    """'…{}…' with its one placeholder replaced by value (vectorised)."""
    return template.str.replace("{}", value.fill_null(""), literal=True)


# ---------------------------------------------------------------- the reconciliation


# the calculators' condition findings that leave a whole programme of an institution unpaid
CONDITIONS = {
    "operating": {"unrated", "not_registered", "not_eligible"},
    "construction": {
        "not_eligible",
        "not_registered",
        "not_accepted",
        "not_operating",
        "bed_minimum",
        "lease_term",
        "nursing_occupancy",
    },
    "center_operating": {"not_assessed_pass", "not_operating_normally", "missing_score", "rating_below_minimum"},
    "insurance": set(),
}


def reconcile(
    tables: dict,
    ledger: pl.DataFrame,
    ctx: Ctx,
    pack,
    year: int,
    lang: str = "zh",
    discrepancies: pl.DataFrame | None = None,
    calc_findings: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(reconciliation frame (RECONCILIATION_SCHEMA, fen), findings about claims and
    payments outside the year or for a programme the pack does not have)."""
    y0, y1 = span_months(ctx, year)
    claims = dates.month_spans(tables["claims"].select("institution_id", "program", "period", "amount_fen", "_row"))
    voucher = ["voucher"] if "voucher" in tables["payments"].columns else []
    pays = dates.month_spans(
        tables["payments"].select("institution_id", "program", "period", "amount_fen", "_row", *voucher)
    )
    in_year = (pl.col("m0") >= y0) & (pl.col("m1") <= y1)
    atoms = approved_atoms(ledger, ctx).filter(in_year)
    findings = [
        _outside_year(claims, y0, y1, "claim", lang),
        _outside_year(pays, y0, y1, "payment", lang),
        _straddling(claims, atoms, y0, y1, "claim", lang),
        _straddling(pays, atoms, y0, y1, "payment", lang),
        _unknown_programme(claims, pack, lang, year),
    ]
    claims, pays = claims.filter(in_year), pays.filter(in_year)
    findings.append(_overlapping_claims(claims, lang))
    findings.append(_repeated(claims, lang, "claim"))
    # payments: a 凭证号 tells two equal payments apart (a repeat with one is an input error)
    unvouched = pays.filter(pl.col("voucher").is_null()) if "voucher" in pays.columns else pays
    findings.append(_repeated(unvouched, lang, "payment"))
    keys = _row_keys(claims, pays, atoms)
    own = [pl.coalesce("k0", "m0").alias("k0"), pl.coalesce("k1", "m1").alias("k1")]  # no key: no institution
    claims = _assign(claims, keys).with_columns(own)
    pays = _assign(pays, keys).with_columns(own)  # every payment is held by a key now
    atoms = _assign(atoms, keys)
    leftover = _runs(atoms.filter(pl.col("k0").is_null()).drop("k0", "k1"))
    atoms = pl.concat([atoms.filter(pl.col("k0").is_not_null()), leftover.select(atoms.columns)])
    key = ["institution_id", "program", "k0", "k1"]
    rows = (
        pl.concat(
            [
                claims.select(
                    *key,
                    pl.col("amount_fen").alias("claimed_fen"),
                    pl.lit(0, pl.Int64).alias("approved_fen"),
                    pl.lit(0, pl.Int64).alias("paid_fen"),
                ),
                atoms.select(
                    *key,
                    pl.lit(0, pl.Int64).alias("claimed_fen"),
                    pl.col("amount_fen").alias("approved_fen"),
                    pl.lit(0, pl.Int64).alias("paid_fen"),
                ),
                pays.select(
                    *key,
                    pl.lit(0, pl.Int64).alias("claimed_fen"),
                    pl.lit(0, pl.Int64).alias("approved_fen"),
                    pl.col("amount_fen").alias("paid_fen"),
                ),
            ]
        )
        .group_by(key)
        .agg(pl.col("claimed_fen", "approved_fen", "paid_fen").sum())
    )
    rolls = set(tables["claim_residents"]["institution_id"].drop_nulls().unique().to_list())
    rows = _explain(rows, discrepancies, ctx, rolls, calc_findings)
    diff = pl.col("claimed_fen") - pl.col("approved_fen")
    over = pl.col("paid_fen") - pl.col("approved_fen")
    code = (
        pl.when(over > 0)
        .then(pl.lit("recover"))
        .when((pl.col("paid_fen") != 0) & (over < 0))  # a recovery recorded (negative) is a payment too
        .then(pl.lit("pay"))
        .when(diff > 0)
        .then(pl.lit("cut"))
        .when(diff < 0)
        .then(pl.lit("raised"))
        .otherwise(pl.lit("match"))
    )
    names = tables["institutions"].select("institution_id", "name", "county")
    out = (
        rows.with_columns(
            dates.span_label(pl.col("k0"), pl.col("k1")).alias("period"),
            diff.alias("claimed_minus_approved_fen"),
            over.clip(lower_bound=0).alias("to_recover_fen"),
            (-over).clip(lower_bound=0).alias("to_pay_fen"),
            code.replace_strict({k: v[1 if lang == "en" else 0] for k, v in STATUS.items()}).alias("status"),
            (diff - pl.col("explained_fen")).alias("unexplained_fen"),
        )
        .join(names, on="institution_id", how="left")
        .sort("institution_id", "program", "k0", "k1")
    )
    return out.select(list(RECONCILIATION_SCHEMA)).cast(RECONCILIATION_SCHEMA), pl.concat(findings)


def _explain(
    rows: pl.DataFrame, disc: pl.DataFrame | None, ctx: Ctx, rolls: set, findings: pl.DataFrame | None = None
) -> pl.DataFrame:
    """explained_fen / explained_by per row: the per-resident discrepancies where the
    institution handed in a 申报名册 (`rolls`), else the registers' cuts of the ledger
    (what its declared residents lost to the death register, the roster, the age).
    explained_by also names the calculators' condition findings (unrated, not registered
    …) that leave the programme unpaid: they explain a cut without a per-person sum."""
    rows = _with_conditions(rows, findings)
    parts = []
    if disc is not None and disc.height:
        # summed per home, month and cause first: 15 million person-months become ~1 million rows
        parts.append(disc.group_by("institution_id", "program", "month_end", "rule").agg(pl.col("amount_fen").sum()))
    if ctx is not None and ctx.adjustments:
        adj = pl.concat(ctx.adjustments).select("institution_id", "program", "month_end", "rule", "amount_fen")
        # a roll shows who was claimed, not for which supplement: a roster cut of a counted month
        # explains a difference either way; deaths and ages are the roll's own causes there
        parts.append(
            adj.filter(
                ~(
                    (pl.col("program") == "operating")
                    & pl.col("institution_id").is_in(sorted(rolls))
                    & (pl.col("rule") != "not_on_roster")
                )
            )
        )
    if not parts:
        return rows.with_columns(
            pl.lit(0, pl.Int64).alias("explained_fen"), pl.col("_cond").alias("explained_by")
        ).drop("_cond")
    cols = {c: DISCREPANCY_SCHEMA[c] for c in ("institution_id", "program", "month_end", "rule", "amount_fen")}
    k_as_m = [pl.col("k0").alias("m0"), pl.col("k1").alias("m1")]
    why = pl.concat([p.select(list(cols)).cast(cols) for p in parts])
    # each month to the one row its approved money went to (the narrowest span holding it),
    # as the ledger's months are: never to every row whose span holds it
    months = why.select(*PAIR, month_number(pl.col("month_end")).alias("m0")).unique()
    months = _assign(months.with_columns(pl.col("m0").alias("m1")), rows.select(*PAIR, *k_as_m))
    matched = (
        why.with_columns(month_number(pl.col("month_end")).alias("m0"))
        .join(months.drop("m1"), on=[*PAIR, "m0"])
        .group_by("institution_id", "program", "k0", "k1")
        .agg(
            pl.col("amount_fen").sum().alias("explained_fen"),
            pl.col("rule").unique().sort().str.join(",").alias("explained_by"),
        )
    )
    joined = rows.join(matched, on=["institution_id", "program", "k0", "k1"], how="left")
    return joined.with_columns(
        pl.col("explained_fen").fill_null(0),
        pl.concat_list(pl.col("explained_by").fill_null("").str.split(","), pl.col("_cond").str.split(","))
        .list.eval(pl.element().filter(pl.element() != ""))
        .list.unique()
        .list.sort()
        .list.join(",")
        .alias("explained_by"),
    ).drop("_cond")


def _with_conditions(rows: pl.DataFrame, findings: pl.DataFrame | None) -> pl.DataFrame:
    """`_cond`: the condition findings of each row's institution for its programme."""
    if findings is None or not findings.height:
        return rows.with_columns(pl.lit("", pl.String).alias("_cond"))
    pairs = pl.DataFrame(
        [(p, r) for p, rs in CONDITIONS.items() for r in sorted(rs)], schema=["program", "rule"], orient="row"
    )
    cond = (
        findings.filter(pl.col("institution_id").is_not_null())
        .select("institution_id", "rule")
        .unique()
        .join(pairs, on="rule")
        .group_by("institution_id", "program")
        .agg(pl.col("rule").sort().str.join(",").alias("_cond"))
    )
    return rows.join(cond, on=["institution_id", "program"], how="left").with_columns(pl.col("_cond").fill_null(""))


def _outside_year(frame: pl.DataFrame, y0: int, y1: int, what: str, lang: str) -> pl.DataFrame:
    """Claims or payments whose period lies wholly outside the audit period belong to another
    period's ledger: one info finding per institution, with the count and money (one that
    crosses the period's edge is `_straddling`)."""
    out = frame.filter(pl.col("m0").is_not_null() & ((pl.col("m1") < y0) | (pl.col("m0") > y1)))
    if not out.height:
        return pl.DataFrame(schema=FINDING_SCHEMA)
    per = out.group_by("institution_id").agg(
        pl.len().alias("n"), pl.col("amount_fen").sum(), pl.col("period").unique().sort().str.join(",").alias("periods")
    )
    noun_zh, noun_en = NOUNS[what]
    msg = pl.format(
        f"{{}} 笔{noun_zh}（期间 {{}}，共 {{}} 元）不在核算期间内，未参与本期对账；请按其所属期间另行核算"
        if lang != "en"
        else f"{{}} {noun_en}(s) (periods {{}}, {{}} yuan) lie outside the audit period and are not reconciled here; "
        "run their own period",
        pl.col("n"),
        pl.col("periods"),
        fen_text(pl.col("amount_fen")),
    )
    return as_findings(
        per.select(
            "institution_id",
            pl.lit(f"{what}_outside_year").alias("rule"),
            pl.lit("info").alias("severity"),
            msg.alias("message"),
            pl.format(
                "count={} periods={} amount={}", pl.col("n"), pl.col("periods"), fen_text(pl.col("amount_fen"))
            ).alias("evidence"),
        )
    )


NOUNS = {"claim": ("申报", "claim"), "payment": ("拨付", "payment")}


def _programme_words(lang: str) -> pl.Expr:
    """The programme code in the reader's words."""
    return pl.col("program").replace(words(PROGRAMS, "en" if lang == "en" else "zh"))


def _straddling(frame: pl.DataFrame, atoms: pl.DataFrame, y0: int, y1: int, what: str, lang: str) -> pl.DataFrame:
    """Claims or payments whose period crosses the audit period's edge (a settlement year
    2023-07..2024-06 in a 2024 audit): their money cannot be split by month, so they are not
    reconciled here, but the months inside the period are — and show the approved money as
    still to pay. A warning per institution × programme with their money, the months inside
    and the approved money of those months, so that 补发 is not read as owed in full."""
    cross = frame.filter(
        pl.col("m0").is_not_null()
        & ((pl.col("m0") < y0) | (pl.col("m1") > y1))
        & (pl.col("m1") >= y0)
        & (pl.col("m0") <= y1)
    )
    if not cross.height:
        return pl.DataFrame(schema=FINDING_SCHEMA)
    per = cross.group_by(PAIR).agg(
        pl.len().alias("n"),
        pl.col("amount_fen").sum(),
        pl.col("period").unique().sort().str.join(",").alias("periods"),
        pl.max_horizontal(pl.col("m0"), pl.lit(y0)).min().alias("i0"),
        pl.min_horizontal(pl.col("m1"), pl.lit(y1)).max().alias("i1"),
    )
    inside = (
        atoms.join(per.select(*PAIR, "i0", "i1"), on=PAIR)
        .filter((pl.col("m0") >= pl.col("i0")) & (pl.col("m1") <= pl.col("i1")))
        .group_by(PAIR)
        .agg(pl.col("amount_fen").sum().alias("approved_fen"))
    )
    per = per.join(inside, on=PAIR, how="left").with_columns(
        pl.col("approved_fen").fill_null(0), dates.span_label(pl.col("i0"), pl.col("i1")).alias("months")
    )
    noun_zh, noun_en = NOUNS[what]
    left_out = {
        "claim": ("其核减或核增未计入该笔申报", "whose cut or raise leaves this claim out"),
        "payment": ("其应补发或应追回未扣除该笔拨付", "whose to-pay or to-recover leaves this payment out"),
    }[what]
    msg = pl.format(
        f"{{}} 笔{noun_zh}（{{}}，期间 {{}}，共 {{}} 元）跨越核算期间的起止，未参与本期对账；其中 {{}} 在本期内，"
        f"本期核定这些月份 {{}} 元，{left_out[0]}：请按整个结算期间另行核对"
        if lang != "en"
        else f"{{}} {noun_en}(s) ({{}}, periods {{}}, {{}} yuan) cross the audit period's edge and are not reconciled "
        f"here; {{}} lie inside, approved {{}} yuan for those months, {left_out[1]}: settle them over the whole "
        "settlement period",
        pl.col("n"),
        _programme_words(lang),
        pl.col("periods"),
        fen_text(pl.col("amount_fen")),
        pl.col("months"),
        fen_text(pl.col("approved_fen")),
    )
    return as_findings(
        per.select(
            "institution_id",
            pl.lit(f"{what}_straddles_period").alias("rule"),
            pl.lit("warning").alias("severity"),
            msg.alias("message"),
            pl.format(
                "program={} periods={} amount={} months_inside={} approved_inside={}",
                pl.col("program"),
                pl.col("periods"),
                fen_text(pl.col("amount_fen")),
                pl.col("months"),
                fen_text(pl.col("approved_fen")),
            ).alias("evidence"),
            pl.col("months").alias("period"),
        )
    )


def _overlapping_claims(claims: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Two claims of one institution for one programme whose periods share months (2024 and
    2024H1): a possible double claim, named with both periods and their money. The
    reconciliation sets each month's approved money against the narrower claim only."""
    spans = (
        claims.filter(pl.col("m0").is_not_null())
        .group_by(*PAIR, "m0", "m1")
        .agg(pl.col("amount_fen").sum(), pl.col("period").unique().sort().str.join(",").alias("period"))
    )
    other = spans.select(*PAIR, *(pl.col(c).alias(f"{c}_b") for c in ("m0", "m1", "amount_fen", "period")))
    first = (pl.col("m0") < pl.col("m0_b")) | ((pl.col("m0") == pl.col("m0_b")) & (pl.col("m1") < pl.col("m1_b")))
    pairs = spans.join(other, on=PAIR).filter(
        first & (pl.col("m0") <= pl.col("m1_b")) & (pl.col("m0_b") <= pl.col("m1"))
    )
    if not pairs.height:
        return pl.DataFrame(schema=FINDING_SCHEMA)
    o0, o1 = pl.max_horizontal("m0", "m0_b"), pl.min_horizontal("m1", "m1_b")
    pairs = pairs.with_columns((o1 - o0 + 1).alias("k"), dates.span_label(o0, o1).alias("shared"))
    msg = pl.format(
        "同一补贴项目 {} 的两笔申报期间重叠：{}（{} 元）与 {}（{} 元）共有 {} 个月（{}）重复申报；"
        "对账时每月的核定金额只计入期间较窄的一笔，请核实是否重复申报"
        if lang != "en"
        else "two claims for programme {} overlap: {} ({} yuan) and {} ({} yuan) share {} month(s) ({}); a possible "
        "double claim — each month's approved money is set against the narrower claim only",
        _programme_words(lang),
        pl.col("period"),
        fen_text(pl.col("amount_fen")),
        pl.col("period_b"),
        fen_text(pl.col("amount_fen_b")),
        pl.col("k"),
        pl.col("shared"),
    )
    return as_findings(
        pairs.sort(*PAIR, "m0", "m1", "m0_b", "m1_b").select(
            "institution_id",
            pl.lit("claim_periods_overlap").alias("rule"),
            pl.lit("warning").alias("severity"),
            msg.alias("message"),
            pl.format(
                "program={} periods={};{} amounts={};{} shared={}",
                pl.col("program"),
                pl.col("period"),
                pl.col("period_b"),
                fen_text(pl.col("amount_fen")),
                fen_text(pl.col("amount_fen_b")),
                pl.col("shared"),
            ).alias("evidence"),
            pl.col("shared").alias("period"),
        )
    )


def _repeated(frame: pl.DataFrame, lang: str, what: str) -> pl.DataFrame:
    """The same claim (or payment with no 凭证号) on two or more rows — one home, programme,
    period and amount (a sheet copied beside the original and edited a little, so not refused
    as a copy): counted twice without a word otherwise. A warning with the rows and the money
    repeated (two equal payments may be real: the bureau checks)."""
    zh_what, en_what = {"claim": ("申报", "claimed"), "payment": ("拨付", "paid")}[what]
    reps = (
        frame.filter(pl.col("m0").is_not_null())
        .group_by(*PAIR, "m0", "m1", "amount_fen")
        .agg(pl.len().alias("n"), pl.col("period").first(), pl.col("_row").sort().alias("rows"))
        .filter(pl.col("n") > 1)
    )
    if not reps.height:
        return pl.DataFrame(schema=FINDING_SCHEMA)
    extra = pl.col("amount_fen") * (pl.col("n") - 1)
    rows = pl.col("rows").cast(pl.List(pl.String)).list.join("、")
    msg = (
        pl.format(
            f"同一补贴项目 {{}} 的同一期间 {{}} 以相同金额 {{}} 元{zh_what}了 {{}} 次（第 {{}} 行）：多计{zh_what} {{}} 元，"
            "请核实是否重复录入",
            _programme_words(lang),
            pl.col("period"),
            fen_text(pl.col("amount_fen")),
            pl.col("n"),
            rows,
            fen_text(extra),
        )
        if lang != "en"
        else pl.format(
            f"programme {{}} is {en_what} {{}} times for {{}} with the same {{}} yuan (rows {{}}): {{}} yuan "
            f"{en_what} twice; check for a row entered twice",
            _programme_words(lang),
            pl.col("n"),
            pl.col("period"),
            fen_text(pl.col("amount_fen")),
            rows,
            fen_text(extra),
        )
    )
    return as_findings(
        reps.sort(*PAIR, "m0", "m1").select(
            "institution_id",
            pl.lit(f"{what}_repeated").alias("rule"),
            pl.lit("warning").alias("severity"),
            msg.alias("message"),
            pl.format(
                "program={} period={} rows={} amount={}", pl.col("program"), pl.col("period"), rows, fen_text(extra)
            ).alias("evidence"),
            pl.col("period"),
        )
    )


def _unknown_programme(claims: pl.DataFrame, pack, lang: str, year: int) -> pl.DataFrame:
    """A claim for a programme the pack has no rule for: nothing can be approved for it."""
    have = programs_in_pack(pack)
    bad = claims.filter(pl.col("program").is_not_null() & ~pl.col("program").is_in(sorted(have)))
    if not bad.height:
        return pl.DataFrame(schema=FINDING_SCHEMA)
    per = bad.group_by("institution_id", "program").agg(pl.col("amount_fen").sum(), pl.col("_row").sort())
    msg = pl.format(
        "申报的补贴项目 {} 不在政策包 {} 中（{} 元）：无法核定，应核减"
        if lang != "en"
        else "claims programme {} which pack {} does not have ({} yuan): nothing can be approved",
        pl.col("program"),
        pl.lit(pack.id),
        fen_text(pl.col("amount_fen")),
    )
    return as_findings(
        per.select(
            "institution_id",
            pl.lit("program_not_in_pack").alias("rule"),
            pl.lit("error").alias("severity"),
            msg.alias("message"),
            pl.format(
                "program={} amount={} rows={}",
                pl.col("program"),
                fen_text(pl.col("amount_fen")),
                pl.col("_row").cast(pl.List(pl.String)).list.join(","),
            ).alias("evidence"),
            pl.lit(None, pl.String).alias("citation"),
            pl.lit(str(year)).alias("period"),
        )
    )


def totals(recon: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Sums of the money columns by `by` (programme, county …); differences add up exactly."""
    money = [
        "claimed_fen",
        "approved_fen",
        "paid_fen",
        "claimed_minus_approved_fen",
        "to_recover_fen",
        "to_pay_fen",
        "unexplained_fen",
    ]
    return recon.group_by(by).agg(pl.col(money).sum()).sort(by)


# ---------------------------------------------------------------- as written


RECON_COLUMNS = [
    "institution_id",
    "name",
    "program",
    "period",
    "claimed",
    "approved",
    "paid",
    "claimed_minus_approved",
    "to_recover",
    "to_pay",
    "status",
    "explained",
    "unexplained",
    "explained_by",
]
DISCREPANCY_COLUMNS = ["institution_id", "program", "month", "person", "rule", "amount"]


def reconciliation_table(recon: pl.DataFrame) -> pl.DataFrame:
    """reconciliation.csv: money as yuan text with two decimals, formulas defused."""
    from audit.money import fen_to_yuan_expr
    from audit.privacy import defuse_frame

    text = defuse_frame(recon.select(pl.col(pl.String)))  # money below is digits only: nothing to defuse
    money = {c: c.removesuffix("_fen") for c in recon.columns if c.endswith("_fen")}
    return (
        recon.with_columns(text)
        .with_columns(fen_to_yuan_expr(pl.col(c)).alias(n) for c, n in money.items())
        .select(RECON_COLUMNS)
    )


def discrepancies_table(disc: pl.DataFrame) -> pl.DataFrame:
    """claim_discrepancies.csv: one row per person-month, the person masked."""
    from audit.money import fen_to_yuan_expr
    from audit.privacy import defuse_frame

    text = defuse_frame(
        disc.select(
            "institution_id",
            "program",
            pl.col("month_end").dt.strftime("%Y-%m").alias("month"),
            mask_person_id(pl.col("person_id")).alias("person"),
            "rule",
        )
    )
    return text.with_columns(disc.select(fen_to_yuan_expr(pl.col("amount_fen")).alias("amount")).to_series())


WRITE_ROWS = 1_000_000  # rows of claim_discrepancies.csv made into text at a time


def write_discrepancies_csv(disc: pl.DataFrame, path) -> None:
    """claim_discrepancies.csv (with BOM, as the other CSVs), a slice of rows at a time:
    the masked text of 15 million person-months is never held at once; the bytes are
    those of one write."""
    with open(path, "wb") as f:
        for start in range(0, max(disc.height, 1), WRITE_ROWS):
            discrepancies_table(disc.slice(start, WRITE_ROWS)).write_csv(
                f, include_header=start == 0, include_bom=start == 0
            )


PROGRAM_WORDS = words(PROGRAMS, "zh")


# ---------------------------------------------------------------- why was this month not approved


def explain_person_month(result, institution_id: str, person_id: str, month: str, lang: str | None = None) -> str:
    """`audit explain --person … --month …`: whether one person-month was claimed and
    approved, and every condition checked for it (register, age, residence, household,
    months in residence, the home's registration and rating), with the money. Ids masked."""
    from audit.kinds.common import Ctx
    from audit.kinds.operating import COUNTS, _base, counted_stays, disabled_expr, person_month_values
    from audit.privacy import mask_text

    lang = lang or result.lang
    L = lambda zh, en: en if lang == "en" else zh  # noqa: E731
    m = dates.month_span(month)
    if m is None or m[0] != m[1]:
        from audit.errors import InputError

        raise InputError(
            L(
                f"--month 应为一个月份，如 2024-05（收到 {month}）",
                f"--month must be one month such as 2024-05 (got {month})",
            )
        )
    day = pl.select(month_end_of(pl.lit(m[0]))).item()
    tables = result.dataset.tables
    masked = mask_text(person_id)
    one = {
        k: (v.filter(pl.col("person_id") == person_id) if "person_id" in v.columns and k != "staff" else v)
        for k, v in tables.items()
    }
    one["institutions"] = tables["institutions"]
    roll = one["claim_residents"].filter(pl.col("institution_id") == institution_id)
    claimed = dates.month_spans(roll.select("period")).filter(pl.col("m0") == m[0]).height > 0
    out = [
        L(
            f"机构 {institution_id} · 老人 {masked} · {day:%Y-%m}（月末 {day}）",
            f"Institution {institution_id} · person {masked} · {day:%Y-%m} (month-end {day})",
        ),
        L(f"申报名册：{'已申报' if claimed else '未申报'}", f"Claim roll: {'claimed' if claimed else 'not claimed'}"),
    ]
    rules = result.pack.rules_of_kind("resident_month_grant")
    if not rules:
        out.append(L("政策包没有按人月计发的运营补贴规则。", "The pack has no resident-month grant."))
        return "\n".join(out) + "\n"
    ctx = Ctx(
        pack=result.pack, year=result.year, lang=lang, period=getattr((result.extra or {}).get("ctx"), "period", None)
    )  # the run's period
    for rule in rules:
        rows = (
            counted_stays(rule, one, ctx)
            .filter((pl.col("institution_id") == institution_id) & (pl.col("month_end") == day))
            .collect()
        )
        stays = one["residents"].filter(pl.col("institution_id") == institution_id)
        in_res = stays.filter(
            (pl.col("admitted_on") <= day) & (pl.col("discharged_on").is_null() | (pl.col("discharged_on") > day))
        )
        inst = tables["institutions"].filter(pl.col("institution_id") == institution_id).row(0, named=True)
        died = one["deaths"]["died_on"].min() if one["deaths"].height else None
        checks = [
            (L("入住名单中该月末在院", "in residence on the month-end (resident list)"), in_res.height > 0, ""),
            (
                L("死亡名单", "death register"),
                died is None or died > day,
                L(f"死亡日期 {died}", f"died on {died}") if died else L("未列入", "not listed"),
            ),
            (
                L("年满六十周岁（按身份证号出生日期）", "aged 60 or over (birth date in the id)"),
                not pl.select(under_age(pl.lit(person_id), pl.lit(day))).item(),
                f"{ELDERLY_LAW}：“{ELDERLY_QUOTE}”",
            ),
        ]
        local = _opt(rule, "local_hukou", ctx.ref_date)
        if local and in_res.height:
            hk = in_res["hukou_county"][0]
            checks.append(
                (
                    L("户籍在机构所在区县", "household registration in the institution's county"),
                    (hk or "").strip() == (inst.get("county") or "").strip(),
                    f"{hk} / {inst.get('county')}",
                )
            )
        if in_res.height:
            checks.append(
                (
                    L("连续入住满规定月数", "continuously resident for the minimum months"),
                    rows.height > 0,
                    L(
                        f"规定 {_opt(rule, 'min_months', ctx.ref_date) or 0} 个月",
                        f"{_opt(rule, 'min_months', ctx.ref_date) or 0} months",
                    ),
                )
            )
        if rows.height:
            checks.append(
                (
                    L("机构已登记", "institution registered"),
                    bool(rows["registered_ok"][0]),
                    str(inst.get("registered_on") or ""),
                )
            )
        base_ok = _base(rule)[0]
        if rule.has("rate_by_rating_level"):
            checks.append(
                (
                    L("机构已评定等级", "institution rated"),
                    (inst.get("rating_level") or 0) > 0,
                    str(inst.get("rating_level") or 0),
                )
            )
        out.append(f"{L('规则', 'rule')} {rule.id}（{rule.citation}）")
        for what, ok, note in checks:
            out.append(
                f"  {'✓' if ok else '✗'} {what}{'：' + note if note and lang != 'en' else ('; ' + note if note else '')}"
            )
        counted = rows.filter(pl.col("registered_ok") & COUNTS & base_ok)
        cats = sorted(_opt(rule, "low_income_categories", ctx.ref_date) or ())
        disabled = disabled_expr(
            _opt(rule, "disabled_care_levels", ctx.ref_date) or frozenset(),
            bool(_opt(rule, "dementia_counts_as_disabled", ctx.ref_date)),
        )
        if counted.height:
            v = person_month_values(
                rule, counted.head(1), ctx, disabled, pl.col("low_income").is_in(cats).fill_null(False)
            )
            out.append(
                L(
                    f"结论：核定，{yuan(int(v['amount_fen'][0]))} 元",
                    f"Result: approved, {yuan(int(v['amount_fen'][0]))} yuan",
                )
            )
            if rows["off_roster"][0]:
                out.append(
                    L(
                        "  低保补贴未计：该月不在低保特困名册所申报的类别中",
                        "  low-income supplement not counted: not on the roster in that category",
                    )
                )
        else:
            from audit.report.labels import LABELS  # the rule codes in words, as in every document

            rule_words = LABELS["en" if lang == "en" else "zh"]["rules"]
            disc = result.discrepancies if result.discrepancies is not None else pl.DataFrame(schema=DISCREPANCY_SCHEMA)
            d = disc.filter(
                (pl.col("institution_id") == institution_id)
                & (pl.col("person_id") == person_id)
                & (pl.col("month_end") == day)
            )
            money = (
                L(f"，涉及 {yuan(int(d['amount_fen'].sum()))} 元", f", {yuan(int(d['amount_fen'].sum()))} yuan")
                if d.height
                else ""
            )
            out.append(
                L(
                    f"结论：未核定（{'、'.join(rule_words.get(r, r) for r in d['rule'].to_list()) or '见上列未满足条件'}）{money}",
                    f"Result: not approved ({', '.join(rule_words.get(r, r) for r in d['rule'].to_list()) or 'see the conditions marked ✗'}){money}",
                )
            )
    return "\n".join(out) + "\n"


def yuan(fen: int) -> str:
    from audit.money import fen_to_yuan

    return fen_to_yuan(fen, thousands=True)
