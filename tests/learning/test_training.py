"""Unsupervised training (Diehl & Cook 2015) through the engine, kept small: a few hundred digits."""
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from engine import ValidationError
from engine.io import load_network, save_network
from engine.learning.trainer import Trainer, find_roles

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "assets" / "examples" / "digits.json"


def small_digits(n_exc=40, **source):
    """The gallery example with fewer excitatory (and partner inhibitory) neurons and source changes."""
    network = load_network(EXAMPLE)
    pops = []
    for pop in network.populations:
        if pop.name in ("exc", "inh"):
            pop = replace(pop, size=n_exc)
        elif pop.name == "digits":
            pop = replace(pop, params={**pop.params, **source})
        pops.append(pop)
    return replace(network, populations=tuple(pops))


@pytest.fixture(scope="module")
def trained():
    network = small_digits()
    trainer = Trainer(network)
    progress = []
    result = trainer.train_epoch(n_samples=300, n_test=150, on_progress=progress.append)
    assert [point["samples"] for point in progress] == [50, 100, 150, 200, 250, 300]
    return trainer, result


def test_the_example_finds_its_input_learner_and_plastic_projection():
    roles = find_roles(load_network(EXAMPLE))
    assert (roles.source, roles.inputs, roles.learner) == ("digits", "pixels", "exc")


def test_a_network_without_a_learner_is_refused_by_name():
    network = small_digits()
    plain = replace(network, projections=tuple(p for p in network.projections if p.synapse != "stdp_synapse"))
    with pytest.raises(ValidationError, match="needs one stdp_synapse projection from 'digits'"):
        find_roles(plain)


def test_learning_without_labels_classifies_held_out_digits_far_above_chance(trained):
    trainer, result = trained
    assert result.n_samples == 300 and result.test.n_samples == 150
    assert result.test.accuracy_vote > 0.35  # chance is 0.10; the full example reaches far more
    assert np.sum(result.test.confusion_vote) == 150
    assert len(set(trainer.vote.assignments.tolist()) - {-1}) >= 6  # neurons specialise on different digits


def test_weights_into_each_neuron_are_normalised_to_the_set_total(trained):
    trainer, _ = trained
    fields = trainer.receptive_fields()
    total = trainer.network.population("exc").params["input_weight_total"]
    assert fields.shape == (40, 8, 8)
    assert np.allclose(fields.sum(axis=(1, 2)), total, rtol=1e-9)


def test_evaluation_freezes_weights_and_thresholds(trained):
    trainer, _ = trained
    before = trainer.receptive_fields().copy()
    theta, t0 = trainer.sim.compiled.state.theta.copy(), trainer.sim.t
    trainer.evaluate("test", 20)
    assert np.array_equal(before, trainer.receptive_fields())
    decay = np.exp(-(trainer.sim.t - t0) / trainer.network.population("exc").params["tau_theta"])
    assert theta.max() > 1.0 and np.allclose(trainer.sim.compiled.state.theta, theta * decay, rtol=1e-6)


def test_learning_curve_points_every_50_training_samples_and_the_held_out_one_at_the_end(trained):
    trainer, result = trained
    assert [point["samples"] for point in trainer.curve] == [50, 100, 150, 200, 250, 300]
    assert trainer.curve[-1]["accuracy_test"] == result.test.accuracy_vote
    assert trainer.curve[-1]["accuracy_train_online"] > trainer.curve[0]["accuracy_train_online"]


def test_cli_run_trains_and_writes_accuracy_per_epoch(tmp_path):
    network = small_digits(n_exc=20, n_samples=40, epochs=2, test_fraction=0.05)
    path = tmp_path / "tiny_digits.json"
    save_network(network, path)
    done = subprocess.run([sys.executable, "-m", "engine", "run", str(path), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert len(summary["accuracy_train"]) == 2 and len(summary["accuracy_test"]) == 2
    assert all(0.0 <= a <= 1.0 for a in summary["accuracy_train"] + summary["accuracy_test"])
    assert summary["training_samples"] == 80 and summary["epochs"][0]["test"]["n_samples"] == 90
    assert "epoch 2:" in done.stdout
    energy = summary["energy_per_inference"]
    assert energy["synaptic_operations_per_sample"] > 0 and energy["dense_macs_per_sample"] == 64 * 20 + 2 * 20 * 20
    assert energy["energy_j_per_sample"]["loihi"] > 0
    assert (tmp_path / "out" / summary["trained_nir"]).stat().st_size > 0


def test_receptive_fields_look_like_the_digits_their_neurons_are_labelled_with(trained):
    trainer, _ = trained
    from engine.learning.datasets import load_dataset

    digits = load_dataset("digits")
    class_means = np.array([digits.values[digits.labels == c].mean(axis=0) for c in range(10)])
    fields = trainer.receptive_fields().reshape(40, 64)
    labelled = trainer.vote.assignments >= 0
    similarity = np.corrcoef(np.vstack([fields[labelled], class_means]))[:labelled.sum(), labelled.sum():]
    own = similarity[np.arange(labelled.sum()), trainer.vote.assignments[labelled]]
    assert np.mean(own > np.median(similarity, axis=1)) > 0.8  # most fields resemble their own class


def test_the_trained_network_exports_to_nir_with_its_learned_weights_and_thresholds(trained, tmp_path):
    import nir

    from engine.io.nir_import import import_nir
    from engine.learning.export import inference_network, write_trained_nir

    trainer, _ = trained
    path = write_trained_nir(trainer, tmp_path / "digits_trained.nir")
    graph = nir.read(path)
    np.testing.assert_allclose(graph.nodes["pixels→exc"].weight, trainer.receptive_fields().reshape(40, 64))
    theta = trainer.sim.compiled.state.theta[trainer.sim.compiled.pop_slice("exc")]
    fixed = inference_network(trainer)
    np.testing.assert_allclose(fixed.population("exc").params["V_th"], -52.0 + theta)
    assert fixed.population("exc").model == "iaf_psc_exp" and "pixels" not in [p.name for p in fixed.populations]
    assert fixed.projection("pixels→exc").delay == 1.5  # the relay's 0.5 ms and the synapses' 1 ms
    assert import_nir(path) == fixed
