"""User-facing words: Chinese by default, English with `--lang en`."""


def t(lang: str, zh: str, en: str) -> str:
    """The text in the user's language (anything but "en" is Chinese)."""
    return en if lang == "en" else zh
