"""Every quote in every shipped pack occurs verbatim in its source text.

Independent of audit.policy's own loader check: walks the raw YAML, and compares after
removing whitespace only (no other fuzzing)."""

import re
from pathlib import Path

import pytest
import yaml

PACKS = Path(__file__).resolve().parents[1] / "audit" / "policy" / "packs"
SOURCES = PACKS / "sources"
PACK_FILES = sorted(PACKS.glob("*.yaml"))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def quotes_in(node, path=""):
    """(key path, quote) for every `quote` key anywhere in the document."""
    if isinstance(node, dict):
        for k, v in node.items():
            here = f"{path}.{k}" if path else str(k)
            if k == "quote":
                yield here, v
            else:
                yield from quotes_in(v, here)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from quotes_in(v, f"{path}[{i}]")


def missing_quotes(doc: dict, source_text: str) -> list[str]:
    text = squeeze(source_text)
    return [p for p, q in quotes_in(doc) if not isinstance(q, str) or not q.strip() or squeeze(q) not in text]


def test_all_nine_jurisdictions_ship():
    # the five seeds and four real texts of the rule model (issue 11)
    assert {p.stem for p in PACK_FILES} == {"dongyang", "jiayuguan", "linfen", "baodi", "shaoxing",
                                            "huashan", "haimen", "taizhou", "gansu"}


@pytest.mark.parametrize("pack_file", PACK_FILES, ids=lambda p: p.stem)
def test_every_quote_is_in_the_source(pack_file):
    doc = yaml.safe_load(pack_file.read_text(encoding="utf-8"))
    source = SOURCES / doc["source"]
    assert source.name == f"{pack_file.stem}.txt"
    found = list(quotes_in(doc))
    assert found, "a pack cites its source"
    assert missing_quotes(doc, source.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("pack_file", PACK_FILES, ids=lambda p: p.stem)
def test_every_parameter_value_has_a_quote(pack_file):
    doc = yaml.safe_load(pack_file.read_text(encoding="utf-8"))
    for rid, rule in doc["rules"].items():
        for name, p in rule["params"].items():
            entries = p.get("values", [p])
            for e in entries:
                assert e.get("quote"), f"{rid}.{name} has no quote"


def test_a_paraphrase_is_caught():
    # the source says "不低于4000元"; a paraphrase with a changed number must not pass
    doc = {"rules": {"r": {"params": {"p": {"quote": "每张床位不低于5000元的补助"}}}}}
    src = (SOURCES / "shaoxing.txt").read_text(encoding="utf-8")
    assert missing_quotes(doc, src) == ["rules.r.params.p.quote"]


def test_whitespace_only_is_normalised():
    src = "甲乙 丙\n丁"
    assert missing_quotes({"quote": "甲乙丙 丁"}, src) == []
    assert missing_quotes({"quote": "甲乙，丙丁"}, src) == ["quote"]  # punctuation is not fuzzed
