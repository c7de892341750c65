"""The pipeline: load → validate → pack → calculators → checks → RunResult, and the
writers that put a run on disk all at once (complete outputs or none)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

import audit
from audit.calc import INTERPRETATIONS as CALC_INTERPRETATIONS
from audit.kinds import registry
from audit.calc import compute
from audit.kinds.claims import HELD_PROGRAMS
from audit.kinds.common import FINDING_SORT, as_findings, empty_findings, t
from audit.kinds.operating import month_ends
from audit.errors import AuditError
from audit.i18n import PAYERS, PROGRAMS, words
from audit.money import fen_to_yuan, fen_to_yuan_expr
from audit.outputs import output_set
from audit.privacy import defuse_frame, mask_ids_in_str, mask_ids_in_text

LEDGER_COLUMNS = [
    "institution_id",
    "program",
    "item",
    "period",
    "quantity",
    "rate",
    "amount",
    "payer",
    "rule",
    "citation",
    "basis",
]
FINDING_COLUMNS = ["institution_id", "rule", "severity", "message", "evidence", "citation", "period"]
HEADERS_ZH = {
    "institution_id": "机构编号",
    "name": "机构名称",
    "program": "项目",
    "item": "明细",
    "period": "期间",
    "quantity": "数量",
    "rate": "标准(元)",
    "amount": "金额(元)",
    "payer": "支付方",
    "rule": "规则",
    "citation": "依据",
    "basis": "计算过程",
    "severity": "级别",
    "message": "说明",
    "evidence": "数据",
}
PAYER_ZH = words(PAYERS, "zh")
PROGRAM_ZH = words(PROGRAMS, "zh")
SEVERITIES = ("error", "warning", "info")
PROGRAM_KINDS = registry.program_kinds()  # ledger program → the rule kinds paying into it


@dataclass
class RunResult:
    dataset: object
    pack: object
    year: int
    lang: str
    ledger: pl.DataFrame
    findings: pl.DataFrame
    staffing: pl.DataFrame
    manifest: dict
    institution: str | None = None
    extra: dict = field(default_factory=dict)
    # declared vs approved vs paid (audit.reconcile); empty without claims or payments
    reconciliation: pl.DataFrame | None = None
    discrepancies: pl.DataFrame | None = None  # claimed person-months not approved (and approved not claimed)

    def totals(self) -> pl.DataFrame:
        """Amount by program and payer (fen), sorted."""
        return self.ledger.group_by("program", "payer").agg(pl.col("amount_fen").sum()).sort("program", "payer")

    def held(self) -> pl.DataFrame:
        """Public-money ledger lines an error finding holds: same institution, and the
        finding's program (HELD_PROGRAMS) or else its cited clause (or it cites none).
        An error means a payment is held; ineligibility is info/warning and holds nothing."""
        errors = self.findings.filter((pl.col("severity") == "error") & pl.col("institution_id").is_not_null()).select(
            "institution_id",
            pl.col("rule").alias("held_by"),
            pl.col("citation").alias("_cited"),
            pl.col("rule").replace_strict(HELD_PROGRAMS, default=None, return_dtype=pl.String).alias("_program"),
        )
        if not errors.height or not self.ledger.height:
            return self.ledger.clear().with_columns(pl.lit(None, pl.String).alias("held_by"))
        hit = (
            self.ledger.filter(pl.col("payer") != "institution")
            .join(errors, on="institution_id")
            .filter(
                pl.when(pl.col("_program").is_not_null())
                .then(pl.col("program") == pl.col("_program"))
                .otherwise(pl.col("_cited").is_null() | pl.col("_cited").str.contains(pl.col("citation"), literal=True))
            )
        )
        return (
            hit.group_by(self.ledger.columns, maintain_order=True)
            .agg(pl.col("held_by").unique().sort().str.join(","))
            .sort("institution_id", "program", "item", "period", "payer", "rule")
        )

    def severity_counts(self) -> dict[str, int]:
        counts = dict(self.findings.group_by("severity").len().iter_rows())
        return {s: int(counts.get(s, 0)) for s in SEVERITIES}


def _problems_as_findings(problems: pl.DataFrame, tables: dict, lang: str) -> pl.DataFrame:
    """Validation warnings become findings (rule = the check id, severity warning), with
    the institution the flagged row belongs to where the table names one."""
    if problems is None or not problems.height:
        return empty_findings()
    warn = problems.filter(pl.col("severity") == "warning").with_row_index("_p")
    owners = [
        tables[t].select(
            pl.lit(t).alias("table"),
            pl.col("_row").alias("row"),
            (pl.col("_sheet") if "_sheet" in tables[t].columns else pl.lit(None, pl.String)).alias("_owner_sheet"),
            "institution_id",
        )
        for t in sorted(set(warn["table"].drop_nulls()))
        if t in tables and {"_row", "institution_id"} <= set(tables[t].columns)
    ]
    if owners:  # rosters stacked from one sheet per home repeat row numbers: the sheet decides
        owner = (
            warn.select("_p", "table", "row", "sheet")
            .join(pl.concat(owners), on=["table", "row"])
            .filter(pl.col("_owner_sheet").is_null() | (pl.col("_owner_sheet") == pl.col("sheet")))
            .unique("_p", keep="first")
            .select("_p", "institution_id")
        )
        warn = warn.join(owner, on="_p", how="left").sort("_p")
    else:
        warn = warn.with_columns(pl.lit(None, pl.String).alias("institution_id"))
    msg = "message_en" if lang == "en" and "message_en" in warn.columns else "message"
    from audit.data.validation import where_words

    return as_findings(
        warn.select(
            "institution_id",
            pl.col("check").alias("rule"),
            pl.lit("warning").alias("severity"),
            pl.col(msg).alias("message"),
            (
                where_words(warn, lang)
                + pl.when(pl.col("value").fill_null("") != "")
                .then(pl.lit(t(lang, "，值 ", ", value ")) + pl.col("value"))
                .otherwise(pl.lit(""))
            ).alias("evidence"),
            pl.lit(None, pl.String).alias("citation"),
            pl.lit(None, pl.String).alias("period"),
        )
    )


def policy_problems(dataset, pack, year: int | None, period=None, lang: str = "zh") -> pl.DataFrame:
    """What `validate --policy P --year Y` adds to the data's own problems: the columns the
    rules in force that year read and the data lacks, and the money riding on every input
    the reader could not use (audit.stake). Without a year or period, the columns of every
    rule and no money."""
    from audit.data.needs import missing_for_pack
    from audit.dates import Period
    from audit.data.validation import locate
    from audit.stake import blank_open_problems, stake_problems

    if year is None and period is None:
        return missing_for_pack(pack, dataset.tables, dataset.sources)
    year, span = year_and_period(year, period, lang)
    needed = missing_for_pack(pack, dataset.tables, dataset.sources, span or Period.year(year))
    stakes = _stakes(dataset, pack, year, span)
    found = [needed] if stakes is None else [needed, stake_problems(stakes, year, lang)]
    # a blank 营利性质 under an open non-profit share: paid as for-profit, the non-profit amount open
    blank_open = _estimate(lambda: blank_open_problems(dataset.tables, dataset.sources, pack, year, span))
    # named as the user sees the cell (sheet, row, column letter, own header), as the data's own problems
    return locate(pl.concat(found + ([blank_open] if blank_open is not None else [])), dataset.sources)


def _estimate(make):
    """`make()`, or None when the sums cannot be made: data with errors (validate) may hold
    blanks the calculators cannot take — the errors say why — and an estimate must never stop
    a run (AUDIT_DEBUG=1 shows why)."""
    try:
        return make()
    except AuditError:
        raise
    except Exception:  # noqa: BLE001
        if os.environ.get("AUDIT_DEBUG"):
            raise
        return None


def _stakes(dataset, pack, year, span):
    """audit.stake.money_at_stake, or None when the sums cannot be made (_estimate)."""
    from audit.stake import money_at_stake

    return _estimate(lambda: money_at_stake(dataset.tables, dataset.sources, dataset.problems, pack, year, span))


def _data_findings(dataset, pack, year, lang, span) -> pl.DataFrame:
    """Findings about the input itself: its warnings, the columns rules in force read and
    it lacks, and the money at stake on what could not be read (audit.stake)."""
    from audit.data.needs import missing_for_pack
    from audit.dates import Period
    from audit.stake import stake_findings

    needed = missing_for_pack(pack, dataset.tables, dataset.sources, span or Period.year(year))
    problems = pl.concat([dataset.problems, needed], how="diagonal_relaxed") if needed.height else dataset.problems
    stakes = _stakes(dataset, pack, year, span)
    found = [_problems_as_findings(problems, dataset.tables, lang)]
    if stakes is not None:
        found.append(stake_findings(stakes, year, lang, span.label if span is not None else None, dataset.sources))
    else:  # the doubtful-input warnings stand; say that their money is not summed
        found.append(
            as_findings(
                pl.DataFrame(
                    [
                        {
                            "rule": "at_stake_not_estimated",
                            "severity": "warning",
                            "message": t(
                                lang,
                                "无法读取的输入所涉及的金额未能估算；相关警告照常列出，请逐条核对（AUDIT_DEBUG=1 可查看原因）",
                                "the money riding on inputs that could not be read was not estimated; their warnings stand, "
                                "check each (AUDIT_DEBUG=1 shows why)",
                            ),
                            "evidence": "money_at_stake=failed",
                        }
                    ]
                )
            )
        )
    return pl.concat(found)


def _checks(dataset, pack, period, lang):
    """audit.checks.run_checks when it exists (it is built alongside)."""
    try:
        from audit.checks import run_checks
    except ModuleNotFoundError as e:
        if e.name not in ("audit.checks",):
            raise
        return empty_findings(), pl.DataFrame(
            schema={
                "institution_id": pl.String,
                "month_end": pl.Date,
                "required": pl.Int64,
                "actual": pl.Float64,
                "shortfall": pl.Float64,
            }
        )
    findings, staffing = run_checks(dataset, pack, period, lang)
    return as_findings(findings), staffing


def _jsonable(v):
    from fractions import Fraction

    if isinstance(v, Fraction):
        return f"{v.numerator}/{v.denominator}" if v.denominator != 1 else str(v.numerator)
    if isinstance(v, (set, frozenset)):
        return sorted(v)
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, (int, float, str, bool)) or v is None:
        return v
    return str(v)


def _interpretations(pack, ctx, lang) -> list[dict]:
    """Pack interpretations referenced by the pack's parameters, plus the calculators'
    own readings (the pack's text wins where both speak of the same thing)."""
    used = {getattr(pack, "effective_interpretation", None)}  # how the dates were chosen
    for rule in pack.rules.values():
        for p in rule.params.values():
            used.add(getattr(p, "interpretation", None))
            used.update(getattr(e, "interpretation", None) for e in p.values)
    out = {
        i["id"]: {"id": i["id"], "source": "pack", "text": i["text_en" if lang == "en" else "text_zh"]}
        for i in pack.interpretations
        if i["id"] in used
    }
    for key in sorted(ctx.interpretations):
        if key not in out:
            zh, en = CALC_INTERPRETATIONS[key]
            out[key] = {"id": key, "source": "calculator", "text": en if lang == "en" else zh}
    return [out[k] for k in sorted(out)]


def _manifest(dataset, pack, year, lang, ctx, ledger, findings, institution) -> dict:
    inputs = {}
    for table, s in sorted((dataset.sources or {}).items()):
        if table == "*":
            continue
        inputs[table] = {
            "file": Path(s["path"]).name if s.get("path") else None,
            "sheet": s.get("sheet"),
            "sha256": s.get("sha256"),
            "encoding": s.get("encoding"),
        }
    counts = dict(findings.group_by("severity").len().iter_rows())
    return {
        "tool": "audit",
        "version": audit.__version__,
        "year": year,
        "lang": lang,
        **(
            {
                "period": ctx.period.label,
                "period_start": ctx.period.start.isoformat(),
                "period_end": ctx.period.end.isoformat(),
            }
            if ctx.period is not None
            else {}
        ),
        "pack": {
            "id": pack.id,
            "title": pack.title,
            "number": pack.number,
            "status": pack.status,
            "sha256": pack.sha256,
            "effective": str(pack.effective),
        },
        "overrides": _jsonable(list(pack.overrides)),
        "interpretations": _interpretations(pack, ctx, lang),
        "inputs": inputs,
        "reference_dates": {
            "parameters_and_conditions": ctx.ref_date.isoformat(),
            "resident_month_ends": [d.isoformat() for d in (ctx.span.month_ends if ctx.period else month_ends(year))],
        },
        "average_premium_used": {k: fen_to_yuan(v) for k, v in sorted(ctx.average_premium.items())},
        "institution": institution,
        "counts": {
            "ledger_lines": ledger.height,
            "amount_total": fen_to_yuan(int(ledger["amount_fen"].sum())),
            "amount_public": fen_to_yuan(int(ledger.filter(pl.col("payer") != "institution")["amount_fen"].sum())),
            "findings": {s: int(counts.get(s, 0)) for s in SEVERITIES},
        },
        "csv_encoding": "utf-8 with BOM (Excel on Chinese Windows opens it correctly)",
    }


RUN_STAGES = ("read", "policy", "calc", "checks")


def run(
    data_path,
    policy,
    year: int | None = None,
    sets=(),
    override_file=None,
    lang: str = "zh",
    institution: str | None = None,
    progress=None,
    period=None,
) -> RunResult:
    """One audit year (or `period`: 2024H1, 2024Q3, 2024-05, 2021-07..2022-06 — see
    audit.dates): read and validate the data (InputError on errors, nothing
    computed), load the pack with local values, compute the ledger, run the checks.
    With `institution`, the whole input is computed (averages and allocations depend on
    everyone) and the result narrowed to that institution. `progress(stage)` (optional)
    is called as each of RUN_STAGES begins, for a progress bar."""
    year, span = year_and_period(year, period, lang)
    dataset, pack = load_inputs(data_path, policy, sets, override_file, lang, progress)
    return run_loaded(dataset, pack, year, lang=lang, institution=institution, progress=progress, period=span)


def load_inputs(data_path, policy, sets=(), override_file=None, lang: str = "zh", progress=None):
    """(dataset, pack): the data read and validated (InputError on errors, nothing
    computed), then the pack with its local values; `progress` hears "read" and "policy"."""
    from audit.data.io import load_data
    from audit.policy import load_pack

    step = progress or (lambda stage: None)
    step("read")
    dataset = load_data(data_path, lang=lang)
    dataset.raise_if_errors()
    step("policy")
    return dataset, load_pack(policy, sets=sets, override_file=override_file, lang=lang)


def year_and_period(year: int | None, period, lang: str = "zh"):
    """--year / --period → (year, Period or None): a calendar-year period is that --year;
    another period's year is the year it ends in."""
    from audit.dates import Period, PeriodError

    span = Period.parse(period) if period is not None else None
    if span is not None and span.is_calendar_year:
        year, span = span.start.year, None  # --period 2024 is --year 2024
    if year is None:
        if span is None:
            raise PeriodError(t(lang, "请给出核算年度 --year 或期间 --period", "give --year or --period"))
        year = span.end.year
    return year, span


def run_loaded(
    dataset, pack, year: int, lang: str = "zh", institution: str | None = None, progress=None, period=None
) -> RunResult:
    """`run` on data already read and validated and a pack already loaded: audit.compare
    reads the data once and runs it under two packs. `period`: an audit.dates.Period that
    is not a calendar year, or None."""
    span = period
    step = progress or (lambda stage: None)
    ids = set(dataset.tables["institutions"]["institution_id"].to_list())
    if institution is not None and institution not in ids:
        from audit.errors import InputError

        raise InputError(t(lang, f"输入数据中没有机构 {institution}", f"institution {institution} is not in the input"))
    step("calc")
    ledger, calc_findings, ctx = compute(dataset, pack, year, lang, period=span)
    step("checks")
    check_findings, staffing = _checks(dataset, pack, span or year, lang)
    recon, discrepancies, recon_findings = _reconcile(dataset, pack, year, lang, ledger, ctx, calc_findings)
    findings = pl.concat(
        [calc_findings, check_findings, recon_findings, _data_findings(dataset, pack, year, lang, span)]
    )
    if institution is not None:
        recon = recon.filter(pl.col("institution_id") == institution)
        discrepancies = discrepancies.filter(pl.col("institution_id") == institution)
        ledger = ledger.filter(pl.col("institution_id") == institution)
        findings = findings.filter(pl.col("institution_id").is_null() | (pl.col("institution_id") == institution))
        staffing = staffing.filter(pl.col("institution_id") == institution)
    findings = findings.unique(maintain_order=True).sort(FINDING_SORT, nulls_last=True)
    if staffing.height and "month_end" in staffing.columns:
        staffing = staffing.sort("institution_id", "month_end")
    manifest = _manifest(dataset, pack, year, lang, ctx, ledger, findings, institution)
    return RunResult(
        dataset=dataset,
        pack=pack,
        year=year,
        lang=lang,
        ledger=ledger,
        findings=findings,
        staffing=staffing,
        manifest=manifest,
        institution=institution,
        extra={"ctx": ctx},
        reconciliation=recon,
        discrepancies=discrepancies,
    )


def _reconcile(dataset, pack, year, lang, ledger, ctx, calc_findings):
    """(reconciliation, per-resident discrepancies, their findings); empty frames when the
    input holds no claims, claimed residents or payments."""
    from audit.reconcile import RECONCILIATION_SCHEMA, reconcile, resident_discrepancies

    tables = dataset.tables
    discrepancies, found = resident_discrepancies(tables, pack, ctx, lang)
    if not (tables["claims"].height or tables["payments"].height):
        return pl.DataFrame(schema=RECONCILIATION_SCHEMA), discrepancies, as_findings(found)
    recon, more = reconcile(tables, ledger, ctx, pack, year, lang, discrepancies, calc_findings)
    return recon, discrepancies, as_findings(pl.concat([as_findings(found), as_findings(more)]))


# ---------------------------------------------------------------- writing


def ledger_table(result: RunResult) -> pl.DataFrame:
    """The ledger as written: yuan text, contract column order, sorted, formulas defused."""
    return defuse_frame(
        result.ledger.sort("institution_id", "program", "item", "period", "payer", "rule").select(
            "institution_id",
            "program",
            "item",
            "period",
            "quantity",
            fen_to_yuan_expr(pl.col("rate_fen")).alias("rate"),
            fen_to_yuan_expr(pl.col("amount_fen")).alias("amount"),
            "payer",
            "rule",
            "citation",
            "basis",
        )
    )


def findings_table(result: RunResult) -> pl.DataFrame:
    """Findings as written: person ids inside text masked, formulas defused."""
    f = result.findings.with_columns(mask_ids_in_text(pl.col(c)) for c in ("message", "evidence"))
    return defuse_frame(f.select(FINDING_COLUMNS))


def write_outputs(result: RunResult, out_dir, report: bool = True, progress=None, signing=None) -> list[Path]:
    """ledger.csv, ledger.xlsx, findings.csv, manifest.json and (when the report module
    is there and `report`) report.html / report.pdf — written into a temporary folder beside out_dir
    and renamed into place only when all succeeded (an out_dir holding a previous run's
    outputs is replaced; a folder with other files keeps them).
    CSV files carry a UTF-8 BOM so Excel on Chinese Windows reads them correctly.
    `signing` (audit.report.signing.Signing) names the unit and signers on the report."""
    out = Path(out_dir).resolve()
    with output_set(out, OUTPUT_NAMES, result.lang) as tmp:
        ledger_table(result).write_csv(tmp / "ledger.csv", include_bom=True)
        findings_table(result).write_csv(tmp / "findings.csv", include_bom=True)
        from audit.report.workbooks import write_findings_xlsx, write_ledger_xlsx

        write_ledger_xlsx(result, tmp / "ledger.xlsx")
        _write_reconciliation(result, tmp)
        write_findings_xlsx(result, tmp / "findings.xlsx")
        (tmp / "manifest.json").write_text(
            json.dumps(result.manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        if report:
            from audit.report import write_bureau_report

            if progress is not None:
                progress("report")
            write_bureau_report(result, tmp, signing)
    return sorted(out.iterdir())


OUTPUT_NAMES = {
    "ledger.csv",
    "ledger.xlsx",
    "findings.csv",
    "findings.xlsx",
    "manifest.json",
    "report.html",
    "report.pdf",
    "reconciliation.csv",
    "claim_discrepancies.csv",
    "approved.csv",
}
SELFCHECK_NAMES = {"selfcheck_*.html", "selfcheck_*.pdf"}
NOTICE_NAMES = {"notice_*.html", "notice_*.pdf"}


def _write_reconciliation(result: RunResult, folder: Path) -> None:
    """approved.csv (资金公示 data, no person data); reconciliation.csv when the input held
    claims or payments; claim_discrepancies.csv when it held a 申报名册 (person masked)."""
    from audit.reconcile import reconciliation_table, write_discrepancies_csv
    from audit.report.reconciliation import approved_public

    approved = approved_public(result)
    approved.with_columns(fen_to_yuan_expr(pl.col("approved_fen")).alias("approved")).drop("approved_fen").pipe(
        defuse_frame
    ).write_csv(folder / "approved.csv", include_bom=True)
    if result.reconciliation is not None and result.reconciliation.height:
        reconciliation_table(result.reconciliation).write_csv(folder / "reconciliation.csv", include_bom=True)
    if result.discrepancies is not None and result.discrepancies.height:
        write_discrepancies_csv(result.discrepancies, folder / "claim_discrepancies.csv")


# ---------------------------------------------------------------- explain

INPUT_COLUMNS = registry.program_inputs()  # ledger program → institution columns explain shows


def _params_of(item: str) -> list[str]:
    """The parameters explain quotes for a ledger item (from the kind's declaration)."""
    declared = registry.item_of(item)
    return list(declared.params) if declared else []


def explain(result: RunResult, institution_id: str, program: str | None = None, lang: str | None = None) -> str:
    """How each ledger line of one institution was derived: the inputs counted, the
    parameter with its clause and quoted words, and the arithmetic. Ids masked."""
    from audit.kinds.common import Ctx
    from audit.kinds.operating import counted_months
    from audit.privacy import mask_text

    from audit.data import contract as schema
    from audit.report.labels import LABELS, item_label

    lang = lang or result.lang
    L = lambda zh, en: en if lang == "en" else zh
    labels = LABELS["en" if lang == "en" else "zh"]

    def field(column: str, value, table: str = "institutions") -> str:
        """`header=value` as the clerk's sheet says it (Chinese header and enum word in zh)."""
        name = column[:-4] if column.endswith("_fen") else column
        text = fen_to_yuan(value, True) if column.endswith("_fen") else str(value)
        if isinstance(value, bool):
            text = L("是" if value else "否", "yes" if value else "no")
        if lang == "en":
            return f"{name}={text}"
        col = schema.table(table).column(name)
        words = (col.values or {}).get(value) if isinstance(value, str) else None
        return f"{col.zh}={words[0] if words else text}"

    tables = result.dataset.tables
    inst = tables["institutions"].filter(pl.col("institution_id") == institution_id)
    if not inst.height:
        from audit.errors import InputError

        raise InputError(L(f"输入数据中没有机构 {institution_id}", f"institution {institution_id} is not in the input"))
    row = inst.row(0, named=True)
    lines = result.ledger.filter(pl.col("institution_id") == institution_id)
    if program:
        lines = lines.filter(pl.col("program") == program)
    period = (result.manifest or {}).get("period")
    scope_zh, scope_en = (
        (f"{period} 期间", f"period {period}") if period else (f"{result.year} 年度", f"year {result.year}")
    )
    out = [
        L(
            f"机构 {institution_id} {row.get('name') or ''}（{row.get('county') or ''}）{scope_zh}核算说明",
            f"Institution {institution_id} {row.get('name') or ''} ({row.get('county') or ''}), {scope_en}",
        ),
        L(
            f"政策包：{result.pack.title}（{result.pack.id}，状态 {result.pack.status}）",
            f"Policy pack: {result.pack.title} ({result.pack.id}, status {result.pack.status})",
        ),
        "",
    ]
    if not lines.height:
        out.append(L("本年度没有应付款项。", "No payable line this year."))
    ref = date_of(result.year)
    shown_inputs = set()
    for n, ln in enumerate(lines.iter_rows(named=True), start=1):
        rule = result.pack.rules.get(ln["rule"])
        out.append(
            f"[{n}] {PROGRAM_ZH.get(ln['program'], ln['program']) if lang != 'en' else ln['program']}"
            f" · {item_label(ln['item'], labels)}{L('（', ' (')}{ln['item']}{L('）', ')')} · {ln['period']} · {L('支付方', 'payer')} "
            f"{PAYER_ZH.get(ln['payer'], ln['payer']) if lang != 'en' else ln['payer']}: "
            f"{fen_to_yuan(ln['amount_fen'], True)} {L('元', 'yuan')}"
        )
        out.append(f"    {L('计算', 'arithmetic')}: {ln['basis']}")
        out.append(f"    {L('规则', 'rule')}: {ln['rule']}{L('（', ' (')}{ln['citation']}{L('）', ')')}")
        if ln["program"] not in shown_inputs:
            shown_inputs.add(ln["program"])
            cols = [c for c in INPUT_COLUMNS.get(ln["program"], []) if row.get(c) is not None]
            shown = [field(c, row[c]) for c in cols]
            if ln["program"] == "insurance":
                prem = tables["insurance"].filter(
                    (pl.col("institution_id") == institution_id) & (pl.col("year") == result.year)
                )
                shown += [
                    f"{field('premium_fen', f, 'insurance')} {field('scheme', sc, 'insurance')}"
                    for f, sc in prem.select("premium_fen", "scheme").rows()
                ]
            out.append(f"    {L('输入', 'inputs')}: " + ", ".join(shown))
        if rule is not None:
            for name in _params_of(ln["item"]):
                if not rule.has(name):
                    continue
                try:
                    e = rule.entry(name, ref)
                except AuditError:
                    continue
                p = rule.param(name)
                if (
                    name == {"self_built": "rate_leased", "leased": "rate_self_built"}.get(row.get("premises"))
                    and ln["program"] == "construction"
                ):
                    continue  # the other kind of premises
                local = (
                    f"{L('（本地设定', ' (locally set')}: {_format_value(p.unit, p.local_on(e), lang)}{L('）', ')')}"
                    if p.local is not None
                    else ""
                )
                val = L("原文未规定", "not set by the text") if e.gap else _format_value(p.unit, e.value, lang)
                out.append(
                    f"    {L('参数', 'parameter')} {name} = {val}{local}{L('；', '; ')}{rule.short} {e.clause}"
                    f"{L('：', ': ')}“{e.quote}”"
                )
        if ln["program"] == "operating" and rule is not None:
            ctx = Ctx(
                pack=result.pack,
                year=result.year,
                lang=lang,
                period=getattr((result.extra or {}).get("ctx"), "period", None),
            )  # the run's period
            one = {
                k: (v.filter(pl.col("institution_id") == institution_id) if "institution_id" in v.columns else v)
                for k, v in tables.items()
            }
            months = counted_months(rule, one, ctx)
            if ln["item"].startswith("resident_months_") and months.height:
                by_month = months.group_by("month_end").len().sort("month_end")
                out.append(
                    f"    {L('按月计人数', 'counted by month')}: "
                    + L("，", ", ").join(f"{d.strftime('%Y-%m')}: {k}" for d, k in by_month.iter_rows())
                )
                # residents grouped by months counted, a few ids a line (a home has hundreds)
                per = (
                    months.group_by("person_id")
                    .agg(pl.len().alias("m"))
                    .group_by("m")
                    .agg(pl.col("person_id").sort())
                    .sort("m", descending=True)
                )
                out.append(f"    {L('计入的老人（身份证号已遮蔽）', 'residents counted (ids masked)')}:")
                for m, ids in per.iter_rows():
                    out.append(
                        f"      {m} {L('个月', 'months')}{L('（', ' (')}{len(ids)} {L('人', 'residents')}{L('）', ')')}:"
                    )
                    out += ["        " + "  ".join(mask_text(p) for p in ids[i : i + 6]) for i in range(0, len(ids), 6)]
        out.append("")
    # gaps are one finding per rule × parameter (ids sampled in its evidence): say which hit this institution
    gap_ids = getattr(result.extra.get("ctx"), "gap_ids", {})
    # paid on the for-profit reading of a blank 营利性质, the non-profit amount open (Ctx.blank_gap)
    read_forprofit = {
        k for k, ids in getattr(result.extra.get("ctx"), "blank_gap_ids", {}).items() if institution_id in ids
    }
    gaps = sorted(
        k
        for k, ids in gap_ids.items()
        if institution_id in ids
        and (program is None or result.pack.rules[k.split(".")[0]].kind in PROGRAM_KINDS[program])
    )
    if gaps:
        if read_forprofit:
            out.append(
                L(
                    "政策未规定、本机构因此未计发或金额未定的项目：",
                    "Left open by the policy text (not paid, or the amount not settled):",
                )
            )
        else:
            out.append(L("政策未规定、本机构未计发的项目：", "Not paid because the policy text leaves it open:"))
        for key in gaps:
            rule = result.pack.rules[key.split(".")[0]]
            blank = (
                L(
                    "本机构未填写营利性质，已按营利性计发，如属非营利性，应计发数额无法计算；",
                    "profit status blank, paid as for-profit; if non-profit, what is due cannot be computed; ",
                )
                if key in read_forprofit
                else ""
            )
            out.append(
                L(
                    f"  - {key}（{rule.citation}）：原文未规定，{blank}可用 --set {key}=数值 设定本地标准后重算",
                    f"  - {key} ({rule.citation}): not set by the text; {blank}set a local value with "
                    f"--set {key}=VALUE and run again",
                )
            )
        out.append("")
    f = result.findings.filter(pl.col("institution_id") == institution_id)
    if program is None and f.height:
        out.append(L("发现：", "Findings:"))
        for r in f.iter_rows(named=True):
            out.append(
                f"  - [{r['severity']}] {r['rule']}: {r['message']}{L('（', ' (')}{r['evidence']}"
                f"{L('；', '; ')}{r['citation'] or ''}{L('）', ')')}"
            )

    return mask_ids_in_str("\n".join(out).rstrip() + "\n")


def _format_value(unit: str, value, lang: str) -> str:
    """A parameter as people read it (yuan, percent), via the policy module's formatter."""
    try:
        from audit.policy.values import format_value
    except ModuleNotFoundError:  # older layout
        from audit.policy import format_value
    return format_value(unit, value, lang)


def date_of(year: int):
    from datetime import date

    return date(year, 12, 31)


# ---------------------------------------------------------------- selfcheck


def pick_institutions(ids: list[str], institution_id: str | None, each: bool, lang: str) -> list[str]:
    """Which institutions to report on, or a usage error saying how to choose."""
    from audit.errors import UsageError

    if institution_id and each:
        raise UsageError(
            t(lang, "--institution 与 --each 只能选其一。", "Use either --institution or --each, not both.")
        )
    if each:
        return ids
    if institution_id:
        if institution_id not in ids:
            shown = "、".join(ids[:10]) + ("…" if len(ids) > 10 else "")
            raise UsageError(
                t(
                    lang,
                    f"--institution: 数据中没有机构编号 {institution_id}（现有: {shown}）。",
                    f"--institution: no institution {institution_id} in the data (have: {shown}).",
                )
            )
        return [institution_id]
    if len(ids) == 1:
        return ids
    raise UsageError(
        t(
            lang,
            f"数据中有 {len(ids)} 家机构：请用 --institution 指定一家，或用 --each 为每家各出一份。",
            f"The data holds {len(ids)} institutions: pick one with --institution, or use --each.",
        )
    )


class Selfcheck:
    """What `selfcheck` made: the run, the institutions reported on, the files written."""

    def __init__(self, result, institutions: list[str], paths: list[Path]):
        self.result, self.institutions, self.paths = result, institutions, paths

    @property
    def findings(self) -> pl.DataFrame:
        return self.result.findings.filter(pl.col("institution_id").is_in(self.institutions))


def selfcheck(
    data_path,
    policy,
    year: int | None,
    out_dir,
    institution: str | None = None,
    each: bool = False,
    sets=(),
    override_file=None,
    lang: str = "zh",
    deadline: str | None = None,
    jobs: int | None = None,
    period=None,
) -> Selfcheck:
    """Self-check report(s) for one institution (or, with each=True, every one) into
    out_dir, all or nothing. The whole input is computed once (averages depend on everyone);
    `jobs` processes render the PDFs (default: one per CPU). `period`: as for `run`."""
    from audit.report import write_selfcheck, write_selfchecks

    result = run(data_path, policy, year, sets=sets, override_file=override_file, lang=lang, period=period)
    ids = sorted(result.dataset.tables["institutions"]["institution_id"].drop_nulls().unique().to_list())
    chosen = pick_institutions(ids, institution, each, lang)
    out = Path(out_dir)
    with output_set(out, SELFCHECK_NAMES, lang) as tmp:
        if len(chosen) == 1:
            paths = write_selfcheck(result, chosen[0], tmp, deadline)
        else:
            paths = write_selfchecks(result, chosen, tmp, workers=jobs, deadline=deadline)
    return Selfcheck(result, chosen, [out / p.name for p in paths])


# ---------------------------------------------------------------- approval notices (核定通知书)


def notices(
    data_path,
    policy,
    year: int | None,
    out_dir,
    institution: str | None = None,
    each: bool = False,
    sets=(),
    override_file=None,
    lang: str = "zh",
    period=None,
) -> Selfcheck:
    """Approval notices (notice_<id>.html / .pdf) for one institution, or with each=True for
    every institution with claims or payments, into out_dir, all or nothing; `period` (as for
    `run`): a half-year's or quarter's claims are approved for that period."""
    from audit.errors import UsageError
    from audit.report.reconciliation import write_approval_notices

    result = run(data_path, policy, year, sets=sets, override_file=override_file, lang=lang, period=period)
    recon = result.reconciliation
    ids = sorted(recon["institution_id"].unique().to_list()) if recon is not None and recon.height else []
    if not ids:
        raise UsageError(
            t(
                lang,
                "输入数据中没有“申报”或“拨付”记录，无法出具核定通知书。",
                "The input holds no claims or payments: there is nothing to approve.",
            )
        )
    chosen = pick_institutions(ids, institution, each, lang)
    out = Path(out_dir)
    with output_set(out, NOTICE_NAMES, lang) as tmp:
        paths = write_approval_notices(result, chosen, tmp)
    return Selfcheck(result, chosen, [out / p.name for p in paths])
