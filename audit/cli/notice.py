"""`audit notice`: the approval notice (核定通知书) per institution — what it claimed, what
was approved, why cut, under which clause. Parse, call audit.pipeline.notices, print."""

from __future__ import annotations

import click

from audit.cli import main
from audit.cli.common import data_option, institution_options, lang_option, out_option, policy_options, year_or_period


@main.command("notice")
@policy_options
@year_or_period
@data_option
@out_option
@institution_options("为每家有申报或拨付记录的机构各生成一份核定通知书。")
@lang_option
def notice_command(policy, sets, override_file, year, period, data_path, out_dir, institution_id, each, lang):
    """补贴核定通知书（PDF）：申报、核定、已拨付、应追回或补发，核减理由及条款。

    需要输入数据含“申报”或“拨付”表。退出码：0 已写出；1 输入数据有错误；2 用法或政策包错误；3 写出失败。"""
    from audit.pipeline import notices

    made = notices(
        data_path,
        policy,
        year,
        out_dir,
        institution=institution_id,
        each=each,
        sets=sets,
        override_file=override_file,
        lang=lang,
        period=period,
    )
    click.echo(
        f"Wrote {len(made.paths)} files to {out_dir} (approval notices for {len(made.institutions)} institutions)."
        if lang == "en"
        else f"已写出 {len(made.paths)} 个文件到 {out_dir}（{len(made.institutions)} 家机构的核定通知书）。"
    )
