"""Make the two WOFF2 fonts of this folder (run by hand; not part of the package's code).

Why: every PDF embeds a subset of the fonts it uses, and WeasyPrint subsets a font keeping
each glyph's id. Noto Sans CJK SC has 65,535 glyphs with the common hanzi at high ids, so
each subset is a 65,000-glyph font to build and compress (~0.05 s a face, twice a document:
a third of a self-check's PDF writing). These are the same SC faces cut to GB 2312 (6,763
hanzi, its symbols, ASCII, Latin-1, general punctuation, CJK and full-width forms: 8,772
characters): the same glyph drawings, ids below 9,000. A character outside them falls back
to the full "Noto Sans CJK SC" (templates/print.css lists it next).

    .venv/bin/python templates/fonts/make_fonts.py   # needs fonts-noto-cjk and brotli

Source: Debian fonts-noto-cjk (Noto Sans CJK 2.004, SIL Open Font License 1.1: OFL.txt here).
"""

from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

HERE = Path(__file__).resolve().parent
SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-{weight}.ttc"
FAMILY = "Noto Sans CJK SC GB2312"
RANGES = [(0x20, 0x7E), (0xA0, 0x17F), (0x2000, 0x206F), (0x2100, 0x22FF), (0x2460, 0x25FF), (0x3000, 0x303F),
          (0xFF00, 0xFFEF)]


def characters() -> list[int]:
    """GB 2312 (every two-byte code that decodes) and the ranges above."""
    found = {ord(c) for a in range(0xA1, 0xFF) for b in range(0xA1, 0xFF) for c in _decode(bytes([a, b]))}
    found.update(c for lo, hi in RANGES for c in range(lo, hi + 1))
    return sorted(found)


def _decode(pair: bytes) -> str:
    try:
        return pair.decode("gb2312")
    except UnicodeDecodeError:
        return ""


def make(weight: str) -> Path:
    collection = TTCollection(SOURCE.format(weight=weight))
    font = next(f for f in collection.fonts if f["name"].getDebugName(1).startswith("Noto Sans CJK SC"))
    subsetter = subset.Subsetter(subset.Options())
    subsetter.populate(unicodes=characters())
    subsetter.subset(font)
    # its own family name: "Noto Sans CJK SC" stays the full system font the fallback finds
    full = f"{FAMILY} {weight}" if weight != "Regular" else FAMILY
    for record in font["name"].names:
        if record.nameID in (1, 16):
            record.string = FAMILY
        elif record.nameID == 4:
            record.string = full
        elif record.nameID == 6:
            record.string = full.replace(" ", "")
    font.flavor = "woff2"
    path = HERE / f"NotoSansCJKsc-GB2312-{weight}.woff2"
    font.save(path)
    return path


if __name__ == "__main__":
    for weight in ("Regular", "Bold"):
        print(make(weight))
