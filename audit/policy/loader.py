"""Policy packs: one YAML file per jurisdiction → a `Pack` the calculators read by name.

Every value carries its clause and a verbatim quote; what the text leaves open is a
declared gap (asking for it raises PolicyGap, never a silent zero). Local values come
from `--set rule.param=value` or an override file and are checked as a whole before
any of them applies. See docs/internals.md ("Policy packs") and docs/policy-packs.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from audit.dates import Period, month_runs
from audit.guards import TooLarge, load_yaml
from audit.errors import PolicyError, PolicyGap
from audit.kinds.registry import PARAMS as KINDS  # kind → parameter → units, from each kind's declaration
from audit.policy.values import (  # noqa: F401  (re-exported for callers of audit.policy)
    ENTRY_KEYS,
    INTERP_KEYS,
    MONEY_UNITS,
    OVERRIDE_FILE_KEYS,
    PACK_KEYS,
    PACK_REQUIRED,
    PARAM_KEYS,
    PAYERS,
    RULE_KEYS,
    TABLE_KEYS,
    VOCAB,
    _Bad,
    _t,
    _to_date,
    format_value,
    json_value,
    normalise_ws,
    parse_value,
)

PACK_DIR = Path(__file__).parent / "packs"


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # the C parser is ~10x faster
    """Safe YAML that refuses a key written twice (plain YAML keeps the last silently)."""


def _mapping_without_duplicates(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"重复的键 / duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep)


def _timestamp_or_text(loader, node):
    """A date-shaped scalar that is no real date (2024-02-30) stays text, so the pack
    check names its key instead of the YAML library failing with a bare ValueError."""
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)
_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)
_YAML_LOADER = _StrictLoader
SOURCE_DIR = PACK_DIR / "sources"

# ---------------------------------------------------------------- model


@dataclass
class Entry:
    """One dated value: holds from `start` until the next entry (or `until`, inclusive)."""

    start: dt.date
    until: dt.date | None
    value: object  # typed; None when gap
    gap: bool
    quote: str
    clause: str
    note: str = ""
    interpretation: str | None = None


@dataclass
class Param:
    name: str
    unit: str
    floor: bool
    values: list[Entry]
    note: str = ""
    interpretation: str | None = None
    local: object = None  # typed local value (set / override), None = none; a table's: the keys set
    local_source: str | None = None
    band: tuple | None = None  # (low, high) the text allows, e.g. 40%–60%

    def local_on(self, e: Entry):
        """The local value as it applies to one dated value: a whole value as set; a table's
        keys set over that date's own table, so keys left out keep the pack's value of that
        date (a gap's keys stay open). None = no local value."""
        if not isinstance(self.local, dict) or not self.unit.startswith("table:"):
            return self.local
        return {**_pack_table(self, e), **self.local}

    @property
    def gap(self) -> bool:
        """The latest dated value is a declared gap."""
        return self.values[-1].gap


@dataclass(frozen=True)
class Reading:
    """A parameter on one date (Rule.reading): `state` is "value", "gap" (a policy_gap
    finding with a --set hint, never a zero), "not_in_force" (no value on that date and
    no --set hint: the text does set it, for other dates) or "absent" (not declared:
    optional conditions are skipped). `message` says why there is no value."""

    state: str
    value: object = None
    entry: Entry | None = None
    message: str = ""


@dataclass
class Rule:
    id: str
    kind: str
    title: str
    clause: str
    params: dict[str, Param]
    short: str
    pack_id: str
    title_en: str = ""
    note: str = ""
    lang: str = "zh"

    @property
    def citation(self) -> str:
        return f"{self.short} {self.clause}"

    def has(self, name: str) -> bool:
        return name in self.params

    def param(self, name: str) -> Param:
        if name not in self.params:
            raise PolicyError(
                _t(
                    self.lang,
                    f"政策包 {self.pack_id} 的规则 {self.id} 没有参数 {name}",
                    f"rule {self.id} of pack {self.pack_id} has no parameter {name}",
                )
            )
        return self.params[name]

    def entry(self, name: str, on: dt.date) -> Entry:
        """The dated value in force on `on`; PolicyError outside every value's dates."""
        p = self.param(name)
        if isinstance(on, dt.datetime):
            on = on.date()
        current = None
        for e in p.values:
            if e.start <= on:
                current = e
        if current is None:
            raise PolicyError(
                _t(
                    self.lang,
                    f"{self.id}.{name} 自 {p.values[0].start} 起才有规定，{on} 无值（{self.citation}）",
                    f"{self.id}.{name} has no value before {p.values[0].start}; asked for {on} ({self.citation})",
                )
            )
        if current.until is not None and on > current.until:
            raise PolicyError(
                _t(
                    self.lang,
                    f"{self.id}.{name} 的规定已于 {current.until} 终止，{on} 无值（{self.citation}）",
                    f"{self.id}.{name} ended on {current.until}; asked for {on} ({self.citation})",
                )
            )
        return current

    def holds_on(self, on: dt.date) -> bool:
        """Every parameter has a value (or a declared gap) on `on`."""
        try:
            for name in self.params:
                self.entry(name, on)
        except PolicyError:
            return False
        return True

    def spans_in_force(self, period: Period) -> list[Period]:
        """The runs of whole months of `period` the rule applies in: a month counts when the
        rule holds on its last day (the census day of month counts). A rule that ends on
        30 June applies in January–June of the year; one that starts later, from its month."""
        return month_runs([d for d in period.month_ends if self.holds_on(d)])

    def holding_over(self, period: Period) -> "Rule":
        """This rule as if it held over the whole `period`: each parameter's first value from
        its start, its last value past its end. What the months the rule does not hold in
        would carry at its own rates (calc names that money in a finding for the bureau to
        decide; it is never a ledger line)."""

        def spread(values: list[Entry]) -> list[Entry]:
            first = replace(values[0], start=min(period.start, values[0].start))
            values = [first, *values[1:]]
            last = values[-1]
            if last.until is not None and last.until < period.end:
                values[-1] = replace(last, until=period.end)
            return values

        return replace(
            self, params={n: replace(p, values=spread(p.values)) if p.values else p for n, p in self.params.items()}
        )

    def reading(self, name: str, on: dt.date) -> "Reading":
        """The one accessor: what the rule says about `name` on `on` — a value (local value
        first), a gap (the text leaves it open, no local value), not in force (the text sets
        it, but not on that date: before its first value or after one that ended), or absent
        (the rule does not declare it)."""
        if name not in self.params:
            return Reading(
                "absent",
                message=_t(self.lang, f"规则 {self.id} 没有参数 {name}", f"rule {self.id} has no parameter {name}"),
            )
        try:
            e = self.entry(name, on)
        except PolicyError as err:
            return Reading("not_in_force", message=err.message)
        p = self.params[name]
        if p.local is not None:
            return Reading("value", p.local_on(e), e)
        if e.gap:
            cit = f"{self.short} {e.clause}"
            return Reading(
                "gap",
                None,
                e,
                _t(
                    self.lang,
                    f"政策缺口: {self.id}.{name} 原文未规定具体数值（{cit}），请用 --set {self.id}.{name}=… 本地设定",
                    f"policy gap: the text gives no value for {self.id}.{name} ({cit}); set one with --set {self.id}.{name}=…",
                ),
            )
        return Reading("value", e.value, e)

    def value(self, name: str, on: dt.date):
        """Typed value in force on `on` (local value first). A gap raises PolicyGap; a date
        outside the value's dates (or an undeclared name) raises PolicyError."""
        r = self.reading(name, on)
        if r.state == "value":
            return r.value
        if r.state == "gap":
            raise PolicyGap(r.message, rule=self.id, param=name, citation=f"{self.short} {r.entry.clause}")
        if r.state == "absent":
            self.param(name)  # raises the pack's own message
        raise PolicyError(r.message)

    def is_gap(self, name: str, on: dt.date) -> bool:
        """Declared gap with no local value on that date (a table's null keys are not
        a whole gap: check them in the dict `value` returns)."""
        return self.entry(name, on).gap and self.params[name].local is None


@dataclass
class Pack:
    id: str
    title: str
    number: str | None
    jurisdiction: str
    issued: dt.date | None
    effective: dt.date
    status: str
    short: str
    sha256: str
    path: Path
    interpretations: list[dict]
    rules: dict[str, Rule]
    overrides: list[dict] = field(default_factory=list)
    effective_note: str = ""
    effective_interpretation: str | None = None  # id of the interpretation behind `effective`
    source: Path | None = None
    title_en: str = ""
    jurisdiction_en: str = ""
    short_en: str = ""
    note: str = ""
    lang: str = "zh"

    def rules_of_kind(self, kind: str) -> list[Rule]:
        return [r for r in self.rules.values() if r.kind == kind]

    def interpretation(self, interp_id: str) -> dict:
        return next(i for i in self.interpretations if i["id"] == interp_id)

    def parameters(self, on: dt.date | None = None) -> list[dict]:
        """Every parameter as a flat record (for `audit policy show` and reports).
        With `on`, the value in force that day; without, every dated value."""
        rows = []
        for r in self.rules.values():
            for p in r.params.values():
                if on is not None:
                    try:
                        entries = [r.entry(p.name, on)]
                    except PolicyError:
                        continue
                else:
                    entries = p.values
                for e in entries:
                    local = p.local is not None
                    rows.append(
                        {
                            "name": f"{r.id}.{p.name}",
                            "rule": r.id,
                            "kind": r.kind,
                            "param": p.name,
                            "value": json_value(p.unit, p.local_on(e) if local else e.value),
                            "display": (
                                format_value(p.unit, p.local_on(e) if local else e.value, self.lang)
                                if local or not e.gap
                                else None
                            ),
                            "pack_value": json_value(p.unit, e.value),
                            "unit": p.unit,
                            "from": e.start.isoformat(),
                            "until": e.until.isoformat() if e.until else None,
                            "gap": e.gap,
                            "floor": p.floor,
                            "band": None if p.band is None else [json_value(p.unit, x) for x in p.band],
                            "band_display": None
                            if p.band is None
                            else "—".join(format_value(p.unit, x) for x in p.band),
                            "local": p.local_source if local else None,
                            "document": self.title,
                            "number": self.number,
                            "clause": e.clause,
                            "citation": f"{self.short} {e.clause}",
                            "quote": e.quote,
                            "note": e.note or p.note,
                            "interpretation": e.interpretation or p.interpretation,
                        }
                    )
        return rows


# ---------------------------------------------------------------- loading


class _Loader:
    """Reads one pack file strictly: every problem names the file and the key path."""

    def __init__(self, path: Path, lang: str):
        self.path, self.lang = path, lang

    def fail(self, keypath: str, zh: str, en: str):
        where = f"{self.path.name}: {keypath}" if keypath else self.path.name
        raise PolicyError(_t(self.lang, f"政策包 {where}: {zh}", f"policy pack {where}: {en}"))

    def keys(self, obj, keypath: str, allowed: set, required: set = frozenset()):
        if not isinstance(obj, dict):
            self.fail(keypath, "应为 键: 值 映射", "expected a mapping")
        for k in obj:
            if k not in allowed:
                self.fail(f"{keypath}.{k}" if keypath else str(k), "未知字段", "unknown key")
        for k in sorted(required):
            if obj.get(k) is None and not (k in obj and k in {"number", "issued"}):
                self.fail(f"{keypath}.{k}" if keypath else k, "缺少必填字段", "required key missing")

    def date(self, v, keypath):
        try:
            return _to_date(v, self.lang)
        except _Bad as b:
            self.fail(keypath, b.zh, b.en)

    def text(self, v, keypath):
        if not isinstance(v, str) or not v.strip():
            self.fail(keypath, "应为非空文本", "expected non-empty text")
        return v.strip()

    def load(self) -> Pack:
        try:
            raw_bytes = self.path.read_bytes()
        except OSError as e:
            raise PolicyError(
                _t(
                    self.lang,
                    f"无法读取政策包 {self.path}: {e.strerror}",
                    f"cannot read policy pack {self.path}: {e.strerror}",
                )
            ) from None
        try:
            text = raw_bytes.decode("utf-8")
        except UnicodeDecodeError:
            raise PolicyError(
                _t(
                    self.lang,
                    f"政策包 {self.path.name} 不是 UTF-8 编码的文本",
                    f"policy pack {self.path.name} is not UTF-8 text",
                )
            ) from None
        try:
            doc = load_yaml(text, _YAML_LOADER)
        except TooLarge as e:
            raise PolicyError(
                _t(self.lang, f"政策包 {self.path.name}: {e.zh}", f"policy pack {self.path.name}: {e.en}")
            ) from None
        except yaml.YAMLError as e:
            where = getattr(e, "problem_mark", None)
            problem = getattr(e, "problem", "") or ""
            zh = f"第 {where.line + 1} 行第 {where.column + 1} 列: {problem}" if where else str(e)
            en = f"line {where.line + 1}, column {where.column + 1}: {problem}" if where else str(e)
            raise PolicyError(
                _t(
                    self.lang,
                    f"政策包 {self.path.name} 不是有效的 UTF-8 YAML（{zh}）",
                    f"policy pack {self.path.name} is not valid UTF-8 YAML ({en})",
                )
            ) from None
        self.keys(doc, "", PACK_KEYS, PACK_REQUIRED)
        pid = self.text(doc["id"], "id")
        status = doc["status"]
        if status not in ("in_force", "draft"):
            self.fail("status", "应为 in_force 或 draft", "must be in_force or draft")
        issued = None if doc["issued"] is None else self.date(doc["issued"], "issued")
        effective = self.date(doc["effective"], "effective")
        short = self.text(doc["short"], "short")
        number = None if doc["number"] is None else self.text(doc["number"], "number")
        if number is None and not doc.get("note"):
            self.fail("number", "无文号时应在 note 中说明", "without a document number, say why in note")
        if issued is None and not doc.get("effective_note"):
            self.fail(
                "effective_note",
                "未注明发布日期时应说明生效日期如何确定",
                "an undated document must say how its effective date was chosen",
            )
        self.source_text = None
        source = None
        if doc.get("source") is not None:
            source = self._source_path(doc["source"])
            self.source_text = self._source_text(source)

        interps = self._interpretations(doc.get("interpretations") or [])
        self.interp_ids = {i["id"] for i in interps}
        eff_interp = doc.get("effective_interpretation")
        if eff_interp is not None and eff_interp not in self.interp_ids:
            self.fail(
                "effective_interpretation", f"未声明的解释 {eff_interp!r}", f"undeclared interpretation {eff_interp!r}"
            )
        rules_raw = doc["rules"]
        if not isinstance(rules_raw, dict) or not rules_raw:
            self.fail("rules", "应为非空的 规则id: 规则 映射", "expected a non-empty mapping rule_id: rule")
        rules = {}
        for rid, r in rules_raw.items():
            rules[str(rid)] = self._rule(str(rid), r, effective, short, pid)
        return Pack(
            id=pid,
            title=self.text(doc["title"], "title"),
            number=number,
            jurisdiction=self.text(doc["jurisdiction"], "jurisdiction"),
            issued=issued,
            effective=effective,
            status=status,
            short=short,
            sha256=hashlib.sha256(raw_bytes).hexdigest(),
            path=self.path,
            interpretations=interps,
            rules=rules,
            effective_note=str(doc.get("effective_note") or ""),
            effective_interpretation=eff_interp,
            source=source,
            title_en=str(doc.get("title_en") or ""),
            jurisdiction_en=str(doc.get("jurisdiction_en") or ""),
            short_en=str(doc.get("short_en") or ""),
            note=str(doc.get("note") or ""),
            lang=self.lang,
        )

    def _source_path(self, name) -> Path:
        """A plain file name, found beside the pack, in its sources/ folder or among the
        shipped sources — never a path elsewhere (`../../etc/passwd` is refused)."""
        name = self.text(name, "source")
        if Path(name).name != name or name in (".", "..") or "\\" in name:
            self.fail(
                "source",
                f"原文文件应为文件名（放在政策包旁或 sources/ 中），不能是路径：{name}",
                f"the source text must be a file name (beside the pack or in sources/), not a path: {name}",
            )
        for base in (self.path.parent, self.path.parent / "sources", SOURCE_DIR):
            candidate = base / name
            if candidate.is_file() and candidate.resolve().parent == base.resolve():
                return candidate
        self.fail("source", f"找不到原文文件 {name}", f"source text {name} not found")

    def _source_text(self, path: Path) -> str:
        """The source text, UTF-8 and at most guards.MAX_TEXT_BYTES, or a PolicyError."""
        from audit.guards import MAX_TEXT_BYTES

        if path.stat().st_size > MAX_TEXT_BYTES:
            self.fail("source", f"原文文件过大：{path.name}", f"source text too large: {path.name}")
        try:
            return normalise_ws(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            self.fail(
                "source", f"原文文件 {path.name} 不是 UTF-8 编码的文本", f"source text {path.name} is not UTF-8 text"
            )

    def _interpretations(self, items) -> list[dict]:
        if not isinstance(items, list):
            self.fail("interpretations", "应为列表", "expected a list")
        out, seen = [], set()
        for n, it in enumerate(items):
            kp = f"interpretations[{n}]"
            self.keys(it, kp, INTERP_KEYS, INTERP_KEYS)
            iid = self.text(it["id"], f"{kp}.id")
            if iid in seen:
                self.fail(f"{kp}.id", f"重复的解释 id {iid}", f"duplicate interpretation id {iid}")
            seen.add(iid)
            out.append(
                {
                    "id": iid,
                    "text_zh": self.text(it["text_zh"], f"{kp}.text_zh"),
                    "text_en": self.text(it["text_en"], f"{kp}.text_en"),
                }
            )
        return out

    def _rule(self, rid, r, effective, short, pid) -> Rule:
        kp = f"rules.{rid}"
        self.keys(r, kp, RULE_KEYS, {"kind", "title", "clause", "params"})
        kind = r["kind"]
        if kind not in KINDS:
            self.fail(
                f"{kp}.kind",
                f"不存在的规则类型 {kind!r}（可用: {', '.join(KINDS)}）",
                f"no such rule kind {kind!r} (known: {', '.join(KINDS)})",
            )
        clause = self.text(str(r["clause"]), f"{kp}.clause")
        if not isinstance(r["params"], dict) or not r["params"]:
            self.fail(f"{kp}.params", "应为非空映射", "expected a non-empty mapping")
        params = {}
        for name, p in r["params"].items():
            if name not in KINDS[kind]:
                self.fail(
                    f"{kp}.params.{name}",
                    f"规则类型 {kind} 没有此参数（可用: {', '.join(KINDS[kind])}）",
                    f"kind {kind} declares no such parameter (known: {', '.join(KINDS[kind])})",
                )
            params[name] = self._param(f"{kp}.params.{name}", name, p, KINDS[kind][name], effective, clause)
        return Rule(
            id=rid,
            kind=kind,
            title=self.text(r["title"], f"{kp}.title"),
            clause=clause,
            params=params,
            short=short,
            pack_id=pid,
            title_en=str(r.get("title_en") or ""),
            note=str(r.get("note") or ""),
            lang=self.lang,
        )

    def _param(self, kp, name, p, units, effective, rule_clause) -> Param:
        if not isinstance(p, dict):
            self.fail(kp, "应为映射（unit、value、quote …）", "expected a mapping (unit, value, quote …)")
        short_form = {k for k in p if k in ENTRY_KEYS}
        if "values" in p and short_form - {"note", "interpretation"}:
            self.fail(kp, "values 与 value/quote/from 不能同时使用", "use either values or value/quote/from, not both")
        self.keys(p, kp, PARAM_KEYS | ENTRY_KEYS, {"unit"})
        unit = p["unit"]
        if unit not in units:
            self.fail(
                f"{kp}.unit",
                f"单位应为 {' / '.join(sorted(units))}，得到 {unit!r}",
                f"unit must be {' / '.join(sorted(units))}, got {unit!r}",
            )
        floor = p.get("floor", False)
        if not isinstance(floor, bool):
            self.fail(f"{kp}.floor", "应为 true/false", "expected true/false")
        if floor and unit in {"set", "bool", "payer", "text"}:
            self.fail(f"{kp}.floor", f"单位 {unit} 不能作为下限", f"a {unit} parameter cannot be a floor")
        interp = p.get("interpretation")
        if interp is not None and interp not in self.interp_ids:
            self.fail(f"{kp}.interpretation", f"未声明的解释 {interp!r}", f"undeclared interpretation {interp!r}")
        if "values" in p:
            raw = p["values"]
            if not isinstance(raw, list) or not raw:
                self.fail(f"{kp}.values", "应为非空列表", "expected a non-empty list")
            items = [(f"{kp}.values[{n}]", e) for n, e in enumerate(raw)]
        else:
            items = [(kp, {k: p[k] for k in short_form})]
        entries = [self._entry(ekp, e, unit, name, effective, rule_clause) for ekp, e in items]
        for (ekp, _), prev, cur in zip(items[1:], entries, entries[1:]):
            if cur.start <= prev.start:
                self.fail(
                    f"{ekp}.from", "日期应递增（与上一项重叠或乱序）", "dates must increase (overlaps or out of order)"
                )
            if prev.until is not None and prev.until >= cur.start:
                self.fail(
                    f"{ekp}.from",
                    f"与上一项（至 {prev.until}）重叠",
                    f"overlaps the previous value (until {prev.until})",
                )
        if floor and all(e.gap for e in entries):
            self.fail(f"{kp}.floor", "缺口参数不能标为下限", "a gap cannot be a floor")
        band = self._band(f"{kp}.band", p.get("band"), unit, name, entries)
        return Param(
            name=name,
            unit=unit,
            floor=floor,
            values=entries,
            note=str(p.get("note") or ""),
            interpretation=interp,
            band=band,
        )

    def _band(self, kp, raw, unit, name, entries):
        """`band: [low, high]`: the range the text allows; pack and local values stay inside."""
        if raw is None:
            return None
        if unit.startswith("table:") or unit in {"set", "bool", "payer", "text"}:
            self.fail(kp, f"单位 {unit} 不能设区间", f"unit {unit} cannot have a band")
        if not isinstance(raw, list) or len(raw) != 2:
            self.fail(kp, "应写作 [下限, 上限]", "expected [low, high]")
        try:
            low, high = (parse_value(unit, name, x) for x in raw)
        except _Bad as b:
            self.fail(kp, b.zh, b.en)
        if low > high:
            self.fail(kp, "下限大于上限", "low is above high")
        for e in entries:
            if not e.gap and not low <= e.value <= high:
                self.fail(kp, "数值不在区间内", "a value lies outside the band")
        return (low, high)

    def _entry(self, kp, e, unit, name, effective, rule_clause) -> Entry:
        self.keys(e, kp, ENTRY_KEYS, {"quote"})
        quote = self.text(e["quote"], f"{kp}.quote")
        if self.source_text is not None and normalise_ws(quote) not in self.source_text:
            self.fail(f"{kp}.quote", "引文在原文中找不到（须逐字引用）", "quote not found verbatim in the source text")
        gap = e.get("gap", False)
        if not isinstance(gap, bool):
            self.fail(f"{kp}.gap", "应为 true/false", "expected true/false")
        if gap and "value" in e and e["value"] is not None:
            self.fail(f"{kp}.value", "缺口不能同时给出数值", "a gap cannot also have a value")
        if gap and not e.get("note"):
            self.fail(
                f"{kp}.note",
                "缺口须用 note 说明原文为何未给出数值",
                "a gap needs a note saying what the text leaves open",
            )
        if not gap and "value" not in e:
            self.fail(f"{kp}.value", "缺少数值（或标注 gap: true）", "value missing (or mark gap: true)")
        value = None
        if not gap:
            try:
                value = parse_value(unit, name, e["value"])
            except _Bad as b:
                self.fail(f"{kp}.value", b.zh, b.en)
        interp = e.get("interpretation")
        if interp is not None and interp not in self.interp_ids:
            self.fail(f"{kp}.interpretation", f"未声明的解释 {interp!r}", f"undeclared interpretation {interp!r}")
        start = self.date(e["from"], f"{kp}.from") if "from" in e else effective
        until = self.date(e["until"], f"{kp}.until") if e.get("until") is not None else None
        if until is not None and until < start:
            self.fail(f"{kp}.until", "终止日期早于起始日期", "until is before from")
        clause = self.text(str(e["clause"]), f"{kp}.clause") if "clause" in e else rule_clause
        return Entry(
            start=start,
            until=until,
            value=value,
            gap=gap,
            quote=quote,
            clause=clause,
            note=str(e.get("note") or ""),
            interpretation=interp,
        )


# ---------------------------------------------------------------- overrides


def _parse_set(text: str, lang: str) -> tuple[str, object]:
    if "=" not in text:
        raise PolicyError(
            _t(lang, f"--set 应写作 规则.参数=值，得到 {text!r}", f"--set is written rule.param=value, got {text!r}")
        )
    key, raw = text.split("=", 1)
    try:
        value = load_yaml(raw) if raw.strip() else None
    except (yaml.YAMLError, TooLarge):
        value = raw.strip()  # then refused by the parameter's unit, in words
    return key.strip(), value


def _pack_table(p: Param, e: Entry) -> dict:
    """One dated value of a table parameter as a dict: its keys, or every key open (a gap)."""
    if not e.gap and e.value is not None:
        return dict(e.value)
    return {k: None for k in sorted(TABLE_KEYS.get(p.name, set()), key=str)}


def _apply_one(pack: Pack, key: str, value, source: str, lang: str):
    """Check one local value against the pack (unit, floor, band); return the rule,
    the parameter, the typed value and the table key (or None)."""
    parts = key.split(".")
    if parts and parts[0] == pack.id and len(parts) > 2 and parts[1] in pack.rules:
        parts = parts[1:]  # "shaoxing.rule.param" is accepted too
    if len(parts) not in (2, 3):
        raise PolicyError(
            _t(
                lang,
                f"{source}: {key}: 应写作 规则.参数 或 规则.参数.键",
                f"{source}: {key}: expected rule.param or rule.param.KEY",
            )
        )
    rid, name = parts[0], parts[1]
    if rid not in pack.rules:
        known = ", ".join(pack.rules)
        raise PolicyError(
            _t(
                lang,
                f"{source}: {key}: 政策包 {pack.id} 没有规则 {rid}（可用: {known}）",
                f"{source}: {key}: pack {pack.id} has no rule {rid} (known: {known})",
            )
        )
    rule = pack.rules[rid]
    if name not in rule.params:
        raise PolicyError(
            _t(
                lang,
                f"{source}: {key}: 规则 {rid} 没有参数 {name}（可用: {', '.join(rule.params)}）",
                f"{source}: {key}: rule {rid} has no parameter {name} (known: {', '.join(rule.params)})",
            )
        )
    p = rule.params[name]
    try:
        if value is None:
            raise _Bad("缺少值", "value missing")
        if p.unit.startswith("table:"):
            # a table's local value is the keys given (over earlier local keys): keys left out
            # keep the pack's value of each date (Param.local_on)
            given = {parts[2]: value} if len(parts) == 3 else value
            earlier = p.local if isinstance(p.local, dict) else {}
            typed = {**earlier, **parse_value(p.unit, name, given, whole=False)}
            if name == "payer_shares":
                for e in p.values:  # on every date the shares must now add up to 1
                    parse_value(p.unit, name, {**_pack_table(p, e), **typed})
        elif len(parts) == 3:
            raise _Bad(f"参数 {name} 不是表格，不能按键设定", f"{name} is not a table; it has no keys")
        else:
            typed = parse_value(p.unit, name, value)
    except _Bad as b:
        raise PolicyError(_t(lang, f"{source}: {key}: {b.zh}", f"{source}: {key}: {b.en}")) from None
    if p.floor:
        _check_floor(pack, rule, p, key, typed, source, lang)
    if p.band is not None and not p.band[0] <= typed <= p.band[1]:
        low, high = (format_value(p.unit, x) for x in p.band)
        raise PolicyError(
            _t(
                lang,
                f"{source}: {key}: {rule.id}.{name} 应在原文规定的区间 {low}—{high} 内（{rule.citation}），拟设 {format_value(p.unit, typed)}",
                f"{source}: {key}: {rule.id}.{name} must lie within the band {low}–{high} the text sets ({rule.citation}), got {format_value(p.unit, typed)}",
            )
        )
    table_key = None
    if len(parts) == 3:
        table_key = next(k for k in typed if str(k) == parts[2])
    return rule, p, typed, table_key


def _check_floor(pack, rule, p, key, typed, source, lang):
    """不低于: a local value may only make the standard stricter. For most units that
    means higher; for `persons` (residents per caregiver, "不低于1:10") and `max`
    targets it means lower."""
    inner = p.unit[len("table:") :] if p.unit.startswith("table:") else p.unit
    lower_is_stricter = inner == "persons" or p.name == "max"
    for e in p.values:
        if e.gap:
            continue
        if p.unit.startswith("table:"):
            pairs = [(k, typed.get(k), e.value.get(k)) for k in e.value]
        else:
            pairs = [(None, typed, e.value)]
        for k, local, floor in pairs:
            if floor is None or local is None:
                continue
            if (local <= floor) if lower_is_stricter else (local >= floor):
                continue
            name = f"{rule.id}.{p.name}" + (f".{k}" if k is not None else "")
            fv, lv = format_value(inner, floor), format_value(inner, local)
            cit = f"{pack.short} {e.clause}"
            if lower_is_stricter:
                zh = f"{name} 不得宽于 {fv}（{cit}「不低于」标准），拟设 {lv}"
                en = f"{name} may not be looser than {fv} ({cit}), got {lv}"
            else:
                zh = f"{name} 不得低于 {fv}（{cit}「不低于」），拟设 {lv}"
                en = f"{name} may not go below the floor {fv} ({cit}), got {lv}"
            raise PolicyError(_t(lang, f"{source}: {key}: {zh}", f"{source}: {key}: {en}"))


def _read_override_file(path, lang) -> tuple[list[tuple[str, object]], str | None]:
    path = Path(path)
    try:
        doc = load_yaml(path.read_text(encoding="utf-8"), _YAML_LOADER)
    except (OSError, yaml.YAMLError, UnicodeDecodeError, TooLarge) as e:
        mark, problem = getattr(e, "problem_mark", None), getattr(e, "problem", None)
        where = f": line {mark.line + 1}: {problem}" if mark is not None else ""
        where = f": {e.text(lang)}" if isinstance(e, TooLarge) else where
        raise PolicyError(
            _t(
                lang,
                f"无法读取覆盖文件 {path}（应为 UTF-8 YAML）{where}",
                f"cannot read override file {path} (expected UTF-8 YAML){where}",
            )
        ) from None
    if not isinstance(doc, dict):
        raise PolicyError(
            _t(
                lang,
                f"覆盖文件 {path.name} 应为 规则.参数: 值 映射",
                f"override file {path.name} must be a mapping rule.param: value",
            )
        )
    reason = None
    if "values" in doc and set(doc) <= OVERRIDE_FILE_KEYS:
        reason = None if doc.get("reason") is None else str(doc["reason"])
        doc = doc["values"]
        if not isinstance(doc, dict):
            raise PolicyError(
                _t(
                    lang,
                    f"覆盖文件 {path.name}: values 应为映射",
                    f"override file {path.name}: values must be a mapping",
                )
            )
    elif "reason" in doc:
        reason = str(doc.pop("reason"))
    return [(str(k), v) for k, v in doc.items()], reason


def apply_overrides(pack: Pack, sets=(), override_file=None, lang: str = "zh", set_source: str = "--set") -> Pack:
    """Check every local value first (file and --set), then apply them all; --set wins
    over the file for the same key. `set_source` names the option in messages and
    reports (`--proposal-set` for audit compare)."""
    planned = []
    if override_file:
        items, reason = _read_override_file(override_file, lang)
        src = f"{_t(lang, '覆盖文件', 'override file')} {Path(override_file).name}"
        planned += [(k, v, src, reason) for k, v in items]
    for s in sets:
        k, v = _parse_set(s, lang)
        planned.append((k, v, set_source, None))
    before = [(p, p.local, p.local_source) for r in pack.rules.values() for p in r.params.values()]
    checked = []
    try:
        for key, value, src, reason in planned:
            rule, p, typed, table_key = _apply_one(pack, key, value, src, lang)
            checked.append((key, rule, p, typed, table_key, src, reason))
            p.local, p.local_source = typed, src  # later table keys build on earlier ones
    except PolicyError:
        for p, local, local_source in before:  # nothing applies when any key is refused
            p.local, p.local_source = local, local_source
        raise
    # the whole plan passed: record what was overridden, beside the pack's value
    for key, rule, p, typed, table_key, src, reason in checked:
        last = p.values[-1]
        unit, pack_value, local_value = p.unit, None if last.gap else last.value, typed
        name = f"{rule.id}.{p.name}"
        if table_key is not None:  # one key of a table: show that key only
            unit = p.unit[len("table:") :]
            pack_value = None if pack_value is None else pack_value.get(table_key)
            local_value = typed[table_key]
            name = f"{name}.{table_key}"
        pack.overrides.append(
            {
                "param": name,
                "unit": unit,
                "pack_value": None if pack_value is None else format_value(unit, pack_value, lang),
                "local_value": format_value(unit, local_value, lang),
                "status": "locally set" if pack_value is None else "overridden",
                "source": src,
                "reason": reason,
                "citation": f"{pack.short} {last.clause}",
            }
        )
    return pack


# ---------------------------------------------------------------- public API


def shipped_packs() -> list[str]:
    """Ids of the packs that ship with the toolkit."""
    return sorted(p.stem for p in PACK_DIR.glob("*.yaml"))


def resolve(name_or_path: str, lang: str = "zh") -> Path:
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists():
        if not p.is_file():
            raise PolicyError(
                _t(lang, f"找不到政策包文件 {name_or_path}", f"policy pack file not found: {name_or_path}")
            )
        return p
    shipped = PACK_DIR / f"{name_or_path}.yaml"
    if not shipped.is_file():
        raise PolicyError(
            _t(
                lang,
                f"没有名为 {name_or_path} 的政策包（可用: {', '.join(shipped_packs())}，或给出 YAML 路径）",
                f"no policy pack named {name_or_path} (known: {', '.join(shipped_packs())}, or give a YAML path)",
            )
        )
    return shipped


def load_pack(name_or_path: str, sets=(), override_file=None, lang: str = "zh") -> Pack:
    """Load a shipped pack by id or a user's pack by path, then apply local values."""
    pack = _Loader(resolve(str(name_or_path), lang), lang).load()
    return apply_overrides(pack, sets=tuple(sets or ()), override_file=override_file, lang=lang)
