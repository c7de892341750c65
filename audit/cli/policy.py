"""`audit policy list | show | diff`: read the shipped (or a user's) policy packs."""

from __future__ import annotations

import datetime as dt
import json
import re

import click

from audit.cli import main
from audit.cli.common import lang_option, override_option, set_option
from audit.errors import PolicyError
from audit.i18n import t as _t
from audit.policy import KINDS, Pack, format_value, load_pack, shipped_packs


def _date(ctx, param, value):
    if value is None:
        return None
    # the spellings the data readers accept: 2024-06-30, 2024/6/30, 2024.6.30, 2024年6月30日
    m = re.fullmatch(r"\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*", value)
    try:
        return dt.date(*map(int, m.groups()))
    except (AttributeError, ValueError):
        raise click.BadParameter("日期应写作 YYYY-MM-DD / a date is written YYYY-MM-DD") from None


date_option = click.option(
    "--date", "on", callback=_date, metavar="YYYY-MM-DD", help="只显示该日有效的数值 / only values in force that day."
)
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="输出格式 / output format.",
)


@main.group()
def policy():
    """政策包：列出、查看、比较 / policy packs: list, show, compare."""


@policy.command("list")
@format_option
@lang_option
def list_packs(fmt, lang):
    """列出随工具提供的政策包 / list the shipped packs."""
    packs = [load_pack(pid, lang=lang) for pid in shipped_packs()]
    if fmt == "json":
        click.echo(
            json.dumps(
                [
                    {
                        "id": p.id,
                        "title": p.title,
                        "number": p.number,
                        "jurisdiction": p.jurisdiction,
                        "status": p.status,
                        "issued": p.issued.isoformat() if p.issued else None,
                        "effective": p.effective.isoformat(),
                        "short": p.short,
                        "sha256": p.sha256,
                    }
                    for p in packs
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for p in packs:
        title = p.title_en if lang == "en" and p.title_en else p.title
        click.echo(f"{p.id}\t{title}\t{_status(p, lang)}\t{_t(lang, '生效', 'effective')} {p.effective}")


def _status(p: Pack, lang) -> str:
    return {"in_force": _t(lang, "现行有效", "in force"), "draft": _t(lang, "征求意见稿", "draft")}[p.status]


def _value_text(row: dict, lang) -> str:
    if row["display"] is None:
        return _t(lang, "缺口（原文未规定）", "gap (the text gives none)")
    return row["display"]


def _show_text(p: Pack, rows: list[dict], lang: str) -> None:
    en = lang == "en"
    click.echo(p.title_en if en and p.title_en else p.title)
    click.echo(
        f"{_t(lang, '文号', 'number')}: {p.number or _t(lang, '无', 'none')}  "
        f"{_t(lang, '状态', 'status')}: {_status(p, lang)}  "
        f"{_t(lang, '发布', 'issued')}: {p.issued or _t(lang, '未注明', 'undated')}  "
        f"{_t(lang, '生效', 'effective')}: {p.effective}"
    )
    if p.effective_note:
        click.echo(p.effective_note)
    click.echo(f"sha256: {p.sha256}")
    for o in p.overrides:
        pack_v = o["pack_value"] or _t(lang, "缺口", "gap")
        label = (
            _t(lang, "本地设定", "locally set") if o["status"] == "locally set" else _t(lang, "本地覆盖", "overridden")
        )
        why = f"；{o['reason']}" if o.get("reason") else ""
        click.echo(
            f"{label}: {o['param']} = {o['local_value']}（{_t(lang, '政策包', 'pack')}: {pack_v}；{o['source']}{why}）"
        )
    click.echo("")
    current = None
    for r in rows:
        if r["rule"] != current:
            current = r["rule"]
            rule = p.rules[current]
            title = rule.title_en if en and rule.title_en else rule.title
            click.echo(f"[{rule.id}] {title} ({rule.kind}) — {rule.citation}")
        flags = []
        if r["gap"] and r["local"] is None:
            flags.append(_t(lang, "缺口", "gap"))
        if r["floor"]:
            flags.append(_t(lang, "下限「不低于」", "floor"))
        if r["band_display"]:
            flags.append(_t(lang, f"区间 {r['band_display']}", f"band {r['band_display']}"))
        if r["local"]:
            flags.append(_t(lang, f"本地设定（{r['local']}）", f"locally set ({r['local']})"))
        if r["interpretation"]:
            flags.append(_t(lang, f"解释 {r['interpretation']}", f"interpretation {r['interpretation']}"))
        dates = r["from"] + (f"..{r['until']}" if r["until"] else "")
        flag = f" [{'; '.join(flags)}]" if flags else ""
        click.echo(f"  {r['param']} = {_value_text(r, lang)} {r['unit']}{flag}  ({r['clause']}, {dates})")
        click.echo(f"      「{r['quote']}」")
    if p.interpretations:
        click.echo("")
        click.echo(_t(lang, "解释：", "Interpretations:"))
        for i in p.interpretations:
            click.echo(f"  {i['id']}: {i['text_en'] if en else i['text_zh']}")


def _open(rid, name, prm) -> list[str]:
    """What is still open in a parameter (its latest value or local value): the whole
    parameter, or the table keys without a value."""
    last = prm.values[-1]
    current = prm.local_on(last) if prm.local is not None else last.value
    if current is None:
        return [f"{rid}.{name}"]
    if isinstance(current, dict):
        return [f"{rid}.{name}.{k}" for k, v in current.items() if v is None]
    return []


@policy.command("check")
@click.argument("pack")
@lang_option
@set_option
@override_option
def check(pack, lang, sets, override_file):
    """校验政策包（含本地设定）并汇总 / check a pack (and local values) and summarise it."""
    p = load_pack(pack, sets=sets, override_file=override_file, lang=lang)
    params = [prm for r in p.rules.values() for prm in r.params.values()]
    gaps = [g for r in p.rules.values() for n, prm in r.params.items() for g in _open(r.id, n, prm)]
    click.echo(
        _t(
            lang,
            f"政策包 {p.id} 校验通过：{len(p.rules)} 条规则，{len(params)} 个参数，"
            f"{len(p.overrides)} 项本地设定，{len(gaps)} 个缺口。",
            f"pack {p.id} is valid: {len(p.rules)} rules, {len(params)} parameters, "
            f"{len(p.overrides)} local values, {len(gaps)} gaps.",
        )
    )
    for g in gaps:
        click.echo(f"  {_t(lang, '缺口', 'gap')}: {g}")


@policy.command("show")
@click.argument("pack")
@date_option
@format_option
@lang_option
@set_option
@override_option
def show(pack, on, fmt, lang, sets, override_file):
    """显示政策包的全部参数及出处 / show every parameter of PACK with its source."""
    p = load_pack(pack, sets=sets, override_file=override_file, lang=lang)
    rows = p.parameters(on)
    if on is not None and not rows:
        click.echo(
            _t(
                lang,
                f"提示: {on} 不在政策包 {p.id} 任何数值的有效期内（生效日期 {p.effective}）。",
                f"note: no value of pack {p.id} is in force on {on} (effective {p.effective}).",
            ),
            err=True,
        )
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        _show_text(p, rows, lang)


def _metric(rule, on):
    try:
        e = rule.entry("metric", on) if on else rule.param("metric").values[-1]
    except PolicyError:
        return None
    return e.value


def _target_rows(a: Pack, b: Pack, kind: str, on, lang) -> list[dict]:
    """Targets compare by metric (one row per metric and bound), not by rule id."""
    rows = []
    metrics = {}
    for p in (a, b):
        for r in p.rules_of_kind(kind):
            metrics.setdefault(_metric(r, on), None)
    for metric in metrics:
        for bound in ("min", "max"):
            cells = {}
            for p in (a, b):
                rules = [r for r in p.rules_of_kind(kind) if _metric(r, on) == metric and r.has(bound)]
                cells[p.id] = "; ".join(_one(p, r, bound, on, lang) for r in rules) or "—"
            if set(cells.values()) != {"—"}:
                rows.append({"kind": kind, "param": f"{metric}.{bound}", **cells})
    return rows


def _one(p: Pack, rule, param: str, on, lang) -> str:
    prm = rule.param(param)
    try:
        e = rule.entry(param, on) if on else prm.values[-1]
    except PolicyError:
        return f"{rule.id}: {_t(lang, '该日无值', 'no value that day')}"
    value = prm.local_on(e) if prm.local is not None else e.value
    text = format_value(prm.unit, value, lang) if value is not None else _t(lang, "缺口", "gap")
    return f"{rule.id}: {text} ({p.short} {e.clause})"


def diff_rows(a: Pack, b: Pack, on=None, lang="zh") -> list[dict]:
    """Rule kinds side by side: for each kind and parameter, both packs' values."""
    rows = []
    for kind, params in KINDS.items():
        if not a.rules_of_kind(kind) and not b.rules_of_kind(kind):
            continue
        if "metric" in params:  # targets compare by metric, not by rule id
            rows += _target_rows(a, b, kind, on, lang)
            continue
        for param in params:
            if not any(r.has(param) for r in a.rules_of_kind(kind) + b.rules_of_kind(kind)):
                continue
            rows.append(
                {
                    "kind": kind,
                    "param": param,
                    **{
                        p.id: "; ".join(_one(p, r, param, on, lang) for r in p.rules_of_kind(kind) if r.has(param))
                        or "—"
                        for p in (a, b)
                    },
                }
            )
    return rows


@policy.command("diff")
@click.argument("pack_a")
@click.argument("pack_b")
@date_option
@format_option
@lang_option
def diff(pack_a, pack_b, on, fmt, lang):
    """并列比较两个政策包 / compare two packs rule kind by rule kind."""
    a, b = load_pack(pack_a, lang=lang), load_pack(pack_b, lang=lang)
    if a.id == b.id:
        raise PolicyError(_t(lang, "请给出两个不同的政策包", "give two different packs"))
    rows = diff_rows(a, b, on, lang)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(f"{_t(lang, '比较', 'compare')}: {a.id} ({a.short}) ↔ {b.id} ({b.short})")
    current = None
    for r in rows:
        if r["kind"] != current:
            current = r["kind"]
            click.echo(f"\n[{current}]")
        click.echo(f"  {r['param']}")
        click.echo(f"    {a.id}: {r[a.id]}")
        click.echo(f"    {b.id}: {r[b.id]}")
