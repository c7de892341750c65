"""Options shared by every command that computes, so they read the same everywhere."""

from __future__ import annotations

import sys
from contextlib import contextmanager

import click

data_option = click.option(
    "--data",
    "data_path",
    required=True,
    type=click.Path(exists=True),
    help="输入数据：一个 Excel 工作簿（每表一个工作表），或一个文件夹（每表一个 csv/xlsx/parquet 文件）。",
)
policy_option = click.option(
    "--policy",
    "policy",
    required=True,
    help="政策包：dongyang / jiayuguan / linfen / baodi / shaoxing，或自定义政策包 YAML 文件路径。",
)
year_option = click.option("--year", type=int, required=True, help="核算年度，如 2024。")


def year_or_period(f):
    """--year or --period (a half-year, quarter, month or range: audit.dates)."""
    f = click.option(
        "--period",
        default=None,
        help="核算期间：2024、2024H1、2024Q3、2024-05 或 2021-07..2022-06（缺省为 --year 的自然年）。",
    )(f)
    return click.option("--year", type=int, default=None, help="核算年度，如 2024（与 --period 二选一）。")(f)


set_option = click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="PARAM=VALUE",
    help="本地设定参数（可重复），如 --set center_township.rate_by_star.1=50000。",
)
override_option = click.option(
    "--override",
    "override_file",
    type=click.Path(exists=True, dir_okay=False),
    help="本地参数覆盖文件（YAML），整体校验后才生效。",
)
lang_option = click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="输出语言 / output language.",
)
out_option = click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="输出文件夹。")


def institution_options(each_help: str):
    """--institution / --each, for commands that write one document per institution."""

    def decorate(f):
        f = click.option("--each", is_flag=True, help=each_help)(f)
        return click.option(
            "--institution", "institution_id", help="机构编号（数据含多家机构时必填，除非使用 --each）。"
        )(f)

    return decorate


def policy_options(f):
    """--policy, --set and --override together (every computing command takes all three)."""
    return policy_option(set_option(override_option(f)))


STAGE_LABELS = {
    "zh": {
        "read": "读取与校验数据",
        "policy": "加载政策包",
        "calc": "核算",
        "checks": "合规检查",
        "write": "写出台账",
        "report": "生成报告（HTML、PDF）",
        "baseline": "按现行规则核算",
        "proposal": "按拟议方案核算",
        "compare": "比较",
    },
    "en": {
        "read": "reading and validating",
        "policy": "loading the policy pack",
        "calc": "computing",
        "checks": "checking",
        "write": "writing the ledger",
        "report": "rendering the report (HTML, PDF)",
        "baseline": "computing the baseline",
        "proposal": "computing the proposal",
        "compare": "comparing",
    },
}


@contextmanager
def stage_progress(stages, lang: str = "zh"):
    """A progress bar over a command's stages on stderr when it is a terminal; silent
    otherwise (CI logs and pipes stay clean). Yields `step(stage)`, called as each begins."""
    if not sys.stderr.isatty():
        yield lambda stage: None
        return
    labels = STAGE_LABELS["en" if lang == "en" else "zh"]
    with click.progressbar(
        length=len(stages), label=labels[stages[0]], file=sys.stderr, show_eta=False, show_percent=False, show_pos=True
    ) as bar:
        seen = []

        def step(stage):
            if seen:
                bar.update(1)
            seen.append(stage)
            bar.label = labels.get(stage, stage)
            bar.render_progress()

        yield step
        bar.update(1)
