"""`audit synth`: write a synthetic data set (for trials, load tests and the bundled demo)."""

from __future__ import annotations

import time

import click

from audit.cli import main
from audit.cli.common import lang_option


@main.command("synth")
@click.option(
    "--institutions",
    "n_institutions",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="机构数量（含居家养老服务中心）。",
)
@click.option("--seed", type=int, default=1, show_default=True, help="随机种子：同一种子生成完全相同的数据。")
@click.option("--year", type=int, default=2024, show_default=True, help="数据所属年度。")
@click.option(
    "--region",
    type=click.Choice(["shaoxing", "dongyang", "jiayuguan", "linfen", "baodi", "all"]),
    default="shaoxing",
    show_default=True,
    help="机构所在地区（真实区县代码）。",
)
@click.option(
    "--demo",
    is_flag=True,
    help="生成内置演示数据（绍兴 21 家机构，覆盖每个补贴项目和检查；忽略 --institutions、--region）。",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet", "xlsx"]),
    default="csv",
    show_default=True,
    help="csv/parquet：每表一个文件；xlsx：一个工作簿，每表一个工作表。",
)
@click.option("--chinese", is_flag=True, help="中文表名、表头和选项值（如 养老机构、民办、是/否）。")
@click.option(
    "--out", "out", required=True, type=click.Path(), help="输出文件夹；xlsx 格式时也可直接给出 .xlsx 文件路径。"
)
@lang_option
def synth_cmd(n_institutions, seed, year, region, demo, fmt, chinese, out, lang):
    """生成合成数据（身份证号、统一社会信用代码校验位有效；姓名虚构）。"""
    from audit.data.synthetic import synth, synth_demo, write_synth

    started = time.perf_counter()
    tables = synth_demo(seed=seed, year=year) if demo else synth(n_institutions, seed=seed, year=year, region=region)
    paths = write_synth(tables, out, fmt=fmt, chinese=chinese)
    from audit.data.contract import table

    seconds = time.perf_counter() - started
    if lang == "en":
        sizes = ", ".join(f"{name} {df.height} rows" for name, df in tables.items())
        click.echo(f"written: {sizes} ({seconds:.1f} s)")
    else:
        sizes = "，".join(f"{table(name).zh} {df.height} 行" for name, df in tables.items())
        click.echo(f"已生成：{sizes}（{seconds:.1f} 秒）")
    for p in paths:
        click.echo(f"  {p}")
