"""The benchmarks still run: each family's cheapest case passes its check against NumPy and
is timed for one round (nothing about the times is asserted), and a wrong column aborts.

Only numpy and funcad are used, so the test needs none of the peers.
"""

from __future__ import annotations

import importlib
import pathlib
import subprocess
import sys

import numpy as np
import pytest

BENCHMARKS = pathlib.Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.append(str(BENCHMARKS))  # appended: benchmarks/profile.py must not shadow the stdlib's

harness = importlib.import_module("harness")
SMOKE = ["--quick", "--rounds", "1", "--libs", "numpy,funcad"]


def options_for(family: object, case: str) -> object:
    options = harness.parse_args(family, [*SMOKE, "--only", case])
    harness.load_libraries(options)
    options.budget = options.block = 1e-4
    return options


@pytest.mark.parametrize("module, case", [("bench_grad", "a"), ("bench_vmap_hessian", "f"),
                                          ("bench_jit", "ja"), ("bench_control_flow", "ra"),
                                          ("bench_linalg", "gb"), ("bench_cnn", "ca")])
def test_cheapest_case_is_checked_and_timed(module: str, case: str) -> None:
    family = importlib.import_module(module).FAMILY
    cells = harness.run(family, options_for(family, case))[case]
    assert {"numpy", "funcad"} <= set(cells)
    assert all(cell.time > 0 and cell.rounds == 1 for cell in cells.values())


def test_a_column_that_disagrees_with_numpy_aborts(monkeypatch: pytest.MonkeyPatch) -> None:
    family = importlib.import_module("bench_grad").FAMILY
    wrong = family.cases["a"].by_hand["numpy"]
    monkeypatch.setitem(family.cases["a"].by_hand, "numpy", lambda x: wrong(x) * (1 + 1e-6))
    with pytest.raises(harness.Mismatch, match="column funcad"):
        harness.run(family, options_for(family, "a"))


def test_comparison_tolerates_underflow_but_not_shapes() -> None:
    harness.compare("underflow", [np.float64(0.0)], [np.float64(5e-324)])
    with pytest.raises(harness.Mismatch, match="shape"):
        harness.compare("shapes", np.zeros(3), np.zeros((3, 1)))


def test_script_prints_a_table() -> None:
    script = BENCHMARKS / "bench_grad.py"
    out = subprocess.run([sys.executable, str(script), *SMOKE, "--only", "a"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert "| (a) scalar 2*sin(x**3)**2" in out and "Allocator:" in out


def test_random_script_prints_its_split_row() -> None:
    script = BENCHMARKS / "bench_random.py"
    out = subprocess.run([sys.executable, str(script), *SMOKE, "--only", "nc"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert "| (nc) split one key" in out and "funcad jit" in out


def test_checkpoint_memory_section_runs(capsys: pytest.CaptureFixture) -> None:
    family = importlib.import_module("bench_control_flow").FAMILY
    harness.run(family, options_for(family, "ck"))
    out = capsys.readouterr().out
    assert "(ck) grad of a 10-layer tanh MLP" in out and "checkpointed blocks of 5" in out
