"""funcad.scipy.optimize: ``minimize`` (BFGS) and ``OptimizeResults``, as
jax.scipy.optimize, with gradients from ``funcad.grad``; it runs eagerly and under ``jit``.

SciPy's own optimizers take a gradient through ``jac=``. For parameters that are a pytree,
ravel them into one vector and give SciPy funcad's value and gradient::

    import numpy as np
    import scipy.optimize
    import funcad
    from funcad import tree_util

    leaves, treedef = tree_util.tree_flatten(params)
    shapes = [np.shape(leaf) for leaf in leaves]
    bounds = np.cumsum([0] + [int(np.prod(s)) for s in shapes])

    def unravel(v):
        return tree_util.tree_unflatten(
            treedef, [v[a:b].reshape(s) for a, b, s in zip(bounds, bounds[1:], shapes)])

    value_and_grad = funcad.jit(funcad.value_and_grad(loss))

    def fun(v):
        value, grads = value_and_grad(unravel(v))
        return float(value), np.concatenate([np.ravel(g) for g in tree_util.tree_leaves(grads)])

    x0 = np.concatenate([np.ravel(leaf) for leaf in leaves])
    result = scipy.optimize.minimize(fun, x0, jac=True, method="L-BFGS-B")
    best = unravel(result.x)

(``jac=True`` says that ``fun`` returns the value and the gradient together.)
"""

from funcad.scipy._optimize import OptimizeResults, minimize

__all__ = ["minimize", "OptimizeResults"]
