"""Property tests (issue 16): random cells into the readers, random YAML into the pack
and override loaders. Whatever comes in: a located problem or the right value — never an
exception, never an amount other than the one worked out independently (Python Decimal
on the text as typed)."""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

import polars as pl
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import audit
from audit.errors import PolicyError
from audit.policy import load_pack
from audit.data.normalise import parse_date, parse_int, parse_money

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# text a clerk or an attacker might type into a cell: digits, separators, currency signs,
# full-width forms, letters, control and invisible characters
CELL = st.text(alphabet=st.sampled_from(list("0123456789０１２３４５６７８９.,-+ eE%¥￥元万\t\u200b\u3000aX/年月日:")), max_size=30)


def one(parser, cells):
    out = pl.DataFrame({"c": cells}, schema={"c": pl.String}).select(
        parser(pl.col("c"))[0].alias("v"), parser(pl.col("c"))[1].alias("bad"))
    return out["v"].to_list(), out["bad"].to_list()


def oracle_fen(text: str):
    """The amount a person reads in the cell, by Decimal — or None if it is no amount."""
    s = unicodedata.normalize("NFKC", text).strip()
    s = "".join(ch for ch in s if ch not in ", \t")
    sign = s[:1] if s[:1] in "+-" else ""
    s = sign + s[len(sign):].removeprefix("¥").removesuffix("元")
    if not s or any(ch not in "0123456789.+-" for ch in s):
        return None
    try:
        d = Decimal(s)
    except InvalidOperation:
        return None
    fen = d * 100
    return int(fen) if fen == fen.to_integral_value() else None


@FAST
@given(st.lists(CELL, min_size=1, max_size=8))
def test_random_money_cells_are_exact_or_flagged(cells):
    values, bad = one(parse_money, cells)
    for text, v, b in zip(cells, values, bad):
        if v is None:
            # unreadable unless blank; a blank is null without a flag
            assert b == (unicodedata.normalize("NFKC", text).strip() not in ("",)) or oracle_fen(text) is None
            continue
        assert not b
        assert v == oracle_fen(text), text          # never an amount other than the one typed
        assert abs(v) < 10**17                      # 15 digits of yuan at most: no Int64 wrap


@FAST
@given(st.integers(min_value=-(10**17) + 1, max_value=10**17 - 1), st.booleans(), st.booleans(), st.booleans())
def test_amounts_as_clerks_write_them_read_back_exactly(fen, commas, sign, full_width):
    whole, cents = divmod(abs(fen), 100)
    text = (f"{whole:,}" if commas else str(whole)) + f".{cents:02d}"
    text = ("-" if fen < 0 else "") + (("¥" + text) if sign else (text + "元"))
    if full_width:
        text = text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    values, bad = one(parse_money, [text])
    assert values == [fen] and bad == [False], text


@FAST
@given(st.lists(CELL, min_size=1, max_size=8))
def test_random_integer_cells_are_exact_or_flagged(cells):
    values, bad = one(parse_int, cells)
    for text, v, b in zip(cells, values, bad):
        if v is not None:
            s = "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch not in ", \t")
            assert Decimal(s.strip()) == v and not b, text


@FAST
@given(st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 12, 31)),
       st.sampled_from(["{y}-{m:02d}-{d:02d}", "{y}/{m}/{d}", "{y}年{m}月{d}日", "{y}.{m}.{d}", "{y}{m:02d}{d:02d}"]))
def test_dates_as_clerks_write_them_read_back(day, fmt):
    text = fmt.format(y=day.year, m=day.month, d=day.day)
    values, bad = one(parse_date, [text])
    assert values == [day] and bad == [False], text


@FAST
@given(st.lists(CELL, min_size=1, max_size=8))
def test_random_date_cells_never_raise(cells):
    values, bad = one(parse_date, cells)
    for text, v, b in zip(cells, values, bad):
        assert v is None or not b
        if v is not None and text.strip().isdigit() and len(text.strip()) == 5:
            assert not text.strip().startswith(("19", "20"))   # half a date is never a serial


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(CELL, CELL, CELL), min_size=1, max_size=5))
def test_random_institution_rows_give_located_problems_never_exceptions(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("prop")
    lines = ["institution_id,name,county,kind,beds,investment_final"]
    for i, (beds, money, name) in enumerate(rows):
        q = lambda s: '"' + s.replace('"', '""') + '"'  # noqa: E731
        lines.append(f"A{i:03d},{q(name or '院')}{i},越城区,养老机构,{q(beds)},{q(money)}")
    (folder / "institutions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    ds = audit.load_data(folder)
    errors = ds.errors()
    cell_checks = {"number", "range", "required", "duplicate"}
    assert errors.filter(pl.col("check").is_in(list(cell_checks)) & pl.col("row").is_null()).is_empty()
    inst = ds.tables["institutions"]
    for r in inst.iter_rows(named=True):
        if r["beds"] is not None and errors.filter((pl.col("row") == r["_row"]) & (pl.col("column") == "beds")).is_empty():
            assert 0 <= r["beds"] <= 100_000
        if r["investment_final_fen"] is not None:
            assert r["investment_final_fen"] == oracle_fen(rows[r["_row"] - 2][1])


# ---------------------------------------------------------------- YAML into the loaders

SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-(10**30), 10**30), st.floats(allow_nan=True),
                   st.text(max_size=12), st.sampled_from(["50%", "2/3", "1e999999999", "inf", "-1", "４５００元", "0.1234567"]))
YAML_DOC = st.recursive(SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=20)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(YAML_DOC)
def test_random_pack_yaml_is_a_policy_error_never_an_exception(tmp_path_factory, doc):
    path = tmp_path_factory.mktemp("pack") / "pack.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PolicyError):
        load_pack(str(path))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(SCALAR)
def test_random_set_value_is_refused_or_exact(value):
    text = yaml.safe_dump(value).strip().removesuffix("...").strip() if not isinstance(value, str) else value
    assume("\n" not in text)
    try:
        pack = load_pack("shaoxing", sets=(f"construction_city.rate_self_built={text}",))
    except PolicyError:
        return
    fen = pack.rules["construction_city"].value("rate_self_built", date(2024, 6, 30))
    assert 0 <= fen <= 10**8                                   # a per-bed rate: at most 1,000,000 yuan
    expected = oracle_fen(str(value).removesuffix("元")) if not isinstance(value, float) else oracle_fen(repr(value))
    assert fen == expected, (value, fen)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(YAML_DOC)
def test_random_override_file_is_a_policy_error_or_applies(tmp_path_factory, doc):
    path = tmp_path_factory.mktemp("ovr") / "local.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    try:
        load_pack("shaoxing", override_file=str(path))
    except PolicyError:
        pass
