"""Inspection documents: the draw record files, pre-filled checklists, and the public
results list (一公开).

Every writer fills a temporary folder beside the target and renames it into place
only when all files are written: a command gives complete outputs or none."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from audit.errors import InputError
from audit.guards import load_json
from audit.i18n import t as _t
from audit.inspect.draw import (
    REGISTER_TABLES,
    DrawParameterError,
    DrawParams,
    Verification,
    _msg,
    canonical_sha256,
    compare_records,
    draw,
    normalise_ratios,
    params_from_record,
    to_json,
)
from audit.kinds.registry import KINDS
from audit.outputs import output_set
from audit.privacy import defuse_frame, mask_ids_in_text, safe_workbook

from audit.resources import TEMPLATES

LABELS = {
    "zh": {
        "stratum": {"high": "高风险", "medium": "中风险", "low": "低风险"},
        "pick": {"random": "随机抽取", "coverage": "多年未检查（必查）"},
        "status": {"ok": "已组队", "no_valid_team": "无法组成合规检查组"},
        "result": {"pass": "合格", "rectify": "责令整改", "penalty": "行政处罚"},
        "care": {"full": "完全失能", "partial": "部分失能", "self_care": "自理"},
        "severity": {"error": "错误", "warning": "警示", "info": "提示"},
        "role": {
            "caregiver": "护理员",
            "social_worker": "社会工作者",
            "medical": "医护",
            "manager": "管理",
            "other": "其他",
        },
        "cert": {"none": "无", "junior": "初级", "intermediate": "中级", "senior": "高级"},
        "register": {
            "institutions_sha256": "机构名录哈希",
            "inspectors_sha256": "检查人员名录哈希",
            "conflicts_sha256": "回避关系表哈希",
            "inspections_sha256": "检查记录表哈希",
            "findings_sha256": "分层所用问题清单哈希",
        },
        "ceremony": {"drawn_at": "抽取时间", "witnesses": "监督见证", "seed_source": "种子来源"},
        "not_recorded": "未记录",
        "param": {
            "seed": "随机种子",
            "ratios": "抽查比例",
            "strata": "分层依据",
            "default_stratum": "未定级机构归入",
            "min_years_uninspected": "多年未检查必查（年）",
            "as_of": "基准日期",
            "team_size": "每组人数",
            "joint": "联合检查",
            "avoid_same_county": "回避本区县",
            "algorithm": "算法",
        },
        "method": {
            "sha256-rank/1": "各层内按 SHA-256(种子|机构编号) 的十六进制值升序排列，取前 k 家"
            "（k = ⌈比例 × 该层机构数⌉）"
        },
    },
    "en": {
        "stratum": {"high": "high risk", "medium": "medium risk", "low": "low risk"},
        "pick": {"random": "random", "coverage": "uninspected for years (always)"},
        "status": {"ok": "team formed", "no_valid_team": "no valid team"},
        "result": {"pass": "pass", "rectify": "rectification ordered", "penalty": "administrative penalty"},
        "care": {"full": "full disability", "partial": "partial disability", "self_care": "self-care"},
        "severity": {"error": "error", "warning": "warning", "info": "info"},
        "role": {
            "caregiver": "caregiver",
            "social_worker": "social worker",
            "medical": "medical",
            "manager": "manager",
            "other": "other",
        },
        "cert": {"none": "none", "junior": "junior", "intermediate": "intermediate", "senior": "senior"},
        "register": {
            "institutions_sha256": "Institutions register hash",
            "inspectors_sha256": "Inspectors register hash",
            "conflicts_sha256": "Conflicts table hash",
            "inspections_sha256": "Inspections table hash",
            "findings_sha256": "Hash of the findings used for strata",
        },
        "ceremony": {"drawn_at": "Drawn at", "witnesses": "Witnessed by", "seed_source": "Seed source"},
        "not_recorded": "not recorded",
        "param": {},
        "method": {
            "sha256-rank/1": "within each stratum, institutions ordered by SHA-256(seed|institution_id) "
            "(hex, ascending); the first k are drawn (k = ceil(ratio × stratum size))"
        },
    },
}


def ceremony_rows(record: dict, lang: str = "zh") -> list[tuple[str, str]]:
    """(label, value) for when the draw was made, before whom, and where the seed came
    from, as stated in the record ('未记录' when not stated): issue 13's public list
    names them, and so does every copy of the record."""
    L = LABELS[lang]
    stated = record.get("ceremony") or {}
    values = {
        "drawn_at": stated.get("drawn_at") or "",
        "witnesses": _t(lang, "、", ", ").join(stated.get("witnesses") or []),
        "seed_source": stated.get("seed_source") or "",
    }
    return [(L["ceremony"][k], v or L["not_recorded"]) for k, v in values.items()]


# ---------------------------------------------------------------- plumbing ---


def render(template: str, **context) -> str:
    """Render one of our templates with HTML escaping on."""
    import jinja2

    from audit.report.render import cap_text

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        finalize=cap_text,
        autoescape=jinja2.select_autoescape(["html"]),
        keep_trailing_newline=True,
    )
    env.filters["decimal"] = fraction_as_decimal
    return env.get_template(template).render(**context)


def fraction_as_decimal(text) -> str:
    """ "6/5" (an exact ratio × size in draw.json) as a reader writes it, 1.2, when it
    has a short exact decimal; otherwise the fraction as it is."""
    from decimal import Decimal
    from fractions import Fraction

    try:
        f = Fraction(str(text))
    except (ValueError, ZeroDivisionError):
        return str(text)
    if (f * 10**6).denominator != 1:
        return str(text)
    return f"{(Decimal(f.numerator) / f.denominator).normalize():f}"


def write_html_pdf(html: str, stem: Path) -> None:
    import weasyprint

    stem.with_suffix(".html").write_text(html, encoding="utf-8")
    weasyprint.HTML(string=html, base_url=str(TEMPLATES)).write_pdf(stem.with_suffix(".pdf"))


def write_xlsx(path: Path, sheets: dict[str, pl.DataFrame]) -> None:
    """Several defused sheets in one workbook, with widths that fit Chinese text."""
    with safe_workbook(path) as wb:
        for name, df in sheets.items():
            df = defuse_frame(df)
            widths = {
                c: min(60, max(8, 2 * max([len(c)] + [len(str(v)) for v in df[c].head(200).to_list()])))
                for c in df.columns
            }
            df.write_excel(workbook=wb, worksheet=name, column_widths=widths, autofit=False)


# ---------------------------------------------------------------- draw -------

PICK_COLUMNS = [
    ("institution_id", "机构编号"),
    ("name", "机构名称"),
    ("county", "所属区县"),
    ("stratum", "分层"),
    ("pick", "抽取方式"),
    ("rank", "层内序号"),
    ("rank_hash", "排序哈希"),
    ("team", "检查组"),
    ("team_status", "组队情况"),
    ("reason", "原因"),
]
TEAM_COLUMNS = [
    ("institution_id", "机构编号"),
    ("position", "序号"),
    ("inspector_id", "检查人员编号"),
    ("name", "姓名"),
    ("department", "所属部门"),
    ("county", "所属区县"),
    ("order_hash", "排序哈希"),
]


def _sheet(rows: list[dict], columns: list[tuple[str, str]], lang: str) -> pl.DataFrame:
    """Rows → a frame with every column present (headers even when empty), as text."""
    df = pl.DataFrame(
        {k: [None if r.get(k) is None else str(r[k]) for r in rows] for k, _ in columns},
        schema={k: pl.String for k, _ in columns},
    )
    return df.rename({k: _t(lang, zh, k) for k, zh in columns})


def draw_tables(record: dict, lang: str = "zh") -> dict[str, pl.DataFrame]:
    """The draw record as sheets: picks, teams, strata, parameters."""
    L = LABELS[lang]
    picks = [
        {
            **p,
            "stratum": L["stratum"].get(p["stratum"], p["stratum"]),
            "pick": L["pick"][p["pick"]],
            "team": "、".join(f"{m['name']}（{m['department']}）" for m in p["team"]),
            "team_status": L["status"][p["team_status"]],
            "reason": team_reason(p, lang),
        }
        for p in record["picks"]
    ]
    members = [{**m, "institution_id": p["institution_id"]} for p in record["picks"] for m in p["team"]]
    strata = [
        {
            **x,
            "stratum": L["stratum"].get(x["stratum"], x["stratum"]),
            "ratio_times_size": fraction_as_decimal(x["ratio_times_size"]),
        }
        for x in record["strata"]
    ]
    strata_cols = [
        ("stratum", "分层"),
        ("size", "机构数"),
        ("ratio", "比例"),
        ("ratio_times_size", "比例×机构数"),
        ("random_target", "随机抽取数（向上取整）"),
        ("random", "实际随机抽取"),
        ("coverage", "必查"),
    ]
    params = (
        [
            {"key": L["param"].get(k, k), "value": json.dumps(v, ensure_ascii=False, sort_keys=True)}
            for k, v in record["parameters"].items()
        ]
        + [{"key": label, "value": v} for label, v in ceremony_rows(record, lang)]
        + [{"key": L["register"].get(k, k), "value": v} for k, v in record["register"].items()]
        + [{"key": L["param"].get("algorithm", "algorithm"), "value": record["algorithm"]}]
        + [{"key": f"rule.{k}", "value": v} for k, v in record["rules"].items()]
    )
    return {
        _t(lang, "抽取结果", "picks"): _sheet(picks, PICK_COLUMNS, lang),
        _t(lang, "检查组", "teams"): _sheet(members, TEAM_COLUMNS, lang),
        _t(lang, "分层", "strata"): _sheet(strata, strata_cols, lang),
        _t(lang, "参数与哈希", "parameters"): _sheet(params, [("key", "项目"), ("value", "值")], lang),
    }


def team_reason(pick: dict, lang: str = "zh") -> str:
    """Why a pick has no valid team, from the counts in the record."""
    if pick["team_status"] == "ok":
        return ""
    c = pick["team_check"]
    detail = _t(
        lang,
        f"在岗检查人员 {c['pool']} 人，其中回避 {c['excluded_conflict']} 人、上次检查本机构 {c['excluded_last_inspector']} 人、"
        f"同区县 {c['excluded_same_county']} 人、未填部门 {c['excluded_no_department']} 人；可选 {c['eligible']} 人，"
        f"来自 {c['eligible_departments']} 个部门",
        f"{c['pool']} active inspectors: {c['excluded_conflict']} conflicted, {c['excluded_last_inspector']} inspected it last time, "
        f"{c['excluded_same_county']} same county, {c['excluded_no_department']} without department; "
        f"{c['eligible']} eligible from {c['eligible_departments']} departments",
    )
    if pick["reason"] == "too_few_eligible":
        return _t(lang, f"可选检查人员不足一组：{detail}", f"too few eligible inspectors for a team: {detail}")
    return _t(
        lang,
        f"可选检查人员只来自一个部门，无法联合检查：{detail}",
        f"eligible inspectors come from one department, no joint team: {detail}",
    )


def write_draw_outputs(record: dict, out_dir, lang: str = "zh", public: dict | None = None) -> list[Path]:
    """draw.json (byte-stable), draw.xlsx, draw.html and draw.pdf, atomically; with
    `public`, also draw_public.json (re-runs the institution draw from public data)."""
    html = render(
        "draw.html", r=record, L=LABELS[lang], lang=lang, reason=team_reason, ceremony=ceremony_rows(record, lang)
    )
    with output_set(out_dir, {"draw.json", "draw.xlsx", "draw.html", "draw.pdf"}, lang) as tmp:
        (tmp / "draw.json").write_text(to_json(record), encoding="utf-8")
        if public is not None:
            (tmp / "draw_public.json").write_text(to_json(public), encoding="utf-8")
        write_xlsx(tmp / "draw.xlsx", draw_tables(record, lang))
        write_html_pdf(html, tmp / "draw")
    return [Path(out_dir) / f for f in ("draw.json", "draw.xlsx", "draw.html", "draw.pdf")]


# ---------------------------------------------------------------- checklist --

GENERIC_ITEMS = {
    "zh": [
        "消防安全：消防设施器材完好有效，疏散通道、安全出口畅通，定期开展消防演练并有记录",
        "食品安全：食品经营许可或备案有效，食材进货查验与留样记录完整，从业人员健康证明在有效期内",
        "建筑与设施安全：房屋无安全隐患，无障碍设施、呼叫装置可用",
        "特种设备安全：电梯等特种设备定期检验合格",
        "服务管理：入住合同、老人健康档案、服务记录完整；无欺老虐老行为；收费公示",
    ],
    "en": [
        "Fire safety: equipment in working order, escape routes and exits clear, drills held and recorded",
        "Food safety: food licence or filing valid, purchase checks and sample retention recorded, staff health certificates valid",
        "Buildings and facilities: no structural hazards, accessibility features and call devices working",
        "Special equipment: lifts and other special equipment inspected on schedule",
        "Service management: residence contracts, health records and service logs complete; no abuse; fees posted",
    ],
}


def applies(item: dict, facts: dict) -> bool:
    """An item applies unless the institution's known facts rule it out (unknown → shown)."""
    return all(facts.get(k) is None or facts.get(k) in allowed for k, allowed in item.get("when", {}).items())


def checklist_items(pack, year: int, lang: str = "zh") -> list[dict]:
    """Inspection items from the pack's rules (with their clause) plus generic safety items."""
    on = date(year, 12, 31)
    items: list[dict] = []

    def add(text: str, citation: str = "", **when):
        """`when`: facts the institution must have for the item to apply (kind, premises)."""
        if all(i["text"] != text for i in items):
            items.append({"text": text, "citation": citation, "when": when})

    for rule in pack.rules.values():  # each kind says what an inspector checks for it
        kind = KINDS.get(rule.kind)
        for text, when in kind.checklist(rule, on, lang) if kind and kind.checklist else ():
            add(text, rule.citation, **when)
    for text in GENERIC_ITEMS[lang]:
        add(text)
    return items


def institution_facts(tables: dict[str, pl.DataFrame], ids: list[str], year: int) -> pl.DataFrame:
    """Per drawn institution: register data, residents in residence on 31 December by care
    level, and caregiver FTE employed that day (counts only: no resident appears)."""
    ref = date(year, 12, 31)
    inst = tables["institutions"].filter(pl.col("institution_id").is_in(ids))
    res = (
        tables["residents"]
        .filter((pl.col("admitted_on") <= ref) & (pl.col("discharged_on").is_null() | (pl.col("discharged_on") > ref)))
        .group_by("institution_id")
        .agg(
            residents=pl.len().cast(pl.Int64),
            **{
                f"residents_{c}": (pl.col("care_level") == c).sum().cast(pl.Int64)
                for c in ("full", "partial", "self_care")
            },
        )
    )
    staff = (
        tables["staff"]
        .filter(
            (pl.col("role") == "caregiver")
            & (pl.col("hired_on").is_null() | (pl.col("hired_on") <= ref))
            & (pl.col("left_on").is_null() | (pl.col("left_on") > ref))
        )
        .group_by("institution_id")
        .agg(caregivers_fte=pl.col("fte").fill_null(1.0).sum().round(2))
    )
    counts = ["residents", "residents_full", "residents_partial", "residents_self_care"]
    return (
        inst.join(res, on="institution_id", how="left")
        .join(staff, on="institution_id", how="left")
        .with_columns(pl.col(counts).fill_null(0), pl.col("caregivers_fte").fill_null(0.0))
        .sort("institution_id")
    )


SITE_RESIDENTS, SITE_STAFF = 5, 3  # people per drawn institution to find on site


def site_sample(
    tables: dict[str, pl.DataFrame],
    ids: list[str],
    seed: str,
    year: int,
    n_residents: int = SITE_RESIDENTS,
    n_staff: int = SITE_STAFF,
) -> dict[str, dict[str, list[dict]]]:
    """Residents and staff claimed for `year` to verify on site, per institution: the first
    n by SHA-256(seed|institution_id|person id) — the draw's seed, so anyone holding the
    register re-draws the same people. Names and ids masked (张*, 3306**********1234)."""
    from audit.inspect.draw import _hash_expr
    from audit.privacy import mask_name, mask_person_id

    start, end = date(year, 1, 1), date(year, 12, 31)

    def pick(df: pl.DataFrame, key: str, n: int) -> pl.DataFrame:
        return (
            df.filter(pl.col("institution_id").is_in(ids) & pl.col(key).is_not_null())
            .with_columns(_hash_expr(seed, pl.col("institution_id"), pl.col(key).cast(pl.String)).alias("_h"))
            .sort("institution_id", "_h")
            .group_by("institution_id", maintain_order=True)
            .head(n)
        )

    out: dict[str, dict[str, list[dict]]] = {i: {"residents": [], "staff": []} for i in ids}
    res = tables.get("residents")
    if res is not None and res.height and {"person_id", "name"} <= set(res.columns):
        stays = res.filter(
            (pl.col("admitted_on") <= end) & (pl.col("discharged_on").is_null() | (pl.col("discharged_on") >= start))
        )
        for r in (
            pick(stays, "person_id", n_residents)
            .select(
                "institution_id",
                mask_name(pl.col("name")).alias("name"),
                mask_person_id(pl.col("person_id")).alias("id"),
                "care_level",
                pl.col("admitted_on").cast(pl.String),
                pl.col("discharged_on").cast(pl.String),
            )
            .to_dicts()
        ):
            out[r["institution_id"]]["residents"].append(r)
    staff = tables.get("staff")
    if staff is not None and staff.height and {"staff_id", "name"} <= set(staff.columns):
        working = staff.filter(
            (pl.col("hired_on").is_null() | (pl.col("hired_on") <= end))
            & (pl.col("left_on").is_null() | (pl.col("left_on") >= start))
        )
        cert = [c for c in ("care_certificate",) if c in staff.columns]
        for r in (
            pick(working, "staff_id", n_staff)
            .select(
                "institution_id",
                mask_name(pl.col("name")).alias("name"),
                "role",
                "fte",
                *cert,
                pl.col("hired_on").cast(pl.String),
                pl.col("left_on").cast(pl.String),
            )
            .to_dicts()
        ):
            out[r["institution_id"]]["staff"].append(r)
    return out


def _safe_name(institution_id: str) -> str:
    name = re.sub(r"[^0-9A-Za-z_\-\u4e00-\u9fff]", "_", institution_id)
    return name if len(name) <= 80 else f"{name[:64]}_{hashlib.sha256(name.encode()).hexdigest()[:12]}"


def checklists(
    draw_path,
    data_path,
    policy,
    year: int,
    out_dir,
    *,
    sets=(),
    override_file=None,
    lang: str = "zh",
    problems: list | None = None,
    missing: list | None = None,
) -> list[Path]:
    """checklist_<id>.html / .pdf per drawn institution, pre-filled from the run. Why the
    draw does not verify against the data (if so) is said on every checklist and added
    to `problems` when a list is given. A drawn institution absent from the data gets no
    checklist and a line in `missing` (the others are still written); none present is
    an InputError."""
    from audit.pipeline import run

    try:
        record = load_json(Path(draw_path).read_text(encoding="utf-8"))
        picks = record["picks"]
        if not isinstance(picks, list) or not all(
            isinstance(p, dict) and isinstance(p.get("institution_id"), str) for p in picks
        ):
            raise ValueError("picks must be a list of {institution_id: …}")
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise InputError(_t(lang, f"无法读取抽取记录 {draw_path}: {e}", f"cannot read draw record {draw_path}: {e}"))
    result = run(data_path, policy, year, sets=tuple(sets), override_file=override_file, lang=lang)
    tables = result.dataset.tables
    absent = absent_picks(picks, tables["institutions"], lang)
    if len(absent) == len(picks) and picks:
        raise InputError(
            _t(lang, "抽中的机构都不在数据中，未生成检查表：\n", "no drawn institution is in the data; no checklist:\n")
            + "\n".join(f"  - {m}" for m in absent.values())
        )
    if missing is not None:
        missing.extend(absent.values())
    picks = [p for p in picks if p["institution_id"] not in absent]
    ids = [p["institution_id"] for p in picks]
    draw_problems = draw_differences(record, tables, lang)
    if problems is not None:
        problems.extend(draw_problems)
    facts = {r["institution_id"]: r for r in institution_facts(tables, ids, year).to_dicts()}
    flags = (
        result.findings.filter(pl.col("institution_id").is_in(ids) & pl.col("severity").is_in(["error", "warning"]))
        .sort("institution_id", pl.col("severity") != "error", "rule")
        .with_columns(mask_free_text(pl.col(c).cast(pl.String)) for c in ("message", "evidence"))
    )  # belt and braces
    flags_by = {i: g.to_dicts() for (i,), g in flags.group_by("institution_id")}
    short = _shortfall_months(result.staffing, ids)
    items = checklist_items(result.pack, year, lang)
    people = site_sample(tables, ids, record["parameters"]["seed"], year)
    paths = []
    with output_set(out_dir, {"checklist_*.html", "checklist_*.pdf"}, lang) as tmp:
        for p in picks:  # one document per drawn institution
            i = p["institution_id"]
            html = render(
                "checklist.html",
                lang=lang,
                L=LABELS[lang],
                pick=p,
                f=facts[i],
                flags=flags_by.get(i, []),
                shortfall=short.get(i, []),
                items=[x for x in items if applies(x, facts[i])],
                pack=result.pack,
                year=year,
                seed=record["parameters"]["seed"],
                draw_problems=draw_problems,
                reason=team_reason,
                people=people[i],
            )
            write_html_pdf(html, tmp / f"checklist_{_safe_name(i)}")
            paths += [Path(out_dir) / f"checklist_{_safe_name(i)}.{x}" for x in ("html", "pdf")]
    return paths


def absent_picks(picks: list[dict], institutions: pl.DataFrame, lang: str = "zh") -> dict[str, str]:
    """Drawn institutions the data does not hold, each named as the draw recorded it,
    with any institution of the same name under another code: {institution_id: message}."""
    present = institutions.select("institution_id", "name").drop_nulls("institution_id")
    known = set(present["institution_id"].to_list())
    by_name = (
        present.drop_nulls("name")
        .group_by(pl.col("name").cast(pl.String).str.strip_chars())
        .agg(pl.col("institution_id").sort())
    )
    codes_by_name = dict(by_name.iter_rows())
    out = {}
    for p in picks:
        i, name = p["institution_id"], (p.get("name") or "").strip()
        if i in known:
            continue
        others = codes_by_name.get(name, []) if name else []
        shown = _t(lang, f"{name}（{i}）", f"{name} ({i})") if name else i
        out[i] = (
            _t(
                lang,
                f"{shown}不在数据中；数据中有同名机构，编号为 {'、'.join(others)}——请核对编号是否改过",
                f"{shown} is not in the data; the data has an institution of that name under {', '.join(others)}"
                " — check whether its code changed",
            )
            if others
            else _t(lang, f"{shown}不在数据中", f"{shown} is not in the data")
        )
    return out


def draw_differences(record: dict, tables: dict, lang: str = "zh") -> list[str]:
    """Why the draw record does not verify against the data the checklists are made from
    (empty: it does) — a tampered or outdated draw.json is said on every checklist. A draw
    stratified by findings is checked on its institutions register hash only (its
    findings file is not at hand here)."""
    from audit.errors import AuditError

    try:
        params = params_from_record(record, lang)
        if params.strata == "findings":
            recorded = record.get("register", {}).get("institutions_sha256")
            return (
                []
                if canonical_sha256(tables["institutions"]) == recorded
                else [
                    _t(
                        lang,
                        "机构名录与抽取时不一致",
                        "the institutions register differs from the one the draw was made from",
                    )
                ]
            )
        fresh = draw(tables, params)
    except (KeyError, TypeError, AuditError) as e:
        return [_t(lang, f"抽取记录无法复核：{e}", f"the draw record cannot be re-run: {e}")]
    return compare_records(record, {**fresh, "tool_version": record.get("tool_version")}, lang).differences


def _shortfall_months(staffing: pl.DataFrame | None, ids: list[str]) -> dict[str, list[dict]]:
    if staffing is None or staffing.height == 0 or "shortfall" not in staffing.columns:
        return {}
    s = (
        staffing.filter(pl.col("institution_id").is_in(ids) & (pl.col("shortfall") > 0))
        .with_columns(pl.col("month_end").cast(pl.String))
        .sort("institution_id", "month_end")
    )
    return {i: g.to_dicts() for (i,), g in s.group_by("institution_id")}


# ---------------------------------------------------------------- publish ----

RESULT_COLUMNS = {  # English name → accepted headers (lower-cased, spaces removed)
    "institution_id": ("机构编号", "institution_id", "institutionid", "id"),
    "institution_name": ("机构名称", "institution_name", "institutionname", "name", "institution"),
    "inspected_on": ("检查日期", "inspected_on", "inspection_date", "date"),
    "result": ("检查结果", "result", "outcome"),
    "rectification": ("整改要求", "rectification", "required_rectification", "requirement"),
    "deadline": ("整改期限", "deadline", "rectification_deadline"),
}
REQUIRED_RESULT_COLUMNS = ("institution_id", "institution_name", "inspected_on", "result")
RESULT_VALUES = {
    "合格": "pass",
    "pass": "pass",
    "passed": "pass",
    "责令整改": "rectify",
    "整改": "rectify",
    "rectify": "rectify",
    "rectification": "rectify",
    "行政处罚": "penalty",
    "处罚": "penalty",
    "penalty": "penalty",
}
PERSONAL_HEADER = re.compile(
    r"身份证|证件|姓名|名字|联系人|电话|手机|住址|地址|person|phone|mobile|contact|address|id_?card|passport",
    re.IGNORECASE,
)
# each pattern stands alone, never inside a longer run of digits (an all-digit credit code
# 123306244701234563 holds runs shaped like all three, and is public)
OLD_ID_NUMBER = (r"(^|\D)(\d{4})\d{7}(\d{4})($|\D)", "${1}${2}*******${3}${4}")  # 15-digit (pre-1999) id
MOBILE = (r"(^|\D)(1[3-9]\d)\d{4}(\d{4})($|\D)", "${1}${2}****${3}${4}")  # mainland mobile number
LANDLINE = (r"(^|\D)(0\d{2,3}-?)\d{3,4}(\d{4})($|\D)", "${1}${2}****${3}${4}")  # 0575-88123456


def mask_free_text(expr: pl.Expr) -> pl.Expr:
    """Mask 身份证号, old 15-digit ids, mobile and landline numbers inside free text.
    Twice over: two numbers may share the separator between them."""
    expr = mask_ids_in_text(expr)  # 18-digit 身份证号 → first 4 and last 4 kept
    for pattern, masked in (OLD_ID_NUMBER, MOBILE, LANDLINE) * 2:
        expr = expr.str.replace_all(pattern, masked)
    return expr


@dataclass
class ResultsSheet:
    """The results sheet as read: contract-named text columns plus `_row` (the Excel row),
    and what the reading did, for messages in the user's terms."""

    frame: pl.DataFrame
    sheet: str
    header_row: int
    letters: dict[str, str]  # column → Excel column letter
    headers: dict[str, str]  # column → the user's own header
    dropped: list[str]  # headers left out of the public list
    skipped: list[dict]  # {"row", "kind": total|footer, "text"}: 合计 rows and signature footers


def read_results(path, lang: str = "zh") -> ResultsSheet:
    """The results sheet through the reader `--data` uses (audit.data.readers and
    audit.data.layout): every cell as text, a title row above the header and a merged
    two-level header found, 合计/小计 rows and signature footers skipped, rows numbered as
    Excel shows them. Of a workbook, the visible sheet whose header names most result
    columns is read."""
    from audit.data import layout
    from audit.data.contract import norm_key
    from audit.data.io import _read_grid
    from audit.data.readers import RaggedRow, excel_sheet_names, hidden_sheets

    p = Path(path)
    hmap = {norm_key(a): k for k, alts in RESULT_COLUMNS.items() for a in alts}
    if p.suffix.lower() not in (".csv", ".xlsx", ".xlsm", ".xls"):
        raise InputError(_t(lang, f"检查结果表应为 xlsx 或 csv：{p.name}", f"results must be xlsx or csv: {p.name}"))
    try:
        if p.suffix.lower() == ".csv":
            sheet, (grid, first_row, first_col, _) = p.name, _read_grid(p, None)
        else:
            hidden = hidden_sheets(p)
            grids = {n: _read_grid(p, n) for n in excel_sheet_names(p) if n not in hidden}
            if not grids:
                raise InputError(_t(lang, f"{p.name} 中没有可读的工作表", f"{p.name} has no visible sheet"))
            sheet = max(grids, key=lambda n: layout.header_score(grids[n][0], hmap)[0])  # first of the best
            grid, first_row, first_col, _ = grids[sheet]
    except (OSError, UnicodeDecodeError, ValueError, RaggedRow, pl.exceptions.PolarsError) as e:
        raise InputError(_t(lang, f"无法读取检查结果表 {p.name}: {e}", f"cannot read results {p.name}: {e}"))
    found = layout.find_layout(grid, hmap, first_row)
    names, letters, headers, dropped = [], {}, {}, []
    for j, head in enumerate(found.headers):
        text = "" if head is None else str(head).strip()
        key = layout.english(head, hmap)
        if key and key not in letters and not PERSONAL_HEADER.search(text):
            names.append(key)
            letters[key], headers[key] = layout.column_letter(first_col + j), text
        else:  # only the known columns are published; anything else (a 序号 aside) is said to be left out
            names.append(f"__col_{j}")
            if text and not layout.is_serial(text):
                dropped.append(text)
    h = found.header_rows[0] - first_row + len(found.header_rows)
    ids = [n for n in names if n == "institution_id"]  # a row naming a home is data
    homes = [n for n in names if n == "institution_name"]
    df, skipped, _ = layout.body_frame(grid.slice(h), names, first_row + h, ids, homes=homes)
    df = df.drop([c for c in df.columns if c.startswith("__")])
    return ResultsSheet(df, sheet, found.header_rows[0], letters, headers, dropped, skipped)


def _plain(e: pl.Expr) -> pl.Expr:
    """Free text trimmed, '' → null; its Chinese punctuation kept (no NFKC)."""
    s = e.cast(pl.String).str.strip_chars()
    return pl.when(s == "").then(None).otherwise(s)


def validate_results(
    read: ResultsSheet, lang: str = "zh", register: pl.DataFrame | None = None
) -> tuple[pl.DataFrame, list[str]]:
    """Check every row of the results sheet; InputError listing every problem with sheet,
    row, column letter and the user's header. Without a 机构编号 column each row's
    institution is found by its 机构名称 in `register` (institution_id, name): a name the
    register lacks, or holds under two codes, is a problem of that row. Returns the clean
    frame and the headers left out (personal ones such as 身份证号, 姓名, phone numbers,
    and any unknown column)."""
    from audit.data.normalise import parse_date

    sheet, raw = read.sheet, read.frame
    by_name = "institution_id" not in raw.columns and register is not None
    needed = [c for c in REQUIRED_RESULT_COLUMNS if not (c == "institution_id" and by_name)]
    missing = [c for c in needed if c not in raw.columns]
    if missing:
        seen = "、".join(read.headers.values()) or _t(lang, "无", "none")
        raise InputError(
            _t(
                lang,
                f"{sheet}：缺少列{''.join(f'「{RESULT_COLUMNS[c][0]}」' for c in missing)}"
                f"（表头在第{read.header_row}行，识别出的列：{seen}）",
                f"{sheet}: missing column(s) {', '.join(missing)} (header in row {read.header_row}; columns read: {seen})",
            )
        )
    df = raw
    for k in ("institution_id", "rectification", "deadline"):
        if k not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=pl.String).alias(k))
    df = df.with_columns(institution_id=_plain(pl.col("institution_id")).str.normalize("NFKC"))
    if by_name:
        assert register is not None
        codes = (
            register.select(pl.col("institution_id").cast(pl.String), name=_plain(pl.col("name")))
            .drop_nulls()
            .unique()
            .group_by("name")
            .agg(pl.col("institution_id").sort().alias("_codes"))
        )
        df = df.with_columns(_name_key=_plain(pl.col("institution_name"))).join(
            codes, left_on="_name_key", right_on="name", how="left"
        )
        df = df.with_columns(
            institution_id=pl.when(pl.col("_codes").list.len() == 1).then(pl.col("_codes").list.first())
        )
    else:
        df = df.with_columns(_codes=pl.lit(None, dtype=pl.List(pl.String)))
    date_v, date_bad = parse_date(pl.col("inspected_on"))
    dl_v, dl_bad = parse_date(pl.col("deadline"))
    res_key = _plain(pl.col("result")).str.normalize("NFKC").str.replace_all(r"\s", "").str.to_lowercase()
    df = df.with_columns(
        institution_name=_plain(pl.col("institution_name")),
        rectification=_plain(pl.col("rectification")),
        inspected_on_d=date_v,
        date_bad=date_bad,
        deadline_d=dl_v,
        deadline_bad=dl_bad,
        result_v=res_key.replace_strict(RESULT_VALUES, default=None, return_dtype=pl.String),
        result_raw=pl.col("result"),
    )
    codes_text = pl.col("_codes").list.join("、")
    checks = [  # (condition for a bad row, column, value shown, zh message, en message)
        (pl.lit(not by_name) & pl.col("institution_id").is_null(), "institution_id", None, "不能为空", "required"),
        (pl.col("institution_name").is_null(), "institution_name", None, "不能为空", "required"),
        (
            pl.lit(by_name) & pl.col("institution_name").is_not_null() & pl.col("_codes").is_null(),
            "institution_name",
            None,
            "机构名录中没有这个机构名称（请核对名称，或加「机构编号」列）",
            "no institution of this name in the register (check the name, or add an institution_id column)",
        ),
        (
            pl.lit(by_name) & (pl.col("_codes").list.len() > 1).fill_null(False),
            "institution_name",
            pl.col("institution_name") + pl.lit(_t(lang, "；编号 ", "; codes ")) + codes_text,
            "机构名录中有多家机构同名，无法确定是哪一家（请加「机构编号」列）",
            "several institutions in the register bear this name (add an institution_id column)",
        ),
        (
            pl.col("inspected_on").is_null() | pl.col("date_bad"),
            "inspected_on",
            None,
            "应为日期，如 2024-03-01",
            "must be a date like 2024-03-01",
        ),
        (
            pl.col("result_v").is_null(),
            "result",
            None,
            "应为 合格 / 责令整改 / 行政处罚",
            "must be pass / rectify / penalty (合格/责令整改/行政处罚)",
        ),
        (pl.col("deadline_bad"), "deadline", None, "应为日期，如 2024-06-30", "must be a date like 2024-06-30"),
        (
            (pl.col("result_v") == "rectify") & (pl.col("rectification").is_null() | pl.col("deadline").is_null()),
            "deadline",
            None,
            "责令整改须填写整改要求和整改期限",
            "rectification ordered: requirement and deadline are required",
        ),
        (
            (pl.col("deadline_d") < pl.col("inspected_on_d")).fill_null(False),
            "deadline",
            None,
            "整改期限早于检查日期",
            "deadline before the inspection date",
        ),
    ]
    bad = pl.concat(
        [
            df.filter(cond.fill_null(False)).select(
                "_row",
                column=pl.lit(col),
                value=(pl.col(col) if shown is None else shown).cast(pl.String),
                message=pl.lit(_t(lang, m_zh, m_en)),
            )
            for cond, col, shown, m_zh, m_en in checks
        ]
    )
    if bad.height:
        bad = bad.sort("_row", "column")

        def where(column: str) -> str:
            letter = read.letters.get(column, "")
            header = read.headers.get(column) or _t(lang, RESULT_COLUMNS[column][0], column)
            return _t(lang, f" {letter}列「{header}」", f" column {letter} '{header}'") if letter else f"「{header}」"

        lines = [
            _t(
                lang,
                f"{sheet} 第{r['_row']}行{where(r['column'])}：{r['message']}（值：{r['value'] or '空'}）",
                f"{sheet} row {r['_row']}{where(r['column'])}: {r['message']} (value: {r['value'] or 'empty'})",
            )
            for r in bad.head(50).to_dicts()
        ]
        head = _t(lang, f"检查结果表有 {bad.height} 处错误：", f"the results sheet has {bad.height} problem(s):")
        raise InputError(head + "\n" + "\n".join(lines), problems=bad)
    clean = df.select(
        "institution_id",
        "institution_name",
        inspected_on=pl.col("inspected_on_d"),
        result=pl.col("result_v"),
        rectification=mask_free_text(pl.col("rectification")),
        deadline=pl.col("deadline_d"),
    )
    clean = clean.with_columns(institution_name=mask_free_text(pl.col("institution_name")))
    return clean.sort("inspected_on", "institution_id"), read.dropped


def results_register(record: dict, public_file: Path, tables: dict | None) -> pl.DataFrame:
    """Institutions (institution_id, name) a results row without 机构编号 is matched to by
    name: the data's register when given, else the public register beside the draw
    (draw_public.json), else the draw's own picks."""
    if tables is not None:
        return tables["institutions"].select("institution_id", "name")
    rows = record.get("picks", [])
    if public_file.is_file():
        try:
            rows = json.loads(public_file.read_text(encoding="utf-8")).get("register", rows)
        except (OSError, ValueError, AttributeError):
            pass  # the picks still name every institution that can be published
    return pl.DataFrame(
        [{"institution_id": r.get("institution_id"), "name": r.get("name")} for r in rows if isinstance(r, dict)],
        schema={"institution_id": pl.String, "name": pl.String},
    )


def publish(results_path, out_dir, lang: str = "zh", *, draw_path, data_path=None) -> dict:
    """The public list (一公开): publish.html / .pdf / .xlsx with no personal data, for the
    institutions of one draw only, stating its seed, method, time, witnesses and hash,
    with draw_public.json beside it so anyone can re-run the draw. Results of institutions
    the draw did not pick are left out (and counted in the return value)."""
    from audit.inspect.public import draw_hash, mask_names, names_to_mask

    try:
        raw_draw = Path(draw_path).read_bytes()
        record = json.loads(raw_draw.decode("utf-8"))
        drawn = {p["institution_id"] for p in record["picks"]}
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise InputError(_t(lang, f"无法读取抽取记录 {draw_path}: {e}", f"cannot read draw record {draw_path}: {e}"))
    public_file = Path(draw_path).with_name("draw_public.json")
    read = read_results(results_path, lang)
    tables = None
    if data_path is not None:
        from audit.data.io import load_data

        tables = load_data(data_path, lang=lang).tables
    clean, dropped = validate_results(read, lang, results_register(record, public_file, tables))
    names = names_to_mask(record, tables)
    not_drawn = sorted(set(clean["institution_id"].to_list()) - drawn)
    clean = clean.filter(pl.col("institution_id").is_in(list(drawn))).with_columns(
        mask_names(pl.col("rectification"), names), mask_names(pl.col("institution_name"), names)
    )
    L = LABELS[lang]
    heads = {
        "institution_id": _t(lang, "机构编号", "Institution ID"),
        "institution_name": _t(lang, "机构名称", "Institution"),
        "inspected_on": _t(lang, "检查日期", "Inspection date"),
        "result": _t(lang, "检查结果", "Result"),
        "rectification": _t(lang, "整改要求", "Rectification required"),
        "deadline": _t(lang, "整改期限", "Deadline"),
    }
    shown = clean.with_columns(
        pl.col("inspected_on").dt.to_string("%Y-%m-%d"),
        pl.col("deadline").dt.to_string("%Y-%m-%d"),
        pl.col("result").replace_strict(L["result"], return_dtype=pl.String),
    )
    cer = record.get("ceremony") or {}
    about = {
        "seed": record.get("parameters", {}).get("seed", ""),
        "algorithm": record.get("algorithm", ""),
        # the method in the reader's words; the record's own rule text for an algorithm we do not know
        "order": L["method"].get(record.get("algorithm", ""), record.get("rules", {}).get("order", "")),
        "drawn_at": cer.get("drawn_at", ""),
        "witnesses": "、".join(cer.get("witnesses", [])),
        "seed_source": cer.get("seed_source", ""),
        "draw_hash": draw_hash(raw_draw),
        "register_hash": (record.get("register") or {}).get("institutions_sha256", ""),
        "drawn": len(drawn),
        "published": clean.height,
        "has_public_file": public_file.is_file(),
    }
    html = render(
        "publish.html",
        lang=lang,
        rows=shown.to_dicts(),
        heads=heads,
        about=about,
        counts={L["result"][k]: int((clean["result"] == k).sum()) for k in ("pass", "rectify", "penalty")},
    )
    with output_set(out_dir, {"publish.xlsx", "publish.html", "publish.pdf"}, lang) as tmp:
        write_xlsx(tmp / "publish.xlsx", {_t(lang, "检查结果公示", "results"): shown.rename(heads)})
        write_html_pdf(html, tmp / "publish")
        if public_file.is_file():
            (tmp / "draw_public.json").write_bytes(public_file.read_bytes())
    return {
        "rows": clean.height,
        "dropped_columns": dropped,
        "skipped_rows": read.skipped,
        "not_drawn": not_drawn,
        "draw_hash": about["draw_hash"],
        "files": [Path(out_dir) / f"publish.{x}" for x in ("html", "pdf", "xlsx")],
    }


# ------------------------------------------------- draw: load, draw, write, verify ------


def load_register(data_path, lang: str = "zh"):
    """Load the dataset; refuse it when the tables a draw reads have errors."""
    from audit.data.io import load_data
    from audit.data.validation import format_problem_lines

    ds = load_data(data_path, lang=lang)
    bad = ds.errors().filter(pl.col("table").is_in(list(REGISTER_TABLES)) | pl.col("table").is_null())
    if bad.height:  # errors in other tables (residents, staff …) do not block a draw
        lines = format_problem_lines(bad.head(20), lang)
        raise InputError(
            _msg(
                lang,
                f"名录数据有 {bad.height} 个错误，不能抽取：\n",
                f"the register has {bad.height} error(s); no draw:\n",
            )
            + "\n".join(lines),
            bad,
        )
    return ds


def read_findings(path) -> pl.DataFrame:
    try:
        return pl.read_csv(path, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as e:
        raise InputError(f"无法读取 findings 文件 {path}: {e}")


def sample(data_path, seed: str, out_dir, ratios, *, findings_path=None, **options) -> dict:
    """Draw from the register at data_path and write draw.json / .xlsx / .html / .pdf
    into out_dir atomically. Returns the record. `ratios`: 0.05, "5%", a dict
    {stratum: ratio} or CLI-style ["high=0.3", …]."""
    from audit import __version__
    from audit.inspect.public import ceremony, public_record, public_register

    stated = ceremony(
        options.pop("drawn_at", None), options.pop("witnesses", ()) or (), options.pop("seed_source", None)
    )
    params = DrawParams(seed=seed, ratios=normalise_ratios(ratios, options.get("lang", "zh")), **options)
    ds = load_register(data_path, params.lang)
    findings = read_findings(findings_path) if findings_path else None
    record = draw(ds.tables, params, findings)
    record["tool_version"] = __version__
    record["ceremony"] = stated
    public = public_record(record, public_register(ds.tables, params, findings))
    write_draw_outputs(record, out_dir, params.lang, public)
    return record


def verify_draw(draw_json, data_path, findings_path=None, lang: str = "zh") -> Verification:
    """Re-run the recorded draw on the register at data_path and compare."""
    try:
        recorded = load_json(Path(draw_json).read_text(encoding="utf-8"))
        params = params_from_record(recorded, lang)
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise InputError(_msg(lang, f"无法读取抽取记录 {draw_json}: {e}", f"cannot read draw record {draw_json}: {e}"))
    ds = load_register(data_path, lang)
    findings = read_findings(findings_path) if findings_path else None
    if params.strata == "findings" and findings is None:
        raise DrawParameterError(
            _msg(
                lang,
                "该抽取按 findings 分层，复核需要同一个 --findings 文件",
                "this draw was stratified by findings: pass the same --findings file",
            )
        )
    recomputed = draw(ds.tables, params, findings)
    recomputed["tool_version"] = recorded.get("tool_version")
    return compare_records(recorded, recomputed, lang)
