"""`audit selfcheck`: an institution's own report (estimated grants, findings with what
to fix, staffing by month). Parse, call audit.selfcheck, print."""

from __future__ import annotations


import click
import polars as pl

from audit.cli import main
from audit.cli.common import data_option, institution_options, lang_option, out_option, policy_options, year_or_period
from audit.i18n import t as _t


@main.command("selfcheck")
@policy_options
@year_or_period
@data_option
@out_option
@institution_options("为数据中的每家机构各生成一份自查报告（多个进程并行生成 PDF）。")
@click.option(
    "--jobs", type=click.IntRange(min=1), default=None, help="--each 时并行生成 PDF 的进程数（默认：本机 CPU 核数）。"
)
@click.option("--deadline", help="主管部门规定的整改期限，如 2025-03-31（写在每条发现旁）。")
@lang_option
@click.pass_context
def selfcheck_command(
    ctx, policy, sets, override_file, year, period, data_path, out_dir, institution_id, each, jobs, deadline, lang
):
    """机构自查报告：预计补贴（逐项）、每条发现及整改建议与条款、逐月护理员配备。

    退出码：0 无错误级发现；1 有错误级发现（报告照常写出）；2 用法或政策包错误；3 及以上写出失败。"""
    from audit.pipeline import selfcheck

    if deadline:
        from datetime import date

        try:
            deadline = date.fromisoformat(deadline.strip()).isoformat()
        except ValueError:
            raise click.BadParameter(_t(lang, "应写作 2025-03-31", "write it 2025-03-31"), param_hint="--deadline")
    made = selfcheck(
        data_path,
        policy,
        year,
        out_dir,
        institution=institution_id,
        each=each,
        sets=sets,
        override_file=override_file,
        lang=lang,
        deadline=deadline,
        jobs=jobs,
        period=period,
    )
    findings, chosen, paths, out = made.findings, made.institutions, made.paths, out_dir
    n_error = findings.filter(pl.col("severity") == "error").height
    click.echo(
        _t(
            lang,
            f"已写出 {len(paths)} 个文件到 {out}（{len(chosen)} 家机构；{findings.height} 条发现，其中错误 {n_error} 条）。",
            f"Wrote {len(paths)} files to {out} ({len(chosen)} institutions; {findings.height} findings, {n_error} errors).",
        )
    )
    if n_error:
        ctx.exit(1)
