"""Per-neuron parameters in every exporter: PyNEST lists and nest.random parameters (run in
NEST: the listed thresholds give the engine's spike times), PyNN and Brian2 arrays, NIR arrays."""
import csv

import numpy as np
import pytest

from engine import Distribution, Network, Population, Simulator, neuron_values
from engine.io.export.pynest_script import export_pynest, run_with_nest

THRESHOLDS = [-58.0, -57.0, -56.0, -55.0]
TAU = Distribution("uniform", {"low": 8.0, "high": 12.0})


def varying_network() -> Network:
    return Network(name="heterogeneous", t_sim=300.0, populations=(
        Population("listed", "iaf_psc_exp", 4, params={"I_e": 400.0, "V_th": THRESHOLDS}),
        Population("drawn", "iaf_psc_exp", 50, params={"I_e": 400.0, "tau_m": TAU}),
        Population("rest", "iaf_psc_alpha", 3, params={"E_L": Distribution("normal", {"mean": -70.0, "std": 2.0}),
                                                       "V_reset": -80.0}),
    ))


def test_pynest_writes_lists_and_nest_random_parameters():
    script = export_pynest(varying_network())
    assert '"V_th": [-58.0, -57.0, -56.0, -55.0],' in script
    assert '"tau_m": nest.random.uniform(min=8.0, max=12.0),' in script
    # V_m starts at each neuron's own drawn E_L: both are the engine's draws, listed
    e_l = Simulator(varying_network()).compiled.layout.v_reference[54:57]
    assert f'"E_L": {[float(v) for v in e_l]},' in script
    assert f"pop[\"rest\"].V_m = {[float(v) for v in e_l]}" in script


@pytest.mark.reference
def test_the_pynest_script_gives_each_listed_neuron_the_engine_s_spike_times(tmp_path):
    summary = run_with_nest(varying_network(), out_dir=tmp_path)
    with open(tmp_path / "spikes.csv") as f:
        rows = [r for r in csv.DictReader(f) if r["population"] == "listed"]
    sim = Simulator(varying_network())
    sim.run(300.0)
    ours = sim.spikes("listed")
    for neuron in range(4):
        nest_times = sorted(float(r["time_ms"]) for r in rows if int(r["neuron"]) == neuron)
        np.testing.assert_allclose(ours[1][ours[0] == neuron], nest_times, atol=1e-9)
    drawn_rate = len(sim.spikes("drawn")[0]) / 50 / 0.3
    assert abs(summary["populations"]["drawn"]["rate_hz"] - drawn_rate) < 0.25 * drawn_rate


def test_brian2_makes_varying_parameters_group_variables():
    from engine.io.export.brian2_script import export_brian2

    script = export_brian2(varying_network())
    assert "V_th : volt (constant)" in script
    assert 'group["listed"].V_th = np.array([-58.0, -57.0, -56.0, -55.0]) * mV  # one value per neuron' in script
    assert 'group["drawn"].tau_m = draw(' in script and "drawn per neuron: uniform(low=8, high=12) ms" in script
    assert '"V_th": ' not in script.split('group["listed"] = b2.NeuronGroup(')[1].split("net.add")[0].split(
        "namespace={")[1].split("},")[0]  # not a shared constant


def test_brian2_refuses_a_per_neuron_delta_t_with_the_reason():
    from engine import ValidationError
    from engine.io.export.brian2_script import export_brian2

    net = Network(populations=(Population("adex", "aeif_cond_exp", 2, params={"Delta_T": [2.0, 0.0]}),))
    with pytest.raises(ValidationError, match=r"population 'adex': Delta_T varies per neuron, which the Brian2 "
                                              r"export cannot write \(it chooses the equations\)"):
        export_brian2(net)


@pytest.mark.slow
def test_the_brian2_script_fires_each_listed_neuron_as_the_engine(tmp_path, brian2_python):
    from engine.io.export.brian2_script import export_brian2
    from export_helpers import run_script

    script = tmp_path / "heterogeneous_brian2.py"
    script.write_text(export_brian2(varying_network()))
    run_script(brian2_python, script, tmp_path / "out")
    with open(tmp_path / "out" / "spikes.csv") as f:
        rows = [r for r in csv.DictReader(f) if r["population"] == "listed"]
    sim = Simulator(varying_network())
    sim.run(300.0)
    ours = sim.spikes("listed")[0]
    for neuron in range(4):
        theirs = sum(1 for r in rows if int(r["neuron"]) == neuron)
        assert abs(theirs - np.sum(ours == neuron)) <= 1, neuron


def test_pynn_writes_per_neuron_values_as_arrays():
    from engine.io.export.pynn_script import export_pynn

    script = export_pynn(varying_network())
    assert "v_thresh=np.array([-58.0, -57.0, -56.0, -55.0]),  # mV, V_th" in script
    drawn_line = next(line for line in script.splitlines() if line.strip().startswith("tau_m=np.array("))
    values = [float(v) for v in drawn_line.split("np.array([")[1].split("])")[0].split(",")]
    assert len(values) == 50 and all(8.0 <= v <= 12.0 for v in values)
    np.testing.assert_array_equal(values, neuron_values(varying_network().population("drawn"), 1)["tau_m"])
    assert "# per neuron: tau_m (listed, or drawn as SNN Designer draws them with seed 1)" in script
    rest = Simulator(varying_network()).compiled.layout.v_reference[54:57]
    assert f"v=np.array({[float(v) for v in rest]})" in script  # V_m starts at each neuron's E_L
    compile(script, "heterogeneous_pynn.py", "exec")


def test_pynn_script_runs_and_fires_each_listed_neuron_as_the_engine(tmp_path):
    from engine.io.export.pynn_script import export_pynn
    from export_helpers import run_script
    import sys

    script = tmp_path / "heterogeneous_pynn.py"
    script.write_text(export_pynn(varying_network()))
    run_script(sys.executable, script, tmp_path / "out")
    with open(tmp_path / "out" / "spikes.csv") as f:
        rows = [r for r in csv.DictReader(f) if r["population"] == "listed"]
    sim = Simulator(varying_network())
    sim.run(300.0)
    ours = sim.spikes("listed")[0]
    for neuron in range(4):
        assert abs(sum(1 for r in rows if int(r["neuron"]) == neuron) - np.sum(ours == neuron)) <= 1, neuron


def test_nir_writes_each_neuron_s_own_values():
    from engine.io.nir_export import export_nir

    graph = export_nir(varying_network())
    np.testing.assert_array_equal(graph.nodes["listed"].v_threshold, THRESHOLDS)
    drawn = neuron_values(varying_network().population("drawn"), 1)["tau_m"]
    np.testing.assert_allclose(graph.nodes["drawn"].tau_mem, drawn * 1e-3)
    assert graph.nodes["rest"].v_leak.shape == (3,) and np.unique(graph.nodes["rest"].v_leak).size == 3
    assert graph.nodes["listed"].metadata["E_L_mV"] == -70.0


def test_equal_drawn_synaptic_time_constants_are_two_filters_as_the_engine_draws_them():
    from engine.io.nir_export import export_nir

    tau = Distribution("uniform", {"low": 1.0, "high": 3.0})
    net = Network(populations=(Population("p", "iaf_psc_exp", 5, params={"tau_syn_ex": tau, "tau_syn_in": tau}),))
    graph = export_nir(net)
    assert type(graph.nodes["p"]).__name__ == "LIF"  # not CubaLIF: ex and in are drawn separately
    values = neuron_values(net.population("p"), net.seed)
    np.testing.assert_allclose(graph.nodes["p.I_ex"].tau, values["tau_syn_ex"] * 1e-3)
    np.testing.assert_allclose(graph.nodes["p.I_in"].tau, values["tau_syn_in"] * 1e-3)
