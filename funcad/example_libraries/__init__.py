"""funcad.example_libraries: jax.example_libraries's ``optimizers`` and ``stax``, written on
funcad, so that training code written for them runs after swapping ``jax`` for ``funcad``.

Import the submodules by name (``from funcad.example_libraries import optimizers, stax``);
this package imports neither, so ``optimizers`` loads without the random and neural-network
modules that ``stax`` is built on.
"""

__all__: list[str] = []
