"""Random inspections 双随机、一公开: draw institutions and inspector teams, verifiably.

The draw is a pure function of the register's contents and the seed (algorithm
`sha256-rank/1`):

* Strata: `institutions.risk_class` (null → the stated default stratum), or from a
  previous run's findings.csv (any `error` finding → high, else any `warning` →
  medium, else low).
* Coverage picks: with `min_years_uninspected = N`, every institution whose latest
  inspection (on or before `as_of`) is on or before `as_of − N years`, or that was
  never inspected and opened on or before that date (or has no opening date), is
  always inspected.  They are recorded as `coverage` picks.
* Random picks, per stratum: k = ceil(ratio × stratum size) (exact rational
  arithmetic, so ≥ 1 whenever ratio > 0 and the stratum is non-empty), capped at
  what the stratum holds besides its coverage picks.  The stratum's other
  institutions are ordered by SHA-256(seed + "|" + institution_id) (hex, ascending)
  and the first k are taken — on top of the coverage picks.
* Teams: active inspectors ordered, per institution, by
  SHA-256(seed + "|" + institution_id + "|" + inspector_id); never one with a declared
  conflict, never one who inspected the institution last time (latest
  `inspected_on`), with `avoid_same_county` never one from its county; the first
  `team_size` in that order form the team — with `joint`, if the first
  team_size − 1 share one department the last place goes to the next inspector of
  another department.  No valid team → status `no_valid_team` with the reason.

The register hash is SHA-256 over a canonical text of the *normalised* tables
(columns sorted by name, `_`-columns dropped, values as text, rows sorted), so a
register kept as xlsx or as csv hashes alike.  See `canonical_sha256`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from fractions import Fraction
from decimal import Decimal, InvalidOperation

import polars as pl

from audit.errors import AuditError, InputError
from audit.privacy import mask_national_ids
from audit.i18n import t as _msg

ALGORITHM = "sha256-rank/1"
STRATA_ORDER = ("high", "medium", "low")
REGISTER_TABLES = ("institutions", "inspectors", "conflicts", "inspections")
# Why a team of two by default: 《中华人民共和国行政处罚法》第四十二条 "执法人员不得少于两人".
TEAM_SIZE_SOURCE = "《中华人民共和国行政处罚法》第四十二条：执法人员不得少于两人"


class DrawParameterError(AuditError):
    """A draw parameter is missing or contradictory (exit 2, like a usage error)."""

    exit_code = 2


@dataclass
class DrawParams:
    """Everything besides the register that decides a draw; recorded in draw.json."""

    seed: str
    ratios: dict[str, str]  # {"*": "0.05"} or {"high": "0.3", ...}; decimal text
    strata: str = "risk_class"  # "risk_class" | "findings"
    default_stratum: str = "medium"  # stratum of an institution whose risk_class is null
    min_years_uninspected: int | None = None
    as_of: str | None = None  # ISO date; needed for coverage picks
    team_size: int = 2
    joint: bool = False
    avoid_same_county: bool = False
    lang: str = field(default="zh", compare=False)


_PARAM_TYPES = {
    "seed": (str,),
    "ratios": (dict,),
    "strata": (str,),
    "default_stratum": (str,),
    "min_years_uninspected": (int, type(None)),
    "as_of": (str, type(None)),
    "team_size": (int,),
    "joint": (bool,),
    "avoid_same_county": (bool,),
}


def params_from_record(recorded: dict, lang: str = "zh") -> DrawParams:
    """DrawParams from a draw.json a user hands back: each field of the type it was
    written with (a hand-edited `"team_size": null` is refused in words, not met later
    as an internal error). Raises TypeError / KeyError."""
    given = recorded["parameters"]
    if not isinstance(given, dict):
        raise TypeError("parameters must be a mapping")
    for key, value in given.items():
        want = _PARAM_TYPES.get(key)
        if want is None:
            raise TypeError(f"unknown parameter {key!r}")
        if not isinstance(value, want) or (isinstance(value, bool) and bool not in want):
            raise TypeError(f"parameter {key!r}: {value!r}")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in given.get("ratios", {}).items()):
        raise TypeError("ratios must map strata to text")
    return DrawParams(**given, lang=lang)


# ---------------------------------------------------------------- hashing ----


def sha256_hex(values: pl.Series) -> pl.Series:
    """SHA-256 (hex) of each text value: the stable rank key of a draw. hashlib over a
    column of ids, not a business loop; polars' own hash is not stable across versions."""
    return pl.Series(
        values.name, [hashlib.sha256(v.encode("utf-8")).hexdigest() for v in values.to_list()], dtype=pl.String
    )


def _hash_expr(*parts: pl.Expr | str) -> pl.Expr:
    """SHA-256 of the parts joined with "|"."""
    exprs = [pl.lit(p) if isinstance(p, str) else p for p in parts]
    return pl.concat_str(exprs, separator="|").map_batches(sha256_hex, return_dtype=pl.String)


def _canonical_text(df: pl.DataFrame) -> str:
    """Deterministic text of a normalised table: `_`-columns dropped, columns sorted by
    name, every value as text (dates ISO, booleans true/false, null → JSON null), rows
    sorted; serialised as compact JSON."""
    cols = sorted(c for c in df.columns if not c.startswith("_"))

    def as_text(c: str) -> pl.Expr:
        t = df.schema[c]
        if t == pl.Date:
            return pl.col(c).dt.to_string("%Y-%m-%d")
        if t == pl.Boolean:
            return (
                pl.when(pl.col(c).is_null()).then(None).when(pl.col(c)).then(pl.lit("true")).otherwise(pl.lit("false"))
            )
        return pl.col(c).cast(pl.String)

    text = df.select(as_text(c).alias(c) for c in cols).sort(cols, nulls_last=True) if cols else df.select()
    return json.dumps(
        {"columns": cols, "rows": [list(r) for r in text.rows()]}, ensure_ascii=False, separators=(",", ":")
    )


def canonical_sha256(df: pl.DataFrame) -> str:
    """SHA-256 of `_canonical_text(df)`: equal for the same register in xlsx or csv."""
    return hashlib.sha256(_canonical_text(df).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- params -----


def parse_ratio(text: str, lang: str = "zh") -> Fraction:
    """'0.05' / '5%' / '1/20' → exact Fraction in [0, 1]."""
    s = str(text).strip()
    try:
        d = Decimal(s.rstrip("%")) if "/" not in s else Decimal(0)
        if not d.is_finite() or d.adjusted() > 3 or (d != 0 and d.adjusted() < -12):
            raise ValueError  # inf, nan, 1e999999999: refused before Fraction expands them
        if s.endswith("%"):
            value = Fraction(Decimal(s[:-1])) / 100
        elif "/" in s:
            value = Fraction(s)
        else:
            value = Fraction(Decimal(s))
    except (InvalidOperation, ValueError, ZeroDivisionError):
        raise DrawParameterError(
            _msg(
                lang,
                f"抽查比例无法识别：{text!r}（应为 0.05、5% 或 1/20）",
                f"cannot read ratio {text!r} (expected 0.05, 5% or 1/20)",
            )
        )
    if not 0 <= value <= 1:
        raise DrawParameterError(
            _msg(lang, f"抽查比例应在 0 与 1 之间：{text}", f"ratio must lie between 0 and 1: {text}")
        )
    return value


def parse_ratio_options(options: tuple[str, ...] | list[str], lang: str = "zh") -> dict[str, str]:
    """CLI --ratio values → {"*": "0.05"} (one ratio for every stratum) or {stratum: ratio}."""
    if not options:
        raise DrawParameterError(
            _msg(
                lang,
                "请用 --ratio 指定抽查比例（政策文本未规定比例，须由检查计划确定），如 --ratio 0.05 或 --ratio high=0.3 --ratio medium=0.1 --ratio low=0.02",
                "give the sampling ratio with --ratio (the policy texts set none), e.g. --ratio 0.05 or --ratio high=0.3 --ratio medium=0.1 --ratio low=0.02",
            )
        )
    plain = [o for o in options if "=" not in o]
    named = [o for o in options if "=" in o]
    if plain and (named or len(plain) > 1):
        raise DrawParameterError(
            _msg(
                lang,
                "--ratio 要么只给一个比例，要么按层给出 层=比例",
                "--ratio takes one ratio, or stratum=ratio pairs",
            )
        )
    if plain:
        parse_ratio(plain[0], lang)
        return {"*": plain[0].strip()}
    ratios: dict[str, str] = {}
    for o in named:
        k, v = (x.strip() for x in o.split("=", 1))
        if not k or k in ratios:
            raise DrawParameterError(
                _msg(lang, f"--ratio 层名为空或重复：{o}", f"--ratio stratum empty or repeated: {o}")
            )
        parse_ratio(v, lang)
        ratios[k] = v
    return ratios


def _years_before(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February → 28 February
        return d.replace(year=d.year - years, day=28)


# ---------------------------------------------------------------- strata -----


def strata_from_findings(findings: pl.DataFrame) -> pl.DataFrame:
    """institution_id → stratum by the worst finding: error → high, warning → medium."""
    for col in ("institution_id", "severity"):
        if col not in findings.columns:
            raise InputError(f"findings 文件缺少列 {col}（应为 audit run 生成的 findings.csv）")
    worst = (
        findings.filter(pl.col("institution_id").is_not_null() & (pl.col("institution_id") != ""))
        .group_by("institution_id")
        .agg(
            has_error=(pl.col("severity") == "error").any(),
            has_warning=(pl.col("severity") == "warning").any(),
        )
    )
    return worst.select(
        "institution_id",
        finding_stratum=pl.when("has_error")
        .then(pl.lit("high"))
        .when("has_warning")
        .then(pl.lit("medium"))
        .otherwise(pl.lit("low")),
    )


def _assign_strata(inst: pl.DataFrame, params: DrawParams, findings: pl.DataFrame | None) -> pl.DataFrame:
    if params.strata == "findings":
        if findings is None:
            raise DrawParameterError(
                _msg(
                    params.lang,
                    "--strata findings 需要 --findings 文件（上次 audit run 的 findings.csv）",
                    "--strata findings needs --findings FILE (a previous run's findings.csv)",
                )
            )
        inst = inst.join(strata_from_findings(findings), on="institution_id", how="left")
        return inst.with_columns(stratum=pl.col("finding_stratum").fill_null("low")).drop("finding_stratum")
    if params.strata != "risk_class":
        raise DrawParameterError(f"--strata 应为 risk_class 或 findings：{params.strata}")
    risk = pl.col("risk_class") if "risk_class" in inst.columns else pl.lit(None, dtype=pl.String)
    return inst.with_columns(stratum=risk.fill_null(params.default_stratum))


def _stratum_rank(s: pl.Expr) -> pl.Expr:
    order = {name: i for i, name in enumerate(STRATA_ORDER)}
    return s.replace_strict(order, default=len(order), return_dtype=pl.Int64)


def _stratum_counts(inst: pl.DataFrame, params: DrawParams) -> pl.DataFrame:
    """Per stratum: size, coverage picks, ratio and k = ceil(ratio × size) capped."""
    sizes = (
        inst.group_by("stratum")
        .agg(size=pl.len(), coverage=pl.col("coverage").sum().cast(pl.Int64))
        .sort(_stratum_rank(pl.col("stratum")), "stratum")
    )
    known = set(STRATA_ORDER) | {params.default_stratum}
    unknown = sorted(set(params.ratios) - known - {"*"})
    if unknown:  # a misspelt stratum would otherwise be ignored silently
        raise DrawParameterError(
            _msg(
                params.lang,
                f"--ratio 中的层名无法识别：{'、'.join(unknown)}（可用：{'、'.join(sorted(known))}）",
                f"unknown stratum in --ratio: {', '.join(unknown)} (known: {', '.join(sorted(known))})",
            )
        )
    rows = []
    for s, size, cov in sizes.iter_rows():  # a handful of strata
        text = params.ratios.get("*", params.ratios.get(s))
        if text is None:
            raise DrawParameterError(
                _msg(
                    params.lang,
                    f"{s} 层有 {size} 家机构，但未给出该层的抽查比例（--ratio {s}=…）",
                    f"stratum {s} holds {size} institutions but has no ratio (--ratio {s}=…)",
                )
            )
        r = parse_ratio(text, params.lang)
        k = -(-(r.numerator * size) // r.denominator)  # ceil(ratio × size), exact
        rows.append(
            {
                "stratum": s,
                "size": size,
                "ratio": text,
                "ratio_times_size": str(r * size),
                "random_target": k,
                "random": min(k, size - cov),
                "coverage": cov,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "stratum": pl.String,
            "size": pl.Int64,
            "ratio": pl.String,
            "ratio_times_size": pl.String,
            "random_target": pl.Int64,
            "random": pl.Int64,
            "coverage": pl.Int64,
        },
    )


def _coverage_flags(inst: pl.DataFrame, inspections: pl.DataFrame, params: DrawParams) -> pl.DataFrame:
    if params.min_years_uninspected is None:
        return inst.with_columns(coverage=pl.lit(False), last_inspected_on=pl.lit(None, dtype=pl.Date))
    if inspections.height == 0:
        raise DrawParameterError(
            _msg(
                params.lang,
                "--min-years-uninspected 需要检查记录表（inspections / 检查记录）；输入中没有检查记录，无法判断哪些机构多年未检查",
                "--min-years-uninspected needs the inspections table; the input has none, so it cannot tell which institutions went uninspected",
            )
        )
    as_of = date.fromisoformat(params.as_of)
    cutoff = _years_before(as_of, params.min_years_uninspected)
    last = (
        inspections.filter(pl.col("inspected_on") <= as_of)
        .group_by("institution_id")
        .agg(last_inspected_on=pl.col("inspected_on").max())
    )
    inst = inst.join(last, on="institution_id", how="left")
    opened = pl.col("opened_on") if "opened_on" in inst.columns else pl.lit(None, dtype=pl.Date)
    never = pl.col("last_inspected_on").is_null() & (opened.is_null() | (opened <= cutoff))
    return inst.with_columns(coverage=(pl.col("last_inspected_on") <= cutoff).fill_null(False) | never)


def draw_institutions(
    tables: dict[str, pl.DataFrame], params: DrawParams, findings: pl.DataFrame | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(picks, strata): picks has institution_id, name, county, stratum, pick ('random' /
    'coverage'), rank (random picks: position in the stratum's hash order), rank_hash."""
    cols = [
        c
        for c in ("institution_id", "name", "county", "risk_class", "opened_on")
        if c in tables["institutions"].columns
    ]
    inst = _assign_strata(tables["institutions"].select(cols), params, findings)
    inst = _coverage_flags(inst, tables["inspections"], params)
    inst = inst.with_columns(rank_hash=_hash_expr(params.seed, pl.col("institution_id")))
    counts = _stratum_counts(inst, params)
    ranked = (
        inst.filter(~pl.col("coverage"))
        .with_columns(rank=pl.col("rank_hash").rank("ordinal").over("stratum").cast(pl.Int64))
        .join(counts.select("stratum", "random"), on="stratum")
        .filter(pl.col("rank") <= pl.col("random"))
        .with_columns(pick=pl.lit("random"))
    )
    coverage = inst.filter(pl.col("coverage")).with_columns(rank=pl.lit(None, dtype=pl.Int64), pick=pl.lit("coverage"))
    out_cols = ["institution_id", "name", "county", "stratum", "pick", "rank", "rank_hash", "last_inspected_on"]
    picks = pl.concat([ranked.select(out_cols), coverage.select(out_cols)])
    picks = picks.sort(_stratum_rank(pl.col("stratum")), "stratum", pl.col("pick") == "coverage", "rank_hash")
    return picks, counts


# ---------------------------------------------------------------- teams ------


def assign_teams(
    picks: pl.DataFrame, tables: dict[str, pl.DataFrame], params: DrawParams
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(members, status): members = institution_id, position, inspector_id, name,
    department, county, order_hash; status = one row per pick with team_status
    ('ok' / 'no_valid_team') and the counts behind the reason."""
    size = params.team_size
    insp = tables["inspectors"]
    active = insp.filter(pl.col("active").fill_null(True))
    cand = picks.select("institution_id", inst_county="county").join(
        active.select("inspector_id", "name", "department", "county"), how="cross"
    )
    last = _last_inspectors(tables["inspections"], params)
    conflicts = (
        tables["conflicts"].select("institution_id", "inspector_id").unique().with_columns(conflict=pl.lit(True))
    )
    cand = (
        cand.join(conflicts, on=["institution_id", "inspector_id"], how="left")
        .join(last, on=["institution_id", "inspector_id"], how="left")
        .with_columns(
            conflict=pl.col("conflict").fill_null(False),
            last_time=pl.col("last_time").fill_null(False),
            same_county=(
                pl.lit(params.avoid_same_county) & ((pl.col("county") == pl.col("inst_county")).fill_null(True))
            ),
            no_department=pl.lit(params.joint) & pl.col("department").is_null(),
        )
    )
    excluded = pl.col("conflict") | pl.col("last_time") | pl.col("same_county") | pl.col("no_department")
    status = cand.group_by("institution_id").agg(
        pool=pl.len().cast(pl.Int64),
        excluded_conflict=pl.col("conflict").sum().cast(pl.Int64),
        excluded_last_inspector=pl.col("last_time").sum().cast(pl.Int64),
        excluded_same_county=pl.col("same_county").sum().cast(pl.Int64),
        excluded_no_department=pl.col("no_department").sum().cast(pl.Int64),
        eligible=(~excluded).sum().cast(pl.Int64),
        eligible_departments=pl.col("department").filter(~excluded).drop_nulls().n_unique().cast(pl.Int64),
    )
    ok = (
        cand.filter(~excluded)
        .with_columns(order_hash=_hash_expr(params.seed, pl.col("institution_id"), pl.col("inspector_id")))
        .sort("institution_id", "order_hash")
        .with_columns(pos=pl.int_range(1, pl.len() + 1).over("institution_id").cast(pl.Int64))
    )
    members = _take_team(ok, size, params.joint)
    status = (
        picks.select("institution_id")
        .join(status, on="institution_id", how="left")
        .with_columns(
            pl.col(c).fill_null(0)
            for c in (
                "pool",
                "excluded_conflict",
                "excluded_last_inspector",
                "excluded_same_county",
                "excluded_no_department",
                "eligible",
                "eligible_departments",
            )
        )
    )
    valid = (pl.col("eligible") >= size) & (~pl.lit(params.joint) | (pl.col("eligible_departments") >= 2))
    status = status.with_columns(
        team_status=pl.when(valid).then(pl.lit("ok")).otherwise(pl.lit("no_valid_team")),
        reason=pl.when(valid)
        .then(None)
        .when(pl.col("eligible") < size)
        .then(pl.lit("too_few_eligible"))
        .otherwise(pl.lit("single_department")),
    )
    valid_ids = status.filter(pl.col("team_status") == "ok").select("institution_id")
    members = members.join(valid_ids, on="institution_id", how="semi").sort("institution_id", "position")
    return members, status


def _last_inspectors(inspections: pl.DataFrame, params: DrawParams) -> pl.DataFrame:
    """The inspectors of each institution's latest inspection (all of them, if several)."""
    insp = inspections.filter(pl.col("inspector_id").is_not_null() & pl.col("inspected_on").is_not_null())
    if params.as_of:
        insp = insp.filter(pl.col("inspected_on") <= date.fromisoformat(params.as_of))
    latest = insp.filter(pl.col("inspected_on") == pl.col("inspected_on").max().over("institution_id"))
    return latest.select("institution_id", "inspector_id").unique().with_columns(last_time=pl.lit(True))


def _take_team(ok: pl.DataFrame, size: int, joint: bool) -> pl.DataFrame:
    """Greedy in hash order: the first `size`; with `joint`, when the first size−1 share
    one department the last place goes to the first later inspector of another."""
    cols = ["institution_id", "position", "inspector_id", "name", "department", "county", "order_hash"]
    if not joint:
        return ok.filter(pl.col("pos") <= size).rename({"pos": "position"}).select(cols)
    lead = pl.col("pos") < size
    lead_depts = pl.col("department").filter(lead).n_unique().over("institution_id")
    first_dept = pl.col("department").filter(pl.col("pos") == 1).first().over("institution_id")
    other = (pl.col("pos") >= size) & (pl.col("department") != first_dept) & (lead_depts == 1)
    team = ok.with_columns(
        closer=other & (other.cast(pl.Int64).cum_sum().over("institution_id", order_by="pos") == 1),
    ).filter(lead | ((pl.col("pos") == size) & (lead_depts >= 2)) | pl.col("closer"))
    team = team.with_columns(
        position=pl.int_range(1, pl.len() + 1).over("institution_id", order_by="pos").cast(pl.Int64)
    )
    return team.select(cols)


# ---------------------------------------------------------------- record -----


def register_hashes(tables: dict[str, pl.DataFrame], findings: pl.DataFrame | None = None) -> dict[str, str]:
    """Canonical SHA-256 of each table the draw reads (and of the findings it used)."""
    out = {f"{t}_sha256": canonical_sha256(tables[t]) for t in REGISTER_TABLES}
    if findings is not None:
        keep = [c for c in ("institution_id", "rule", "severity") if c in findings.columns]
        out["findings_sha256"] = canonical_sha256(findings.select(keep))
    return out


def draw(tables: dict[str, pl.DataFrame], params: DrawParams, findings: pl.DataFrame | None = None) -> dict:
    """The draw record (a plain dict, written as draw.json): parameters, register
    hashes, strata with counts, and picks with their teams."""
    _check_params(params, tables)
    picks, counts = draw_institutions(tables, params, findings)
    members, status = assign_teams(picks, tables, params)
    # an inspector id that is a 身份证号 is masked in the record (order_hash still commits
    # to the whole id, so --verify compares the same masked text and the same hashes)
    members = members.with_columns(mask_national_ids(pl.col("inspector_id")).alias("inspector_id"))
    teams = members.group_by("institution_id").agg(
        team=pl.struct("position", "inspector_id", "name", "department", "county", "order_hash").sort_by("position")
    )
    full = (
        picks.join(status, on="institution_id", how="left")
        .join(teams, on="institution_id", how="left")
        .sort(_stratum_rank(pl.col("stratum")), "stratum", pl.col("pick") == "coverage", "rank_hash")
    )
    pick_rows = []
    for row in full.with_columns(pl.col("last_inspected_on").dt.to_string("%Y-%m-%d")).to_dicts():
        row["team"] = row["team"] or []
        row["team_check"] = {
            k: row.pop(k)
            for k in (
                "pool",
                "eligible",
                "eligible_departments",
                "excluded_conflict",
                "excluded_last_inspector",
                "excluded_same_county",
                "excluded_no_department",
            )
        }
        pick_rows.append(row)
    p = asdict(params)
    p.pop("lang")
    return {
        "algorithm": ALGORITHM,
        "rules": {
            "order": "SHA-256(seed|institution_id), hex ascending, within each stratum",
            "count": "ceil(ratio × stratum size), exact; at most the stratum's institutions besides its coverage picks",
            "strata_findings": "any error finding → high; else any warning → medium; else low",
            "coverage": "latest inspection on or before as_of − N years, or never inspected and opened on or before it",
            "team_order": "SHA-256(seed|institution_id|inspector_id), hex ascending; greedy",
            "team_exclusions": "declared conflicts; the inspectors of the latest inspection; same county if asked; inactive",
            "team_size_source": TEAM_SIZE_SOURCE,
            "register_hash": "SHA-256 of the normalised table: '_' columns dropped, columns sorted by name, values as text, rows sorted, compact JSON",
        },
        "parameters": p,
        "register": register_hashes(tables, findings),
        "strata": counts.to_dicts(),
        "picks": pick_rows,
        "totals": {
            "random": int((picks["pick"] == "random").sum()),
            "coverage": int((picks["pick"] == "coverage").sum()),
            "no_valid_team": int((status["team_status"] == "no_valid_team").sum()),
        },
    }


def _check_params(params: DrawParams, tables: dict[str, pl.DataFrame]) -> None:
    lang = params.lang
    if not str(params.seed).strip():
        raise DrawParameterError(_msg(lang, "随机种子 --seed 不能为空", "--seed must not be empty"))
    if params.team_size < 1:
        raise DrawParameterError(_msg(lang, "--team-size 至少为 1", "--team-size must be at least 1"))
    if params.joint and params.team_size < 2:
        raise DrawParameterError(
            _msg(lang, "--joint 联合检查要求每组至少 2 人", "--joint needs a team size of at least 2")
        )
    if params.min_years_uninspected is not None and params.min_years_uninspected < 1:
        raise DrawParameterError(
            _msg(lang, "--min-years-uninspected 至少为 1", "--min-years-uninspected must be at least 1")
        )
    if params.as_of is not None:
        try:
            date.fromisoformat(params.as_of)
        except ValueError:
            raise DrawParameterError(
                _msg(
                    lang,
                    f"--as-of 日期格式应为 2024-12-31：{params.as_of}",
                    f"--as-of must be a date like 2024-12-31: {params.as_of}",
                )
            )
    if params.min_years_uninspected is not None and params.as_of is None:
        raise DrawParameterError(
            _msg(
                lang,
                "--min-years-uninspected 需要基准日期 --as-of（如 2024-12-31）",
                "--min-years-uninspected needs --as-of (e.g. 2024-12-31)",
            )
        )
    if tables["institutions"].height == 0:
        raise InputError(_msg(lang, "机构名录为空，无法抽取", "the institutions register is empty"))


def to_json(record: dict) -> str:
    """Byte-stable JSON: sorted keys, UTF-8, two-space indent, trailing newline."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


# ---------------------------------------------------------------- verify -----


@dataclass
class Verification:
    matches: bool
    differences: list[str]


def compare_records(recorded: dict, recomputed: dict, lang: str = "zh") -> Verification:
    """What differs between a recorded draw and a fresh one: register hashes, picks, teams."""
    diffs: list[str] = []
    if recorded.get("algorithm") != recomputed["algorithm"]:
        diffs.append(
            _msg(
                lang,
                f"算法版本不同：记录 {recorded.get('algorithm')}，本工具 {recomputed['algorithm']}",
                f"algorithm differs: recorded {recorded.get('algorithm')}, this tool {recomputed['algorithm']}",
            )
        )
    for key, value in recomputed["register"].items():
        if recorded.get("register", {}).get(key) != value:
            diffs.append(
                _msg(
                    lang,
                    f"名录哈希不同（{key}）：记录 {recorded.get('register', {}).get(key)}，现为 {value}",
                    f"register hash differs ({key}): recorded {recorded.get('register', {}).get(key)}, now {value}",
                )
            )
    old = {p["institution_id"]: p for p in recorded.get("picks", [])}
    new = {p["institution_id"]: p for p in recomputed["picks"]}
    for i in sorted(old.keys() - new.keys()):
        diffs.append(_msg(lang, f"记录中抽中的 {i} 重新抽取时未被抽中", f"pick {i} in the record is not drawn again"))
    for i in sorted(new.keys() - old.keys()):
        diffs.append(_msg(lang, f"重新抽取抽中了 {i}，记录中没有", f"re-run draws {i}, absent from the record"))
    for i in sorted(old.keys() & new.keys()):
        a, b = old[i], new[i]
        if (a.get("stratum"), a.get("pick"), a.get("rank_hash")) != (b["stratum"], b["pick"], b["rank_hash"]):
            diffs.append(_msg(lang, f"{i} 的分层或抽取方式不同", f"{i}: stratum or pick kind differs"))
        if [m.get("inspector_id") for m in a.get("team", [])] != [m["inspector_id"] for m in b["team"]] or a.get(
            "team_status"
        ) != b["team_status"]:
            diffs.append(_msg(lang, f"{i} 的检查组不同", f"{i}: team differs"))
    # the tool version and the ceremony (time, witnesses: stated by people) are not recomputed
    same = {"tool_version": None, "ceremony": None}
    if not diffs and to_json({**recorded, **same}) != to_json({**recomputed, **same}):
        diffs.append(
            _msg(
                lang,
                "记录的其他内容（参数、分层计数）与重新抽取不一致",
                "other recorded content (parameters, stratum counts) differs",
            )
        )
    return Verification(matches=not diffs, differences=diffs)


def normalise_ratios(ratios, lang: str = "zh") -> dict[str, str]:
    """0.05 / "5%" / ["high=0.3", …] / {"high": 0.3} → {stratum or "*": ratio text}."""
    if isinstance(ratios, dict):
        out = {str(k): str(v) for k, v in ratios.items()}
        for v in out.values():
            parse_ratio(v, lang)
        return out
    if isinstance(ratios, (list, tuple)):
        return parse_ratio_options(ratios, lang)
    return parse_ratio_options([str(ratios)], lang)
