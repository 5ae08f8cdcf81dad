"""Complex numbers under differentiation, with JAX's convention.

A cotangent g pairs with a tangent t as Re(sum(g t)) (no conjugation): the VJP of a
holomorphic f is g f'(z), the gradient of a real function of z = x + iy is df/dx - i df/dy
(``grad(lambda z: abs(z) ** 2)(3 + 4j) == 6 - 8j``), and a real input meeting a complex
computation gets the real part of its cotangent. Expected numbers are closed forms (recorded
from JAX where noted); the cross-check against JAX itself runs only where JAX is installed.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import strategies as S
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import Domain

import funcad
import funcad.numpy as fnp
from funcad import lax
from funcad.primitives import elementwise as E
from funcad.rules import vjp_rules
from funcad.test_util import check_grads

RNG = np.random.default_rng(0)
BOTH = ("fwd", "rev")


def complex_arrays(shape, re=Domain(-1.5, 1.5), im=Domain(-1.5, 1.5), dtype=np.complex128):
    """Complex arrays of ``shape`` (a shape or a strategy) with parts in the given domains."""
    part = np.float32 if np.dtype(dtype) == np.complex64 else np.float64

    @st.composite
    def draw_one(draw):
        s = draw(shape) if isinstance(shape, st.SearchStrategy) else shape
        x = draw(S.arrays(s, re, part))
        y = draw(S.arrays(s, im, part))
        return (x + 1j * y).astype(dtype)

    return draw_one()


def random_complex(*shape, dtype=np.complex128):
    return (RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)).astype(dtype)


def assert_close(actual, expected, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=rtol, atol=atol)


# ----------------------------------------------------------------------------------------------
# The primitives: values and dtypes.


@pytest.mark.parametrize("dtype, part", [(np.complex128, np.float64), (np.complex64, np.float32)])
def test_parts_values_and_dtypes(dtype, part):
    z = np.array([1 + 2j, -3.5j, 4.0], dtype)
    for binder, expected in ((E.real, z.real), (E.imag, z.imag), (E.conj, np.conj(z))):
        out = binder(z)
        assert out.dtype == expected.dtype
        np.testing.assert_array_equal(out, expected)
    assert E.real(z).dtype == part
    w = E.complex(z.real, z.imag)
    assert w.dtype == dtype
    np.testing.assert_array_equal(w, z)


def test_complex_from_parts():
    assert E.complex(np.float32(1), 2.0).dtype == np.complex64  # (a Python float is weak)
    assert E.complex(np.float32(1), np.float64(2)).dtype == np.complex128
    out = E.complex(np.array([1.0, np.inf]), np.inf)  # exact parts, no inf * 1j = nan
    np.testing.assert_array_equal(out.real, [1.0, np.inf])
    np.testing.assert_array_equal(out.imag, [np.inf, np.inf])
    assert E.complex(np.ones((2, 1)), np.zeros(3)).shape == (2, 3)
    with pytest.raises(TypeError, match="complex requires real operands"):
        E.complex(1j, 1.0)
    with pytest.raises(TypeError, match="real requires a complex operand"):
        E.real(np.float64(1.0))


def test_complex_to_real_conversion_keeps_the_real_part():
    z = np.array([1 + 2j, -3 - 4j])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = lax.convert_element_type(z, np.float32)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [1.0, -3.0])
    # Its transpose is real -> complex (x + 0i), and the other way round.
    _, f_vjp = funcad.vjp(lambda x: lax.convert_element_type(x, np.complex128), np.ones(2))
    np.testing.assert_array_equal(f_vjp(np.array([1 + 5j, 2 - 1j]))[0], [1.0, 2.0])


# ----------------------------------------------------------------------------------------------
# JAX's numbers (recorded from jax 0.10.2 with x64, and closed forms).

Z = np.complex128(3 + 4j)

JAX_NUMBERS = [
    ("grad |z|^2", lambda: funcad.grad(lambda z: fnp.abs(z) ** 2)(Z), 6 - 8j),
    ("grad |z|", lambda: funcad.grad(fnp.abs)(Z), 0.6 - 0.8j),
    ("grad |z| at 0", lambda: funcad.grad(fnp.abs)(np.complex128(0)), 0j),
    ("grad angle", lambda: funcad.grad(fnp.angle)(Z), -0.16 - 0.12j),
    ("grad real", lambda: funcad.grad(fnp.real)(Z), 1 + 0j),
    ("grad imag", lambda: funcad.grad(fnp.imag)(Z), -1j),
    ("vjp conj", lambda: funcad.vjp(fnp.conj, Z)[1](np.complex128(1 + 2j))[0], 1 - 2j),
    ("vjp sign", lambda: funcad.vjp(fnp.sign, Z)[1](np.complex128(1))[0], 0j),
    ("real x times c", lambda: funcad.grad(lambda x: fnp.real(x * (1 + 2j)))(2.0), 1.0),
    ("grad |sqrt z|", lambda: funcad.grad(lambda z: fnp.abs(fnp.sqrt(z)))(Z),
     0.1341640786499874 - 0.17888543819998318j),
    ("grad |sqrt(-1)|", lambda: funcad.grad(lambda z: fnp.abs(fnp.sqrt(z)))(np.complex128(-1)),
     -0.5 + 0j),
    ("grad real sqrt(x(1+i))", lambda: funcad.grad(
        lambda x: fnp.real(fnp.sqrt(x * (1 + 1j))))(2.0), 0.3884434935075094),
    ("holomorphic sin", lambda: funcad.grad(fnp.sin, holomorphic=True)(Z),
     -27.034945603074224 - 3.851153334811777j),
    ("jvp |z|", lambda: funcad.jvp(fnp.abs, (Z,), (np.complex128(1 + 1j),))[1], 1.4),
    ("jvp |z| at 0", lambda: funcad.jvp(fnp.abs, (np.complex128(0),), (np.complex128(1 + 1j),))[1],
     0.0),
    ("jvp sign", lambda: funcad.jvp(fnp.sign, (Z,), (np.complex128(1 + 1j),))[1], 0j),
    ("jacfwd real -> complex", lambda: funcad.jacfwd(lambda x: x * 1j)(1.0), 1j),
    ("grad real(z) imag(z)", lambda: funcad.grad(lambda z: z.real * z.imag)(Z), 4 - 3j),
    ("grad sum |z|^2 via conj", lambda: funcad.grad(lambda z: (z * z.conj()).real)(Z), 6 - 8j),
]


@pytest.mark.parametrize("name, compute, expected", JAX_NUMBERS,
                         ids=[n for n, _, _ in JAX_NUMBERS])
def test_jax_numbers(name, compute, expected):
    out = compute()
    assert_close(out, expected)
    assert np.iscomplexobj(out) == isinstance(expected, complex)


def test_real_base_of_complex_power():
    # The gradient of Re(h(z)) for a holomorphic h is h'(z): here log(-2) (-2)^z, with the
    # complex logarithm of the real base.
    z = np.complex128(0.5 + 0.25j)
    w = np.power(-2.0 + 0j, z)
    expected = np.log(-2.0 + 0j) * w
    assert_close(funcad.grad(lambda z: fnp.real(fnp.power(-2.0, z)))(z), expected)
    # and through the base: a real negative base x of x^z
    x = np.float64(-2.0)
    assert_close(funcad.grad(lambda x: fnp.real(fnp.power(x, z)))(x),
                 np.real(z * np.power(x + 0j, z - 1)))


def test_against_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    z = random_complex(5)
    g = random_complex(5)
    for name in ("sin", "exp", "log", "sqrt", "tanh", "arctan", "abs", "angle", "conj", "real",
                 "imag", "square", "reciprocal"):
        jo, jv = jax.vjp(getattr(jnp, name), z)
        fo, fv = funcad.vjp(getattr(fnp, name), z)
        cot = g if np.iscomplexobj(fo) else g.real
        assert_close(fo, jo)
        assert_close(fv(cot)[0], jv(cot)[0])
        assert_close(funcad.jvp(getattr(fnp, name), (z,), (g,))[1],
                     jax.jvp(getattr(jnp, name), (z,), (g,))[1])
    a, b = random_complex(3, 4), RNG.standard_normal((4, 2))
    for args in ((a, b), (a.real, a.T.conj())):
        jo, jv = jax.vjp(jnp.matmul, *args)
        fo, fv = funcad.vjp(fnp.matmul, *args)
        cot = random_complex(*fo.shape)
        for p, q in zip(fv(cot), jv(cot)):
            assert_close(p, q)


# ----------------------------------------------------------------------------------------------
# Elementwise functions: holomorphic ones have f'(z) as their holomorphic gradient, and all
# are checked against finite differences to second order in both modes.

_RIGHT = Domain(0.3, 1.5)  # the right half-plane: away from the logarithm's branch cut
_SMALL = Domain(-0.6, 0.6)  # inside the unit disc: away from the cuts of atan, asinh, atanh
_IM_AWAY = Domain(-1.2, 1.2, away=0.3)  # off the real axis: the cuts of asin, acos, acosh

HOLOMORPHIC = {
    "sin": (np.cos, None), "cos": (lambda z: -np.sin(z), None),
    "tan": (lambda z: 1 / np.cos(z) ** 2, (_SMALL, _SMALL)),
    "arcsin": (lambda z: 1 / np.sqrt(1 - z * z), (_SMALL, _IM_AWAY)),
    "arccos": (lambda z: -1 / np.sqrt(1 - z * z), (_SMALL, _IM_AWAY)),
    "arctan": (lambda z: 1 / (1 + z * z), (_SMALL, _SMALL)),
    "sinh": (np.cosh, None), "cosh": (np.sinh, None),
    "tanh": (lambda z: 1 / np.cosh(z) ** 2, (_SMALL, _SMALL)),
    "arcsinh": (lambda z: 1 / np.sqrt(z * z + 1), (_SMALL, _SMALL)),
    "arccosh": (lambda z: 1 / np.sqrt(z * z - 1), (_RIGHT, _IM_AWAY)),
    "arctanh": (lambda z: 1 / (1 - z * z), (_SMALL, _SMALL)),
    "exp": (np.exp, None), "exp2": (lambda z: np.exp2(z) * np.log(2), None),
    "expm1": (np.exp, None),
    "log": (lambda z: 1 / z, (_RIGHT, None)),
    "log2": (lambda z: 1 / (z * np.log(2)), (_RIGHT, None)),
    "log10": (lambda z: 1 / (z * np.log(10)), (_RIGHT, None)),
    "log1p": (lambda z: 1 / (1 + z), (_RIGHT, None)),
    "sqrt": (lambda z: 0.5 / np.sqrt(z), (_RIGHT, None)),
    "square": (lambda z: 2 * z, None), "negative": (lambda z: -np.ones_like(z), None),
    "reciprocal": (lambda z: -1 / (z * z), (_RIGHT, None)),
    "positive": (np.ones_like, None),
}


def _domain(spec):
    re, im = spec if spec is not None else (None, None)
    return complex_arrays(S.shapes(0, 2, 1, 3), re or Domain(-1.5, 1.5), im or Domain(-1.5, 1.5))


@pytest.mark.parametrize("name", sorted(HOLOMORPHIC))
@settings(max_examples=8)
@given(data=st.data())
def test_holomorphic_elementwise(name, data):
    derivative, spec = HOLOMORPHIC[name]
    z = data.draw(_domain(spec))
    f = getattr(fnp, name)
    np.testing.assert_allclose(f(z), getattr(np, name)(z), rtol=1e-12, atol=1e-14)
    # The holomorphic gradient of sum(f) is f'(z), elementwise; the JVP along 1 the same.
    assert_close(funcad.grad(lambda z: fnp.sum(f(z)), holomorphic=True)(z), derivative(z),
                 rtol=1e-9, atol=1e-10)
    assert_close(funcad.jvp(f, (z,), (np.ones_like(z),))[1], derivative(z), rtol=1e-9,
                 atol=1e-10)
    check_grads(f, (z,), order=2, modes=BOTH)


NON_HOLOMORPHIC = {
    # name: (function, gradient of its real output, as df/dx - i df/dy)
    "abs": (fnp.abs, lambda z: np.conj(z) / np.abs(z)),
    "angle": (fnp.angle, lambda z: (-z.imag - 1j * z.real) / np.abs(z) ** 2),
    "real": (fnp.real, lambda z: np.ones_like(z)),
    "imag": (fnp.imag, lambda z: -1j * np.ones_like(z)),
    "abs2": (lambda z: fnp.abs(z) ** 2, lambda z: 2 * np.conj(z)),
    "angle_deg": (lambda z: fnp.angle(z, deg=True),
                  lambda z: 180 / np.pi * (-z.imag - 1j * z.real) / np.abs(z) ** 2),
    "re_times_im": (lambda z: fnp.real(z) * fnp.imag(z), lambda z: z.imag - 1j * z.real),
}


@pytest.mark.parametrize("name", sorted(NON_HOLOMORPHIC))
@settings(max_examples=8)
@given(data=st.data())
def test_real_functions_of_complex(name, data):
    f, gradient = NON_HOLOMORPHIC[name]
    z = data.draw(complex_arrays(S.shapes(0, 2, 1, 3), _RIGHT, Domain(-1.5, 1.5)))
    out = f(z)
    assert not np.iscomplexobj(out)
    g = funcad.grad(lambda z: fnp.sum(f(z)))(z)
    assert g.dtype == z.dtype
    assert_close(g, gradient(z), rtol=1e-9, atol=1e-10)
    check_grads(f, (z,), order=2, modes=BOTH)


@pytest.mark.parametrize("name", ["conj", "conjugate"])
def test_conj(name):
    z = random_complex(2, 3)
    f = getattr(fnp, name)
    np.testing.assert_array_equal(f(z), np.conj(z))
    g = random_complex(2, 3)
    np.testing.assert_array_equal(funcad.vjp(f, z)[1](g)[0], np.conj(g))
    np.testing.assert_array_equal(funcad.jvp(f, (z,), (g,))[1], np.conj(g))
    check_grads(f, (z,), order=2, modes=BOTH)
    check_grads(lambda z: z * f(z), (z,), order=2, modes=BOTH)


def test_complex_primitive_derivatives():
    x, y = RNG.standard_normal((2, 3)), RNG.standard_normal(3)
    check_grads(lax.complex, (x, y), order=2, modes=BOTH)
    g = random_complex(2, 3)
    ct_x, ct_y = funcad.vjp(lax.complex, x, y)[1](g)
    np.testing.assert_array_equal(ct_x, g.real)
    np.testing.assert_array_equal(ct_y, -g.imag.sum(0))  # (y was broadcast)
    assert ct_x.dtype == ct_y.dtype == np.float64


# ----------------------------------------------------------------------------------------------
# Arithmetic, with complex and real operands mixed and broadcast.

BINARY = {"add": fnp.add, "subtract": fnp.subtract, "multiply": fnp.multiply,
          "divide": fnp.divide, "power": fnp.power}
KINDS = [("c", "c"), ("r", "c"), ("c", "r")]


@pytest.mark.parametrize("kinds", KINDS, ids=["cc", "rc", "cr"])
@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=6)
@given(data=st.data())
def test_binary(name, kinds, data):
    shape_x, shape_y = data.draw(S.broadcastable_shapes(2)).input_shapes
    right = name in ("divide", "power")  # (a base and divisor away from 0 and the cut)
    domain = _RIGHT if right else Domain(-1.5, 1.5)

    def draw(kind, shape, first):
        if kind == "r":
            return data.draw(S.arrays(shape, domain if (first or name == "divide") else
                                      Domain(-1.5, 1.5)))
        return data.draw(complex_arrays(shape, domain if (first or name == "divide") else
                                        Domain(-1.5, 1.5)))

    x, y = draw(kinds[0], shape_x, True), draw(kinds[1], shape_y, False)
    f = BINARY[name]
    np.testing.assert_allclose(f(x, y), getattr(np, name)(x, y), rtol=1e-12, atol=1e-14)
    _, f_vjp = funcad.vjp(f, x, y)
    out = f(x, y)
    ct_x, ct_y = f_vjp(random_complex(*np.shape(out)))
    assert ct_x.dtype == x.dtype and ct_y.dtype == y.dtype  # cotangents carry the primal's
    assert np.shape(ct_x) == np.shape(x) and np.shape(ct_y) == np.shape(y)
    check_grads(f, (x, y), order=2, modes=BOTH)


def test_real_input_gets_the_real_part():
    x = RNG.standard_normal(3)
    c = random_complex(3)
    g = random_complex(3)
    (ct,) = funcad.vjp(lambda x: x * c, x)[1](g)
    assert ct.dtype == np.float64
    assert_close(ct, np.real(g * c))
    assert_close(funcad.grad(lambda x: fnp.sum(fnp.abs(x * c) ** 2))(x), 2 * x * np.abs(c) ** 2)


def test_single_precision_stays_single():
    z = random_complex(3, dtype=np.complex64)
    x = np.float32(2.0)
    assert funcad.grad(lambda z: fnp.sum(fnp.abs(fnp.sin(z))))(z).dtype == np.complex64
    assert funcad.grad(lambda x: fnp.real(fnp.sum(x * z)))(x).dtype == np.float32
    assert funcad.grad(lambda x: fnp.real(x * np.complex128(1 + 2j)))(x).dtype == np.float32
    check_grads(lambda z: fnp.sin(z) * z, (z,), order=2, modes=BOTH)


# ----------------------------------------------------------------------------------------------
# Reductions and products.

REDUCTIONS = {
    "sum": lambda a: fnp.sum(a, axis=0), "sum_all": fnp.sum, "mean": lambda a: fnp.mean(a, 1),
    "prod": lambda a: fnp.prod(a, axis=1), "prod_all": fnp.prod,
    "cumsum": lambda a: fnp.cumsum(a, axis=1),
}
NUMPY_REDUCTIONS = {
    "sum": lambda a: np.sum(a, axis=0), "sum_all": np.sum, "mean": lambda a: np.mean(a, 1),
    "prod": lambda a: np.prod(a, axis=1), "prod_all": np.prod,
    "cumsum": lambda a: np.cumsum(a, axis=1),
}


@pytest.mark.parametrize("shape", [(2, 3), (1, 4), (3, 1), (0, 2)])
@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reductions(name, shape):
    a = random_complex(*shape)
    f = REDUCTIONS[name]
    assert_close(f(a), NUMPY_REDUCTIONS[name](a))
    check_grads(f, (a,), order=2, modes=BOTH)
    if name == "sum_all":  # d sum / dz = 1 (holomorphic)
        assert_close(funcad.grad(f, holomorphic=True)(a), np.ones(shape))
    if name == "prod_all" and a.size:
        expected = np.array([np.prod(np.delete(a.ravel(), i)) for i in range(a.size)])
        assert_close(funcad.grad(f, holomorphic=True)(a), expected.reshape(shape))


def _mixed(kind, *shape):
    return random_complex(*shape) if kind == "c" else RNG.standard_normal(shape)


PRODUCTS = {
    "matmul": (fnp.matmul, np.matmul, [(3, 4), (4, 2)]),
    "matmul_batched": (fnp.matmul, np.matmul, [(2, 3, 4), (4,)]),
    "dot": (fnp.dot, np.dot, [(4,), (4,)]),
    "vdot": (fnp.vdot, np.vdot, [(2, 3), (2, 3)]),
    "inner": (fnp.inner, np.inner, [(2, 3), (3,)]),
    "outer": (fnp.outer, np.outer, [(3,), (2,)]),
    "tensordot": (lambda a, b: fnp.tensordot(a, b, 1), lambda a, b: np.tensordot(a, b, 1),
                  [(2, 3), (3, 2)]),
    "einsum": (lambda a, b: fnp.einsum("ij,kj->ik", a, b),
               lambda a, b: np.einsum("ij,kj->ik", a, b), [(2, 3), (4, 3)]),
    "kron": (fnp.kron, np.kron, [(2, 2), (1, 2)]),
}


@pytest.mark.parametrize("kinds", KINDS, ids=["cc", "rc", "cr"])
@pytest.mark.parametrize("name", sorted(PRODUCTS))
def test_products(name, kinds):
    f, reference, shapes = PRODUCTS[name]
    a, b = _mixed(kinds[0], *shapes[0]), _mixed(kinds[1], *shapes[1])
    assert_close(f(a, b), reference(a, b))
    ct_a, ct_b = funcad.vjp(f, a, b)[1](random_complex(*np.shape(reference(a, b))))
    assert ct_a.dtype == a.dtype and ct_b.dtype == b.dtype
    check_grads(f, (a, b), order=2, modes=BOTH)


def test_matmul_cotangents_are_transposes_without_conjugation():
    a, b, g = random_complex(3, 4), random_complex(4, 2), random_complex(3, 2)
    ct_a, ct_b = funcad.vjp(fnp.matmul, a, b)[1](g)
    assert_close(ct_a, g @ b.T)
    assert_close(ct_b, a.T @ g)


def test_indexing_and_layout():
    z = random_complex(3, 4)
    check_grads(lambda z: z[1:, ::2] * z[0, :2], (z,), order=2, modes=BOTH)
    check_grads(lambda z: fnp.concatenate([z, fnp.conj(z)]).T.reshape(-1), (z,), order=2,
                modes=BOTH)
    check_grads(lambda z, x: fnp.where(x > 0, z, z * 2j), (z, RNG.standard_normal(4)), order=2,
                modes=BOTH)
    check_grads(lambda z: fnp.broadcast_to(z[:, :1], (2, 3, 4)), (z,), order=2, modes=BOTH)


# ----------------------------------------------------------------------------------------------
# holomorphic=, allow_int= and the errors.


@pytest.mark.parametrize("jac", [funcad.jacfwd, funcad.jacrev, funcad.jacobian],
                         ids=["jacfwd", "jacrev", "jacobian"])
def test_holomorphic_jacobians(jac):
    z = random_complex(3)
    a = random_complex(2, 3)
    np.testing.assert_allclose(jac(lambda z: a @ fnp.sin(z), holomorphic=True)(z),
                               a * np.cos(z), rtol=1e-12)
    np.testing.assert_allclose(jac(fnp.exp, holomorphic=True)(z), np.diag(np.exp(z)),
                               rtol=1e-12)


def test_holomorphic_hessian_and_value_and_grad():
    z = random_complex(3)
    np.testing.assert_allclose(funcad.hessian(lambda z: fnp.sum(z ** 3), holomorphic=True)(z),
                               np.diag(6 * z), rtol=1e-12)
    value, g = funcad.value_and_grad(lambda z: fnp.sum(z * z), holomorphic=True)(z)
    assert_close(value, np.sum(z * z))
    assert_close(g, 2 * z)


def test_jacobians_of_real_outputs_of_complex_inputs():
    z = np.array([3 + 4j, 1j])
    np.testing.assert_allclose(funcad.jacrev(fnp.abs)(z), np.diag(np.conj(z) / np.abs(z)))
    # jacfwd of a real input with a complex output: the tangent map itself.
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(funcad.jacfwd(lambda x: x * (1 + 2j))(x), np.eye(2) * (1 + 2j))


def test_allow_int():
    gx, gn = funcad.grad(lambda x, n: x * n, argnums=(0, 1), allow_int=True)(2.0, 3)
    assert gx == 3.0 and gn.dtype == funcad.float0
    with pytest.raises(TypeError, match="allow_int"):
        funcad.grad(lambda x, n: x * n, argnums=(0, 1))(2.0, 3)


HOLOMORPHIC_ERRORS = [
    (lambda: funcad.grad(lambda z: z, holomorphic=True)(1.0),
     "grad with holomorphic=True requires inputs with complex dtype, but got float64"),
    (lambda: funcad.grad(fnp.real, holomorphic=True)(Z),
     "grad with holomorphic=True requires outputs with complex dtype, but got float64"),
    (lambda: funcad.grad(lambda z: z)(Z),
     "grad requires real-valued outputs .*complex128. For holomorphic differentiation, pass "
     "holomorphic=True"),
    (lambda: funcad.value_and_grad(lambda z: z * 2)(Z), "value_and_grad requires real-valued"),
    (lambda: funcad.jacfwd(lambda z: z, holomorphic=True)(1.0),
     "jacfwd with holomorphic=True requires inputs with complex dtype, but got float64"),
    (lambda: funcad.jacfwd(lambda z: z)(Z),
     "jacfwd requires real-valued inputs .*complex128.* For holomorphic differentiation"),
    (lambda: funcad.jacfwd(fnp.real, holomorphic=True)(Z),
     "jacfwd with holomorphic=True requires outputs with complex dtype, but got float64"),
    (lambda: funcad.jacrev(lambda z: z, holomorphic=True)(1.0),
     "jacrev with holomorphic=True requires inputs with complex dtype, but got float64"),
    (lambda: funcad.jacrev(lambda z: z)(Z),
     "jacrev requires real-valued outputs .*complex128. For holomorphic differentiation"),
    (lambda: funcad.jacrev(lambda x: x * 1j)(1.0), "jacrev requires real-valued outputs"),
    (lambda: funcad.jacrev(fnp.real, holomorphic=True)(Z),
     "jacrev with holomorphic=True requires outputs with complex dtype, but got float64"),
    (lambda: funcad.jacobian(lambda z: z, holomorphic=True)(np.ones(2)),
     "with holomorphic=True requires inputs with complex dtype"),
]


@pytest.mark.parametrize("call, message", HOLOMORPHIC_ERRORS)
def test_holomorphic_errors(call, message):
    with pytest.raises(TypeError, match=message):
        call()


# ----------------------------------------------------------------------------------------------
# vmap and jit.


@pytest.mark.parametrize("name", ["sin", "abs", "angle", "real", "imag", "conj", "sqrt"])
def test_vmap_and_jit(name):
    f = getattr(fnp, name)
    zs = random_complex(4, 3)
    stacked = np.stack([f(z) for z in zs])
    assert_close(funcad.vmap(f)(zs), stacked)
    assert_close(funcad.jit(f)(zs), f(zs))

    def loss(z):
        return fnp.sum(fnp.abs(f(z)) ** 2)

    grads = np.stack([funcad.grad(loss)(z) for z in zs])
    assert_close(funcad.vmap(funcad.grad(loss))(zs), grads)
    assert_close(funcad.jit(funcad.grad(loss))(zs[0]), grads[0])
    assert_close(funcad.jit(funcad.vmap(funcad.grad(loss)))(zs), grads)
    tangents = random_complex(4, 3)
    expected = np.stack([funcad.jvp(f, (z,), (t,))[1] for z, t in zip(zs, tangents)])
    assert_close(funcad.vmap(lambda z, t: funcad.jvp(f, (z,), (t,))[1])(zs, tangents), expected)


def test_vmap_of_complex_from_parts_and_batched_axes():
    x, y = RNG.standard_normal((3, 4)), RNG.standard_normal(3)
    out = funcad.vmap(lax.complex, in_axes=(1, None))(x, y)
    np.testing.assert_array_equal(out, x.T + 1j * y)
    z = random_complex(3, 4)
    np.testing.assert_array_equal(funcad.vmap(fnp.real, in_axes=1)(z), z.real.T)


def test_jit_graph_of_complex_gradient():
    jaxpr = funcad.make_jaxpr(funcad.grad(lambda z: fnp.abs(z) ** 2))(Z)
    assert "conj" in str(jaxpr)
    assert_close(funcad.jit(funcad.grad(lambda z: fnp.abs(z) ** 2))(Z), 6 - 8j)


# ----------------------------------------------------------------------------------------------
# funcad.numpy's names and the tracer methods.


@pytest.mark.parametrize("value", [2.0, 3, np.float32(2), np.array([1, 2]), [1 + 2j, 3],
                                   1 + 2j, np.array([1 + 0j, 2j], np.complex64), True])
@pytest.mark.parametrize("name", ["real", "imag", "conj", "conjugate", "angle", "iscomplex",
                                  "isreal", "iscomplexobj", "isrealobj"])
def test_names_match_numpy(name, value):
    ours, theirs = getattr(fnp, name)(value), getattr(np, name)(value)
    assert np.shape(ours) == np.shape(theirs)
    assert np.asarray(ours).dtype == np.asarray(theirs).dtype
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("dtype", [np.complex128, np.complex64, np.float64, np.float32, np.int32])
@pytest.mark.parametrize("name", ["real", "imag", "conj", "angle", "iscomplex", "isreal"])
def test_names_under_jit_match_numpy(name, dtype):
    x = (np.array([1 + 2j, -3, 0.5j]) if np.dtype(dtype).kind == "c"
         else np.array([1, -3, 0])).astype(dtype)
    ours = funcad.jit(getattr(fnp, name))(x)
    theirs = getattr(np, name)(x)
    assert ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs)
    assert funcad.jit(lambda x: fnp.angle(x, deg=True))(x).dtype == np.angle(x, deg=True).dtype


def test_object_predicates_on_tracers():
    seen = []

    def f(x):
        seen.append((fnp.iscomplexobj(x), fnp.isrealobj(x)))
        return x

    funcad.jit(f)(np.ones(2, np.complex64))
    funcad.jit(f)(np.ones(2))
    assert seen == [(True, False), (False, True)]


def test_tracer_methods_and_numpy_dispatch():
    z = random_complex(3)

    def f(z):
        return (z.real * z.imag + z.conj().real + z.conjugate().imag + np.conj(z).imag
                + np.real(z) + np.imag(z) + np.angle(z) + np.conjugate(z).real)

    expected = (z.real * z.imag + z.real - z.imag - z.imag + z.real + z.imag + np.angle(z)
                + z.real)
    assert_close(f(z), expected)
    assert_close(funcad.jit(f)(z), expected)
    check_grads(f, (z,), order=2, modes=BOTH)
    x = RNG.standard_normal(3)

    def g(x):
        return x.real + x.imag + x.conj() + x.conjugate()

    assert_close(funcad.grad(lambda x: fnp.sum(g(x)))(x), 3 * np.ones(3))
    assert funcad.jit(lambda x: x.imag)(x).dtype == np.float64


def test_check_grads_catches_a_wrong_complex_rule():
    z = random_complex(3)
    saved = vjp_rules[E.conj_p]
    vjp_rules[E.conj_p] = (lambda g, ans, x: g,)  # the conjugate's transpose, forgotten
    try:
        with pytest.raises(AssertionError, match="disagree"):
            check_grads(fnp.conj, (z,), order=1, modes=("rev",))
    finally:
        vjp_rules[E.conj_p] = saved
    saved = vjp_rules[E.abs_p]
    vjp_rules[E.abs_p] = (lambda g, ans, x: E.mul(g, E.div(x, ans)),)  # conj(z) missing
    try:
        with pytest.raises(AssertionError, match="disagree"):
            check_grads(fnp.abs, (z,), order=1, modes=("rev",))
    finally:
        vjp_rules[E.abs_p] = saved


# ----------------------------------------------------------------------------------------------
# Control flow, checkpoint and custom rules carry complex values (numbers recorded from JAX).

Z2 = np.array([1 + 0.5j, -0.3 + 2j])


def _scan_and_cond(z):
    def body(c, x):
        c = fnp.sin(c) * x + fnp.conj(c) * 0.5
        return c, fnp.abs(c)

    c, ys = lax.scan(body, z[0], z)
    r = lax.cond(fnp.real(c) > 0, lambda c: fnp.abs(c) ** 2, lambda c: fnp.real(c * c), c)
    return r + fnp.sum(ys)


def _fori(z):
    return fnp.abs(lax.fori_loop(0, 3, lambda i, c: c * z[0] + fnp.conj(c), z[1]))


@pytest.mark.parametrize("f, expected", [
    (_scan_and_cond, [10.95517314947773 - 2.2811037422774874j,
                      0.7995544456625232 - 5.200663565108277j]),
    (_fori, [9.676803603467905 - 6.404289258442323j, -7.246764682565043 - 1.9405216826154306j]),
], ids=["scan_cond", "fori_loop"])
def test_control_flow(f, expected):
    assert_close(funcad.grad(f)(Z2), expected)
    assert_close(funcad.jit(funcad.grad(f))(Z2), expected)
    batch = np.stack([Z2, Z2 * 1j])
    assert_close(funcad.vmap(funcad.grad(f))(batch),
                 np.stack([funcad.grad(f)(z) for z in batch]))


def test_checkpoint_and_custom_vjp():
    f = funcad.checkpoint(lambda z: fnp.sum(fnp.abs(fnp.exp(z))))
    assert_close(funcad.grad(f)(Z2), np.exp(Z2.real) + 0j, atol=1e-12)  # |e^z| = e^Re(z)

    @funcad.custom_vjp
    def double(z):
        return z * 2

    double.defvjp(lambda z: (z * 2, None), lambda res, g: (g * 2,))
    assert_close(funcad.grad(lambda z: fnp.sum(fnp.abs(double(z)) ** 2))(Z2), 8 * np.conj(Z2))

    @funcad.custom_jvp
    def sin(z):
        return fnp.sin(z)

    sin.defjvp(lambda primals, tangents: (fnp.sin(primals[0]), fnp.cos(primals[0]) * tangents[0]))
    assert_close(funcad.grad(lambda z: fnp.sum(sin(z)), holomorphic=True)(Z2), np.cos(Z2))
    assert_close(funcad.grad(lambda z: fnp.sum(fnp.abs(sin(z)) ** 2))(Z2),
                 funcad.grad(lambda z: fnp.sum(fnp.abs(fnp.sin(z)) ** 2))(Z2))


def test_astype_from_complex_to_real_warns_as_numpy_does():
    with pytest.warns(np.exceptions.ComplexWarning, match="imaginary part"):
        out = fnp.astype(np.array([1 + 2j, 3 - 1j]), np.float64)
    np.testing.assert_array_equal(out, [1.0, 3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fnp.astype(fnp.real(np.array([1 + 2j])), np.float64)  # said explicitly: no warning
