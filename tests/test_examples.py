"""Run every script in examples/ and the ``python -m funcad`` demo as subprocesses."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def _run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    # Use this checkout's funcad even when it is not installed (or another one is).
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


REQUIRED = {
    "tutorial.py", "regression.py", "mlp.py", "mlp_digits.py", "per_example_and_hvp.py",
    "gaussian_process.py", "pendulum_scan.py", "rnn_scan.py", "neural_ode.py",
}


def test_examples_exist() -> None:
    names = {path.name for path in EXAMPLES}
    assert REQUIRED <= names, sorted(REQUIRED - names)


@pytest.mark.parametrize("script", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_example_runs(script: Path) -> None:
    result = _run(str(script))
    assert result.returncode == 0, (
        f"{script.name} exited with {result.returncode}\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )
    assert result.stdout.strip(), f"{script.name} printed nothing"


@pytest.fixture(scope="module")
def demo() -> subprocess.CompletedProcess:
    return _run("-m", "funcad")


def test_demo_exits_cleanly(demo: subprocess.CompletedProcess) -> None:
    assert demo.returncode == 0, demo.stderr
    assert demo.stderr == ""
    assert len(demo.stdout.splitlines()) <= 90


def test_demo_is_deterministic(demo: subprocess.CompletedProcess) -> None:
    assert _run("-m", "funcad").stdout == demo.stdout


def test_demo_prints_the_ir(demo: subprocess.CompletedProcess) -> None:
    out = demo.stdout
    assert "{ lambda ; a:f64[]. let" in out
    assert "integer_pow[y=3] a" in out
    assert "sin b" in out
    # The two-input function and the traced backward pass (two inputs, two outputs).
    assert "{ lambda ; a:f64[] b:f64[]. let" in out
    assert re.search(r"in \(\w+, \w+\) \}", out)


def test_demo_prints_the_tutorial_numbers(demo: subprocess.CompletedProcess) -> None:
    out = demo.stdout
    # f'(10) = 12 * 100 * cos(1000) * sin(1000), printed by grad and by the closed form.
    row = next(line for line in out.splitlines() if line.strip().startswith("10.0"))
    assert row.count("558.02370264") == 2, row
    assert "-145.57920293" in out  # x = 5
    assert "-30.17460863" in out  # x = 3
    # The two-input function at (1.5, 0.5): both partial derivatives, twice each.
    assert out.count("5.891212831882") == 2
    assert out.count("1.072704661395") == 2


def test_demo_explains_the_two_paths(demo: subprocess.CompletedProcess) -> None:
    assert "two paths" in demo.stdout or "twice" in demo.stdout
    assert "sum" in demo.stdout


def test_digits_example_without_scikit_learn() -> None:
    # A None entry in sys.modules makes `import sklearn...` raise ImportError.
    code = ("import runpy, sys; sys.modules['sklearn'] = None; "
            "runpy.run_path('examples/mlp_digits.py', run_name='__main__')")
    result = _run("-c", code)
    assert result.returncode == 0, result.stderr
    assert "needs scikit-learn" in result.stdout
