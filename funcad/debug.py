"""funcad.debug: looking at values while a transformed program runs (``jax.debug``)."""

from funcad.debugging import debug_print as print

__all__ = ["print"]
