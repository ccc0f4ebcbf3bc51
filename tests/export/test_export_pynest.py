"""The PyNEST exporter: a readable script that builds the same network in NEST 3 and writes
what `snn-designer run` writes; its population rates agree with the engine's.

Rates are compared as means over three seeds (each simulator draws connectivity, initial
potentials and Poisson input from its own generator): within 5 %.
"""
import ast
import json
import os
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from engine import Connectivity, Network, Population, Projection, Recording, ValidationError
from engine.io.export import export_pynest, run_with_nest
from export_helpers import brunel, engine_rates, example, load_script_module, mean_rates, run_script, zoo

SEEDS = (1, 2, 3)


def test_script_is_readable_python_that_states_the_network():
    text = export_pynest(example("cuba"))
    ast.parse(text)
    assert text == export_pynest(example("cuba"))  # deterministic: same network, same script
    assert 'pop["exc"] = nest.Create("iaf_psc_exp", 3200, params={' in text
    assert '"tau_syn_in": 10.0,  # ms, Inhibitory synaptic time constant' in text
    assert 'pop["exc"].V_m = nest.random.uniform(min=-60.0, max=-50.0)' in text
    assert "{'rule': 'pairwise_bernoulli'" not in text and '{"rule": "pairwise_bernoulli", "p": 0.02' in text
    assert '"weight": -112.5, "delay": 0.1' in text
    assert "mpirun -n P python THIS_FILE.py --out DIR" in text


def test_seed_and_time_defaults_come_from_the_network_and_can_be_overridden():
    net = example("one_neuron")
    text = export_pynest(net)
    assert "SEED = 1 " in text and "T_SIM = 1000.0 " in text
    text = export_pynest(net, seed=7, t_sim=250.04)
    assert "SEED = 7 " in text and "T_SIM = 250.0 " in text  # whole steps, as the engine runs


def test_engine_semantics_are_written_out():
    text = export_pynest(zoo())
    ast.parse(text)
    assert 'pop["alpha"].V_m = -70.0' in text  # E_L: NEST's own default would differ in general
    assert '"tau_minus": 30.0,' in text  # STDP's post trace lives on NEST's neuron
    # drawn again until inside the bounds, as the engine redraws (NEST's usual way)
    assert "nest.math.redraw(nest.random.normal(mean=30.0, std=10.0), min=0.0, max=math.inf)" in text
    assert '"allow_offgrid_times": True' in text
    assert 'pop["train"].set([{' in text and "10.0" in text  # 10.04 ms is put on the 0.1 ms grid


@pytest.mark.parametrize("change, message", [
    (dict(rule=Connectivity("fixed_total_number", N=5, allow_multapses=False)), "cannot exclude multapses"),
    (dict(delay=0.04), "below the time step"),
])
def test_what_nest_cannot_do_is_refused_with_the_projection_named(change, message):
    net = Network(populations=(Population("a", "iaf_psc_exp", 10), Population("b", "iaf_psc_exp", 10)),
                  projections=(Projection("a", "b", **change),))
    with pytest.raises(ValidationError, match=rf"projection 'a→b'.*{message}"):
        export_pynest(net)


def test_different_tau_minus_into_one_population_is_refused():
    stdp = dict(synapse="stdp_synapse", weight=10.0)
    net = Network(
        populations=(Population("a", "iaf_psc_exp", 5), Population("b", "iaf_psc_exp", 5), Population("c", "iaf_psc_exp", 5)),
        projections=(Projection("a", "c", synapse_params={"tau_minus": 20.0}, **stdp),
                     Projection("b", "c", synapse_params={"tau_minus": 30.0}, **stdp)))
    with pytest.raises(ValidationError, match="tau_minus"):
        export_pynest(net)


@pytest.mark.reference
@pytest.mark.parametrize("name, t_sim", [
    ("one_neuron", 5000.0),
    pytest.param("cuba", 1000.0, marks=pytest.mark.slow),
    pytest.param("brunel_0.1", 1000.0, marks=pytest.mark.slow),
])
def test_rates_in_nest_match_the_engine(tmp_path, name, t_sim):
    network = brunel(0.1) if name == "brunel_0.1" else example(name)
    script = tmp_path / "net.py"
    script.write_text(export_pynest(network, t_sim=t_sim))
    summaries = [run_script(sys.executable, script, tmp_path / f"seed{seed}", "--seed", str(seed))
                 for seed in SEEDS]
    nest_rates = mean_rates(summaries)
    ours = engine_rates(network, SEEDS, t_sim)
    print(f"{name}: NEST {nest_rates}, engine {ours}")
    for pop, rate in ours.items():
        assert rate > 1.0
        assert nest_rates[pop] == pytest.approx(rate, rel=0.05), pop


@pytest.mark.reference
def test_every_model_and_device_builds_and_runs_in_nest(tmp_path):
    network = zoo()
    script = tmp_path / "zoo.py"
    script.write_text(export_pynest(network))
    summary = run_script(sys.executable, script, tmp_path / "out")
    for pop in network.populations:
        if not pop.is_device:
            assert summary["populations"][pop.name]["n_spikes"] > 0, pop.name


@pytest.mark.reference
def test_run_with_nest_writes_what_the_engine_cli_writes(tmp_path):
    network = replace(brunel(0.02), t_sim=200.0)
    network = network.replace_population("inh", record=Recording(spikes=False))
    summary = run_with_nest(network, t_sim=200.0, seed=3, out_dir=tmp_path, threads=2)
    assert (tmp_path / "network_nest.py").exists()
    lines = (tmp_path / "spikes.csv").read_text().splitlines()
    assert lines[0] == "population,neuron,time_ms"
    rows = [line.split(",") for line in lines[1:]]
    assert rows and {r[0] for r in rows} == {"exc"}  # only populations that record spikes
    neuron = np.array([int(r[1]) for r in rows])
    times = np.array([float(r[2]) for r in rows])
    assert neuron.min() >= 0 and neuron.max() < 200
    assert np.all(np.diff(times) >= 0) and times.max() <= 200.0
    on_disk = json.loads((tmp_path / "summary.json").read_text())
    assert on_disk == summary
    assert summary["threads"] == 2 and summary["seed"] == 3 and summary["t_sim_ms"] == 200.0
    assert summary["populations"]["exc"]["n_spikes"] == len(rows)
    inh = summary["populations"]["inh"]
    assert inh["size"] == 50 and not inh["recorded"] and inh["n_spikes"] > 0
    assert inh["rate_hz"] == pytest.approx(inh["n_spikes"] / 50 / 0.2)
    for key in ("build_s", "sim_s", "bio_s_per_wall_s", "n_synapses"):
        assert summary[key] > 0


@pytest.mark.reference
def test_rank_files_are_merged_into_one_result(tmp_path):
    """What rank 0 does under MPI, checked with hand-made rank files (this NEST has no MPI)."""
    script = tmp_path / "net.py"
    script.write_text(export_pynest(brunel(0.02)))
    module = load_script_module(script, "net_for_merge")
    for rank in range(3):
        np.savez(tmp_path / f".rank-{rank}-of-3.npz",
                 neuron_0=np.array([rank, rank + 3]), time_0=np.array([1.0 + rank, 5.0]),
                 neuron_1=np.array([rank], dtype=np.int64), time_1=np.array([2.5]))
    merged = module.merge_rank_files(str(tmp_path), 3)
    assert sorted(merged["exc"][0].tolist()) == [0, 1, 2, 3, 4, 5]
    assert sorted(merged["inh"][1].tolist()) == [2.5, 2.5, 2.5]
    assert not list(tmp_path.glob(".rank-*"))


@pytest.mark.reference
def test_mpirun_without_mpi_support_is_refused(tmp_path):
    script = tmp_path / "net.py"
    script.write_text(export_pynest(example("one_neuron")))
    done = subprocess.run([sys.executable, str(script), "--out", str(tmp_path / "out")], capture_output=True, text=True,
                          env={**os.environ, "OMPI_COMM_WORLD_SIZE": "4", "PYNEST_QUIET": "1"}, timeout=300)
    assert done.returncode != 0
    assert "built without MPI" in done.stderr
