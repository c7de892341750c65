"""The command examples in README.md, README.en.md and docs/*.md match the CLI (as
sqlite-utils tests its docs): every `audit …` example names a real command and only
options that command has; the complete examples in code blocks that write nothing run and
exit 0; every command is documented in the README's command table."""

import re
import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from audit.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", ROOT / "README.en.md", *sorted((ROOT / "docs").glob("*.md"))]


def examples() -> list[tuple[str, str, bool]]:
    """(file, command text, in a code block) for every `audit <command> …` in the docs."""
    found = []
    for path in (p for p in DOCS if p.is_file()):
        text = path.read_text(encoding="utf-8")
        for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.S):
            for line in block.replace("\\\n", " ").splitlines():
                line = line.split("  #")[0].strip().removeprefix("$ ")
                if line.startswith("audit ") and "\u4e00" > line[6:7]:
                    found.append((path.name, line, True))
        for inline in re.findall(r"`(audit [a-z][^`]*)`", text):
            found.append((path.name, inline.replace("\\|", "|"), False))
    return found


def resolve(words: list[str]) -> tuple[click.Command, list[str]]:
    command, rest = main, words[1:]
    while isinstance(command, click.Group) and rest and rest[0] in command.commands:
        command, rest = command.commands[rest[0]], rest[1:]
    return command, rest


def options_of(command: click.Command) -> set[str]:
    return {o for p in command.params for o in (*p.opts, *p.secondary_opts)} | {"--help", "-h"}


EXAMPLES = examples()


def test_the_docs_hold_examples():
    assert len(EXAMPLES) > 20 and any(in_block for *_, in_block in EXAMPLES)


@pytest.mark.parametrize("where, text, in_block", EXAMPLES, ids=[f"{w}:{t[:40]}" for w, t, _ in EXAMPLES])
def test_every_example_names_a_command_and_its_options(where, text, in_block):
    words = re.sub(r"[\[\]|·]", " ", text).split()
    command, rest = resolve(words)
    assert command is not main, f"{where}: no such command in {text!r}"
    unknown = [w.split("=")[0] for w in rest if w.startswith("--") and w.split("=")[0] not in options_of(command)]
    assert not unknown, f"{where}: {text!r} uses options {unknown} that `{' '.join(words[:2])}` does not have"


RUNNABLE = [(w, t) for w, t, in_block in EXAMPLES
            if in_block and "--out" not in t and "path/to" not in t and not re.search(r"[A-Z]{2,}", t)]


@pytest.mark.parametrize("where, text", RUNNABLE, ids=[f"{w}:{t[:40]}" for w, t in RUNNABLE])
def test_complete_examples_run(where, text, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, shlex.split(text)[1:])
    assert result.exit_code == 0, f"{where}: {text}\n{result.output}"


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in main.commands if f"audit {name}" not in readme]
    assert not missing, f"commands missing from README.md: {missing}"
