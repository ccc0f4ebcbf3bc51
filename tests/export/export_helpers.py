"""Helpers for the exporter tests: example networks, running exported scripts, engine rates."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "assets" / "examples"


def example(name: str):
    from engine.io import load_network

    return load_network(EXAMPLES / f"{name}.json")


def brunel(scale: float):
    """scripts/make_examples.py's Brunel network, scaled (that file is the one definition)."""
    spec = importlib.util.spec_from_file_location("make_examples", ROOT / "scripts" / "make_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.brunel(scale=scale, name=f"brunel_{scale:g}")


def run_script(python: str, script: Path, out: Path, *args: str, timeout: float = 600) -> dict:
    """Run an exported script; return its summary.json (fail with its stderr if it fails)."""
    env = {**os.environ, "PYNEST_QUIET": "1", "PYTHONWARNINGS": "ignore"}
    done = subprocess.run([python, str(script), "--out", str(out), *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=script.parent)
    assert done.returncode == 0, f"{script.name} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return json.loads((out / "summary.json").read_text())


def engine_rates(network, seeds, t_sim: float | None = None) -> dict[str, float]:
    """Mean rate (Hz) per neuron population over the seeds, simulated by the engine."""
    from engine import Simulator

    t_sim = network.t_sim if t_sim is None else t_sim
    totals: dict[str, float] = {}
    for seed in seeds:
        sim = Simulator(network, seed=seed)
        sim.run(t_sim)
        for pop in network.populations:
            if not pop.is_device:
                totals[pop.name] = totals.get(pop.name, 0.0) + sim.spikes(pop.name)[0].size / pop.size / (sim.t * 1e-3)
    return {name: total / len(seeds) for name, total in totals.items()}


def mean_rates(summaries: list[dict]) -> dict[str, float]:
    names = summaries[0]["populations"]
    return {name: float(np.mean([s["populations"][name]["rate_hz"] for s in summaries])) for name in names}


def load_script_module(path: Path, name: str = "exported_script"):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class MockWithDelta:
    """pyNN.mock plus the IF_curr_delta cell type it lacks (pyNN.nest and pyNN.brian2 have it)."""

    def __init__(self):
        import pyNN.mock
        from pyNN.standardmodels import build_translations, cells

        class IF_curr_delta(cells.IF_curr_delta):
            translations = build_translations(*[(name, name.upper()) for name in cells.IF_curr_delta.default_parameters])

        self.module, self.IF_curr_delta = pyNN.mock, IF_curr_delta

    def __getattr__(self, name):
        return getattr(self.module, name)


def build_with_mock(network, tmp_path, seed=1):
    from pyNN.random import NumpyRNG

    from engine.io.export import export_pynn

    sim = MockWithDelta()

    script = tmp_path / f"{network.name}_pynn.py"
    script.write_text(export_pynn(network))
    module = load_script_module(script, f"{network.name}_pynn")
    sim.setup(timestep=network.dt, min_delay=network.dt)
    pops, projs = module.build(sim, NumpyRNG(seed=seed))
    return module, pops, projs


def zoo(include=None, exclude=()):
    """A small network with every model, device, rule and value kind the exporters map.
    `include`/`exclude` filter populations by model (projections follow their ends)."""
    from engine import Connectivity, Distribution, Network, Population, Projection, Recording

    normal = Distribution("normal", {"mean": 30.0, "std": 10.0}, clip_low=0.0)
    pops = [
        Population("delta", "iaf_psc_delta", 20, params={"I_e": 300.0}, record=Recording(traces=(0,))),
        Population("exp", "iaf_psc_exp", 20, params={"tau_syn_ex": 2.0, "tau_syn_in": 5.0, "I_e": 200.0},
                   initial={"V_m": Distribution("uniform", {"low": -70.0, "high": -60.0})}),
        Population("alpha", "iaf_psc_alpha", 10, params={"I_e": 350.0}),
        Population("cond", "iaf_cond_exp", 10, params={"I_e": 400.0}),
        Population("cond_alpha", "iaf_cond_alpha", 10, params={"I_e": 400.0}, record=Recording(spikes=False)),
        Population("adex", "aeif_cond_exp", 5, params={"I_e": 700.0}),
        Population("izh", "izhikevich", 5, params={"I_e": 10.0}),
        Population("parrot", "parrot_neuron", 10),
        Population("train", "spike_generator", 3, params={"spike_times": [[5.0, 10.04, 20.0], [7.5], [12.0, 30.0]]}),
        Population("noise", "poisson_generator", 1, params={"rate": 5000.0}),
        Population("dc", "dc_generator", 1, params={"amplitude": 100.0, "start": 10.0, "stop": 80.0}),
        Population("ac", "ac_generator", 1, params={"amplitude": 50.0, "offset": 20.0, "frequency": 10.0}),
        Population("steps", "step_current_generator", 1,
                   params={"amplitude_times": [20.0, 50.0], "amplitude_values": [100.0, -50.0]}),
        Population("white", "noise_generator", 1, params={"mean": 10.0, "std": 50.0, "dt": 0.5}),
        Population("ramp", "inhomogeneous_poisson_generator", 1,
                   params={"rate_times": [10.0, 50.0], "rate_values": [100.0, 400.0]}),
    ]
    projs = [
        Projection("noise", "exp", weight=40.0, delay=1.0),
        Projection("noise", "delta", weight=Distribution("uniform", {"low": 0.1, "high": 0.3}), delay=1.0),
        Projection("train", "parrot", Connectivity("all_to_all"), delay=0.5),
        Projection("parrot", "alpha", Connectivity("fixed_indegree", indegree=3), weight=normal,
                   delay=Distribution("uniform", {"low": 0.5, "high": 2.0})),
        Projection("exp", "exp", Connectivity("pairwise_bernoulli", p=0.2, allow_autapses=False), weight=-50.0,
                   delay=1.5),
        Projection("exp", "delta", Connectivity("fixed_outdegree", outdegree=4), weight=0.5, delay=1.0),
        Projection("delta", "exp", Connectivity("fixed_total_number", N=50), weight=80.0,
                   delay=2.0, synapse="stdp_synapse", synapse_params={"Wmax": 200.0, "tau_minus": 30.0}),
        Projection("delta", "cond", Connectivity("fixed_indegree", indegree=5),
                   weight=2.0, delay=1.0),
        Projection("exp", "cond_alpha", Connectivity("pairwise_bernoulli", p=0.3), weight=-3.0, delay=1.0),
        Projection("alpha", "adex", weight=1.5, delay=1.0),
        Projection("alpha", "izh", Connectivity("fixed_indegree", indegree=2), weight=5.0, delay=1.0),
        Projection("dc", "alpha", weight=1.0, delay=0.1),
        Projection("ac", "cond", weight=2.0, delay=0.1),
        Projection("steps", "exp", weight=1.0, delay=0.1),
        Projection("white", "delta", weight=1.0, delay=0.1),
        Projection("ramp", "exp", weight=30.0, delay=1.0),
        Projection("cond", "cond", Connectivity("one_to_one"), weight=1.0, delay=1.0),
    ]
    keep = {p.name for p in pops if (include is None or p.model in include) and p.model not in exclude}
    return Network(name="zoo", populations=tuple(p for p in pops if p.name in keep),
                   projections=tuple(p for p in projs if p.pre in keep and p.post in keep), t_sim=100.0)


def listed(include=None, exclude=()):
    """A network whose projections are all explicit (listed synapses): per-synapse weights of both
    signs with repeated pairs (multapses) and autapses, a constant weight, drawn weights and
    delays, learned STDP weights, and listed synapses from spike, Poisson and current sources.
    `include`/`exclude` filter populations by model (projections follow their ends)."""
    from engine import Connectivity, Distribution, Network, Population, Projection

    def rule(pre, post):
        return Connectivity("explicit", pre_indices=tuple(pre), post_indices=tuple(post))

    pops = [
        Population("exp", "iaf_psc_exp", 6, params={"I_e": 450.0, "tau_syn_in": 5.0}),
        Population("alpha", "iaf_psc_alpha", 5, params={"I_e": 360.0}),
        Population("cond", "iaf_cond_exp", 4, params={"I_e": 420.0}),
        Population("delta", "iaf_psc_delta", 4, params={"I_e": 390.0}),
        Population("parrot", "parrot_neuron", 3),
        Population("train", "spike_generator", 2, params={"spike_times": [[5.0, 15.0, 40.0], [8.0, 30.0]]}),
        Population("noise", "poisson_generator", 2, params={"rate": 3000.0, "start": 5.0}),
        Population("dc", "dc_generator", 2, params={"amplitude": 150.0, "start": 10.0, "stop": 70.0}),
        Population("white", "noise_generator", 1, params={"mean": 20.0, "std": 40.0, "dt": 0.5}),
        Population("ramp", "inhomogeneous_poisson_generator", 1,
                   params={"rate_times": [10.0, 50.0], "rate_values": [2000.0, 6000.0]}),
    ]
    projs = [
        # both signs, a repeated pair (0 -> 3 twice) and an autapse-free listing into another population
        Projection("exp", "alpha", rule([0, 0, 1, 2, 3, 5, 5], [3, 3, 0, 4, 1, 2, 4]),
                   weight=(120.0, 80.0, -200.0, 150.0, 90.0, -60.0, 40.0), delay=1.5),
        # conductances of both signs (PyNN: the inhibitory ones as positive values on the inhibitory receptor)
        Projection("alpha", "cond", rule([0, 1, 2, 4], [0, 1, 1, 3]), weight=(3.0, -2.5, 4.0, -1.0), delay=1.0),
        # learned STDP weights (as Simulator.learned_network writes them), with an autapse
        Projection("exp", "exp", rule([0, 1, 2, 2, 4], [1, 1, 2, 5, 3]), weight=(12.0, 30.5, 7.25, 55.0, 0.0),
                   delay=2.0, synapse="stdp_synapse", synapse_params={"Wmax": 100.0, "tau_minus": 25.0}),
        Projection("train", "exp", rule([0, 1, 1], [0, 2, 4]), weight=200.0, delay=1.0),
        Projection("train", "parrot", rule([0, 1, 1], [0, 0, 2]), delay=0.5),
        Projection("parrot", "delta", rule([0, 2, 2], [1, 1, 3]), weight=(2.0, -1.5, 3.0), delay=1.0),
        Projection("delta", "exp", rule([0, 1, 3, 3], [5, 0, 1, 1]),
                   weight=Distribution("normal", {"mean": 60.0, "std": 10.0}, clip_low=0.0),
                   delay=Distribution("uniform", {"low": 1.0, "high": 2.0})),
        Projection("noise", "alpha", rule([0, 1, 1], [0, 2, 2]), weight=(50.0, 30.0, 45.0), delay=1.0),
        Projection("noise", "delta", rule([0, 0], [0, 2]), weight=0.4, delay=1.0),
        Projection("dc", "alpha", rule([0, 1, 0], [1, 1, 3]), weight=(1.0, 0.5, 2.0), delay=0.1),
        Projection("white", "cond", rule([0, 0], [2, 2]), weight=(1.0, 2.0), delay=0.1),
        Projection("ramp", "delta", rule([0, 0], [1, 3]), weight=(0.3, 0.5), delay=1.0),
    ]
    keep = {p.name for p in pops if (include is None or p.model in include) and p.model not in exclude}
    return Network(name="listed", populations=tuple(p for p in pops if p.name in keep),
                   projections=tuple(p for p in projs if p.pre in keep and p.post in keep), t_sim=100.0)
