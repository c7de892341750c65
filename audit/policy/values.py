"""Policy-pack vocabulary and values: the rule kinds with their parameters and units,
and the conversion of YAML values to exact Python values (int fen, Fraction, …).

Split from audit.policy so the loader reads as a loader; docs/internals.md lists the
units and kinds, docs/policy-packs.md shows how to write them."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from audit.money import MAX_AMOUNT_FEN, MAX_RATE_FEN, MAX_SHARE_DENOMINATOR, fen_to_yuan
from audit.i18n import t as _t  # noqa: F401  (the loader imports it from here)

# ---------------------------------------------------------------- vocabulary

MONEY_UNITS = {"yuan", "yuan/bed", "yuan/bed/year", "yuan/person/month", "yuan/year"}
INT_UNITS = {"count", "months", "years", "level", "persons"}
SCALAR_UNITS = MONEY_UNITS | INT_UNITS | {"share", "ratio", "bool", "set", "payer", "text", "m2/person"}
# GB/T 42195-2022 老年人能力等级, as the data contract keeps them (residents.ability_grade)
GRADES = ("intact", "mild", "moderate", "severe", "total")
PAYERS = ("province", "province_lottery", "city_lottery", "city", "county", "finance", "institution")

# enum vocabulary per parameter (set / text members, table keys)
VOCAB = {
    "eligible_ownership": {"public", "private", "public_private"},
    "nursing_care_levels": {"self_care", "partial", "full"},
    "disabled_care_levels": {"self_care", "partial", "full"},
    "low_income_categories": {"dibao", "dibao_edge", "tekun"},
    "center_kind": {"township_center", "community_center"},
    "scheme": {"institution", "home_care"},
    "basis": {"premium", "average_premium"},
    "rounding": {"ceil_total"},
    # rule-model kinds (bed_subsidy, bed_month_grant): docs/policy-packs.md "Tiers, modifiers, conditions"
    "eligible_premises": {"self_built", "leased"},
    "band_by": {"new_beds", "beds", "occupied_beds", "rating_level"},
    "bed_count": {"new_beds", "nursing_beds", "other_beds"},
    "level_by_grade": {"none", "mild", "moderate", "severe", "self_care", "partial", "full"},
    "dementia_level_by_grade": {"none", "mild", "moderate", "severe", "self_care", "partial", "full"},
    "metric": {
        "nursing_bed_share",
        "beds_per_social_worker",
        "head_training_interval_years",
        "certified_caregivers_per_10k",
        "senior_grade_share",
        "first_aid_share",
        "social_workers_per_10k",
        "social_workers_per_1k",
        "dementia_beds_per_10k",
        "lottery_elderly_share",
        "lottery_home_care_share",
        "facility_land_m2_per_capita",
    },
}
TABLE_KEYS = {
    "rate_by_rating_level": {1, 2, 3, 4, 5},
    "rate_by_star": {1, 2, 3, 4, 5},
    "weight_by_star": {0, 1, 2, 3, 4, 5},
    "rate_by_care_level": {"self_care", "partial", "full"},
    "residents_per_caregiver": {"self_care", "partial", "full"},
    "payer_shares": set(PAYERS),
    "rate_by_grade": set(GRADES),
    "level_by_grade": set(GRADES),
    "dementia_level_by_grade": {"mild", "moderate", "severe"},
    "uplift_by_level": {"none", "mild", "moderate", "severe", "self_care", "partial", "full"},
    "rate_by_level": {"none", "mild", "moderate", "severe", "self_care", "partial", "full"},
    "stage_shares": {1, 2, 3, 4, 5, 6},
    "stage_after_months": {1, 2, 3, 4, 5, 6},
}
# table parameters whose keys are band intervals ("[300,)", "[50,300)"): audit.policy.tiers
BAND_PARAMS = {"rate_by_band"}
# tables whose values must add up to 1 once complete
SUM_TO_ONE = {"payer_shares", "stage_shares"}

PACK_KEYS = {
    "id",
    "title",
    "title_en",
    "number",
    "jurisdiction",
    "jurisdiction_en",
    "issued",
    "effective",
    "effective_note",
    "effective_interpretation",
    "status",
    "short",
    "short_en",
    "source",
    "note",
    "interpretations",
    "rules",
}
PACK_REQUIRED = {"id", "title", "number", "jurisdiction", "issued", "effective", "status", "short", "rules"}
RULE_KEYS = {"kind", "title", "title_en", "clause", "note", "params"}
PARAM_KEYS = {"unit", "floor", "band", "note", "interpretation", "values"}
ENTRY_KEYS = {"from", "until", "value", "gap", "quote", "clause", "note", "interpretation"}
INTERP_KEYS = {"id", "text_zh", "text_en"}
OVERRIDE_FILE_KEYS = {"values", "reason"}


def normalise_ws(text: str) -> str:
    """Drop all whitespace: quotes are compared with the source text this way only."""
    return re.sub(r"\s+", "", text)


# ---------------------------------------------------------------- value parsing


class _Bad(ValueError):
    """A value does not fit its unit (message in zh and en)."""

    def __init__(self, zh: str, en: str):
        super().__init__(zh)
        self.zh, self.en = zh, en


RATE_UNITS = {"yuan/bed", "yuan/bed/year", "yuan/person/month"}
MAX_COUNT = 10**6  # counts, months, years, persons, weights: far above any real value


def _money(v, unit: str = "yuan") -> int:
    """Yuan → fen, bounded (money.MAX_RATE_FEN for rates, MAX_AMOUNT_FEN otherwise) so
    that no product the calculators form can overflow."""
    v = _nfkc(v)
    if isinstance(v, bool) or v is None:
        raise _Bad(f"金额应为数字（元），得到 {v!r}", f"expected an amount in yuan, got {v!r}")
    if isinstance(v, float):
        v = repr(v)
    try:
        d = Decimal(str(v).replace(",", "").strip().removesuffix("元"))  # '4500元' is yuan too
    except InvalidOperation:
        raise _Bad(
            f'金额无法识别: {v!r}（以元为单位写数字，如 4500 或 "0.50"）',
            f'not an amount: {v!r} (write a number of yuan, e.g. 4500 or "0.50")',
        ) from None
    if not d.is_finite() or d < 0:
        raise _Bad(f"金额应为非负数: {v!r}", f"amount must be non-negative: {v!r}")
    bound = MAX_RATE_FEN if unit in RATE_UNITS else MAX_AMOUNT_FEN
    if d.adjusted() > 20 or d * 100 > bound:
        raise _Bad(
            f"金额过大: {v!r}（{unit} 最多 {fen_to_yuan(bound, thousands=True)} 元）",
            f"amount too large: {v!r} ({unit} at most {fen_to_yuan(bound, thousands=True)} yuan)",
        )
    fen = d * 100
    if fen != fen.to_integral_value() or (d != 0 and d.adjusted() < -2):
        raise _Bad(f"金额最多两位小数: {v!r}", f"amount has more than two decimals: {v!r}")
    return int(fen)


def _nfkc(v):
    """Full-width digits and ％ as a Chinese keyboard types them ('５０％' → '50%')."""
    return unicodedata.normalize("NFKC", v) if isinstance(v, str) else v


def _small_number_text(v) -> None:
    """'1e999999999' would take Fraction minutes and gigabytes to expand: no exponents
    beyond ±30 (no real parameter has one)."""
    m = re.search(r"[eE]([+-]?\d+)", str(v))
    if m and abs(int(m.group(1)[:6])) > 30:
        raise ValueError


def _fraction(v, zh: str, en: str) -> Fraction:
    """ "2/3", 0.8, "60%" or "200%" as an exact fraction; `zh`/`en` say how to write it."""
    v = _nfkc(v)
    try:
        if isinstance(v, bool) or v is None:
            raise ValueError
        _small_number_text(v)
        if isinstance(v, str) and v.strip().endswith("%"):
            return Fraction(Decimal(v.strip()[:-1])) / 100
        if isinstance(v, float):
            return Fraction(repr(v))
        return Fraction(str(v).strip())
    except (ValueError, ZeroDivisionError, InvalidOperation):
        raise _Bad(f"{zh}，得到 {v!r}", f"{en}, got {v!r}") from None


def _share(v) -> Fraction:
    f = _fraction(v, '比例应写作 "2/3"、0.8 或 "60%"', 'a share is written "2/3", 0.8 or "60%"')
    if not 0 <= f <= 1:
        raise _Bad(f"比例应在 0 与 1 之间: {v!r}", f"a share must lie between 0 and 1: {v!r}")
    if f.denominator > MAX_SHARE_DENOMINATOR:
        raise _Bad(
            f'比例过于精细: {v!r}（最多六位小数，或写作分数如 "2/3"）',
            f'share too fine: {v!r} (at most six decimals, or a fraction such as "2/3")',
        )
    return f


def _ratio(v) -> Fraction:
    """A non-negative factor that may exceed 1: "上浮200%" is "200%"."""
    f = _fraction(v, '比率应写作 "50%"、"200%" 或 1.5', 'a ratio is written "50%", "200%" or 1.5')
    if f < 0:
        raise _Bad(f"比率不能为负: {v!r}", f"a ratio cannot be negative: {v!r}")
    if f.denominator > MAX_SHARE_DENOMINATOR:
        raise _Bad(f"比率过于精细: {v!r}（最多六位小数）", f"ratio too fine: {v!r} (at most six decimals)")
    return f


def _bands(keys: list[str]) -> None:
    from audit.policy.tiers import BandError, parse_bands

    try:
        parse_bands(keys)
    except BandError as b:
        raise _Bad(b.zh, b.en) from None


def _decimal_fraction(v) -> Fraction:
    if isinstance(v, bool) or v is None:
        raise _Bad(f"应为数字，得到 {v!r}", f"expected a number, got {v!r}")
    try:
        _small_number_text(v)
        f = Fraction(Decimal(repr(v) if isinstance(v, float) else str(v).strip()))
    except (InvalidOperation, ValueError, OverflowError):
        raise _Bad(f"应为数字，得到 {v!r}", f"expected a number, got {v!r}") from None
    if not 0 <= f <= MAX_COUNT or f.denominator > MAX_SHARE_DENOMINATOR:
        raise _Bad(
            f"数值超出范围: {v!r}（0 至 {MAX_COUNT}，最多六位小数）",
            f"number out of range: {v!r} (0 to {MAX_COUNT}, at most six decimals)",
        )
    return f


def _integer(v) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise _Bad(f"应为非负整数，得到 {v!r}", f"expected a non-negative integer, got {v!r}")
    if v > MAX_COUNT:
        raise _Bad(f"数值过大: {v!r}（最多 {MAX_COUNT}）", f"number too large: {v!r} (at most {MAX_COUNT})")
    return v


def _boolean(v) -> bool:
    if not isinstance(v, bool):
        raise _Bad(f"应为 true/false，得到 {v!r}", f"expected true/false, got {v!r}")
    return v


def _member(v, allowed: set, what: str):
    if v not in allowed:
        opts = ", ".join(sorted(map(str, allowed)))
        raise _Bad(f"{what} 取值 {v!r} 不在允许范围（{opts}）", f"{what} value {v!r} is not one of: {opts}")
    return v


def parse_value(unit: str, param: str, v, whole: bool = True):
    """YAML value → typed Python value for `unit` (docs/internals.md units table).
    `None` inside a table is a gap for that key. `whole=False`: one key of a table
    (payer shares are then summed once the table is complete)."""
    if unit.startswith("table:"):
        inner = unit[len("table:") :]
        if inner not in SCALAR_UNITS or inner in {"set", "table"}:
            raise _Bad(f"未知单位 {unit!r}", f"unknown unit {unit!r}")
        if not isinstance(v, dict) or not v:
            raise _Bad("表格参数应为 键: 值 映射", "a table parameter is a mapping key: value")
        keys = TABLE_KEYS.get(param)
        if param in BAND_PARAMS:
            _bands([str(k) for k in v])
            v = {str(k): x for k, x in v.items()}
        out = {}
        for k, x in v.items():
            if keys is not None:
                if all(isinstance(a, int) for a in keys):
                    try:
                        k = int(k)
                    except (TypeError, ValueError):
                        pass
                _member(k, keys, param)
            out[k] = None if x is None else parse_value(inner, param, x)
        if whole and param in SUM_TO_ONE and None not in out.values() and sum(out.values()) != 1:
            raise _Bad(
                f"各出资方比例之和应为 1，实为 {sum(out.values())}"
                if param == "payer_shares"
                else f"各期拨付比例之和应为 1，实为 {sum(out.values())}",
                f"{param} must add up to 1, they add up to {sum(out.values())}",
            )
        return out
    if unit in MONEY_UNITS:
        return _money(v, unit)
    if unit in INT_UNITS:
        return _integer(v)
    if unit == "share":
        return _share(v)
    if unit == "ratio":
        return _ratio(v)
    if unit == "m2/person":
        return _decimal_fraction(v)
    if unit == "bool":
        return _boolean(v)
    if unit == "payer":
        return _member(v, set(PAYERS), param)
    if unit == "text":
        return _member(v, VOCAB.get(param, set()), param)
    if unit == "set":
        if not isinstance(v, list) or not v:
            raise _Bad("集合参数应为非空列表", "a set parameter is a non-empty list")
        return frozenset(_member(x, VOCAB.get(param, set()), param) for x in v)
    raise _Bad(f"未知单位 {unit!r}", f"unknown unit {unit!r}")


def format_value(unit: str, value, lang: str = "zh") -> str:
    """A typed value as people read it (yuan with two decimals, shares as fractions)."""
    if value is None:
        return _t(lang, "缺口（未规定）", "gap (not set)")
    if unit.startswith("table:"):
        inner = unit[len("table:") :]
        return "; ".join(f"{k}: {format_value(inner, x, lang)}" for k, x in value.items())
    if unit in MONEY_UNITS:
        return fen_to_yuan(value)
    if isinstance(value, frozenset):
        return ", ".join(sorted(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Fraction):
        if unit in {"share", "ratio"} and (value * 100).denominator == 1:
            return f"{value * 100}%"
        if unit == "m2/person":
            return _decimal_text(value)
        return str(value)
    return str(value)


def _decimal_text(f: Fraction) -> str:
    """1/5 → '0.2' (m² figures are written as decimals in the texts)."""
    d = (Decimal(f.numerator) / Decimal(f.denominator)).normalize()
    return format(d, "f")


def json_value(unit: str, value):
    """A typed value as JSON: money as yuan text, fractions as "n/d", sets as sorted lists."""
    if value is None:
        return None
    if unit.startswith("table:"):
        inner = unit[len("table:") :]
        return {str(k): json_value(inner, x) for k, x in value.items()}
    if unit in MONEY_UNITS:
        return fen_to_yuan(value)
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, Fraction):
        return _decimal_text(value) if unit == "m2/person" else str(value)
    return value


def _to_date(v, lang: str) -> dt.date:
    if isinstance(v, dt.datetime):
        raise _Bad(f"日期不应带时间: {v!r}", f"a date must not carry a time: {v!r}")
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v.strip())
        except ValueError:
            pass
    raise _Bad(f"日期应写作 YYYY-MM-DD，得到 {v!r}", f"a date is written YYYY-MM-DD, got {v!r}")
