"""Adding a primitive from outside funcad: SciPy's error function, differentiable.

funcad.extend.define_primitive registers the NumPy implementation (here scipy.special.erf),
the shape/dtype rule and the derivative, d erf(x)/dx = 2 / sqrt(pi) exp(-x^2), written with
funcad.lax operations so that the rule itself can be differentiated (second derivatives),
staged (jit) and batched (vmap). Being elementwise, it gets its forward-mode and batching
rules from that one derivative.

    python examples/extend_scipy.py
"""

from __future__ import annotations

import numpy as np
import scipy.special

import funcad
from funcad import extend, lax
from funcad.test_util import check_grads

TWO_OVER_SQRT_PI = 2 / np.sqrt(np.pi)


def _erf_dtype(x_aval: extend.ShapedArray) -> extend.ShapedArray:
    """SciPy's own result dtype (float32 stays float32, integers become float64)."""
    dtype = scipy.special.erf(np.zeros((), x_aval.dtype)).dtype
    return extend.ShapedArray(x_aval.shape, dtype)


def _erf_vjp(cotangent, ans, x):
    """d erf(x) = 2 / sqrt(pi) exp(-x^2) dx."""
    return lax.mul(cotangent, lax.mul(TWO_OVER_SQRT_PI, lax.exp(lax.neg(lax.integer_pow(x, 2)))))


erf = extend.define_primitive("erf", scipy.special.erf, _erf_dtype, vjp=[_erf_vjp],
                              elementwise=True)


def main() -> None:
    x = np.linspace(-2.0, 2.0, 5)
    derivative = funcad.vmap(funcad.grad(erf))(x)
    np.testing.assert_allclose(derivative, TWO_OVER_SQRT_PI * np.exp(-x ** 2), rtol=1e-14)
    second = funcad.grad(funcad.grad(erf))(0.5)
    np.testing.assert_allclose(second, -2 * 0.5 * TWO_OVER_SQRT_PI * np.exp(-0.25))
    np.testing.assert_allclose(funcad.jit(funcad.grad(lambda v: erf(v).sum()))(x), derivative)
    check_grads(erf, (x,), order=2, modes=("fwd", "rev"))
    print(funcad.make_jaxpr(funcad.grad(erf))(0.5))
    print("d erf / dx at", x, "=", derivative)


if __name__ == "__main__":
    main()
