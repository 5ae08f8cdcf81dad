"""Tracebacks and warnings that point at the user's code, not at funcad's insides.

An error raised inside ``grad(f)(x)`` passes through a dozen of funcad's frames (the
transformation, its trace, the primitive, its rule) before it reaches the line of ``f`` that
caused it, and a traceback full of them hides that line. As JAX does
(``jax_traceback_filtering``), every public transformation is an *API boundary*
(``api_boundary``): an exception that leaves it has funcad's frames removed from its
traceback, keeping the user's frames and the one frame of the outermost funcad call. The
work happens only on the way out of an error: a successful call pays for one ``try``.

NumPy's floating-point warnings (overflow, divide by zero, invalid value) are attributed by
NumPy to the innermost Python frame, which for ``funcad.numpy.exp(x)`` is a primitive's
implementation inside funcad. While filtering is on, NumPy's ``"log"`` error mode hands the
warning's text to ``_UserLineWarnings.write`` instead, which issues the same
``RuntimeWarning`` from the first frame outside funcad. Only the categories left at NumPy's
default (``"warn"``) are redirected; ``np.errstate`` and ``np.seterr`` keep their meaning, and
nothing runs unless a warning is raised.

``set_filtering(mode)``: ``"auto"`` (the default), ``"remove_frames"`` and
``"quiet_remove_frames"`` (JAX's names; all three filter), or ``"off"`` (full tracebacks,
NumPy's own warning locations). A filtered exception keeps its whole traceback in its
``__funcad_unfiltered_traceback__`` attribute (``traceback.print_tb`` prints it). Unlike JAX,
no note is added to the exception: its message stays the one raised.
``funcad.config.traceback_filtering`` and the environment variable
``FUNCAD_TRACEBACK_FILTERING`` set the mode.
"""

from __future__ import annotations

import functools
import os
import sys
import types
import warnings
from typing import Any, Callable, TypeVar

import numpy as np

__all__ = [
    "FILTERING_MODES", "UNFILTERED", "api_boundary", "filtering", "set_filtering",
    "filter_traceback", "is_internal_file",
]

F = TypeVar("F", bound=Callable[..., Any])

FILTERING_MODES = ("auto", "remove_frames", "quiet_remove_frames", "off")

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_GENERATED_PREFIX = "<funcad."  # the file name of jit's generated code
UNFILTERED = "__funcad_unfiltered_traceback__"
"""The attribute of a filtered exception that holds its whole traceback."""

_mode = ["auto"]  # (a list: the one mutable cell, read on the error path only)


def is_internal_file(filename: str) -> bool:
    """Whether code in ``filename`` is funcad's own (its package, or jit's generated code)."""
    return filename.startswith(_PACKAGE_DIR) or filename.startswith(_GENERATED_PREFIX)


def filtering() -> str:
    return _mode[0]


def set_filtering(mode: str) -> None:
    if mode not in FILTERING_MODES:
        raise ValueError(
            f"traceback_filtering must be one of {', '.join(map(repr, FILTERING_MODES))}, got "
            f"{mode!r}.")
    _mode[0] = mode
    _redirect_warnings(mode != "off")


def filter_traceback(tb: types.TracebackType | None) -> types.TracebackType | None:
    """The traceback ``tb`` without the frames of funcad's own code (a new chain)."""
    kept = []
    while tb is not None:
        if not is_internal_file(tb.tb_frame.f_code.co_filename):
            kept.append(tb)
        tb = tb.tb_next
    new = None
    for entry in reversed(kept):
        new = types.TracebackType(new, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return new


def api_boundary(fun: F) -> F:
    """Mark ``fun`` as a public entry point: exceptions leave it with funcad's frames removed
    from their traceback (the frame of this wrapper aside, which says where funcad was
    entered)."""

    @functools.wraps(fun)
    def reraise_with_filtered_traceback(*args: Any, **kwargs: Any) -> Any:
        try:
            return fun(*args, **kwargs)
        except Exception as error:
            if _mode[0] == "off":
                raise
            tb = error.__traceback__
            if not hasattr(error, UNFILTERED):  # (the innermost boundary sees it all)
                try:
                    setattr(error, UNFILTERED, tb)
                except AttributeError:
                    pass
            filtered = filter_traceback(tb.tb_next if tb is not None else None)
            raise error.with_traceback(filtered)  # (__cause__ and __context__ are kept)

    return reraise_with_filtered_traceback  # type: ignore[return-value]


# ----------------------------------------------------------------------------------------------
# NumPy's floating-point warnings at the user's line.

_CATEGORIES = ("divide", "over", "invalid")


class _UserLineWarnings:
    """NumPy's ``"log"`` error mode writes ``"Warning: <what> encountered in <ufunc>\\n"`` to
    this object; it issues that text as the ``RuntimeWarning`` NumPy would, from the first
    Python frame outside funcad."""

    def write(self, message: str) -> None:
        text = message.strip()
        if text.startswith("Warning: "):
            text = text[len("Warning: "):]
        frame: types.FrameType | None = sys._getframe(1)  # (the frame that called the ufunc)
        level = 2
        while frame is not None and is_internal_file(frame.f_code.co_filename):
            frame = frame.f_back
            level += 1
        if frame is None:
            level = 2
        warnings.warn(text, RuntimeWarning, stacklevel=level)


_USER_LINE_WARNINGS = _UserLineWarnings()


def _redirect_warnings(enabled: bool) -> None:
    """Route the default-mode ("warn") floating-point categories through
    ``_USER_LINE_WARNINGS`` (or put them back)."""
    state: Any = np.geterr()  # (NumPy's stubs: a TypedDict indexed by literal keys only)
    if enabled:
        changed: dict[str, Any] = {c: "log" for c in _CATEGORIES if state[c] == "warn"}
        if not changed or np.geterrcall() not in (None, _USER_LINE_WARNINGS):
            return  # (nothing at NumPy's default, or the user's own error callback: leave it)
        np.seterr(**changed)
        np.seterrcall(_USER_LINE_WARNINGS)
    elif np.geterrcall() is _USER_LINE_WARNINGS:
        np.seterr(**{c: "warn" for c in _CATEGORIES if state[c] == "log"})  # type: ignore[arg-type]
        np.seterrcall(None)


set_filtering(os.environ.get("FUNCAD_TRACEBACK_FILTERING", "") or "auto")
