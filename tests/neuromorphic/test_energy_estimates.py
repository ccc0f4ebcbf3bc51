"""Energy estimates: each target's figure recomputed by hand, the data file's sources, and
a broken data file refused with a message naming the target and field."""
import pytest

from engine import DISCLAIMER, EfficiencyMetrics, ValidationError, estimate_energy, load_energy_table
from engine.neuromorphic.energy import ENERGY_FILE
from lens_helpers import broken_copy

# counts of a made-up run of 0.5 s with 2 inferences
POPULATIONS = {
    "exc": {"size": 100, "spikes": 400, "synaptic_operations": 30_000, "neuron_updates": 500_000,
            "neuron_updates_active": 400, "neuron_updates_inactive": 499_600, "plastic_updates": 2_000,
            "activation_sparsity": 1 - 400 / 500_000},
    "input": {"size": 10, "spikes": 50, "synaptic_operations": 5_000, "neuron_updates": 0,
              "neuron_updates_active": 0, "neuron_updates_inactive": 0, "plastic_updates": 0,
              "activation_sparsity": None},
}
DENSE_MACS = 110 * 100 * 5000


def made_up_metrics() -> EfficiencyMetrics:
    return EfficiencyMetrics(t_ms=500.0, dt_ms=0.1, steps=5000, per_population=POPULATIONS, dense_macs=DENSE_MACS,
                             connection_sparsity={"total": 0.9, "per_projection": {}}, n_synapses=1100,
                             bytes_per_synapse=4, inference=2.0)


def test_every_target_recomputed_by_hand():
    energy = estimate_energy(made_up_metrics())
    synops, updates, active, inactive, plastic = 35_000, 500_000, 400, 499_600, 2_000
    by_hand = {
        "loihi": 23.6e-12 * synops + 52e-12 * inactive + 81e-12 * active + 120e-12 * plastic,
        "truenorth": 26e-12 * synops,
        "spinnaker": 13.3e-9 * synops + 26e-9 * updates,
        "spinnaker2": 450e-12 * synops + 2.19e-9 * updates,
        "dense_mac_45nm": 4.6e-12 * DENSE_MACS,
        "gpu_a100": 41e-12 * DENSE_MACS,
    }
    assert set(energy) == set(by_hand)
    for name, joules in by_hand.items():
        assert energy[name]["energy_j"] == pytest.approx(joules, rel=1e-12), name
        assert energy[name]["energy_j_per_second"] == pytest.approx(joules / 0.5, rel=1e-12), name
        assert energy[name]["energy_j_per_inference"] == pytest.approx(joules / 2, rel=1e-12), name
    assert energy["loihi"]["formula"] == ("E = 23.6 pJ x synaptic operations + 52 pJ x inactive neuron updates + "
                                          "81 pJ x active neuron updates (spiking) + 120 pJ x plastic weight updates")


def test_every_figure_carries_its_source_and_the_disclaimer():
    energy = estimate_energy(made_up_metrics())
    for name, entry in energy.items():
        for key in ("citation", "process", "voltage", "caveat", "formula"):
            assert entry[key].strip(), f"{name}: {key} is empty"
        assert entry["disclaimer"] == DISCLAIMER == "order of magnitude, not a measurement"
    kinds = {name: entry["kind"] for name, entry in energy.items()}
    assert {n for n, k in kinds.items() if k == "baseline"} == {"dense_mac_45nm", "gpu_a100"}


@pytest.mark.parametrize("change, message", [
    (lambda d: d["targets"]["loihi"].pop("citation"), "target 'loihi': 'citation' must be a non-empty text"),
    (lambda d: d["targets"]["truenorth"]["energy_pj"].update(synaptic_operation=-1.0),
     "target 'truenorth': energy_pj.synaptic_operation must be a positive number"),
    (lambda d: d["targets"]["spinnaker"]["energy_pj"].update(spike_op=1.0),
     "target 'spinnaker': unknown operation 'spike_op'"),
    (lambda d: d["targets"]["loihi"]["energy_pj"].update(neuron_update=1.0), "not both"),
    (lambda d: d["targets"]["gpu_a100"].update(kind="cloud"), "target 'gpu_a100': 'kind' must be one of"),
    (lambda d: d.update(format="other"), "expected \"format\": \"snn-designer-energy\""),
    (lambda d: d.update(targets={}), "'targets' must be a non-empty object"),
])
def test_a_broken_energy_file_is_refused_by_name(tmp_path, change, message):
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_energy_table(broken_copy(ENERGY_FILE, tmp_path, change))


def test_unreadable_energy_files_are_refused(tmp_path):
    with pytest.raises(ValidationError, match="cannot be read"):
        load_energy_table(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{\"format\": ")
    with pytest.raises(ValidationError, match="not valid JSON"):
        load_energy_table(bad)
    with pytest.raises(ValidationError, match="expected EfficiencyMetrics"):
        estimate_energy({"synaptic_operations": 1})
