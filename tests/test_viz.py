"""funcad.viz: the graph of the traced IR, its values and adjoints, DOT text and rendering."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import funcad
import funcad.lax as lax
import funcad.numpy as fnp
from funcad import viz

ROOT = Path(__file__).resolve().parent.parent


def f(x):
    return 2 * fnp.sin(x ** 3) ** 2


def g(x, y):
    return fnp.cos((x ** 2 + fnp.sin(y)) * x)


def equations(graph):
    return [n for n in graph.nodes if n.kind == "equation" and n.cluster is None]


def data_edges(graph):
    return [e for e in graph.edges if e.kind == "data"]


# ----------------------------------------------------------------------------------------------
# The tutorial's two functions.


def test_f_nodes_labels_and_values():
    picture = viz.graph(f)(10.0)
    kinds = [n.kind for n in picture.nodes]
    assert kinds.count("input") == 1 and kinds.count("output") == 1
    assert [n.primitive for n in equations(picture)] == ["integer_pow", "sin", "integer_pow",
                                                         "mul"]
    labels = [n.label.split("\n")[0] for n in equations(picture)]
    assert labels == ["integer_pow[y=3]", "sin", "integer_pow[y=2]", "mul"]
    cube, sine, square, product = equations(picture)
    assert cube.shape == () and cube.dtype == "float64"
    np.testing.assert_allclose(cube.value_array, 1000.0)
    np.testing.assert_allclose(sine.value_array, np.sin(1000.0))
    np.testing.assert_allclose(square.value_array, np.sin(1000.0) ** 2)
    np.testing.assert_allclose(product.value_array, 2 * np.sin(1000.0) ** 2)
    assert sine.value == repr(float(np.sin(1000.0)))  # a scalar in full
    assert picture.outputs()[0].value == product.value
    assert not picture.adjoints and all(n.adjoint is None for n in picture.nodes)


def test_f_edges_form_the_chain():
    picture = viz.graph(f)(10.0)
    (x,) = picture.inputs()
    cube, sine, square, product = equations(picture)
    assert [n.id for n in picture.consumers(x.id)] == [cube.id]
    assert [n.id for n in picture.consumers(cube.id)] == [sine.id]
    assert [n.id for n in picture.consumers(sine.id)] == [square.id]
    assert [n.id for n in picture.consumers(square.id)] == [product.id]
    two = [picture.node(e.source) for e in data_edges(picture) if e.target == product.id
           and picture.node(e.source).kind == "constant"]
    assert [c.value for c in two] == ["2"]


def test_f_adjoints_equal_grad():
    picture = viz.graph(f, adjoints=True)(10.0)
    (x,) = picture.inputs()
    np.testing.assert_allclose(x.adjoint_array, funcad.grad(f)(10.0), rtol=1e-12)
    np.testing.assert_allclose(x.adjoint_array, 12 * 100 * np.cos(1000.0) * np.sin(1000.0))
    cube, sine, square, product = equations(picture)
    np.testing.assert_allclose(product.adjoint_array, 1.0)
    np.testing.assert_allclose(square.adjoint_array, 2.0)
    np.testing.assert_allclose(sine.adjoint_array, 4 * np.sin(1000.0))
    np.testing.assert_allclose(cube.adjoint_array, 4 * np.sin(1000.0) * np.cos(1000.0))
    assert not any(n.summed for n in picture.nodes)  # a chain: nothing is summed


def test_g_shared_input_is_summed():
    x0, y0 = 0.8, 2.0
    picture = viz.graph(g, adjoints=True)(x0, y0)
    x, y = picture.inputs()
    targets = [picture.node(e.target) for e in data_edges(picture) if e.source == x.id]
    assert [t.primitive for t in targets] == ["integer_pow", "mul"]
    assert x.summed and not y.summed
    assert [n.id for n in picture.nodes if n.summed] == [x.id]
    want_x, want_y = funcad.grad(g, argnums=(0, 1))(x0, y0)
    np.testing.assert_allclose(x.adjoint_array, want_x, rtol=1e-12)
    np.testing.assert_allclose(y.adjoint_array, want_y, rtol=1e-12)
    # Each edge from x carries its own contribution, and they add up to x's adjoint.
    parts = [e.contribution_array for e in data_edges(picture) if e.source == x.id]
    assert len(parts) == 2 and all(p is not None for p in parts)
    np.testing.assert_allclose(sum(parts), want_x, rtol=1e-12)
    u = (x0 ** 2 + np.sin(y0)) * x0
    np.testing.assert_allclose(sorted(parts), sorted([-np.sin(u) * x0 * 2 * x0,
                                                      -np.sin(u) * (x0 ** 2 + np.sin(y0))]))
    (out,) = picture.outputs()
    np.testing.assert_allclose(out.value_array, np.cos(u))


def test_no_sum_where_only_one_consumer_contributes():
    picture = viz.graph(lambda x: fnp.where(x > 0, x * 3.0, 0.0), adjoints=True)(2.0)
    (x,) = picture.inputs()
    assert len(picture.consumers(x.id)) == 2  # gt and mul; gt has no derivative
    assert not x.summed
    np.testing.assert_allclose(x.adjoint_array, 3.0)


def test_arrays_are_summarised():
    picture = viz.graph(lambda v: fnp.sum(fnp.tanh(v) * v), adjoints=True)(np.arange(6.0))
    (v,) = picture.inputs()
    assert v.shape == (6,) and v.value == "min 0 max 5 mean 2.5"
    assert v.summed
    np.testing.assert_allclose(v.adjoint_array, funcad.grad(
        lambda v: fnp.sum(fnp.tanh(v) * v))(np.arange(6.0)))
    small = viz.graph(lambda v: v * 2)(np.array([1.0, 2.0]))
    assert small.inputs()[0].value == "[1., 2.]"


def test_inputs_are_named_by_parameter_and_path():
    def loss(params, x):
        return fnp.sum(fnp.tanh(x @ params["w"] + params["b"]) ** 2)

    params = {"w": np.full((3, 2), 0.1), "b": np.zeros(2)}
    x = np.arange(6.0).reshape(2, 3)
    picture = viz.graph(loss, adjoints=True)(params, x)
    labels = [n.label for n in picture.inputs()]
    assert labels == ["params['b']: f64[2]", "params['w']: f64[3,2]", "x: f64[2,3]"]
    want = funcad.grad(loss)(params, x)
    np.testing.assert_allclose(picture.inputs()[0].adjoint_array, want["b"])
    np.testing.assert_allclose(picture.inputs()[1].adjoint_array, want["w"])
    assert [n.label for n in viz.graph(g)(1.0, 2.0).inputs()] == ["x: f64[]", "y: f64[]"]


def test_integer_and_several_outputs():
    picture = viz.graph(lambda a, n: (a * n, fnp.argmax(a)))(np.array([1.0, 3.0, 2.0]), 2)
    first, second = picture.outputs()
    np.testing.assert_allclose(first.value_array, [2.0, 6.0, 4.0])
    assert second.value == "1" and second.dtype == "int64"


def test_a_loop_body_has_no_values_and_the_loop_has_adjoints():
    def loop(x):
        return lax.while_loop(lambda c: c[0] < 10, lambda c: (c[0] + 1, c[1] * 1.1), (0, x))[1]

    picture = viz.graph(loop, adjoints=True)(2.0)
    (loop_node,) = picture.find("while")
    assert loop_node.adjoint == "- | 1.0"  # (the integer counter has no adjoint)
    assert len(picture.clusters) == 2 and not any(c.evaluated for c in picture.clusters)
    assert all(n.value is None for n in picture.nodes
               if n.cluster is not None and n.kind != "constant")
    np.testing.assert_allclose(picture.inputs()[0].adjoint_array, funcad.grad(loop)(2.0))


def test_cotangent_option_for_array_outputs():
    def h(v):
        return fnp.sin(v) * v

    v = np.array([0.5, 1.0, 2.0])
    cotangent = np.array([1.0, -2.0, 0.5])
    picture = viz.graph(h, adjoints=True, cotangent=cotangent)(v)
    _, pull = funcad.vjp(h, v)
    np.testing.assert_allclose(picture.inputs()[0].adjoint_array, pull(cotangent)[0])


# ----------------------------------------------------------------------------------------------
# Text, DOT and rendering.


def test_text_form():
    text = str(viz.graph(g, adjoints=True)(0.8, 2.0))
    assert text == viz.graph(g, adjoints=True)(0.8, 2.0).to_text()
    assert "integer_pow[y=2]" in text and "cos" in text and "(adjoints summed)" in text
    assert text.count("\n") >= 7


def check_dot(text, graph):
    assert text.startswith("digraph ")
    assert text.count("{") == text.count("}")
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0
    declared = set(re.findall(r'^\s*"(\w+)" \[', text, flags=re.M))
    assert declared == {n.id for n in graph.nodes}
    edges = re.findall(r'^\s*"(\w+)" -> "(\w+)"', text, flags=re.M)
    assert edges
    for source, target in edges:
        assert source in declared and target in declared


def test_dot_is_well_formed():
    picture = viz.graph(g, adjoints=True)(0.8, 2.0)
    text = picture.to_dot()
    check_dot(text, picture)
    assert len(re.findall(r"->", text)) == len(picture.edges)
    assert "adjoint" in text and "#c0392b" in text  # adjoints in a second colour
    backward = picture.to_dot(backward_edges=True)
    check_dot(backward, picture)
    assert backward.count("->") == len(picture.edges) + sum(
        e.contribution is not None for e in picture.edges)


def test_save_dot_and_fallbacks_without_graphviz(tmp_path, monkeypatch):
    picture = viz.graph(f, adjoints=True)(10.0)
    written = picture.save(tmp_path / "f.dot")
    assert written == [str(tmp_path / "f.dot")]
    assert Path(written[0]).read_text() == picture.to_dot()
    monkeypatch.setattr(viz, "graphviz_available", lambda: False)
    assert picture._repr_svg_() is None
    html_text = picture._repr_html_()
    assert html_text.startswith("<pre>") and "integer_pow[y=3]" in html_text
    with pytest.raises(RuntimeError, match=r"'dot' program.*funcad\[viz\]"):
        picture.save(tmp_path / "g.svg")
    assert (tmp_path / "g.dot").exists() and not (tmp_path / "g.svg").exists()
    with pytest.raises(ValueError, match="expected .dot"):
        picture.save(tmp_path / "f.txt")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_render_svg(tmp_path):
    picture = viz.graph(g, adjoints=True)(0.8, 2.0)
    picture.save(tmp_path / "g.svg")
    assert "<svg" in (tmp_path / "g.svg").read_text()
    assert "<svg" in picture._repr_svg_()


# ----------------------------------------------------------------------------------------------
# Sub-IRs as clusters, and collapsing large graphs.


def nested(x):
    y = funcad.jit(lambda a: fnp.sin(a) * 2)(x)
    z = lax.cond(x > 0, lambda a: a * 3, lambda a: a - 1, y)
    carry, ys = lax.scan(lambda c, a: (c * a, c + a), z, fnp.arange(3.0))
    return carry + ys.sum()


def test_clusters_for_jit_cond_scan():
    picture = viz.graph(nested, adjoints=True)(1.5)
    owners = {c.id: picture.node(c.owner).primitive for c in picture.clusters}
    assert sorted(owners.values()) == ["cond", "cond", "jit_call", "scan"]
    for cluster in picture.clusters:
        members = [n for n in picture.nodes if n.cluster == cluster.id]
        assert members, cluster
    text = picture.to_dot()
    check_dot(text, picture)
    for cluster in picture.clusters:
        assert f"subgraph {cluster.id} {{" in text
    # The jitted call ran once: its body has values and adjoints; the scan body has neither.
    (jit_cluster,) = [c for c in picture.clusters if owners[c.id] == "jit_call"]
    (sine,) = [n for n in picture.nodes if n.cluster == jit_cluster.id and n.primitive == "sin"]
    np.testing.assert_allclose(sine.value_array, np.sin(1.5))
    np.testing.assert_allclose(sine.adjoint_array, 6.0)  # out = 3 * 2 sin(x) + 3
    (scan_cluster,) = [c for c in picture.clusters if owners[c.id] == "scan"]
    assert all(n.value is None for n in picture.nodes if n.cluster == scan_cluster.id)
    taken = [c for c in picture.clusters if owners[c.id] == "cond" and c.evaluated]
    assert len(taken) == 1 and taken[0].label == "cond: branches[1]"
    np.testing.assert_allclose(picture.inputs()[0].adjoint_array, funcad.grad(nested)(1.5))


def test_collapse_to_max_nodes():
    full = viz.graph(nested)(1.5)
    assert not full.collapsed and full.note is None
    small = viz.graph(nested, max_nodes=len(full.nodes) - 1)(1.5)
    assert small.collapsed and "max_nodes" in small.note
    assert not small.clusters and all(n.cluster is None for n in small.nodes)
    assert len(small.nodes) < len(full.nodes)
    assert [n.primitive for n in equations(small)] == [n.primitive for n in equations(full)]
    tiny = viz.graph(nested, max_nodes=4)(1.5)
    assert tiny.collapsed and len(tiny.nodes) == 4 and tiny.nodes[-1].kind == "note"
    assert "not drawn" in tiny.note and "not drawn" in tiny.nodes[-1].label
    check_dot(tiny.to_dot(), tiny)
    exact = viz.graph(nested, max_nodes=len(full.nodes))(1.5)  # (the limit itself fits)
    assert not exact.collapsed and len(exact.nodes) == len(full.nodes)


def test_adjoints_inside_many_sub_irs():
    """Each jitted call's body gets the adjoints of its own call."""
    step = funcad.jit(lambda x: fnp.sin(x) * 2.0)

    def chain(x):
        for _ in range(4):
            x = step(x)
        return x

    picture = viz.graph(chain, adjoints=True)(0.3)
    assert len(picture.clusters) == 4
    x, values = 0.3, []
    for _ in range(4):
        values.append(x)
        x = np.sin(x) * 2.0
    sines = [n for n in picture.nodes if n.primitive == "sin"]
    np.testing.assert_allclose([n.value_array for n in sines], np.sin(values))
    # d out / d sin(x_k) = 2 * prod over later steps of 2 cos(x_j)
    later = [np.prod([2 * np.cos(v) for v in values[k + 1:]]) for k in range(4)]
    np.testing.assert_allclose([n.adjoint_array for n in sines], 2 * np.array(later))
    np.testing.assert_allclose(picture.inputs()[0].adjoint_array, funcad.grad(chain)(0.3))


# ----------------------------------------------------------------------------------------------
# Errors.


def test_error_for_a_non_callable():
    with pytest.raises(TypeError, match="f must be a callable"):
        viz.graph(3.0)


def test_error_for_a_non_scalar_output_with_adjoints():
    with pytest.raises(TypeError, match="cotangent=") as info:
        viz.graph(lambda v: v * 2, adjoints=True)(np.ones(3))
    assert "f64[3]" in str(info.value) and "vjp" in str(info.value)
    viz.graph(lambda v: v * 2)(np.ones(3))  # without adjoints any output is fine


def test_error_for_a_wrong_cotangent():
    with pytest.raises(ValueError, match="cotangent leaf 0 has shape"):
        viz.graph(lambda v: v * 2, adjoints=True, cotangent=np.ones(2))(np.ones(3))


def test_error_for_bad_max_nodes():
    with pytest.raises(ValueError, match="max_nodes"):
        viz.graph(f, max_nodes=0)


# ----------------------------------------------------------------------------------------------
# The documentation page's examples run.


def test_docs_page_shows_the_current_dot_text():
    page = (ROOT / "docs" / "viz.md").read_text()
    assert viz.graph(f, adjoints=True)(10.0).to_dot().strip() in page
    assert viz.graph(g, adjoints=True, backward_edges=True)(0.8, 2.0).to_dot().strip() in page


def test_docs_page_code_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    page = (ROOT / "docs" / "viz.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", page, flags=re.S)
    assert blocks
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "docs/viz.md", "exec"), namespace)
