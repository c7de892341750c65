"""Settlement periods: a calendar year, half-year, quarter, month or a range of months.

Counties settle subsidies by year ("2024年度"), half-year ("2021年下半年"), quarter or
month, and some over a span ("2021年7月至2022年6月"). Every calculator, check, ledger
`period` and report takes one `Period` instead of a bare year, so the run and its
outputs say the same span.

Written forms (full-width digits and letters are read too, as in the data readers):

    2024         the calendar year
    2024H1       Jan–Jun (H2: Jul–Dec)
    2024Q3       Jul–Sep (Q1–Q4)
    2024-05      one month
    2021-07..2022-06   from the start of the first to the end of the last; each end
                 may be any of the forms above (2021H2..2022H1 is the same span)

Anything else is refused with a `PeriodError` saying which forms are understood.
The canonical `label` is the simplest name of the exact span (2024-01..2024-06 → 2024H1),
so two equal periods always carry the same label.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from audit.errors import AuditError

FORMS_ZH = "年（2024）、半年（2024H1/2024H2）、季度（2024Q1–2024Q4）、月（2024-05）或月份区间（2021-07..2022-06）"
FORMS_EN = (
    "a year (2024), half-year (2024H1/2024H2), quarter (2024Q1–2024Q4), month (2024-05) or a range (2021-07..2022-06)"
)

_SINGLE = re.compile(r"(?P<y>\d{4})(?:(?P<h>H[12])|(?P<q>Q[1-4])|-(?P<m>\d{2}))?")


class PeriodError(AuditError):
    """A period written in a form we do not read (a usage error, exit 2 like other
    option errors)."""

    exit_code = 2


def _month_end(year: int, month: int) -> date:
    return date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)


@dataclass(frozen=True, order=True)
class Period:
    """A span of whole calendar months, `start` (first day) to `end` (last day, inclusive)."""

    start: date
    end: date

    def __post_init__(self):
        if self.start.day != 1 or self.end != _month_end(self.end.year, self.end.month) or self.end < self.start:
            raise PeriodError(f"期间必须由整月组成且起止有序：{self.start}..{self.end}")

    # --- construction -------------------------------------------------------------
    @classmethod
    def parse(cls, text) -> Period:
        """Read a written period (see the module docstring); an int is a year."""
        if isinstance(text, Period):
            return text
        if isinstance(text, int) and not isinstance(text, bool):
            text = str(text)
        if not isinstance(text, str):
            raise PeriodError(f"无法识别的期间 {text!r}；应为{FORMS_ZH}。")
        norm = unicodedata.normalize("NFKC", text).strip().upper().replace(" ", "")
        norm = norm.replace("…", "..").replace("．．", "..")
        parts = norm.split("..")
        if len(parts) > 2 or not all(parts):
            raise PeriodError(f"无法识别的期间 {text!r}；应为{FORMS_ZH}。")
        spans = [cls._single(p, text) for p in parts]
        start, end = spans[0].start, spans[-1].end
        if end < start:
            raise PeriodError(f"期间 {text!r} 的结束早于开始；应为{FORMS_ZH}。")
        return cls(start, end)

    @classmethod
    def _single(cls, part: str, original: str) -> Period:
        m = _SINGLE.fullmatch(part)
        if not m:
            raise PeriodError(f"无法识别的期间 {original!r}；应为{FORMS_ZH}。")
        y = int(m["y"])
        if not 1900 <= y <= 2200:
            raise PeriodError(f"期间 {original!r} 的年份 {y} 不在 1900–2200 之间。")
        if m["h"]:
            first = 1 if m["h"] == "H1" else 7
            return cls(date(y, first, 1), _month_end(y, first + 5))
        if m["q"]:
            first = 3 * (int(m["q"][1]) - 1) + 1
            return cls(date(y, first, 1), _month_end(y, first + 2))
        if m["m"]:
            month = int(m["m"])
            if not 1 <= month <= 12:
                raise PeriodError(f"期间 {original!r} 的月份 {month} 不在 1–12 之间。")
            return cls(date(y, month, 1), _month_end(y, month))
        return cls(date(y, 1, 1), date(y, 12, 31))

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    # --- what it covers -------------------------------------------------------------
    @property
    def months(self) -> list[tuple[int, int]]:
        """(year, month) of every month in the span, in order."""
        first = self.start.year * 12 + self.start.month - 1
        last = self.end.year * 12 + self.end.month - 1
        return [(i // 12, i % 12 + 1) for i in range(first, last + 1)]

    @property
    def n_months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    @property
    def month_ends(self) -> list[date]:
        """The last day of every month in the span (the census days of month-end counts)."""
        return [_month_end(y, m) for y, m in self.months]

    @property
    def years(self) -> list[int]:
        return list(range(self.start.year, self.end.year + 1))

    def month_index(self, d: date) -> int:
        """Months from the period's first month to `d`'s month (0 = the first month;
        negative before, ≥ n_months after). Arithmetic, so counts stay per stay."""
        return (d.year - self.start.year) * 12 + d.month - self.start.month

    def __contains__(self, d: date) -> bool:
        return self.start <= d <= self.end

    def overlaps(self, other: Period) -> bool:
        return self.start <= other.end and other.start <= self.end

    # --- names --------------------------------------------------------------------
    @property
    def label(self) -> str:
        """Canonical written form: the simplest name of exactly this span."""
        s, e, n = self.start, self.end, self.n_months
        if s.year == e.year:
            if n == 12:
                return f"{s.year}"
            if n == 6 and s.month in (1, 7):
                return f"{s.year}H{1 if s.month == 1 else 2}"
            if n == 3 and s.month % 3 == 1:
                return f"{s.year}Q{s.month // 3 + 1}"
            if n == 1:
                return f"{s.year}-{s.month:02d}"
        return f"{s.year}-{s.month:02d}..{e.year}-{e.month:02d}"

    @property
    def is_calendar_year(self) -> bool:
        return self.start.month == 1 and self.n_months == 12

    def label_zh(self) -> str:
        """How a Chinese document writes it: 2024年度, 2024年上半年, 2024年第三季度, 2024年5月,
        2021年7月至2022年6月."""
        s, e, lab = self.start, self.end, self.label
        if "H" in lab:
            return f"{s.year}年{'上' if s.month == 1 else '下'}半年"
        if "Q" in lab:
            return f"{s.year}年第{'一二三四'[s.month // 3]}季度"
        if ".." in lab:
            return f"{s.year}年{s.month}月至{e.year}年{e.month}月"
        if "-" in lab:
            return f"{s.year}年{s.month}月"
        return f"{s.year}年度"

    def __str__(self) -> str:
        return self.label


def month_runs(month_ends) -> list[Period]:
    """Month-ends in order → the runs of consecutive months they make:
    [2024-01-31, 2024-02-29, 2024-05-31] → [2024-01..2024-02, 2024-05]."""
    runs: list[Period] = []
    for end in month_ends:
        first = end.replace(day=1)
        if runs and runs[-1].end == first - timedelta(days=1):
            runs[-1] = Period(runs[-1].start, end)
        else:
            runs.append(Period(first, end))
    return runs


def parse_period(text) -> Period:
    """`Period.parse` as a function (for click callbacks and the Python API)."""
    return Period.parse(text)


# ---------------------------------------------------------------- periods in table columns
# Claims and payments carry a written period per row. Months are numbered
# `year × 12 + month − 1`, so a span is two integers and "this ledger month lies in that
# claimed period" is a range comparison; a column holds few distinct periods, so each
# distinct text is parsed once and joined back (no row loop).


def month_span(text: str | None) -> tuple[int, int] | None:
    """(first month, last month) of a written period, or None if it cannot be read."""
    if text is None:
        return None
    try:
        p = Period.parse(text)
    except Exception:
        return None
    return p.start.year * 12 + p.start.month - 1, p.end.year * 12 + p.end.month - 1


def month_spans(df: pl.DataFrame, column: str = "period", prefix: str = "") -> pl.DataFrame:
    """df with `{prefix}m0`, `{prefix}m1` (Int64 month numbers, null if unreadable)."""
    distinct = df.get_column(column).drop_nulls().unique().to_list()
    rows = [(t, *(month_span(t) or (None, None))) for t in distinct]
    table = pl.DataFrame(
        rows, schema={column: pl.String, f"{prefix}m0": pl.Int64, f"{prefix}m1": pl.Int64}, orient="row"
    )
    return df.join(table, on=column, how="left", maintain_order="left")


def span_label(m0: pl.Expr, m1: pl.Expr) -> pl.Expr:
    """Canonical text of a month span: 2024, 2024H1, 2024Q3, 2024-05, else 2024-01..2024-04."""
    y0, y1 = m0 // 12, m1 // 12
    mm0, n = m0 % 12 + 1, m1 - m0 + 1
    month = lambda m: (m // 12).cast(pl.String) + "-" + (m % 12 + 1).cast(pl.String).str.pad_start(2, "0")  # noqa: E731
    return (
        pl.when((y0 == y1) & (n == 12))
        .then(y0.cast(pl.String))
        .when((y0 == y1) & (n == 6) & mm0.is_in([1, 7]))
        .then(y0.cast(pl.String) + "H" + ((mm0 + 5) // 6).cast(pl.String))
        .when((y0 == y1) & (n == 3) & (mm0 % 3 == 1))
        .then(y0.cast(pl.String) + "Q" + ((mm0 + 2) // 3).cast(pl.String))
        .when(n == 1)
        .then(month(m0))
        .otherwise(month(m0) + ".." + month(m1))
    )
