"""The cost of handing results back as ``funcad.numpy.Array``: each case run with the Array
view switched off (funcad.numpy's functions unwrapped, ``core.returned_values`` the identity)
and on (as shipped), in one process, in interleaved rounds.

  (va) fnp.sin on a (4,) array            (vb) fnp.add of two (4,) arrays
  (vc) fnp.sum of a (4,) array            (vd) 100 eager steps x = fnp.sin(x) * 1.01 + 0.1, (4,)
  (ve) grad of 3,000 steps of x = sin(x) * 1.01 + 0.1 on a scalar
  (vf) grad of the tanh MLP 64-256-256-10 of bench_grad.py, batch 256

Columns: "plain" is funcad with ndarrays everywhere (the base of the ratios); "Array" is
funcad as shipped, called on plain ndarrays; "Array in" is funcad as shipped, called on
Arrays (what an earlier funcad call returned, so what eager code passes on); "NumPy" is the
same computation written with NumPy, for scale.

    python benchmarks/bench_array_type.py                 # about 1 minute
    python benchmarks/bench_array_type.py --quick --clock cpu --only va,ve
"""

from __future__ import annotations

import harness  # first: it pins BLAS to one thread before NumPy loads

# isort: split
import functools
import sys
from types import SimpleNamespace
from typing import Any, Callable

import bench_grad
import numpy as np

import funcad
import funcad.numpy as fnp
from funcad.core import set_returned_values
from funcad.numpy._array_type import returned_leaves
from funcad.scipy.special import logsumexp

COLUMNS = {
    "numpy": harness.Column("plain", "numpy"),
    "funcad": harness.Column("Array", "funcad"),
    "array_in": harness.Column("Array in", "funcad"),
    "by_hand": harness.Column("NumPy", "numpy"),
}
NAMES = ("sin", "add", "sum", "tanh", "mean")
SHIPPED = SimpleNamespace(**{name: getattr(fnp, name) for name in NAMES}, logsumexp=logsumexp)
PLAIN = SimpleNamespace(**{name: getattr(fnp, name).__wrapped_function__ for name in NAMES},
                        logsumexp=logsumexp)
CHAIN_STEPS, EAGER_STEPS = 3_000, 100


def no_view(leaves: list) -> list:
    return leaves


def with_hook(hook: Callable[[list], list], call: Callable[..., Any]) -> Callable[..., Any]:
    """``call`` run with ``hook`` as ``core.returned_values`` (set by every call, so that the
    interleaved columns each run with their own)."""
    def run(*args: Any) -> Any:
        set_returned_values(hook)
        return call(*args)

    return run


def as_arrays(value: Any) -> Any:
    """ndarrays (in tuples) viewed as ``Array``, as funcad returns them."""
    if isinstance(value, tuple):
        return tuple(as_arrays(item) for item in value)
    return value.view(fnp.Array) if isinstance(value, np.ndarray) else value


def columns(make: Callable[[SimpleNamespace], Callable[..., Any]],
            by_hand: Callable[..., Any] | None = None) -> dict[str, Callable[..., Any]]:
    """The four columns of a case: ``make(xp)`` is its funcad function written with ``xp``."""
    shipped = with_hook(returned_leaves, make(SHIPPED))
    out = {"numpy": with_hook(no_view, make(PLAIN)), "funcad": shipped, "array_in": shipped}
    if by_hand is not None:
        out["by_hand"] = by_hand
    return out


def arguments_of(*factory: Callable[[], Any]) -> Callable[[], tuple]:
    return lambda: tuple(make() for make in factory)


def tiny() -> np.ndarray:
    return np.array([3.0, -1.0, 2.0, 0.5])


def eager_chain(xp: SimpleNamespace) -> Callable[[Any], Any]:
    def f(x: Any) -> Any:
        for _ in range(EAGER_STEPS):
            x = xp.sin(x) * 1.01 + 0.1
        return x

    return f


def eager_chain_by_hand(x: np.ndarray) -> np.ndarray:
    for _ in range(EAGER_STEPS):
        x = np.sin(x) * 1.01 + 0.1
    return x


def grad_chain(xp: SimpleNamespace) -> Callable[[Any], Any]:
    return funcad.grad(bench_grad.chain(SimpleNamespace(np=xp), CHAIN_STEPS))


def grad_mlp(xp: SimpleNamespace) -> Callable[..., Any]:
    return funcad.grad(bench_grad.mlp(SimpleNamespace(np=xp, logsumexp=xp.logsumexp)))


def case(title: str, arguments: Callable[[], tuple],
         cells: dict[str, Callable[..., Any]]) -> harness.Case:
    """A case of hand-made columns only (``harness.Case`` calls them on ``arguments()``)."""
    return harness.Case(title, lambda lib: None, arguments, cells, {})


CASES = {
    "va": case("(va) fnp.sin, (4,)", arguments_of(tiny),
               columns(lambda xp: xp.sin, np.sin)),
    "vb": case("(vb) fnp.add, (4,) + (4,)", arguments_of(tiny, tiny),
               columns(lambda xp: xp.add, np.add)),
    "vc": case("(vc) fnp.sum, (4,)", arguments_of(tiny),
               columns(lambda xp: xp.sum, np.sum)),
    "vd": case(f"(vd) {EAGER_STEPS} eager steps, (4,)", arguments_of(tiny),
               columns(eager_chain, eager_chain_by_hand)),
    "ve": case(f"(ve) grad, {CHAIN_STEPS:,}-step scalar chain", lambda: (0.5,),
               columns(grad_chain, lambda x: bench_grad.grad_chain_by_hand(x, CHAIN_STEPS))),
    "vf": case("(vf) grad, MLP 64-256-256-10, batch 256", bench_grad.mlp_arguments,
               columns(grad_mlp, bench_grad.grad_mlp_by_hand)),
}
class ArrayFamily(harness.Family):
    """The harness's family, with the "Array in" column bound to the arguments viewed as
    ``Array`` (once, outside the timed calls)."""

    def calls(self, key: str, columns: list[str], params: dict | None = None
              ) -> dict[str, Callable[[], Any]]:
        out = super().calls(key, columns, params)
        if "array_in" in out:
            out["array_in"] = functools.partial(self.cases[key].by_hand["array_in"],
                                                *as_arrays(self.cases[key].arguments()))
        return out


NOTE = ("plain: funcad.numpy's functions unwrapped (their __wrapped_function__) and "
        "core.returned_values the identity, so no result is an Array. Array: as shipped, on "
        "plain ndarray inputs. Array in: as shipped, on inputs viewed as Array (as funcad "
        "returns them). NumPy: the computation in NumPy, for scale.")
FAMILY = ArrayFamily("The cost of the Array view", COLUMNS, CASES, note=NOTE)

if __name__ == "__main__":
    try:
        sys.exit(harness.main(FAMILY))
    finally:
        set_returned_values(returned_leaves)
