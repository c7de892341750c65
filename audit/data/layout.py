"""Where the table sits in a sheet as clerks lay it out: title and 填报单位 rows above
the header, a two-level (merged) header, a 序号 column, 合计/小计 rows and signature
footers below the data. Works on a grid of text cells (grid row 0 = spreadsheet row
`first_row`, grid column 0 = spreadsheet column `first_col`), vectorised over rows.

The result says what it did — header row(s), each user header → contract column with
its Excel column letter, columns ignored, rows skipped and why — so `validate` can show
the reading, and every message can name the cell as the user sees it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import polars as pl

from audit.data import contract as schema

HEADER_SCAN_ROWS = 10  # a title row or two above the headers is common in 台账

# a row whose first cells say 合计/小计/总计 is a total, never a stay or an institution
TOTAL_RE = r"^(合\s*计|小\s*计|总\s*计|共\s*计|累\s*计|总\s*数)\s*[:：]?"
# a cell that is only the word: 合计 in the 凭证号 column is a total however far right it sits
TOTAL_CELL_RE = r"^(合\s*计|小\s*计|总\s*计)\s*[:：]?$"
# …but a home or place may be named with the words: 合计村敬老院, 小计镇养老院. The word runs
# straight on (no space, colon, bracket or digit) into a settlement (村/镇/乡/街/屯/庄/寨) or
# into a name ending as homes' names do; 合计：, 合 计, 小计(3家), 合计3家, 合计金额 stay totals
# A space after the word is a name only when the name of a village or town's home follows
# (合计 村敬老院: 合计村 split by a space); 小计 越城区甲养老院 (that home's subtotal), 小计 3家,
# 合计 金额 stay totals
HOME_NAME_END = (
    r"[\p{Han}]*(?:养老院|敬老院|福利院|护理院|颐养院|公寓|之家|服务中心|养老中心|照料中心|服务站|有限公司)"
    r"(?:[(（][^()（）]*[)）])?$"
)
NAMED_LIKE_TOTAL_RE = (
    rf"^(合计|小计|总计|共计|累计)(?:[村镇乡街屯庄寨]|{HOME_NAME_END}|\s+[村镇乡街屯庄寨]{HOME_NAME_END})"
)
# a voucher number has a digit: "/", "—", "无" in the 凭证号 cell is a placeholder, no voucher
REAL_VOUCHER_RE = r"[0-9０-９]"
# a free-text remark column: 合计 written there is a remark on the row, not the row's label
REMARK_HEADER_RE = re.compile(r"^(备注|附注|备考|说明|注|情况说明|备注说明|备注栏)$")
# a figure in a money column: 462000, 1,540.50, -300
MONEY_FIGURE_RE = r"^[-+−]?[\d,，]*[.]?\d+$"
# signature footers: 单位负责人：… 审核人：… 制表人：…, 填表日期：…
FOOTER_RE = (
    r"^(单位)?(负责人|审核人|审核|制表人|制表|填表人|填报人|经办人|复核人|分管领导|主管领导|统计人|联系人"
    r"|联系电话|单位盖章|盖章|填表日期|制表日期|填报日期|报送日期)\s*[:：]"
)
# a group header's tail that the column names under it leave out: 床位情况 / 核定, 护理型
GROUP_TAIL = re.compile(r"(基本情况|情况|信息|明细|\(张\)|（张）|数)$")
SERIAL_HEADERS = {"序号", "编号序号", "no", "no.", "序"}
# a title row names the home or the form: a single filled cell, or 填报单位/日期 words
TITLE_WORDS_RE = r"(填报单位|填表单位|报送单位|单位名称|填报日期|统计时间|截至|截止)"


# a unit written outside the headers: 单位：万元 / 金额单位为万元 / 万元 above the header, in the
# title (…明细表（单位：万元）), or alone in a cell beside the header row. An amount is not a unit:
# "共计8.65万元", "每床每年0.12万元" are taken out before the words are read
AMOUNT_RE = re.compile(r"[0-9０-９][0-9０-９.．,，]*\s*[万千亿]?元")
NOT_YUAN_RE = re.compile(r"[万千亿]元")
YUAN_RE = re.compile(r"单位\s*[:：为]?\s*元|[（(]\s*元\s*[)）]")
UNIT_CELL_RE = re.compile(r"^[（(]?\s*(?:(?:金额|计量)?单位\s*[:：为]?\s*)?[万千亿]?元\s*[)）]?$")


@dataclass
class Unit:
    """A unit declared outside the headers: where (spreadsheet row, grid column) and the words."""

    row: int
    col: int
    text: str

    @property
    def in_yuan(self) -> bool:
        return NOT_YUAN_RE.search(AMOUNT_RE.sub("", self.text)) is None


def declared_unit(rows: list[list[str | None]], header_at: int, hmap: dict, first_row: int) -> Unit | None:
    """The first unit written in a title row (单位：万元, 金额单位为万元, …表（万元）, 万元) or in a
    header-row cell that holds nothing but a unit (单位：万元, （万元）) and is no column's header;
    one naming 万元/千元/亿元 wins over a 元. Amounts (共计8.65万元) are not units."""
    found = []
    for i, row in enumerate(rows[: header_at + 1]):
        for j, v in enumerate(row):
            if v is None:
                continue
            if i == header_at:
                said = not english(v, hmap) and UNIT_CELL_RE.match(schema.norm_key(v)) is not None
            else:
                words = AMOUNT_RE.sub("", v)
                said = NOT_YUAN_RE.search(words) is not None or YUAN_RE.search(words) is not None
            if said:
                found.append(Unit(first_row + i, j, v))
    return next((u for u in found if not u.in_yuan), found[0] if found else None)


def is_remark(header: str | None) -> bool:
    """备注, 说明, 附注: a column of free words about the row."""
    return header is not None and REMARK_HEADER_RE.match(bare_header(header)) is not None


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def bare_header(header: str) -> str:
    """'*身份证号(person_id)' → '身份证号': required-marks and a bracketed gloss dropped."""
    key = schema.norm_key(header).strip("*")
    return re.sub(r"\(.*\)$", "", key) or key


def english(header, hmap: dict) -> str | None:
    if header is None:
        return None
    return hmap.get(schema.norm_key(header)) or hmap.get(bare_header(header))


@dataclass
class Layout:
    """How one sheet was read."""

    header_rows: list[int]  # spreadsheet rows holding the header (one or two)
    headers: list[str | None]  # the user's header text per grid column (flattened)
    title: str | None = None  # text of a title row above the header, if any
    unit: Unit | None = None  # a unit written outside the headers (单位：万元 above the header)
    skipped: list[dict] = field(default_factory=list)  # {"row", "kind": total|footer, "text"}


def _row_texts(row) -> list[str | None]:
    return [None if v is None or not str(v).strip() else str(v).strip() for v in row]


def _score(row, hmap) -> int:
    return len({e for e in (english(v, hmap) for v in row) if e})


def header_score(grid: pl.DataFrame, hmap: dict) -> tuple[int, int]:
    """(best number of distinct contract columns a top row names — a two-level header
    counts both rows —, that row's index): how well a sheet matches a table."""
    best = (0, 0)
    rows = [_row_texts(r) for r in grid.head(HEADER_SCAN_ROWS).rows()]
    for i, row in enumerate(rows):
        flat = _flatten(row, rows[i + 1] if i + 1 < len(rows) else None, hmap)[0]
        best = max(best, (_score(flat, hmap), -i))
    return best[0], -best[1]


def _flatten(top: list, sub: list | None, hmap) -> tuple[list, bool]:
    """A two-level header: the group cell is merged across its columns (text in the first
    only), the second row names the columns under it, and single-level columns are merged
    down (text in the top row only). Each column's header is the first of sub+group,
    group+sub, sub, top that names a contract column, else whatever text it has. Returns
    (headers, whether the second row was a header row)."""
    if sub is None or not any(sub):
        return top, False
    # a data row is no second header level: it carries dates, ids, counts (3+ digits), and
    # a real second level leaves the columns merged down from the top row empty
    filled = [v for v in sub if v is not None]
    if any(len(re.findall(r"\d", v)) >= 3 for v in filled) or len(filled) >= sum(v is not None for v in top):
        return top, False
    group, out = None, []
    for t, s in zip(top, sub):
        group = t if t is not None else (group if s is not None else None)
        g = GROUP_TAIL.sub("", group or "") or (group or "")
        candidates = [
            c for c in ((s or "") + (group or ""), (group or "") + (s or ""), (s or "") + g, g + (s or ""), s, t) if c
        ]
        named = next((c for c in candidates if english(c, hmap)), None)
        out.append(named or s or t)
    # the second row is a header row only if it names more columns than the top row alone,
    # or if it only glosses units under them: （万元） under 拨付金额 is its unit, not a data row
    units_only = all(re.fullmatch(r"[（(][^（()）]*[)）]", v) for v in filled)
    if _score(out, hmap) <= _score(top, hmap) and not units_only:
        return top, False
    return out, True


def find_layout(grid: pl.DataFrame, hmap: dict, first_row: int) -> Layout:
    """Header row(s) and title of a grid, for the table whose header map is `hmap`."""
    rows = [_row_texts(r) for r in grid.head(HEADER_SCAN_ROWS).rows()]
    h = next((i for i, r in enumerate(rows) if _score(r, hmap) >= 2), 0)
    top = rows[h] if rows else []
    sub = rows[h + 1] if h + 1 < len(rows) else None
    headers, two = _flatten(top, sub, hmap)
    if not two and h > 0:
        # the header found may be the second level under a group row (老人信息 / 入住信息)
        above = rows[h - 1]
        merged = _flatten(above, top, hmap)
        if merged[1] and sum(v is not None for v in above) >= 2 and _score(merged[0], hmap) > _score(top, hmap):
            headers, two, h = merged[0], True, h - 1
    title_rows = rows[:h]
    title = next((" ".join(v for v in r if v) for r in title_rows if any(r)), None)
    return Layout(
        header_rows=[first_row + h] + ([first_row + h + 1] if two else []),
        headers=headers,
        title=title,
        unit=declared_unit(rows, h, hmap, first_row),
    )


def body_frame(
    body: pl.DataFrame,
    names: list[str],
    first_body_row: int,
    ids=(),
    amounts=(),
    homes=(),
    remarks=(),
    vouchers=(),
) -> tuple[pl.DataFrame, list[dict], list[dict]]:
    """The rows under the header, named, each with its spreadsheet row in `_row`; rows
    blank in every cell dropped, 合计 rows and footers skipped (see skip_rows)."""
    df = body.rename(dict(zip(body.columns, names))).with_columns(
        pl.int_range(first_body_row, first_body_row + body.height, dtype=pl.Int64).alias("_row")
    )
    cells = [c for c in df.columns if c != "_row"]
    if cells:
        df = df.filter(pl.any_horizontal([pl.col(c).str.contains(r"\S").fill_null(False) for c in cells]))
    return skip_rows(df, cells, ids, amounts, homes, remarks, vouchers)


def skip_rows(
    df: pl.DataFrame, cells: list[str], ids=(), amounts=(), homes=(), remarks=(), vouchers=()
) -> tuple[pl.DataFrame, list[dict], list[dict]]:
    """Drop 合计/小计 rows and signature footers (never data), saying which and why.

    A row is data whenever it looks like data, whatever words a cell holds: a 备注 or
    凭证号 reading 联系电话：… or 审核：财政局 keeps its row. So a footer is a row whose
    first filled cell is a footer's words (单位负责人：…), or any row with footer words but
    no id (`ids`: the columns holding a home's or a person's id), no home's name (`homes`:
    a 机构名称 column) and no figure in a money column (`amounts`). A total is a row whose
    first four cells start with 合计/小计 (not a name that begins with the word: 合计村敬老院,
    see NAMED_LIKE_TOTAL_RE), or any of whose cells is exactly 合计/小计/总计 (小计 in the
    凭证号 column) — unless it holds an id (a name does not count: 合计 · 3家 sits in the
    机构名称 column): a row naming a home by id is not dropped on a word; it is kept and
    returned as doubtful (the caller makes it an error: either reading may be wrong by its
    money). A remark (`remarks`: the 备注/说明 columns) is no label: 合计 there makes a total
    (or, beside an id, a doubtful row) unless the row carries a voucher of its own
    (`vouchers`: a 凭证号 with a number in it, on no other row of the same home on the sheet)
    — a programme, period or date repeated on a subtotal is no proof, nor is the voucher its
    rows were booked on, nor "/" or "无"; on a payment to A002 with its own voucher the word
    is the clerk's note, and the row is data. A label is never made data by what the row
    repeats (小计（2笔） beside A001 and 记-1 is a subtotal): only a home's name is a name
    (合计村敬老院, 合计 村敬老院).

    Returns (data rows, skipped, doubtful): each as {"row", "kind", "text", "data"}; kind
    total|footer|total_with_id, data = the row holds an id or a figure in a money column
    (a skipped footer that does is a warning, not an aside)."""
    if not cells or df.is_empty():
        return df, [], []

    def txt(c: str) -> pl.Expr:
        return pl.col(c).str.strip_chars()

    def any_match(cols, pattern: str) -> pl.Expr:
        cols = [c for c in cols if c in cells]
        return (
            pl.any_horizontal([txt(c).str.contains(pattern).fill_null(False) for c in cols]) if cols else pl.lit(False)
        )

    def total_label(c: str) -> pl.Expr:  # 合计…, 小计(3家) — not 合计村敬老院
        return (txt(c).str.contains(TOTAL_RE) & ~txt(c).str.contains(NAMED_LIKE_TOTAL_RE)).fill_null(False)

    def filled_in(cols) -> pl.Expr:  # a value there that is not itself a total's or a footer's words
        return pl.any_horizontal(
            [
                (txt(c).str.contains(r"\S") & ~total_label(c) & ~txt(c).str.contains(FOOTER_RE)).fill_null(False)
                for c in cols
                if c in cells
            ]
            or [pl.lit(False)]
        )

    def own_voucher(cols, home) -> pl.Expr:
        """A real voucher number no other row of the same home carries (a row with no id: no other row)."""
        named = filled_in(home)

        def once(c: str) -> pl.Expr:
            mine = pl.len().over([txt(c), named, *[pl.when(named).then(txt(i)) for i in home]])
            return pl.when(named).then(mine).otherwise(pl.len().over(txt(c))) == 1

        return pl.any_horizontal(
            [(txt(c).str.contains(REAL_VOUCHER_RE) & once(c)).fill_null(False) for c in cols if c in cells]
            or [pl.lit(False)]
        )

    has_id, has_home = filled_in(ids), filled_in(homes)
    has_figure = any_match(amounts, MONEY_FIGURE_RE)
    first_filled = pl.coalesce([pl.when(txt(c).str.contains(r"\S")).then(txt(c)) for c in cells])
    labels = [c for c in cells if c not in remarks]
    first_labels = [c for c in cells[:4] if c not in remarks]
    total = pl.any_horizontal([total_label(c) for c in first_labels] or [pl.lit(False)])
    total = total | any_match(labels, TOTAL_CELL_RE)
    if remarks:  # a voucher of its own is what a subtotal does not carry
        total = total | (any_match(remarks, TOTAL_CELL_RE) & ~own_voucher(vouchers, [c for c in ids if c in cells]))
    footer = first_filled.str.contains(FOOTER_RE).fill_null(False) | (
        any_match(cells, FOOTER_RE) & ~has_id & ~has_home & ~has_figure
    )
    flagged = df.with_columns(
        pl.when(total & has_id)
        .then(pl.lit("total_with_id"))
        .when(total)
        .then(pl.lit("total"))
        .when(footer)
        .then(pl.lit("footer"))
        .alias("__skip"),
        (has_id | has_home | has_figure).alias("__data"),
    )
    hit = flagged.filter(pl.col("__skip").is_not_null())
    if hit.is_empty():
        return df, [], []
    text = pl.concat_str([pl.col(c) for c in cells], separator=" ", ignore_nulls=True).str.slice(0, 60)
    listed = hit.select(
        pl.col("_row").alias("row"), pl.col("__skip").alias("kind"), text.alias("text"), pl.col("__data").alias("data")
    ).to_dicts()
    skipped = [r for r in listed if r["kind"] != "total_with_id"]
    doubtful = [r for r in listed if r["kind"] == "total_with_id"]
    kept = flagged.filter(pl.col("__skip").is_null() | (pl.col("__skip") == "total_with_id"))
    return kept.drop("__skip", "__data"), skipped, doubtful


def is_serial(header: str | None) -> bool:
    return header is not None and schema.norm_key(header) in SERIAL_HEADERS
