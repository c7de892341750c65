"""audit — compute and audit public money for elderly-care institutions.

The Python API mirrors the CLI one-to-one; every name below is a plain function:

    import audit
    ds = audit.load_data("demo/demo.xlsx")          # read + normalise + validate
    pack = audit.load_pack("shaoxing")               # a policy pack
    result = audit.run("demo/demo.xlsx", "shaoxing", 2024)
    audit.write_outputs(result, "reports/demo")

Where things live (docs/internals.md): data/ files → Dataset; policy/ YAML → Pack;
kinds/ one module per family of rule kinds; calc, checks, pipeline; report/; inspect/
(双随机 draw and documents); cli/ the click shell.
"""

from importlib import import_module

__version__ = "0.1.0"

# public name → module holding it. No module of this package is named like one of these
# functions, so `audit.run` is the function whatever was imported before.
_API = {
    "load_data": "audit.data.io",
    "read": "audit.data.io",
    "read_tables": "audit.data.io",
    "validate": "audit.data.validation",
    "write_template": "audit.data.template",
    "synth": "audit.data.synthetic",
    "load_pack": "audit.policy.loader",
    "run": "audit.pipeline",
    "write_outputs": "audit.pipeline",
    "explain": "audit.pipeline",
    "selfcheck": "audit.pipeline",
    "sample": "audit.inspect.documents",
    "verify_draw": "audit.inspect.documents",
    "checklists": "audit.inspect.documents",
    "publish": "audit.inspect.documents",
    "compare": "audit.comparison",
    "write_compare": "audit.comparison",
}
__all__ = sorted(_API)


def __getattr__(name):  # lazy, so `import audit` (and `audit --help`) stays fast
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'audit' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_API))
