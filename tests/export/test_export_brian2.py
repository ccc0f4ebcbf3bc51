"""The Brian2 exporter: a script with the models' equations written out, run by Brian2 in its
own venv (Brian2 2.9 needs numpy < 2.4); CUBA's rates within 10 % of the engine's."""
import ast

import pytest

from engine import Connectivity, Network, Population, Projection, ValidationError
from engine.io.export import export_brian2
from export_helpers import engine_rates, example, mean_rates, run_script, zoo


def test_script_is_readable_python_with_the_equations():
    text = export_brian2(example("cuba"))
    ast.parse(text)
    assert "dv/dt = (E_L - v) / tau_m + (I_ex + I_in + I_e + I_stim) / C_m : volt (unless refractory)" in text
    assert '"tau_syn_in": 10.0 * ms,' in text
    assert "on_pre=\"I_in_post += -112.5 * pA\"" in text
    assert "syn.connect(p=0.02, condition='i != j')" in text
    assert "import engine" not in text  # standalone


def test_fast_poisson_input_is_split_into_slow_trains():
    text = export_brian2(example("one_neuron"))
    # 8000 Hz at dt = 0.1 ms is 0.8 spikes per step: 16 trains of 500 Hz keep the binomial draws accurate
    assert "b2.PoissonInput(group[\"neuron\"], \"y_ex\", N=16, rate=500.0 * Hz" in text
    assert "300.0 * pA * int(t >= 0.1 * ms)" in text  # the DC current, switched on after its delay


@pytest.mark.parametrize("network, message", [
    (Network(populations=(Population("a", "iaf_psc_exp", 3), Population("b", "iaf_psc_exp", 3)),
             projections=(Projection("a", "b", synapse="stdp_synapse", weight=1.0),)),
     "projection 'a→b': stdp_synapse with learning on"),
    (Network(populations=(Population("r", "inhomogeneous_poisson_generator", 1), Population("b", "iaf_psc_exp", 3)),
             projections=(Projection("r", "b", Connectivity("pairwise_bernoulli", p=0.5)),)),
     r"projection 'r→b': a Poisson source \(inhomogeneous_poisson_generator\) can be exported to Brian2 with "
     "all_to_all, one_to_one or explicit connections only"),
    (Network(populations=(Population("g", "poisson_generator", 1), Population("b", "iaf_psc_exp", 3)),
             projections=(Projection("g", "b", Connectivity("fixed_indegree", indegree=1)),)),
     "projection 'g→b'.*all_to_all, one_to_one or explicit"),
])
def test_what_is_not_written_for_brian2_is_refused_by_name(network, message):
    with pytest.raises(ValidationError, match=message):
        export_brian2(network)


@pytest.mark.slow
def test_cuba_rates_in_brian2_match_the_engine(tmp_path, brian2_python):
    network = example("cuba")
    script = tmp_path / "cuba_brian2.py"
    script.write_text(export_brian2(network))
    summaries = [run_script(brian2_python, script, tmp_path / f"s{seed}", "--seed", str(seed)) for seed in (1, 2)]
    brian = mean_rates(summaries)
    ours = engine_rates(network, (1, 2, 3))
    print(f"cuba: Brian2 {brian}, engine {ours}")
    for pop, rate in ours.items():
        assert brian[pop] == pytest.approx(rate, rel=0.10), pop


@pytest.mark.slow
def test_every_model_brian2_gets_runs_and_fires_as_in_the_engine(tmp_path, brian2_python):
    network = zoo()
    network = network.replace_projection("delta→exp", synapse_params={"Wmax": 200.0, "tau_minus": 30.0, "learning": 0})
    script = tmp_path / "zoo_brian2.py"
    script.write_text(export_brian2(network))
    brian = run_script(brian2_python, script, tmp_path / "out")["populations"]
    ours = engine_rates(network, (1, 2, 3))
    for pop, rate in ours.items():
        # regular firing driven by I_e and inputs: tens of spikes per population, so 25 % (few spikes)
        assert brian[pop]["rate_hz"] == pytest.approx(rate, rel=0.25, abs=6.0), pop
