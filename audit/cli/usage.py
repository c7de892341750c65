"""click's own usage errors (a misspelt option, a missing file, a bad number) in the
user's language: click writes them in English only. Chinese by default; English when
the command line says --lang en."""

from __future__ import annotations

import re

import click

# click's messages for the values its types refuse (click 8.x wording) → Chinese
_VALUE_MESSAGES = (
    (r"^Path '(.*)' does not exist\.$", "路径“{0}”不存在"),
    (r"^File '(.*)' does not exist\.$", "文件“{0}”不存在"),
    (r"^Directory '(.*)' does not exist\.$", "文件夹“{0}”不存在"),
    (r"^File '(.*)' is a directory\.$", "“{0}”是文件夹，应为文件"),
    (r"^Directory '(.*)' is a file\.$", "“{0}”是文件，应为文件夹"),
    (r"^(?:Path|File|Directory) '(.*)' is not readable\.$", "“{0}”无法读取（没有读取权限）"),
    (r"^(?:Path|File|Directory) '(.*)' is not writable\.$", "“{0}”无法写入（没有写入权限）"),
    (r"^'(.*)' is not a valid integer\.$", "“{0}”不是整数"),
    (r"^'(.*)' is not a valid float\.$", "“{0}”不是数字"),
    (r"^'(.*)' is not a valid boolean\.$", "“{0}”不是 是/否（true/false）"),
    (r"^'(.*)' is not (?:one of )?(.*)\.$", "“{0}”不是可选值（可选：{1}）"),
)


def lang_of(args: list[str]) -> str:
    """The --lang the command line asks for (zh when none): the message is shown before
    click has parsed the options."""
    for i, a in enumerate(args):
        if a == "--lang" and i + 1 < len(args):
            return "en" if args[i + 1] == "en" else "zh"
        if a.startswith("--lang="):
            return "en" if a.split("=", 1)[1] == "en" else "zh"
    return "zh"


def _value_message(message: str) -> str:
    for pattern, zh in _VALUE_MESSAGES:
        m = re.match(pattern, message)
        if m:
            return zh.format(*m.groups())
    return message


def usage_message(e: click.ClickException, lang: str = "zh") -> str:
    """The text to show for a click error: click's own in English, ours in Chinese."""
    ctx = getattr(e, "ctx", None)
    hint = f"{ctx.command_path} --help" if ctx is not None else "audit --help"
    if lang == "en":
        return f"Error: {e.format_message()}\nTry '{hint}' for help."
    if isinstance(e, click.NoSuchOption):
        close = "、".join(e.possibilities or [])
        text = f"没有选项 {e.option_name}" + (f"，您是否想用 {close}？" if close else "")
    elif isinstance(e, click.MissingParameter):
        name = e.param.get_error_hint(ctx) if e.param is not None and ctx is not None else ""
        text = f"缺少必填选项 {name}".replace("'", "").strip()
    elif isinstance(e, click.BadParameter):
        name = e.param.get_error_hint(ctx).replace("'", "") if e.param is not None and ctx is not None else ""
        text = f"选项 {name} 的值无效：{_value_message(e.message)}" if name else _value_message(e.message)
    elif isinstance(e, click.BadOptionUsage):
        text = f"选项 {e.option_name} 用法不对：{e.message}"
    elif type(e).__name__ == "NoSuchCommand" or e.message.startswith("No such command"):
        m = re.search(r"'(.*?)'", e.message)
        text = f"没有命令 {m.group(1) if m else e.message}；可用的命令见 audit --help"
    elif isinstance(e, click.UsageError):
        text = e.message  # our own usage errors are already in the user's language
    else:
        return f"错误: {e.format_message()}"
    return f"错误: {text}\n查看用法：{hint}"
