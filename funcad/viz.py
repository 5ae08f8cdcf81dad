"""Pictures of the traced IR with forward values and adjoints (``funcad.viz``).

``graph(f)(*args)`` traces ``f`` with ``make_jaxpr`` at the concrete ``args``, evaluates the IR
equation by equation to keep every intermediate value, and returns a ``Graph``: plain data
(``nodes``, ``edges``, ``clusters``) that tests can check, with DOT text, SVG and a text form
for people. With ``adjoints=True`` it also walks the IR backwards. Each equation's operands get
their cotangents from ``funcad.vjp`` of that one equation at its forward values, so every edge
carries its own contribution, and a variable's adjoint is the sum of the contributions of its
consumer edges: the summation at a value used on several paths is visible, edge by edge.

Sub-IRs (``jit_call``, ``cond``, ``scan``, ``while``, ``checkpoint``, custom derivative calls)
are drawn as clusters. Those run once with the equation's operands (a jitted call, the taken
branch of a ``cond``, a checkpointed body) show values and adjoints inside; loop bodies show
structure only, since they run once per iteration.
"""

from __future__ import annotations

import dataclasses
import html
import importlib
import importlib.util
import inspect
import os
import shutil
import subprocess
from typing import Any, Callable

import numpy as np

from funcad import tree_util
from funcad.ad import vjp
from funcad.core import ClosedJaxpr, Jaxpr, Literal, Var, short_dtype_name
from funcad.rules import float0, is_differentiable_dtype
from funcad.tracing import make_jaxpr

__all__ = ["Node", "Edge", "Cluster", "Graph", "graph", "summarize", "graphviz_available"]

_INSTALL = ('install the Graphviz program (the system package "graphviz": apt install graphviz, '
            'brew install graphviz or conda install graphviz) and pip install "funcad[viz]"')


@dataclasses.dataclass
class Node:
    """One node of the picture: an input, a constant, an equation (with its outputs) or an
    output. ``value``/``adjoint`` are short text summaries; ``value_array``/``adjoint_array``
    the NumPy values (a list for an equation with several outputs; None where unknown)."""

    id: str
    kind: str  # 'input' | 'constant' | 'equation' | 'output' | 'note'
    label: str
    primitive: str | None = None
    shape: Any = None  # a tuple, or a list of tuples for several outputs
    dtype: str | None = None
    value: str | None = None
    adjoint: str | None = None
    summed: bool = False
    cluster: str | None = None
    value_array: Any = None
    adjoint_array: Any = None


@dataclasses.dataclass
class Edge:
    """A forward edge ``source -> target``. ``index`` is the operand position at the target;
    ``output`` the source's output number (equations with several outputs). ``kind`` is
    'data' between values, 'call' from an equation to the inputs of its sub-IR, 'return'
    from a sub-IR's output to its equation. ``contribution``: the cotangent this edge carries
    back."""

    source: str
    target: str
    index: int = 0
    output: int = 0
    kind: str = "data"
    contribution: str | None = None
    contribution_array: Any = None


@dataclasses.dataclass
class Cluster:
    """A sub-IR drawn as a box: the equation node that owns it and its parameter's name."""

    id: str
    label: str
    owner: str
    parent: str | None = None
    evaluated: bool = False


# The sub-IRs that run once per equation, with its operands: their values are shown inside.
# A loop body runs once per iteration, so its nodes have no single value (structure only).
_RUNS_ONCE = frozenset(["jit_call", "checkpoint", "cond", "custom_vjp_call", "custom_jvp_call"])
# Those whose derivative is the derivative of the sub-IR: their adjoints are shown inside too.
# (A custom_vjp/custom_jvp call is differentiated by its own rule instead.)
_ADJOINTS_INSIDE = frozenset(["jit_call", "checkpoint", "cond"])


# ----------------------------------------------------------------------------------------------
# Summaries of values.


def _type_text(shape: tuple, dtype: np.dtype) -> str:
    return f"{short_dtype_name(np.dtype(dtype))}[{','.join(map(str, shape))}]"


def summarize(value: Any) -> str:
    """A scalar in full; a small array's values; a larger one's shape, min, max and mean."""
    if value is None:
        return "?"
    array = np.asarray(value)
    if array.dtype == float0:
        return "float0"
    if array.ndim == 0:
        return repr(array.item())
    if array.size <= 4:
        return _tidy(np.array2string(array.ravel(), precision=4, separator=", "))
    if array.dtype.kind in "biuf":
        return (f"min {array.min():.4g} max {array.max():.4g} "
                f"mean {array.astype(np.float64).mean():.4g}")
    first = _tidy(np.array2string(array.ravel()[:3], precision=4, separator=", "))
    return first[:-1] + ", ...]"


def _tidy(text: str) -> str:
    return " ".join(text.split()).replace(" ,", ",").replace("[ ", "[").replace(" ]", "]")


def _param_text(params: dict) -> str:
    shown = []
    for name, value in sorted(params.items()):
        if _sub_irs(value) or callable(value):
            continue
        if isinstance(value, np.dtype):
            text = value.name
        elif isinstance(value, type) and issubclass(value, np.generic):
            text = np.dtype(value).name
        else:
            text = repr(value)
        if len(text) > 24:
            text = text[:21] + "..."
        shown.append(f"{name}={text}")
    return f"[{' '.join(shown)}]" if shown else ""


def _sub_irs(value: Any) -> list[Jaxpr]:
    """The IRs inside one parameter (a Jaxpr, a ClosedJaxpr, or a tuple of them), as the
    core's printer finds them."""
    if isinstance(value, ClosedJaxpr):
        return [value.jaxpr]
    if isinstance(value, Jaxpr):
        return [value]
    if isinstance(value, tuple) and value and all(
            isinstance(v, (Jaxpr, ClosedJaxpr)) for v in value):
        return [v.jaxpr if isinstance(v, ClosedJaxpr) else v for v in value]
    return []


def _consts_of(value: Any) -> list[Any]:
    return list(value.consts) if isinstance(value, ClosedJaxpr) else []


def _same_types(jaxpr: Jaxpr, atoms: list) -> bool:
    return len(jaxpr.invars) == len(atoms) and all(
        v.aval.shape == a.aval.shape and v.aval.dtype == a.aval.dtype
        for v, a in zip(jaxpr.invars, atoms))


# ----------------------------------------------------------------------------------------------
# Building the graph.


class _TooManyNodes(Exception):
    """The expanded graph passed its node limit: it is drawn collapsed instead."""


class _Builder:
    def __init__(self, expand: bool, limit: int | None = None):
        self.expand = expand
        self.limit = limit  # (None: no limit)
        self.nodes: list[Node] = []
        self.edges: list[Edge] = []
        self.clusters: list[Cluster] = []
        self.eqn_nodes: dict[tuple, Node] = {}  # (cluster, id(eqn)) -> node
        self.sub_irs: dict[str, tuple] = {}  # evaluated cluster -> (jaxpr, values, where)

    def node(self, kind: str, label: str, cluster: str | None, **fields: Any) -> Node:
        if self.limit is not None and len(self.nodes) >= self.limit:
            raise _TooManyNodes
        node = Node(id=f"n{len(self.nodes)}", kind=kind, label=label, cluster=cluster, **fields)
        self.nodes.append(node)
        return node

    def add_jaxpr(self, jaxpr: Jaxpr, consts: list | None, inputs: list | None,
                  input_nodes: list[Node], cluster: str | None) -> tuple[dict, dict]:
        """Add ``jaxpr``'s constants and equations; ``inputs`` are the input values (None:
        not known, structure only). Returns (var -> value, var -> (node, output number))."""
        values: dict[Var, Any] = {}
        where: dict[Var, tuple[Node, int]] = {}
        for var, node in zip(jaxpr.invars, input_nodes):
            where[var] = (node, 0)
        if inputs is not None:
            values.update(zip(jaxpr.invars, inputs))
        for k, var in enumerate(jaxpr.constvars):
            value = consts[k] if consts is not None and k < len(consts) else None
            node = self.node("constant", f"const {_type_text(var.aval.shape, var.aval.dtype)}",
                             cluster, shape=var.aval.shape, dtype=var.aval.dtype.name,
                             value=summarize(value) if value is not None else None,
                             value_array=None if value is None else np.asarray(value))
            where[var] = (node, 0)
            if value is not None:
                values[var] = value
        known = inputs is not None
        for eqn in jaxpr.eqns:
            self.add_eqn(eqn, values, where, cluster, known)
        return values, where

    def add_eqn(self, eqn: Any, values: dict, where: dict, cluster: str | None,
                known: bool) -> None:
        name = eqn.primitive.name
        avals = [v.aval for v in eqn.outvars]
        types = ", ".join(_type_text(a.shape, a.dtype) for a in avals)
        single = len(avals) == 1
        node = self.node("equation", f"{name}{_param_text(eqn.params)}", cluster,
                         primitive=name,
                         shape=avals[0].shape if single else [a.shape for a in avals],
                         dtype=avals[0].dtype.name if single else ", ".join(
                             a.dtype.name for a in avals))
        node.label += f"\n{types}"
        operands = []
        for index, atom in enumerate(eqn.invars):
            if type(atom) is Literal:
                const = self.node("constant", repr(np.asarray(atom.value).item()), cluster,
                                  shape=(), dtype=atom.aval.dtype.name,
                                  value=summarize(atom.value),
                                  value_array=np.asarray(atom.value))
                self.edges.append(Edge(const.id, node.id, index=index))
                operands.append(atom.value)
                continue
            source, output = where[atom]
            self.edges.append(Edge(source.id, node.id, index=index, output=output))
            operands.append(values.get(atom))
        known = known and all(op is not None for op in operands)
        outs = None
        if known:
            out = eqn.primitive.bind(*operands, **eqn.params)
            outs = [np.asarray(o) for o in (out if eqn.primitive.multiple_results else [out])]
            values.update(zip(eqn.outvars, outs))
            node.value_array = outs[0] if single else outs
            node.value = " | ".join(summarize(o) for o in outs)
        for k, var in enumerate(eqn.outvars):
            where[var] = (node, k)
        self.eqn_nodes[(cluster, id(eqn))] = node
        if self.expand:
            self.add_sub_irs(eqn, node, operands if known else None, cluster)

    def add_sub_irs(self, eqn: Any, node: Node, operands: list | None,
                    parent: str | None) -> None:
        """One cluster per sub-IR. The sub-IR runs once with known inputs when its types
        match the operands' (a call) or it is the taken branch of a ``cond``."""
        atoms = list(eqn.invars)
        for pname, value in sorted(eqn.params.items()):
            irs = _sub_irs(value)
            consts = _consts_of(value) if len(irs) == 1 else None
            for b, jaxpr in enumerate(irs):
                label = f"{eqn.primitive.name}: {pname}" + (f"[{b}]" if len(irs) > 1 else "")
                cluster = Cluster(f"cluster_{len(self.clusters)}", label, node.id, parent)
                self.clusters.append(cluster)
                args = atoms
                inputs = None
                if _same_types(jaxpr, atoms):
                    inputs = operands
                elif len(irs) > 1 and _same_types(jaxpr, atoms[1:]):
                    args = atoms[1:]  # (cond: the first operand picks the branch)
                    if operands is not None and int(np.asarray(operands[0])) == b:
                        inputs = operands[1:]
                cluster.evaluated = (eqn.primitive.name in _RUNS_ONCE and inputs is not None
                                     and (not jaxpr.constvars or consts is not None))
                if not cluster.evaluated:
                    inputs = None
                input_nodes = []
                for k, var in enumerate(jaxpr.invars):
                    arg = inputs[k] if inputs is not None else None
                    kind = _type_text(var.aval.shape, var.aval.dtype)
                    sub = self.node("input", f"arg {k}: {kind}", cluster.id,
                                    shape=var.aval.shape, dtype=var.aval.dtype.name,
                                    value=None if arg is None else summarize(arg),
                                    value_array=None if arg is None else np.asarray(arg))
                    input_nodes.append(sub)
                    if args is not atoms or len(atoms) == len(jaxpr.invars):
                        position = k + (len(atoms) - len(args))
                        if position < len(atoms) and type(atoms[position]) is not Literal:
                            self.edges.append(Edge(node.id, sub.id, index=k, kind="call"))
                sub_values, where = self.add_jaxpr(jaxpr, consts, inputs, input_nodes,
                                                   cluster.id)
                if cluster.evaluated and eqn.primitive.name in _ADJOINTS_INSIDE:
                    self.sub_irs[cluster.id] = (jaxpr, sub_values, where)
                for k, out in enumerate(jaxpr.outvars):
                    if type(out) is Literal:
                        continue
                    source, output = where[out]
                    self.edges.append(Edge(source.id, node.id, index=k, output=output,
                                           kind="return"))


# ----------------------------------------------------------------------------------------------
# The backward pass, one equation at a time.


def _equation_vjp(eqn: Any, operands: list, out_cotangents: list) -> list[Any]:
    """The cotangent of each operand (None for those with no derivative): funcad.vjp of the
    one equation at its forward values."""
    wanted = [k for k, (atom, value) in enumerate(zip(eqn.invars, operands))
              if type(atom) is not Literal and is_differentiable_dtype(np.asarray(value).dtype)]
    if not wanted:
        return [None] * len(operands)

    def apply(*diff: Any) -> Any:
        full = list(operands)
        for k, value in zip(wanted, diff):
            full[k] = value
        return eqn.primitive.bind(*full, **eqn.params)

    out, pull = vjp(apply, *[operands[k] for k in wanted])
    cotangent: Any
    if eqn.primitive.multiple_results:
        cotangent = [
            np.zeros(np.shape(o), float0) if not is_differentiable_dtype(np.asarray(o).dtype)
            else np.zeros(np.shape(o), np.asarray(o).dtype) if c is None else c
            for o, c in zip(out, out_cotangents)]
        if isinstance(out, tuple):
            cotangent = tuple(cotangent)
    else:
        cotangent = out_cotangents[0]
    result: list[Any] = [None] * len(operands)
    for k, ct in zip(wanted, pull(cotangent)):
        result[k] = np.asarray(ct)
    return result


class _Backward:
    """Walks a jaxpr in reverse; ``adjoint[var]`` sums the contributions of its consumers."""

    def __init__(self, builder: _Builder):
        self.builder = builder
        self.by_node: dict[str, list[Edge]] = {}
        for edge in builder.edges:
            if edge.kind == "data":
                self.by_node.setdefault(edge.target, []).append(edge)
        self.clusters_of: dict[str, list[str]] = {}  # (owner node -> its sub-IRs)
        for cluster in builder.clusters:
            self.clusters_of.setdefault(cluster.owner, []).append(cluster.id)

    def run(self, jaxpr: Jaxpr, values: dict, out_cotangents: list, nodes: dict,
            cluster: str | None) -> dict:
        adjoint: dict[Var, Any] = {}
        counts: dict[Var, int] = {}

        def add(var: Var, ct: Any) -> None:
            adjoint[var] = ct if var not in adjoint else adjoint[var] + ct
            counts[var] = counts.get(var, 0) + 1

        for var, ct in zip(jaxpr.outvars, out_cotangents):
            if type(var) is not Literal and ct is not None:
                add(var, np.asarray(ct))
        for eqn in reversed(jaxpr.eqns):
            cts = [adjoint.get(v) for v in eqn.outvars]
            if all(c is None for c in cts):
                continue
            operands = [a.value if type(a) is Literal else values.get(a) for a in eqn.invars]
            if any(op is None for op in operands):
                continue
            node = self.builder.eqn_nodes[(cluster, id(eqn))]
            contributions = _equation_vjp(eqn, operands, cts)
            edges = {e.index: e for e in self.by_node.get(node.id, [])}
            for index, (atom, ct) in enumerate(zip(eqn.invars, contributions)):
                if ct is None or type(atom) is Literal:
                    continue
                edge = edges.get(index)
                if edge is not None:
                    edge.contribution = summarize(ct)
                    edge.contribution_array = ct
                add(atom, ct)
            self.inner(eqn, node, operands, cts)
        for var, ct in adjoint.items():
            node_and_output = nodes.get(var)
            if node_and_output is None:
                continue
            node, output = node_and_output
            if isinstance(node.shape, list):
                if not isinstance(node.adjoint_array, list):
                    node.adjoint_array = [None] * len(node.shape)
                node.adjoint_array[output] = ct
                node.adjoint = " | ".join(summarize(c) if c is not None else "-"
                                          for c in node.adjoint_array)
            else:
                node.adjoint_array = ct
                node.adjoint = summarize(ct)
            node.summed = node.summed or counts[var] > 1
        return adjoint

    def inner(self, eqn: Any, node: Node, operands: list, cts: list) -> None:
        """Adjoints inside the sub-IRs that ran once with known values."""
        for cluster_id in self.clusters_of.get(node.id, ()):
            sub = self.builder.sub_irs.get(cluster_id)
            if sub is not None:
                jaxpr, values, where = sub
                self.run(jaxpr, values, cts, where, cluster_id)


# ----------------------------------------------------------------------------------------------
# The graph.


@dataclasses.dataclass
class Graph:
    """The picture of one traced call: ``nodes``, ``edges`` and ``clusters`` as plain data.
    ``collapsed`` is True when sub-IRs were folded into their equations to keep the graph
    under ``max_nodes``; ``note`` says what was left out."""

    nodes: list[Node]
    edges: list[Edge]
    clusters: list[Cluster]
    adjoints: bool = False
    collapsed: bool = False
    note: str | None = None
    jaxpr: Any = None
    backward_edges: bool = False

    def node(self, node_id: str) -> Node:
        """The node with this id."""
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(f"Graph.node: no node has id {node_id!r}")

    def find(self, primitive: str) -> list[Node]:
        """The equation nodes of one primitive, in order."""
        return [n for n in self.nodes if n.primitive == primitive]

    def inputs(self) -> list[Node]:
        return [n for n in self.nodes if n.kind == "input" and n.cluster is None]

    def outputs(self) -> list[Node]:
        return [n for n in self.nodes if n.kind == "output"]

    def consumers(self, node_id: str) -> list[Node]:
        """The nodes that read this node's value through data edges."""
        return [self.node(e.target) for e in self.edges
                if e.source == node_id and e.kind == "data"]

    # -- text ----------------------------------------------------------------------------------

    def to_text(self) -> str:
        """One line per node: id, kind, label, value, adjoint; then its operands."""
        incoming: dict[str, list[str]] = {}
        for edge in self.edges:
            if edge.kind == "data":
                incoming.setdefault(edge.target, []).append(edge.source)
        lines = []
        for node in self.nodes:
            pad = "  " if node.cluster is not None else ""
            where = f" in {node.cluster}" if node.cluster is not None else ""
            line = f"{pad}{node.id} {node.kind}{where}: {node.label.replace(chr(10), ' : ')}"
            if incoming.get(node.id):
                line += f" <- {', '.join(incoming[node.id])}"
            if node.value is not None and node.value != node.label:
                line += f"  = {node.value}"
            if node.adjoint is not None:
                line += f"  adjoint {node.adjoint}"
            if node.summed:
                line += "  (adjoints summed)"
            lines.append(line)
        if self.note:
            lines.append(f"note: {self.note}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    # -- DOT -----------------------------------------------------------------------------------

    def to_dot(self, backward_edges: bool | None = None) -> str:
        """Graphviz DOT text: values in node labels, adjoints in red, summed nodes filled,
        sub-IRs as clusters; ``backward_edges`` adds dashed red edges labelled with each
        edge's cotangent contribution."""
        backward = self.backward_edges if backward_edges is None else backward_edges
        lines = ["digraph funcad {", "  rankdir=TB;",
                 '  node [shape=box, fontname="Helvetica", fontsize=10];',
                 '  edge [fontname="Helvetica", fontsize=9];']
        children: dict[str | None, list[Cluster]] = {}
        for cluster in self.clusters:
            children.setdefault(cluster.parent, []).append(cluster)
        members: dict[str | None, list[Node]] = {}
        for node in self.nodes:
            members.setdefault(node.cluster, []).append(node)

        def emit(cluster: str | None, indent: str) -> None:
            for node in members.get(cluster, []):
                lines.append(f"{indent}{_dot_node(node)}")
            for child in children.get(cluster, []):
                lines.append(f"{indent}subgraph {child.id} {{")
                lines.append(f"{indent}  label={_quote(child.label)}; style=rounded; "
                             f"color=gray50;")
                emit(child.id, indent + "  ")
                lines.append(f"{indent}}}")

        emit(None, "  ")
        for edge in self.edges:
            attributes = []
            if edge.kind != "data":
                attributes.append("style=dotted, color=gray50")
            lines.append(f'  "{edge.source}" -> "{edge.target}"'
                         + (f" [{', '.join(attributes)}]" if attributes else "") + ";")
            if backward and edge.contribution is not None:
                lines.append(f'  "{edge.target}" -> "{edge.source}" [style=dashed, '
                             f'color="#c0392b", fontcolor="#c0392b", constraint=false, '
                             f'label={_quote(edge.contribution)}];')
        lines.append("}")
        return "\n".join(lines) + "\n"

    # -- rendering -----------------------------------------------------------------------------

    def render(self, format: str = "svg") -> bytes:
        """The picture in ``format`` ('svg', 'png', 'pdf') made by Graphviz's ``dot``."""
        return _render(self.to_dot(), format)

    def save(self, path: str | os.PathLike) -> list[str]:
        """Write ``path``. A ``.dot`` (or ``.gv``) path is written directly; for ``.svg``,
        ``.png`` or ``.pdf`` the ``.dot`` text is written beside it and then rendered with
        Graphviz (RuntimeError naming what to install when it is missing). Returns the
        paths written."""
        path = os.fspath(path)
        stem, extension = os.path.splitext(path)
        extension = extension.lower().lstrip(".")
        if extension in ("dot", "gv"):
            with open(path, "w") as file:
                file.write(self.to_dot())
            return [path]
        if extension not in ("svg", "png", "pdf"):
            raise ValueError(
                f"Graph.save: path {path!r} ends in {extension!r}; expected .dot, .gv, .svg, "
                f".png or .pdf.")
        dot_path = stem + ".dot"
        with open(dot_path, "w") as file:
            file.write(self.to_dot())
        data = _render(self.to_dot(), extension)
        with open(path, "wb") as file:
            file.write(data)
        return [dot_path, path]

    def _repr_svg_(self) -> str | None:
        if not graphviz_available():
            return None  # (the notebook then falls back to _repr_html_)
        return self.render("svg").decode()

    def _repr_html_(self) -> str:
        if graphviz_available():
            return self.render("svg").decode()
        return f"<pre>{html.escape(self.to_text())}</pre>"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


_STYLE = {
    "input": 'shape=ellipse, style=filled, fillcolor="#d6eaf8"',
    "constant": 'shape=plaintext',
    "equation": 'shape=box, style=rounded',
    "output": 'shape=ellipse, style=filled, fillcolor="#d5f5e3"',
    "note": 'shape=note, style=filled, fillcolor="#fdebd0"',
}


def _dot_node(node: Node) -> str:
    rows = [html.escape(line) for line in node.label.split("\n")]
    if node.value is not None and node.value != node.label:
        rows.append(f"= {html.escape(node.value)}")
    if node.adjoint is not None:
        rows.append(f'<font color="#c0392b">adjoint {html.escape(node.adjoint)}</font>')
    style = _STYLE.get(node.kind, "")
    if node.summed:
        style = 'shape=box, style="rounded,filled,bold", fillcolor="#fadbd8", color="#c0392b"'
        rows.append('<font color="#c0392b">(adjoints summed)</font>')
    label = "<" + "<br/>".join(rows) + ">"
    return f'"{node.id}" [{style}, label={label}];'


def graphviz_available() -> bool:
    """Whether Graphviz's ``dot`` program can be run (needed for SVG/PNG, not for DOT)."""
    return shutil.which("dot") is not None


def _render(dot_text: str, format: str) -> bytes:
    """Render with the ``graphviz`` Python package when it is installed, else with ``dot``."""
    if not graphviz_available():
        raise RuntimeError(
            f"funcad.viz: rendering to {format!r} needs Graphviz's 'dot' program, which was "
            f"not found on PATH; {_INSTALL}. Graph.save('picture.dot') and Graph.to_dot() "
            f"work without it.")
    if importlib.util.find_spec("graphviz") is not None:
        graphviz = importlib.import_module("graphviz")
        return graphviz.Source(dot_text).pipe(format=format)
    done = subprocess.run(["dot", f"-T{format}"], input=dot_text.encode(),
                          capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"funcad.viz: dot -T{format} failed: {done.stderr.decode()}")
    return done.stdout


# ----------------------------------------------------------------------------------------------
# The user's entry point.


def graph(f: Callable[..., Any], adjoints: bool = False, *, cotangent: Any = None,
          max_nodes: int = 500, backward_edges: bool = False) -> Callable[..., Graph]:
    """``graph(f)(*args)``: the picture of ``f``'s IR at ``args`` with the value of every
    node; with ``adjoints=True`` also every node's adjoint (the cotangent of the output with
    respect to it) and each edge's contribution to it. ``f`` must then return a scalar, or
    ``cotangent`` gives the output's cotangent (a pytree shaped like the output).
    ``max_nodes``: a larger graph has its sub-IRs folded into single nodes, and is cut with a
    note if still larger. ``backward_edges``: draw the contributions as backward edges.

    Example: ``print(funcad.viz.graph(lambda x: 2 * jnp.sin(x ** 3) ** 2, adjoints=True)(10.))``
    """
    if not callable(f):
        raise TypeError(
            f"funcad.viz.graph: f must be a callable (the function to draw), got "
            f"{type(f).__name__}. Call it as funcad.viz.graph(f)(*args).")
    if not isinstance(max_nodes, int) or max_nodes < 2:
        raise ValueError(f"funcad.viz.graph: max_nodes must be an integer >= 2, got "
                         f"{max_nodes!r}.")

    def draw(*args: Any) -> Graph:
        closed, out_shape = make_jaxpr(f, return_shape=True)(*args)
        with_paths = tree_util.tree_leaves_with_path(list(args))
        flat_args = [leaf for _, leaf in with_paths]
        names = _input_names(f, [path for path, _ in with_paths])
        out_cotangents = None
        if adjoints:
            out_cotangents = _output_cotangents(out_shape, cotangent)
        try:  # (stops at the limit, before the backward pass, when it is too large)
            return _build(closed, flat_args, names, out_cotangents, expand=True,
                          backward=backward_edges, limit=max_nodes)
        except _TooManyNodes:
            result = _build(closed, flat_args, names, out_cotangents, expand=False,
                            backward=backward_edges)
            result.collapsed = True
            result.note = (f"sub-IRs drawn as single nodes to stay under max_nodes="
                           f"{max_nodes}")
            if len(result.nodes) > max_nodes:
                _truncate(result, max_nodes)
        return result

    return draw


def _input_names(f: Callable[..., Any], paths: list) -> list[str]:
    """``x``, ``params['w']``: the parameter's name and the leaf's path inside the argument."""
    try:
        parameters = [p.name for p in inspect.signature(f).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        parameters = []
    names = []
    for path in paths:
        position = path[0].idx
        name = parameters[position] if position < len(parameters) else f"arg{position}"
        names.append(name + tree_util.keystr(tuple(path[1:])))
    return names


def _output_cotangents(out_shape: Any, cotangent: Any) -> list[Any]:
    leaves, tree = tree_util.tree_flatten(out_shape)
    if cotangent is None:
        if len(leaves) != 1 or leaves[0].shape != () or not is_differentiable_dtype(
                leaves[0].dtype):
            found = ", ".join(_type_text(s.shape, s.dtype) for s in leaves) or "nothing"
            raise TypeError(
                f"funcad.viz.graph with adjoints=True needs f to return a floating scalar, "
                f"but it returned {found}. Pass cotangent= (an array shaped like the output) "
                f"to pull that cotangent back, or reduce the output to a scalar; funcad.vjp "
                f"does the same for values.")
        return [np.ones((), leaves[0].dtype)]
    ct_leaves, ct_tree = tree_util.tree_flatten(cotangent)
    if ct_tree != tree:
        raise ValueError(f"funcad.viz.graph: cotangent must have the structure of f's output "
                         f"({tree}), got {ct_tree}.")
    cts = []
    for i, (ct, shape) in enumerate(zip(ct_leaves, leaves)):
        ct = np.asarray(ct, dtype=shape.dtype if is_differentiable_dtype(shape.dtype) else None)
        if ct.shape != shape.shape:
            raise ValueError(f"funcad.viz.graph: cotangent leaf {i} has shape {ct.shape}, but "
                             f"the output has shape {shape.shape}.")
        cts.append(ct)
    return cts


def _build(closed: ClosedJaxpr, args: list, names: list[str], out_cotangents: list | None,
           expand: bool, backward: bool, limit: int | None = None) -> Graph:
    builder = _Builder(expand=expand, limit=limit)
    jaxpr = closed.jaxpr
    input_nodes = []
    for var, arg, name in zip(jaxpr.invars, args, names):
        input_nodes.append(builder.node(
            "input", f"{name}: {_type_text(var.aval.shape, var.aval.dtype)}", None,
            shape=var.aval.shape, dtype=var.aval.dtype.name, value=summarize(arg),
            value_array=np.asarray(arg)))
    values, where = builder.add_jaxpr(jaxpr, list(closed.consts), list(args), input_nodes, None)
    output_nodes = []
    for k, var in enumerate(jaxpr.outvars):
        value = var.value if type(var) is Literal else values.get(var)
        out = builder.node("output", f"out {k}: {_type_text(var.aval.shape, var.aval.dtype)}",
                           None, shape=var.aval.shape, dtype=var.aval.dtype.name,
                           value=summarize(value), value_array=np.asarray(value))
        output_nodes.append(out)
        if type(var) is not Literal:
            source, output = where[var]
            builder.edges.append(Edge(source.id, out.id, output=output))
    if out_cotangents is not None:
        for out, ct in zip(output_nodes, out_cotangents):
            out.adjoint, out.adjoint_array = summarize(ct), ct
        _adjoints(builder, closed, values, where, out_cotangents)
    return Graph(builder.nodes, builder.edges, builder.clusters,
                 adjoints=out_cotangents is not None, jaxpr=closed, backward_edges=backward)


def _adjoints(builder: _Builder, closed: ClosedJaxpr, values: dict, where: dict,
              out_cotangents: list) -> None:
    """The backward pass over the top-level IR and the sub-IRs that ran once."""
    _Backward(builder).run(closed.jaxpr, values, out_cotangents, where, None)


def _truncate(result: Graph, max_nodes: int) -> None:
    kept = result.nodes[:max_nodes - 1]
    dropped = len(result.nodes) - len(kept)
    ids = {n.id for n in kept}
    note = Node(id="note", kind="note",
                label=f"{dropped} more nodes not drawn (max_nodes={max_nodes})")
    result.nodes = kept + [note]
    result.edges = [e for e in result.edges if e.source in ids and e.target in ids]
    result.note = (f"sub-IRs drawn as single nodes and {dropped} nodes not drawn to stay "
                   f"under max_nodes={max_nodes}")
