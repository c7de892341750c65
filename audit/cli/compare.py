"""`audit compare`: what a proposed rule change would cost — parse, call audit.compare, print."""

from __future__ import annotations

import unicodedata

import click
import polars as pl

from audit import i18n
from audit.cli import main
from audit.cli.common import data_option, lang_option, out_option, policy_options, stage_progress


@main.command("compare")
@policy_options
@click.option("--year", type=int, default=None, help="核算年度，如 2024（与 --period 二选一）。")
@click.option(
    "--period",
    default=None,
    help="核算期间：2024、2024H1、2024Q3、2024-05 或 2021-07..2022-06（缺省为 --year 的自然年）。",
)
@data_option
@click.option(
    "--proposal-policy",
    default=None,
    help="拟议方案为另一份文件（政策包名或 YAML 路径）；此时不受现行文件「不低于」下限约束。",
)
@click.option(
    "--proposal-set",
    "proposal_sets",
    multiple=True,
    metavar="PARAM=VALUE",
    help="拟议改动（可重复），如 --proposal-set operating_grant.rate_by_rating_level.5=200；仍受「不低于」下限约束。",
)
@click.option(
    "--proposal-override",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="拟议改动文件（YAML，格式同 --override）。",
)
@out_option
@lang_option
@click.option("--report/--no-report", default=True, show_default=True, help="是否生成 compare.html / compare.pdf。")
def compare_command(
    policy,
    sets,
    override_file,
    year,
    period,
    data_path,
    proposal_policy,
    proposal_sets,
    proposal_override,
    out_dir,
    lang,
    report,
):
    """测算政策调整的影响：同一份数据按现行规则与拟议方案各核算一次，按项目×支付方、区县×项目、机构列出差额。

    \b
    例：audit compare --policy shaoxing --year 2024 --data 台账.xlsx \\
          --proposal-set operating_grant.rate_by_rating_level.5=200 --out reports/测算
    输出 compare.csv / compare.xlsx / compare.html / compare.pdf / manifest.json（全部写出或全不写出）。"""
    from audit.comparison import COMPARE_STAGES, compare, write_compare

    with stage_progress(COMPARE_STAGES + ("write",), lang) as step:
        result = compare(
            data_path,
            policy,
            year,
            sets=sets,
            override_file=override_file,
            proposal_policy=proposal_policy,
            proposal_sets=proposal_sets,
            proposal_override=proposal_override,
            lang=lang,
            progress=step,
            period=period,
        )
        step("write")
        write_compare(result, out_dir, report=report)
    click.echo(summary_text(result), nl=False)
    click.echo(f"{'Outputs' if lang == 'en' else '输出'}: {out_dir}")


WIDTHS = (16, 16, 14, 9)
CHANGES_SHOWN = 30  # the terminal lists this many changed parameters; compare.xlsx has all


def _right(text: str, width: int) -> str:
    """Right-align where a Chinese character takes two columns."""
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return " " * max(0, width - shown) + text


def _gap_lines(result, t, en: bool) -> list[str]:
    """Per program, how many institutions each side leaves unpriced by a policy gap."""
    from audit.pipeline import PAYER_ZH, PROGRAM_ZH

    u = result.unpriced
    if not u.height:
        return []
    # where both sides leave the same gaps, whether a difference stands is what the program's payer rows say
    # (`_decide`): a payer row with nothing priced has none
    open_rows = result.by_program_payer.group_by("program").agg(
        pl.col("payer").filter(pl.col("status") == "same_gap").alias("open_payers"),
        pl.col("delta_fen").is_not_null().any().alias("priced"),
    )
    per = (
        u.group_by("program")
        .agg(
            pl.col("baseline_gap").sum(),
            pl.col("proposal_gap").sum(),
            (pl.col("gap") == "same_gap").all(),
            pl.col("gap").is_in(["same_gap", "same_gap_changed"]).all().alias("same"),
        )
        .join(open_rows, on="program", how="left", nulls_equal=True)
        .sort("program", nulls_last=True)
    )
    out = [
        t(
            "政策缺口（原文未规定、不计发的机构数）：",
            "Policy gaps (institutions left unpriced, the text sets no value):",
        )
    ]
    for r in per.iter_rows(named=True):
        name = r["program"] or "—"
        name = name if en else PROGRAM_ZH.get(name, name)
        open_payers = [
            (p or "payer not named") if en else PAYER_ZH.get(p, p) if p else "出资方未定"
            for p in r["open_payers"] or []
        ]
        same = (
            t("，两侧相同，差额可比", "; the same on both sides, the difference holds")
            if r["gap"] and not open_payers
            else t(
                "，两侧相同，没有已算出的金额，不能计算差额",
                "; the same on both sides, nothing priced: no difference",
            )
            if r["gap"] and not r["priced"]
            else t(
                f"，两侧相同，差额可比（{'、'.join(open_payers)}没有已算出的金额，不能计算）",
                f"; the same on both sides, the difference holds (not for {', '.join(open_payers)}: nothing priced)",
            )
            if r["gap"]
            else t(
                "，两侧相同，但其规则的参数有改动，不能计算差额",
                "; the same on both sides, but a parameter of its rule changes: no difference",
            )
            if r["same"]
            else ""
        )
        out.append(
            t(
                f"  {name}：现行 {r['baseline_gap']} 家，拟议 {r['proposal_gap']} 家{same}",
                f"  {name}: baseline {r['baseline_gap']}, proposal {r['proposal_gap']}{same}",
            )
        )
    return out


def summary_text(result) -> str:
    """What the terminal shows: both packs, each changed parameter, totals by program and
    payer with the difference, eligibility crossings and findings that come or go."""
    from audit.cli.run import _pad
    from audit.pipeline import PAYER_ZH, PROGRAM_ZH
    from audit.report.compare import crossing_tally, crossing_words, labels, priced_part

    en = result.lang == "en"

    def t(zh: str, e: str) -> str:
        return i18n.t(result.lang, zh, e)

    out = []
    for label, r in ((t("现行", "Baseline"), result.baseline), (t("拟议", "Proposal"), result.proposal)):
        p = r.pack
        draft = t("，征求意见稿", ", draft") if p.status != "in_force" else ""
        local = t(f"，本地设定 {len(p.overrides)} 项", f", local values: {len(p.overrides)}") if p.overrides else ""
        out.append(
            t(f"{label}：{p.title}（{p.id}{draft}{local}）", f"{label}: {p.title_en or p.title} ({p.id}{draft}{local})")
        )
    if "period" in result.manifest:
        out.append(t(f"期间 {result.manifest['period']}", f"period {result.manifest['period']}"))
    else:
        out.append(t(f"年度 {result.year}", f"year {result.year}"))
    if "draft" in (result.baseline.pack.status, result.proposal.pack.status):
        out.append(
            t(
                "注意：所比较的政策包含征求意见稿（非正式施行文件），使用这些金额时须注明。",
                "Note: a draft policy pack is compared, not a document in force; say so wherever these figures go.",
            )
        )
    out.append(t(f"参数变化（{result.changes.height} 项）：", f"Changed parameters ({result.changes.height}):"))
    for c in result.changes.head(CHANGES_SHOWN).iter_rows(named=True):
        months = "" if c["months"] in ("全年", "whole year", "全期", "whole period") else f" [{c['months']}]"
        out.append(
            f"  {c['rule']}.{c['param']}{months}: {c['old']} → {c['new']}"
            + t(f"；依据 {c['new_source'] or c['old_source']}", f"; source: {c['new_source'] or c['old_source']}")
        )
    if not result.changes.height:
        out.append(t("  （无）", "  (none)"))
    elif result.changes.height > CHANGES_SHOWN:
        more = result.changes.height - CHANGES_SHOWN
        out.append(t(f"  …… 另有 {more} 项，见 compare.xlsx「参数变化」", f"  … {more} more in compare.xlsx (Changes)"))
    heads = [t("现行", "baseline"), t("拟议", "proposal"), t("差额", "delta"), t("差额%", "delta %")]
    out.append(t("按项目、支付方合计（元）：", "By program and payer (yuan):"))
    out.append(f"  {_pad('', 41)} " + " ".join(_right(h, w) for h, w in zip(heads, WIDTHS)))
    table = result.table(for_people=True)

    def figures(r):
        """baseline, proposal, delta ("—" where a policy gap leaves it unknown), then delta %
        or, for a row a gap touches, why."""
        shown = " ".join(_right(r[c] or "—", w) for c, w in zip(("baseline", "proposal", "delta"), WIDTHS))
        return shown + ("  " + r["status"] if r["status"] else " " + _right(r["delta_pct"] or "", WIDTHS[3]))

    for r in table.filter(table["level"] == "program_payer").iter_rows(named=True):
        name = r["program"] if en else PROGRAM_ZH.get(r["program"], r["program"])
        who = r["payer"] if en else PAYER_ZH.get(r["payer"], r["payer"])
        who = who or t("出资方未定", "payer not named")  # the payer itself is a policy gap
        out.append(f"  {_pad(name, 22)} {_pad(who, 18)} " + figures(r))
    total = table.row(0, named=True)
    out.append(
        f"  {_pad(t('财政资金合计（不含机构自付）', 'public money (own shares excluded)'), 41)} " + figures(total)
    )
    part = priced_part(result, labels(result.lang))
    out += [f"  {part}"] if part else []
    out += _gap_lines(result, t, en)
    inst = result.by_institution
    comparable = inst.filter(pl.col("delta_fen").is_not_null())
    up, down = int((comparable["delta_fen"] > 0).sum()), int((comparable["delta_fen"] < 0).sum())
    gaps = inst.height - comparable.height
    out.append(
        t(
            f"机构：增加 {up} 家，减少 {down} 家，不变 {comparable.height - up - down} 家"
            + (f"，因政策缺口不能计算 {gaps} 家" if gaps else ""),
            f"Institutions: {up} gain, {down} lose, {comparable.height - up - down} unchanged"
            + (f", {gaps} cannot be computed (policy gap)" if gaps else ""),
        )
    )
    cross = result.crossings
    n, words = crossing_tally(cross), crossing_words(result.lang)
    gapped = list(n.items())[2:]  # rows a policy gap touches: neither newly nor no longer paid
    out.append(
        t(
            f"跨过补助条件：新获补助 {n['newly_paid']} 项，不再获补助 {n['no_longer_paid']} 项（机构×项目）"
            + "".join(f"；{words[d]} {k} 项" for d, k in gapped),
            f"Eligibility crossings: {n['newly_paid']} newly paid, {n['no_longer_paid']} no longer paid "
            "(institution × program)" + "".join(f"; {words[d]}: {k}" for d, k in gapped),
        )
    )
    out.append(
        t(
            f"发现：新增 {result.findings_appeared.height} 条，消失 {result.findings_disappeared.height} 条",
            f"Findings: {result.findings_appeared.height} appear, {result.findings_disappeared.height} disappear",
        )
    )
    return "\n".join(out) + "\n"
