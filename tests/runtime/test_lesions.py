"""Lesions while running: a lesioned neuron never spikes and delivers nothing, a lesioned synapse
(static, plastic or short-term) delivers nothing, revive restores both, the E/I network's excitatory
rate rises when its inhibitory neurons are lesioned, and the Runner applies lesions mid-run."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine import Connectivity, Network, Population, Projection, Recording, Runner, Simulator, ValidationError
from engine.io.native import load_network

EXAMPLES = Path(__file__).resolve().parents[2] / "assets" / "examples"
LIF = {"C_m": 1.0, "tau_m": 20.0, "t_ref": 2.0, "E_L": 0.0, "V_reset": 10.0, "V_th": 20.0}
KICKS = [float(t) for t in np.arange(2.0, 100.0, 5.0)]


def relay_network(synapse: str = "static_synapse", rule: str = "one_to_one", n_relay: int = 2) -> Network:
    """Spike trains -> 'relay' (parrots, one spike per kick) -> 'cells' (LIF, V recorded, below threshold)."""
    params = {"stdp_synapse": {"Wmax": 10.0}, "tsodyks2_synapse": {"U": 0.5}}.get(synapse, {})
    return Network(name="relay", seed=4, populations=(
        Population("kick", "spike_generator", n_relay, params={"spike_times": KICKS}),
        Population("relay", "parrot_neuron", n_relay),
        Population("cells", "iaf_psc_delta", 2, params=LIF, record=Recording(traces=(0, 1))),
    ), projections=(
        Projection("kick", "relay", Connectivity("one_to_one"), weight=1.0, delay=1.0),
        Projection("relay", "cells", Connectivity(rule), weight=2.0, delay=1.0, synapse=synapse,
                   synapse_params=params),
    ))


def peak_potentials(sim: Simulator) -> np.ndarray:
    _, traces = sim.traces()
    return np.array([values.max() for _, values in sorted(traces.items(), key=lambda kv: kv[0].neuron)])


def ei_network() -> Network:
    return load_network(EXAMPLES / "ei_network.json")


def test_a_lesioned_neuron_never_spikes_from_the_next_step_on_and_revive_brings_it_back():
    sim = Simulator(ei_network(), seed=3)
    sim.run(100.0)
    dead = np.arange(0, 800, 8)
    before, _ = sim.spikes("exc")
    assert np.isin(before, dead).sum() > 50  # they did spike before the lesion
    sim.lesion("exc", indices=dead)
    sim.run(200.0)
    neuron, times = sim.spikes("exc")
    assert not np.isin(neuron[times > 100.0], dead).any()
    assert (~np.isin(neuron[times > 100.0], dead)).sum() > 10_000  # the others go on
    assert np.array_equal(sim.lesioned("exc"), dead)
    sim.revive("exc")
    sim.run(100.0)
    neuron, times = sim.spikes("exc")
    assert np.isin(neuron[times > 300.0], dead).sum() > 50
    assert sim.lesioned("exc").size == 0


def test_a_lesioned_neuron_delivers_nothing_and_revive_restores_delivery():
    sim = Simulator(relay_network(), dt=0.1)
    sim.lesion("relay", indices=[0])
    sim.run(50.0)
    assert peak_potentials(sim)[0] == 0.0  # cell 0 hears only relay 0: no input at all
    assert peak_potentials(sim)[1] > 5.0  # kicks of 2 mV every 5 ms add up (tau_m 20 ms)
    relay, _ = sim.spikes("relay")
    assert set(relay.tolist()) == {1}
    sim.revive("relay", indices=[0])
    sim.run(50.0)
    _, traces = sim.traces()
    cell0 = next(v for req, v in traces.items() if req.neuron == 0)
    assert cell0[:500].max() == 0.0 and cell0[500:].max() > 5.0


@pytest.mark.parametrize("synapse", ["static_synapse", "stdp_synapse", "tsodyks2_synapse"])
def test_a_lesioned_synapse_delivers_nothing_and_revive_restores_it(synapse):
    """relay 0 -> both cells (all to all): cutting its synapse onto cell 1 silences only that input."""
    sim = Simulator(relay_network(synapse, rule="all_to_all", n_relay=1), dt=0.1)
    _, post, weights_before = sim.projection_synapses("relay→cells")
    onto_cell_1 = int(np.flatnonzero(post == 1)[0])
    sim.lesion("relay→cells", indices=[onto_cell_1])
    sim.run(50.0)
    peaks = peak_potentials(sim)
    assert peaks[0] > 0.5 and peaks[1] == 0.0
    _, _, weights = sim.projection_synapses("relay→cells")
    assert weights[onto_cell_1] == weights_before[onto_cell_1]  # a cut plastic synapse does not learn
    assert sim.counters()["synaptic_events"] == 10 + 10  # 10 kicks by 50 ms: kick->relay, relay->cell 0 only
    sim.revive("relay→cells")
    sim.reset()  # lesions (here none left) survive reset; the run repeats with both synapses
    sim.run(50.0)
    assert peak_potentials(sim)[1] == pytest.approx(peak_potentials(sim)[0])


def test_revive_before_running_gives_exactly_the_unlesioned_run():
    plain = Simulator(ei_network(), seed=5)
    plain.run(200.0)
    revived = Simulator(ei_network(), seed=5)
    revived.lesion("inh", fraction=0.5, seed=2)
    revived.lesion("exc→inh", fraction=0.3, seed=2)
    revived.revive("inh")
    revived.revive("exc→inh")
    revived.run(200.0)
    for a, b in zip(plain.spikes(), revived.spikes()):
        assert np.array_equal(a, b)


def test_lesioning_inhibitory_neurons_raises_the_excitatory_rate_and_exc_lesions_lower_it():
    def exc_rate(target: str | None, fraction: float) -> float:
        sim = Simulator(ei_network(), seed=3)
        if target is not None:
            sim.lesion(target, fraction=fraction, seed=1)
        sim.run(400.0)
        neuron, times = sim.spikes("exc")
        alive = 800 - sim.lesioned("exc").size
        return float((times > 100.0).sum()) / alive / 0.3

    intact = exc_rate(None, 0.0)
    assert exc_rate("inh", 0.5) > 1.2 * intact  # less inhibition: the rest fires faster
    assert exc_rate("exc→exc", 0.5) < 0.9 * intact  # less recurrent excitation: slower


def test_random_lesions_are_seeded_and_nested():
    sim = Simulator(ei_network(), seed=3)
    small = sim.lesion("exc", fraction=0.1, seed=7).copy()
    assert small.size == 80
    sim.revive("exc")
    again = sim.lesion("exc", fraction=0.1, seed=7)
    assert np.array_equal(small, again)
    larger = sim.lesion("exc", fraction=0.3, seed=7)
    assert larger.size == 240 and np.isin(small, larger).all()
    sim.revive("exc")
    other = sim.lesion("exc", fraction=0.1, seed=8)
    assert not np.array_equal(small, other)
    assert sim.lesion("exc→inh", fraction=0.25, seed=1).size == round(0.25 * 800 * 20)


def test_lesions_apply_on_several_threads_too():
    sim = Simulator(ei_network(), seed=3, threads=2)
    sim.lesion("inh", fraction=1.0)
    sim.run(200.0)
    neuron, _ = sim.spikes("inh")
    assert neuron.size == 0


@pytest.mark.parametrize("target, kwargs, message", [
    ("exc", {"fraction": 1.5}, "fraction must be a number from 0 to 1"),
    ("exc", {"indices": [800]}, "indices must lie in 0..799"),
    ("exc", {"indices": [1], "fraction": 0.1}, "either indices or a fraction"),
    ("noise", {"fraction": 0.1}, "is a device, not neurons"),
    ("exx", {"fraction": 0.1}, "no population or projection named 'exx'"),
    ("noise→exc", {"fraction": 0.1}, "its input comes from a device"),
])
def test_bad_lesions_are_refused_with_the_object_named(target, kwargs, message):
    sim = Simulator(ei_network(), seed=3)
    with pytest.raises(ValidationError, match=message):
        sim.lesion(target, **kwargs)


def test_the_runner_lesions_mid_run_and_replies_with_the_lesioned_rows():
    with Runner(ei_network(), seed=3) as runner:
        runner.wait_for(lambda f: f.kind == "status" and f.message == "ready", timeout=60)
        runner.run()
        runner.wait_for(lambda f: f.kind == "data" and f.t_end > 50.0)
        runner.lesion("inh", fraction=1.0, seed=0)
        frames = runner.wait_for(lambda f: f.kind == "reply" and f.command == "lesion")
        reply = next(f for f in frames if f.kind == "reply" and f.command == "lesion")
        assert reply.ok and np.array_equal(reply.lesioned["inh"], np.arange(200))
        after = runner.wait_for(lambda f: f.kind == "data" and f.t_start > reply.t_end + 20.0)
        inh = after[-1].populations.index("inh")
        assert not any((f.spike_population == inh).any() for f in after if f.kind == "data" and f.seq > reply.seq)
        runner.lesion("inh", revive=True)
        frames = runner.wait_for(lambda f: f.kind == "reply" and f.command == "lesion")
        assert next(f for f in frames if f.command == "lesion").lesioned == {}
        runner.lesion("noise", fraction=0.5)
        frames = runner.wait_for(lambda f: f.kind == "reply" and f.command == "lesion")
        refused = next(f for f in frames if f.command == "lesion")
        assert not refused.ok and "device" in refused.message
