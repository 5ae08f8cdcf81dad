"""The floor plan holds: funcad's imports form no cycle and never run up the floors.

The package is built in floors (docs/architecture.md): each module may import from its own
floor and the floors below, never from a floor above, and the import graph has no cycle.
This test reads every module's import statements with ``ast`` (no module is executed) and
fails on a cycle, on an import that runs up, on an import inside a function or class, and on
a module-level import after other code (flake8's E402), naming the file and the line.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "funcad"

# Bottom to top. A module is on the floor of its longest matching prefix.
FLOORS: list[tuple[str, tuple[str, ...]]] = [
    ("leaves", ("funcad.errors", "funcad._tree_util", "funcad.tree_util",
                "funcad.traceback_util")),
    ("core", ("funcad.core", "funcad.typing")),
    ("rule tables", ("funcad.rules",)),
    ("primitives", ("funcad.primitives",)),
    ("interpreters", ("funcad.tracing", "funcad.ad", "funcad.jvp", "funcad.batching")),
    ("built on transformations", ("funcad.jacobians", "funcad._test_util", "funcad.test_util")),
    ("staging", ("funcad.passes", "funcad.codegen", "funcad.jit")),
    ("higher-order primitives", ("funcad.control_flow", "funcad.custom_derivatives",
                                 "funcad.checkpoint", "funcad.debugging")),
    ("the user's API", ("funcad.numpy", "funcad.scipy", "funcad.lax", "funcad.debug",
                        "funcad.extend", "funcad.random", "funcad.nn",
                        "funcad.example_libraries", "funcad.flatten_util", "funcad.tree",
                        "funcad.devices", "funcad.viz",
                        "funcad.__init__", "funcad.__main__")),
]

# Imports that must stay inside a function, each with the reason (keep this list short).
ALLOWED_LOCAL_IMPORTS: dict[tuple[str, str], str] = {}


def module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    if parts[-1] == "__init__" and len(parts) > 1 and parts[:-1] != ("funcad",):
        parts = parts[:-1]  # (a subpackage is named by its folder; funcad itself: __init__)
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def floor_of(module: str) -> int:
    best, best_length = None, -1
    for index, (_, prefixes) in enumerate(FLOORS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > \
                    best_length:
                best, best_length = index, len(prefix)
    if best is None:
        raise AssertionError(f"{module} is on no floor: add it to FLOORS in {__file__}")
    return best


def resolve(importer: str, node: ast.ImportFrom | ast.Import) -> list[str]:
    """The funcad modules an import statement reads (a package's __init__ as ``funcad``)."""
    targets = []
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = importer.split(".")[: -node.level] if importer != "funcad.__init__" \
                else ["funcad"]
            base = ".".join(package + ([base] if base else []))
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                 for alias in node.names]
    for name in names:
        if name == "funcad":
            targets.append("funcad.__init__")
        elif name.startswith("funcad."):
            while name not in MODULES and "." in name:
                name = name.rsplit(".", 1)[0]
            targets.append(name if name != "funcad" else "funcad.__init__")
    return targets


def imports_of(module: str) -> list[tuple[str, int, bool]]:
    """(imported module, line, at module level) for each funcad import of ``module``."""
    tree = ast.parse(MODULES[module].read_text())
    found = []
    top_level = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for target in resolve(module, node):
                if target != module:
                    found.append((target, node.lineno, id(node) in top_level))
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def test_every_module_is_on_a_floor():
    for module in MODULES:
        floor_of(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module):
    here = floor_of(module)
    upward = [f"{MODULES[module].name}:{line} imports {target} "
              f"({FLOORS[floor_of(target)][0]}, above {FLOORS[here][0]})"
              for target, line, _ in GRAPH[module] if floor_of(target) > here]
    assert not upward, "\n".join(upward)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_local_imports(module):
    local = [f"{MODULES[module]}:{line} imports {target} inside a function or class"
             for target, line, top in GRAPH[module]
             if not top and (module, target) not in ALLOWED_LOCAL_IMPORTS]
    assert not local, "\n".join(local)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_come_first(module):
    """Module-level imports precede all other code (a docstring and ``__future__`` aside)."""
    tree = ast.parse(MODULES[module].read_text())
    seen_code = None
    late = []
    for node in tree.body:
        is_docstring = (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                        and isinstance(node.value.value, str))
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if seen_code is not None:
                late.append(f"{MODULES[module]}:{node.lineno} (after code on line {seen_code})")
        elif not is_docstring and seen_code is None:
            seen_code = node.lineno
    assert not late, "imports after code:\n" + "\n".join(late)


def test_no_import_cycle():
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(GRAPH):
        if state.get(start):
            continue
        stack = [(start, iter(GRAPH[start]))]
        path = [start]
        state[start] = 1
        while stack:
            module, targets = stack[-1]
            for target, _, _ in targets:
                if state.get(target) == 1:
                    cycle = path[path.index(target):] + [target]
                    raise AssertionError("import cycle: " + " -> ".join(cycle))
                if not state.get(target):
                    state[target] = 1
                    path.append(target)
                    stack.append((target, iter(GRAPH[target])))
                    break
            else:
                state[module] = 2
                path.pop()
                stack.pop()


def test_the_checker_sees_a_cycle_and_an_upward_import():
    """The checks can fail: an import of the API from the core would be caught."""
    assert floor_of("funcad.numpy._shapes") > floor_of("funcad.core")
    assert floor_of("funcad.primitives.shape") < floor_of("funcad.ad")
    node = ast.parse("from funcad.numpy import sin").body[0]
    assert resolve("funcad.core", node) == ["funcad.numpy"]
    node = ast.parse("from funcad import tree_util, grad").body[0]
    assert resolve("funcad.ad", node) == ["funcad.tree_util", "funcad.__init__"]


def exported_names(module: str) -> list[str] | None:
    """The literal ``__all__`` of a module (None if it defines none)."""
    for node in ast.parse(MODULES[module].read_text()).body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) and node.value else [])
        if any(getattr(t, "id", None) == "__all__" for t in targets):
            return list(ast.literal_eval(node.value))
    return None


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != "funcad.__main__"))
def test_every_module_says_what_it_exports(module):
    names = exported_names(module)
    assert names is not None, f"{MODULES[module]} defines no __all__"
    assert len(set(names)) == len(names), f"{MODULES[module]}: __all__ repeats a name"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_use_only_exported_names(module):
    """No reaching into another module's private helpers: what one module of the package
    imports from another is in that module's ``__all__`` (or is a submodule)."""
    wrong = []
    for node in ast.walk(ast.parse(MODULES[module].read_text())):
        if not (isinstance(node, ast.ImportFrom) and node.module
                and node.module.startswith("funcad")):
            continue
        source = "funcad.__init__" if node.module == "funcad" else node.module
        if source not in MODULES:
            continue
        exported = exported_names(source) or []
        for alias in node.names:
            if f"{node.module}.{alias.name}" in MODULES or alias.name in exported:
                continue
            wrong.append(f"{MODULES[module].name}:{node.lineno} imports {alias.name!r} from "
                         f"{source}, which does not export it")
    assert not wrong, "\n".join(wrong)
