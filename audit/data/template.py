"""A blank input workbook derived from schemas/: one sheet per table with Chinese
headers and drop-down lists, plus a 说明 sheet describing every column."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


from audit.data import contract as schema
from audit.privacy import safe_workbook
from audit.errors import OutputError, os_error_text

MAX_ROW = 1_048_575  # last row index xlsxwriter accepts (0-based)
LIST_SOURCE_LIMIT = 255  # Excel's limit on a literal drop-down list
BOOL_CHOICES = ["是", "否"]
GUIDE_SHEET = "说明"


def _display_width(text: str) -> int:
    """Column width in Excel units: CJK characters are about two Latin ones wide."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(text))


def enum_choices(col: schema.Column) -> list[str]:
    """Chinese spelling offered in the drop-down: the first synonym of each value."""
    return [syns[0] if syns else canon for canon, syns in col.values.items()]


def _column_sheet(wb, table: schema.Table, fmt_head, fmt_text, fmt_date):
    ws = wb.add_worksheet(table.zh)
    ws.freeze_panes(1, 0)
    for j, col in enumerate(table.columns):
        head = col.zh
        ws.write_string(0, j, head, fmt_head)
        if col.required:
            ws.write_comment(0, j, f"必填。{col.description}")
        elif col.description:
            ws.write_comment(0, j, col.description)
        width = max(_display_width(head) + 4, 12)
        ws.set_column(j, j, width, fmt_date if col.type == "date" else fmt_text)
        choices = enum_choices(col) if col.type == "enum" else BOOL_CHOICES if col.type == "bool" else None
        if choices and len(",".join(choices)) <= LIST_SOURCE_LIMIT:
            ws.data_validation(
                1,
                j,
                MAX_ROW,
                j,
                {
                    "validate": "list",
                    "source": choices,
                    "error_title": col.zh,
                    "error_message": "请从下拉列表中选择：" + "、".join(choices),
                },
            )


def _guide_sheet(wb, fmt_head, fmt_wrap):
    ws = wb.add_worksheet(GUIDE_SHEET)
    heads = ["表", "表头", "英文列名", "类型", "必填", "可选值", "说明"]
    widths = [22, 26, 26, 10, 8, 60, 70]
    for j, (h, w) in enumerate(zip(heads, widths)):
        ws.write_string(0, j, h, fmt_head)
        ws.set_column(j, j, w, fmt_wrap)
    ws.freeze_panes(1, 0)
    r = 1
    for t in schema.tables().values():
        for col in t.columns:
            allowed = (
                col.accepted_text(every_synonym=True) if col.type == "enum" else "是、否" if col.type == "bool" else ""
            )
            required = "是" if col.required else ("条件必填" if col.spec.get("required_when") else "否")
            ws.write_row(
                r,
                0,
                [f"{t.zh}（{t.name}）", col.zh, col.name, schema.TYPE_ZH[col.type], required, allowed, col.description],
                fmt_wrap,
            )
            r += 1


def write_template(out_file) -> Path:
    """Write the template atomically (temporary file, then rename) and return its path."""
    out = Path(out_file)
    if out.suffix.lower() != ".xlsx":
        raise OutputError(f"模板文件名应以 .xlsx 结尾：{out}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=out.parent)
        os.close(fd)
        wb = safe_workbook(tmp)
        fmt_head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        fmt_text = wb.add_format({"num_format": "@"})  # ids keep leading zeros
        fmt_date = wb.add_format({"num_format": "yyyy-mm-dd"})
        fmt_wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        for t in schema.tables().values():
            _column_sheet(wb, t, fmt_head, fmt_text, fmt_date)
        _guide_sheet(wb, fmt_head, fmt_wrap)
        wb.close()
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; the template is handed out
        os.replace(tmp, out)
    except OSError as e:
        raise OutputError(f"无法写入模板 {out}：{os_error_text(e)}") from e
    finally:
        if "tmp" in locals() and os.path.exists(tmp):
            os.unlink(tmp)
    return out
