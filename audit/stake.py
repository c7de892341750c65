"""Money at stake: what an input the reader could not use would have paid (issue 9).

A resident whose 户籍地 matches no county counts as not local; without a 低保类别 column
nobody gets the low-income supplement; an unreadable 能力等级 loses the disability
supplement; a premium with no readable insurance year is in no year's subsidy. Each is a
warning or an error in `validate` and a finding in `run`; here the tool says how much
rides on it: the rules that read the doubtful input, computed again with those values
read in the residents' favour (local, at the supplement's category, fully disabled, in
the run year), minus what they pay as read. The difference is exact in fen and an upper
bound ("最多"): the residents may really be not local, not 低保, not disabled.

The same calculators do the arithmetic (vectorised, whole tables); only the institutions
with doubtful rows are computed again, so a large input costs little."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import polars as pl

from audit.calc import compute
from audit.data import contract as schema
from audit.data.needs import in_force, present, rule_columns
from audit.data.normalise import PROBLEM_SCHEMA, empty_problems, sheet_expr
from audit.kinds.common import as_findings, empty_findings, t, yuan
from audit.i18n import PROGRAMS

STAKE_SCHEMA = {
    "institution_id": pl.String,
    "code": pl.String,
    "table": pl.String,
    "column": pl.String,
    "sheet": pl.String,
    "row": pl.Int64,
    "n": pl.Int64,
    "amount_fen": pl.Int64,
    "programs": pl.String,
    "rules": pl.String,
    "citation": pl.String,
    # the home's other blank cells read in favour beside this one (columns, comma-joined) and the
    # most all of them bring together: the parts of several blanks are each an upper bound and do
    # not add up (each may count money only the others together unlock); null for a lone blank
    "with_blank": pl.String,
    "joint_fen": pl.Int64,
}
# the input read in the residents' favour: (table, column) → how the doubtful rows are filled
FAVOUR_WORDS = {
    ("residents", "hukou_county"): ("都是本地户籍", "all had local household registration"),
    ("residents", "low_income"): ("都属补贴范围的低保类别", "were all in a low-income category the supplement covers"),
    ("residents", "care_level"): ("都是完全失能", "were all fully disabled"),
    ("residents", "dementia"): ("都失智", "all had dementia"),
    ("institutions", "ownership"): ("都属规则补助的举办性质", "were all of an ownership the rule pays"),
    ("institutions", "profit_status"): ("都是非营利性", "were all non-profit"),
    ("institutions", "rating_level"): ("都评为最高等级", "were all rated at the highest level"),
    ("institutions", "model_institution"): ("都达到示范性养老机构标准", "all met the model-institution standard"),
    ("institutions", "basic_beds_agreement"): ("都签订了保基本床位协议", "had all signed the basic-beds agreement"),
    ("insurance", "year"): ("都计入本年度", "all counted in this year"),
    ("insurance", "scheme"): ("都属政策包补助的险种", "were all of a scheme the pack subsidises"),
}

# doubts read the other way: the rows are paid as read, and the stake is what they would
# not be paid if the reading were wrong (鼓楼区 in a 南京 鼓楼区 home, read as local)
AGAINST = {"hukou_read_as_home"}

# a blank cell that no reading can stand in for: a resident with no 能力等级 has no rate by
# care level and no disability supplement; a home with no 举办性质 is in no ownership's scope;
# one with no 等级评定 (未评定 is 0, not blank) has no rate by rating level; one with no 营利性质
# is paid as for-profit
BLANK_IS_DOUBT = {
    ("residents", "care_level"),
    ("institutions", "ownership"),
    ("institutions", "rating_level"),
    # a blank 示范性养老机构 / 保基本床位协议 cell drops a home to a plain band or out of scope
    ("institutions", "model_institution"),
    ("institutions", "basic_beds_agreement"),
    # a blank 营利性质 is paid as for-profit (audit.kinds.common.PROFIT_STATUS): the rest if non-profit
    ("institutions", "profit_status"),
}


def _values_of(pack, param: str, year: int) -> set:
    """Every value a set parameter takes in any rule of the pack at the year's end."""
    out: set = set()
    for rule in pack.rules.values():
        if rule.has(param):
            r = rule.reading(param, date(year, 12, 31))
            out |= set(r.value or ()) if r.state == "value" else set()
    return out


def _favour(table: str, column: str, df: pl.DataFrame, tables: dict, pack, year: int) -> pl.DataFrame:
    """The doubtful rows `df` with their value read in the residents' favour."""
    if column == "hukou_county":
        homes = tables["institutions"].select("institution_id", pl.col("county").alias("__home"))
        return (
            df.join(homes, on="institution_id", how="left", maintain_order="left")
            .with_columns(pl.col("__home").alias("hukou_county"))
            .drop("__home")
        )
    if column == "low_income":
        cats = _values_of(pack, "low_income_categories", year)
        return df.with_columns(pl.lit(min(cats) if cats else "dibao", pl.String).alias("low_income"))
    if column == "care_level":
        out = df.with_columns(pl.lit("full", pl.String).alias("care_level"))
        if "ability_grade" in out.columns:
            out = out.with_columns(
                pl.coalesce(pl.col("ability_grade"), pl.lit("total", pl.String)).alias("ability_grade")
            )
        return out
    if column == "ownership":
        owners = _values_of(pack, "eligible_ownership", year)
        pick = "private" if "private" in owners or not owners else min(owners)
        return df.with_columns(pl.lit(pick, pl.String).alias("ownership"))
    if column == "rating_level":
        top = int(schema.table("institutions").column("rating_level").spec["max"])  # the contract's highest level
        return df.with_columns(
            pl.lit(top, pl.Int64).cast(df.schema.get("rating_level", pl.Int64)).alias("rating_level")
        )
    if column == "profit_status":
        return df.with_columns(pl.lit("nonprofit", pl.String).alias("profit_status"))
    if column in ("dementia", "model_institution", "basic_beds_agreement"):
        return df.with_columns(pl.lit(True).alias(column))
    if column == "year":
        return df.with_columns(pl.lit(year, pl.Int64).alias("year"))
    if column == "scheme":
        schemes = _values_of(pack, "scheme", year)
        pick = "institution" if "institution" in schemes or not schemes else min(schemes)
        return df.with_columns(pl.lit(pick, pl.String).alias("scheme"))
    raise KeyError(column)


def _doubts(
    tables: dict, sources: dict, problems: pl.DataFrame, pack, span
) -> list[tuple[str, str, str, pl.DataFrame]]:
    """(code, table, column, the rows in doubt) for every input a rule in force reads and
    the reader could not use: a place matching no county, a missing column, unreadable
    values (error problems), premiums with no year."""
    read = {(tb, c) for rule in pack.rules.values() if in_force(rule, span) for tb, c in rule_columns(rule, span)}
    out = []
    res = tables.get("residents")
    if ("residents", "hukou_county") in read and res is not None and res.height:
        given = present("residents", tables, sources)
        if given is not None and "hukou_county" not in given:
            out.append(("column_missing", "residents", "hukou_county", res))
        else:  # a blank 户籍地 counts as not local just the same
            out.append(("hukou_blank", "residents", "hukou_county", res.filter(pl.col("hukou_county").is_null())))
            if "hukou_unresolved" in res.columns:
                out.append(("hukou_unresolved", "residents", "hukou_county", res.filter(pl.col("hukou_unresolved"))))
            if "hukou_read_as_home" in res.columns:
                out.append(
                    ("hukou_read_as_home", "residents", "hukou_county", res.filter(pl.col("hukou_read_as_home")))
                )
    errors = problems.filter(pl.col("severity") == "error") if problems is not None else empty_problems()
    for table, column in FAVOUR_WORDS:
        df = tables.get(table)
        if (table, column) not in read or df is None or not df.height or column == "hukou_county":
            continue
        if table == "insurance":  # a premium with no year or scheme (missing, blank, unreadable) is paid in none
            out.append(
                (
                    f"{column}_missing",
                    table,
                    column,
                    df.filter(pl.col(column).is_null() & pl.col("premium_fen").is_not_null()),
                )
            )
            continue
        given = present(table, tables, sources)
        if given is not None and column not in given:
            out.append(("column_missing", table, column, df))
            continue
        bad = errors.filter((pl.col("table") == table) & (pl.col("column") == column)).select("sheet", "row")
        hit = df.clear()
        if bad.height:
            src = (sources.get(table) or {}).get("sheet")
            keyed = df.with_columns(sheet_expr(df, src).alias("__sheet"))
            hit = keyed.join(bad, left_on=["__sheet", "_row"], right_on=["sheet", "row"], how="semi").drop("__sheet")
            out.append(("value_unreadable", table, column, hit))
        if (table, column) in BLANK_IS_DOUBT and column in df.columns:  # blank: no rate, no eligibility — said
            key = ["_row", "_sheet"] if "_sheet" in df.columns else ["_row"]
            blank = df.filter(pl.col(column).is_null()).join(hit.select(key), on=key, how="anti", nulls_equal=True)
            out.append(("value_blank", table, column, blank))
    return [d for d in out if d[3].height]


def _public(tables: dict, pack, year: int, span) -> pl.DataFrame:
    """Public money per institution and programme under the pack."""
    ledger, _, _ = compute(tables, pack, year, period=span)
    return (
        ledger.filter(pl.col("payer") != "institution")
        .group_by("institution_id", "program")
        .agg(pl.col("amount_fen").sum())
    )


def _gain(after: pl.DataFrame, before: pl.DataFrame) -> pl.DataFrame:
    """institution_id, program, delta: public money `after` minus `before` (missing = 0)."""
    return after.join(before, on=["institution_id", "program"], how="left", suffix="_before").select(
        "institution_id", "program", (pl.col("amount_fen") - pl.col("amount_fen_before").fill_null(0)).alias("delta")
    )


def money_at_stake(
    tables: dict, sources: dict, problems: pl.DataFrame | None, pack, year: int, span=None
) -> pl.DataFrame:
    """One row per institution × doubt with the money the doubtful rows would add if read
    in the residents' favour (STAKE_SCHEMA; only rows with money > 0). `span`: an
    audit.dates.Period that is not a calendar year, or None."""
    rows = []
    for code, table, column, doubtful in _doubts(tables, sources, problems, pack, span):
        rules = {
            rid: r for rid, r in pack.rules.items() if in_force(r, span) and (table, column) in rule_columns(r, span)
        }
        if not rules:
            continue
        sub_pack = replace(pack, rules=rules)
        homes = doubtful["institution_id"].drop_nulls().unique()
        # residents' doubts change only their own homes (caps, bands are per home); premiums may
        # change an average over everyone, so the insurance table is computed whole, whatever the
        # doubt (a blank 营利性质 is priced on everyone's mean premium; the stake is what the
        # doubtful homes would gain)
        narrow = {
            name: (
                df.filter(pl.col("institution_id").is_in(homes.implode()))
                if table != "insurance" and name != "insurance" and "institution_id" in df.columns
                else df
            )
            for name, df in tables.items()
        }
        against = code in AGAINST
        # another blank of the same rows a rule needs too (举办性质 and 等级评定 both blank) is read in
        # favour on both sides: each alone would change nothing, and the home would go unsaid; so the
        # stake is this input's own part (a blank 营利性质 beside a blank 示范 flag is not the flag's),
        # or what it brings alone where that is more (two flags either of which lifts the band)
        context, favoured_others = doubtful, []
        read_here = {tc for r in rules.values() for tc in rule_columns(r, span)}
        for other_table, other in sorted(BLANK_IS_DOUBT & read_here - {(table, column)}):
            if not against and other_table == table and other in context.columns and context[other].null_count():
                favoured = _favour(table, other, context, tables, pack, year).get_column(other)
                context = context.with_columns(pl.coalesce(pl.col(other), favoured).alias(other))
                favoured_others.append(other)
        fixed_rows = (
            doubtful.with_columns(pl.lit(None, pl.String).alias(column))  # not local
            if against
            else _favour(table, column, context, tables, pack, year)
        )
        key = ["_row", "_sheet"] if "_sheet" in doubtful.columns else ["_row"]
        others = narrow[table].join(doubtful.select(key), on=key, how="anti", nulls_equal=True)

        def with_rows(rows: pl.DataFrame) -> dict:
            return {**narrow, table: pl.concat([others, rows.select(others.columns)], how="vertical_relaxed")}

        read, after = _public(narrow, sub_pack, year, span), _public(with_rows(fixed_rows), sub_pack, year, span)
        # against: the money paid as read that the other reading would not pay
        gain = _gain(read, after) if against else _gain(after, read)
        joint = gain  # all the home's blanks read in favour: the most they bring together
        if favoured_others:  # its own part beside the other blanks, or what it brings alone: the larger
            alone = _public(with_rows(_favour(table, column, doubtful, tables, pack, year)), sub_pack, year, span)
            own = _gain(after, _public(with_rows(context), sub_pack, year, span))
            gain = pl.concat([own, _gain(alone, read)]).group_by("institution_id", "program").agg(pl.col("delta").max())
        diff = (
            gain.filter((pl.col("delta") > 0) & pl.col("institution_id").is_in(homes.implode()))
            .group_by("institution_id")
            .agg(pl.col("delta").sum().alias("amount_fen"), pl.col("program").sort().str.join(",").alias("programs"))
        )
        if not diff.height:
            continue
        if favoured_others:  # the home's other blanks and the most they all bring: the parts do not add up
            blank_others = doubtful.group_by("institution_id").agg(
                pl.concat_str(
                    [pl.when(pl.col(c).is_null().any()).then(pl.lit(c)) for c in favoured_others],
                    separator=",",
                    ignore_nulls=True,
                ).alias("with_blank")
            )
            together = joint.filter(pl.col("delta") > 0).group_by("institution_id").agg(pl.col("delta").sum())
            diff = (
                diff.join(blank_others.filter(pl.col("with_blank") != ""), on="institution_id", how="left")
                .join(together, on="institution_id", how="left")
                .with_columns(  # at least this part (the readings are not assumed to only ever add)
                    pl.when(pl.col("with_blank").is_not_null())
                    .then(pl.max_horizontal("delta", "amount_fen"))
                    .alias("joint_fen")
                )
                .drop("delta")
            )
        src = (sources.get(table) or {}).get("sheet")
        where = (
            doubtful.with_columns(sheet_expr(doubtful, src))
            .group_by("institution_id")
            .agg(pl.len().alias("n"), pl.col("sheet").sort_by("_row").first(), pl.col("_row").min().alias("row"))
        )
        first = next(iter(rules.values()))
        rows.append(
            diff.join(where, on="institution_id", how="left").with_columns(
                pl.lit(code).alias("code"),
                pl.lit(table).alias("table"),
                pl.lit(column).alias("column"),
                pl.lit(",".join(rules)).alias("rules"),
                pl.lit(first.citation).alias("citation"),
            )
        )
    if not rows:
        return pl.DataFrame(schema=STAKE_SCHEMA)
    out = pl.concat(
        [
            r.select(
                pl.col(c).cast(tp) if c in r.columns else pl.lit(None, tp).alias(c) for c, tp in STAKE_SCHEMA.items()
            )
            for r in rows
        ]
    )
    return out.sort("code", "table", "column", "institution_id")


def _what(code: str, table: str, column: str, n: int, lang: str, year: int) -> str:
    zh_col = schema.table(table).column(column).zh
    if code == "hukou_unresolved":
        return t(
            lang,
            f"{n} 名老人的户籍地无法对应到区县，按非本地户籍计",
            f"{n} residents' place of registration matches no county; they count as not local",
        )
    if code == "hukou_blank":
        return t(
            lang,
            f"{n} 名老人没有填写户籍地，按非本地户籍计",
            f"{n} residents have no place of registration; they count as not local",
        )
    if code == "column_missing":
        return t(
            lang,
            f"数据中没有“{zh_col}”列，{n} 行都按缺省计",
            f"the data has no {zh_col} column; all {n} rows take the default",
        )
    if code == "year_missing":
        return t(
            lang,
            f"{n} 笔保费没有可读的保险年度，不计入任何年度",
            f"{n} premium(s) have no readable insurance year and count in no year",
        )
    if code == "scheme_missing":
        return t(
            lang,
            f"{n} 笔保费没有可读的险种，不计入任何险种的补助",
            f"{n} premium(s) have no readable scheme and count in no scheme's subsidy",
        )
    if code == "value_blank":
        return t(lang, f"{n} 行未填写“{zh_col}”", f"{zh_col} is blank on {n} row(s)")
    return t(lang, f"{n} 行的“{zh_col}”无法读取", f"{zh_col} cannot be read on {n} row(s)")


def _together(table: str, with_blank: str | None, joint_fen: int | None, lang: str) -> str:
    """The most a home's blank cells bring together, said beside each one's part (the parts
    are each an upper bound and do not add up)."""
    if not with_blank or joint_fen is None:
        return ""
    names = [schema.table(table).column(c).zh for c in with_blank.split(",")]
    return t(
        lang,
        f"；与同一机构未填写的{'、'.join(f'“{z}”' for z in names)}合计最多 {yuan(joint_fen)} 元，各项不可相加",
        f"; with the same institution's blank {', '.join(names)}, at most {yuan(joint_fen)} yuan in all "
        "(the parts do not add up)",
    )


def _message(code, table, column, n, amount_fen, programs, lang, year, who: str = "") -> str:
    zh_fav, en_fav = FAVOUR_WORDS[(table, column)]
    zh_prog = "、".join(PROGRAMS[p][0] if p in PROGRAMS else p for p in programs.split(","))
    en_prog = ", ".join(PROGRAMS[p][1].lower() if p in PROGRAMS else p for p in programs.split(","))
    if code == "hukou_read_as_home":
        return who + t(
            lang,
            f"{n} 名老人的户籍地只写了几个城市都有的区县名，按机构所在地计为本地户籍：其中 {yuan(amount_fen)} 元"
            f"{zh_prog}以此计发（若他们不是本地户籍则不应计发）；请写明省市，如“南京市鼓楼区”",
            f"{n} residents' place of registration names a county several cities have and was read as the home's "
            f"own, so they count as local: {yuan(amount_fen)} yuan of {en_prog} is paid on that reading (not due if "
            "they are not local); write the province and city",
        )
    return who + t(
        lang,
        f"{_what(code, table, column, n, 'zh', year)}：最多 {yuan(amount_fen)} 元{zh_prog}未计发"
        f"（若这些{ {'residents': '老人', 'institutions': '机构'}.get(table, '保费') }{zh_fav}）",
        f"{_what(code, table, column, n, 'en', year)}: up to {yuan(amount_fen)} yuan of {en_prog} "
        f"is not paid (if they {en_fav})",
    )


def stake_findings(
    stakes: pl.DataFrame, year: int, lang: str = "zh", period: str | None = None, sources: dict | None = None
) -> pl.DataFrame:
    """One warning finding per institution × doubt, with the money in message and evidence;
    the evidence names the first doubtful cell as the user sees it (sheet, row, letter, header)."""
    if not stakes.height:
        return empty_findings()
    from audit.data.validation import locate, where_words

    zh = {f"{tb}.{c}": schema.table(tb).column(c).zh for tb, c in stakes.select("table", "column").unique().iter_rows()}
    cells = locate(stakes.select("table", "sheet", "row", "column"), sources or {}).with_columns(
        pl.concat_str("table", "column", separator=".").replace_strict(zh, default=None).alias("column_zh")
    )
    where = cells.select(where_words(cells, lang).alias("where"))["where"]
    rows = [
        {
            "institution_id": s["institution_id"],
            "rule": f"at_stake_{s['code']}",
            "severity": "warning",
            "message": _message(s["code"], s["table"], s["column"], s["n"], s["amount_fen"], s["programs"], lang, year)
            + _together(s["table"], s["with_blank"], s["joint_fen"], lang),
            "evidence": f"{w} rows={s['n']} amount={yuan(s['amount_fen'])} rules={s['rules']}"
            + (f" joint={yuan(s['joint_fen'])}" if s["with_blank"] else ""),
            "citation": s["citation"],
            "period": period or str(year),
        }
        for s, w in zip(stakes.iter_rows(named=True), where)
    ]
    return as_findings(pl.DataFrame(rows))


def stake_problems(stakes: pl.DataFrame, year: int, lang: str = "zh") -> pl.DataFrame:
    """For validate: one warning per doubt (summed over the institutions), located at its
    first row."""
    if not stakes.height:
        return empty_problems()
    g = stakes.group_by("code", "table", "column", maintain_order=True).agg(
        pl.col("n").sum(),
        pl.col("amount_fen").sum(),
        pl.len().alias("homes"),
        pl.col("programs"),
        pl.col("sheet").sort_by("row").first(),
        pl.col("row").min(),
        pl.col("rules").first(),
        # the most these homes' blanks bring together: a lone blank's own part, else the joint
        pl.coalesce("joint_fen", "amount_fen").sum().alias("joint_fen"),
        pl.col("with_blank")
        .drop_nulls()
        .str.split(",")
        .list.explode(keep_nulls=False, empty_as_null=False)
        .unique()
        .sort()
        .str.join(",")
        .alias("with_blank"),
    )
    rows = []
    for s in g.iter_rows(named=True):
        who_zh = f"{s['homes']} 家机构：" if s["homes"] > 1 else ""
        who_en = f"{s['homes']} institutions: " if s["homes"] > 1 else ""
        programs = ",".join(sorted({p for ps in s["programs"] for p in ps.split(",")}))
        args = (s["code"], s["table"], s["column"], s["n"], s["amount_fen"], programs)
        rows.append(
            {
                "table": s["table"],
                "sheet": s["sheet"],
                "row": s["row"],
                "column": s["column"],
                "column_zh": schema.table(s["table"]).column(s["column"]).zh,
                "value": yuan(s["amount_fen"]),
                "message": _message(*args, "zh", year, who_zh)
                + _together(s["table"], s["with_blank"], s["joint_fen"], "zh")
                + f"；规则 {s['rules']}",
                "message_en": _message(*args, "en", year, who_en)
                + _together(s["table"], s["with_blank"], s["joint_fen"], "en")
                + f"; rules {s['rules']}",
                "severity": "warning",
                "check": "money_at_stake",
            }
        )
    return pl.DataFrame(rows, schema=PROBLEM_SCHEMA)


def blank_open_problems(tables: dict, sources: dict, pack, year: int, span=None) -> pl.DataFrame:
    """For validate: a home whose 营利性质 is blank where a rule leaves the non-profit share open
    (Ctx.blank_gap) is paid as for-profit, and what it is due if non-profit cannot be computed
    under this pack — no money at stake can be summed, so it is said apart, one warning at the
    home's cell. The rules that read 营利性质 are computed as `run` does (on every premium: an
    average may be their mean)."""
    inst = tables.get("institutions")
    rules = {
        rid: r
        for rid, r in pack.rules.items()
        if in_force(r, span) and ("institutions", "profit_status") in rule_columns(r, span)
    }
    if not rules or inst is None or "profit_status" not in inst.columns or not inst["profit_status"].null_count():
        return empty_problems()
    _, _, ctx = compute(tables, replace(pack, rules=rules), year, period=span)
    if not ctx.blank_gap_ids:
        return empty_problems()
    src = (sources.get("institutions") or {}).get("sheet")
    cells = inst.filter(pl.col("profit_status").is_null()).select("institution_id", "_row", sheet_expr(inst, src))
    zh = schema.table("institutions").column("profit_status").zh
    parts = [empty_problems()]
    for key, ids in sorted(ctx.blank_gap_ids.items()):  # a frame per open share, not a row at a time
        citation = pack.rules[key.split(".", 1)[0]].citation
        iid = pl.col("institution_id")
        parts.append(
            cells.filter(iid.is_in(sorted(ids)))
            .sort("_row")
            .select(
                pl.lit("institutions").alias("table"),
                "sheet",
                pl.col("_row").cast(pl.Int64).alias("row"),
                pl.lit("profit_status").alias("column"),
                pl.lit(zh).alias("column_zh"),
                pl.lit("").alias("value"),
                pl.format(
                    f"机构 {{}} 未填写“{zh}”：已按营利性计发；如属非营利性，{citation} 未规定 {key}，"
                    f"应计发数额无法计算（不是 0）；请填写“{zh}”，或用 --set {key}=数值 设定本地标准",
                    iid,
                ).alias("message"),
                pl.format(
                    f"institution {{}} has {zh} (profit status) blank: it is paid as for-profit; if non-profit, "
                    f"{citation} does not set {key} and what is due cannot be computed (it is not 0); fill in "
                    f"the profit status, or set a local value with --set {key}=VALUE",
                    iid,
                ).alias("message_en"),
                pl.lit("warning").alias("severity"),
                pl.lit("money_at_stake").alias("check"),
            )
        )
    return pl.concat(parts).cast(PROBLEM_SCHEMA)
