"""funcad.test_util: checking derivatives against finite differences.

The implementation is in ``funcad._test_util``; this module is the public namespace.
"""

from funcad._test_util import (
    check_dot_product,
    check_grads,
    check_jvp,
    check_vjp,
)

__all__ = [
    "check_dot_product",
    "check_grads",
    "check_jvp",
    "check_vjp",
]
