"""`audit sample`, `audit checklist`, `audit publish`: random inspections 双随机、一公开.

Thin shell: parse options, call audit.inspect.draw / audit.inspect.documents, print a summary."""

from __future__ import annotations

import sys

import click

from audit.cli import main
from audit.cli.common import data_option, lang_option, override_option, policy_option, set_option, year_option


@main.command("sample")
@click.option(
    "--data", "data_path", type=click.Path(exists=True), help="机构名录与检查人员数据（Excel 工作簿或文件夹）。"
)
@click.option("--seed", help="随机种子（公开的文字，如抽查计划文号或公开摇号结果）。")
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False), help="输出文件夹：draw.json / .xlsx / .html / .pdf。"
)
@click.option(
    "--ratio",
    "ratios",
    multiple=True,
    metavar="R | STRATUM=R",
    help="抽查比例：一个比例用于所有层（--ratio 0.05），或按层给出（--ratio high=0.3 --ratio medium=0.1 --ratio low=0.02）。"
    "每层抽取 ceil(比例×机构数) 家，比例大于 0 的非空层至少 1 家。",
)
@click.option(
    "--strata",
    type=click.Choice(["risk_class", "findings"]),
    default="risk_class",
    show_default=True,
    help="分层依据：机构风险等级，或上次核算的 findings.csv（有错误→high，有警示→medium，其余→low）。",
)
@click.option("--default-stratum", default="medium", show_default=True, help="风险等级为空的机构归入的层。")
@click.option(
    "--findings",
    "findings_path",
    type=click.Path(exists=True, dir_okay=False),
    help="上次 audit run 生成的 findings.csv（--strata findings 时必需）。",
)
@click.option(
    "--min-years-uninspected",
    type=int,
    help="N 年以上未检查（或从未检查且开业已满 N 年）的机构必查，另计于随机抽取之外。",
)
@click.option(
    "--as-of", help="基准日期（如 2024-12-31），用于判断多年未检查；缺省为今天。记录在 draw.json 中，复核时沿用。"
)
@click.option(
    "--team-size",
    type=int,
    default=2,
    show_default=True,
    help="每组检查人员数（行政处罚法第四十二条：执法人员不得少于两人）。",
)
@click.option("--joint", is_flag=True, help="联合检查：每组至少来自 2 个部门。")
@click.option("--avoid-same-county", is_flag=True, help="不派本区县的检查人员。")
@click.option(
    "--verify",
    "verify_path",
    type=click.Path(exists=True, dir_okay=False),
    help="复核：按 draw.json 记录的参数重新抽取并比对（一致退出 0，不一致退出 1）。",
)
@click.option(
    "--verify-public",
    "public_path",
    type=click.Path(exists=True, dir_okay=False),
    help="公开复核：只用公示的 draw_public.json（公开名录、参数与结果）重新抽取检查对象并比对，无需 --data。",
)
@click.option(
    "--drawn-at",
    help="抽取时间（如 2025-03-03 10:00），记入 draw.json 并在公示清单上写明（不填则公示“未记录”；不自动取当前时间，以免同一抽取两次记录不同）。",
)
@click.option("--witness", "witnesses", multiple=True, help="监督见证人或单位（可重复），记入 draw.json 并公示。")
@click.option("--seed-source", help="种子来源说明，如“2025-03-03 福彩3D开奖号码 + 抽查计划文号”。")
@lang_option
def sample_command(
    data_path,
    seed,
    out_dir,
    ratios,
    strata,
    default_stratum,
    findings_path,
    min_years_uninspected,
    as_of,
    team_size,
    joint,
    avoid_same_county,
    verify_path,
    public_path,
    drawn_at,
    witnesses,
    seed_source,
    lang,
):
    """双随机抽取：抽取检查对象并组成检查组，或复核一次抽取（--verify / --verify-public）。

    退出码：0 成功；1 有抽中机构无法组成合规检查组（记录照常写出），或复核不一致；2 参数错误。"""
    from audit.inspect.documents import sample, verify_draw

    en = lang == "en"
    if public_path:
        from audit.inspect.public import verify_public

        result = verify_public(public_path, lang)
        if result.matches:
            click.echo(
                "Verified from public data: the picks follow from the register and seed."
                if en
                else "公开复核一致：抽取结果可由公开名录和种子重现。"
            )
            return
        click.echo("MISMATCH:" if en else "公开复核不一致：", err=True)
        for d in result.differences:
            click.echo(f"  - {d}", err=True)
        sys.exit(1)
    if not data_path:
        raise click.UsageError("--data is required" if en else "需要 --data（机构名录数据）")
    if verify_path:
        result = verify_draw(verify_path, data_path, findings_path, lang)
        if result.matches:
            click.echo(
                "Verified: the draw matches the register and seed." if en else "复核一致：抽取结果与名录和种子相符。"
            )
            return
        click.echo("MISMATCH: the draw does not match." if en else "复核不一致：", err=True)
        for d in result.differences:
            click.echo(f"  - {d}", err=True)
        sys.exit(1)
    if not seed or not out_dir:
        raise click.UsageError("--seed and --out are required" if en else "抽取需要 --seed 和 --out")
    if min_years_uninspected is not None and not as_of:
        from datetime import date

        as_of = date.today().isoformat()  # recorded in draw.json, so --verify re-uses it
        click.echo(
            f"--as-of not given: using today, {as_of} (recorded in draw.json)"
            if en
            else f"未指定 --as-of：按今天 {as_of} 计算（已记入 draw.json，复核时沿用）",
            err=True,
        )
    record = sample(
        data_path,
        seed,
        out_dir,
        ratios,
        findings_path=findings_path,
        strata=strata,
        default_stratum=default_stratum,
        min_years_uninspected=min_years_uninspected,
        as_of=as_of,
        team_size=team_size,
        joint=joint,
        avoid_same_county=avoid_same_county,
        lang=lang,
        drawn_at=drawn_at,
        witnesses=witnesses,
        seed_source=seed_source,
    )
    t = record["totals"]
    click.echo(
        (
            f"Drawn {t['random']} at random and {t['coverage']} coverage picks; "
            f"{t['no_valid_team']} without a valid team. Written to {out_dir}"
        )
        if en
        else (
            f"随机抽取 {t['random']} 家，必查 {t['coverage']} 家；{t['no_valid_team']} 家无法组成合规检查组。"
            f"已写入 {out_dir}"
        )
    )
    if t["no_valid_team"]:  # the record is written, but not every pick can be inspected: not a success
        click.echo("See draw.html for the reasons." if en else "原因见 draw.html。", err=True)
        sys.exit(1)


@main.command("checklist")
@click.option(
    "--draw", "draw_path", required=True, type=click.Path(exists=True, dir_okay=False), help="抽取记录 draw.json。"
)
@data_option
@policy_option
@year_option
@set_option
@override_option
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="输出文件夹。")
@lang_option
def checklist_command(draw_path, data_path, policy, year, sets, override_file, out_dir, lang):
    """为每家抽中机构生成预填检查表（HTML + PDF）。

    退出码：0 成功；1 有抽中机构不在数据中（其余照常写出，并列出缺少的机构），或抽取记录与本数据复核不一致（检查表照常写出并注明）。"""
    from audit.inspect import documents as inspection

    problems: list[str] = []
    missing: list[str] = []
    paths = inspection.checklists(
        draw_path,
        data_path,
        policy,
        year,
        out_dir,
        sets=sets,
        override_file=override_file,
        lang=lang,
        problems=problems,
        missing=missing,
    )
    n = len(paths) // 2
    click.echo(f"{n} checklists written to {out_dir}" if lang == "en" else f"已生成 {n} 份检查表：{out_dir}")
    if missing:
        click.echo(
            f"{len(missing)} drawn institution(s) have no checklist:"
            if lang == "en"
            else f"以下 {len(missing)} 家抽中机构未生成检查表：",
            err=True,
        )
        for m in missing:
            click.echo(f"  - {m}", err=True)
    if problems:
        click.echo(
            "Warning: the draw does not verify against this data (said on every checklist):"
            if lang == "en"
            else "警告：抽取记录与本数据复核不一致（已在每份检查表上注明）：",
            err=True,
        )
        for d in problems:
            click.echo(f"  - {d}", err=True)
    if missing or problems:
        sys.exit(1)  # written, but not every drawn home is covered or the draw does not verify: not a success


@main.command("publish")
@click.option(
    "--results",
    "results_path",
    type=click.Path(exists=True, dir_okay=False),
    help="检查结果表（xlsx/csv）：机构编号、机构名称、检查日期、检查结果、整改要求、整改期限。",
)
@click.option(
    "--subsidies",
    "approved_path",
    type=click.Path(exists=True, dir_okay=False),
    help="audit run 写出的 approved.csv：生成补贴资金公示（各机构核定的财政补助）。",
)
@click.option(
    "--draw",
    "draw_path",
    type=click.Path(exists=True, dir_okay=False),
    help="与 --results 一起必填：本次抽取的 draw.json，只公示抽中的机构，并写明种子、方法、时间、见证人和抽取记录哈希。",
)
@click.option(
    "--data",
    "data_path",
    type=click.Path(exists=True),
    help="机构数据（可选）：其中老人、工作人员、检查人员的姓名在公示文字中一律遮盖。",
)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="输出文件夹。")
@lang_option
def publish_command(results_path, approved_path, draw_path, data_path, out_dir, lang):
    """生成向社会公开的清单，不含个人信息：检查结果（一公开，--results 与 --draw）或补贴资金公示（--subsidies）。"""
    en = lang == "en"
    if bool(results_path) == bool(approved_path):
        raise click.UsageError(
            "Give exactly one of --results or --subsidies."
            if en
            else "请给出 --results（检查结果）或 --subsidies（资金公示）其中之一。"
        )
    if approved_path:
        from audit.report.public import publish_subsidies

        report = publish_subsidies(approved_path, out_dir, lang=lang)
        click.echo(
            f"{report['rows']} approved amounts ({report['total']} yuan) published to {out_dir}"
            if en
            else f"已公示 {report['rows']} 条核定补助（合计 {report['total']} 元）：{out_dir}"
        )
        return
    if not draw_path:
        raise click.UsageError(
            "--results needs --draw (the draw.json of this inspection round)."
            if en
            else "--results 须与 --draw（本次抽取的 draw.json）一起给出。"
        )
    from audit.inspect import documents as inspection

    report = inspection.publish(results_path, out_dir, lang=lang, draw_path=draw_path, data_path=data_path)
    if report["not_drawn"]:
        ids = "、".join(report["not_drawn"][:20]) + ("…" if len(report["not_drawn"]) > 20 else "")
        click.echo(
            f"Left out (not picked by this draw): {ids}" if en else f"以下机构不在本次抽取结果中，未公示：{ids}",
            err=True,
        )
    for sk in report["skipped_rows"]:
        total = sk["kind"] == "total"
        click.echo(
            f"Row {sk['row']} is {'a total row' if total else 'a signature or date footer'}, skipped: {sk['text']}"
            if en
            else f"第{sk['row']}行是{'合计/小计行' if total else '表尾签字/日期行'}，已跳过：{sk['text']}",
            err=True,
        )
    click.echo(
        f"{report['rows']} results published to {out_dir}" if en else f"已公开 {report['rows']} 条检查结果：{out_dir}"
    )
    if report["dropped_columns"]:
        cols = "、".join(report["dropped_columns"])
        click.echo(
            f"Columns left out of the public list (personal or unknown): {cols}"
            if en
            else f"以下列未公开（含个人信息或非公示内容）：{cols}",
            err=True,
        )
