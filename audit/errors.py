"""Errors a user can act on. The CLI prints their message and exits with their code;
no traceback ever reaches a user."""


class AuditError(Exception):
    """Base class: `message` is shown to the user as is (Chinese by default)."""

    exit_code = 3

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InputError(AuditError):
    """The input data cannot be read or is invalid (exit 1).

    `problems` (optional) is a polars DataFrame of located validation problems
    (see docs/internals.md, "Validation problems")."""

    exit_code = 1

    def __init__(self, message: str, problems=None):
        super().__init__(message)
        self.problems = problems


class PolicyError(AuditError):
    """A policy pack or an override is malformed or refused (exit 2)."""

    exit_code = 2


class PolicyGap(PolicyError):
    """A parameter the source text leaves open was asked for and no local value is set.
    Calculators catch it and emit a `policy_gap` finding; it is never a silent zero."""

    def __init__(self, message: str, rule: str = "", param: str = "", citation: str = ""):
        super().__init__(message)
        self.rule, self.param, self.citation = rule, param, citation


class OutputError(AuditError):
    """Outputs could not be written (exit 3)."""

    exit_code = 3


class UsageError(AuditError):
    """The options, or a small settings file (e.g. the report's signing details), ask for something that cannot be done as given (exit 2)."""

    exit_code = 2
