"""`audit validate` and `audit template`: check input data, or hand out a blank workbook."""

from __future__ import annotations

import sys

import click
import polars as pl

from audit.cli import main
from audit.cli.common import data_option, lang_option


@main.command("validate")
@data_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="输出格式：text 每行一个问题；json 问题对象列表。",
)
@click.option(
    "--policy", "policy", default=None, help="政策包：再列出该包各规则要读而数据中没有的列（及因此可能少付的款项）。"
)
@click.option(
    "--year",
    type=int,
    default=None,
    help="与 --policy 一起使用的核算年度：按该年度有效的规则判断缺少的列，并算出因此未计发的金额。",
)
@click.option("--period", default=None, help="代替 --year 的核算期间（2024H1、2024Q3、2024-05、2021-07..2022-06）。")
@click.option(
    "--reading",
    is_flag=True,
    help="json 时输出 {problems, reading}：每张表读自哪些工作表、表头对应、未读取的列、跳过的行。",
)
@lang_option
def validate_cmd(data_path, fmt, policy, year, period, reading, lang):
    """检查输入数据：列出每个问题（工作表、Excel 行号、列字母和原表头、值、应怎样填写），并说明每张表读自哪些
    工作表、哪些工作表未读取及原因；有错误时退出码为 1。"""
    from audit.data.io import format_reading, load_data, reading_summary
    from audit.data.validation import format_problem_lines

    ds = load_data(data_path, lang=lang)
    problems = ds.problems
    if policy:
        from audit.pipeline import policy_problems
        from audit.policy import load_pack

        needed = policy_problems(ds, load_pack(policy, lang=lang), year, period, lang)
        problems = pl.concat([problems, needed], how="diagonal_relaxed")
    n_err = problems.filter(pl.col("severity") == "error").height
    n_warn = problems.filter(pl.col("severity") == "warning").height
    if fmt == "json" and reading:
        import json

        shown = problems.with_columns(pl.col("message_en").alias("message")) if lang == "en" else problems
        doc = {"problems": json.loads(shown.write_json()), "reading": reading_summary(ds.sources, ds.tables)}
        click.echo(json.dumps(doc, ensure_ascii=False, default=str))
    elif fmt == "json":
        # polars writes the list of problem objects itself: a million problems as Python
        # dicts took ~6 GB
        shown = problems.with_columns(pl.col("message_en").alias("message")) if lang == "en" else problems
        sys.stdout.flush()
        shown.write_json(sys.stdout.buffer)
        sys.stdout.buffer.write(b"\n")
        sys.stdout.buffer.flush()
    else:
        for line in format_problem_lines(problems, lang):
            click.echo(line)
        for line in format_reading(reading_summary(ds.sources, ds.tables), lang):
            click.echo(line)
        counts = {t: df.height for t, df in ds.tables.items() if t in ds.sources}
        for src in ds.sources.values():  # say when a CSV was not UTF-8 (Excel on Chinese Windows)
            if src.get("encoding") == "gb18030":
                click.echo(
                    f"{src['sheet']}: read as GB18030/GBK text (a CSV saved by Chinese Excel)"
                    if lang == "en"
                    else f"{src['sheet']}：按 GB18030/GBK 编码读取（中文版 Excel 另存的 CSV）"
                )
        by_check = problems.group_by("check").len().sort("len", "check", descending=[True, False]).rows()
        if lang == "en":
            read = ", ".join(f"{t} {n} rows" for t, n in counts.items())
            click.echo(f"read: {read}" if read else "read: no tables")
            kinds = ", ".join(f"{c} {n}" for c, n in by_check)
            click.echo(f"{n_err} error(s), {n_warn} warning(s)" + (f" ({kinds})" if kinds else ""))
        else:
            from audit.data import contract as schema

            read = "，".join(f"{schema.table(t).zh} {n} 行" for t, n in counts.items())
            click.echo(f"已读取：{read}" if read else "已读取：没有可识别的表")
            kinds = "，".join(f"{c} {n}" for c, n in by_check)
            click.echo(f"共 {n_err} 个错误，{n_warn} 个警告" + (f"（{kinds}）" if kinds else ""))
        if policy and year is None and period is None:
            click.echo(
                "add --year Y (or --period) to judge by the rules in force then and see the money at stake"
                if lang == "en"
                else "加 --year 年度（或 --period）可按该年度有效的规则判断，并算出因此未计发的金额"
            )
    sys.exit(1 if n_err else 0)


@main.command("template")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False), help="空白模板工作簿路径（.xlsx）。")
def template_cmd(out_file):
    """生成空白数据模板：每表一个工作表（中文表头、下拉选项），另附“说明”工作表。"""
    from audit.data.template import write_template

    path = write_template(out_file)
    click.echo(f"已生成模板：{path}")
