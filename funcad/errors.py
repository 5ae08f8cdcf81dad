"""funcad's exception types.

Errors are part of the interface: each message says what was wrong, where, and what to do
instead. The classes subclass the built-in exception a user would expect (TypeError,
ValueError), so ``except TypeError`` keeps working.
"""

from __future__ import annotations

__all__ = [
    "FuncadError", "ConcretizationTypeError", "DerivativeDropError", "UnexpectedTracerError",
    "NotImplementedForTracerError", "TracerArrayAssignmentError", "raise_if_assignment",
]



class FuncadError(Exception):
    """Base class of every error funcad raises on purpose."""


_ARRAY_STORE_HINT = (
    " If it came from storing the value into a NumPy array (buf[i:j] = x), build the array "
    "functionally instead: funcad.numpy.stack([...]), or buf = "
    "funcad.numpy.asarray(buf).at[i:j].set(x)."
)


def _store_hint(operation: str) -> str:
    return _ARRAY_STORE_HINT if "__array__" in operation else ""


class ConcretizationTypeError(FuncadError, TypeError):
    """A concrete Python value (bool, int, float, NumPy array) was asked of an abstract value.

    Raised when Python control flow or a non-funcad function meets a traced value whose
    number is not known while tracing (under ``make_jaxpr`` and, later, ``jit``).
    """

    def __init__(self, operation: str, aval_str: str, how: str = "",
                 fixes: str | None = None):
        fixes = fixes or (
            "  - if the value is only used to choose a Python branch, make it a static "
            "argument (static_argnums / static_argnames) so it is a plain Python value;\n"
            "  - to choose between values without Python control flow, use "
            "funcad.numpy.where(cond, a, b) or funcad.lax.cond(pred, true_fun, false_fun, "
            "*operands); for a loop on a traced value, funcad.lax.while_loop, fori_loop or "
            "scan;\n"
            "  - to call a math function, use the funcad.numpy version (fnp.sin, not math.sin)."
        )
        super().__init__(
            f"Abstract tracer value encountered where a concrete value is expected: "
            f"{operation} was called on a traced array {aval_str}{how}. Its value is not "
            f"known while tracing, so it cannot become a Python value.{_store_hint(operation)}"
            f"\nWays out:\n{fixes}"
        )


class DerivativeDropError(FuncadError, TypeError):
    """Converting a value under differentiation to a plain Python/NumPy number would
    silently discard its derivative."""

    def __init__(self, operation: str, aval_str: str, transformation: str):
        super().__init__(
            f"{operation} was called on a value {aval_str} that {transformation} is "
            f"differentiating; the result would silently drop its derivative. Use funcad.numpy "
            f"functions instead (fnp.sin rather than math.sin, fnp.asarray rather than "
            f"np.asarray), or call funcad.stop_gradient(x) first if dropping the derivative is "
            f"intended.{_store_hint(operation)}"
        )


class UnexpectedTracerError(FuncadError, TypeError):
    """A tracer was used outside the transformation that created it (a leaked tracer)."""


class NotImplementedForTracerError(FuncadError, TypeError):
    """A NumPy function that funcad does not implement was called on a traced value."""

    def __init__(self, name: str):
        super().__init__(
            f"{name} is not implemented by funcad, so it cannot be applied to a traced value "
            f"(and is not differentiable by funcad yet). Use an equivalent from funcad.numpy, "
            f"or apply it to funcad.stop_gradient(x) under differentiation if no derivative is "
            f"needed."
        )


class TracerArrayAssignmentError(FuncadError, ValueError):
    """A traced value was stored into a NumPy array (``buf[i] = x``)."""


_NUMPY_SEQUENCE_ERROR = "setting an array element with a sequence"


def raise_if_assignment(error: ValueError, transformation: str) -> None:
    """Explain NumPy's terse complaint about ``buf[i] = tracer`` (a NumPy array cannot hold a
    traced value, and NumPy sees the tracer as a sequence) with the functional fixes; return
    for any other ValueError, which the caller re-raises unchanged."""
    if not str(error).startswith(_NUMPY_SEQUENCE_ERROR):
        return
    raise TracerArrayAssignmentError(
        f"NumPy raised {str(error)!r} while funcad traced the function under "
        f"{transformation}. This usually means a traced value was assigned into a NumPy array "
        f"(buf[i] = x): a NumPy array holds numbers, not traced values, so the derivative "
        f"would be lost. Build the array functionally instead: funcad.numpy.stack([...]) or "
        f"funcad.numpy.array([...]) of the values, or "
        f"buf = funcad.numpy.asarray(buf).at[i].set(x)."
    ) from error
