"""Random numbers: funcad.random against NumPy's generator and jax.random.

  (ra) one million standard normals, float64: funcad.random.normal (eager and jit), NumPy's
       ``default_rng().normal`` (a different generator: the speed to aim at, not the values)
       and ``jax.jit(jax.random.normal)``
  (rb) one million uniforms, float64, the same columns
  (rc) split of one key into two, per call: funcad eager and jit, ``jax.random.split``

The values are not compared with NumPy's (other streams); tests/test_random.py holds funcad's
against values recorded from JAX.

    python benchmarks/bench_random.py            # about 30 seconds
    python benchmarks/bench_random.py --quick --only rc --libs numpy,funcad
"""

from __future__ import annotations

import harness  # first: it pins BLAS to one thread before NumPy loads

# isort: split
import functools
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

SIZE = 1_000_000


def _time(call: Callable[[], Any], options: Any) -> float:
    """Median seconds per call over blocks of at least ``options.block`` seconds."""
    call()
    number, start = 1, time.perf_counter()
    call()
    once = max(time.perf_counter() - start, 1e-7)
    number = max(1, int(options.block / once))
    rounds, times, deadline = 0, [], time.perf_counter() + options.budget
    while rounds < options.min_rounds or (time.perf_counter() < deadline
                                          and rounds < options.max_rounds):
        start = options.clock()
        for _ in range(number):
            call()
        times.append((options.clock() - start) / number)
        rounds += 1
    return statistics.median(times)


def _columns(options: Any, sampler: str) -> dict[str, Callable[[], Any]]:
    import funcad
    import funcad.random as random

    key = random.PRNGKey(0)
    rng = np.random.default_rng(0)
    if sampler == "split":
        columns = {"funcad": lambda: random.split(key),
                   "funcad jit": (lambda f: lambda: f(key))(funcad.jit(random.split))}
    else:
        draw = getattr(random, sampler)
        numpy_draw = getattr(rng, "standard_normal" if sampler == "normal" else "random")
        jitted = funcad.jit(lambda k: draw(k, (SIZE,)))
        columns = {"NumPy default_rng": lambda: numpy_draw(SIZE),
                   "funcad": lambda: draw(key, (SIZE,)),
                   "funcad jit": lambda: jitted(key)}
    if "jax" in options.libs:
        try:
            import jax
            import jax.random as jax_random
        except ImportError:
            return columns
        jax.config.update("jax_enable_x64", True)
        jax_key = jax_random.PRNGKey(0)
        if sampler == "split":
            columns["jax.random"] = lambda: jax_random.split(jax_key).block_until_ready()
        else:
            jax_draw = jax.jit(lambda k: getattr(jax_random, sampler)(k, (SIZE,), np.float64))
            columns["jax.jit"] = lambda: jax_draw(jax_key).block_until_ready()
    return columns


CASES = {"ra": ("(ra) normal, 10^6 float64", "normal"),
         "rb": ("(rb) uniform, 10^6 float64", "uniform"),
         "rc": ("(rc) split one key", "split")}


def _table(key: str, options: Any) -> None:
    """One case's row: each column's median time, and its ratio to NumPy's generator."""
    title, sampler = CASES[key]
    timed = {name: _time(call, options) for name, call in _columns(options, sampler).items()}
    reference = timed.get("NumPy default_rng")
    row = [title]
    for name, seconds in timed.items():
        cell = harness.fmt_time(seconds)
        if reference and name != "NumPy default_rng":
            cell += f" ({seconds / reference:.2f}x NumPy)"
        row.append(cell)
    harness.markdown(["case", *timed], [row])


FAMILY = harness.Family("Random numbers", {}, {},
                        extras={key: functools.partial(_table, key) for key in CASES})

if __name__ == "__main__":
    sys.exit(harness.main(FAMILY))
