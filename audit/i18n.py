"""User-facing words: Chinese by default, English with `--lang en`."""


def t(lang: str, zh: str, en: str) -> str:
    """The text in the user's language (anything but "en" is Chinese)."""
    return en if lang == "en" else zh


# Ledger programs and payers, in every output (CLI, CSV, workbooks, reports): code → (zh, en).
PROGRAMS = {
    "construction": ("建设补贴", "Construction"),
    "operating": ("运营补贴", "Operating"),
    "center_operating": ("居家养老中心运营补助", "Home-care centre operating"),
    "insurance": ("综合保险", "Insurance"),
}
PAYERS = {
    "province": ("省级财政", "Province"),
    "province_lottery": ("省级福彩公益金", "Provincial lottery fund"),
    "city_lottery": ("市级福彩公益金", "City lottery fund"),
    "city": ("市级财政", "City"),
    "county": ("县级财政", "County"),
    "finance": ("财政", "Finance"),
    "institution": ("机构自付", "Institution (own share)"),
}


def words(table: dict[str, tuple[str, str]], lang: str) -> dict[str, str]:
    """{code: word} of PROGRAMS or PAYERS in the user's language."""
    return {code: t(lang, zh, en) for code, (zh, en) in table.items()}
