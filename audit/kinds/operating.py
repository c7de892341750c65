"""Operating grants per resident-month 运营补贴 (resident_month_grant).

Headcount rule (stated in reports): a resident counts for a month when in residence on
that month's last day (admitted_on ≤ month_end and discharged_on null or later) and
continuously resident for at least `min_months` full months by then (since + min_months
months ≤ month_end, counting months as the Civil Code art. 201–202 does: a period
ending in a month without the corresponding day ends on that month's last day, so an
admission on 31 December completes six months on 30 June), with the
household registration in the institution's county when `local_hukou`. Stays split by
a care-level change count as one residence: a stay starting on or the day after the
previous stay's discharge continues it. Rates are those in force on each month's last
day; one ledger line per institution × item × rate, quantity = resident-months."""

from __future__ import annotations

from datetime import date

import polars as pl

from audit.kinds.base import LOCAL_HUKOU_READS, Item, Kind, columns
from audit.kinds.common import (
    INSTITUTION,
    Ctx,
    Gap,
    as_span,
    attach,
    condition_findings,
    fen_text,
    month_number,
    opt,
    repeated,
    t,
    value,
)
from audit.kinds.registers import ELDERLY_AGE, ELDERLY_LAW, ELDERLY_QUOTE, born_after, under_age, with_registers
from audit.privacy import mask_person_id

PROGRAM = "operating"
INTERPRETATIONS = {
    "resident_month_headcount": (
        "按月计人数：月末最后一天在院、且截至该日已连续入住满规定月数（月末日期向前推相应月数，"
        "入住日期不晚于该日）、户籍在机构所在区县的老人计 1 人月；因能力等级变化拆分的连续入住视为一次入住。",
        "Monthly headcount: a resident counts for a month when in residence on its last day, continuously "
        "resident since on or before that day shifted back by the minimum months, with local household "
        "registration; stays split by a care-level change count as one residence.",
    ),
    "disabled_definition": (
        "“失能”指能力等级属政策包所列等级；失智者按参数计入，失能与失智同时具备的只计一次补贴。",
        "'Disabled' means a care level listed in the pack; dementia counts when the pack says so; "
        "a resident who is both gets the supplement once.",
    ),
    "outside_registers": (
        "死亡名单、低保特困名册优先于机构申报：死亡之日起不再计为在院；低保类别仅在名册所列类别的在册月份计入"
        "（认定日期 ≤ 月末 < 退出日期）；月末未满六十周岁者（按身份证号出生日期）不计人月"
        "（《中华人民共和国老年人权益保障法》第二条“本法所称老年人是指六十周岁以上的公民”）。未提供名册时以申报为准。",
        "The death register and the assistance roster override declarations: no residence from the day of "
        "death; a low-income category counts only on month-ends the person is on the roster in it "
        "(from ≤ month-end < until); a person under 60 on the month-end (birth date in the id) is not counted "
        "(Law on the Protection of the Rights and Interests of the Elderly, art. 2). Without a roster, declarations stand.",
    ),
}
CARE_ZH = {"self_care": "自理", "partial": "部分失能", "full": "完全失能"}


def month_ends(period) -> list[date]:
    """The month-ends of the settlement period (a year: its twelve)."""
    return as_span(period).month_ends


def residence_since(res: pl.DataFrame) -> pl.DataFrame:
    """Adds `since`: the start of the continuous residence each stay belongs to (a stay that
    starts on or the day after the previous stay of the same person in the same
    institution ended continues it). Only people with several stays in one institution
    need their stays in order; everyone else's residence starts on admission (sorting
    2.5 million stays was most of the operating grant's time)."""
    lazy = isinstance(res, pl.LazyFrame)
    frame = res.collect() if lazy else res
    several = repeated(frame, "institution_id", "person_id")  # a hash collision only takes the exact path
    single = frame if several is None else frame.filter(~several)
    out = single.with_columns(pl.col("admitted_on").alias("since"))
    if several is not None:
        out = pl.concat([out, _continued(frame.filter(several))])
    return out.lazy() if lazy else out


def _continued(res: pl.DataFrame) -> pl.DataFrame:
    """`since` for the stays of people with several rows in one institution."""
    res = res.sort("institution_id", "person_id", "admitted_on", "_row")
    # rows are sorted, so "previous stay of the same person" is the previous row when the
    # key repeats; no window per person needed (fast for millions of stays)
    same_person = (
        (pl.col("institution_id") == pl.col("institution_id").shift(1))
        & (pl.col("person_id") == pl.col("person_id").shift(1))
    ).fill_null(False)
    # overlapping rows of one person in one institution (a validation warning): the later
    # row takes over from its admission, so no month is counted twice
    next_start = pl.when(same_person.shift(-1).fill_null(False)).then(pl.col("admitted_on").shift(-1))
    res = res.with_columns(pl.min_horizontal("discharged_on", next_start).alias("discharged_on"))
    prev_end = pl.col("discharged_on").shift(1)
    continues = same_person & prev_end.is_not_null() & (pl.col("admitted_on") <= prev_end + pl.duration(days=1))
    return res.with_columns(
        pl.when(continues).then(None).otherwise(pl.col("admitted_on")).forward_fill().alias("since")
    )


def counted_spans(rule, tables: dict, ctx: Ctx) -> pl.LazyFrame:
    """Lazy rows, one per stay (two when the institution registers during the period), with
    the first and last month (1–n of the settlement period) it counts for, `_first` ≤ `_last`, and `registered_ok`
    (the institution was registered by those month ends, when the rule requires it).

    Counting is arithmetic on months (docs/policy-digest.md §2): a stay is in residence on
    the last day of month m when its admission month ≤ m < its discharge month; it has
    been resident long enough when the month of `since` + min_months ≤ m (that date lies
    within its month, so it is ≤ the month's last day exactly then); the institution is
    registered by then when the month of `registered_on` ≤ m. No stay × month expansion."""
    on = ctx.ref_date
    min_months = opt(rule, "min_months", on, 0) or 0
    local = opt(rule, "local_hukou", on, False)
    ownership = opt(rule, "eligible_ownership", on)
    inst = tables["institutions"].filter(pl.col("kind") == "institution")
    if ownership:
        inst = inst.filter(pl.col("ownership").is_in(sorted(ownership)))
    inst = inst.select("institution_id", "county", "rating_level", "registered_on")
    first, n = ctx.span.start, ctx.span.n_months
    # whole institutions drop out here, so the continuity of a stay is unchanged; the stays
    # of institutions out of scope are left behind in the same pass (not copied, then dropped)
    stays = (
        tables["residents"]
        .lazy()
        .select(
            "institution_id",
            "person_id",
            "admitted_on",
            "discharged_on",
            *(["hukou_county"] if local else []),
            "care_level",
            "dementia",
            "low_income",
            "_row",
        )
        .filter((pl.col("admitted_on") <= on) & pl.col("institution_id").is_in(inst["institution_id"].implode()))
        .collect()
    )
    if local:  # one flag per stay instead of two text columns through residence_since's copies
        county = attach(stays.select("institution_id"), inst.select("institution_id", "county"), "institution_id")
        stays = stays.with_columns(
            (pl.col("hukou_county").str.strip_chars() == county["county"].str.strip_chars()).alias("_local")
        ).drop("hukou_county")
        del county
    # the institution's columns go beside the stays after residence_since (every stay has its
    # institution: same rows, same order), so its copies of the stays stay narrow
    res = (
        attach(
            residence_since(stays).drop("_row"),
            inst.select("institution_id", "rating_level", "registered_on"),
            "institution_id",
        )
        .lazy()
        .filter(pl.col("discharged_on").is_null() | (pl.col("discharged_on") > first))
    )
    del stays
    if local:
        res = res.filter(pl.col("_local"))
    month = lambda d: month_number(d, ctx.span)  # noqa: E731
    res = res.with_columns(
        pl.max_horizontal(
            # the month of `since` + min_months is the month number of `since` plus min_months
            pl.lit(1, pl.Int32),
            month(pl.col("admitted_on")),
            month(pl.col("since")) + int(min_months),
        ).alias("_first"),
        pl.min_horizontal(pl.lit(n, pl.Int32), (month(pl.col("discharged_on")) - 1).fill_null(n)).alias("_last"),
    ).filter(pl.col("_first") <= pl.col("_last"))
    if opt(rule, "require_registered", on, False):
        registered = month(pl.col("registered_on")).fill_null(n + 1)  # never registered: no month
        # a stay's months before registration (few: most homes were registered before the
        # period) and its months from registration on, each only where there are some
        res = pl.concat(
            [
                res.filter(pl.col("_first") < registered).with_columns(
                    pl.min_horizontal("_last", registered - 1).alias("_last"), pl.lit(False).alias("registered_ok")
                ),
                res.filter(registered <= pl.col("_last")).with_columns(
                    pl.max_horizontal("_first", registered).alias("_first"), pl.lit(True).alias("registered_ok")
                ),
            ]
        )
    else:
        res = res.with_columns(pl.lit(True).alias("registered_ok"))
    return res.select(
        "institution_id",
        "person_id",
        "_first",
        "_last",
        "care_level",
        "dementia",
        "low_income",
        "rating_level",
        "registered_on",
        "registered_ok",
    )


def counted_stays(rule, tables: dict, ctx: Ctx) -> pl.LazyFrame:
    """Lazy rows (stay × month end) that count, with `registered_ok`: the spans expanded,
    for `audit explain` (one institution), never for the whole input."""
    days = dict(enumerate(month_ends(ctx.span), start=1))
    return (
        counted_spans(rule, tables, ctx)
        .with_columns(pl.int_ranges("_first", pl.col("_last") + 1, dtype=pl.Int32).alias("_month"))
        .explode("_month")
        .with_columns(pl.col("_month").replace_strict(days, return_dtype=pl.Date).alias("month_end"))
        .pipe(with_registers, tables)
        .select(
            "institution_id",
            "person_id",
            "month_end",
            "care_level",
            "dementia",
            "low_income",
            "rating_level",
            "registered_on",
            "registered_ok",
            "died_on",
            "dead",
            "under_60",
            "low_declared",
            "off_roster",
        )
    )


COUNTS = ~pl.col("dead") & ~pl.col("under_60")  # a month the registers leave in residence


def counted_months(rule, tables: dict, ctx: Ctx) -> pl.DataFrame:
    """The (stay × month) rows that count, one per person and month (for `audit explain`)."""
    return counted_stays(rule, tables, ctx).filter(pl.col("registered_ok") & COUNTS).collect()


def affected_by_registers(tables: dict, ctx: Ctx) -> pl.LazyFrame | None:
    """The people a register or the age rule can change (person_id): in the death
    register, declared low-income while a roster is given, or under 60 on some month-end
    of the period. None when nobody is (the common fast path)."""
    parts = []
    deaths, roster = tables.get("deaths"), tables.get("assistance_roster")
    if deaths is not None and deaths.height:
        parts.append(deaths.lazy().select("person_id"))
    res = tables["residents"].lazy()
    if roster is not None and roster.height:
        parts.append(
            res.filter(pl.col("low_income").is_not_null() & (pl.col("low_income") != "none")).select("person_id")
        )
    jan_end = ctx.span.month_ends[0]  # the period's first month-end
    young = res.filter(born_after(pl.col("person_id"), jan_end, ELDERLY_AGE)).select("person_id").collect()
    parts.append(young.lazy().filter(under_age(pl.col("person_id"), pl.lit(jan_end))))
    people = pl.concat(parts).unique().collect()
    return people.lazy() if people.height else None


def registers_stays(rule, tables: dict, ctx: Ctx) -> pl.LazyFrame | None:
    """counted_stays of the affected people only, where a register changes the month."""
    people = affected_by_registers(tables, ctx)
    if people is None:
        return None
    sub = {**tables, "residents": tables["residents"].lazy().join(people, on="person_id", how="semi").collect()}
    return counted_stays(rule, sub, ctx).filter(pl.col("dead") | pl.col("under_60") | pl.col("off_roster"))


def _register_delta(rule, tables: dict, ctx: Ctx, disabled: pl.Expr, low_cats) -> pl.DataFrame | None:
    """Counts to add to the spans' counts: −1 for each month a register changes, as
    declared, and +1 for the same month as the registers leave it (none after a death or
    under 60; without the low-income supplement off the roster)."""
    rows = registers_stays(rule, tables, ctx)
    if rows is None:
        return None
    rows = rows.collect()
    if not rows.height:
        return None
    cats = sorted(low_cats)
    keys = [
        "institution_id",
        "month_end",
        "rating_level",
        "care_level",
        "disabled",
        "low",
        "registered_on",
        "registered_ok",
    ]
    minus = (
        rows.with_columns(disabled.alias("disabled"), pl.col("low_declared").is_in(cats).fill_null(False).alias("low"))
        .group_by(keys)
        .agg((-pl.len().cast(pl.Int64)).alias("n"))
    )
    plus = (
        rows.filter(COUNTS)
        .with_columns(disabled.alias("disabled"), pl.col("low_income").is_in(cats).fill_null(False).alias("low"))
        .group_by(keys)
        .agg(pl.len().cast(pl.Int64).alias("n"))
    )
    return pl.concat([minus, plus])


def _month_counts(rule, tables: dict, ctx: Ctx, disabled: pl.Expr, low: pl.Expr, low_cats=()) -> pl.DataFrame:
    """Resident counts by institution × month × the attributes rates depend on: small,
    whatever the number of residents. Each month's count is a sum over the stays'
    spans (first ≤ m ≤ last), one pass, no stay × month rows. Reports months before
    registration."""
    keys = ["institution_id", "rating_level", "care_level", "disabled", "low", "registered_on", "registered_ok"]
    days = dict(enumerate(month_ends(ctx.span), start=1))
    in_month = {m: ((pl.col("_first") <= m) & (pl.col("_last") >= m)).sum().cast(pl.Int64).alias(str(m)) for m in days}
    counts = (
        counted_spans(rule, tables, ctx)
        .with_columns(disabled.alias("disabled"), low.alias("low"))
        .group_by(keys)
        .agg(*in_month.values())
        .unpivot(index=keys, on=[str(m) for m in days], variable_name="_month", value_name="n")
        .filter(pl.col("n") > 0)
        .with_columns(
            pl.col("_month")
            .replace_strict({str(m): d for m, d in days.items()}, return_dtype=pl.Date)
            .alias("month_end")
        )
        .select(
            "institution_id",
            "month_end",
            "rating_level",
            "care_level",
            "disabled",
            "low",
            "registered_on",
            "registered_ok",
            "n",
        )
        .collect()
    )
    delta = _register_delta(rule, tables, ctx, disabled, low_cats)
    if delta is not None:  # the registers' corrections, counted on the few people they touch
        group = [c for c in counts.columns if c != "n"]
        counts = (
            pl.concat([counts, delta.select(counts.columns).cast(counts.schema)])
            .group_by(group)
            .agg(pl.col("n").sum())
            .filter(pl.col("n") != 0)
        )
    unregistered = (
        counts.filter(~pl.col("registered_ok"))
        .group_by("institution_id")
        .agg(pl.col("n").sum(), pl.col("registered_on").first())
    )
    condition_findings(
        ctx,
        unregistered,
        pl.lit(True),
        rule,
        "not_registered",
        "warning",
        f"机构未依法登记（或登记前），相应人月不享受 {rule.citation} 的运营补贴",
        f"not registered (or before registration): those resident-months get no grant under {rule.citation}",
        pl.format(
            "resident_months={} registered_on={}", pl.col("n"), pl.col("registered_on").cast(pl.String).fill_null("空")
        ),
    )
    return counts.filter(pl.col("registered_ok"))


def _rate_on(rule, name: str, on: date, key=None):
    """A rate in force on `on`: int fen, or raises Gap (with the key for table params)."""
    v = value(rule, name, on, required=False)
    if key is None:
        return v
    if v is None:
        return None
    r = v.get(key)
    if r is None:
        raise Gap(f"{name}.{key}")
    return r


def disabled_expr(levels, dementia_counts: bool) -> pl.Expr:
    """Who gets the disability supplement: a care level among `levels`, or dementia where
    the clause counts it (once, never twice). The ledger, the claims audit and `explain`
    all judge a resident by this one expression."""
    disabled = pl.col("care_level").is_in(sorted(levels)).fill_null(False)
    return disabled | pl.col("dementia").fill_null(False) if dementia_counts else disabled


def resident_month_grant(rule, tables: dict, ctx: Ctx, detail: bool = False) -> pl.DataFrame:
    """Ledger lines (or, with detail=True, counts by month) of a resident-month grant."""
    on = ctx.ref_date
    for k in ("resident_month_headcount", "disabled_definition"):
        ctx.interpretations.add(k)
    low_cats = opt(rule, "low_income_categories", on) or frozenset()
    disabled = disabled_expr(
        opt(rule, "disabled_care_levels", on) or frozenset(), opt(rule, "dementia_counts_as_disabled", on, False)
    )
    low = pl.col("low_income").is_in(sorted(low_cats)).fill_null(False)
    months = _month_counts(rule, tables, ctx, disabled, low, low_cats)
    priced_base, base_key, base_item, base_param = _base(rule)
    if rule.has("rate_by_rating_level"):
        unrated = months.filter(pl.col("rating_level").fill_null(0) == 0)
        if unrated.height:
            per = unrated.group_by("institution_id").agg(pl.col("n").sum(), pl.col("rating_level").is_null().all())
            for blank, zh, en in (
                (False, "机构未评定等级", "institution not rated"),
                (True, "未填写等级评定", "rating level blank"),
            ):
                condition_findings(
                    ctx,
                    per,
                    pl.col("rating_level") == blank,
                    rule,
                    "unrated",
                    "info",
                    f"{zh}，{rule.citation} 的运营补贴按等级计发，暂不计发",
                    f"{en}: no operating grant under {rule.citation} (paid by rating level)",
                    pl.format("resident_months={}", pl.col("n")),
                )
    months = months.filter(priced_base)  # no level, no rate (validation flags a missing care level)
    _register_findings(rule, tables, ctx, disabled, low_cats)
    if not months.height:
        return _empty_detail() if detail else months.clear()

    counts = _item_counts(months, rule, base_item, base_key)

    rates = _rate_table(rule, ctx, counts, base_param)
    priced = counts.join(rates, on=["item", "key", "month_end"], how="left")
    gaps = priced.filter(pl.col("rate_fen").is_null())
    for (param, ended), part in gaps.group_by("_param", "_ended"):
        ctx.gap(rule, Gap(param, not_in_force=ended), part["institution_id"])
    priced = priced.filter(pl.col("rate_fen").is_not_null())
    if detail:
        return priced.select("institution_id", "item", "month_end", "quantity", "rate_fen").sort(
            "institution_id", "item", "month_end"
        )
    lines = (
        priced.group_by("institution_id", "item", "rate_fen")
        .agg(pl.col("quantity").sum())
        .with_columns(
            pl.lit(PROGRAM).alias("program"),
            pl.lit(ctx.period_label).alias("period"),
            (pl.col("quantity") * pl.col("rate_fen")).alias("amount_fen"),
            pl.lit(rule.id).alias("rule"),
            pl.lit(rule.citation).alias("citation"),
        )
    )
    payer = value(rule, "payer", on)
    ctx.monthly.append(
        priced.group_by("institution_id", "month_end")
        .agg((pl.col("quantity") * pl.col("rate_fen")).sum().alias("amount_fen"))
        .with_columns(pl.lit(PROGRAM).alias("program"), pl.lit(payer).alias("payer"))
    )
    return lines.with_columns(
        pl.lit(payer).alias("payer"),
        (
            pl.format("{} 人月 × ", pl.col("quantity"))
            + fen_text(pl.col("rate_fen"))
            + pl.lit(" 元/人/月 = ")
            + fen_text(pl.col("amount_fen"))
            + pl.lit(" 元（")
            + pl.col("item").replace_strict(_item_zh(), default=pl.col("item"))
            + pl.lit("）")
        ).alias("basis"),
    )


def _base(rule):
    """(which counted months have a base rate, its table key, its item name, its parameter)."""
    if rule.has("rate_by_rating_level"):
        return (
            pl.col("rating_level").fill_null(0) > 0,
            pl.col("rating_level"),
            pl.lit("resident_months_level_") + pl.col("rating_level").cast(pl.String),
            "rate_by_rating_level",
        )
    return (
        pl.col("care_level").is_not_null(),
        pl.col("care_level"),
        pl.lit("resident_months_") + pl.col("care_level"),
        "rate_by_care_level",
    )


def _items(months: pl.DataFrame, rule, base_item: pl.Expr, base_key: pl.Expr) -> pl.DataFrame:
    """Which counted resident-months carry which item (a resident is in several items)."""
    items = [months.with_columns(base_item.alias("item"), base_key.cast(pl.String).alias("key"))]
    if rule.has("disability_supplement"):
        items.append(
            months.filter(pl.col("disabled")).with_columns(
                pl.lit("disability_supplement").alias("item"), pl.lit("", pl.String).alias("key")
            )
        )
    if rule.has("low_income_supplement"):
        items.append(
            months.filter(pl.col("low")).with_columns(
                pl.lit("low_income_supplement").alias("item"), pl.lit("", pl.String).alias("key")
            )
        )
    return pl.concat(items)


def _item_counts(months: pl.DataFrame, rule, base_item: pl.Expr, base_key: pl.Expr) -> pl.DataFrame:
    """`_items` summed by institution × item × key × month-end (`quantity`). Each item is
    summed on its own before its text is made: the base item by the column its key is
    (one item per key), a supplement as one item. Grouping the millions of counted rows by
    item text cost ~300 MB at 40,000 institutions."""
    by = ["institution_id", "month_end"]
    level = base_key.meta.root_names()
    parts = [
        months.group_by(*by, *level)
        .agg(pl.col("n").sum().alias("quantity"))
        .with_columns(base_item.alias("item"), base_key.cast(pl.String).alias("key"))
    ]
    for item, flag in (("disability_supplement", "disabled"), ("low_income_supplement", "low")):
        if rule.has(item):
            parts.append(
                months.filter(pl.col(flag))
                .group_by(by)
                .agg(pl.col("n").sum().alias("quantity"))
                .with_columns(pl.lit(item).alias("item"), pl.lit("", pl.String).alias("key"))
            )
    return pl.concat([p.select("institution_id", "item", "key", "month_end", "quantity") for p in parts])


REGISTER_RULES = ("died", "under_60", "not_on_roster")
LOW_WORDS = {
    False: {"dibao": "低保", "dibao_edge": "低保边缘", "tekun": "特困"},
    True: {"dibao": "dibao", "dibao_edge": "dibao edge", "tekun": "tekun"},
}


def person_month_values(rule, rows: pl.DataFrame, ctx: Ctx, disabled: pl.Expr, low: pl.Expr) -> pl.DataFrame:
    """rows (institution_id, person_id, month_end and the rate attributes) → the same rows
    with `amount_fen`: what each person-month is worth under the rule (base + supplements;
    a rate the pack leaves open counts 0 here, its gap is reported by the ledger)."""
    base_ok, base_key, base_item, base_param = _base(rule)
    # only the columns a rate depends on go through the items (rows may carry many others)
    narrow = rows.select(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("_pm"),
        "month_end",
        "rating_level",
        "care_level",
        disabled.alias("disabled"),
        low.alias("low"),
    ).filter(base_ok)
    if not narrow.height:
        return rows.with_columns(pl.lit(0, pl.Int64).alias("amount_fen"))
    items = _items(narrow, rule, base_item, base_key).select("_pm", "item", "key", "month_end")
    rates = _rate_table(rule, ctx, items, base_param)
    per_row = (
        items.join(rates.select("item", "key", "month_end", "rate_fen"), on=["item", "key", "month_end"], how="left")
        .group_by("_pm")
        .agg(pl.col("rate_fen").fill_null(0).sum().cast(pl.Int64).alias("amount_fen"))
    )
    amount = (
        pl.DataFrame({"_pm": pl.int_range(rows.height, dtype=pl.UInt32, eager=True)})
        .join(per_row, on="_pm", how="left", maintain_order="left")["amount_fen"]
        .fill_null(0)
    )
    return rows.with_columns(amount.alias("amount_fen"))


def _register_findings(rule, tables: dict, ctx: Ctx, disabled: pl.Expr, low_cats) -> None:
    """One error per person × institution × cause where a register changed the count:
    the months and the money (declared value − approved value, so the findings add up
    to the ledger's difference from the declarations). A death or age takes the whole
    month; a roster miss only the low-income supplement."""
    rows = registers_stays(rule, tables, ctx)
    if rows is None:
        return
    rows = rows.filter(pl.col("registered_ok")).collect()
    if not rows.height:
        return
    cats = sorted(low_cats)
    declared = person_month_values(rule, rows, ctx, disabled, pl.col("low_declared").is_in(cats).fill_null(False))
    approved = person_month_values(rule, rows, ctx, disabled, pl.col("low_income").is_in(cats).fill_null(False))
    cut = declared.with_columns(
        (pl.col("amount_fen") - pl.when(COUNTS).then(approved["amount_fen"]).otherwise(0)).alias("cut_fen"),
        pl.when(pl.col("dead"))
        .then(pl.lit("died"))
        .when(pl.col("under_60"))
        .then(pl.lit("under_60"))
        .otherwise(pl.lit("not_on_roster"))
        .alias("rule"),
    ).filter(pl.col("cut_fen") != 0)
    if not cut.height:
        return
    ctx.adjustments.append(
        cut.select(
            "institution_id",
            pl.lit(PROGRAM).alias("program"),
            "rule",
            "month_end",
            "person_id",
            pl.col("cut_fen").alias("amount_fen"),
        )
    )
    per = (
        cut.group_by("institution_id", "person_id", "rule")
        .agg(
            pl.col("month_end").sort().dt.strftime("%Y-%m").str.join(",").alias("months"),
            pl.len().alias("n"),
            pl.col("cut_fen").sum(),
            pl.col("died_on").first(),
            pl.col("low_declared").first(),
        )
        .with_columns(mask_person_id(pl.col("person_id")).alias("masked"), fen_text(pl.col("cut_fen")).alias("money"))
    )
    words = {
        "died": (
            "死亡名单显示该老人（身份证号 {}）已于 {} 死亡，其后 {} 个月（{}）不计在院，核减 {} 元",
            "the death register shows this person (id {}) died on {}; the {} month(s) after ({}) are not "
            "counted, {} yuan cut",
            pl.col("died_on").cast(pl.String),
        ),
        "under_60": (
            "该人员（身份证号 {}）按身份证号所载出生日期，于{}未满六十周岁，不属老年人，{} 个月（{}）不计人月，核减 {} 元",
            "this person (id {}) was under 60 on {} by the id's birth date; {} month(s) ({}) not counted, {} yuan cut",
            pl.lit(ctx.t("所列月末", "the month-ends listed")),
        ),
        "not_on_roster": (
            "该老人（身份证号 {}）申报为{}，但 {} 个月（{}）不在低保特困名册该类别中，低保补贴核减 {} 元",
            "this person (id {}) is declared {} but is not on the assistance roster in that category for "
            "{} month(s) ({}); low-income supplement cut {} yuan",
            pl.col("low_declared").replace_strict(LOW_WORDS[ctx.lang == "en"], default=pl.col("low_declared")),
        ),
    }
    for code, (zh, en, extra) in words.items():
        part = per.filter(pl.col("rule") == code)
        if not part.height:
            continue
        msg = pl.format(ctx.t(zh, en), pl.col("masked"), extra, pl.col("n"), pl.col("months"), pl.col("money"))
        citation = f"{ELDERLY_LAW}：“{ELDERLY_QUOTE}”" if code == "under_60" else rule.citation
        ctx.add(
            part.select(
                "institution_id",
                pl.lit(code).alias("rule"),
                pl.lit("error").alias("severity"),
                msg.alias("message"),
                pl.format("person={} months={} amount={}", pl.col("masked"), pl.col("months"), pl.col("money")).alias(
                    "evidence"
                ),
                pl.lit(citation).alias("citation"),
                pl.lit(ctx.period_label).alias("period"),
            )
        )
    for k in ("outside_registers",):
        ctx.interpretations.add(k)


def _item_zh() -> dict:
    out = {f"resident_months_level_{n}": f"{n} 级机构基本补贴" for n in range(1, 6)}
    out.update({f"resident_months_{k}": f"{v}老人基本补贴" for k, v in CARE_ZH.items()})
    out.update({"disability_supplement": "失能失智补贴", "low_income_supplement": "低保及低保边缘补贴"})
    return out


def _rate_table(rule, ctx: Ctx, counts: pl.DataFrame, base_param: str) -> pl.DataFrame:
    """Rate of every (item, key, month_end) present, from the pack as in force on that
    month end; null rate_fen with `_param` naming the gap otherwise. Loops over the
    period's months × a handful of keys, never over residents."""
    combos = counts.select("item", "key", "month_end").unique().sort("item", "key", "month_end")
    rows = []
    for item, key, me in combos.iter_rows():
        if item.startswith("resident_months_"):
            name = base_param
            k = int(key) if base_param == "rate_by_rating_level" else key
        else:
            name, k = item, None
        try:
            rate = _rate_on(rule, name, me, k)
            param, ended = None, False
        except Gap as g:
            rate, param, ended = None, g.param, g.not_in_force
        rows.append(
            {
                "item": item,
                "key": key,
                "month_end": me,
                "rate_fen": rate,
                "_param": param or (name if rate is None else None),
                "_ended": ended,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "item": pl.String,
            "key": pl.String,
            "month_end": pl.Date,
            "rate_fen": pl.Int64,
            "_param": pl.String,
            "_ended": pl.Boolean,
        },
    )


def _empty_detail() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "institution_id": pl.String,
            "item": pl.String,
            "month_end": pl.Date,
            "quantity": pl.Int64,
            "rate_fen": pl.Int64,
        }
    )


def _checklist(rule, on, lang: str) -> list[tuple[str, dict]]:
    return [
        (
            t(
                lang,
                "运营补贴申报名册：入住时长、户籍、能力评估、低保证明与实际入住老人一致",
                "Operating-grant roster: stay length, household registration, assessments and low-income papers match residents",
            ),
            {"kind": INSTITUTION},
        )
    ]


# ---------------------------------------------------------------- the kinds, declared once

_RESIDENT_MONTHS = ("min_months", "local_hukou")
KINDS = [
    Kind(
        "resident_month_grant",
        "运营补贴（按入住人月）",
        "operating grant per resident-month",
        params={
            "eligible_ownership": {"set"},
            "require_registered": {"bool"},
            "min_months": {"months"},
            "local_hukou": {"bool"},
            "rate_by_rating_level": {"table:yuan/person/month"},
            "rate_by_care_level": {"table:yuan/person/month"},
            "disability_supplement": {"yuan/person/month"},
            "disabled_care_levels": {"set"},
            "dementia_counts_as_disabled": {"bool"},
            "low_income_supplement": {"yuan/person/month"},
            "low_income_categories": {"set"},
            "payer": {"payer"},
        },
        program=PROGRAM,
        compute=resident_month_grant,
        items=(
            Item(
                "resident_months_level_",
                "入住人月（{n} 级机构）",
                "resident-months (level {n})",
                ("rate_by_rating_level", *_RESIDENT_MONTHS),
            ),
            *(
                Item(
                    f"resident_months_{level}",
                    f"入住人月（{zh}）",
                    f"resident-months ({en})",
                    ("rate_by_care_level", *_RESIDENT_MONTHS),
                )
                for level, zh, en in (
                    ("full", "完全失能", "fully disabled"),
                    ("partial", "部分失能", "partially disabled"),
                    ("self_care", "自理", "self-care"),
                )
            ),
            Item(
                "disability_supplement",
                "失能失智补助",
                "disability supplement",
                ("disability_supplement", "disabled_care_levels", "dementia_counts_as_disabled"),
            ),
            Item(
                "low_income_supplement",
                "低保及低保边缘补助",
                "low-income supplement",
                ("low_income_supplement", "low_income_categories"),
            ),
        ),
        reads=(
            *columns("institutions", "ownership", "registered_on"),
            *columns("residents", "admitted_on", "discharged_on"),
        ),
        reads_with={
            "local_hukou": LOCAL_HUKOU_READS,
            "rate_by_rating_level": columns("institutions", "rating_level"),
            "rate_by_care_level": columns("residents", "care_level"),
            "disability_supplement": columns("residents", "care_level"),
            "dementia_counts_as_disabled": columns("residents", "dementia"),
            "low_income_supplement": columns("residents", "low_income"),
        },
        interpretations=INTERPRETATIONS,
        checklist=_checklist,
    ),
]
