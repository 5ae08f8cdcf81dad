"""The transformations keep the wrapped function's parameters in their static types.

One mypy run (session-scoped: a cold run analyses funcad and NumPy's stubs, ~10-40 s) checks
a snippet that reveals the types of transformed functions and makes wrong calls; the tests
read its report.
"""

import os
import textwrap

import pytest

mypy_api = pytest.importorskip("mypy.api")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SNIPPET = '''
import funcad


def f(x: float, y: int) -> float:
    return x * y


@funcad.jit
def decorated(x: float) -> float:
    return x


@funcad.jit(static_argnums=0)
def with_static(n: int, x: float) -> float:
    return x * n


reveal_type(funcad.jit(f))  # line 19
reveal_type(funcad.jit(f)(1.0, 2))
reveal_type(funcad.grad(f))
reveal_type(funcad.value_and_grad(f))
reveal_type(funcad.vmap(f))
reveal_type(funcad.jacfwd(f))
reveal_type(funcad.jacrev(f))
reveal_type(funcad.hessian(f))
reveal_type(funcad.checkpoint(f))
reveal_type(funcad.make_jaxpr(f))
reveal_type(funcad.custom_vjp(f))
reveal_type(funcad.custom_jvp(f))
reveal_type(decorated)
reveal_type(with_static)
funcad.jit(f)("a", "b")  # line 33
funcad.grad(f)(1.0)
funcad.vmap(f)(1.0, 2, 3)
funcad.jit(f)(1.0, 2)  # (correct: no error)
'''


@pytest.fixture(scope="session")
def report(tmp_path_factory):
    """{line: [messages]} from one mypy run on the snippet."""
    work = tmp_path_factory.mktemp("typing")
    (work / "snippet.py").write_text(textwrap.dedent(SNIPPET))
    # (mypy_path: the checkout's funcad, whichever way it is installed)
    (work / "mypy.ini").write_text(f"[mypy]\nmypy_path = {ROOT}\nignore_missing_imports = True\n")
    stdout, stderr, _ = mypy_api.run([
        str(work / "snippet.py"), "--config-file", str(work / "mypy.ini"),
        "--cache-dir", str(work / "cache"), "--no-error-summary", "--show-error-codes",
    ])
    assert not stderr, stderr
    lines: dict[int, list[str]] = {}
    for line in stdout.splitlines():
        if line.startswith(str(work / "snippet.py")):
            number = int(line.split(":")[1])
            lines.setdefault(number, []).append(line.split(":", 2)[2].strip())
    return lines


def revealed(report, line):
    notes = [m for m in report.get(line, []) if "Revealed type is" in m]
    assert len(notes) == 1, report.get(line)
    return notes[0].split("Revealed type is ", 1)[1].strip('"')


KEPT = "x: builtins.float, y: builtins.int"


@pytest.mark.parametrize("line, expected", [
    (19, f"funcad.jit.Jitted[[{KEPT}], builtins.float]"),
    (20, "builtins.float"),
    (21, f"def ({KEPT}) -> Any"),
    (22, f"def ({KEPT}) -> tuple[Any, Any]"),
    (23, f"def ({KEPT}) -> Any"),
    (24, f"def ({KEPT}) -> Any"),
    (25, f"def ({KEPT}) -> Any"),
    (26, f"def ({KEPT}) -> Any"),
    (27, f"def ({KEPT}) -> builtins.float"),
    (28, f"def ({KEPT}) -> funcad.core.ClosedJaxpr"),
    (29, f"funcad.custom_derivatives.custom_vjp[[{KEPT}], builtins.float]"),
    (30, f"funcad.custom_derivatives.custom_jvp[[{KEPT}], builtins.float]"),
    (31, "funcad.jit.Jitted[[x: builtins.float], builtins.float]"),
    (32, "funcad.jit.Jitted[[n: builtins.int, x: builtins.float], builtins.float]"),
])
def test_transformations_keep_parameters(report, line, expected):
    # (mypy prints builtins unqualified in some versions)
    got = revealed(report, line)
    assert got in (expected, expected.replace("builtins.", "")), got


def test_wrong_calls_are_flagged(report):
    assert any('incompatible type "str"; expected "float"' in m for m in report.get(33, []))
    assert any('incompatible type "str"; expected "int"' in m for m in report.get(33, []))
    assert any("Too few arguments" in m for m in report.get(34, [])), report.get(34)
    assert any("Too many arguments" in m for m in report.get(35, [])), report.get(35)
    assert 36 not in report, report.get(36)


def test_no_other_errors(report):
    flagged = {33, 34, 35}
    errors = {n: m for n, ms in report.items() for m in ms if m.startswith("error:")}
    assert set(errors) <= flagged, errors
