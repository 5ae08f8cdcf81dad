"""The reverse-mode AD tutorial's two functions, re-evaluated and cross-checked.

    f(x)    = 2 sin(x^3)^2            f'(x)  = 12 x^2 cos(x^3) sin(x^3)
                                      f''(x) = 12 x sin(2 x^3) + 36 x^4 cos(2 x^3)
    g(x, y) = cos((x^2 + sin y) x)    with u = (x^2 + sin y) x:
                                      dg/dx  = -sin(u) (3 x^2 + sin y)
                                      dg/dy  = -sin(u) x cos y

Each function is traced once into an IR (``make_jaxpr``), the IR is re-evaluated at several
points (``funcad.core.eval_jaxpr``, the tutorial's static graph), and first and second
derivatives from ``funcad.grad`` are asserted equal to the closed forms.

Run: ``python examples/tutorial.py``
"""

from __future__ import annotations

import numpy as np

import funcad
import funcad.numpy as fnp
from funcad.core import eval_jaxpr


def f(x):
    return 2 * fnp.sin(x ** 3) ** 2


def f_closed(x):
    return 2 * np.sin(x ** 3) ** 2


def df_closed(x):
    return 12 * x ** 2 * np.cos(x ** 3) * np.sin(x ** 3)


def d2f_closed(x):
    # f(x) = 1 - cos(2 x^3), so f'(x) = 6 x^2 sin(2 x^3).
    return 12 * x * np.sin(2 * x ** 3) + 36 * x ** 4 * np.cos(2 * x ** 3)


def g(x, y):
    return fnp.cos((x ** 2 + fnp.sin(y)) * x)


def g_closed(x, y):
    return np.cos((x ** 2 + np.sin(y)) * x)


def dg_closed(x, y):
    u = (x ** 2 + np.sin(y)) * x
    return -np.sin(u) * (3 * x ** 2 + np.sin(y)), -np.sin(u) * x * np.cos(y)


def d2g_dxdy_closed(x, y):
    # d/dy of dg/dx = -sin(u) (3 x^2 + sin y), with du/dy = x cos y.
    u = (x ** 2 + np.sin(y)) * x
    return -np.cos(u) * x * np.cos(y) * (3 * x ** 2 + np.sin(y)) - np.sin(u) * np.cos(y)


def check(name: str, got, want, rtol: float = 1e-10, atol: float = 1e-10) -> None:
    assert np.allclose(got, want, rtol=rtol, atol=atol), f"{name}: got {got!r}, want {want!r}"


def one_input() -> None:
    print("f(x) = 2 sin(x^3)^2")
    closed = funcad.make_jaxpr(f)(1.0)
    df = funcad.grad(f)
    d2f = funcad.grad(funcad.grad(f))
    print(f"{'x':>6}  {'f(x) from the IR':>17}  {'grad(f)':>17}  {'closed form':>17}  "
          f"{'grad(grad(f))':>17}  {'closed form':>17}")
    for x in (10.0, 5.0, 3.0, 0.5, -2.0):
        (value,) = eval_jaxpr(closed.jaxpr, closed.consts, x)
        d1, d2 = df(x), d2f(x)
        check(f"f({x})", value, f_closed(x))
        check(f"f'({x})", d1, df_closed(x))
        check(f"f''({x})", d2, d2f_closed(x), rtol=1e-9)
        print(f"{x:6.1f}  {float(value):17.10f}  {float(d1):17.10f}  {float(df_closed(x)):17.10f}"
              f"  {float(d2):17.6f}  {float(d2f_closed(x)):17.6f}")
    print("  all match the closed forms\n")


def two_inputs() -> None:
    print("g(x, y) = cos((x^2 + sin y) x)   (x is reached by two paths)")
    closed = funcad.make_jaxpr(g)(1.0, 1.0)
    dg = funcad.grad(g, argnums=(0, 1))
    d2g_dxdy = funcad.grad(funcad.grad(g, argnums=0), argnums=1)
    print(f"{'x':>5} {'y':>5}  {'g from the IR':>14}  {'dg/dx':>14}  {'dg/dy':>14}  "
          f"{'d2g/dxdy':>14}")
    for x in (-1.2, -0.3, 0.8, 1.5):
        for y in (-1.0, 0.0, 1.0, 2.0):
            (value,) = eval_jaxpr(closed.jaxpr, closed.consts, x, y)
            dx, dy = dg(x, y)
            dxy = d2g_dxdy(x, y)
            want_dx, want_dy = dg_closed(x, y)
            check(f"g({x}, {y})", value, g_closed(x, y))
            check(f"dg/dx({x}, {y})", dx, want_dx)
            check(f"dg/dy({x}, {y})", dy, want_dy)
            check(f"d2g/dxdy({x}, {y})", dxy, d2g_dxdy_closed(x, y))
            print(f"{x:5.1f} {y:5.1f}  {float(value):14.10f}  {float(dx):14.10f}  "
                  f"{float(dy):14.10f}  {float(dxy):14.10f}")
    print("  all match the closed forms")


def main() -> None:
    one_input()
    two_inputs()


if __name__ == "__main__":
    main()
