"""funcad.scipy.integrate: ``odeint``, an adaptive Dormand-Prince ODE solver differentiated by
the adjoint method (as ``jax.experimental.ode.odeint``)."""

from funcad.scipy._integrate import odeint

__all__ = ["odeint"]
