"""Control flow as staged operations: each function given is traced once to a sub-IR, and
the transformations work on those sub-IRs (funcad.lax exports the user's functions)."""

from funcad.control_flow.cond import cond, select_n, switch
from funcad.control_flow.loops import fori_loop, map, scan, while_loop

__all__ = ["cond", "switch", "select_n", "scan", "while_loop", "fori_loop", "map"]
