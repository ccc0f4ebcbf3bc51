"""Explicit projections (listed synapses: learned weights, imported connectivity) leave SNN Designer
exactly: the PyNEST script, tests/reference/nest_helpers.nest_network and benchmarks/nest_build
build the listed synapses in NEST (GetConnections gives the same pairs, weights and delays), the
PyNN script lists them with FromListConnector, the Brian2 script with Synapses.connect(i, j)."""
import json
import sys

import numpy as np
import pytest

from engine import Connectivity, Distribution, Network, Population, Projection, Simulator, ValidationError
from engine.io import load_network
from engine.io.export import export_brian2, export_pynest, export_pynn
from export_helpers import EXAMPLES, ROOT, build_with_mock, listed, load_script_module, run_script

CURRENT = ("dc_generator", "ac_generator", "step_current_generator", "noise_generator")


def listed_pairs(proj) -> list[tuple[int, int]]:
    return sorted(zip(proj.rule.pre_indices, proj.rule.post_indices))


def listed_triples(proj) -> list[tuple[int, int, float]]:
    weights = proj.weight if isinstance(proj.weight, tuple) else [float(proj.weight)] * len(proj.rule.pre_indices)
    return sorted(zip(proj.rule.pre_indices, proj.rule.post_indices, np.round(weights, 9).tolist()))


def check_nest_connections(nest, network: Network, nodes: dict) -> int:
    """Every explicit projection's synapses in NEST are exactly the listed ones; returns how many were checked."""
    checked = 0
    for proj in network.projections:
        if proj.rule.rule != "explicit":
            continue
        pre_nodes, post_nodes = nodes[proj.pre], nodes[proj.post]
        got = nest.GetConnections(source=pre_nodes, target=post_nodes).get(
            ["source", "target", "weight", "delay", "synapse_model"])
        got = {k: np.atleast_1d(v) for k, v in got.items()}
        pre = got["source"] - pre_nodes[0].global_id
        post = got["target"] - post_nodes[0].global_id
        where = proj.name
        assert sorted(zip(pre.tolist(), post.tolist())) == listed_pairs(proj), where
        parrot = network.population(proj.post).model == "parrot_neuron"
        if isinstance(proj.weight, Distribution):
            low, high = proj.weight.bounds()
            assert np.all((got["weight"] >= low) & (got["weight"] <= high)), where
            assert np.unique(got["weight"]).size == pre.size, where  # drawn per synapse
        elif not parrot:
            triples = sorted(zip(pre.tolist(), post.tolist(), np.round(got["weight"], 9).tolist()))
            assert triples == listed_triples(proj), where
        if isinstance(proj.delay, Distribution):
            low, high = proj.delay.bounds()
            assert np.all((got["delay"] >= low - 1e-9) & (got["delay"] <= high + 1e-9)), where
        else:
            np.testing.assert_allclose(got["delay"], float(proj.delay), err_msg=where)
        if proj.synapse == "stdp_synapse":
            assert set(got["synapse_model"].tolist()) == {"stdp_synapse"}, where
            assert set(nest.GetConnections(source=pre_nodes, target=post_nodes).get("Wmax")) == {proj.synapse_params["Wmax"]}
            np.testing.assert_array_equal(post_nodes.get("tau_minus"), proj.synapse_params["tau_minus"])
        checked += 1
    return checked


# -- PyNEST ------------------------------------------------------------------------------------------
def test_pynest_script_lists_the_synapses_readably():
    text = export_pynest(listed())
    assert 'connect_listed(pop["exp"], pop["alpha"], LISTED["exp→alpha"]["pre"], LISTED["exp→alpha"]["post"],' in text
    assert '"weight": LISTED["exp→alpha"]["weight"], "delay": 1.5}' in text
    assert "# exp→alpha: explicit, 7 listed synapses; weight 7 listed values (-200 .. 150) pA" in text
    assert '        "pre": [0, 0, 1, 2, 3, 5, 5],' in text and '        "weight": [120.0, 80.0, -200.0,' in text
    assert 'nest.Connect(pre_ids, post_ids, {"rule": "one_to_one"}, spec)' in text
    assert "rng = np.random.default_rng(nest.rng_seed)" in text  # delta→exp has drawn weights and delays
    assert "connect_listed" not in export_pynest(listed(include=("iaf_psc_exp",)).without(projections=["exp→exp"]))


@pytest.mark.reference
@pytest.mark.parametrize("arrays", [None, False], ids=["array-connection", "target-by-target (MPI)"])
def test_pynest_script_builds_exactly_the_listed_synapses(tmp_path, arrays):
    network = listed()
    script = tmp_path / "listed.py"
    script.write_text(export_pynest(network))
    module = load_script_module(script, f"listed_nest_{arrays}")
    module.CONNECT_ARRAYS = arrays  # False: the way the script connects under MPI
    nest = module.nest
    nest.ResetKernel()
    nest.set(resolution=network.dt, rng_seed=5)
    pop = module.build()
    assert check_nest_connections(nest, network, pop) == len(network.projections)
    assert nest.num_connections == sum(len(p.rule.pre_indices) for p in network.projections)


@pytest.mark.reference
def test_pynest_script_runs_and_relays_the_listed_spikes(tmp_path):
    network = listed()
    script = tmp_path / "listed.py"
    script.write_text(export_pynest(network))
    summary = run_script(sys.executable, script, tmp_path / "out")
    assert summary["n_synapses"] == sum(len(p.rule.pre_indices) for p in network.projections)
    sim = Simulator(network)
    sim.run(network.t_sim)
    for pop in network.populations:
        if not pop.is_device:
            assert summary["populations"][pop.name]["n_spikes"] > 0, pop.name
    # parrots relay the listed spike-generator synapses: deterministic, so equal
    assert summary["populations"]["parrot"]["n_spikes"] == sim.spikes("parrot")[0].size


@pytest.mark.reference
def test_learned_weights_go_to_nest_as_they_were_learned(tmp_path):
    network = load_network(EXAMPLES / "stdp_pattern.json")
    sim = Simulator(network)
    sim.run(1000.0)
    learned = sim.learned_network()
    proj = learned.projection("relay→readout")
    assert proj.rule.rule == "explicit" and isinstance(proj.weight, tuple)
    script = tmp_path / "learned.py"
    script.write_text(export_pynest(learned))
    module = load_script_module(script, "learned_nest")
    nest = module.nest
    nest.ResetKernel()
    nest.set(resolution=learned.dt)
    pop = module.build()
    assert check_nest_connections(nest, learned, pop) == 1
    summary = run_script(sys.executable, script, tmp_path / "out", "--t-sim", "500")
    assert summary["populations"]["readout"]["n_spikes"] > 0


# -- the reference helpers -----------------------------------------------------------------------------
def _reference_module(path, name):
    return load_script_module(ROOT / path, name)


@pytest.mark.reference
def test_nest_build_builds_the_listed_synapses():
    nest_build = _reference_module("benchmarks/nest_build.py", "nest_build_for_listed")
    nest = nest_build.import_nest()
    network = listed()
    built = nest_build.build(nest, network, seed=4)
    assert check_nest_connections(nest, network, built["nodes"]) == len(network.projections)


@pytest.mark.reference
def test_nest_network_runs_listed_synapses_spike_for_spike_as_the_engine():
    """Deterministic listed networks (no Poisson or drawn values): NEST and the engine agree exactly,
    learned-weight STDP included."""
    helpers = _reference_module("tests/reference/nest_helpers.py", "nest_helpers_for_listed")
    network = listed(include=("iaf_psc_exp", "iaf_psc_alpha", "iaf_psc_delta", "parrot_neuron", "spike_generator",
                              "dc_generator")).without(projections=["delta→exp"])
    assert {p.rule.rule for p in network.projections} == {"explicit"}
    ours = Simulator(network)
    ours.run(network.t_sim)
    theirs = helpers.nest_network(network, network.t_sim).spikes
    for pop in network.populations:
        if not pop.is_device:
            neuron, times = ours.spikes(pop.name)
            assert times.size > 0, pop.name
            order = np.lexsort((neuron, times))
            np.testing.assert_array_equal(theirs[pop.name][0], neuron[order], err_msg=pop.name)
            np.testing.assert_allclose(theirs[pop.name][1], times[order], err_msg=pop.name)


# -- PyNN ----------------------------------------------------------------------------------------------
PYNN_LISTED = dict(exclude=("parrot_neuron", "inhomogeneous_poisson_generator"))


def test_pynn_lists_the_synapses_with_converted_weights(tmp_path):
    network = listed(**PYNN_LISTED)
    _, pops, projs = build_with_mock(network, tmp_path)
    for proj in network.projections:
        pre, post = network.population(proj.pre), network.population(proj.post)
        if pre.model in CURRENT:
            assert proj.name not in projs
            continue
        parts = [projs[name] for name in (proj.name, f"{proj.name} (inhibitory)") if name in projs]
        rows = [row for part in parts for row in part.get(["weight"], format="list")]
        if pre.model == "poisson_generator":  # one train of its own per listed synapse
            assert sorted(int(j) for _, j, _ in rows) == sorted(proj.rule.post_indices)
            for name in (proj.name, f"{proj.name} (inhibitory)"):
                if name in projs:
                    assert pops[f"{name} (trains)"].size == len(projs[name])
            continue
        assert sorted((int(i), int(j)) for i, j, _ in rows) == listed_pairs(proj), proj.name
        if isinstance(proj.weight, Distribution):
            assert len({w for *_, w in rows}) == len(rows), proj.name  # one draw per synapse
            continue
        divisor = 1.0 if post.model == "iaf_psc_delta" else 1000.0
        conductance = post.model.startswith(("iaf_cond", "aeif"))
        got = sorted((int(i), int(j), round(float(w), 12)) for i, j, w in rows)
        want = sorted((i, j, round((abs(w) if conductance else w) / divisor, 12)) for i, j, w in listed_triples(proj))
        assert got == want, proj.name
    assert set(projs) >= {"exp→alpha", "exp→alpha (inhibitory)", "alpha→cond", "alpha→cond (inhibitory)"}


def test_pynn_current_sources_sum_the_listed_weights_per_neuron():
    text = export_pynn(listed(**PYNN_LISTED))
    # dc: 150 pA x (1.0 + 0.5) into alpha[1] and x 2.0 into alpha[3], in nA
    assert 'sim.DCSource(amplitude=0.225, start=10.0, stop=70.0).inject_into(pop["alpha"][[1]])' in text
    assert 'sim.DCSource(amplitude=0.3, start=10.0, stop=70.0).inject_into(pop["alpha"][[3]])' in text
    # noise, independent per synapse: mean x (1 + 2), std x sqrt(1 + 4)
    assert "NoisyCurrentSource(mean=0.06, stdev=0.0894427190999" in text  # 40 pA x sqrt(5) = 89.44 pA


def test_pynn_refuses_drawn_weights_of_both_signs_on_listed_synapses():
    rule = Connectivity("explicit", pre_indices=(0, 1), post_indices=(1, 0))
    network = Network(populations=(Population("a", "iaf_psc_exp", 2), Population("b", "iaf_psc_exp", 2)),
                      projections=(Projection("a", "b", rule, weight=Distribution("normal", {"mean": 0.0, "std": 5.0})),))
    with pytest.raises(ValidationError, match="projection 'a→b'.*both signs"):
        export_pynn(network)


@pytest.mark.reference
def test_pynn_listed_network_runs_in_nest(tmp_path):
    network = listed(**PYNN_LISTED)
    script = tmp_path / "listed_pynn.py"
    script.write_text(export_pynn(network))
    summary = run_script(sys.executable, script, tmp_path / "out", "--simulator", "nest")
    for pop in network.populations:
        if not pop.is_device:
            assert summary["populations"][pop.name]["n_spikes"] > 0, pop.name


# -- Brian2 --------------------------------------------------------------------------------------------
BRIAN2_DUMP = """
import importlib.util, json, sys
import numpy as np
import brian2 as b2
spec = importlib.util.spec_from_file_location("exported", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
net, group, n = module.build(1)
names = {id(g): k for k, g in group.items()}
rows = []
for obj in net.objects:
    if isinstance(obj, b2.Synapses):
        row = {"source": names.get(id(obj.source), obj.source.name), "target": names[id(obj.target)],
               "i": obj.i[:].tolist(), "j": obj.j[:].tolist(),
               "delay": np.broadcast_to(np.asarray(obj.delay[:] / b2.ms), (len(obj),)).tolist()}
        if "weight" in obj.variables:
            row["weight"] = np.asarray(obj.weight[:]).tolist()
        rows.append(row)
print(json.dumps({"n_synapses": int(n), "synapses": rows}))
"""


def brian2_listed() -> Network:
    network = listed()
    return network.replace_projection("exp→exp", synapse_params={"Wmax": 100.0, "tau_minus": 25.0, "learning": 0})


def test_brian2_script_connects_the_listed_pairs():
    text = export_brian2(brian2_listed())
    assert 'syn.connect(i=np.asarray(LISTED["exp→alpha"]["pre"]), j=np.asarray(LISTED["exp→alpha"]["post"]))' in text
    assert 'syn.weight = np.asarray(LISTED["exp→alpha"]["weight"]) * pA' in text
    assert "b2.PoissonGroup(post.size * 6" in text  # 3000 Hz at 0.1 ms: each synapse's train split in 6
    assert "scale_p9 : 1" in text and "std_scale_p10 : 1" in text


@pytest.mark.slow
def test_brian2_builds_exactly_the_listed_synapses_and_runs(tmp_path, brian2_python):
    import subprocess

    network = brian2_listed()
    script = tmp_path / "listed_brian2.py"
    script.write_text(export_brian2(network))
    dump = tmp_path / "dump.py"
    dump.write_text(BRIAN2_DUMP)
    done = subprocess.run([brian2_python, str(dump), str(script)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = json.loads(done.stdout.strip().splitlines()[-1])["synapses"]
    units = {"mV": 1e-3, "pA": 1e-12, "nS": 1e-9}
    checked = 0
    for proj in network.projections:
        pre, post = network.population(proj.pre), network.population(proj.post)
        if pre.model in CURRENT or pre.model.endswith("poisson_generator"):
            continue
        (row,) = [r for r in rows if r["source"] == proj.pre and r["target"] == proj.post]
        assert sorted(zip(row["i"], row["j"])) == listed_pairs(proj), proj.name
        if isinstance(proj.weight, tuple) and post.model != "parrot_neuron":
            unit = units[post.model_class.weight_unit]
            got = sorted(zip(row["i"], row["j"], np.round(np.asarray(row["weight"]) / unit, 9).tolist()))
            assert got == listed_triples(proj), proj.name
        checked += 1
    assert checked >= 6
    for index, proj in enumerate(network.projections):  # one Poisson train per listed synapse (times the split)
        if network.population(proj.pre).model.endswith("poisson_generator"):
            (row,) = [r for r in rows if r["source"] == f"trains_p{index}"]
            split = len(row["j"]) // len(proj.rule.post_indices)
            assert sorted(row["j"]) == sorted(np.repeat(proj.rule.post_indices, split).tolist()), proj.name
    summary = run_script(brian2_python, script, tmp_path / "out")
    for pop in network.populations:
        if not pop.is_device:
            assert summary["populations"][pop.name]["n_spikes"] > 0, pop.name
