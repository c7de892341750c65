"""Who files the bureau report: the reporting unit, the people who sign it, the report
date and status. Given as options or in a small YAML file (options win), so a bureau
sets its names once; nothing here is read from the data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace
from pathlib import Path

import yaml

from audit.errors import UsageError

# YAML keys, in Chinese as a clerk writes them or in English
KEYS = {
    "填报单位": "unit",
    "经办人": "preparer",
    "审核人": "reviewer",
    "负责人": "head",
    "报告日期": "report_date",
    "状态": "status",
    "报告状态": "status",
}


@dataclass(frozen=True)
class Signing:
    """Blank fields are left as lines to fill by hand on the printed page (never invented)."""

    unit: str = ""
    preparer: str = ""
    reviewer: str = ""
    head: str = ""
    report_date: str = ""  # ISO date; blank: dated by hand when signed (keeps outputs reproducible)
    status: str = ""
    ledger_appendix: bool = False  # every ledger line in the PDF too (it is always in ledger.csv/.xlsx)


def _date(text: str, lang: str) -> str:
    try:
        return dt.date.fromisoformat(str(text).strip()).isoformat()
    except ValueError:
        raise UsageError(
            f"报告日期应写作 2025-01-31，得到 {text!r}"
            if lang != "en"
            else f"the report date is written 2025-01-31, got {text!r}"
        ) from None


def load_signing(config: str | Path | None = None, lang: str = "zh", **given) -> Signing:
    """Signing details from a YAML file (`填报单位: 某某区民政局` …) overlaid with the
    options given (None or "" = not given)."""
    values: dict = {}
    if config:
        try:
            data = yaml.safe_load(Path(config).read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
            raise UsageError(
                f"无法读取报告设置文件 {config}：{e}"
                if lang != "en"
                else f"cannot read the report settings file {config}: {e}"
            ) from None
        if not isinstance(data, dict):
            raise UsageError(
                f"报告设置文件 {config} 应为“键: 值”形式"
                if lang != "en"
                else f"the report settings file {config} must hold key: value lines"
            )
        known = {f.name for f in fields(Signing)}
        for key, value in data.items():
            name = KEYS.get(str(key), str(key))
            if name not in known:
                allowed = "、".join(KEYS)
                raise UsageError(
                    f"报告设置文件 {config} 中的“{key}”无法识别（可用：{allowed}）"
                    if lang != "en"
                    else f"unknown key {key!r} in {config} (known: {', '.join(sorted(known))})"
                )
            values[name] = value if name == "ledger_appendix" else ("" if value is None else str(value).strip())
    values.update({k: v for k, v in given.items() if v not in (None, "", False)})
    signing = replace(Signing(), **values)
    if signing.report_date:
        signing = replace(signing, report_date=_date(signing.report_date, lang))
    return signing
