"""Random numbers: funcad.random against NumPy's generator and jax.random.

  (na) one million standard normals, float64: funcad.random.normal (eager and jit), NumPy's
       ``default_rng().normal`` (a different generator: the speed to aim at, not the values)
       and ``jax.jit(jax.random.normal)``
  (nb) one million uniforms, float64, the same columns
  (nc) split of one key into two, per call: funcad eager and jit, ``jax.random.split``

The columns are timed in interleaved rounds (``harness.measure``); each ratio is the median
over the rounds of the column's time over NumPy's (for the split, over funcad's eager time).

The values are not compared with NumPy's (other streams); tests/test_random.py holds funcad's
against values recorded from JAX.

    python benchmarks/bench_random.py            # about 30 seconds
    python benchmarks/bench_random.py --quick --only nc --libs numpy,funcad
"""

from __future__ import annotations

import harness  # first: it pins BLAS to one thread before NumPy loads

# isort: split
import functools
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

SIZE = 1_000_000


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


CASES = {"na": ("(na) normal, 10^6 float64", "normal"),
         "nb": ("(nb) uniform, 10^6 float64", "uniform"),
         "nc": ("(nc) split one key", "split")}


def _table(key: str, options: Any) -> None:
    """One case's row: each column's median time, and its median ratio to the first column."""
    title, sampler = CASES[key]
    columns = _columns(options, sampler)
    base = next(iter(columns))
    cells = harness.measure(columns, options, base=base)
    row = [title]
    for name, cell in cells.items():
        text = harness.fmt_time(cell.time)
        if name != base:
            text += f" ({cell.ratio:.2f}x {base})"
        row.append(text)
    harness.markdown(["case", *cells], [row])


FAMILY = harness.Family("Random numbers", {}, {},
                        extras={key: functools.partial(_table, key) for key in CASES})

if __name__ == "__main__":
    sys.exit(harness.main(FAMILY))
