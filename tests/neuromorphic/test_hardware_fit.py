"""Hardware fit: a network made to exceed each published limit of each target is flagged with
that limit named; one within all limits passes; the quantisation error is the direct one."""
import json

import numpy as np
import pytest

from engine import (
    Connectivity, Distribution, Network, Population, Projection, Simulator, ValidationError, check_fit,
    design_figures, load_hardware_table, quantisation_error,
)
from engine.io.nir_export import export_nir
from engine.neuromorphic.hardware import HARDWARE_FILE
from lens_helpers import CUBA, broken_copy, network

TABLE = json.loads(HARDWARE_FILE.read_text())
FITTING = ("loihi", "spinnaker2", "xylo", "brainscales2")


def exceeding(limit: str, value: int) -> Network:
    """A network that exceeds `limit` (at `value`) and, as far as it can, nothing else."""
    if limit == "neurons_per_chip":
        return network(n_hidden=value + 1)
    if limit == "cores_per_chip":
        singles = tuple(Population(f"p{i}", "iaf_psc_exp", 1, params=CUBA) for i in range(value))
        return network(extra_pops=singles)
    if limit in ("axons_in_per_core", "fan_in", "input_channels"):
        return network(n_in=value + 1)
    if limit == "fan_out":
        return network(n_hidden=value + 1)
    if limit == "population_fan_out":
        outs = tuple(Population(f"out{i}", "iaf_psc_exp", 2, params=CUBA) for i in range(value + 1))
        return network(extra_pops=outs, extra_projs=tuple(Projection("hidden", o.name, delay=0.1) for o in outs))
    if limit == "weight_bits":  # one large weight and many small ones that round to zero
        weights = (1.0,) + (0.001,) * 1000
        rule = Connectivity("explicit", pre_indices=tuple(i % 4 for i in range(1001)),
                            post_indices=tuple(i % 20 for i in range(1001)))
        return network(extra_projs=(Projection("in", "hidden", rule, weight=weights, delay=0.1, name="uneven"),))
    if limit == "delay_steps_max":
        return network(delay=round((value + 1) * 0.1, 10))
    raise AssertionError(f"no probe for limit {limit}")


# neurons_per_core is no limit of its own (a population spans cores): it counts the cores needed
CASES = [(target, limit, spec["value"]) for target, entry in TABLE["targets"].items()
         for limit, spec in entry["limits"].items() if spec["value"] is not None and limit != "neurons_per_core"]


@pytest.mark.parametrize("target, limit, value", CASES, ids=[f"{t}-{l}" for t, l, _ in CASES])
def test_each_published_limit_is_flagged_by_name(target, limit, value):
    verdict = check_fit(exceeding(limit, value), target)
    assert not verdict.fits
    flagged = [r for r in verdict.reasons if r["limit"] == limit]
    assert flagged, f"{target}: {limit} not flagged; reasons: {[r['message'] for r in verdict.reasons]}"
    assert all(r["limit_value"] == value or limit == "weight_bits" for r in flagged)
    if limit != "weight_bits":
        assert all(r["design"] > value for r in flagged)


def test_populations_larger_than_a_core_need_several_cores():
    big = tuple(Population(f"big{i}", "iaf_psc_exp", 1025, params=CUBA) for i in range(64))
    verdict = check_fit(network(extra_pops=big), "loihi")  # 64 x 2 cores + 1 for 'hidden'
    cores = next(r for r in verdict.reasons if r["limit"] == "cores_per_chip")
    assert (cores["design"], cores["limit_value"]) == (129, 128)
    assert "at 1,024 neurons per core" in cores["message"]
    assert check_fit(network(extra_pops=big[:63]), "loihi").fits


@pytest.mark.parametrize("target", list(TABLE["targets"]))
def test_models_and_nir_nodes_the_target_does_not_take_are_flagged(target):
    izh = Network(name="izh", populations=(Population("in", "spike_generator", 2, params={"spike_times": [1.0]}),
                                           Population("rs", "izhikevich", 3)),
                  projections=(Projection("in", "rs", weight=10.0, delay=0.2),))
    verdict = check_fit(izh, target)
    assert any(r["limit"] == "models" and r["design"] == "izhikevich" for r in verdict.reasons)
    assert any(r["limit"] == "nir_nodes" and "izhikevich cannot be exported to NIR" in r["message"]
               for r in verdict.reasons)
    delayed = check_fit(network(delay=0.2), target)  # two steps: needs a NIR Delay node
    assert any(r["limit"] == "nir_nodes" and r["design"] == "Delay" for r in delayed.reasons)


@pytest.mark.parametrize("target", FITTING)
def test_a_network_within_all_limits_fits(target):
    verdict = check_fit(network(), target)
    assert verdict.fits, [r["message"] for r in verdict.reasons]
    assert verdict.reasons == ()
    assert "fits" in verdict.text().splitlines()[0]


def test_speck_refuses_every_engine_neuron_model_and_says_why():
    verdict = check_fit(network(), "speck")
    assert {r["limit"] for r in verdict.reasons} == {"models", "nir_nodes"}
    model = next(r for r in verdict.reasons if r["limit"] == "models")
    assert model["design"] == "iaf_psc_exp" and "non-leaky integrate-and-fire" in model["source"]


def direct_quantisation_error(weights: np.ndarray, bits: int) -> float:
    """Nearest level of the signed grid by search, not by rounding."""
    top = np.abs(weights).max()
    levels = np.arange(-(2 ** (bits - 1) - 1), 2 ** (bits - 1)) * (top / (2 ** (bits - 1) - 1))
    nearest = levels[np.abs(weights[:, None] - levels[None, :]).argmin(axis=1)]
    return float(np.sqrt(((weights - nearest) ** 2).sum() / (weights ** 2).sum()))


@pytest.mark.parametrize("target, bits", [("loihi", 9), ("xylo", 8), ("brainscales2", 6)])
def test_quantisation_error_equals_the_direct_computation(target, bits):
    drawn = Distribution("normal", {"mean": 40.0, "std": 15.0})
    net = network(extra_projs=(Projection("in", "hidden", weight=drawn, delay=0.1, name="drawn"),))
    weights = Simulator(net).projection_weights("drawn")
    expected = direct_quantisation_error(weights, bits)
    verdict = check_fit(net, target)
    assert verdict.quantisation["drawn"] == pytest.approx(expected, rel=1e-9)
    assert quantisation_error(weights, bits) == pytest.approx(expected, rel=1e-9)
    assert 0 < expected < 0.5 / (2 ** (bits - 1) - 1) * 3  # below ~half a step relative to the weights
    assert verdict.quantisation["in→hidden"] == 0.0  # a constant weight sits on the grid


def test_the_nir_nodes_checked_are_the_ones_the_exporter_writes():
    alpha = Population("alpha", "iaf_psc_alpha", 3)
    slow = Population("two_tau", "iaf_psc_exp", 3, params={"tau_syn_ex": 2.0, "tau_syn_in": 5.0})
    delta = Population("delta", "iaf_psc_delta", 3)
    pops = (alpha, slow, delta)
    projs = tuple(Projection("hidden", p.name, weight=10.0, delay=0.1) for p in pops)
    for delay, delay_node in ((0.1, set()), (0.3, {"Delay"})):
        net = network(delay=delay, extra_pops=pops, extra_projs=projs)
        written = {type(node).__name__ for node in export_nir(net).nodes.values()}
        # the exporter writes a Delay for every projection; the check needs one only beyond one step
        assert set(design_figures(net).nir_nodes) == (written - {"Delay"}) | delay_node


@pytest.mark.parametrize("change, message", [
    (lambda d: d["targets"]["loihi"]["limits"]["fan_in"].pop("source"), "target 'loihi': 'limits.fan_in' must be"),
    (lambda d: d["targets"]["xylo"]["limits"]["weight_bits"].update(value=0), "limits.weight_bits.value must be"),
    (lambda d: d["targets"]["speck"]["limits"].update(synapses={"value": 1, "source": "x"}), "unknown limit 'synapses'"),
    (lambda d: d["targets"]["brainscales2"]["models"].update(value="iaf_psc_exp"), "models.value must be a list"),
    (lambda d: d.update(quantisation_tolerance=2), "'quantisation_tolerance' must be a fraction"),
])
def test_a_broken_hardware_file_is_refused_by_name(tmp_path, change, message):
    with pytest.raises(ValidationError, match=message):
        load_hardware_table(broken_copy(HARDWARE_FILE, tmp_path, change))


def test_an_unknown_target_names_the_known_ones():
    with pytest.raises(ValidationError, match="unknown target 'loihi3'.*loihi, spinnaker2"):
        check_fit(network(), "loihi3")
