"""The PyNN exporter: the script builds the same populations and connection counts as the
engine (checked with pyNN.mock, which builds the connections without simulating), and runs
end to end; unit conversions are checked against NEST through pyNN.nest."""
import ast
import sys

import numpy as np
import pytest

from engine import Connectivity, Network, Population, Projection, ValidationError
from engine.compile import compile_network
from engine.io.export import export_pynn
from export_helpers import build_with_mock, engine_rates, example, mean_rates, run_script, zoo


def engine_counts(network) -> dict[str, int]:
    compiled = compile_network(network)
    counts = {name: int(np.sum(compiled.synapse_projection == i)) for i, name in enumerate(compiled.projection_names)}
    if getattr(compiled, "plastic", None) is not None:  # plastic synapses are stored apart
        for i, name in enumerate(compiled.plastic_names):
            counts[name] = int(np.sum(compiled.plastic.proj == i))
    return counts


def test_script_is_readable_python_with_pynn_units():
    text = export_pynn(example("cuba"))
    ast.parse(text)
    assert "cm=0.25,  # nF, C_m = 250 pF" in text
    assert "sim.FixedProbabilityConnector(0.02, allow_self_connections=False, rng=rng)" in text
    assert "sim.StaticSynapse(weight=-0.1125, delay=0.1)" in text  # -112.5 pA in nA
    assert 'receptor_type="inhibitory"' in text
    assert 'RandomDistribution("uniform", low=-60.0, high=-50.0, rng=rng)' in text


def test_cuba_builds_the_same_populations_and_about_the_same_synapses(tmp_path):
    network = example("cuba")
    _, pops, projs = build_with_mock(network, tmp_path)
    assert {name: p.size for name, p in pops.items()} == {"exc": 3200, "inh": 800}
    engine = engine_counts(network)
    for proj in network.projections:
        pre, post = network.population(proj.pre).size, network.population(proj.post).size
        expected = 0.02 * pre * (post - (1 if proj.pre == proj.post else 0))
        assert abs(len(projs[proj.name]) - expected) < 5 * np.sqrt(expected), proj.name
        assert abs(engine[proj.name] - expected) < 5 * np.sqrt(expected), proj.name


def test_deterministic_rules_give_exactly_the_engines_connection_counts(tmp_path):
    network = zoo(exclude=("parrot_neuron", "inhomogeneous_poisson_generator"))
    _, pops, projs = build_with_mock(network, tmp_path)
    for pop in network.populations:
        if not pop.is_device or pop.model == "spike_generator":
            assert pops[pop.name].size == pop.size
    engine = engine_counts(network)
    checked = 0
    for proj in network.projections:
        pre = network.population(proj.pre)
        if pre.model in ("dc_generator", "ac_generator", "step_current_generator", "noise_generator"):
            assert proj.name not in projs  # current sources are injected, not projected
            continue
        if pre.model == "poisson_generator":  # one independent train per target
            assert len(projs[proj.name]) == network.population(proj.post).size
            continue
        if proj.rule.rule != "pairwise_bernoulli" and proj.name in engine:
            assert len(projs[proj.name]) == engine[proj.name], proj.name
            checked += 1
    assert checked >= 5


def test_the_script_runs_end_to_end_on_pynn_mock(tmp_path):
    script = tmp_path / "one.py"
    script.write_text(export_pynn(example("one_neuron")))
    summary = run_script(sys.executable, script, tmp_path / "out", "--simulator", "mock")
    assert summary["backend"] == "pyNN.mock"
    assert (tmp_path / "out" / "spikes.csv").read_text().startswith("population,neuron,time_ms\n")


@pytest.mark.parametrize("population, message", [
    (Population("p", "parrot_neuron", 3), "no PyNN standard cell type"),
    (Population("p", "inhomogeneous_poisson_generator", 1), "no PyNN standard equivalent"),
    (Population("p", "izhikevich", 3, params={"V_th": 25.0}), "fixed spike cut-off of 30 mV"),
])
def test_what_pynn_cannot_say_is_refused_with_the_population_named(population, message):
    net = Network(populations=(population, Population("n", "iaf_psc_exp", 3)))
    with pytest.raises(ValidationError, match=rf"population 'p'.*{message}"):
        export_pynn(net)


def test_mixed_signs_and_poisson_rules_are_refused_with_the_projection_named():
    from engine import Distribution

    pops = (Population("n", "iaf_psc_exp", 3), Population("m", "iaf_psc_exp", 3),
            Population("g", "poisson_generator", 1))
    mixed = Network(populations=pops, projections=(
        Projection("n", "m", weight=Distribution("normal", {"mean": 0.0, "std": 10.0})),))
    with pytest.raises(ValidationError, match="projection 'n→m'.*both signs"):
        export_pynn(mixed)
    poisson = Network(populations=pops, projections=(Projection("g", "m", Connectivity("fixed_indegree", indegree=1)),))
    with pytest.raises(ValidationError, match="projection 'g→m'.*all_to_all, one_to_one or explicit"):
        export_pynn(poisson)


@pytest.mark.reference
def test_unit_conversions_hold_in_nest_through_pynn(tmp_path):
    """one_neuron (alpha synapses, a DC source in nA, Poisson trains in nA) fires as in the engine."""
    network = example("one_neuron")
    script = tmp_path / "one.py"
    script.write_text(export_pynn(network, t_sim=5000.0))
    summaries = [run_script(sys.executable, script, tmp_path / f"s{seed}", "--simulator", "nest", "--seed", str(seed))
                 for seed in (1, 2, 3)]
    ours = engine_rates(network, (1, 2, 3), 5000.0)
    assert mean_rates(summaries)["neuron"] == pytest.approx(ours["neuron"], rel=0.05)


@pytest.mark.reference
def test_every_model_pynn_has_builds_and_runs_in_nest(tmp_path):
    network = zoo(exclude=("parrot_neuron", "inhomogeneous_poisson_generator"))
    script = tmp_path / "zoo.py"
    script.write_text(export_pynn(network))
    summary = run_script(sys.executable, script, tmp_path / "out", "--simulator", "nest")
    for pop in network.populations:
        if not pop.is_device:
            assert summary["populations"][pop.name]["n_spikes"] > 0, pop.name


def test_different_tau_minus_into_one_population_is_refused():
    stdp = dict(synapse="stdp_synapse", weight=10.0)
    net = Network(
        populations=(Population("a", "iaf_psc_exp", 5), Population("b", "iaf_psc_exp", 5), Population("c", "iaf_psc_exp", 5)),
        projections=(Projection("a", "c", synapse_params={"tau_minus": 20.0}, **stdp),
                     Projection("b", "c", synapse_params={"tau_minus": 30.0}, **stdp)))
    with pytest.raises(ValidationError, match="projection 'b→c': tau_minus 30 ms differs"):
        export_pynn(net)
    # learning off: a static synapse in PyNN, tau_minus plays no part
    export_pynn(net.replace_projection("b→c", synapse_params={"tau_minus": 30.0, "learning": 0}))


def _one_projection(weight, post_model: str = "iaf_psc_exp"):
    return Network(name="drawn", populations=(Population("a", "iaf_psc_exp", 20), Population("b", post_model, 20)),
                   projections=(Projection("a", "b", weight=weight, delay=1.0),))


def test_redrawn_and_clamped_normals_become_pynns_two_clipped_laws():
    from engine import Distribution

    law = {"mean": 200.0, "std": 100.0}
    redrawn = export_pynn(_one_projection(Distribution("normal", law, clip_low=100.0, clip_high=300.0)))
    assert 'RandomDistribution("normal_clipped", mu=0.2, sigma=0.1, low=0.1, high=0.3, rng=rng)' in redrawn
    clamped = export_pynn(_one_projection(Distribution("normal", law, clip_low=100.0, clip_high=300.0, clip="clamp")))
    assert 'RandomDistribution("normal_clipped_to_boundary", mu=0.2, sigma=0.1, low=0.1, high=0.3, rng=rng)' in clamped


def test_a_scaled_lognormal_is_folded_into_the_law_or_refused_with_the_reason():
    import math

    from engine import Distribution

    inhibitory = Distribution("lognormal", {"mean": 1.0, "sigma": 0.5}, scale=-5.0)
    # conductances are positive on PyNN's inhibitory receptor: 5 x lognormal nS = lognormal(mu + log(5/1000)) uS
    text = export_pynn(_one_projection(inhibitory, "iaf_cond_exp"))
    assert f'RandomDistribution("lognormal", mu={1.0 + math.log(0.005)!r}, sigma=0.5, rng=rng)' in text
    assert 'receptor_type="inhibitory"' in text
    with pytest.raises(ValidationError, match="projection 'a→b': weight: a lognormal law with a negative scale"):
        export_pynn(_one_projection(inhibitory, "iaf_psc_exp"))
