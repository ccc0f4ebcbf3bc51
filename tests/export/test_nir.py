"""NIR: export -> nir.read -> import gives the same network for every supported model; graphs
made with the nir API import and run in the engine; what NIR cannot say is refused by name;
malformed files give a ValidationError, never a crash or a hang."""
import time

import h5py
import nir
import numpy as np
import pytest

from engine import Connectivity, Distribution, Network, Population, Projection, Recording, Simulator, ValidationError
from engine.compile import compile_network
from engine.io.nir_export import export_nir, write_nir
from engine.io.nir_import import import_nir
from export_helpers import example

TRAINS = {"spike_times": [[1.0, 3.5, 8.0], [2.0], [4.2, 9.9]]}


def network_of(model: str, **params) -> Network:
    """A spike_generator driving a population of `model`, which also excites and inhibits itself."""
    return Network(
        name=f"nir_{model}", description="round trip", dt=0.1, seed=5, t_sim=200.0,
        populations=(
            Population("train", "spike_generator", 3, params=TRAINS, position=(10.0, 20.0)),
            Population("pop", model, 12, params={"I_e": 120.0, "t_ref": 1.5, **params},
                       initial={"V_m": Distribution("normal", {"mean": -65.0, "std": 2.0})},
                       record=Recording(spikes=True, traces=(0, 3)), position=(300.0, 40.0)),
            Population("other", model, 6, params=params, record=Recording(spikes=False)),
        ),
        projections=(
            Projection("train", "pop", Connectivity("all_to_all"), weight=25.0, delay=1.0),
            Projection("pop", "pop", Connectivity("pairwise_bernoulli", p=0.3, allow_autapses=False),
                       weight=Distribution("normal", {"mean": 0.0, "std": 20.0}), delay=0.5),
            Projection("pop", "other", Connectivity("fixed_indegree", indegree=4), weight=-15.0, delay=2.0),
            Projection("other", "pop", Connectivity("fixed_total_number", N=30, allow_multapses=False),
                       weight=Distribution("uniform", {"low": 5.0, "high": 10.0}, clip_high=8.0), delay=1.2),
        ),
    )


def listed_network_of(model: str, **params) -> Network:
    """Explicit projections: per-synapse weights of both signs with repeated pairs (one pair with an
    excitatory and an inhibitory synapse), a constant weight, and learned STDP weights (learning off)."""
    def rule(pre, post):
        return Connectivity("explicit", pre_indices=tuple(pre), post_indices=tuple(post))

    return Network(
        name=f"nir_listed_{model}", dt=0.1, seed=3, t_sim=100.0,
        populations=(
            Population("train", "spike_generator", 3, params=TRAINS),
            Population("pop", model, 5, params={"I_e": 400.0, "t_ref": 0.0, **params}),
            Population("other", model, 4, params=params),
        ),
        projections=(
            Projection("train", "pop", rule([0, 1, 2, 2], [0, 0, 3, 4]), weight=30.0, delay=1.0),
            Projection("pop", "other", rule([0, 0, 0, 1, 3, 4], [1, 1, 2, 0, 3, 3]),
                       weight=(40.0, -25.0, 10.5, -7.0, 22.0, 22.0), delay=0.5),
            Projection("other", "pop", rule([0, 3], [2, 2]), weight=(15.0, 35.0), delay=2.0,
                       synapse="stdp_synapse", synapse_params={"learning": 0}),
        ),
    )


CASES = {
    "iaf_psc_delta": network_of("iaf_psc_delta"),
    "iaf_psc_exp (equal taus: CubaLIF)": network_of("iaf_psc_exp", tau_syn_ex=3.0, tau_syn_in=3.0),
    "iaf_psc_exp (two taus: LIF + LI filters)": network_of("iaf_psc_exp", tau_syn_ex=2.0, tau_syn_in=7.0),
    "iaf_psc_alpha (equal taus)": network_of("iaf_psc_alpha", tau_syn_ex=1.5, tau_syn_in=1.5),
    "iaf_psc_alpha (two taus)": network_of("iaf_psc_alpha", tau_syn_ex=1.0, tau_syn_in=4.0),
    "explicit, iaf_psc_delta": listed_network_of("iaf_psc_delta"),
    "explicit, iaf_psc_exp (CubaLIF)": listed_network_of("iaf_psc_exp", tau_syn_ex=3.0, tau_syn_in=3.0),
    "explicit, iaf_psc_exp (two taus)": listed_network_of("iaf_psc_exp", tau_syn_ex=2.0, tau_syn_in=7.0),
    "explicit, iaf_psc_alpha (two taus)": listed_network_of("iaf_psc_alpha", tau_syn_ex=1.0, tau_syn_in=4.0),
}


@pytest.mark.parametrize("case", list(CASES))
def test_export_read_import_gives_back_the_same_network(tmp_path, case):
    network = CASES[case]
    path = write_nir(network, tmp_path / "net.nir")
    graph = nir.read(path)  # the file is plain NIR: nir's own reader, with its type checks
    assert isinstance(graph, nir.NIRGraph)
    assert import_nir(path) == network
    assert import_nir(graph) == network


def test_the_graph_says_what_the_docs_say():
    graph = export_nir(CASES["iaf_psc_exp (equal taus: CubaLIF)"])
    pop = graph.nodes["pop"]
    assert isinstance(pop, nir.CubaLIF)
    np.testing.assert_allclose(pop.tau_syn, 0.003)  # seconds
    np.testing.assert_allclose(pop.w_in, 0.003)  # a weight w adds w pA to I
    np.testing.assert_allclose(pop.r, 10.0 / 250.0)  # tau_m / C_m in GOhm
    np.testing.assert_allclose(pop.v_leak, -70.0 + 120.0 * 10.0 / 250.0)  # I_e folded into v_leak
    assert isinstance(graph.nodes["train"], nir.Input) and isinstance(graph.nodes["pop.output"], nir.Output)
    assert ("train→pop", "train→pop.delay") in graph.edges and ("train→pop.delay", "pop") in graph.edges
    np.testing.assert_allclose(graph.nodes["train→pop.delay"].delay, 0.001)
    assert "refractory" in graph.metadata["approximations"]

    two = export_nir(CASES["iaf_psc_alpha (two taus)"])
    assert isinstance(two.nodes["pop"], nir.LIF)
    assert {("pop.I_ex.rise", "pop.I_ex"), ("pop.I_ex", "pop"), ("pop.I_in", "pop")} <= set(two.edges)
    np.testing.assert_allclose(two.nodes["pop.I_ex"].r, np.e)  # two LI stages make the alpha function
    # drawn weights of both signs are split by sign into the two synapse filters
    assert ("pop→pop.ex.delay", "pop.I_ex.rise") in two.edges and ("pop→pop.in.delay", "pop.I_in.rise") in two.edges


def test_linear_weights_are_the_synapses_the_engine_simulates():
    network = CASES["iaf_psc_delta"]
    graph = export_nir(network)
    compiled = compile_network(network)
    n = compiled.n_neurons
    start = {name: int(compiled.layout.pop_start[i]) for i, name in enumerate(compiled.pop_names)}
    pre = np.repeat(np.arange(n), np.diff(compiled.synapses.indptr))
    for index, name in enumerate(compiled.projection_names):
        proj = network.projection(name)
        keep = compiled.synapse_projection == index
        matrix = np.zeros((network.population(proj.post).size, network.population(proj.pre).size))
        np.add.at(matrix, (compiled.synapses.target[keep] % n - start[proj.post], pre[keep] - start[proj.pre]),
                  compiled.synapses.weight[keep])
        np.testing.assert_allclose(graph.nodes[name].weight, matrix, rtol=1e-6, err_msg=name)


def test_a_cubalif_affine_graph_made_with_nir_imports_and_runs():
    n = 8
    graph = nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type={"input": np.array([n])}),
            "affine": nir.Affine(weight=np.full((n, n), 0.5), bias=np.zeros(n)),
            "lif": nir.CubaLIF(tau_syn=np.full(n, 0.005), tau_mem=np.full(n, 0.02), r=np.full(n, 2.0),
                               v_leak=np.full(n, 2.0), v_threshold=np.ones(n), v_reset=np.zeros(n), w_in=np.ones(n)),
            "output": nir.Output(output_type={"output": np.array([n])}),
        },
        edges=[("input", "affine"), ("affine", "lif"), ("lif", "output")],
    )
    network = import_nir(graph)
    lif = network.population("lif")
    assert lif.model == "iaf_psc_exp"
    assert lif.params["tau_m"] == 20.0 and lif.params["tau_syn_ex"] == 5.0 and lif.params["C_m"] == 10.0
    proj = network.projection("affine")
    assert proj.rule.rule == "all_to_all" and proj.weight == pytest.approx(0.5 / 0.005)  # w_in W / tau_syn pA
    assert "without spikes" in network.description and "one time step" in network.description
    sim = Simulator(network)
    sim.run(100.0)
    neuron, times = sim.spikes("lif")
    # v_leak above threshold: from reset (0) to threshold (1) towards 2 takes tau ln 2 = 13.86 ms
    isi = np.diff(times[neuron == 0])
    assert isi.size >= 5 and np.allclose(isi, 20.0 * np.log(2.0), atol=0.11)


def _foreign_graph(weight: np.ndarray) -> "nir.NIRGraph":
    n_post, n_pre = weight.shape
    return nir.NIRGraph(
        nodes={"in": nir.Input(input_type={"input": np.array([n_pre])}),
               "fc": nir.Linear(weight=weight),
               "lif": nir.LIF(tau=np.full(n_post, 0.01), r=np.full(n_post, 0.01), v_leak=np.zeros(n_post),
                              v_threshold=np.ones(n_post), v_reset=np.zeros(n_post))},
        edges=[("in", "fc"), ("fc", "lif")])


def test_arbitrary_matrices_import_exactly_as_listed_synapses():
    rng = np.random.default_rng(0)
    n_pre, n_post = 30, 20
    weight = np.where(rng.random((n_post, n_pre)) < 0.2, rng.normal(1.0, 0.5, (n_post, n_pre)), 0.0)
    network = import_nir(_foreign_graph(weight))
    proj = network.projection("fc")
    assert proj.rule.rule == "explicit" and len(proj.rule.pre_indices) == np.count_nonzero(weight)
    assert list(proj.rule.pre_indices) == sorted(proj.rule.pre_indices)  # ordered by pre neuron
    assert isinstance(proj.weight, tuple)
    # the engine builds exactly the matrix (LIF with r = tau: input weight r W / tau = W mV)
    pre, post, w = Simulator(network).projection_synapses("fc")
    built = np.zeros_like(weight)
    np.add.at(built, (post, pre), w)
    np.testing.assert_allclose(built, weight, rtol=1e-6)
    assert "approximated" not in network.description
    # and it exports back to the same matrix
    np.testing.assert_allclose(export_nir(network).nodes["fc"].weight, weight, rtol=1e-6)


def test_a_sparse_matrix_with_one_weight_lists_its_synapses_with_that_weight():
    weight = np.zeros((4, 5))
    weight[[0, 2, 3, 3], [1, 1, 0, 4]] = 2.5
    proj = import_nir(_foreign_graph(weight)).projection("fc")
    assert proj.rule == Connectivity("explicit", pre_indices=(0, 1, 1, 4), post_indices=(3, 0, 2, 3))
    assert proj.weight == 2.5


def test_approximation_is_still_available_on_request():
    rng = np.random.default_rng(0)
    n = 30
    weight = np.where(rng.random((n, n)) < 0.2, rng.normal(1.0, 0.1, (n, n)), 0.0)
    network = import_nir(_foreign_graph(weight), approximate=True)
    proj = network.projection("fc")
    assert proj.rule.rule == "pairwise_bernoulli" and proj.rule.p == pytest.approx((weight != 0).mean())
    assert proj.weight.kind == "normal" and proj.weight.mean == pytest.approx(weight[weight != 0].mean())
    assert "approximated" in network.description
    Simulator(network).run(10.0)


def test_a_graph_edited_elsewhere_is_read_as_it_is_not_as_the_stored_design(tmp_path):
    network = Network(name="edited", populations=(
        Population("a", "iaf_psc_exp", 4, params={"tau_syn_ex": 2.0, "tau_syn_in": 2.0, "t_ref": 2.0}),
        Population("b", "iaf_psc_exp", 4, params={"tau_syn_ex": 2.0, "tau_syn_in": 2.0})),
        projections=(Projection("a", "b", weight=10.0, delay=1.5),))
    graph = export_nir(network)
    graph.nodes["a→b"].weight = np.full((4, 4), 30.0, np.float32)  # "trained" in another tool
    imported = import_nir(graph)
    assert imported != network
    assert imported.projection("a→b").weight == 30.0 and imported.projection("a→b").delay == 1.5
    assert imported.population("a").params["t_ref"] == 0.0  # NIR has no refractory period
    assert "no longer matches" in imported.description


@pytest.mark.parametrize("case", [c for c in CASES if c.startswith("explicit")])
def test_a_listed_graph_read_without_its_stored_design_simulates_the_same(case):
    """Without the stored design (as another tool's graph), listed synapses still come back exactly:
    the imported network fires spike for spike as the original does without what NIR cannot say
    (t_ref, V_m starting at E_L; I_e is folded into v_leak), and a pair with an excitatory and an
    inhibitory synapse into a neuron with two synapse filters keeps both synapses."""
    network = CASES[case]
    for name in ("pop", "other"):
        params = {**network.population(name).params, "t_ref": 0.0}
        rest = params["E_L"] + params["I_e"] * params.get("tau_m", 0.0) / params["C_m"]
        network = network.replace_population(name, params=params, initial={"V_m": rest})
    graph = export_nir(network)
    del graph.metadata["snn_designer_network"]
    imported = import_nir(graph).replace_population("train", params=TRAINS)  # spike times are data, not graph
    proj = imported.projection("pop→other")
    assert proj.rule.rule == "explicit"
    pairs = sorted(zip(proj.rule.pre_indices, proj.rule.post_indices, proj.weight))
    if "two taus" in case:  # each sign through its own synapse filter: both synapses of the pair 0 -> 1
        assert (0, 1, -25.0) in pairs and (0, 1, 40.0) in pairs
    else:  # one input: the pair's weights add up (the same dynamics)
        assert (0, 1, 15.0) in pairs
    original, again = Simulator(network), Simulator(imported)
    original.run(100.0)
    again.run(100.0)
    assert original.spikes("pop")[1].size > 10
    for name in ("pop", "other"):
        np.testing.assert_allclose(again.spikes(name)[1], original.spikes(name)[1])


@pytest.mark.parametrize("node, message", [
    (nir.IF(r=np.ones(3), v_threshold=np.ones(3), v_reset=np.zeros(3)), "IF"),
    (nir.LI(tau=np.ones(3), r=np.ones(3), v_leak=np.zeros(3)), "non-spiking readout"),
    (nir.Threshold(threshold=np.ones(3)), "Threshold cannot be imported"),
])
def test_unsupported_nodes_are_named(node, message):
    graph = nir.NIRGraph(nodes={"in": nir.Input(input_type={"input": np.array([3])}), "odd": node,
                                "out": nir.Output(output_type={"output": np.array([3])})},
                         edges=[("in", "odd"), ("odd", "out")])
    with pytest.raises(ValidationError, match=f"node 'odd'.*{message}"):
        import_nir(graph)


@pytest.mark.parametrize("population, message", [
    (Population("x", "poisson_generator", 1), "no random spike source"),
    (Population("x", "dc_generator", 1), "no current source"),
    (Population("x", "parrot_neuron", 3), "no relay neuron"),
    (Population("x", "iaf_cond_exp", 3), "no conductance-based neuron"),
    (Population("x", "izhikevich", 3), "no Izhikevich"),
])
def test_what_nir_cannot_say_is_refused_by_name(population, message):
    target = Population("t", "iaf_psc_exp", 3)
    network = Network(populations=(population, target), projections=(Projection("x", "t"),))
    with pytest.raises(ValidationError, match=f"population 'x': .*{message}"):
        export_nir(network)


def test_plastic_synapses_drawn_delays_and_huge_matrices_are_refused():
    pops = (Population("a", "iaf_psc_exp", 3), Population("b", "iaf_psc_exp", 3))
    stdp = Network(populations=pops, projections=(Projection("a", "b", synapse="stdp_synapse", weight=1.0),))
    with pytest.raises(ValidationError, match="projection 'a→b'.*no plasticity"):
        export_nir(stdp)
    drawn = Network(populations=pops, projections=(
        Projection("a", "b", delay=Distribution("uniform", {"low": 1.0, "high": 2.0})),))
    with pytest.raises(ValidationError, match="projection 'a→b': drawn delays"):
        export_nir(drawn)
    big = Network(populations=(Population("a", "iaf_psc_exp", 5000), Population("b", "iaf_psc_exp", 5000)),
                  projections=(Projection("a", "b", Connectivity("pairwise_bernoulli", p=0.001)),))
    started = time.perf_counter()
    with pytest.raises(ValidationError, match=r"projection 'a→b': NIR stores it as a dense 5,000 x 5,000 matrix"):
        export_nir(big)
    assert time.perf_counter() - started < 1.0  # refused before anything is drawn


def test_names_nir_cannot_hold_still_round_trip(tmp_path):
    network = Network(name="odd names", populations=(
        Population("in/out", "iaf_psc_delta", 3), Population("x.input", "iaf_psc_delta", 2)),
        projections=(Projection("in/out", "x.input", weight=1.0),))
    path = write_nir(network, tmp_path / "odd.nir")
    assert import_nir(path) == network


@pytest.mark.slow
def test_cuba_round_trips(tmp_path):
    network = example("cuba")
    path = write_nir(network, tmp_path / "cuba.nir")
    assert import_nir(path) == network


# -- malformed input ---------------------------------------------------------------------------------
def _valid_file(tmp_path):
    return write_nir(CASES["iaf_psc_delta"], tmp_path / "valid.nir")


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("make, message", [
    (lambda d: _write(d / "empty.nir", b""), "not a NIR file"),
    (lambda d: _write(d / "text.nir", b'{"format": "snn-designer-network"}'), "not a NIR file"),
    (lambda d: _write(d / "truncated.nir", _valid_file(d).read_bytes()[:3000]), "truncated .it has 3,000 of its"),
    (lambda d: d / "missing.nir", "cannot read"),
])
def test_broken_files_are_refused(tmp_path, make, message):
    with pytest.raises(ValidationError, match=message):
        import_nir(make(tmp_path))


def _hdf5(path, build):
    with h5py.File(path, "w") as f:
        f.create_dataset("version", data="1.0", dtype=h5py.string_dtype())
        build(f)
    return path


def _node_group(f, kind: str):
    node = f.create_group("node")
    node.create_dataset("type", data=kind, dtype=h5py.string_dtype())
    return node


def _graph_with(f, nodes: dict, edges):
    node = _node_group(f, "NIRGraph")
    group = node.create_group("nodes")
    for name, fields in nodes.items():
        g = group.create_group(name)
        for key, value in fields.items():
            if isinstance(value, str):
                g.create_dataset(key, data=value, dtype=h5py.string_dtype())
            else:
                g.create_dataset(key, data=value)
    node.create_dataset("edges", data=np.array(edges, dtype=object), dtype=h5py.string_dtype())


@pytest.mark.parametrize("build, message", [
    (lambda f: f.create_group("other"), "no 'node' group"),
    (lambda f: _node_group(f, "Bogus"), "node 'node' has the unknown NIR node type 'Bogus'"),
    (lambda f: _graph_with(f, {"a": {"type": "LIF", "tau": "fast", "r": [1.0], "v_leak": [0.0],
                                     "v_threshold": [1.0], "v_reset": [0.0]}}, [("a", "a")]), "not a readable NIR graph"),
    (lambda f: _graph_with(f, {"a": {"type": "Input", "shape": [10**12]}, "b": {"type": "Output", "shape": [10**12]}},
                           [("a", "b")]), "size"),
    (lambda f: _node_group(f, "NIRGraph").create_dataset(
        "big", shape=(10**6, 10**6), dtype="f8", chunks=(1000, 1000), compression="gzip"), "MiB of data"),
])
def test_malformed_graphs_are_refused_quickly(tmp_path, build, message):
    path = _hdf5(tmp_path / "bad.nir", build)
    started = time.perf_counter()
    with pytest.raises(ValidationError, match=message):
        import_nir(path)
    assert time.perf_counter() - started < 5.0


def _claim_length(path, dataset_name: str, length: int) -> None:
    """Overwrite the 4-byte length HDF5 stores for a variable-length string (as one flipped byte can)."""
    with h5py.File(path, "r") as f:
        offset = f[dataset_name].id.get_offset()
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(length.to_bytes(4, "little"))


@pytest.mark.parametrize("dataset, message", [
    ("node/nodes/pop/type", "node 'pop' has a type name of 2,516,582,406 bytes"),
    ("node/edges", "declares more than 768 MiB of data"),
])
def test_a_string_that_claims_gigabytes_is_refused_before_hdf5_allocates_them(tmp_path, dataset, message):
    """A 100 kB file with one flipped byte made HDF5 allocate 2.5 GB (and spend seconds) to read one string."""
    path = _valid_file(tmp_path)
    _claim_length(path, dataset, 0x96000006)
    with pytest.raises(ValidationError, match=message):
        import_nir(path)


def test_deeply_nested_and_crowded_files_are_refused(tmp_path):
    def deep(f):
        group = _node_group(f, "NIRGraph")
        for i in range(60):
            group = group.create_group(f"g{i}")

    with pytest.raises(ValidationError, match="nested"):
        import_nir(_hdf5(tmp_path / "deep.nir", deep))

    nodes = {f"n{i}": {"type": "Input", "shape": [1]} for i in range(2100)}
    with pytest.raises(ValidationError, match="2100 nodes"):
        import_nir(_hdf5(tmp_path / "crowded.nir", lambda f: _graph_with(f, nodes, [("n0", "n1")])))
    # nir's type inference takes time quadratic in the edges: many edges are refused before it runs
    edges = [(f"n{i % 50}", f"n{(i * 7) % 50}") for i in range(50_000)]
    started = time.perf_counter()
    with pytest.raises(ValidationError, match="50000 edges"):
        import_nir(_hdf5(tmp_path / "tangled.nir", lambda f: _graph_with(f, dict(list(nodes.items())[:50]), edges)))
    assert time.perf_counter() - started < 5.0


def test_wrong_python_objects_are_refused():
    with pytest.raises(ValidationError, match="expected a NIR graph"):
        import_nir(nir.LIF(tau=np.ones(1), r=np.ones(1), v_leak=np.zeros(1), v_threshold=np.ones(1)))
    with pytest.raises(ValidationError, match="expected a Network"):
        export_nir("network.json")
