"""The shortcuts the calculators and checks take at national scale (issue 15) give the
same answer as the slow way they replace."""

from __future__ import annotations

from datetime import date

import polars as pl

from audit.kinds.common import attach, repeated
from audit.kinds.registers import birth_date, born_after, born_before, under_age


def test_repeated_marks_only_keys_seen_twice():
    df = pl.DataFrame({"home": ["A", "A", "B", "A"], "person": ["p1", "p2", "p1", "p1"]})
    # (A, p1) is on rows 0 and 3; (A, p2) and (B, p1) once each
    assert repeated(df, "home", "person").to_list() == [True, False, False, True]
    assert repeated(df.head(3), "home", "person") is None  # nothing repeats: the fast path


def test_attach_is_an_inner_join_in_row_order():
    stays = pl.DataFrame({"home": ["B", "A", "X", None, "B"], "n": [1, 2, 3, 4, 5]})
    homes = pl.DataFrame({"home": ["A", "B"], "county": ["越城区", "柯桥区"]})
    got = attach(stays, homes, "home")
    # X and the blank home have no institution row and drop out, as in an inner join
    assert got.to_dict(as_series=False) == {"home": ["B", "A", "B"], "n": [1, 2, 5], "county": ["柯桥区", "越城区", "柯桥区"]}
    # a right side with a repeated key falls back to a plain join (rows multiply, as a join does)
    twice = pl.concat([homes, homes.head(1)])
    assert attach(stays, twice, "home").height == 4


def test_birth_date_prefilters_keep_every_exact_hit():
    day = date(2024, 1, 31)
    ids = [
        "330602196401311234",  # 60 on 2024-01-31: not under 60
        "330602196402011234",  # 60 on 2024-02-01: under 60 on 31 January
        "330602196402291234",  # a leap day
        "330602201301011234",  # 11 years old
        "330602191301311234",  # 111 on 2024-01-31
        "330602191302011234",  # 111 the next day
        "330602196413011234",  # month 13: no date
        "33060219640",  # too short
    ]
    df = pl.DataFrame({"person_id": ids})
    pid = pl.col("person_id")
    young = df.filter(under_age(pid, pl.lit(day)))["person_id"].to_list()
    assert young == [ids[1], ids[2], ids[3]]
    assert set(young) <= set(df.filter(born_after(pid, day, 60))["person_id"])
    old = df.filter((birth_date(pid).dt.offset_by("111y") <= day).fill_null(False))["person_id"].to_list()
    assert old == [ids[4]]
    assert set(old) <= set(df.filter(born_before(pid, day, 111))["person_id"])
