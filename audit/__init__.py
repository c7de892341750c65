"""audit — compute and audit public money for elderly-care institutions.

The Python API mirrors the CLI one-to-one:

    import audit
    ds = audit.load_data("demo/demo.xlsx")          # read + normalise + validate
    pack = audit.load_pack("shaoxing")               # a policy pack
    result = audit.run("demo/demo.xlsx", "shaoxing", 2024)
    audit.write_outputs(result, "reports/demo")
"""

from importlib import import_module

__version__ = "0.1.0"

_API = {
    "load_data": "audit.io",
    "read": "audit.io",
    "read_tables": "audit.io",
    "validate": "audit.validate",
    "load_pack": "audit.policy",
    "run": "audit.run",
    "write_outputs": "audit.run",
    "explain": "audit.run",
    "synth": "audit.synth",
    "sample": "audit.sampling",
    "verify_draw": "audit.sampling",
    "compare": "audit.compare",
    "write_compare": "audit.compare",
}


def _callable_module(module_name: str, function: str) -> None:
    """Importing audit.run (or .validate, .synth) rebinds `audit.run` from the function to
    the module — Python sets a package's attribute for each submodule it imports — so
    `audit.run(...)` would work or fail depending on what was imported before. Calling
    such a module calls its function of the same name."""
    import sys

    module = sys.modules[module_name]

    class _CallableModule(type(module)):
        def __call__(self, *args, **kwargs):
            return getattr(self, function)(*args, **kwargs)

    module.__class__ = _CallableModule


def __getattr__(name):  # lazy, so `import audit` stays fast and stages stay independent
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'audit' has no attribute {name!r}")
