"""The spreadsheets a clerk prints and filters: ledger.xlsx (a sheet per payer, a 汇总
sheet of programme × payer and county × programme, one row per institution) and
findings.xlsx (Chinese headers, institution names, severity and rule in words).

Print-ready: A4 landscape, one page wide, header row repeated, title in the header and
"第 X 页，共 Y 页" in the footer, frozen panes, autofilter. xlsxwriter writes the workbook —
styles, page setup, headers, the small 汇总 tables and the total rows; the body rows of
the big sheets (a line per ledger line or institution) are made as XML by polars
expressions, whole columns at once, and put into the sheet after xlsxwriter has closed
it: cell-by-cell Python took ~10 s for the 95,000 lines of a 40,000-institution ledger.
Values only: no formulas (totals are numbers), inline strings, money as exact decimal
text from the fen (`1234.56`), text defused against formula injection."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import polars as pl
from xlsxwriter.utility import xl_col_to_name

from audit.money import fen_to_yuan_expr

from audit.privacy import defuse_frame, safe_workbook
from audit.report.frames import mask_ids_in_text
from audit.report.labels import LABELS, PAYER_ORDER, PROGRAM_ORDER, SEVERITY_ORDER, item_label, label_of

L = LABELS["zh"]
OWN_SHARE = "institution"
FONT = "Noto Sans CJK SC"


def _in_order(values, order) -> list:
    present = set(values)
    return [v for v in order if v in present] + sorted(present - set(order), key=str)


_BAD_XML = r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"


def _xml_text(expr: pl.Expr) -> pl.Expr:
    """Text as XML character data (Excel's 32,767-character cell limit kept)."""
    return (
        expr.cast(pl.String)
        .str.replace_all(_BAD_XML, "")
        .str.slice(0, 32767)
        .str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
    )


ROWS_PER_PIECE = 8192  # body rows made at once: the cells' text of a whole 95,000-line ledger held ~400 MB


def _rows_xml(frame: pl.DataFrame, kinds: list[str], xf: list[int]) -> list[bytes]:
    """`<row>` elements for rows 2…n+1 as UTF-8 pieces, built column-wise by polars: one
    concatenation per cell (a null value makes the whole cell null, then empty) and one
    per row; the row number is a column made once, not an expression in every cell. Made
    a slice of rows at a time, so the cells' temporaries stay small."""
    r = pl.col("\x00row")
    cells = []
    for j, (col, kind) in enumerate(zip(frame.columns, kinds)):
        head = pl.lit(f'<c r="{xl_col_to_name(j)}')
        if kind in ("text", "wrap"):
            text = _xml_text(pl.col(col))
            parts = [pl.lit(f'" s="{xf[j]}" t="inlineStr"><is><t xml:space="preserve">'), text]
            tail = "</t></is></c>"
        else:
            value = fen_to_yuan_expr(pl.col(col)) if kind == "money" else pl.col(col).cast(pl.String)
            parts, tail = [pl.lit(f'" s="{xf[j]}"><v>'), value], "</v></c>"
        cells.append(pl.concat_str([head, r, *parts, pl.lit(tail)]).fill_null(""))
    rows = pl.concat_str([pl.lit('<row r="'), r, pl.lit('">'), *cells, pl.lit("</row>")])
    numbered = frame.with_columns(pl.int_range(2, frame.height + 2).cast(pl.String).alias(r.meta.output_name()))
    return [
        piece.select(rows.str.join("").cast(pl.Binary).alias("x"))["x"][0]
        for piece in numbered.iter_slices(ROWS_PER_PIECE)
    ]


def _inject(path: Path, bodies: dict[str, tuple[pl.DataFrame, list[str], list[int]]]) -> None:
    """Put each sheet's body rows (`_rows_xml` of its frame, kinds and styles) after its
    header row and widen its dimension; every other zip member is copied as is (same
    order, same timestamps). All in bytes: the body is never decoded or re-encoded, and
    one sheet's body is made at a time."""
    tmp = path.with_name(path.name + ".part")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename in bodies:
                frame, kinds, xf = bodies[info.filename]
                cut = data.index(b"</row>", data.index(b"<sheetData>")) + len(b"</row>")
                head = re.sub(
                    rb'<dimension ref="[^"]*"/>',
                    f'<dimension ref="A1:{xl_col_to_name(len(kinds) - 1)}{frame.height + 2}"/>'.encode(),
                    data[:cut],
                    count=1,
                )
                data = b"".join((head, *_rows_xml(frame, kinds, xf), data[cut:]))
            dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    tmp.replace(path)


class _Book:
    """An xlsxwriter workbook in constant-memory mode with the formats every sheet uses."""

    def __init__(self, path: Path, title: str):
        self.title, self.path, self.deferred = title, Path(path), []
        # the toolkit's one safe way to open an xlsx: strings stay strings, reproducible dates
        self.wb = safe_workbook(str(path), constant_memory=True)
        base = {"font_name": FONT, "font_size": 10, "valign": "top"}
        self.head = self.wb.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        self.text = self.wb.add_format({**base, "num_format": "@"})
        self.wrap = self.wb.add_format({**base, "num_format": "@", "text_wrap": True})
        self.money = self.wb.add_format({**base, "num_format": "#,##0.00"})
        self.int = self.wb.add_format({**base, "num_format": "0"})
        self.num = self.wb.add_format({**base, "num_format": "General"})
        self.bold_text = self.wb.add_format({**base, "bold": True})
        self.bold_money = self.wb.add_format({**base, "bold": True, "num_format": "#,##0.00", "top": 1})
        self.caption = self.wb.add_format({**base, "bold": True, "font_size": 12})

    def sheet(self, name: str, columns: list[tuple[str, float, object]], caption: str = ""):
        """A print-ready sheet: header row, column widths and formats, page setup."""
        ws = self.wb.add_worksheet(name[:31])
        for j, (_, width, fmt) in enumerate(columns):
            ws.set_column(j, j, width, fmt)
        ws.write_row(0, 0, [h for h, _, _ in columns], self.head)
        ws.freeze_panes(1, 2 if len(columns) > 4 else 0)
        ws.repeat_rows(0)
        self.page_setup(ws, caption or name)
        return ws

    def page_setup(self, ws, caption: str) -> None:
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)  # one page wide, as many pages long as it takes
        ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.7)
        title = f"{self.title} · {caption}".replace("&", "&&")
        ws.set_header(f'&C&"{FONT},Bold"&12{title}')
        ws.set_footer("&L&8&F&R&8第 &P 页，共 &N 页")

    def rows_later(self, ws, frame: pl.DataFrame, kinds: list[str]) -> None:
        """Body rows 2…n+1 of `ws`, put in after closing (see the module docstring).
        kinds per column: "text", "wrap", "money" (integer fen), "num"."""
        self.deferred.append((ws, frame, kinds))

    def close(self) -> None:
        self.wb.close()
        if not self.deferred:
            return
        styles = {"text": self.text, "wrap": self.wrap, "money": self.money, "num": self.num}
        bodies = {
            f"xl/worksheets/sheet{ws.index + 1}.xml": (frame, kinds, [styles[k]._get_xf_index() for k in kinds])
            for ws, frame, kinds in self.deferred
        }
        _inject(self.path, bodies)


LEDGER_COLUMNS = [  # header, width, format key, frame column
    ("机构编号", 12, "text", "institution_id"),
    ("机构名称", 24, "wrap", "name"),
    ("项目", 12, "text", "program_zh"),
    ("明细", 18, "wrap", "item_zh"),
    ("期间", 9, "text", "period"),
    ("数量", 8, "num", "quantity"),
    ("标准(元)", 12, "money", "rate_fen"),
    ("金额(元)", 14, "money", "amount_fen"),
    ("规则", 16, "text", "rule"),
    ("依据", 22, "wrap", "citation"),
    ("计算过程", 40, "wrap", "basis"),
]


def write_ledger_xlsx(result, path: Path) -> Path:
    """ledger.xlsx: 汇总 first, then 机构汇总 (one row per institution), then one sheet per
    payer with every line and a total row."""
    path = Path(path)
    inst = result.dataset.tables["institutions"]
    inst = inst.select("institution_id", "name", *(["county"] if "county" in inst.columns else []))
    if "county" not in inst.columns:
        inst = inst.with_columns(pl.lit(None, pl.String).alias("county"))
    items = {i: item_label(i, L) for i in result.ledger["item"].unique().to_list()}
    led = (
        result.ledger.join(inst, on="institution_id", how="left")
        .sort("institution_id", "program", "item", "period", "payer", "rule")
        .with_columns(
            pl.col("program").replace(L["programs"]).alias("program_zh"),
            pl.col("item").replace_strict(items, default=pl.col("item"), return_dtype=pl.String).alias("item_zh"),
            mask_ids_in_text(pl.col("basis").cast(pl.String).fill_null("")).alias("basis"),
            pl.col("county").fill_null("—"),
        )
    )
    public = led.filter(pl.col("payer") != OWN_SHARE)
    book = _Book(path, "补贴台账")
    fmt = {"text": book.text, "wrap": book.wrap, "money": book.money, "num": book.num, "int": book.int}
    _summary_sheet(book, led, public)
    _institution_sheet(book, public, inst, fmt)
    for payer in _in_order(led["payer"].unique().to_list(), PAYER_ORDER):
        part = led.filter(pl.col("payer") == payer)
        ws = book.sheet(label_of(L["payers"], payer), [(h, w, fmt[f]) for h, w, f, _ in LEDGER_COLUMNS])
        rows = defuse_frame(part.select([c for *_, c in LEDGER_COLUMNS]))
        book.rows_later(ws, rows, [f for _, _, f, _ in LEDGER_COLUMNS])
        total_row = rows.height + 1
        ws.write_string(total_row, 0, "合计", book.bold_text)
        ws.write_number(total_row, 7, int(part["amount_fen"].sum() or 0) / 100, book.bold_money)
        ws.autofilter(0, 0, rows.height, len(LEDGER_COLUMNS) - 1)
    recon = getattr(result, "reconciliation", None)
    if recon is not None and recon.height:  # the claims audit: 对账, values only
        _reconciliation_sheet(book, recon)
    book.close()
    return path


RECON_COLUMNS = [  # header, width, format key, frame column
    ("机构编号", 12, "text", "institution_id"),
    ("机构名称", 24, "wrap", "name"),
    ("项目", 12, "text", "program"),
    ("期间", 14, "text", "period"),
    ("申报(元)", 14, "money", "claimed_fen"),
    ("核定(元)", 14, "money", "approved_fen"),
    ("已拨付(元)", 14, "money", "paid_fen"),
    ("申报减核定(元)", 14, "money", "claimed_minus_approved_fen"),
    ("应追回(元)", 14, "money", "to_recover_fen"),
    ("应补发(元)", 14, "money", "to_pay_fen"),
    ("状态", 8, "text", "status"),
    ("已说明差额(元)", 14, "money", "explained_fen"),
    ("未说明差额(元)", 14, "money", "unexplained_fen"),
    ("说明差额的发现", 40, "wrap", "explained_by"),
]


def _reconciliation_sheet(book: _Book, recon: pl.DataFrame) -> None:
    """对账: claimed, approved, paid per home, programme and period, with a totals row; the
    findings that explain a difference in words, as in the report."""
    fmt = {"text": book.text, "wrap": book.wrap, "money": book.money}
    ws = book.sheet("对账", [(h, w, fmt[f]) for h, w, f, _ in RECON_COLUMNS])
    rows = defuse_frame(
        recon.with_columns(
            pl.col("program").replace(L["programs"]),
            pl.col("explained_by")
            .fill_null("")
            .str.split(",")
            .list.eval(pl.element().replace(L["rules"]))
            .list.join("、"),
        ).select([c for *_, c in RECON_COLUMNS])
    )
    book.rows_later(ws, rows, [f for _, _, f, _ in RECON_COLUMNS])
    ws.write_string(rows.height + 1, 0, "合计", book.bold_text)
    for j, (*_, column) in enumerate(RECON_COLUMNS):
        if column.endswith("_fen"):
            ws.write_number(rows.height + 1, j, int(recon[column].sum() or 0) / 100, book.bold_money)


def _summary_sheet(book: _Book, led: pl.DataFrame, public: pl.DataFrame) -> None:
    """Two cross tables of public money: programme × payer, county × programme."""
    ws = book.wb.add_worksheet("汇总")
    book.page_setup(ws, "汇总")
    ws.set_column(0, 0, 26, book.text)
    ws.set_column(1, 12, 16, book.money)
    payers = _in_order(public["payer"].unique().to_list(), PAYER_ORDER)
    programs = _in_order(public["program"].unique().to_list(), PROGRAM_ORDER)
    r = 0
    ws.write_string(r, 0, "补贴合计（财政及福彩资金，元）", book.caption)
    ws.write_number(r, 1, int(public["amount_fen"].sum() or 0) / 100, book.bold_money)
    own = int(led.filter(pl.col("payer") == OWN_SHARE)["amount_fen"].sum() or 0)
    if own:
        r += 1
        ws.write_string(r, 0, "另列：机构自付保费（不计入合计）", book.text)
        ws.write_number(r, 1, own / 100, book.money)
    r = _cross_table(
        book,
        ws,
        r + 2,
        "一、按项目与出资方（元）",
        public,
        "program",
        "payer",
        programs,
        payers,
        L["programs"],
        L["payers"],
        "项目",
    )
    counties = sorted(public["county"].unique().to_list(), key=str)
    _cross_table(
        book,
        ws,
        r + 2,
        "二、按区县与项目（元）",
        public,
        "county",
        "program",
        counties,
        programs,
        {},
        L["programs"],
        "区县",
    )


def _cross_table(
    book,
    ws,
    r: int,
    caption: str,
    frame: pl.DataFrame,
    row_key: str,
    col_key: str,
    rows: list,
    cols: list,
    row_labels: dict,
    col_labels: dict,
    corner: str,
) -> int:
    """A cross table with row and column totals, written as values; returns its last row."""
    ws.write_string(r, 0, caption, book.caption)
    r += 1
    ws.write_row(r, 0, [corner] + [label_of(col_labels, c) for c in cols] + ["合计"], book.head)
    cells = {(a, b): v for a, b, v in frame.group_by(row_key, col_key).agg(pl.col("amount_fen").sum()).iter_rows()}
    for key in rows:
        r += 1
        ws.write_string(r, 0, label_of(row_labels, key) if key is not None else "—", book.text)
        for j, c in enumerate(cols, start=1):
            if (key, c) in cells:
                ws.write_number(r, j, cells[(key, c)] / 100, book.money)
        ws.write_number(r, len(cols) + 1, sum(v for (a, _), v in cells.items() if a == key) / 100, book.money)
    r += 1
    ws.write_string(r, 0, "合计", book.bold_text)
    for j, c in enumerate(cols, start=1):
        ws.write_number(r, j, sum(v for (_, b), v in cells.items() if b == c) / 100, book.bold_money)
    ws.write_number(r, len(cols) + 1, sum(cells.values()) / 100, book.bold_money)
    return r


def _institution_sheet(book: _Book, public: pl.DataFrame, inst: pl.DataFrame, fmt: dict) -> None:
    """One row per institution (those without a grant too, at 0.00): public money by programme."""
    programs = _in_order(public["program"].unique().to_list(), PROGRAM_ORDER)
    cols = (
        [("机构编号", 12, fmt["text"]), ("机构名称", 28, fmt["wrap"]), ("区县", 10, fmt["text"])]
        + [(label_of(L["programs"], p), 16, fmt["money"]) for p in programs]
        + [("合计", 16, fmt["money"])]
    )
    ws = book.sheet("机构汇总", cols)
    sums = public.group_by("institution_id").agg(
        [pl.col("amount_fen").filter(pl.col("program") == p).sum().alias(p) for p in programs]
        + [pl.col("amount_fen").sum().alias("_total")]
    )
    per = (
        inst.select("institution_id", "name", pl.col("county").fill_null("—"))
        .join(sums, on="institution_id", how="left")
        .sort("institution_id")
        .with_columns(pl.col(p).fill_null(0) for p in programs + ["_total"])
    )
    book.rows_later(ws, defuse_frame(per), ["text", "wrap", "text"] + ["money"] * (len(programs) + 1))
    r = per.height + 1
    ws.write_string(r, 0, "合计", book.bold_text)
    for j, p in enumerate(programs, start=3):
        ws.write_number(
            r, j, int(public.filter(pl.col("program") == p)["amount_fen"].sum() or 0) / 100, book.bold_money
        )
    ws.write_number(r, 3 + len(programs), int(public["amount_fen"].sum() or 0) / 100, book.bold_money)
    ws.autofilter(0, 0, per.height, len(cols) - 1)


FINDING_COLUMNS = [  # header, width, format key, frame column
    ("机构编号", 12, "text", "institution_id"),
    ("机构名称", 24, "wrap", "name"),
    ("严重程度", 9, "text", "severity_zh"),
    ("问题类别", 18, "wrap", "rule_zh"),
    ("规则代码", 18, "text", "rule"),
    ("说明", 50, "wrap", "message"),
    ("依据数据", 30, "wrap", "evidence"),
    ("条款", 24, "wrap", "citation"),
    ("期间", 10, "text", "period"),
]


def findings_xlsx_frame(findings: pl.DataFrame, institutions: pl.DataFrame) -> pl.DataFrame:
    """Findings as the workbook shows them: one row per problem, names joined, ids masked."""
    names = institutions.select("institution_id", "name")
    rules = {r: L["rules"].get(r, r) for r in findings["rule"].unique().to_list() if r is not None}
    f = findings
    for col in ("message", "evidence", "citation", "period"):
        if col not in f.columns:
            f = f.with_columns(pl.lit(None, pl.String).alias(col))
    return defuse_frame(
        f.join(names, on="institution_id", how="left")
        .with_columns(
            pl.col("severity").replace(L["severities"]).alias("severity_zh"),
            pl.col("rule").replace_strict(rules, default=pl.col("rule"), return_dtype=pl.String).alias("rule_zh"),
            mask_ids_in_text(pl.col("message").cast(pl.String)),
            mask_ids_in_text(pl.col("evidence").cast(pl.String)),
            pl.col("period").cast(pl.String),
        )
        .with_columns(
            pl.col("severity")
            .replace_strict(list(SEVERITY_ORDER), list(range(3)), default=3, return_dtype=pl.Int64)
            .alias("_sev")
        )
        .sort("_sev", pl.col("institution_id").fill_null(""), "rule", pl.col("period").fill_null(""), "message")
        .select([c for *_, c in FINDING_COLUMNS])
    )


def write_findings_xlsx(result, path: Path) -> Path:
    """findings.xlsx beside findings.csv: Chinese headers, names, words, autofilter."""
    path = Path(path)
    book = _Book(path, "稽核发现")
    fmt = {"text": book.text, "wrap": book.wrap}
    rows = findings_xlsx_frame(result.findings, result.dataset.tables["institutions"])
    ws = book.sheet("稽核发现", [(h, w, fmt[f]) for h, w, f, _ in FINDING_COLUMNS])
    book.rows_later(ws, rows, [f for _, _, f, _ in FINDING_COLUMNS])
    ws.autofilter(0, 0, max(rows.height, 1), len(FINDING_COLUMNS) - 1)
    book.close()
    return path
