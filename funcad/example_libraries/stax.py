"""Stax, jax.example_libraries.stax's small neural-network library, on funcad.

A layer is an ``(init_fun, apply_fun)`` pair: ``init_fun(rng, input_shape) -> (output_shape,
params)`` and ``apply_fun(params, inputs, **kwargs) -> outputs``, where ``kwargs`` may hold
``rng=`` (a key from funcad.random, which ``Dropout`` needs) and other options passed down to
every layer. Layer constructors are CamelCase (``Conv``, ``Relu``), as in Keras; combinators
(``serial``, ``parallel``, ``shape_dependent``) build layers from layers. Parameters are
pytrees of arrays (tuples and lists), so ``funcad.grad``, ``jit`` and the optimizers of
``funcad.example_libraries.optimizers`` take them as they are.

Convolutions are ``funcad.lax.conv_general_dilated`` and ``conv_transpose``, pooling is
``funcad.lax.reduce_window``; all are differentiable to any order and batch under ``vmap``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any, cast

import funcad.numpy as jnp
from funcad import lax, random
from funcad.nn import (
    elu,
    gelu,
    leaky_relu,
    log_softmax,
    relu,
    selu,
    sigmoid,
    softmax,
    softplus,
    standardize,
)
from funcad.nn.initializers import Initializer, glorot_normal, normal, ones, zeros

__all__ = [
    "Dense", "GeneralConv", "Conv", "GeneralConvTranspose", "Conv1DTranspose", "ConvTranspose",
    "BatchNorm", "elementwise", "Tanh", "Relu", "Exp", "Log", "LogSoftmax", "Softmax",
    "Softplus", "Sigmoid", "Elu", "LeakyRelu", "Selu", "Gelu", "MaxPool", "SumPool", "AvgPool",
    "Flatten", "Identity", "FanOut", "FanInSum", "FanInConcat", "Dropout", "serial",
    "parallel", "shape_dependent", "glorot", "glorot_normal", "randn", "normal", "ones",
    "zeros", "logsoftmax", "relu", "log_softmax", "softmax", "softplus", "sigmoid", "elu",
    "leaky_relu", "selu", "gelu", "standardize",
]

_Layer = tuple[Callable[..., Any], Callable[..., Any]]
"""A layer: its ``(init_fun, apply_fun)`` pair."""
_Padding = str | Sequence[tuple[int, int]]

# The older names jax.example_libraries.stax keeps.
glorot = glorot_normal
randn = normal
logsoftmax = log_softmax


def Dense(out_dim: int, W_init: Initializer = glorot_normal(),
          b_init: Initializer = normal()) -> _Layer:
    """A fully connected layer: ``inputs @ W + b`` on the last axis."""

    def init_fun(rng: Any, input_shape: tuple) -> tuple:
        output_shape = tuple(input_shape[:-1]) + (out_dim,)
        k1, k2 = random.split(rng)
        W, b = W_init(k1, (input_shape[-1], out_dim)), b_init(k2, (out_dim,))
        return output_shape, (W, b)

    def apply_fun(params: tuple, inputs: Any, **kwargs: Any) -> Any:
        W, b = params
        return jnp.dot(inputs, W) + b

    return init_fun, apply_fun


def _kernel_shape(dimension_numbers: tuple, out_chan: int, filter_shape: Sequence[int],
                  input_shape: tuple) -> list:
    lhs_spec, rhs_spec, _ = dimension_numbers
    if len(input_shape) != len(lhs_spec):
        raise ValueError(
            f"convolution layer with layout {lhs_spec}: input_shape must have {len(lhs_spec)} "
            f"dimensions, got {tuple(input_shape)}; give init_fun the shape of a batch, e.g. "
            f"(-1, height, width, channels) for 'NHWC'.")
    spatial = iter(filter_shape)
    return [out_chan if c == "O" else input_shape[lhs_spec.index("C")] if c == "I" else
            next(spatial) for c in rhs_spec]


def GeneralConv(dimension_numbers: tuple[str, str, str], out_chan: int,
                filter_shape: Sequence[int], strides: Sequence[int] | None = None,
                padding: _Padding = "VALID", W_init: Initializer | None = None,
                b_init: Initializer = normal(1e-6)) -> _Layer:
    """A convolution layer in any layout, ``dimension_numbers = (lhs_spec, rhs_spec,
    out_spec)`` such as ``('NHWC', 'HWIO', 'NHWC')``; the bias broadcasts along the output
    channels."""
    return _conv_layer(dimension_numbers, out_chan, filter_shape, strides, W_init, b_init,
                       lambda input_shape, kernel_shape, strides: lax.conv_general_shape_tuple(
                           input_shape, kernel_shape, strides, padding, dimension_numbers),
                       lambda inputs, W, strides, one: lax.conv_general_dilated(
                           inputs, W, strides, padding, one, one,
                           dimension_numbers=dimension_numbers))


def _conv_layer(dimension_numbers: tuple, out_chan: int, filter_shape: Sequence[int],
                strides: Any, W_init: Any, b_init: Any, output_shape_of: Any,
                convolve: Any) -> _Layer:
    """The (init_fun, apply_fun) of a convolution-like layer with a bias along the output
    channels: ``output_shape_of`` and ``convolve`` say which convolution."""
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    one = (1,) * len(filter_shape)
    strides = strides or one
    W_init = W_init or glorot_normal(rhs_spec.index("I"), rhs_spec.index("O"))

    def init_fun(rng: Any, input_shape: tuple) -> tuple:
        kernel_shape = _kernel_shape(dimension_numbers, out_chan, filter_shape, input_shape)
        output_shape = output_shape_of(input_shape, kernel_shape, strides)
        bias_shape = [out_chan if c == "C" else 1 for c in out_spec]
        k1, k2 = random.split(rng)
        W, b = W_init(k1, kernel_shape), b_init(k2, bias_shape)
        return output_shape, (W, b)

    def apply_fun(params: tuple, inputs: Any, **kwargs: Any) -> Any:
        W, b = params
        return convolve(inputs, W, strides, one) + b

    return init_fun, apply_fun


Conv = functools.partial(GeneralConv, ("NHWC", "HWIO", "NHWC"))


def GeneralConvTranspose(dimension_numbers: tuple[str, str, str], out_chan: int,
                         filter_shape: Sequence[int], strides: Sequence[int] | None = None,
                         padding: _Padding = "VALID", W_init: Initializer | None = None,
                         b_init: Initializer = normal(1e-6)) -> _Layer:
    """A transposed-convolution layer (``lax.conv_transpose``) in any layout."""
    return _conv_layer(dimension_numbers, out_chan, filter_shape, strides, W_init, b_init,
                       lambda input_shape, kernel_shape, strides: lax.conv_transpose_shape_tuple(
                           input_shape, kernel_shape, strides, padding, dimension_numbers),
                       lambda inputs, W, strides, one: lax.conv_transpose(
                           inputs, W, strides, padding, dimension_numbers=dimension_numbers))


Conv1DTranspose = functools.partial(GeneralConvTranspose, ("NHC", "HIO", "NHC"))
ConvTranspose = functools.partial(GeneralConvTranspose, ("NHWC", "HWIO", "NHWC"))


def BatchNorm(axis: int | Sequence[int] = (0, 1, 2), epsilon: float = 1e-5, center: bool = True,
              scale: bool = True, beta_init: Initializer = zeros,
              gamma_init: Initializer = ones) -> _Layer:
    """Batch normalisation over ``axis`` (the batch's own statistics; no running means),
    then ``gamma * z + beta`` with one ``beta``, ``gamma`` per position of the other axes."""
    axes = (cast(int, axis),) if jnp.isscalar(axis) else tuple(cast(Sequence[int], axis))

    def init_fun(rng: Any, input_shape: tuple) -> tuple:
        shape = tuple(d for i, d in enumerate(input_shape) if i not in axes)
        k1, k2 = random.split(rng)
        beta = beta_init(k1, shape) if center else ()
        gamma = gamma_init(k2, shape) if scale else ()
        return input_shape, (beta, gamma)

    def apply_fun(params: tuple, x: Any, **kwargs: Any) -> Any:
        beta, gamma = params
        expand = tuple(None if i in axes else slice(None) for i in range(jnp.ndim(x)))
        z = standardize(x, axes, epsilon=epsilon)
        if center and scale:
            return gamma[expand] * z + beta[expand]
        if center:
            return z + beta[expand]
        if scale:
            return gamma[expand] * z
        return z

    return init_fun, apply_fun


def elementwise(fun: Callable[..., Any], **fun_kwargs: Any) -> _Layer:
    """A layer without parameters that applies ``fun(inputs, **fun_kwargs)``."""

    def init_fun(rng: Any, input_shape: tuple) -> tuple:
        return input_shape, ()

    def apply_fun(params: Any, inputs: Any, **kwargs: Any) -> Any:
        return fun(inputs, **fun_kwargs)

    return init_fun, apply_fun


Tanh = elementwise(jnp.tanh)
Relu = elementwise(relu)
Exp = elementwise(jnp.exp)
Log = elementwise(jnp.log)
LogSoftmax = elementwise(log_softmax, axis=-1)
Softmax = elementwise(softmax, axis=-1)
Softplus = elementwise(softplus)
Sigmoid = elementwise(sigmoid)
Elu = elementwise(elu)
LeakyRelu = elementwise(leaky_relu)
Selu = elementwise(selu)
Gelu = elementwise(gelu)


def _pooling_layer(reducer: Any, init_val: float,
                   rescaler: Any = None) -> Callable[..., _Layer]:
    def PoolingLayer(window_shape: Sequence[int], strides: Sequence[int] | None = None,
                     padding: str = "VALID", spec: str | None = None) -> _Layer:
        """A pooling layer over the spatial axes: the batch and channel axes are those of
        ``spec`` (such as ``'NHWC'``), or the first and last ones."""
        window_shape = tuple(window_shape)
        strides = tuple(strides or (1,) * len(window_shape))
        rescale = rescaler(window_shape, strides, padding) if rescaler else None
        if spec is None:
            non_spatial_axes = 0, len(window_shape) + 1
        else:
            non_spatial_axes = spec.index("N"), spec.index("C")
        for i in sorted(non_spatial_axes):
            window_shape = window_shape[:i] + (1,) + window_shape[i:]
            strides = strides[:i] + (1,) + strides[i:]

        def init_fun(rng: Any, input_shape: tuple) -> tuple:
            if len(input_shape) != len(window_shape):
                raise ValueError(
                    f"pooling layer: input_shape must have {len(window_shape)} dimensions "
                    f"(batch, {len(window_shape) - 2} spatial, channels), got "
                    f"{tuple(input_shape)}")
            pads = lax.padtype_to_pads(input_shape, window_shape, strides, padding)
            ones_ = (1,) * len(window_shape)
            return lax.reduce_window_shape_tuple(input_shape, window_shape, strides, pads,
                                                 ones_, ones_), ()

        def apply_fun(params: Any, inputs: Any, **kwargs: Any) -> Any:
            out = lax.reduce_window(inputs, init_val, reducer, window_shape, strides, padding)
            return rescale(out, inputs, spec) if rescale else out

        return init_fun, apply_fun

    return PoolingLayer


def _normalize_by_window_size(dims: tuple, strides: tuple, padding: Any) -> Any:
    """Divide a sum pool by the number of real (unpadded) elements in each window."""

    def rescale(outputs: Any, inputs: Any, spec: Any) -> Any:
        if spec is None:
            non_spatial_axes = 0, jnp.ndim(inputs) - 1
        else:
            non_spatial_axes = spec.index("N"), spec.index("C")
        spatial_shape = tuple(n for i, n in enumerate(jnp.shape(inputs))
                              if i not in non_spatial_axes)
        one = jnp.ones(spatial_shape, dtype=inputs.dtype)
        window_sizes = lax.reduce_window(one, 0.0, lax.add, dims, strides, padding)
        for i in sorted(non_spatial_axes):
            window_sizes = jnp.expand_dims(window_sizes, i)
        return outputs / window_sizes

    return rescale


MaxPool = _pooling_layer(lax.max, -math.inf)
SumPool = _pooling_layer(lax.add, 0.0)
AvgPool = _pooling_layer(lax.add, 0.0, _normalize_by_window_size)


def _flatten() -> _Layer:
    """Flattens all but the leading (batch) axis."""

    def init_fun(rng: Any, input_shape: tuple) -> tuple:
        return (input_shape[0], math.prod(input_shape[1:])), ()

    def apply_fun(params: Any, inputs: Any, **kwargs: Any) -> Any:
        return jnp.reshape(inputs, (jnp.shape(inputs)[0], -1))

    return init_fun, apply_fun


Flatten = _flatten()


def _identity() -> _Layer:
    def init_fun(rng: Any, input_shape: tuple) -> tuple:
        return input_shape, ()

    def apply_fun(params: Any, inputs: Any, **kwargs: Any) -> Any:
        return inputs

    return init_fun, apply_fun


Identity = _identity()


def FanOut(num: int) -> _Layer:
    """``num`` copies of the input, for ``parallel``."""

    def init_fun(rng: Any, input_shape: tuple) -> tuple:
        return [input_shape] * num, ()

    def apply_fun(params: Any, inputs: Any, **kwargs: Any) -> Any:
        return [inputs] * num

    return init_fun, apply_fun


def _fan_in_sum() -> _Layer:
    def init_fun(rng: Any, input_shape: Any) -> tuple:
        return input_shape[0], ()

    def apply_fun(params: Any, inputs: Any, **kwargs: Any) -> Any:
        return sum(inputs)

    return init_fun, apply_fun


FanInSum = _fan_in_sum()


def FanInConcat(axis: int = -1) -> _Layer:
    """Concatenates a list of inputs along ``axis``."""

    def init_fun(rng: Any, input_shape: Any) -> tuple:
        ax = axis % len(input_shape[0])
        concat_size = sum(shape[ax] for shape in input_shape)
        out_shape = tuple(input_shape[0][:ax]) + (concat_size,) + tuple(input_shape[0][ax + 1:])
        return out_shape, ()

    def apply_fun(params: Any, inputs: Any, **kwargs: Any) -> Any:
        return jnp.concatenate(inputs, axis)

    return init_fun, apply_fun


def Dropout(rate: float, mode: str = "train") -> _Layer:
    """Dropout as in JAX's stax: ``rate`` is the probability of *keeping* an element, and kept
    elements are divided by it. ``mode='train'`` drops (and needs ``rng=``); any other mode
    passes the inputs through."""

    def init_fun(rng: Any, input_shape: tuple) -> tuple:
        return input_shape, ()

    def apply_fun(params: Any, inputs: Any, **kwargs: Any) -> Any:
        rng = kwargs.get("rng", None)
        if rng is None:
            raise ValueError(
                "Dropout layer requires apply_fun to be called with a PRNG key argument. "
                "That is, instead of `apply_fun(params, inputs)`, call it like "
                "`apply_fun(params, inputs, rng=rng)` where `rng` is a PRNG key (e.g. from "
                "`funcad.random.key`).")
        if mode == "train":
            keep = random.bernoulli(rng, rate, jnp.shape(inputs))
            return jnp.where(keep, inputs / rate, 0)
        return inputs

    return init_fun, apply_fun


# ----------------------------------------------------------------------------------------------
# Combinators


def _check_layers(name: str, layers: tuple) -> None:
    for position, layer in enumerate(layers):
        if not (isinstance(layer, tuple) and len(layer) == 2 and all(map(callable, layer))):
            hint = (" (a layer constructor that takes arguments must be called, e.g. "
                    "FanOut(2), Dense(10))") if callable(layer) else ""
            raise TypeError(f"{name}: layer {position} must be an (init_fun, apply_fun) pair, "
                            f"got {type(layer).__name__}{hint}")


def serial(*layers: _Layer) -> _Layer:
    """The layers one after the other; ``rng`` is split into one key per layer."""
    _check_layers("serial", layers)
    count = len(layers)
    init_funs, apply_funs = zip(*layers) if layers else ((), ())

    def init_fun(rng: Any, input_shape: Any) -> tuple:
        params = []
        for init in init_funs:
            rng, layer_rng = random.split(rng)
            input_shape, param = init(layer_rng, input_shape)
            params.append(param)
        return input_shape, params

    def apply_fun(params: Any, inputs: Any, **kwargs: Any) -> Any:
        rng = kwargs.pop("rng", None)
        rngs = random.split(rng, count) if rng is not None else (None,) * count
        for fun, param, layer_rng in zip(apply_funs, params, rngs):
            inputs = fun(param, inputs, rng=layer_rng, **kwargs)
        return inputs

    return init_fun, apply_fun


def parallel(*layers: _Layer) -> _Layer:
    """The layers side by side: a list of inputs to a list of outputs (with ``FanOut`` and
    ``FanInSum`` or ``FanInConcat`` around it)."""
    _check_layers("parallel", layers)
    count = len(layers)
    init_funs, apply_funs = zip(*layers) if layers else ((), ())

    def init_fun(rng: Any, input_shape: Any) -> Any:  # (a zip, as in JAX)
        rngs = random.split(rng, count)
        return zip(*[init(layer_rng, shape) for init, layer_rng, shape
                     in zip(init_funs, rngs, input_shape)])

    def apply_fun(params: Any, inputs: Any, **kwargs: Any) -> Any:
        rng = kwargs.pop("rng", None)
        rngs = random.split(rng, count) if rng is not None else (None,) * count
        return [f(p, x, rng=r, **kwargs) for f, p, x, r in zip(apply_funs, params, inputs, rngs)]

    return init_fun, apply_fun


def shape_dependent(make_layer: Callable[[Any], _Layer]) -> _Layer:
    """A layer built by ``make_layer(input_shape)`` once the input's shape is known."""

    def init_fun(rng: Any, input_shape: Any) -> tuple:
        return make_layer(input_shape)[0](rng, input_shape)

    def apply_fun(params: Any, inputs: Any, **kwargs: Any) -> Any:
        return make_layer(jnp.shape(inputs))[1](params, inputs, **kwargs)

    return init_fun, apply_fun
