"""Synthetic data in the data contract, for tests, demos and load trials.

Every column is drawn with polars expressions from a version-stable hash of
(seed, table, column, row number), so the same seed gives the same bytes on any
machine and 40,000 institutions with ~2.5 million stays take seconds. No numpy,
no Python loop per row. The figures below (occupancy, care mix, premiums …) are
assumptions about a plausible synthetic world, NOT policy values: policy rates
live in the packs only.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import date
from pathlib import Path

import polars as pl

from audit.errors import InputError, OutputError
from audit.money import fen_to_yuan_expr

U64 = pl.UInt64
TABLES = ("institutions", "residents", "staff", "insurance", "inspectors", "conflicts", "inspections",
          "claims", "claim_residents", "payments", "deaths", "assistance_roster")

# Real county-level codes (GB/T 2260) of the places the packs cover, and neighbours.
COUNTIES: dict[str, list[tuple[int, str]]] = {
    "shaoxing": [(330602, "越城区"), (330603, "柯桥区"), (330604, "上虞区"),
                 (330624, "新昌县"), (330681, "诸暨市"), (330683, "嵊州市")],
    "dongyang": [(330783, "东阳市"), (330782, "义乌市"), (330702, "婺城区"), (330703, "金东区")],
    "jiayuguan": [(620201, "嘉峪关市"), (620902, "肃州区"), (620102, "城关区"), (620103, "七里河区")],
    "linfen": [(141002, "尧都区"), (141021, "曲沃县"), (141022, "翼城县"), (141023, "襄汾县"),
               (141024, "洪洞县"), (141081, "侯马市"), (141082, "霍州市")],
    "baodi": [(120115, "宝坻区"), (120114, "武清区"), (120117, "宁河区"), (120119, "蓟州区")],
}
COUNTIES["all"] = [c for k in ("shaoxing", "dongyang", "jiayuguan", "linfen", "baodi") for c in COUNTIES[k]]
_ALL_COUNTIES = COUNTIES["all"]

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈") + ["欧阳", "司马", "诸葛"]
GIVEN_OLD_F = ["秀英", "桂英", "玉兰", "秀兰", "凤英", "桂兰", "翠花", "金凤", "淑珍", "月娥", "美娟", "素芬", "兰", "英", "芳", "珍"]
GIVEN_OLD_M = ["建国", "国强", "德华", "福生", "志明", "文华", "长林", "永福", "金根", "阿大", "根生", "荣", "明", "忠", "华", "海"]
GIVEN_YOUNG = ["丽", "静", "敏", "婷", "伟", "强", "磊", "洋", "晓燕", "海燕", "丽娟", "建军", "志强", "春梅", "红霞", "小军", "佳怡", "浩然", "子涵", "思远"]
PLACES = ["福寿", "康乐", "安康", "颐和", "松鹤", "夕阳红", "金秋", "长乐", "仁和", "万福", "乐龄", "和美", "悦享", "百岁", "怡园", "惠民", "德馨", "康宁"]
TOWNS = ["东湖", "城南", "北海", "府山", "塔山", "灵芝", "东浦", "孙端", "陶堰", "富盛", "皋埠", "马山", "齐贤", "钱清", "华舍", "崧厦", "章镇", "大唐", "甘霖", "儒岙"]
INST_SUFFIX = ["养老院", "颐养院", "老年公寓", "康养中心", "护理院", "养老服务中心"]
DEPARTMENTS = {"民政局": 40, "市场监管局": 25, "消防救援": 20, "卫生健康局": 15}
CONFLICT_REASONS = ["曾在该机构任职", "近亲属在该机构工作", "参与过该机构等级评定", "与该机构负责人有利害关系"]

# ---------------------------------------------------------------- random columns


def _mix64(x: pl.Expr) -> pl.Expr:
    """splitmix64 finaliser: polars' own .hash() may change between releases; this does not."""
    x = x.xor(x // pl.lit(1 << 30, U64)) * pl.lit(0xBF58476D1CE4E5B9, U64)
    x = x.xor(x // pl.lit(1 << 27, U64)) * pl.lit(0x94D049BB133111EB, U64)
    return x.xor(x // pl.lit(1 << 31, U64))


class _Rng:
    """Seeded pseudo-random columns: one independent stream per (table, name), keyed by a row number."""

    def __init__(self, seed: int, table: str, key: str = "_k"):
        self.seed, self.table, self.key = seed, table, key

    def bits(self, stream: str) -> pl.Expr:
        salt = int.from_bytes(hashlib.sha256(f"{self.seed}/{self.table}/{stream}".encode()).digest()[:8], "little")
        k = pl.col(self.key).cast(U64)
        return _mix64(k * pl.lit(0x9E3779B97F4A7C15, U64) + pl.lit(salt, U64))

    def uniform(self, stream: str) -> pl.Expr:
        """Float in [0, 1) — for drawing, never for money."""
        return (self.bits(stream) // pl.lit(1 << 11, U64)).cast(pl.Float64) / float(1 << 53)

    def integers(self, stream: str, lo, hi) -> pl.Expr:
        """Int64 in [lo, hi] (lo, hi may be expressions)."""
        lo, hi = (pl.lit(v) if not isinstance(v, pl.Expr) else v for v in (lo, hi))
        span = (hi - lo + 1).cast(U64)
        return lo.cast(pl.Int64) + (self.bits(stream) % span).cast(pl.Int64)

    def choice(self, stream: str, weights: dict) -> pl.Expr:
        """One of the keys, with probability proportional to its weight."""
        u, total, acc = self.uniform(stream), sum(weights.values()), 0
        items = list(weights.items())
        expr = pl.when(pl.lit(False)).then(pl.lit(None, dtype=_dtype(items[0][0])))
        for value, w in items[:-1]:
            acc += w
            expr = expr.when(u < acc / total).then(pl.lit(value))
        return expr.otherwise(pl.lit(items[-1][0]))

    def pick(self, stream: str, values: list) -> pl.Expr:
        """Uniform pick from a short list."""
        idx = self.integers(stream, 0, len(values) - 1)
        return idx.replace_strict(dict(enumerate(values)), return_dtype=_dtype(values[0]))


def _dtype(v):
    return pl.Boolean if isinstance(v, bool) else pl.Int64 if isinstance(v, int) else pl.String


def _day(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def _date_between(rng: _Rng, stream: str, lo: pl.Expr, hi: pl.Expr) -> pl.Expr:
    """Uniform date in [lo, hi] (Date expressions; hi < lo gives lo)."""
    lo_i, hi_i = lo.cast(pl.Int32).cast(pl.Int64), hi.cast(pl.Int32).cast(pl.Int64)
    return rng.integers(stream, lo_i, pl.max_horizontal(lo_i, hi_i)).cast(pl.Int32).cast(pl.Date)


def _lit_date(d: date) -> pl.Expr:
    return pl.lit(d, dtype=pl.Date)


def _name(rng: _Rng, stream: str, given: list[str]) -> pl.Expr:
    return pl.concat_str(rng.pick(stream + "_s", SURNAMES), rng.pick(stream + "_g", given))


def _ids(prefix: str, n_width: int) -> pl.Expr:
    return pl.concat_str(pl.lit(prefix), (pl.col("_k") + 1).cast(pl.String).str.pad_start(n_width, "0"))


def _rows(n: int) -> pl.DataFrame:
    return pl.select(pl.int_range(n, dtype=pl.Int64).alias("_k"))


# ---------------------------------------------------------------- check characters

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
_CC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
_CC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]  # GB 11714 organisation code


def _digit(number: pl.Expr, pos: int, width: int) -> pl.Expr:
    """Digit at position pos (0 = leftmost) of a width-digit integer."""
    return (number // 10 ** (width - 1 - pos)) % 10


def person_id_expr(region: pl.Expr, birth: pl.Expr, seq: pl.Expr) -> pl.Expr:
    """GB 11643 citizen id from a 6-digit region code, a Date and a 3-digit sequence, check digit included."""
    ymd = birth.dt.year().cast(pl.Int64) * 10000 + birth.dt.month().cast(pl.Int64) * 100 + birth.dt.day().cast(pl.Int64)
    body = region.cast(pl.Int64) * 10**11 + ymd * 1000 + seq.cast(pl.Int64)
    total = pl.sum_horizontal([_digit(body, i, 17) * w for i, w in enumerate(_ID_WEIGHTS)])
    check = (total % 11).replace_strict(dict(enumerate(_ID_CHECK)), return_dtype=pl.String)
    return pl.concat_str(body.cast(pl.String).str.pad_start(17, "0"), check)


def credit_code_expr(prefix: pl.Expr, region: pl.Expr, org_body: pl.Expr) -> pl.Expr:
    """GB 32100 unified social credit code: 2-char prefix, region code, digit-only
    8-digit organisation code + its GB 11714 check, then the GB 32100 check character."""
    org_sum = pl.sum_horizontal([_digit(org_body, i, 8) * w for i, w in enumerate(_ORG_WEIGHTS)])
    org_c = 11 - org_sum % 11  # 10 → X (value 29 in the 31-char alphabet), 11 → 0
    org_char = pl.when(org_c == 10).then(pl.lit("X")).when(org_c == 11).then(pl.lit("0")).otherwise(org_c.cast(pl.String))
    org_val = pl.when(org_c == 10).then(pl.lit(29)).when(org_c == 11).then(pl.lit(0)).otherwise(org_c)
    vals = [prefix.str.slice(0, 1).cast(pl.Int64), prefix.str.slice(1, 1).cast(pl.Int64)]
    vals += [_digit(region.cast(pl.Int64), i, 6) for i in range(6)]
    vals += [_digit(org_body, i, 8) for i in range(8)] + [org_val]
    total = pl.sum_horizontal([v * w for v, w in zip(vals, _CC_WEIGHTS)])
    check = ((31 - total % 31) % 31).replace_strict(dict(enumerate(_CC_ALPHABET)), return_dtype=pl.String)
    return pl.concat_str(prefix, region.cast(pl.String), org_body.cast(pl.String).str.pad_start(8, "0"), org_char, check)


# ---------------------------------------------------------------- institutions

_COUNTY_CODE = {name: code for code, name in _ALL_COUNTIES}


ORG_BODIES = 89_999_999   # 8-digit organisation codes 10000000…99999999 (a prime count)


def _unique_org_body(seed: int, key: str = "_k") -> pl.Expr:
    """A distinct random-looking organisation code per row: row number × a multiplier
    plus a seeded offset, modulo the (prime) number of codes, is a bijection; random
    draws collided at 40,000 institutions (a duplicate credit code is a validation error)."""
    offset = int.from_bytes(hashlib.sha256(f"{seed}/institutions/org".encode()).digest()[:8], "little") % ORG_BODIES
    return 10_000_000 + (pl.col(key).cast(pl.Int64) * 2_654_435_761 % ORG_BODIES + offset) % ORG_BODIES


def _random_institutions(n: int, seed: int, year: int, region: str) -> pl.DataFrame:
    """Institutions plus the hidden generator knobs (columns starting with `_`) that
    the residents/staff generators read."""
    rng, counties = _Rng(seed, "institutions"), COUNTIES[region]
    is_inst, is_town = pl.col("kind") == "institution", pl.col("kind") == "township_center"
    is_centre = ~is_inst
    df = _rows(n).with_columns(
        institution_id=_ids("YL", max(4, len(str(n)))),
        kind=rng.choice("kind", {"institution": 72, "township_center": 10, "community_center": 18}),
        county=rng.pick("county", [c[1] for c in counties]),
    )
    df = df.with_columns(
        ownership=pl.when(is_inst).then(rng.choice("own_i", {"public": 20, "private": 65, "public_private": 15}))
        .otherwise(rng.choice("own_c", {"public": 50, "private": 20, "public_private": 30})),
        opened_year=pl.when(rng.uniform("new") < 0.08).then(year).otherwise(rng.integers("open_y", year - 15, year - 1)),
    ).with_columns(
        profit_status=pl.when((pl.col("ownership") == "private") & (rng.uniform("profit") < 0.25))
        .then(pl.lit("forprofit")).otherwise(pl.lit("nonprofit")),
        is_tekun=is_inst & (pl.col("ownership") == "public") & (rng.uniform("tekun") < 0.6),
        opened_on=pl.date(pl.col("opened_year"), 1, 1) + pl.duration(days=rng.integers("open_d", 0, 330)),
        beds=pl.when(is_inst).then(
            pl.when(rng.uniform("small") < 0.08).then(rng.integers("beds_s", 8, 19)).otherwise(rng.integers("beds", 20, 200))
        ).otherwise(pl.when(is_town).then(rng.integers("beds_t", 0, 20)).otherwise(0)),
        premises=rng.choice("premises", {"self_built": 60, "leased": 40}),
        rating_level=pl.when(is_inst).then(rng.choice("rating", {0: 35, 1: 10, 2: 20, 3: 20, 4: 10, 5: 5})).otherwise(0),
        star_level=pl.when(is_town).then(rng.choice("star_t", {0: 15, 1: 5, 2: 10, 3: 25, 4: 30, 5: 15}))
        .when(is_centre).then(rng.choice("star_c", {0: 25, 1: 25, 2: 25, 3: 20, 4: 5})).otherwise(0),
        risk_class=rng.choice("risk", {"low": 60, "medium": 30, "high": 10}),
    ).with_columns(
        registered_on=pl.when(rng.uniform("unreg") < 0.04).then(None).otherwise(pl.col("opened_on") - pl.duration(days=rng.integers("reg_d", 0, 60))),
        accepted_on=pl.col("opened_on") - pl.duration(days=rng.integers("acc_d", 10, 90)),
        newly_built=rng.uniform("newly") < 0.6,
        lease_years=pl.when(pl.col("premises") == "leased").then(rng.choice("lease", {2: 10, 3: 15, 5: 30, 10: 25, 15: 10, 20: 10})),
        nursing_beds=(pl.col("beds") * (0.2 + 0.7 * rng.uniform("nursing"))).floor().cast(pl.Int64),
        assessment_score=pl.when(is_centre).then((600 + rng.integers("score", 0, 380)) / 10.0),
        assessed_pass=pl.when(is_centre).then(rng.uniform("pass") < 0.92),
        operating_normally=pl.when(is_centre).then(rng.uniform("operating") < 0.95).otherwise(True),
        inside_institution=is_town & (rng.uniform("inside") < 0.15),
        investment_fen=pl.when(pl.col("is_tekun") & (pl.col("rating_level") >= 2) & (rng.uniform("renov") < 0.3))
        .then(rng.integers("invest", 50_000_000, 500_000_000)),
    ).with_columns(
        nursing_type=is_inst & (pl.col("nursing_beds") >= pl.col("beds") * 0.6) & (rng.uniform("ntype") < 0.8),
        beds_subsidized_before=pl.when(is_inst & (pl.col("opened_year") < year) & pl.col("newly_built") & (rng.uniform("sub") < 0.7))
        .then(pl.col("beds")).otherwise(0),
        name=pl.concat_str(
            pl.col("county"),
            pl.when(pl.col("is_tekun")).then(pl.concat_str(rng.pick("town_k", TOWNS), pl.lit("中心敬老院")))
            .when(is_town).then(pl.concat_str(rng.pick("town", TOWNS), pl.lit("街道居家养老服务中心")))
            .when(is_centre).then(pl.concat_str(rng.pick("village", TOWNS), rng.pick("vil_k", ["村", "社区"]), pl.lit("居家养老服务照料中心")))
            .otherwise(pl.concat_str(rng.pick("place", PLACES), rng.pick("suffix", INST_SUFFIX))),
        ),
        credit_code=credit_code_expr(
            pl.when(pl.col("ownership") == "public").then(pl.lit("12"))
            .when(pl.col("profit_status") == "forprofit").then(pl.lit("91")).otherwise(pl.lit("52")),
            pl.col("county").replace_strict(_COUNTY_CODE, return_dtype=pl.Int64),
            _unique_org_body(seed),
        ),
        # generator knobs, dropped before output
        _occupancy=pl.when(is_inst).then(0.5 + 0.45 * rng.uniform("occ")).otherwise(0.0),
        _p_full=0.1 + 0.3 * rng.uniform("pfull"),
        _p_partial=0.2 + 0.3 * rng.uniform("ppart"),
        _caregiver_factor=pl.when(rng.uniform("short") < 0.12).then(0.7 + 0.25 * rng.uniform("cf_lo")).otherwise(1.2 + 0.4 * rng.uniform("cf")),
        _discharge_p=pl.lit(0.22),
    )
    return _finish_institutions(df)


def _finish_institutions(df: pl.DataFrame) -> pl.DataFrame:
    """Derived columns common to random and demo institutions. A name drawn twice in
    one county gets a number (（2）…): the reader refuses one name under two ids."""
    n = pl.int_range(pl.len()).over("county", "name")
    df = df.with_columns(name=pl.when(n > 0).then(pl.concat_str(pl.col("name"), pl.lit("（"), (n + 1).cast(pl.String), pl.lit("）")))
                         .otherwise(pl.col("name")))
    return df.with_columns(
        investment_final=fen_to_yuan_expr(pl.col("investment_fen")),
        _region=pl.col("county").replace_strict(_COUNTY_CODE, return_dtype=pl.Int64),
        _slots=(pl.col("beds") * pl.col("_occupancy")).round().cast(pl.Int64),
    ).drop("investment_fen", "opened_year", "_k", strict=False)


INSTITUTION_COLUMNS = [
    "institution_id", "name", "credit_code", "county", "kind", "ownership", "profit_status", "is_tekun",
    "registered_on", "accepted_on", "opened_on", "newly_built", "premises", "lease_years", "beds",
    "nursing_beds", "beds_subsidized_before", "nursing_type", "rating_level", "star_level",
    "assessment_score", "assessed_pass", "operating_normally", "inside_institution", "investment_final", "risk_class",
]

# ---------------------------------------------------------------- residents


def _residents(inst: pl.DataFrame, seed: int, year: int, region: str) -> pl.DataFrame:
    """Stays: each occupied bed ('slot') has one stay, and a second one when the first
    ended in the year, so no bed ever holds two people and no person overlaps."""
    rng = _Rng(seed, "residents")
    y0, y1 = _lit_date(date(year, 1, 1)), _lit_date(date(year, 12, 31))
    start = pl.max_horizontal(pl.col("opened_on"), _lit_date(date(year - 6, 1, 1)))
    slots = (
        inst.filter(pl.col("_slots") > 0)
        .select("institution_id", "county", "_region", "opened_on", "is_tekun", "_p_full", "_p_partial", "_discharge_p",
                _slot=pl.int_ranges(0, pl.col("_slots")))
        .explode("_slot")
        .with_columns(_k=pl.int_range(pl.len(), dtype=pl.Int64))
    )
    first = slots.with_columns(admitted_on=_date_between(rng, "adm", start, y1)).with_columns(
        discharged_on=pl.when((rng.uniform("dis") < pl.col("_discharge_p")) & (pl.col("admitted_on") < y1))
        .then(_date_between(rng, "dis_d", pl.max_horizontal(pl.col("admitted_on"), y0 - pl.duration(days=1)) + pl.duration(days=1), y1))
    )
    second = (
        first.filter(pl.col("discharged_on").is_not_null())
        .with_columns(admitted_on=pl.col("discharged_on") + pl.duration(days=rng.integers("gap", 1, 60)), discharged_on=pl.lit(None, pl.Date))
        .filter(pl.col("admitted_on") <= y1)
    )
    stays = pl.concat([first, second]).with_columns(_k=pl.int_range(pl.len(), dtype=pl.Int64))
    return _people(stays, rng, year, region)


def _people(stays: pl.DataFrame, rng: _Rng, year: int, region: str) -> pl.DataFrame:
    """Person attributes of each stay; person ids unique by construction (rank within
    region code, birth date and sex becomes the sequence number)."""
    others = [c[1] for c in COUNTIES[region]]
    far = [c[1] for c in _ALL_COUNTIES if c[1] not in others] or others
    u_care = rng.uniform("care")
    born_lo, born_hi = _day(date(year - 99, 1, 1)), _day(date(year - 61, 12, 31))
    df = stays.with_columns(
        care_level=pl.when(u_care < pl.col("_p_full")).then(pl.lit("full"))
        .when(u_care < pl.col("_p_full") + pl.col("_p_partial")).then(pl.lit("partial")).otherwise(pl.lit("self_care")),
        low_income=pl.when(pl.col("is_tekun") & (rng.uniform("tk") < 0.8)).then(pl.lit("tekun"))
        .otherwise(rng.choice("low", {"none": 85, "dibao": 7, "dibao_edge": 5, "tekun": 3})),
        hukou_county=pl.when(rng.uniform("local") < 0.88).then(pl.col("county"))
        .when(rng.uniform("near") < 0.67).then(rng.pick("near_c", others)).otherwise(rng.pick("far_c", far)),
        _female=rng.uniform("sex") < 0.58,
        # triangular birth-date spread: ages 60–99 in the year, most around 80
        birth=((rng.integers("b1", born_lo, born_hi) + rng.integers("b2", born_lo, born_hi)) // 2).cast(pl.Int32).cast(pl.Date),
    ).with_columns(
        dementia=rng.uniform("dem") < pl.when(pl.col("care_level") == "full").then(0.3).otherwise(0.06),
        _pid_region=pl.when(rng.uniform("born_here") < 0.85).then(
            pl.col("hukou_county").replace_strict(_COUNTY_CODE, return_dtype=pl.Int64)
        ).otherwise(rng.pick("born_c", [c[0] for c in _ALL_COUNTIES])),
        name=pl.when(pl.col("_female")).then(_name(rng, "nf", GIVEN_OLD_F)).otherwise(_name(rng, "nm", GIVEN_OLD_M)),
    )
    rank = pl.int_range(pl.len(), dtype=pl.Int64).over("_pid_region", "birth", "_female")
    if (df.group_by("_pid_region", "birth", "_female").len()["len"].max() or 0) >= 500:
        raise InputError("合成数据规模过大：同一地区、出生日期和性别的人数超过 500，无法生成唯一身份证号。")
    # one offset per (region, birth date, sex) group, so ranks stay distinct after the shift
    df = df.with_columns(_gkey=(pl.col("_pid_region") * 200_000 + pl.col("birth").cast(pl.Int32).cast(pl.Int64) + 100_000) * 2
                         + pl.col("_female").cast(pl.Int64))
    offset = _Rng(rng.seed, rng.table, key="_gkey").integers("seq", 0, 499)
    df = df.with_columns(_seq=((offset + rank) % 500) * 2 + pl.when(pl.col("_female")).then(0).otherwise(1))
    df = df.with_columns(person_id=person_id_expr(pl.col("_pid_region"), pl.col("birth"), pl.col("_seq")))
    return df.select(RESIDENT_COLUMNS).sort("institution_id", "admitted_on", "person_id")


RESIDENT_COLUMNS = ["institution_id", "person_id", "name", "admitted_on", "discharged_on", "hukou_county",
                    "care_level", "dementia", "low_income"]

# ---------------------------------------------------------------- staff


def _staff(inst: pl.DataFrame, seed: int, year: int) -> pl.DataFrame:
    """Roles by institution size; caregivers sized to the expected care mix times a
    per-institution factor (below 1 where the generator wants a shortfall)."""
    rng = _Rng(seed, "staff")
    y0, y1 = _lit_date(date(year, 1, 1)), _lit_date(date(year, 12, 31))
    is_inst = pl.col("kind") == "institution"
    # residents one synthetic caregiver looks after, by care level (a data assumption, not a policy)
    load = pl.col("_p_full") / 3 + pl.col("_p_partial") / 6 + (1 - pl.col("_p_full") - pl.col("_p_partial")) / 10
    counts = inst.with_columns(_k=pl.int_range(pl.len(), dtype=pl.Int64)).with_columns(
        n_care=pl.when(is_inst).then((pl.col("_slots") * load * pl.col("_caregiver_factor")).ceil().cast(pl.Int64).clip(1))
        .otherwise(rng.integers("c_centre", 1, 5)),
        n_social=pl.when(is_inst).then((pl.col("beds") + pl.when(rng.uniform("sw") < 0.8).then(99).otherwise(0)) // 100).otherwise(rng.integers("sw_c", 0, 1)),
        n_medical=pl.when(is_inst).then(1 + pl.col("beds") // 60).otherwise(rng.integers("med_c", 0, 1)),
        n_manager=rng.integers("mgr", 1, 3),
        n_other=rng.integers("oth", 0, 4),
    )
    c1 = pl.col("n_care")
    c2 = c1 + pl.col("n_social")
    c3 = c2 + pl.col("n_medical")
    c4 = c3 + pl.col("n_manager")
    staff = (
        counts.select("institution_id", "opened_on", c1.alias("c1"), c2.alias("c2"), c3.alias("c3"), c4.alias("c4"),
                      _j=pl.int_ranges(0, c4 + pl.col("n_other")))
        .explode("_j")
        .with_columns(_k=pl.int_range(pl.len(), dtype=pl.Int64))
    )
    j = pl.col("_j")
    return (
        staff.with_columns(
            staff_id=_ids("YG", max(5, len(str(staff.height)))),
            role=pl.when(j < pl.col("c1")).then(pl.lit("caregiver")).when(j < pl.col("c2")).then(pl.lit("social_worker"))
            .when(j < pl.col("c3")).then(pl.lit("medical")).when(j < pl.col("c4")).then(pl.lit("manager")).otherwise(pl.lit("other")),
            name=pl.concat_str(rng.pick("sur", SURNAMES), rng.pick("given", GIVEN_YOUNG)),
            # most staff start before the doors open; some are later (replacement) hires
            hired_on=pl.when(rng.uniform("early") < 0.85)
            .then(_date_between(rng, "hired", pl.col("opened_on") - pl.duration(days=60), pl.col("opened_on")))
            .otherwise(_date_between(rng, "hired_late", pl.col("opened_on"), y1 - pl.duration(days=30))),
        )
        .with_columns(
            fte=pl.when(rng.uniform("part") < 0.1).then(0.5).otherwise(1.0),
            left_on=pl.when(rng.uniform("left") < 0.08).then(
                _date_between(rng, "left_d", pl.max_horizontal(pl.col("hired_on"), y0) + pl.duration(days=1), y1)),
            care_certificate=pl.when(pl.col("role") == "caregiver")
            .then(rng.choice("cert", {"none": 20, "junior": 40, "intermediate": 25, "senior": 12, "technician": 3}))
            .otherwise(pl.lit("none")),
            first_aid_certificate=rng.uniform("aid") < pl.when(pl.col("role") == "caregiver").then(0.6).otherwise(0.3),
            # working-age ids, unique by construction: one birth day per 1,000 staff, the row as sequence
            person_id=person_id_expr(pl.lit(330602), (pl.lit(date(1975, 1, 1)) + pl.duration(days=pl.col("_k") // 1000)),
                                     pl.col("_k") % 1000),
        )
        .select(STAFF_COLUMNS)
        .sort("institution_id", "staff_id")
    )


STAFF_COLUMNS = ["institution_id", "staff_id", "name", "person_id", "role", "fte", "hired_on", "left_on", "care_certificate",
                 "first_aid_certificate"]

# ---------------------------------------------------------------- insurance, inspectors, conflicts, inspections


def _insurance(inst: pl.DataFrame, seed: int, year: int, insured_share: float) -> pl.DataFrame:
    """One policy per institution: liability insurance for homes, home-care insurance for centres."""
    rng = _Rng(seed, "insurance")
    is_inst = pl.col("kind") == "institution"
    return (
        inst.with_columns(_k=pl.int_range(pl.len(), dtype=pl.Int64))
        .filter(rng.uniform("insured") < insured_share)
        .select(
            "institution_id",
            year=pl.lit(year, pl.Int64),
            premium=fen_to_yuan_expr(
                pl.when(is_inst).then(pl.col("beds") * rng.integers("per_bed", 3000, 8000)).otherwise(rng.integers("centre", 80_000, 600_000))
            ),
            scheme=pl.when(is_inst).then(pl.lit("institution")).otherwise(pl.lit("home_care")),
        )
        .sort("institution_id", "scheme")
    )


def _inspectors(n_inst: int, seed: int, region: str) -> pl.DataFrame:
    """Every county gets one inspector from each department, then more at random."""
    rng, counties = _Rng(seed, "inspectors"), [c[1] for c in COUNTIES[region]]
    depts, n_base = list(DEPARTMENTS), len(counties) * len(DEPARTMENTS)
    n = n_base + max(4, n_inst // 10)
    k = pl.col("_k")
    return _rows(n).select(
        inspector_id=_ids("JC", max(4, len(str(n)))),
        name=_name(rng, "name", GIVEN_YOUNG),
        department=pl.when(k < n_base).then((k % len(depts)).replace_strict(dict(enumerate(depts)), return_dtype=pl.String))
        .otherwise(rng.choice("dept", DEPARTMENTS)),
        county=pl.when(k < n_base).then((k // len(depts)).replace_strict(dict(enumerate(counties)), return_dtype=pl.String))
        .otherwise(rng.pick("county", counties)),
        active=(k < n_base) | (rng.uniform("active") < 0.95),
    )


def _same_county_inspector(frame: pl.DataFrame, inspectors: pl.DataFrame, rng: _Rng, stream: str) -> pl.DataFrame:
    """Attach a random inspector of the frame row's county (a join, not a loop)."""
    pool = inspectors.select("inspector_id", "county", _i=pl.int_range(pl.len(), dtype=pl.Int64).over("county"),
                             _n=pl.len().over("county").cast(pl.Int64))
    sizes = pool.group_by("county").agg(_n=pl.first("_n"))
    picked = frame.join(sizes, on="county", how="inner").with_columns(_i=rng.integers(stream, 0, pl.col("_n") - 1))
    return picked.join(pool.drop("_n"), on=["county", "_i"], how="inner")


def _conflicts(inst: pl.DataFrame, inspectors: pl.DataFrame, seed: int, share: float) -> pl.DataFrame:
    rng = _Rng(seed, "conflicts")
    chosen = inst.select("institution_id", "county").with_columns(_k=pl.int_range(pl.len(), dtype=pl.Int64)).filter(rng.uniform("has") < share)
    return (
        _same_county_inspector(chosen, inspectors, rng, "who")
        .select("inspector_id", "institution_id", reason=rng.pick("reason", CONFLICT_REASONS))
        .unique(["inspector_id", "institution_id"])
        .sort("inspector_id", "institution_id")
    )


def _inspections(inst: pl.DataFrame, inspectors: pl.DataFrame, seed: int, year: int, share: float) -> pl.DataFrame:
    rng = _Rng(seed, "inspections")
    chosen = (
        inst.select("institution_id", "county", "opened_on").with_columns(_k=pl.int_range(pl.len(), dtype=pl.Int64))
        .filter(rng.uniform("has") < share)
    )
    return (
        _same_county_inspector(chosen, inspectors, rng, "who")
        .select(
            "institution_id",
            inspected_on=_date_between(rng, "on", pl.max_horizontal(pl.col("opened_on"), _lit_date(date(year - 2, 1, 1))),
                                       _lit_date(date(year - 1, 12, 31))),
            inspector_id="inspector_id",
            outcome=rng.choice("outcome", {"pass": 80, "rectify": 17, "penalty": 3}),
        )
        .filter(pl.col("inspected_on") <= _lit_date(date(year - 1, 12, 31)))
        .sort("institution_id", "inspected_on")
    )


# ---------------------------------------------------------------- claims, payments and outside registers

CLAIM_RATE_FEN = 30_000   # what a synthetic home claims per resident-month: an assumption, not a pack rate


def _months_claimed(year: int) -> pl.Expr:
    """The months (1–12) of `year` on whose last day a stay is in residence: a claim roll is
    one row per person-month by definition, so here (synthetic data only) stays are expanded."""
    adm, dis = pl.col("admitted_on"), pl.col("discharged_on")
    first = pl.when(adm.dt.year() < year).then(1).when(adm.dt.year() == year).then(adm.dt.month()).otherwise(13)
    last = (pl.when(dis.is_null() | (dis.dt.year() > year)).then(12)
            .when(dis.dt.year() == year).then(dis.dt.month().cast(pl.Int64) - 1).otherwise(0))
    return pl.int_ranges(first.cast(pl.Int64), (last.cast(pl.Int64) + 1).clip(lower_bound=1)).cast(pl.List(pl.Int8))


def _claims_and_registers(residents: pl.DataFrame, seed: int, year: int) -> dict[str, pl.DataFrame]:
    """What homes declare and what outside registers say. The registers agree with the
    stays (a death is the discharge day; every declared 低保/特困 person is on the roster
    all year), so the ledger is as without them; the planted abuse is in the claims:
    about a third of the dead are claimed for every month to December."""
    rng = _Rng(seed, "claims")
    stays = residents.with_columns(_k=pl.int_range(pl.len(), dtype=pl.Int64))
    died = pl.col("discharged_on").is_not_null() & (pl.col("discharged_on").dt.year() == year) & (rng.uniform("died") < 0.15)
    stays = stays.with_columns(_died=died, _keeps_claiming=died & (rng.uniform("ghost") < 0.35))
    deaths = stays.filter("_died").select("person_id", died_on=pl.col("discharged_on")).unique("person_id").sort("person_id")
    roster = (stays.filter(pl.col("low_income") != "none")
              .select("person_id", category=pl.col("low_income"), **{"from": pl.col("admitted_on").dt.offset_by("-1y")},
                      until=pl.lit(None, pl.Date))
              .unique("person_id", keep="first").sort("person_id"))
    months = (stays.with_columns(pl.when("_keeps_claiming").then(None).otherwise(pl.col("discharged_on")).alias("discharged_on"))
              .with_columns(_months_claimed(year).alias("_m")).explode("_m").filter(pl.col("_m").is_not_null()))
    claim_residents = months.select(
        "institution_id",
        period=pl.lit(f"{year}-") + pl.col("_m").cast(pl.String).str.pad_start(2, "0"),
        person_id="person_id").sort("institution_id", "period", "person_id")
    per_home = claim_residents.group_by("institution_id").agg(pl.len().cast(pl.Int64).alias("quantity"))
    claims = per_home.sort("institution_id").with_columns(_k=pl.int_range(pl.len(), dtype=pl.Int64)).select(
        "institution_id", program=pl.lit("operating"), period=pl.lit(str(year)),
        amount=fen_to_yuan_expr(pl.col("quantity") * CLAIM_RATE_FEN), quantity="quantity", note=pl.lit(None, pl.String))
    # most claims paid as claimed; some paid in part (the rest is 补发 or never due)
    paid_fen = pl.col("quantity") * CLAIM_RATE_FEN
    payments = per_home.sort("institution_id").with_columns(_k=pl.int_range(pl.len(), dtype=pl.Int64)).select(
        "institution_id", program=pl.lit("operating"), period=pl.lit(str(year)),
        amount=fen_to_yuan_expr(pl.when(rng.uniform("part") < 0.1).then(paid_fen // 2).otherwise(paid_fen)),
        paid_on=pl.lit(date(year + 1, 1, 20)),
        voucher=pl.lit(f"{year + 1}-") + (pl.col("_k") + 1).cast(pl.String).str.pad_start(6, "0"))
    return {"claims": claims, "claim_residents": claim_residents, "payments": payments,
            "deaths": deaths, "assistance_roster": roster}


# ---------------------------------------------------------------- public API


def synth(n_institutions: int, seed: int, year: int = 2024, region: str = "shaoxing") -> dict[str, pl.DataFrame]:
    """Contract tables (English columns, input-style values: money as yuan text with two
    decimals, dates as dates, enums in English) for n institutions. Same seed, same data."""
    if n_institutions < 1:
        raise InputError("机构数量必须至少为 1。")
    if region not in COUNTIES:
        raise InputError(f"未知地区 {region!r}，可选：{', '.join(COUNTIES)}。")
    inst = _random_institutions(n_institutions, seed, year, region)
    return _tables_from(inst, seed, year, region)


def _tables_from(inst: pl.DataFrame, seed: int, year: int, region: str,
                 insured_share: float = 0.9, conflict_share: float = 0.05, inspected_share: float = 0.5
                 ) -> dict[str, pl.DataFrame]:
    inspectors = _inspectors(inst.height, seed, region)
    residents = _residents(inst, seed, year, region)
    return {
        "institutions": inst.select(INSTITUTION_COLUMNS).sort("institution_id"),
        "residents": residents,
        "staff": _staff(inst, seed, year),
        "insurance": _insurance(inst, seed, year, insured_share),
        "inspectors": inspectors,
        "conflicts": _conflicts(inst, inspectors, seed, conflict_share),
        "inspections": _inspections(inst, inspectors, seed, year, inspected_share),
    } | _claims_and_registers(residents, seed, year)


def synth_demo(seed: int = 2024, year: int = 2024) -> dict[str, pl.DataFrame]:
    """The bundled demo: hand-placed Shaoxing institutions, each one a case a program or
    check must meet (see demo/README.md); residents, staff and the rest drawn as in synth()."""
    inst = _demo_institutions(seed, year)
    tables = _tables_from(inst, seed, year, "shaoxing", insured_share=1.0, conflict_share=0.15, inspected_share=0.7)
    tables["residents"] = _plant_transfer(tables["residents"], year, "YL07", "YL08")
    tables["residents"] = _plant_double_claim(tables["residents"], year, "YL09", "YL10")
    tables["staff"] = _plant_second_payroll(tables["staff"], "YL01", "YL02")
    return tables


def _plant_second_payroll(staff: pl.DataFrame, home_id: str, other_id: str) -> pl.DataFrame:
    """One caregiver of `home_id` is also on `other_id`'s payroll all year (the same id)."""
    caregiver = staff.filter((pl.col("institution_id") == home_id) & (pl.col("role") == "caregiver")).sort("staff_id").head(1)
    target = staff.filter((pl.col("institution_id") == other_id) & (pl.col("role") == "caregiver")).sort("staff_id").head(1)
    if not caregiver.height or not target.height:
        return staff
    return staff.with_columns(pl.when(pl.col("staff_id") == target["staff_id"][0]).then(pl.lit(caregiver["person_id"][0]))
                              .otherwise(pl.col("person_id")).alias("person_id"))


def _demo_institutions(seed: int, year: int) -> pl.DataFrame:
    d = lambda m, day, dy=0: date(year + dy, m, day)  # noqa: E731 - a date in (or before) the demo year
    # id, name, county, kind, ownership, profit, tekun, registered, accepted, opened, newly, premises, lease,
    # beds, nursing beds, subsidised before, nursing type, rating, star, score, pass, operating, inside,
    # investment (fen), risk; knobs: occupancy, p_full, p_partial, caregiver factor, discharge share
    I, T, C = "institution", "township_center", "community_center"
    rows = [
        # opened in the year: construction subsidy cases
        ("YL01", "越城区颐和护理院", "越城区", I, "private", "nonprofit", False, d(3, 18), d(2, 26), d(4, 1), True, "self_built", None,
         120, 96, 0, True, 0, 0, None, None, True, False, None, "medium", 0.95, 0.45, 0.45, 1.1, 0.05),
        ("YL02", "柯桥区安康颐养院", "柯桥区", I, "private", "nonprofit", False, d(5, 6), d(4, 20), d(5, 15), True, "leased", 5,
         60, 30, 0, False, 0, 0, None, None, True, False, None, "low", 0.8, 0.2, 0.35, 1.2, 0.1),
        ("YL03", "上虞区金秋老年公寓", "上虞区", I, "private", "forprofit", False, d(2, 1), d(1, 10), d(2, 20), True, "leased", 2,
         40, 12, 0, False, 0, 0, None, None, True, False, None, "medium", 0.7, 0.15, 0.3, 1.2, 0.1),
        ("YL04", "诸暨市乐龄养老院", "诸暨市", I, "private", "nonprofit", False, d(6, 3), d(5, 18), d(6, 10), True, "self_built", None,
         18, 6, 0, False, 0, 0, None, None, True, False, None, "low", 0.8, 0.2, 0.3, 1.2, 0.1),
        ("YL05", "嵊州市社会福利中心", "嵊州市", I, "public", "nonprofit", False, d(1, 8), d(1, 5), d(3, 1), True, "self_built", None,
         80, 50, 0, True, 0, 0, None, None, True, False, None, "low", 0.75, 0.3, 0.35, 1.2, 0.1),
        ("YL06", "新昌县康宁养老院", "新昌县", I, "private", "nonprofit", False, None, d(6, 28), d(7, 1), True, "self_built", None,
         30, 10, 0, False, 0, 0, None, None, True, False, None, "high", 0.7, 0.2, 0.3, 1.2, 0.1),
        # running homes rated 5 … 0: operating grants
        ("YL07", "越城区福寿养老院", "越城区", I, "private", "nonprofit", False, d(9, 1, -8), d(8, 1, -8), d(10, 8, -8), True, "self_built", None,
         150, 90, 150, True, 5, 0, None, None, True, False, None, "low", 0.9, 0.3, 0.35, 1.2, 0.2),
        ("YL08", "柯桥区松鹤颐养院", "柯桥区", I, "private", "nonprofit", False, d(4, 10, -6), d(3, 2, -6), d(5, 1, -6), True, "leased", 10,
         100, 55, 100, False, 4, 0, None, None, True, False, None, "low", 0.8, 0.25, 0.3, 1.15, 0.2),
        ("YL09", "上虞区长乐老年公寓", "上虞区", I, "private", "forprofit", False, d(6, 15, -5), d(5, 20, -5), d(7, 1, -5), False, "self_built", None,
         60, 30, 0, False, 3, 0, None, None, True, False, None, "medium", 0.85, 0.2, 0.35, 1.1, 0.25),
        ("YL10", "诸暨市仁和养老院", "诸暨市", I, "private", "nonprofit", False, d(3, 3, -4), d(2, 1, -4), d(4, 1, -4), True, "self_built", None,
         50, 25, 50, False, 2, 0, None, None, True, False, None, "high", 0.9, 0.35, 0.35, 0.75, 0.2),
        ("YL11", "嵊州市万福养老院", "嵊州市", I, "private", "nonprofit", False, d(8, 8, -3), d(7, 9, -3), d(9, 1, -3), True, "leased", 3,
         40, 16, 40, False, 1, 0, None, None, True, False, None, "low", 0.8, 0.2, 0.3, 1.2, 0.2),
        ("YL12", "新昌县和美养老院", "新昌县", I, "private", "nonprofit", False, d(2, 2, -2), d(1, 5, -2), d(3, 1, -2), True, "self_built", None,
         30, 10, 30, False, 0, 0, None, None, True, False, None, "medium", 0.8, 0.2, 0.3, 1.2, 0.2),
        ("YL13", "新昌县城南中心敬老院", "新昌县", I, "public", "nonprofit", True, d(5, 5, -20), d(4, 1, -20), d(6, 1, -20), False, "self_built", None,
         60, 20, 60, False, 2, 0, None, None, True, False, 320_000_000, "low", 0.75, 0.25, 0.3, 1.2, 0.15),
        # township (街道) home-care centres: 4 inside a home, 5, unstarred with a score, 2 (no rate in the text)
        ("YL14", "诸暨市东湖街道居家养老服务中心", "诸暨市", T, "public_private", "nonprofit", False, d(3, 1, -3), d(2, 1, -3), d(4, 1, -3), False, "self_built", None,
         0, 0, 0, False, 0, 4, 91.5, True, True, True, None, "low", 0.0, 0.2, 0.3, 1.0, 0.0),
        ("YL15", "柯桥区齐贤街道居家养老服务中心", "柯桥区", T, "public", "nonprofit", False, d(3, 1, -4), d(2, 1, -4), d(4, 1, -4), False, "leased", 10,
         10, 0, 0, False, 0, 5, 96.0, True, True, False, None, "low", 0.0, 0.2, 0.3, 1.0, 0.0),
        ("YL16", "上虞区崧厦街道居家养老服务中心", "上虞区", T, "public_private", "nonprofit", False, d(9, 1, -2), d(8, 1, -2), d(10, 1, -2), False, "self_built", None,
         0, 0, 0, False, 0, 0, 85.0, True, True, False, None, "medium", 0.0, 0.2, 0.3, 1.0, 0.0),
        ("YL17", "嵊州市甘霖镇居家养老服务中心", "嵊州市", T, "public", "nonprofit", False, d(5, 1, -3), d(4, 1, -3), d(6, 1, -3), False, "self_built", None,
         0, 0, 0, False, 0, 2, 78.5, True, True, False, None, "medium", 0.0, 0.2, 0.3, 1.0, 0.0),
        # village/community centres: 0, 1, 3 stars, and 4 (no rate in the text)
        ("YL18", "越城区塔山社区居家养老服务照料中心", "越城区", C, "public", "nonprofit", False, d(3, 1, -5), d(2, 1, -5), d(4, 1, -5), False, "self_built", None,
         0, 0, 0, False, 0, 0, 72.0, True, True, False, None, "low", 0.0, 0.2, 0.3, 1.0, 0.0),
        ("YL19", "柯桥区华舍村居家养老服务照料中心", "柯桥区", C, "public", "nonprofit", False, d(3, 1, -5), d(2, 1, -5), d(4, 1, -5), False, "self_built", None,
         0, 0, 0, False, 0, 1, 80.0, True, True, False, None, "low", 0.0, 0.2, 0.3, 1.0, 0.0),
        ("YL20", "新昌县儒岙村居家养老服务照料中心", "新昌县", C, "public_private", "nonprofit", False, d(3, 1, -5), d(2, 1, -5), d(4, 1, -5), False, "leased", 5,
         0, 0, 0, False, 0, 3, 88.0, True, True, False, None, "low", 0.0, 0.2, 0.3, 1.0, 0.0),
        ("YL21", "诸暨市大唐社区居家养老服务照料中心", "诸暨市", C, "private", "nonprofit", False, d(3, 1, -5), d(2, 1, -5), d(4, 1, -5), False, "self_built", None,
         0, 0, 0, False, 0, 4, 93.0, True, True, False, None, "low", 0.0, 0.2, 0.3, 1.0, 0.0),
    ]
    names = ["institution_id", "name", "county", "kind", "ownership", "profit_status", "is_tekun", "registered_on",
             "accepted_on", "opened_on", "newly_built", "premises", "lease_years", "beds", "nursing_beds",
             "beds_subsidized_before", "nursing_type", "rating_level", "star_level", "assessment_score", "assessed_pass",
             "operating_normally", "inside_institution", "investment_fen", "risk_class",
             "_occupancy", "_p_full", "_p_partial", "_caregiver_factor", "_discharge_p"]
    df = pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)
    rng = _Rng(seed, "demo_institutions")
    df = df.with_columns(_k=pl.int_range(pl.len(), dtype=pl.Int64)).with_columns(
        credit_code=credit_code_expr(
            pl.when(pl.col("ownership") == "public").then(pl.lit("12"))
            .when(pl.col("profit_status") == "forprofit").then(pl.lit("91")).otherwise(pl.lit("52")),
            pl.col("county").replace_strict(_COUNTY_CODE, return_dtype=pl.Int64),
            rng.integers("org", 10_000_000, 99_999_999),
        ),
        lease_years=pl.col("lease_years").cast(pl.Int64),
        assessment_score=pl.col("assessment_score").cast(pl.Float64),
        assessed_pass=pl.col("assessed_pass").cast(pl.Boolean),
        investment_fen=pl.col("investment_fen").cast(pl.Int64),
    )
    return _finish_institutions(df)


def _plant_transfer(residents: pl.DataFrame, year: int, from_id: str, to_id: str) -> pl.DataFrame:
    """One person leaves `from_id` on 10 May and enters `to_id` on 20 May: resident in two
    institutions in the same month without overlapping days (a double-claim case that is
    not a validation error)."""
    out_day, in_day = date(year, 5, 10), date(year, 5, 20)
    key = ["institution_id", "person_id", "admitted_on"]
    mover = (
        residents.filter((pl.col("institution_id") == from_id) & pl.col("discharged_on").is_null()
                         & (pl.col("admitted_on") < _lit_date(date(year - 1, 1, 1))))
        .sort(key).head(1)
    )
    if mover.height == 0:
        return residents
    left = mover.with_columns(discharged_on=_lit_date(out_day))
    arrived = mover.with_columns(institution_id=pl.lit(to_id), admitted_on=_lit_date(in_day))
    kept = residents.join(mover.select(key), on=key, how="anti")
    return pl.concat([kept, left, arrived]).sort("institution_id", "admitted_on", "person_id")


def _plant_double_claim(residents: pl.DataFrame, year: int, home_id: str, other_id: str) -> pl.DataFrame:
    """One long-term resident of `home_id` is also entered at `other_id` from 1 September
    while still at home: both institutions claim the same person for September–December
    (a validation warning, and a double_claim error finding in a run)."""
    key = ["institution_id", "person_id", "admitted_on"]
    stayer = (
        residents.filter((pl.col("institution_id") == home_id) & pl.col("discharged_on").is_null()
                         & (pl.col("admitted_on") < _lit_date(date(year - 1, 1, 1))))
        .sort(key).head(1)
    )
    second = stayer.with_columns(institution_id=pl.lit(other_id), admitted_on=_lit_date(date(year, 9, 1)))
    return pl.concat([residents, second]).sort("institution_id", "admitted_on", "person_id")


# ---------------------------------------------------------------- writing


def to_chinese(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """What a bureau keeps: Chinese sheet names, headers and enum values, 是/否 for booleans
    (from the table contracts in schemas/, so headers match what the reader accepts)."""
    from audit.data.contract import table as spec_of

    out = {}
    for name, df in tables.items():
        spec = spec_of(name)
        exprs = []
        for col in df.columns:
            c = spec.column(col)
            e = pl.col(col)
            if c.type == "enum":
                e = e.replace({k: v[0] for k, v in c.values.items() if v})
            elif c.type == "bool":
                e = pl.when(e).then(pl.lit("是")).when(~e).then(pl.lit("否")).otherwise(pl.lit(None, pl.String))
            exprs.append(e.alias(c.zh))
        out[spec.zh] = df.select(exprs)
    return out


def _money_columns(name: str) -> set[str]:
    from audit.data.contract import table as spec_of

    spec = spec_of(name)
    return {c.name for c in spec.columns if c.type == "money"} | {c.zh for c in spec.columns if c.type == "money"}


_EXCEL_MAX_ROWS = 1_048_575


def write_synth(tables: dict[str, pl.DataFrame], out, fmt: str = "csv", chinese: bool = False) -> list[Path]:
    """Write the tables: csv/parquet as one file per table in the folder `out`, xlsx as one
    workbook (`out` itself when it ends in .xlsx, else out/data.xlsx). Files appear only
    when all were written. Returns the paths written."""
    if fmt not in ("csv", "parquet", "xlsx"):
        raise InputError(f"不支持的格式 {fmt!r}：可选 csv、parquet、xlsx。")
    money = {n: _money_columns(n) for n in tables}
    english = dict(tables)
    frames = to_chinese(tables) if chinese else english
    money_by_label = dict(zip(frames, money.values()))
    out = Path(out)
    target_dir = out.parent if (fmt == "xlsx" and out.suffix.lower() == ".xlsx") else out
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target_dir, prefix=".synth-") as tmp:
            if fmt == "xlsx":
                final = out if out.suffix.lower() == ".xlsx" else out / "data.xlsx"
                _write_workbook(frames, money_by_label, Path(tmp) / final.name)
                written = [final]
            else:
                written = []
                for label, df in frames.items():
                    final = target_dir / f"{label}.{fmt}"
                    staged = Path(tmp) / final.name
                    df.write_csv(staged) if fmt == "csv" else df.write_parquet(staged)
                    written.append(final)
            for final in written:
                os.replace(Path(tmp) / final.name, final)
    except OSError as e:
        raise OutputError(f"无法写入合成数据到 {out}：{e.strerror or e}") from e
    return written


def _display_width(df: pl.DataFrame, col: str) -> int:
    """Column width in Excel character units: a Chinese character is two."""
    text = df.get_column(col).head(2000).cast(pl.String).fill_null("")
    wide = text.str.count_matches(r"[^\x00-\x7F]")
    longest = int((text.str.len_chars() + wide).max() or 0)
    header = len(col) + sum(1 for ch in col if ord(ch) > 127)
    return min(60, max(longest, header) + 2)


def _write_workbook(frames: dict[str, pl.DataFrame], money: dict[str, set[str]], path: Path) -> None:
    """One sheet per table; dates as real Excel dates, money as numbers with two decimals."""
    from audit.privacy import safe_workbook

    too_big = [label for label, df in frames.items() if df.height > _EXCEL_MAX_ROWS]
    if too_big:
        raise OutputError(f"表 {', '.join(too_big)} 超过 Excel 的 1,048,575 行上限：请改用 csv 或 parquet 格式。")
    with safe_workbook(str(path)) as wb:   # a fixed stamp: same seed, same bytes
        for label, df in frames.items():
            cols = [c for c in df.columns if c in money[label]]
            df = df.with_columns(pl.col(cols).cast(pl.Float64))  # yuan with two decimals, as a bureau's sheet holds them
            df.write_excel(
                wb, label,
                dtype_formats={pl.Date: "yyyy-mm-dd"},
                column_formats={c: "0.00" for c in cols},
                column_widths={c: 8 * _display_width(df, c) for c in df.columns},
                float_precision=1, table_style=None, autofilter=True, freeze_panes="A2",
            )
