"""hh_psc_alpha in every exporter: PyNEST runs it with the engine's spike times; Brian2 writes its
equations (exponential Euler) and fires like it; PyNN and NIR refuse it with the reason."""
import sys

import numpy as np
import pytest

from engine import Network, Population, Projection, Recording, Simulator, ValidationError
from engine.io.data import load_spikes_csv
from engine.io.export import export_brian2, export_pynest, export_pynn
from engine.io.nir_export import check_nir
from export_helpers import run_script

T_SIM = 1000.0
F_I_CURRENTS = (300.0, 600.0, 660.0, 900.0, 1600.0)  # pA: silent below the onset (~628 pA), ~55 Hz above


def hh_network() -> Network:
    """One neuron per current of the f-I curve (a population each: I_e is per population), and
    one driven by a spike train and started off rest, which inhibits the others."""
    f_i = [Population(f"f_i_{current:g}", "hh_psc_alpha", 1, params={"I_e": current}) for current in F_I_CURRENTS]
    return Network(name="hh", t_sim=T_SIM, populations=(
        *f_i,
        Population("driven", "hh_psc_alpha", 1, params={"I_e": 500.0, "tau_syn_ex": 0.5},
                   initial={"V_m": -62.0, "Act_n": 0.35}),
        Population("exc", "spike_generator", 1, params={"spike_times": [50.0, 52.0, 300.0, 301.5, 302.5]}),
    ), projections=(
        Projection("exc", "driven", weight=800.0, delay=1.0),
        *(Projection("driven", pop.name, weight=-200.0, delay=2.0) for pop in f_i),
    ))


def engine_spikes(network: Network) -> dict[str, np.ndarray]:
    sim = Simulator(network)
    sim.run(T_SIM)
    return {pop.name: sim.spikes(pop.name) for pop in network.populations if not pop.is_device}


def test_pynest_script_sets_nests_start_and_runs_with_the_engines_spikes(tmp_path):
    network = hh_network()
    text = export_pynest(network)
    assert 'nest.Create("hh_psc_alpha", 1' in text
    assert 'pop["driven"].Act_n = 0.35' in text and 'pop["f_i_300"].V_m = -65.0' in text  # not E_L
    script = tmp_path / "hh_nest.py"
    script.write_text(text)
    run_script(sys.executable, script, tmp_path / "out")
    theirs = load_spikes_csv(tmp_path / "out" / "spikes.csv")
    ours = engine_spikes(network)
    for name, (neuron, times) in ours.items():
        np.testing.assert_array_equal(theirs[name][0], neuron, err_msg=name)
        np.testing.assert_allclose(theirs[name][1], times, rtol=0, atol=1e-9, err_msg=name)
    assert ours["driven"][1].size >= 2 and ours["f_i_1600"][1].size > 50 and ours["f_i_600"][1].size <= 2


@pytest.mark.slow
def test_brian2_script_fires_along_the_engines_f_i_curve(tmp_path, brian2_python):
    network = hh_network()
    text = export_brian2(network)
    assert 'method="exponential_euler"' in text and "dv_dt < 0" in text
    script = tmp_path / "hh_brian2.py"
    script.write_text(text)
    brian = run_script(brian2_python, script, tmp_path / "out")["populations"]
    ours = engine_spikes(network)
    for current in F_I_CURRENTS:
        name = f"f_i_{current:g}"
        rate = ours[name][1].size / (T_SIM * 1e-3)
        # exponential Euler at dt = 0.1 ms fires up to ~6 % slower than NEST's RKF45; the onset stays
        assert brian[name]["rate_hz"] == pytest.approx(rate, rel=0.08, abs=1.5), name


@pytest.mark.parametrize("export, reason", [
    (export_pynn, r"population 'f_i_300': model hh_psc_alpha cannot be exported to PyNN .*HH_cond_exp"),
    (check_nir, r"population 'f_i_300'.*hh_psc_alpha cannot be exported to NIR: NIR has no Hodgkin-Huxley"),
])
def test_pynn_and_nir_refuse_it_with_the_reason(export, reason):
    with pytest.raises(ValidationError, match=reason):
        export(hh_network())
