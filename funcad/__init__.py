"""funcad: JAX-style functional automatic differentiation on NumPy.

``funcad.grad(f)(x)`` traces ``f`` with tracers that record each primitive operation, then
walks that record in reverse, summing adjoints. See docs/architecture.md for the design.
"""

from funcad import (
    debug,
    extend,
    flatten_util,
    lax,
    nn,
    numpy,
    random,
    scipy,
    tree,
    tree_util,
    typing,
    viz,
)
from funcad.ad import grad, value_and_grad, vjp
from funcad.batching import vmap
from funcad.checkpoint import checkpoint, checkpoint_policies, remat
from funcad.core import ClosedJaxpr, Jaxpr, config, eval_jaxpr
from funcad.custom_derivatives import custom_jvp, custom_vjp
from funcad.devices import (
    Array,
    Device,
    block_until_ready,
    default_backend,
    device_count,
    device_get,
    device_put,
    devices,
    local_device_count,
    local_devices,
    process_count,
    process_index,
)
from funcad.errors import (
    ConcretizationTypeError,
    DerivativeDropError,
    FuncadError,
    NotImplementedForTracerError,
    UnexpectedTracerError,
)
from funcad.jacobians import hessian, hvp, jacfwd, jacobian, jacrev
from funcad.jit import disable_jit, jit
from funcad.jvp import jvp, linearize
from funcad.primitives.shape import stop_gradient as _stop_gradient
from funcad.rules import float0
from funcad.tracing import ShapeDtypeStruct, eval_shape, make_jaxpr

__version__ = "0.1.0"


def stop_gradient(x):
    """The value of ``x`` with no derivative: gradients do not flow through it. Works on
    pytrees."""
    return tree_util.tree_map(_stop_gradient, x)


__all__ = [
    "grad", "value_and_grad", "vjp", "jvp", "linearize", "vmap", "jacfwd", "jacrev", "hessian",
    "hvp", "jacobian", "jit", "config", "custom_vjp", "custom_jvp", "checkpoint", "remat",
    "checkpoint_policies", "debug", "extend", "make_jaxpr", "stop_gradient", "eval_jaxpr",
    "ShapeDtypeStruct", "eval_shape", "disable_jit", "Jaxpr", "ClosedJaxpr", "float0",
    "tree_util", "tree", "flatten_util", "numpy", "lax", "scipy", "nn", "random", "typing",
    "viz", "Array", "Device",
    "block_until_ready", "device_put", "device_get", "devices", "local_devices",
    "device_count", "local_device_count", "default_backend", "process_index",
    "process_count",
    "FuncadError", "ConcretizationTypeError", "DerivativeDropError",
    "NotImplementedForTracerError", "UnexpectedTracerError",
]
