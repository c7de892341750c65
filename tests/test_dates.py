"""audit.dates.Period: the written forms counties settle by, their spans and labels,
and clear refusals of anything else."""

from __future__ import annotations

from datetime import date

import pytest

from audit.dates import Period, PeriodError, parse_period


@pytest.mark.parametrize("text, start, end, label, n", [
    ("2024", date(2024, 1, 1), date(2024, 12, 31), "2024", 12),
    ("2024H1", date(2024, 1, 1), date(2024, 6, 30), "2024H1", 6),
    ("2024h2", date(2024, 7, 1), date(2024, 12, 31), "2024H2", 6),
    ("2024Q1", date(2024, 1, 1), date(2024, 3, 31), "2024Q1", 3),
    ("2024Q3", date(2024, 7, 1), date(2024, 9, 30), "2024Q3", 3),
    ("2024Q4", date(2024, 10, 1), date(2024, 12, 31), "2024Q4", 3),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "2024-02", 1),   # leap year
    ("2023-02", date(2023, 2, 1), date(2023, 2, 28), "2023-02", 1),
    ("2021-07..2022-06", date(2021, 7, 1), date(2022, 6, 30), "2021-07..2022-06", 12),
    ("2021H2..2022H1", date(2021, 7, 1), date(2022, 6, 30), "2021-07..2022-06", 12),
    ("２０２４Ｈ１", date(2024, 1, 1), date(2024, 6, 30), "2024H1", 6),            # full-width
    ("２０２１－０７．．２０２２－０６", date(2021, 7, 1), date(2022, 6, 30), "2021-07..2022-06", 12),
    (" 2024 ", date(2024, 1, 1), date(2024, 12, 31), "2024", 12),
    (2024, date(2024, 1, 1), date(2024, 12, 31), "2024", 12),
])
def test_written_forms(text, start, end, label, n):
    p = parse_period(text)
    assert (p.start, p.end, p.label, p.n_months) == (start, end, label, n)


def test_label_is_canonical_for_equal_spans():
    assert Period.parse("2024-01..2024-06").label == "2024H1"
    assert Period.parse("2024-01..2024-12") == Period.parse("2024") == Period.year(2024)
    assert Period.parse("2024-07..2024-09").label == "2024Q3"
    assert Period.parse("2024-05..2024-05").label == "2024-05"
    assert Period.parse("2024-02..2024-04").label == "2024-02..2024-04"   # not a quarter
    assert Period.parse("2024-03..2024-08").label == "2024-03..2024-08"   # six months, not a half


def test_months_and_month_ends_across_a_year_end():
    p = Period.parse("2021-11..2022-02")
    assert p.months == [(2021, 11), (2021, 12), (2022, 1), (2022, 2)]
    assert p.month_ends == [date(2021, 11, 30), date(2021, 12, 31), date(2022, 1, 31), date(2022, 2, 28)]
    assert p.years == [2021, 2022]
    assert p.month_index(date(2021, 11, 15)) == 0
    assert p.month_index(date(2022, 2, 1)) == 3
    assert p.month_index(date(2021, 10, 31)) == -1
    assert date(2022, 2, 28) in p and date(2022, 3, 1) not in p


def test_chinese_names():
    assert Period.parse("2024").label_zh() == "2024年度"
    assert Period.parse("2021H2").label_zh() == "2021年下半年"
    assert Period.parse("2024Q3").label_zh() == "2024年第三季度"
    assert Period.parse("2024-05").label_zh() == "2024年5月"
    assert Period.parse("2021-07..2022-06").label_zh() == "2021年7月至2022年6月"


@pytest.mark.parametrize("bad", [
    "", "24", "2024H3", "2024Q5", "2024Q0", "2024-13", "2024-00", "2024-5", "2024/05",
    "2024年", "2022-06..2021-07", "2024..", "..2024", "2021..2022..2023", "last year",
    "0999", None, 2024.0, True,
])
def test_refused_with_the_forms_we_read(bad):
    with pytest.raises(PeriodError) as err:
        parse_period(bad)
    assert "期间" in err.value.message


def test_a_period_is_whole_months():
    with pytest.raises(PeriodError):
        Period(date(2024, 1, 2), date(2024, 1, 31))
    with pytest.raises(PeriodError):
        Period(date(2024, 1, 1), date(2024, 1, 30))
