"""The `audit` command: a thin shell over the Python API (parse, call, print).

Each command family lives in its own module and registers itself on `main`."""

from __future__ import annotations

import os
import sys

import click

from audit.errors import AuditError


class _Group(click.Group):
    """Turns every AuditError into a one-line message and its exit code, and any
    other exception into a short internal-error line (never a traceback)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """click's usage errors (unknown option, missing file, bad number) shown in the
        user's language (audit.cli.usage) with exit code 2; the rest as click does it."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        from audit.cli.usage import lang_of, usage_message

        argv = list(sys.argv[1:] if args is None else args)
        try:
            rv = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as e:
            click.echo(usage_message(e, lang_of(argv)), err=True)
            sys.exit(e.exit_code)
        except click.exceptions.Abort:
            click.echo("已中断 / interrupted", err=True)
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) and not isinstance(rv, bool) else 0)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except AuditError as e:
            click.echo(_with_prefix(e.message), err=True)
            sys.exit(e.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except BrokenPipeError:  # the reader stopped early (`| head`): no message, as the Python docs advise
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("已中断 / interrupted", err=True)
            sys.exit(130)
        except Exception as e:  # pragma: no cover - last line of defence
            if "AUDIT_DEBUG" in __import__("os").environ:
                raise
            click.echo(
                f"内部错误 (internal error): {type(e).__name__}: {e}. 设置 AUDIT_DEBUG=1 可查看详细信息。", err=True
            )
            sys.exit(4)


def _with_prefix(message: str) -> str:
    """'错误: …' for a Chinese message, 'Error: …' for an English one (as the user asked)."""
    if message.startswith(("错误", "Error")):
        return message
    chinese = any("\u4e00" <= ch <= "\u9fff" for ch in message)
    return f"错误: {message}" if chinese else f"Error: {message}"


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="audit")
def main():
    """养老机构补贴核算与稽核工具 (audit): grants, checks, reports and random inspections."""


def _register():
    import importlib

    for name in ("data", "synth", "policy", "run", "selfcheck", "inspect", "compare", "notice"):
        try:
            importlib.import_module(f"audit.cli.{name}")
        except ModuleNotFoundError as e:  # a command family not built yet
            if e.name != f"audit.cli.{name}":
                raise


_register()
