"""tsodyks2_synapse in the exports: the PyNEST script builds it with NEST's parameters (u set
with U, as NEST's docs ask) and NEST fires at exactly the engine's spike times; PyNN, Brian2
and NIR refuse it with the reason (docs/export.md)."""
import re
import sys

import numpy as np
import pytest

from engine import Connectivity, Network, Population, Projection, Recording, Simulator, ValidationError
from engine.io import EXPORTERS
from engine.io.export import export_pynest
from export_helpers import run_script

DEPRESSING = {"U": 0.5, "tau_rec": 100.0, "tau_fac": 0.0}
FACILITATING = {"U": 0.05, "tau_rec": 50.0, "tau_fac": 500.0, "x": 0.9}


def driven_by_short_term_synapses(params: dict, synapse: str = "tsodyks2_synapse") -> Network:
    """Ten parrots relay a 40 Hz train and an irregular tail into two neurons through tsodyks2
    synapses strong enough that the neurons' spikes follow the synapses' u x (depressing: every
    other input spike fires them; facilitating: only after a build-up). Deterministic:
    fixed trains, all_to_all, constant weights, so NEST and the engine fire at the same steps."""
    rng = np.random.default_rng(5)
    burst = [10.0 + 25.0 * k for k in range(12)]
    tail = sorted({round(float(t), 1) for t in 320.0 + np.cumsum(rng.exponential(15.0, 20))})
    return Network(name="short_term", t_sim=700.0, populations=[
        Population("train", "spike_generator", 1, params={"spike_times": burst + tail}),
        Population("relay", "parrot_neuron", 10),
        Population("cells", "iaf_psc_exp", 2, params={"I_e": 300.0, "tau_syn_ex": 2.0},
                   initial={"V_m": -67.0}, record=Recording()),
    ], projections=[
        Projection("train", "relay", delay=1.0),
        Projection("relay", "cells", Connectivity("all_to_all"), weight=300.0, delay=1.5, synapse=synapse,
                   synapse_params=params if synapse == "tsodyks2_synapse" else {}, name="stp"),
    ])


def engine_spikes(network: Network) -> np.ndarray:
    sim = Simulator(network)
    sim.run(network.t_sim)
    neuron, times = sim.spikes("cells")
    return np.array(sorted(zip(neuron.tolist(), np.round(times, 6).tolist())))


def test_pynest_script_states_the_synapse_with_nest_names():
    text = export_pynest(driven_by_short_term_synapses(FACILITATING))
    assert '"synapse_model": "tsodyks2_synapse"' in text
    for name, value in (("U", 0.05), ("u", 0.05), ("x", 0.9), ("tau_rec", 50.0), ("tau_fac", 500.0)):
        assert f'"{name}": {value!r}' in text


@pytest.mark.reference
@pytest.mark.parametrize("params", [DEPRESSING, FACILITATING], ids=["depressing", "facilitating"])
def test_nest_runs_the_exported_script_with_the_engines_spike_times(tmp_path, params):
    network = driven_by_short_term_synapses(params)
    script = tmp_path / "short_term.py"
    script.write_text(export_pynest(network))
    run_script(sys.executable, script, tmp_path / "out")
    rows = (tmp_path / "out" / "spikes.csv").read_text().splitlines()[1:]
    theirs = np.array(sorted((int(n), round(float(t), 6)) for pop, n, t in (r.split(",") for r in rows)
                             if pop == "cells"))
    ours = engine_spikes(network)
    assert ours.shape[0] > 20
    np.testing.assert_array_equal(ours, theirs)
    static = engine_spikes(driven_by_short_term_synapses(params, synapse="static_synapse"))
    assert static.shape != ours.shape or not np.array_equal(static, ours)  # the synapse dynamics matter


@pytest.mark.parametrize("exporter,reason", [
    ("pynn", "tsodyks2_synapse has no PyNN standard type: PyNN's TsodyksMarkramSynapse is NEST's tsodyks_synapse, "
             "another model"),
    ("brian2", "tsodyks2_synapse cannot be exported to Brian2 yet: its per-synapse u and x are not written"),
    ("nir", "tsodyks2_synapse cannot be exported to NIR: NIR's Linear is a fixed weight"),
])
def test_the_other_exporters_refuse_it_with_the_reason(exporter, reason):
    network = Network(name="short_term", populations=[
        Population("a", "iaf_psc_exp", 3, params={"I_e": 400.0}), Population("b", "iaf_psc_exp", 2),
    ], projections=[Projection("a", "b", weight=50.0, synapse="tsodyks2_synapse", name="stp")])
    EXPORTERS["pynest"].check(network)
    with pytest.raises(ValidationError, match=f"projection 'stp': {re.escape(reason)}"):
        EXPORTERS[exporter].check(network)
