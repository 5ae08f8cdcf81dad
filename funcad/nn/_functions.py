"""jax.nn's activation and normalisation functions, written in funcad.numpy and funcad.lax
so that every transformation applies to them.

The formulas are JAX's, and so are the derivatives where JAX fixes them by hand: ``relu``
and ``relu6`` have derivative 0 at their kinks (a ``custom_jvp``), ``log1mexp`` has the
closed form ``1 / expm1(x)``. The numerically delicate ones pick forms whose derivatives
stay finite at the extremes: ``softplus`` is ``logaddexp(x, 0)``, ``sigmoid`` is
``lax.logistic``, ``elu`` evaluates ``expm1`` only on the inputs it selects (the double
``where``), and the softmax family subtracts the maximum through ``stop_gradient``.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any, Literal, cast

import numpy as np

import funcad.lax as lax
import funcad.numpy as fnp
from funcad.core import Tracer
from funcad.custom_derivatives import custom_jvp
from funcad.scipy.special import logsumexp
from funcad.typing import Array, ArrayLike, DTypeLike

__all__ = [
    "identity", "relu", "relu6", "squareplus", "softplus", "sparse_plus", "soft_sign",
    "sigmoid", "sparse_sigmoid", "silu", "swish", "mish", "log_sigmoid", "elu", "leaky_relu",
    "hard_tanh", "celu", "selu", "gelu", "glu", "logsumexp", "logmeanexp", "log_softmax",
    "softmax", "standardize", "one_hot", "hard_sigmoid", "hard_silu", "hard_swish", "tanh",
    "log1mexp",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _array(name: str, x: ArrayLike) -> Array:
    """An array operand, as JAX's ensure_arraylike: lists and tuples are refused (JAX does
    not guess whether a list is one array or several)."""
    if isinstance(x, (list, tuple)):
        raise TypeError(f"{name} requires ndarray or scalar arguments, got {type(x).__name__} "
                        f"at position 0; pass funcad.numpy.asarray(x) instead.")
    if isinstance(x, Tracer):
        return cast(Array, x)  # (an Array, as funcad.typing counts tracers)
    return fnp.asarray(x)


def _inexact(name: str, x: ArrayLike) -> Array:
    """``x`` as an inexact array: integers and booleans become the default float."""
    x = _array(name, x)
    if not fnp.issubdtype(x.dtype, fnp.inexact):
        x = x.astype(fnp.float64)
    return x


def identity(x: ArrayLike) -> Array:
    """The identity, ``x`` as an array."""
    return _array("identity", x)


@custom_jvp
def relu(x: ArrayLike) -> Array:
    """max(x, 0). Its derivative at 0 is 0 (JAX's convention, not the 1/2 of a maximum)."""
    return fnp.maximum(_array("relu", x), 0)


relu.defjvps(lambda tangent, ans, x: lax.select(fnp.greater(x, 0), tangent,
                                                lax.full_like(tangent, 0)))


@custom_jvp
def relu6(x: ArrayLike) -> Array:
    """min(max(x, 0), 6); derivative 0 at both kinks, as in JAX."""
    return fnp.minimum(fnp.maximum(_array("relu6", x), 0), 6.0)


relu6.defjvps(lambda tangent, ans, x: lax.select(
    fnp.logical_and(fnp.greater(x, 0), fnp.less(x, 6)), tangent, lax.full_like(tangent, 0)))


def squareplus(x: ArrayLike, b: ArrayLike = 4) -> Array:
    """(x + sqrt(x^2 + b)) / 2, a smooth relu."""
    x = _array("squareplus", x)
    return fnp.divide(fnp.add(x, fnp.sqrt(fnp.add(fnp.square(x), b))), 2)


def softplus(x: ArrayLike) -> Array:
    """log(1 + exp(x)) as logaddexp(x, 0): no overflow, and the derivative (the sigmoid) is
    finite at both ends."""
    return fnp.logaddexp(_array("softplus", x), 0)


def sparse_plus(x: ArrayLike) -> Array:
    """0 below -1, x above 1, (x + 1)^2 / 4 between: a piecewise-quadratic softplus."""
    x = _array("sparse_plus", x)
    return fnp.where(fnp.less_equal(x, -1.0), 0.0,
                     fnp.where(fnp.greater_equal(x, 1.0), x,
                               fnp.divide(fnp.square(fnp.add(x, 1.0)), 4)))


def soft_sign(x: ArrayLike) -> Array:
    """x / (|x| + 1)."""
    x = _array("soft_sign", x)
    return fnp.divide(x, fnp.add(fnp.abs(x), 1))


def sigmoid(x: ArrayLike) -> Array:
    """The logistic function 1 / (1 + exp(-x)) (``lax.logistic``)."""
    return lax.logistic(_array("sigmoid", x))


def sparse_sigmoid(x: ArrayLike) -> Array:
    """clip((x + 1) / 2, 0, 1), the derivative of ``sparse_plus``."""
    return fnp.multiply(0.5, fnp.clip(fnp.add(_array("sparse_sigmoid", x), 1.0), 0.0, 2.0))


def silu(x: ArrayLike) -> Array:
    """x * sigmoid(x) (also called swish)."""
    x = _array("silu", x)
    return fnp.multiply(x, sigmoid(x))


swish = silu


def mish(x: ArrayLike) -> Array:
    """x * tanh(softplus(x))."""
    x = _array("mish", x)
    return fnp.multiply(x, fnp.tanh(softplus(x)))


def log_sigmoid(x: ArrayLike) -> Array:
    """log(sigmoid(x)) as -softplus(-x): finite, with a finite derivative, at both ends."""
    return fnp.negative(softplus(fnp.negative(_array("log_sigmoid", x))))


def elu(x: ArrayLike, alpha: ArrayLike = 1.0) -> Array:
    """x above 0, alpha * (exp(x) - 1) below. ``expm1`` sees only the inputs it is selected
    for, so large positive x cannot overflow it (nor give 0 * inf in the derivative)."""
    x = _array("elu", x)
    positive = fnp.greater(x, 0)
    return fnp.where(positive, x, fnp.multiply(alpha, fnp.expm1(fnp.where(positive, 0.0, x))))


def leaky_relu(x: ArrayLike, negative_slope: ArrayLike = 1e-2) -> Array:
    """x at and above 0, negative_slope * x below."""
    x = _array("leaky_relu", x)
    return fnp.where(fnp.greater_equal(x, 0), x, fnp.multiply(negative_slope, x))


def hard_tanh(x: ArrayLike) -> Array:
    """x clipped to [-1, 1]."""
    x = _array("hard_tanh", x)
    return fnp.where(fnp.greater(x, 1), 1, fnp.where(fnp.less(x, -1), -1, x))


def celu(x: ArrayLike, alpha: ArrayLike = 1.0) -> Array:
    """max(x, 0) + alpha * expm1(min(x, 0) / alpha): an elu continuously differentiable at
    0 for every alpha."""
    x = _array("celu", x)
    return fnp.add(fnp.maximum(x, 0.0),
                   fnp.multiply(alpha, fnp.expm1(fnp.divide(fnp.minimum(x, 0.0), alpha))))


def selu(x: ArrayLike) -> Array:
    """scale * elu(x, alpha) with the self-normalising constants."""
    return fnp.multiply(_SELU_SCALE, elu(_array("selu", x), _SELU_ALPHA))


def gelu(x: ArrayLike, approximate: bool = True) -> Array:
    """x * Phi(x), Phi the standard normal CDF; ``approximate=True`` uses the tanh form
    0.5 * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3))), as JAX does by default."""
    x = _inexact("gelu", x)
    if approximate:
        sqrt_2_over_pi = np.sqrt(2 / np.pi).astype(x.dtype)
        inner = fnp.multiply(sqrt_2_over_pi,
                             fnp.add(x, fnp.multiply(0.044715, fnp.power(x, 3))))
        cdf = fnp.multiply(0.5, fnp.add(1.0, fnp.tanh(inner)))
        return fnp.multiply(x, cdf)
    sqrt_half = np.sqrt(0.5).astype(x.dtype)
    return fnp.multiply(fnp.multiply(0.5, x), lax.erfc(fnp.multiply(fnp.negative(x), sqrt_half)))


def glu(x: ArrayLike, axis: int = -1) -> Array:
    """The gated linear unit: x split in two halves a, b along ``axis``, a * sigmoid(b)."""
    x = _array("glu", x)
    size = x.shape[axis]
    if size % 2 != 0:
        raise ValueError(f"glu: the size of axis {axis} must be divisible by 2, got {size}; "
                         f"pass an axis of even length.")
    first, second = fnp.split(x, 2, axis)
    return fnp.multiply(first, sigmoid(second))


def logmeanexp(x: ArrayLike, axis: int | Sequence[int] | None = None,
               where: ArrayLike | None = None, keepdims: bool = False) -> Array:
    """log(mean(exp(x))) over the elements ``where`` allows: logsumexp - log(count)."""
    x = _array("logmeanexp", x)
    total = logsumexp(x, axis=axis, where=where, keepdims=keepdims)
    ones = fnp.ones(x.shape, dtype=total.dtype)
    if where is not None:
        ones = fnp.where(where, ones, 0)
    count = fnp.sum(ones, axis=axis, keepdims=keepdims)
    return fnp.subtract(total, fnp.log(count))


def _max(x: Any, axis: Any, where: Any) -> Any:
    return lax.stop_gradient(fnp.max(x, axis, where=where, initial=-np.inf, keepdims=True))


def log_softmax(x: ArrayLike, axis: int | Sequence[int] | None = -1,
                where: ArrayLike | None = None) -> Array:
    """x - logsumexp(x) along ``axis``; -inf where ``where`` is False."""
    x = _array("log_softmax", x)
    safe = x if where is None else fnp.where(where, x, -np.inf)
    shifted = fnp.subtract(safe, _max(x, axis, where))
    total = fnp.log(fnp.sum(fnp.exp(shifted), axis, where=where, keepdims=True))
    result = fnp.subtract(shifted, total)
    return result if where is None else fnp.where(where, result, -np.inf)


def softmax(x: ArrayLike, axis: int | Sequence[int] | None = -1,
            where: ArrayLike | None = None) -> Array:
    """exp(x) / sum(exp(x)) along ``axis``, the maximum subtracted first (through
    stop_gradient: it cancels, and its derivative would only add rounding); 0 where
    ``where`` is False."""
    x = _array("softmax", x)
    safe = x if where is None else fnp.where(where, x, -np.inf)
    unnormalized = fnp.exp(fnp.subtract(safe, _max(x, axis, where)))
    result = fnp.divide(unnormalized, fnp.sum(unnormalized, axis, where=where, keepdims=True))
    return result if where is None else fnp.where(where, result, 0)


def standardize(x: ArrayLike, axis: int | Sequence[int] | None = -1, mean: ArrayLike | None = None,
                variance: ArrayLike | None = None, epsilon: ArrayLike = 1e-5,
                where: ArrayLike | None = None, *,
                algorithm: Literal["fast", "stable"] = "fast") -> Array:
    """(x - mean) / sqrt(variance + epsilon), the moments along ``axis`` unless given.
    ``algorithm="fast"`` takes the variance as mean(x^2) - mean^2 (clipped at 0), "stable"
    as mean((x - mean)^2)."""
    x = _array("standardize", x)
    if algorithm not in ("fast", "stable"):
        raise ValueError(f"Unknown algorithm '{algorithm}'. Expected 'fast' or 'stable'.")
    if mean is None:
        mean = fnp.mean(x, axis, keepdims=True, where=where)
    if variance is None:
        if algorithm == "stable":
            variance = fnp.mean(fnp.square(fnp.subtract(x, mean)), axis, keepdims=True,
                                where=where)
        else:
            variance = fnp.subtract(fnp.mean(fnp.square(x), axis, keepdims=True, where=where),
                                    fnp.square(mean))
            variance = fnp.clip(variance, 0)
    return fnp.multiply(fnp.subtract(x, mean), lax.rsqrt(fnp.add(variance, epsilon)))


def one_hot(x: ArrayLike, num_classes: int, *, dtype: DTypeLike | None = None,
            axis: int = -1) -> Array:
    """A one-hot encoding of the integers ``x``: a new axis of length ``num_classes`` at
    ``axis``, 1 where its index equals the value (values out of range give all zeros)."""
    if isinstance(num_classes, Tracer):
        raise TypeError("one_hot: num_classes must be a concrete integer, got a traced "
                        "value; pass it as a Python int (a static argument under jit).")
    try:
        num_classes = operator.index(num_classes)
    except TypeError:
        raise TypeError(f"one_hot: num_classes must be an integer, got {num_classes!r}.") \
            from None
    if not isinstance(axis, (int, np.integer)):
        raise TypeError(f"one_hot: axis must be an integer, got {axis!r} (named axes are not "
                        f"supported).")
    x = fnp.asarray(x)
    dtype = fnp.float64 if dtype is None else dtype
    ndim = x.ndim + 1
    if not -ndim <= axis < ndim:
        raise ValueError(f"one_hot: axis {axis} is out of bounds for the {ndim}-dimensional "
                         f"output; pass an axis in [{-ndim}, {ndim}).")
    axis = operator.index(axis) % ndim
    shape = [1] * ndim
    shape[axis] = num_classes
    classes = np.arange(num_classes, dtype=x.dtype).reshape(shape)
    return fnp.equal(fnp.expand_dims(x, axis), classes).astype(dtype)


def hard_sigmoid(x: ArrayLike) -> Array:
    """relu6(x + 3) / 6."""
    return fnp.divide(relu6(fnp.add(_array("hard_sigmoid", x), 3.0)), 6.0)


def hard_silu(x: ArrayLike) -> Array:
    """x * hard_sigmoid(x) (also called hard_swish)."""
    x = _array("hard_silu", x)
    return fnp.multiply(x, hard_sigmoid(x))


hard_swish = hard_silu


def tanh(x: ArrayLike) -> Array:
    """The hyperbolic tangent."""
    return fnp.tanh(x)


@custom_jvp
def log1mexp(x: ArrayLike) -> Array:
    """log(1 - exp(-x)) for x >= 0: log(-expm1(-x)) below log 2, log1p(-exp(-x)) above
    (Maechler's choice, each form where it keeps its precision, and evaluated only there).
    The derivative is 1 / expm1(x)."""
    x = _array("log1mexp", x)
    small = fnp.less(x, np.log(2.0))
    below = fnp.log(fnp.negative(fnp.expm1(fnp.negative(fnp.where(small, x, 1.0)))))
    above = fnp.log1p(fnp.negative(fnp.exp(fnp.negative(fnp.where(small, 1.0, x)))))
    return fnp.where(small, below, above)


log1mexp.defjvps(lambda tangent, ans, x: fnp.divide(tangent, fnp.expm1(x)))
