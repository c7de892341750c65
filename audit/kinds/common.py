"""Shared pieces of the calculators: the ledger and findings frame shapes, findings
for policy gaps and failed conditions, and parameter look-ups that turn a gap into
a finding instead of a number."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

import polars as pl

from audit.dates import Period
from audit.errors import PolicyError
from audit.i18n import t  # noqa: F401  (re-exported: the kinds import it from here)
from audit.money import fen_to_yuan

LEDGER_SCHEMA = {
    "institution_id": pl.String,
    "program": pl.String,
    "item": pl.String,
    "period": pl.String,
    "quantity": pl.Int64,
    "rate_fen": pl.Int64,
    "amount_fen": pl.Int64,
    "payer": pl.String,
    "rule": pl.String,
    "citation": pl.String,
    "basis": pl.String,
}
FINDING_SCHEMA = {
    "institution_id": pl.String,
    "rule": pl.String,
    "severity": pl.String,
    "message": pl.String,
    "evidence": pl.String,
    "citation": pl.String,
    "period": pl.String,
}
LEDGER_SORT = ["institution_id", "program", "item", "period", "payer", "rule"]
FINDING_SORT = ["institution_id", "rule", "severity", "period", "message", "evidence"]
# findings Ctx.spread writes: one per rule with the homes' total, each home's amount in Ctx.home_amounts
SPREAD_FINDINGS = ("premium_part_year", "before_rule_start")
GAP_SAMPLE = 10  # ids listed in a gap finding's evidence; the count is always exact


def id_sample(ids: list[str]) -> str:
    """The first GAP_SAMPLE ids of a finding's `ids=`, with "…" when there are more."""
    return ", ".join(ids[:GAP_SAMPLE]) + (" …" if len(ids) > GAP_SAMPLE else "")


# 营利性质 as every rule reads it: a blank is read as 营利 (for-profit), the status the texts pay
# less (a reduced share) or nothing. What is paid is due either way; audit.stake computes the
# rules again with the blank read as 非营利 and names the most still due (at_stake_value_blank).
# One reading for every kind: premium shares paid the lower share, bed grants paid in full.
PROFIT_STATUS = pl.col("profit_status").fill_null("forprofit")
PROFIT_BLANK_NOTE = "（未填写营利性质，按营利性计）"  # in the basis of a line paid on that reading


def repeated(frame: pl.DataFrame, *columns: str) -> pl.Series | None:
    """Mask of the rows whose `columns` also occur in another row (audit.data.datachecks.
    repeated, by sorted hashes), or None when no row repeats — the common case, which
    callers take as the fast path."""
    from audit.data.datachecks import repeated_rows

    mask = repeated_rows(frame, columns)
    return mask if mask.any() else None


def attach(frame: pl.DataFrame, right: pl.DataFrame, on: str) -> pl.DataFrame:
    """Inner join of `frame` with `right` (one row per key) in `frame`'s row order, done by
    joining the key column alone and putting right's columns beside `frame`: a plain join
    of millions of stays spent most of its time copying their text columns."""
    if right[on].is_duplicated().any():
        return frame.join(right, on=on, how="inner", maintain_order="left")
    looked = frame.select(on).join(
        right.with_columns(pl.lit(True).alias("_hit")), on=on, how="left", maintain_order="left"
    )
    out = frame.hstack(looked.drop(on).get_columns())
    if looked["_hit"].null_count():  # (filtering copies every column, even when every row stays)
        out = out.filter(pl.col("_hit").is_not_null())
    return out.drop("_hit")


def month_number(d: pl.Expr, span) -> pl.Expr:
    """Months since the month before the period (`span`: an audit.dates.Period, or a year
    for its calendar year): the period's first month = 1, its last = span.n_months.
    A stay is in residence on the last day of month m when month_number(admitted_on) ≤ m
    < month_number(discharged_on): counting by these numbers needs no stay × month rows."""
    span = as_span(span)
    return (d.dt.year().cast(pl.Int32) - span.start.year) * 12 + d.dt.month().cast(pl.Int32) - (span.start.month - 1)


def as_span(year_or_period) -> Period:
    """A Period from a Period, or from a year (its calendar year): the checks and
    counters take either, so code written for years keeps working."""
    return Period.parse(year_or_period)


def empty_ledger() -> pl.DataFrame:
    return pl.DataFrame(schema=LEDGER_SCHEMA)


def empty_findings() -> pl.DataFrame:
    return pl.DataFrame(schema=FINDING_SCHEMA)


def as_ledger(df: pl.DataFrame) -> pl.DataFrame:
    """Exactly the ledger columns, types and order."""
    return df.select(
        pl.col(c).cast(t) if c in df.columns else pl.lit(None, t).alias(c) for c, t in LEDGER_SCHEMA.items()
    )


def as_findings(df: pl.DataFrame) -> pl.DataFrame:
    return df.select(
        pl.col(c).cast(t) if c in df.columns else pl.lit(None, t).alias(c) for c, t in FINDING_SCHEMA.items()
    )


def yuan(fen: int) -> str:
    """1000000 → '10,000.00' for basis and messages."""
    return fen_to_yuan(fen, thousands=True)


def pct(share: Fraction) -> str:
    """Fraction(1, 2) → '50%', Fraction(2, 3) → '2/3'."""
    p = share * 100
    return f"{p.numerator // p.denominator}%" if p.denominator == 1 else f"{share.numerator}/{share.denominator}"


@dataclass
class Ctx:
    """What every calculator needs besides its rule: the year, the language, the
    reference date (the year's last day) and where findings are collected."""

    pack: object
    year: int
    lang: str = "zh"
    findings: list = field(default_factory=list)
    interpretations: set = field(default_factory=set)
    average_premium: dict = field(default_factory=dict)  # rule id -> fen used, for the manifest
    gap_ids: dict = field(default_factory=dict)  # "rule.param" -> every institution it leaves unpaid (explain)
    # the part of gap_ids paid on the for-profit reading of a blank 营利性质 (Ctx.blank_gap): amount open
    blank_gap_ids: dict = field(default_factory=dict)
    # home_amounts_key -> {institution_id: fen}: each home's money in a rule-level finding (Ctx.spread)
    home_amounts: dict = field(default_factory=dict)
    # money a register or check takes off the declarations: institution_id, program, rule, month_end,
    # person_id, amount_fen (fen, > 0 = cut); the reconciliation explains differences with it
    adjustments: list = field(default_factory=list)
    # month-level public amounts of month-based programmes (institution_id, program, month_end,
    # amount_fen), so a claim for 2024H1 or 2024-05 can be set against what those months earn
    monthly: list = field(default_factory=list)
    period: Period | None = None  # the settlement period (audit.dates); None = the calendar year `year`

    @property
    def span(self) -> Period:
        """The run's period: `period` when given, else the calendar year."""
        return self.period or Period.year(self.year)

    @property
    def period_label(self) -> str:
        return self.span.label

    @property
    def ref_date(self) -> date:
        return self.period.end if self.period else date(self.year, 12, 31)

    def t(self, zh: str, en: str) -> str:
        return t(self.lang, zh, en)

    def add(self, df: pl.DataFrame) -> None:
        if df.height:
            self.findings.append(as_findings(df))

    def finding(self, rule_id, severity, message, evidence, citation, institution_id=None):
        self.add(
            pl.DataFrame(
                [
                    {
                        "institution_id": institution_id,
                        "rule": rule_id,
                        "severity": severity,
                        "message": message,
                        "evidence": evidence,
                        "citation": citation,
                        "period": self.period_label,
                    }
                ],
                schema=FINDING_SCHEMA,
            )
        )

    def spread(self, code: str, severity: str, rule, per_home: pl.DataFrame, message: str, evidence: str) -> None:
        """One rule-level finding for money a rule gives or holds for many homes (per_home:
        institution_id, amount_fen, a row a home; `message` states their count and total):
        the evidence gets `homes=` `amount=<total>` `ids=<first few>` after `rule=… evidence`,
        and each home's own amount is kept in home_amounts for its self-check. One finding per
        home buried the rest (897 of 1,000 synthetic homes under 东阳)."""
        ids = per_home["institution_id"].to_list()
        self.home_amounts[home_amounts_key(code, rule.id, self.period_label)] = dict(
            per_home.select("institution_id", "amount_fen").iter_rows()
        )
        sample = id_sample(ids)
        total = yuan(int(per_home["amount_fen"].sum()))
        self.finding(
            code,
            severity,
            message,
            f"rule={rule.id} {evidence} homes={len(ids)} amount={total} ids={sample}",
            rule.citation,
        )

    def gap(self, rule, param, ids, key=None, severity="warning", extra: str = ""):
        """One policy_gap finding per (rule, parameter[, key]) with the count of affected
        institutions and the first few ids: readable, never one per resident. `param` is a
        name or the Gap raised; a value not in force (it ended, or starts later) is not a
        gap: an info finding says so, with no --set hint."""
        ids = sorted(set(ids.to_list() if isinstance(ids, pl.Series) else ids))
        if not ids:
            return
        if isinstance(param, Gap):
            if param.not_in_force:
                return self._not_in_force(rule, param.param, ids)
            param = param.param
        name = f"{param}.{key}" if key is not None else param
        if key is None and "." not in param and rule.has(param) and rule.param(param).unit.startswith("table:"):
            name = f"{param}.<KEY>"  # a whole table is open: it is set key by key
        self.gap_ids.setdefault(f"{rule.id}.{name}", set()).update(ids)
        sample = id_sample(ids)
        self.finding(
            "policy_gap",
            severity,
            self.t(
                f"{rule.citation} 未规定参数 {rule.id}.{name}{extra}，{len(ids)} 个机构的该项不计发；"
                f"可用 --set {rule.id}.{name}=数值 设定本地标准",
                f"{rule.citation} does not set {rule.id}.{name}{extra}; {len(ids)} institution(s) get no line for it; "
                f"set a local value with --set {rule.id}.{name}=VALUE",
            ),
            f"param={rule.id}.{name} affected={len(ids)} ids={sample}",
            rule.citation,
        )

    def blank_gap(self, rule, param: Gap, ids) -> None:
        """Homes with a blank 营利性质, paid as for-profit (PROFIT_STATUS), where the non-profit
        share is a declared gap: what they are due if non-profit cannot be computed, so they are
        named under the gap — their own finding, PROFIT_BLANK_OPEN, not a policy_gap (they are paid:
        not "未计发", not in the count of unpaid homes) — and gap_ids (compare sees their amount as
        open; blank_gap_ids tells them from the unpaid homes: explain, self-check)."""
        ids = sorted(set(ids.to_list() if isinstance(ids, pl.Series) else ids))
        if not ids or param.not_in_force:
            return
        name = f"{rule.id}.{param.param}"
        self.gap_ids.setdefault(name, set()).update(ids)
        self.blank_gap_ids.setdefault(name, set()).update(ids)
        sample = id_sample(ids)
        self.finding(
            PROFIT_BLANK_OPEN,
            "warning",
            self.t(
                f"{rule.citation} 未规定参数 {name}：{len(ids)} 个机构未填写营利性质，已按营利性计发；"
                f"如属非营利性，应计发数额无法计算（不是 0）；请填写营利性质，或用 --set {name}=数值 设定本地标准",
                f"{rule.citation} does not set {name}: {len(ids)} institution(s) with profit status blank are paid "
                f"as for-profit; if non-profit, what is due cannot be computed (it is not 0); fill in the profit "
                f"status, or set a local value with --set {name}=VALUE",
            ),
            f"param={name} affected={len(ids)} profit_status=blank ids={sample}",
            rule.citation,
        )


# the finding of Ctx.blank_gap: a blank 营利性质 paid as for-profit where the non-profit share is open
PROFIT_BLANK_OPEN = "profit_status_blank_open"


def home_amounts_key(code: str, rule_id: str, period_label: str) -> str:
    """Where Ctx.home_amounts keeps the homes of a rule-level finding: its code, the `rule=`
    of its evidence and its period (finding_money.own_amounts reads them back)."""
    return f"{code} {rule_id}@{period_label}"


def _not_in_force_finding(ctx, rule, param: str, ids: list) -> None:
    sample = id_sample(ids)
    when = f"{ctx.year} 年" if ctx.period is None else ctx.span.label_zh()
    ctx.finding(
        "not_in_force",
        "info",
        ctx.t(
            f"{rule.citation} 的参数 {rule.id}.{param} 在 {when}不在有效期内（已终止或尚未开始），"
            f"{len(ids)} 个机构的该项不计发",
            f"{rule.citation}: {rule.id}.{param} is not in force in {ctx.period_label} (it ended or starts later); "
            f"{len(ids)} institution(s) get no line for it",
        ),
        f"param={rule.id}.{param} affected={len(ids)} ids={sample}",
        rule.citation,
    )


Ctx._not_in_force = _not_in_force_finding


class Gap(Exception):
    """A parameter asked for is a declared gap (or not in force): no number for it."""

    def __init__(self, param: str, not_in_force: bool = False):
        super().__init__(param)
        self.param, self.not_in_force = param, not_in_force


def value(rule, name: str, on: date, default=None, required: bool = True):
    """rule.reading as a calculator needs it: the value; an absent optional parameter gives
    `default`; a gap — or a value not in force on that date — raises Gap."""
    r = rule.reading(name, on)
    if r.state == "value":
        return r.value
    if r.state == "absent":
        if required:
            raise PolicyError(f"政策包规则 {rule.id} 缺少参数 {name}")
        return default
    raise Gap(name, not_in_force=r.state == "not_in_force")


def opt(rule, name: str, on: date, default=None):
    """An optional parameter: absent → default; gap → Gap."""
    return value(rule, name, on, default=default, required=False)


def year_parts(span: Period) -> list[tuple[int, int, int]]:
    """(year, first month, last month) of each calendar year the period touches:
    2021-07..2022-06 → [(2021, 7, 12), (2022, 1, 6)]."""
    return [
        (y, span.start.month if y == span.start.year else 1, span.end.month if y == span.end.year else 12)
        for y in span.years
    ]


def whole_years(span: Period) -> list[int]:
    """The calendar years lying wholly inside the period."""
    return [y for y, a, b in year_parts(span) if (a, b) == (1, 12)]


PRORATE = "prorate_by_months"  # the bool parameter that lets an annual amount be split by months


def settle_annual(ctx: Ctx, rule, lines: pl.DataFrame, what_zh: str, what_en: str) -> pl.DataFrame:
    """Lines whose `amount_fen` is an amount per calendar year → what the settlement period
    carries. A calendar year: unchanged. Otherwise each whole year inside the period pays
    the amount; a part year is split by months only where the clause says so
    (`prorate_by_months`, quoted): months a..b of a year carry round(A × b/12) −
    round(A × (a−1)/12), so the parts of one year add up to A exactly. Without that
    clause a part year is not split — an annual amount is not paid for a half-year — and
    one warning per rule says so, with the institutions and the annual money at stake."""
    span = ctx.span
    if ctx.period is None or not lines.height:
        return lines
    whole = whole_years(span)
    partial = [(y, a, b) for y, a, b in year_parts(span) if (a, b) != (1, 12)]
    prorate = bool(opt(rule, PRORATE, ctx.ref_date, False)) if rule.has(PRORATE) else False
    annual = pl.col("amount_fen")
    amount = annual * len(whole)
    note = f"（期间 {span.label} 含 {len(whole)} 个整年）" if whole else ""
    if partial and prorate:
        months = 0
        for _, a, b in partial:
            amount = amount + (annual * b * 2 + 12) // 24 - (annual * (a - 1) * 2 + 12) // 24
            months += b - a + 1
        note = f"（期间 {span.label}：按月折算 {months}/12" + (f"，另含 {len(whole)} 个整年" if whole else "") + "）"
    elif partial:
        ids = sorted(set(lines["institution_id"].to_list()))
        total = int(lines["amount_fen"].sum()) * len(partial)
        months = sum(b - a + 1 for _, a, b in partial)
        sample = id_sample(ids)
        ctx.finding(
            "annual_not_split",
            "warning",
            ctx.t(
                f"{rule.citation} 的{what_zh}按年度核定，条款未规定按月折算，期间 {span.label} 中不足一年的 {months} 个月"
                f"不拆分计发（{len(ids)} 个机构，全年金额合计 {yuan(total)} 元）；请按年度核算，"
                f"或在条款明确按月折算时设定 {rule.id}.{PRORATE}",
                f"{rule.citation} sets the {what_en} per year and does not say it is split by months: the "
                f"{months} month(s) of {span.label} short of a whole year are not paid ({len(ids)} institution(s), "
                f"annual amounts {yuan(total)} yuan); settle it by year, or set {rule.id}.{PRORATE} where the "
                "clause says so",
            ),
            f"rule={rule.id} period={span.label} part_year_months={months} institutions={len(ids)} "
            f"annual_total={yuan(total)} ids={sample}",
            rule.citation,
        )
    return lines.with_columns(
        amount.alias("amount_fen"), (pl.col("basis") + pl.lit(note)).alias("basis"), pl.lit(span.label).alias("period")
    ).filter(pl.col("amount_fen") > 0)


def share_weights(shares: dict) -> tuple[list[str], list[int]]:
    """{payer: Fraction} → payers and integer weights over a common denominator (for the
    vectorised largest-remainder split)."""
    payers = list(shares)
    den = 1
    for s in shares.values():
        den = den * s.denominator // _gcd(den, s.denominator)
    return payers, [int(shares[p] * den) for p in payers]


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def condition_findings(
    ctx: Ctx, df: pl.DataFrame, failed: pl.Expr, rule, kind: str, severity, msg_zh: str, msg_en: str, evidence: pl.Expr
) -> None:
    """One finding per institution failing a condition. `severity` may be an expression."""
    bad = df.filter(failed)
    if not bad.height:
        return
    sev = severity if isinstance(severity, pl.Expr) else pl.lit(severity)
    ctx.add(
        bad.select(
            pl.col("institution_id"),
            pl.lit(kind).alias("rule"),
            sev.alias("severity"),
            pl.lit(ctx.t(msg_zh, msg_en)).alias("message"),
            evidence.alias("evidence"),
            pl.lit(rule.citation).alias("citation"),
            pl.lit(ctx.period_label).alias("period"),
        )
    )


def fen_text(expr: pl.Expr) -> pl.Expr:
    """Vectorised '1,234.00' for basis strings."""
    from audit.money import fen_to_yuan_expr

    return fen_to_yuan_expr(expr, thousands=True)


# Basis text is built once, in Chinese; an English run translates it phrase by phrase
# (longest phrases first), so the arithmetic is the same in both languages.
BASIS_EN = [
    # annual amounts settled over another period (settle_annual)
    ("：按月折算 ", ": pro rata by months "),
    ("，另含 ", ", plus "),
    (" 个整年", " whole year(s)"),
    (" 含 ", " holding "),
    # rule-model kinds (bed_subsidy, bed_month_grant): longest phrases first
    (" 期（共 ", " (of "),
    ("（未填写营利性质，按营利性计）", " (profit status blank: read as for-profit)"),
    ("，营利性按 ", ", for-profit at "),
    (" 期）按 ", ") at "),
    ("；第 ", "; stage "),
    ("，最高不超过 ", ", capped at "),
    ("，改扩建按 ", ", expansion at "),
    ("，公建民营按 ", ", public-private at "),
    ("（到期日 ", " (due "),
    ("（基础 ", " (base "),
    ("（期间 ", " (period "),
    ("，档次 ", ", band "),
    ("（= ", " (= "),
    ("无失能", "no disability"),
    ("轻度失智", "mild dementia"),
    ("中度失智", "moderate dementia"),
    ("重度失智", "severe dementia"),
    ("能力完好", "intact"),
    ("轻度失能", "mild"),
    ("中度失能", "moderate"),
    ("重度失能", "severe"),
    ("完全失能", "total"),
    ("部分失能", "partial"),
    ("轻度", "mild"),
    ("中度", "moderate"),
    ("重度", "severe"),
    ("自理", "self-care"),
    (
        "（尚有补助比例未定，见 policy_gap；机构自付至多此数）",
        " (a public share is not yet set, see policy_gap; the institution pays at most this)",
    ),
    ("（最大余数法，合计等于预算）", " (largest remainder; adds up to the budget)"),
    ("平均保费（政策包或本地设定）", "average premium (pack or local value)"),
    ("平均保费（输入数据均值）", "average premium (mean of the input)"),
    ("（设在养老机构内）", " (inside an institution) "),
    (" − 各级补助 = 机构自付 ", " − public shares = institution pays "),
    ("；租赁用房按年补贴 ", "; leased premises, paid yearly for "),
    (" 年，第 ", " years, year "),
    (" 年（应付年度 ", " (due year "),
    ("（应付年度 ", " (due year "),
    ("（营利性按 ", " (for-profit at "),
    ("（护理老人 ", " (nursing residents "),
    (" 人 ÷ 核定床位 ", " ÷ approved beds "),
    (" 张，达到 ", ", reaching "),
    ("，以剩余保费 ", ", capped at the premium left "),
    (" 元为上限", " yuan"),
    ("低保及低保边缘补贴", "low-income supplement"),
    ("失能失智补贴", "disability/dementia supplement"),
    (r"(\d) 级机构基本补贴", "level ${1} home base grant"),
    ("部分失能老人基本补贴", "partially disabled resident base grant"),
    ("完全失能老人基本补贴", "fully disabled resident base grant"),
    ("自理老人基本补贴", "self-care resident base grant"),
    ("省级福彩公益金", "provincial welfare lottery fund"),
    ("市级福彩公益金", "city welfare lottery fund"),
    ("省级财政", "provincial finance"),
    ("市级财政", "city finance"),
    ("县级财政", "county finance"),
    ("机构自付", "institution"),
    ("财政", "finance"),
    ("投资决算额 ", "final investment "),
    ("基础补贴 ", "base grant "),
    (" × 权重 ", " × weight "),
    (" ÷ 权重合计 ", " ÷ total weight "),
    ("预算 ", "budget "),
    ("保费 ", "premium "),
    ("元/人/月", "yuan/person/month"),
    ("元/床", "yuan/bed"),
    ("元/年", "yuan/year"),
    (" 床 × ", " beds × "),
    (" 人月 × ", " resident-months × "),
    (" 星 ", "-star "),
    ("（", " ("),
    ("）", ")"),
    ("；", "; "),
    ("，", ", "),
    ("：", ": "),
    ("元", "yuan"),
]


def basis_en(expr: pl.Expr) -> pl.Expr:
    """The Chinese basis text in English: each kind's declared phrases (Kind.basis_en), then
    the shared ones, longest first within each list."""
    from audit.kinds.registry import basis_phrases

    for zh, en in (*basis_phrases(), *BASIS_EN):
        expr = expr.str.replace_all(zh, en, literal="\\" not in zh)
    return expr


# ---------------------------------------------------------------- checklist words

INSTITUTION, CENTRES = {"institution"}, {"township_center", "community_center"}  # checklist `kind` facts
CARE_WORDS = {
    "zh": {"full": "完全失能", "partial": "部分失能", "self_care": "自理"},
    "en": {"full": "full disability", "partial": "partial disability", "self_care": "self-care"},
}


def share_text(value) -> str:
    """An exact share as a percent ("58%", "33.3333333333333333333333333%" never rounded up)."""
    from decimal import Decimal

    if isinstance(value, Fraction):
        d = Decimal(value.numerator) * 100 / Decimal(value.denominator)
        return f"{d.normalize():f}%"
    return str(value)


def param_text(rule, name: str, on: date, lang: str) -> str:
    """A parameter's value as text for a checklist, or the gap stated (never a made-up number)."""
    from audit.policy.values import format_value

    r = rule.reading(name, on)
    if r.state == "not_in_force":
        return t(lang, f"不在有效期内（{on}）", f"not in force on {on}")
    if r.state != "value":
        return t(lang, "政策未规定（缺口）", "not set by the policy (gap)")
    unit = rule.param(name).unit
    if unit == "share":
        return share_text(r.value)
    if unit == "table:persons":
        names = CARE_WORDS[lang]
        return t(lang, "，", ", ").join(
            f"{names.get(k, k)} 1:{x}" if x is not None else f"{names.get(k, k)} —" for k, x in r.value.items()
        )
    return format_value(unit, r.value, lang)


def flag(rule, name: str, on: date) -> bool:
    """A bool parameter that is set and true on that date."""
    r = rule.reading(name, on)
    return r.state == "value" and r.value is True
