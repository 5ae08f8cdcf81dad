"""The primitives, one family a module, each primitive with all its rules.

``shape`` (reshape, transpose, broadcast_to, convert_element_type, reduce_sum,
stop_gradient, and the helpers every rule uses: ``unbroadcast``, ``move_batch_axis``) is
closed under its own rules and sits at the bottom; ``elementwise`` builds on it;
``reductions``, ``indexing``, ``linalg`` and ``sorting`` build on both.
"""

__all__: list[str] = []
