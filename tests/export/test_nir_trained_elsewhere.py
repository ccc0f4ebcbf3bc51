"""NIR graphs written the way snnTorch and Norse write them (Affine with biases, per-neuron
parameters, per-neuron Delay, recurrent Linear) import, run, and spike as NIR's equations say."""
from __future__ import annotations

import nir
import numpy as np
import pytest

from engine import Simulator, ValidationError
from engine.io.nir_import import import_nir
from nir_reference import Layer, simulate, snntorch_layers, spike_trains

DT_S = 1e-4
N_STEPS = 2000  # 200 ms


def poisson_input(n: int, rate_hz: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    spikes = (rng.random((N_STEPS, n)) < rate_hz * DT_S).astype(float)
    spikes[0] = 0  # step 0 is the start
    return spikes


def run_imported(graph: nir.NIRGraph, input_spikes: np.ndarray, populations: list[str], **options) -> list:
    network = import_nir(graph, **options)
    network = network.replace_population("input", params={"spike_times": spike_trains(input_spikes, 0.1)})
    sim = Simulator(network)
    sim.run(N_STEPS * 0.1)
    out = []
    for name in populations:
        neuron, times = sim.spikes(name)
        size = network.population(name).size
        kept = times < (N_STEPS - 0.5) * 0.1  # the reference's steps: 0 .. N_STEPS - 1
        out.append([np.sort(times[kept & (neuron == i)]) for i in range(size)])
    return network, out


def trains_of(spikes: np.ndarray) -> list[np.ndarray]:
    return [np.flatnonzero(spikes[:, i]) * 0.1 for i in range(spikes.shape[1])]


def assert_same_spikes(engine: list, reference: np.ndarray, label: str) -> None:
    expected = trains_of(reference)
    assert sum(t.size for t in expected) > 20, f"{label}: too quiet to compare"
    for i, (got, want) in enumerate(zip(engine, expected)):
        np.testing.assert_allclose(got, want, atol=1e-6, err_msg=f"{label} neuron {i}")


def test_norse_affine_with_biases_into_cubalif_spikes_as_nir_says():
    """Norse writes LIFCell as CubaLIF(tau_mem = 1/tau_mem_inv, tau_syn = 1/tau_syn_inv, r = 1, w_in = 1)
    and a Linear with a bias as Affine (norse/torch/utils/export_nir.py)."""
    rng = np.random.default_rng(1)
    n_in, n = 12, 6
    weight = rng.normal(0.0004, 0.0003, (n, n_in))
    bias = rng.uniform(0.2, 0.9, n)  # a constant input: some neurons near threshold from it alone
    ones = np.ones(n)
    graph = nir.NIRGraph(nodes={
        "input": nir.Input(input_type={"input": np.array([n_in])}),
        "fc": nir.Affine(weight=weight, bias=bias),
        "lif": nir.CubaLIF(tau_mem=np.full(n, 0.01), tau_syn=np.full(n, 0.005), r=ones, v_leak=np.zeros(n),
                           v_threshold=ones, v_reset=np.zeros(n), w_in=ones),
        "output": nir.Output(output_type={"output": np.array([n])})},
        edges=[("input", "fc"), ("fc", "lif"), ("lif", "output")])
    spikes_in = poisson_input(n_in, 200.0, 2)
    network, (engine,) = run_imported(graph, spikes_in, ["lif"])
    lif = network.population("lif")
    np.testing.assert_allclose(lif.params["I_e"], bias)  # w_in b, pA: the bias as a constant current
    assert "bias current is on at full strength" in network.description
    (reference,) = simulate([Layer("CubaLIF", weight, np.full(n, 0.01), ones, np.zeros(n), ones, np.zeros(n),
                                   bias=bias, tau_syn=np.full(n, 0.005), w_in=ones)], spikes_in, DT_S)
    assert_same_spikes(engine, reference, "CubaLIF")


def per_neuron_lif(n: int, rng) -> dict:
    return {"tau": rng.uniform(0.008, 0.03, n), "r": rng.uniform(0.5, 2.0, n), "v_leak": rng.uniform(-0.1, 0.1, n),
            "v_threshold": rng.uniform(0.8, 1.2, n), "v_reset": rng.uniform(-0.2, 0.0, n)}


def recurrent_graph(weight, recurrent, params, as_subgraph: bool) -> nir.NIRGraph:
    """Linear into a LIF with a recurrent Linear: flat, or as snnTorch writes a recurrent layer (a subgraph
    of input, lif, w_rec and output; snntorch/export_nir.py)."""
    n_in, n = weight.shape[1], weight.shape[0]
    ports = {"input": nir.Input(input_type={"input": np.array([n_in])}),
             "output": nir.Output(output_type={"output": np.array([n])})}
    if not as_subgraph:
        return nir.NIRGraph(nodes={**ports, "fc": nir.Linear(weight=weight), "lif": nir.LIF(**params),
                                   "rec": nir.Linear(weight=recurrent)},
                            edges=[("input", "fc"), ("fc", "lif"), ("lif", "rec"), ("rec", "lif"), ("lif", "output")])
    layer = nir.NIRGraph(nodes={"input": nir.Input(input_type={"input": np.array([n])}), "lif": nir.LIF(**params),
                                "rec": nir.Linear(weight=recurrent),
                                "output": nir.Output(output_type={"output": np.array([n])})},
                         edges=[("input", "lif"), ("lif", "rec"), ("rec", "lif"), ("lif", "output")])
    return nir.NIRGraph(nodes={**ports, "fc": nir.Linear(weight=weight), "layer": layer},
                        edges=[("input", "fc"), ("fc", "layer"), ("layer", "output")])


@pytest.mark.parametrize("as_subgraph", [False, True], ids=["flat", "snntorch-subgraph"])
def test_linear_into_lif_with_a_recurrent_linear_and_per_neuron_parameters(as_subgraph):
    rng = np.random.default_rng(3)
    n_in, n = 10, 8
    weight = rng.normal(0.004, 0.002, (n, n_in))
    recurrent = rng.normal(0.0, 0.003, (n, n))
    np.fill_diagonal(recurrent, 0.0)
    params = per_neuron_lif(n, rng)
    graph = recurrent_graph(weight, recurrent, params, as_subgraph)
    name = "layer.lif" if as_subgraph else "lif"
    spikes_in = poisson_input(n_in, 300.0, 4)
    network, (engine,) = run_imported(graph, spikes_in, [name])
    lif = network.population(name)
    assert set(lif.varying_params) == {"E_L", "V_th", "V_reset", "tau_m", "C_m"}
    np.testing.assert_allclose(lif.params["tau_m"], params["tau"] * 1e3)
    rec = network.projection("layer.rec" if as_subgraph else "rec")
    assert rec.pre == name == rec.post
    (reference,) = simulate([Layer("LIF", weight, **params, recurrent=recurrent)], spikes_in, DT_S)
    assert_same_spikes(engine, reference, "recurrent LIF")


def test_a_delay_per_neuron_becomes_the_synaptic_delays_of_the_projections_into_it():
    rng = np.random.default_rng(5)
    n_in, n = 10, 6
    weight = rng.normal(0.006, 0.003, (n, n_in))
    delay_steps = np.array([0, 3, 7, 7, 12, 40])
    params = per_neuron_lif(n, rng)
    graph = nir.NIRGraph(nodes={
        "input": nir.Input(input_type={"input": np.array([n_in])}),
        "fc": nir.Linear(weight=weight), "delay": nir.Delay(delay=delay_steps * DT_S), "lif": nir.LIF(**params)},
        edges=[("input", "fc"), ("fc", "delay"), ("delay", "lif")])
    spikes_in = poisson_input(n_in, 300.0, 6)
    network, (engine,) = run_imported(graph, spikes_in, ["lif"])
    delays = sorted(p.delay for p in network.projections)
    np.testing.assert_allclose(delays, [0.1, 0.3, 0.7, 1.2, 4.0])  # each distinct delay (0: one step)
    (reference,) = simulate([Layer("LIF", weight, **params, delay_steps=delay_steps)], spikes_in, DT_S)
    assert_same_spikes(engine, reference, "delayed LIF")


def snntorch_graph(weights, biases, betas, thresholds) -> nir.NIRGraph:
    """As snntorch/export_nir.py writes Linear + Leaky: Affine(weight, bias), LIF(tau = dt / (1 - beta),
    r = tau / dt, v_leak = 0, v_threshold) with dt = 1e-4 s (v_reset 0: the reset to zero)."""
    nodes = {"input": nir.Input(input_type={"input": np.array([weights[0].shape[1]])})}
    edges, below = [], "input"
    for k, (weight, bias, beta, threshold) in enumerate(zip(weights, biases, betas, thresholds)):
        tau = DT_S / (1 - beta)
        nodes[f"fc{k}"] = nir.Affine(weight=weight.astype(np.float32), bias=bias.astype(np.float32))
        nodes[f"lif{k}"] = nir.LIF(tau=tau, r=tau / DT_S, v_leak=np.zeros_like(beta), v_threshold=threshold,
                                   v_reset=np.zeros_like(beta))
        edges += [(below, f"fc{k}"), (f"fc{k}", f"lif{k}")]
        below = f"lif{k}"
    nodes["output"] = nir.Output(output_type={"output": np.array([weights[-1].shape[0]])})
    return nir.NIRGraph(nodes=nodes, edges=edges + [(below, "output")])


def test_snntorch_leaky_layers_with_biases_and_per_neuron_beta_spike_as_snntorch_computes():
    rng = np.random.default_rng(7)
    sizes = [12, 10, 5]
    weights = [rng.normal(0.15, 0.2, (sizes[k + 1], sizes[k])) for k in range(2)]
    biases = [rng.normal(0.02, 0.02, sizes[k + 1]) for k in range(2)]
    betas = [rng.uniform(0.8, 0.97, sizes[k + 1]) for k in range(2)]
    thresholds = [rng.uniform(0.8, 1.2, sizes[k + 1]) for k in range(2)]
    spikes_in = poisson_input(sizes[0], 400.0, 8)
    graph = snntorch_graph(weights, biases, betas, thresholds)
    network, engine = run_imported(graph, spikes_in, ["lif0", "lif1"])
    assert "snnTorch's convention" in network.description and network.dt == 0.1
    weights32 = [w.astype(np.float32).astype(np.float64) for w in weights]
    biases32 = [b.astype(np.float32).astype(np.float64) for b in biases]
    reference = snntorch_layers(weights32, biases32, betas, thresholds, spikes_in)
    for k in range(2):
        assert_same_spikes(engine[k], reference[k], f"snnTorch layer {k}")


@pytest.mark.parametrize("graph, message", [
    (nir.NIRGraph(nodes={}, edges=[]), "the graph is empty"),
    (nir.NIRGraph(nodes={"input": nir.Input(input_type={"input": np.array([3])}),
                         "output": nir.Output(output_type={"output": np.array([3])})},
                  edges=[("input", "output")]), "no neurons"),
    (nir.NIRGraph(nodes={"input": nir.Input(input_type={"input": np.array([3])}),
                         "fc": nir.Affine(weight=np.ones((4, 3)), bias=np.ones(4)),
                         "lif": nir.LIF(tau=np.ones(5), r=np.ones(5), v_leak=np.zeros(5), v_threshold=np.ones(5))},
                  edges=[("input", "fc"), ("fc", "lif")], type_check=False), "node 'lif': receives 4 inputs but has 5"),
    (nir.NIRGraph(nodes={"input": nir.Input(input_type={"input": np.array([3])}),
                         "mix": nir.Linear(weight=np.ones((3, 3))),
                         "delay": nir.Delay(delay=np.array([0.001, 0.002, 0.0])),
                         "fc": nir.Linear(weight=np.ones((2, 3))),
                         "lif": nir.LIF(tau=np.ones(2), r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.ones(2))},
                  edges=[("input", "mix"), ("mix", "delay"), ("delay", "fc"), ("fc", "lif")]),
     "node 'fc': it sums inputs that arrive"),
])
def test_broken_graphs_are_refused_naming_node_and_problem(graph, message):
    with pytest.raises(ValidationError, match=message):
        import_nir(graph)


def test_an_unknown_node_type_in_a_file_is_named(tmp_path):
    graph = snntorch_graph([np.ones((2, 3))], [np.zeros(2)], [np.full(2, 0.9)], [np.ones(2)])
    path = tmp_path / "odd.nir"
    nir.write(path, graph)
    import h5py

    with h5py.File(path, "r+") as f:
        del f["node/nodes/lif0/type"]
        f["node/nodes/lif0"].create_dataset("type", data="Leaky", dtype=h5py.string_dtype())
    with pytest.raises(ValidationError, match="node 'lif0' has the unknown NIR node type 'Leaky'"):
        import_nir(path)


# -- a network trained here (NumPy), written as snnTorch writes it, imported, classifies as well ---------------
WINDOW, REST = 200, 100  # steps (0.1 ms) a digit is shown, and of silence after it


def train_softmax(values: np.ndarray, labels: np.ndarray, epochs: int = 300, rate: float = 0.5):
    """Softmax regression by full-batch gradient descent: the weights the spiking layer is made of."""
    weight, bias = np.zeros((10, values.shape[1])), np.zeros(10)
    onehot = np.eye(10)[labels]
    for _ in range(epochs):
        logits = values @ weight.T + bias
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        weight -= rate * (p - onehot).T @ values / len(labels)
        bias -= rate * (p - onehot).mean(axis=0)
    return weight, bias


def digit_spikes(values: np.ndarray, seed: int) -> np.ndarray:
    """Each digit's pixels as Poisson spikes (up to 0.3 per step) for WINDOW steps, then REST silent steps."""
    rng = np.random.default_rng(seed)
    per_sample = np.zeros((len(values), WINDOW + REST, values.shape[1]))
    per_sample[:, :WINDOW] = rng.random((len(values), WINDOW, values.shape[1])) < 0.3 * values[:, None, :]
    spikes = per_sample.reshape(-1, values.shape[1])
    spikes[0] = 0
    return spikes


def classify(counts_at: np.ndarray, n_samples: int) -> np.ndarray:
    """The output neuron with the most spikes in each digit's window (+1 step: the engine's delay)."""
    counts = counts_at[:n_samples * (WINDOW + REST)].reshape(n_samples, WINDOW + REST, -1)[:, 1:WINDOW + 2].sum(1)
    return np.argmax(counts + 1e-3 * np.arange(counts.shape[1], 0, -1), axis=1)  # ties: the lower class


@pytest.mark.slow
def test_a_network_trained_in_numpy_and_written_as_snntorch_writes_it_classifies_as_well_after_import():
    from engine.learning.datasets import load_dataset, split_indices

    data = load_dataset("digits")
    train, test = split_indices(len(data.labels), 0.25, seed=0)
    weight, bias = train_softmax(data.values[train], data.labels[train])
    scale = 0.05  # softmax logits per pixel rate -> membrane input per step
    w, b = weight * scale, bias * scale * 0.3
    beta, threshold = np.full(10, 0.98), np.ones(10)
    spikes_in = digit_spikes(data.values[test], seed=1)
    (numpy_out,) = snntorch_layers([w], [b], [beta], [threshold], spikes_in)
    numpy_accuracy = np.mean(classify(numpy_out, len(test)) == data.labels[test])
    assert numpy_accuracy > 0.85

    graph = snntorch_graph([w], [b], [beta], [threshold])
    network = import_nir(graph).replace_population("input", params={"spike_times": spike_trains(spikes_in, 0.1)})
    sim = Simulator(network)
    sim.run(spikes_in.shape[0] * 0.1)
    neuron, times = sim.spikes("lif0")
    engine_out = np.zeros((spikes_in.shape[0] + 2, 10))
    engine_out[np.rint(times / 0.1).astype(int), neuron] = 1
    engine_accuracy = np.mean(classify(engine_out, len(test)) == data.labels[test])
    print(f"held-out accuracy: NumPy model {numpy_accuracy:.1%}, imported into the engine {engine_accuracy:.1%}")
    assert abs(engine_accuracy - numpy_accuracy) <= 0.02, (engine_accuracy, numpy_accuracy)
