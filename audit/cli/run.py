"""`audit run` and `audit explain`: parse, call audit.pipeline, print."""

from __future__ import annotations

import sys
import unicodedata

import click
import polars as pl

from audit.cli import main
from audit.cli.common import data_option, lang_option, out_option, policy_options, stage_progress, year_or_period
from audit.money import fen_to_yuan


@main.command("run")
@policy_options
@year_or_period
@data_option
@out_option
@lang_option
@click.option(
    "--report/--no-report",
    default=True,
    show_default=True,
    help="是否生成 report.html / report.pdf（数据量很大时可先只出台账）。",
)
@click.option(
    "--report-config",
    type=click.Path(exists=True, dir_okay=False),
    help="报告设置文件（YAML）：填报单位、经办人、审核人、负责人、报告日期、状态。下列选项优先于文件。",
)
@click.option("--unit", help="填报单位（封面与盖章处）。")
@click.option("--preparer", help="经办人姓名。")
@click.option("--reviewer", help="审核人姓名。")
@click.option("--head", help="负责人姓名。")
@click.option("--report-date", help="报告日期，如 2025-01-20（缺省留空，签字时手填）。")
@click.option(
    "--ledger-appendix",
    is_flag=True,
    default=None,
    help="在 PDF 附录中列出每一行补贴明细（明细总在 ledger.xlsx / ledger.csv 中）。",
)
def run_command(
    policy,
    sets,
    override_file,
    year,
    period,
    data_path,
    out_dir,
    lang,
    report,
    report_config,
    unit,
    preparer,
    reviewer,
    head,
    report_date,
    ledger_appendix,
):
    """核算一个年度：台账（ledger.csv/.xlsx）、发现（findings.csv）、manifest.json 与报告。

    退出码：0 = 已输出且无错误级发现；1 = 输入数据有错误（不输出任何文件），或已输出但有错误级发现（相关款项应暂缓支付）。"""
    from audit.pipeline import PAYER_ZH, PROGRAM_ZH, RUN_STAGES, run, write_outputs

    from audit.report.signing import load_signing

    signing = load_signing(
        report_config,
        lang,
        unit=unit,
        preparer=preparer,
        reviewer=reviewer,
        head=head,
        report_date=report_date,
        ledger_appendix=ledger_appendix,
    )
    stages = RUN_STAGES + (("write", "report") if report else ("write",))
    with stage_progress(stages, lang) as step:
        result = run(
            data_path, policy, year, sets=sets, override_file=override_file, lang=lang, progress=step, period=period
        )
        step("write")
        write_outputs(result, out_dir, report=report, progress=step, signing=signing)
    en = lang == "en"
    scope = (
        f"{'period' if en else '期间'} {result.manifest['period']}"
        if "period" in result.manifest
        else f"{'year' if en else '年度'} {result.year}"
    )
    click.echo(f"{'Policy' if en else '政策包'}: {result.pack.title} ({result.pack.id}, {result.pack.status})  {scope}")
    if result.pack.status != "in_force":
        click.echo(
            "Note: the policy pack is a draft, not a document in force; say so wherever these figures go."
            if en
            else "注意：政策包状态为 draft（非正式施行文件），使用这些金额时须注明。"
        )
    totals = result.totals()
    if totals.height:
        click.echo("Totals by program and payer (yuan):" if en else "按项目、支付方合计（元）：")
        for program, payer, amount in totals.iter_rows():
            name = program if en else PROGRAM_ZH.get(program, program)
            who = payer if en else PAYER_ZH.get(payer, payer)
            click.echo(f"  {_pad(name, 22)} {_pad(who, 18)} {fen_to_yuan(amount, thousands=True):>18}")
        # the institution's own share of a premium is not public money: never in the total
        public = int(totals.filter(pl.col("payer") != "institution")["amount_fen"].sum())
        label = "total public money (institutions' own shares excluded)" if en else "财政资金合计（不含机构自付）"
        click.echo(f"  {_pad(label, 41)} {fen_to_yuan(public, True):>18}")
    else:
        click.echo("No payable lines." if en else "没有应付款项。")
    c = result.severity_counts()
    click.echo(
        (
            f"Findings: {c['error']} error, {c['warning']} warning, {c['info']} info"
            if en
            else f"发现：错误 {c['error']} 个，警告 {c['warning']} 个，提示 {c['info']} 个"
        )
    )
    click.echo(f"{'Outputs' if en else '输出'}: {out_dir}")
    if c["error"]:
        held = result.held()
        if held.height:
            total = fen_to_yuan(int(held["amount_fen"].sum()), thousands=True)
            click.echo(
                f"Held lines ({held.height}, {total} yuan):"
                if en
                else f"暂缓支付的款项（{held.height} 行，合计 {total} 元）："
            )
            for row in held.head(HELD_SHOWN).iter_rows(named=True):
                click.echo(
                    f"  {row['institution_id']}  {row['program']}/{row['item']}  {row['period']}  "
                    f"{fen_to_yuan(row['amount_fen'], thousands=True):>16}  ← {row['held_by']}"
                )
            if held.height > HELD_SHOWN:
                click.echo(
                    f"  … {held.height - HELD_SHOWN} more (findings.csv)"
                    if en
                    else f"  …… 另有 {held.height - HELD_SHOWN} 行（见 findings.csv）"
                )
        click.echo(
            (
                "Error findings block the payments they concern: review findings.csv before paying (exit 1)."
                if en
                else "存在错误级发现：相关款项应暂缓支付，请先核对 findings.csv（退出码 1）。"
            ),
            err=True,
        )
        sys.exit(1)


HELD_SHOWN = 20  # held lines printed; the rest are in the outputs


def _pad(text: str, width: int) -> str:
    """Left-align in a terminal where a Chinese character takes two columns."""
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - shown)


@main.command("explain")
@policy_options
@year_or_period
@data_option
@click.option("--institution", "institution", required=True, help="机构编号。")
@click.option(
    "--program",
    default=None,
    type=click.Choice(["construction", "operating", "center_operating", "insurance"]),
    help="只说明一个项目：construction / operating / center_operating / insurance。",
)
@click.option("--person", default=None, help="身份证号：与 --month 一起，说明此人此月为什么（没有）核定。")
@click.option("--month", default=None, help="月份，如 2024-05（与 --person 一起使用）。")
@lang_option
def explain_command(policy, sets, override_file, year, period, data_path, institution, program, person, month, lang):
    """说明一个机构每一笔款项的来历：计入的数据、参数及其条款原文、算式；
    或用 --person 与 --month 说明某人某月为什么没有核定。"""
    from audit.pipeline import explain, run

    if bool(person) != bool(month):
        raise click.UsageError(
            "--person and --month go together." if lang == "en" else "--person 与 --month 须同时给出。"
        )
    result = run(data_path, policy, year, sets=sets, override_file=override_file, lang=lang, period=period)
    if person:
        from audit.reconcile import explain_person_month

        click.echo(explain_person_month(result, institution, person, month, lang=lang), nl=False)
        return
    click.echo(explain(result, institution, program=program, lang=lang), nl=False)
