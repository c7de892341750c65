"""Inspection documents: the draw record files, pre-filled checklists, and the public
results list (一公开).

Every writer fills a temporary folder beside the target and renames it into place
only when all files are written: a command gives complete outputs or none."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import polars as pl

from audit.errors import InputError, OutputError
from audit.privacy import defuse_frame

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

LABELS = {
    "zh": {
        "stratum": {"high": "高风险", "medium": "中风险", "low": "低风险"},
        "pick": {"random": "随机抽取", "coverage": "多年未检查（必查）"},
        "status": {"ok": "已组队", "no_valid_team": "无法组成合规检查组"},
        "result": {"pass": "合格", "rectify": "责令整改", "penalty": "行政处罚"},
        "care": {"full": "完全失能", "partial": "部分失能", "self_care": "自理"},
        "severity": {"error": "错误", "warning": "警示", "info": "提示"},
    },
    "en": {
        "stratum": {"high": "high risk", "medium": "medium risk", "low": "low risk"},
        "pick": {"random": "random", "coverage": "uninspected for years (always)"},
        "status": {"ok": "team formed", "no_valid_team": "no valid team"},
        "result": {"pass": "pass", "rectify": "rectification ordered", "penalty": "administrative penalty"},
        "care": {"full": "full disability", "partial": "partial disability", "self_care": "self-care"},
        "severity": {"error": "error", "warning": "warning", "info": "info"},
    },
}


def _t(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


# ---------------------------------------------------------------- plumbing ---

@contextmanager
def atomic_dir(out_dir):
    """Yield a temporary folder beside out_dir; on success it replaces out_dir."""
    out = Path(out_dir)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
        tmp.chmod(0o755)
    except OSError as e:
        raise OutputError(f"无法创建输出文件夹 {out}: {e}")
    try:
        yield tmp
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(f"无法写入输出文件夹 {out}: {e}")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def render(template: str, **context) -> str:
    """Render one of our templates with HTML escaping on."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                             autoescape=jinja2.select_autoescape(["html"]), keep_trailing_newline=True)
    return env.get_template(template).render(**context)


def write_html_pdf(html: str, stem: Path) -> None:
    import weasyprint

    stem.with_suffix(".html").write_text(html, encoding="utf-8")
    weasyprint.HTML(string=html, base_url=str(TEMPLATES)).write_pdf(stem.with_suffix(".pdf"))


def write_xlsx(path: Path, sheets: dict[str, pl.DataFrame]) -> None:
    """Several defused sheets in one workbook, with widths that fit Chinese text."""
    import xlsxwriter

    with xlsxwriter.Workbook(path) as wb:
        for name, df in sheets.items():
            df = defuse_frame(df)
            widths = {c: min(60, max(8, 2 * max([len(c)] + [len(str(v)) for v in df[c].head(200).to_list()]))) for c in df.columns}
            df.write_excel(workbook=wb, worksheet=name, column_widths=widths, autofit=False)


# ---------------------------------------------------------------- draw -------

def draw_tables(record: dict, lang: str = "zh") -> dict[str, pl.DataFrame]:
    """The draw record as sheets: picks, teams, strata, parameters."""
    L = LABELS[lang]
    picks = pl.DataFrame([{
        _t(lang, "机构编号", "institution_id"): p["institution_id"],
        _t(lang, "机构名称", "name"): p["name"],
        _t(lang, "所属区县", "county"): p["county"],
        _t(lang, "分层", "stratum"): L["stratum"].get(p["stratum"], p["stratum"]),
        _t(lang, "抽取方式", "pick"): L["pick"][p["pick"]],
        _t(lang, "层内序号", "rank"): p["rank"],
        _t(lang, "排序哈希", "rank_hash"): p["rank_hash"],
        _t(lang, "检查组", "team"): "、".join(f"{m['name']}（{m['department']}）" for m in p["team"]),
        _t(lang, "组队情况", "team_status"): L["status"][p["team_status"]],
        _t(lang, "原因", "reason"): team_reason(p, lang),
    } for p in record["picks"]], infer_schema_length=None)
    teams = pl.DataFrame([{
        _t(lang, "机构编号", "institution_id"): p["institution_id"],
        _t(lang, "序号", "position"): m["position"],
        _t(lang, "检查人员编号", "inspector_id"): m["inspector_id"],
        _t(lang, "姓名", "name"): m["name"],
        _t(lang, "所属部门", "department"): m["department"],
        _t(lang, "所属区县", "county"): m["county"],
        _t(lang, "排序哈希", "order_hash"): m["order_hash"],
    } for p in record["picks"] for m in p["team"]], infer_schema_length=None)
    strata = pl.DataFrame(record["strata"], infer_schema_length=None)
    params = pl.DataFrame(
        [{"key": k, "value": json.dumps(v, ensure_ascii=False, sort_keys=True)} for k, v in record["parameters"].items()]
        + [{"key": k, "value": v} for k, v in record["register"].items()]
        + [{"key": "algorithm", "value": record["algorithm"]}]
        + [{"key": f"rule.{k}", "value": v} for k, v in record["rules"].items()])
    return {_t(lang, "抽取结果", "picks"): picks, _t(lang, "检查组", "teams"): teams,
            _t(lang, "分层", "strata"): strata, _t(lang, "参数与哈希", "parameters"): params}


def team_reason(pick: dict, lang: str = "zh") -> str:
    """Why a pick has no valid team, from the counts in the record."""
    if pick["team_status"] == "ok":
        return ""
    c = pick["team_check"]
    detail = _t(lang,
                f"在岗检查人员 {c['pool']} 人，其中回避 {c['excluded_conflict']} 人、上次检查本机构 {c['excluded_last_inspector']} 人、"
                f"同区县 {c['excluded_same_county']} 人、未填部门 {c['excluded_no_department']} 人；可选 {c['eligible']} 人，"
                f"来自 {c['eligible_departments']} 个部门",
                f"{c['pool']} active inspectors: {c['excluded_conflict']} conflicted, {c['excluded_last_inspector']} inspected it last time, "
                f"{c['excluded_same_county']} same county, {c['excluded_no_department']} without department; "
                f"{c['eligible']} eligible from {c['eligible_departments']} departments")
    if pick["reason"] == "too_few_eligible":
        return _t(lang, f"可选检查人员不足一组：{detail}", f"too few eligible inspectors for a team: {detail}")
    return _t(lang, f"可选检查人员只来自一个部门，无法联合检查：{detail}", f"eligible inspectors come from one department, no joint team: {detail}")


def write_draw_outputs(record: dict, out_dir, lang: str = "zh") -> list[Path]:
    """draw.json (byte-stable), draw.xlsx, draw.html and draw.pdf, atomically."""
    from audit.sampling import to_json

    html = render("draw.html", r=record, L=LABELS[lang], lang=lang, reason=team_reason)
    with atomic_dir(out_dir) as tmp:
        (tmp / "draw.json").write_text(to_json(record), encoding="utf-8")
        write_xlsx(tmp / "draw.xlsx", draw_tables(record, lang))
        write_html_pdf(html, tmp / "draw")
    return [Path(out_dir) / f for f in ("draw.json", "draw.xlsx", "draw.html", "draw.pdf")]
