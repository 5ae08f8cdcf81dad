"""The transformations keep the wrapped function's parameters in their static types, and the
array API (funcad.numpy, lax, nn, random, scipy) takes ArrayLike and returns Array.

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
import funcad.numpy as fnp
import funcad.scipy.linalg
import funcad.scipy.special


def f(x: float, y: int) -> float:
    return x * y


@funcad.jit
def decorated(x: float) -> float:
    return x


@funcad.jit(static_argnums=0)
def with_static(n: int, x: float) -> float:
    return x * n


reveal_type(funcad.jit(f))
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
funcad.jit(f)("a", "b")
funcad.grad(f)(1.0)
funcad.vmap(f)(1.0, 2, 3)
funcad.jit(f)(1.0, 2)  # (correct: no error)


def g(x: float) -> tuple[float, str]:
    return x, "a"


reveal_type(funcad.vjp(f, 1.0, 2))
reveal_type(funcad.vjp(g, 1.0, has_aux=True))
reveal_type(funcad.linearize(g, 1.0, has_aux=True))
reveal_type(funcad.jvp(f, (1.0, 2), (1.0, 0)))
x = fnp.linspace(0.0, 1.0, 5)
reveal_type(fnp.sin(x))
reveal_type(fnp.sum(x, axis=0, keepdims=True))
reveal_type(fnp.where(x > 0.5))
reveal_type(fnp.linspace(0.0, 1.0, 5, retstep=True))
reveal_type(fnp.zeros((2, 3), fnp.float32))
reveal_type(x.at[1].set(2.0))
reveal_type(x[1:])
reveal_type(fnp.linalg.svd(x.reshape(5, 1)))
reveal_type(fnp.linalg.svd(x.reshape(5, 1), compute_uv=False))
reveal_type(funcad.lax.sin(x))
reveal_type(funcad.nn.relu(x))
reveal_type(funcad.random.normal(funcad.random.key(0), (3,)))
reveal_type(funcad.scipy.special.gammaln(x))
reveal_type(funcad.scipy.special.logsumexp(x, return_sign=True))
reveal_type(funcad.scipy.linalg.eigh(fnp.eye(3), eigvals_only=True))
reveal_type(fnp.atleast_1d(x, x))
reveal_type(fnp.unique(x, return_counts=True))
reveal_type(fnp.linalg.qr(fnp.eye(3), mode="r"))
reveal_type(funcad.random.split(funcad.random.key(0)))
reveal_type(funcad.lax.top_k(x, 2))
fnp.sum(x, axis="0")
x.at[1].set(2.0, bogus=1)
fnp.sin(x, x)
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


def line_of(statement):
    """The snippet's line number of ``statement`` (its first line that starts with it)."""
    for number, text in enumerate(textwrap.dedent(SNIPPET).splitlines(), start=1):
        if text.startswith(statement):
            return number
    raise AssertionError(f"{statement!r} is not in the snippet")


def revealed(report, statement):
    line = line_of(f"reveal_type({statement})")
    notes = [m for m in report.get(line, []) if "Revealed type is" in m]
    assert len(notes) == 1, report.get(line)
    return notes[0].split("Revealed type is ", 1)[1].strip('"')


def errors_at(report, statement):
    return [m for m in report.get(line_of(statement), []) if m.startswith("error:")]


KEPT = "x: builtins.float, y: builtins.int"
VJP = "def (Any) -> builtins.tuple[Any, ...]"
ARRAY = "funcad.typing.Array"


@pytest.mark.parametrize("statement, expected", [
    ("funcad.jit(f)", f"funcad.jit.Jitted[[{KEPT}], builtins.float]"),
    ("funcad.jit(f)(1.0, 2)", "builtins.float"),
    ("funcad.grad(f)", f"def ({KEPT}) -> Any"),
    ("funcad.value_and_grad(f)", f"def ({KEPT}) -> tuple[Any, Any]"),
    ("funcad.vmap(f)", f"def ({KEPT}) -> Any"),
    ("funcad.jacfwd(f)", f"def ({KEPT}) -> Any"),
    ("funcad.jacrev(f)", f"def ({KEPT}) -> Any"),
    ("funcad.hessian(f)", f"def ({KEPT}) -> Any"),
    ("funcad.checkpoint(f)", f"def ({KEPT}) -> builtins.float"),
    ("funcad.make_jaxpr(f)", f"def ({KEPT}) -> funcad.core.ClosedJaxpr"),
    ("funcad.custom_vjp(f)", f"funcad.custom_derivatives.custom_vjp[[{KEPT}], builtins.float]"),
    ("funcad.custom_jvp(f)", f"funcad.custom_derivatives.custom_jvp[[{KEPT}], builtins.float]"),
    ("decorated", "funcad.jit.Jitted[[x: builtins.float], builtins.float]"),
    ("with_static", "funcad.jit.Jitted[[n: builtins.int, x: builtins.float], builtins.float]"),
    ("funcad.vjp(f, 1.0, 2)", f"tuple[builtins.float, {VJP}]"),
    ("funcad.vjp(g, 1.0, has_aux=True)", f"tuple[builtins.float, {VJP}, builtins.str]"),
    ("funcad.linearize(g, 1.0, has_aux=True)",
     "tuple[builtins.float, def (*Any, **Any) -> Any, builtins.str]"),
    ("funcad.jvp(f, (1.0, 2), (1.0, 0))", "tuple[builtins.float, Any]"),
])
def test_transformations_keep_parameters(report, statement, expected):
    # (mypy prints builtins unqualified in some versions)
    got = revealed(report, statement)
    assert got in (expected, expected.replace("builtins.", "")), got


@pytest.mark.parametrize("statement, expected", [
    ("fnp.sin(x)", ARRAY),
    ("fnp.sum(x, axis=0, keepdims=True)", ARRAY),
    ("fnp.where(x > 0.5)", f"builtins.tuple[{ARRAY}, ...]"),
    ("fnp.linspace(0.0, 1.0, 5, retstep=True)", f"tuple[{ARRAY}, {ARRAY}]"),
    ("fnp.zeros((2, 3), fnp.float32)", ARRAY),
    ("x.at[1].set(2.0)", ARRAY),
    ("x[1:]", ARRAY),
    ("fnp.linalg.svd(x.reshape(5, 1))",
     f"tuple[{ARRAY}, {ARRAY}, {ARRAY}, fallback=funcad.numpy._linalg.SVDResult]"),
    ("fnp.linalg.svd(x.reshape(5, 1), compute_uv=False)", ARRAY),
    ("funcad.lax.sin(x)", ARRAY),
    ("funcad.nn.relu(x)", ARRAY),
    ("funcad.random.normal(funcad.random.key(0), (3,))", ARRAY),
    ("funcad.scipy.special.gammaln(x)", ARRAY),
    ("funcad.scipy.special.logsumexp(x, return_sign=True)", f"tuple[{ARRAY}, {ARRAY}]"),
    ("funcad.scipy.linalg.eigh(fnp.eye(3), eigvals_only=True)", ARRAY),
    ("fnp.atleast_1d(x, x)", f"builtins.list[{ARRAY}]"),
    ("fnp.unique(x, return_counts=True)", f"builtins.tuple[{ARRAY}, ...]"),
    ('fnp.linalg.qr(fnp.eye(3), mode="r")', ARRAY),
    ("funcad.random.split(funcad.random.key(0))", "funcad.random._keys.KeyArray"),
    ("funcad.lax.top_k(x, 2)", f"tuple[{ARRAY}, {ARRAY}]"),
])
def test_the_array_api_is_typed(report, statement, expected):
    got = revealed(report, statement)
    assert got in (expected, expected.replace("builtins.", "")), got


def test_wrong_calls_are_flagged(report):
    wrong_types = errors_at(report, 'funcad.jit(f)("a", "b")')
    assert any('incompatible type "str"; expected "float"' in m for m in wrong_types)
    assert any('incompatible type "str"; expected "int"' in m for m in wrong_types)
    assert any("Too few arguments" in m for m in errors_at(report, "funcad.grad(f)(1.0)"))
    assert any("Too many arguments" in m for m in errors_at(report, "funcad.vmap(f)(1.0, 2, 3)"))
    assert not errors_at(report, "funcad.jit(f)(1.0, 2)")
    assert any('"axis"' in m and '"str"' in m for m in errors_at(report, 'fnp.sum(x, axis="0")'))
    assert any('"bogus"' in m for m in errors_at(report, "x.at[1].set(2.0, bogus=1)"))
    assert any("Too many arguments" in m for m in errors_at(report, "fnp.sin(x, x)"))


FLAGGED = ['funcad.jit(f)("a", "b")', "funcad.grad(f)(1.0)", "funcad.vmap(f)(1.0, 2, 3)",
           'fnp.sum(x, axis="0")', "x.at[1].set(2.0, bogus=1)", "fnp.sin(x, x)"]


def test_no_other_errors(report):
    flagged = {line_of(statement) for statement in FLAGGED}
    errors = {n: m for n, ms in report.items() for m in ms if m.startswith("error:")}
    assert set(errors) <= flagged, errors
