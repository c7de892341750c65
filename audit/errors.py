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


_OS_REASONS = {  # errno name → (zh, en): what the operating system said, in the user's words
    "ENOENT": ("文件夹不存在或无法访问", "no such file or folder"),
    "EACCES": ("没有写入权限", "permission denied"),
    "EPERM": ("没有写入权限", "permission denied"),
    "EROFS": ("只读的磁盘或文件夹", "read-only file system"),
    "ENOSPC": ("磁盘已满", "disk full"),
    "EDQUOT": ("磁盘配额已满", "disk quota exceeded"),
    "EEXIST": ("同名文件已存在", "a file of that name exists"),
    "ENOTDIR": ("路径中有一项是文件而不是文件夹", "part of the path is a file, not a folder"),
    "EISDIR": ("这是一个文件夹", "is a folder"),
    "ENAMETOOLONG": ("路径太长", "path too long"),
}


def os_error_text(e: OSError, lang: str = "zh") -> str:
    """An OSError as a user reads it ('没有写入权限：/srv/out'), not '[Errno 13] …'."""
    import errno

    name = errno.errorcode.get(e.errno or 0, "")
    zh, en = _OS_REASONS.get(name, (e.strerror or str(e), e.strerror or str(e)))
    where = e.filename if e.filename is not None else ""
    text = zh if lang != "en" else en
    return f"{text}：{where}" if where and lang != "en" else f"{text}: {where}" if where else text
