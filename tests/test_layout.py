"""The layout holds: imports point one way (no cycle between modules, counting imports
inside functions too), and every public name is a function."""

import ast
import inspect
from pathlib import Path

import audit

PACKAGE = Path(audit.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """Modules of this package that `path` imports anywhere (top level or in a function).
    `from audit.x import y` counts as importing audit.x.y when that is a module, and
    importing audit.x.y runs audit/x/__init__.py first, so it imports audit.x too."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    parents = {".".join(m.split(".")[:i]) for m in found for i in range(2, m.count(".") + 1)}
    return (found | parents) & modules


def import_graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(files)
    graph = {}
    for name, path in files.items():
        # a package's __init__ is not a dependency of its submodules (Python runs it first
        # anyway); only edges to other modules count
        graph[name] = {m for m in imports_of(path, modules) if m != name and not name.startswith(m + ".")}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state and (found := visit(m)):
                return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state and (found := visit(n)):
            return found
    return None


def test_no_import_cycle():
    graph = import_graph()
    assert "audit.inspect.draw" in graph and "audit.pipeline" in graph
    assert find_cycle(graph) is None, " → ".join(find_cycle(graph))


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_no_module_is_named_like_a_public_function():
    top_level = {p.stem if p.suffix == ".py" else p.name for p in PACKAGE.iterdir()}
    assert not top_level & set(audit.__all__)
    assert all(inspect.isfunction(getattr(audit, name)) for name in audit.__all__)
