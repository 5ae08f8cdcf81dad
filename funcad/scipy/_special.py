"""logsumexp, softmax and friends, built from funcad.numpy (the API is funcad.scipy.special)."""

from __future__ import annotations

from typing import Any

import funcad.numpy as fnp
from funcad.custom_derivatives import custom_jvp
from funcad.numpy._conversion import as_operand
from funcad.primitives.shape import stop_gradient

__all__ = ["logsumexp", "softmax", "log_softmax", "expit", "logit", "xlogy"]


def logsumexp(a: Any, axis: Any = None, b: Any = None, keepdims: bool = False,
              return_sign: bool = False) -> Any:
    """log(sum(b * exp(a))) without overflow: the max is subtracted first. The max is taken
    through stop_gradient (it cancels out exactly), so the gradient is the softmax."""
    a = as_operand(a)
    shift = stop_gradient(fnp.max(a, axis=axis, keepdims=True))
    shift = fnp.where(fnp.isfinite(shift), shift, 0)
    terms = fnp.exp(fnp.subtract(a, shift))
    if b is not None:
        terms = fnp.multiply(b, terms)
    total = fnp.sum(terms, axis=axis, keepdims=keepdims)
    shift_out = shift if keepdims else fnp.squeeze(shift, axis=axis)
    if return_sign:
        sign = fnp.sign(total)
        return fnp.add(fnp.log(fnp.abs(total)), shift_out), sign
    return fnp.add(fnp.log(total), shift_out)


def softmax(x: Any, axis: Any = None) -> Any:
    x = as_operand(x)
    unnormalized = fnp.exp(fnp.subtract(x, stop_gradient(fnp.max(x, axis=axis, keepdims=True))))
    return fnp.divide(unnormalized, fnp.sum(unnormalized, axis=axis, keepdims=True))


def log_softmax(x: Any, axis: Any = None) -> Any:
    return fnp.subtract(x, logsumexp(x, axis=axis, keepdims=True))


def expit(x: Any) -> Any:
    """The logistic sigmoid 1 / (1 + exp(-x)), computed as (1 + tanh(x/2)) / 2 (no overflow)."""
    return fnp.multiply(fnp.add(fnp.tanh(fnp.multiply(x, 0.5)), 1), 0.5)


def logit(p: Any) -> Any:
    return fnp.log(fnp.divide(p, fnp.subtract(1, p)))


@custom_jvp
def xlogy(x: Any, y: Any) -> Any:
    """x * log(y), 0 where x == 0 (also where y == 0). Its derivative in x is log(y)
    everywhere, x = 0 included (the limit along x), and in y it is x / y, as in SciPy's and
    JAX's conventions; a safe log keeps the value's own derivatives finite at x == 0."""
    x, y = _inexact_pair(x, y)
    zero = fnp.equal(x, 0)
    safe_y = fnp.where(zero, 1, y)
    return fnp.where(zero, 0, fnp.multiply(x, fnp.log(safe_y)))


@xlogy.defjvp
def _xlogy_jvp(primals: Any, tangents: Any) -> Any:
    x, y = _inexact_pair(*primals)
    x_dot, y_dot = tangents
    out = xlogy(x, y)
    tangent = fnp.add(fnp.multiply(x_dot, fnp.log(y)), fnp.multiply(y_dot, fnp.divide(x, y)))
    return out, fnp.astype(tangent, fnp.result_type(out))


def _inexact_pair(x: Any, y: Any) -> tuple[Any, Any]:
    """x and y promoted to one inexact dtype (integers to float64), as SciPy computes."""
    x, y = as_operand(x), as_operand(y)
    dtype = fnp.result_type(x, y, 1.0)
    return fnp.astype(x, dtype), fnp.astype(y, dtype)
