"""The learning panel's Python side: Train runs the Trainer in its own thread, the panel draws
its snapshots (curve, confusion, receptive fields, energy), Restore best, exports, and refusals."""
from __future__ import annotations

import csv
import io
import threading
import time
from dataclasses import replace

import numpy as np
import pytest

from designer.session import LiveSession
from designer.state import DesignState
from designer.training import THREAD_PREFIX
from designer.views.learning import LearningView, export_bytes, mosaic
from engine.io import load_network


def tiny_digits():
    network = load_network("assets/examples/digits.json")
    pops = tuple(replace(p, size=20) if p.name in ("exc", "inh") else p for p in network.populations)
    return replace(network, populations=pops)


@pytest.fixture
def view():
    session = LiveSession(DesignState(tiny_digits()))
    view = LearningView(session)
    yield view
    view.close()
    session.close()


def train_until_done(view: LearningView, timeout: float = 300.0) -> None:
    view.samples.value, view.check_every.value, view.n_check.value = 100, 50, 30
    view.train_button.clicks += 1
    assert view.train_button.name == "Stop"
    started = time.monotonic()
    while view.job.running and time.monotonic() - started < timeout:
        time.sleep(0.2)
        view.tick()
    view.tick()


def test_training_fills_the_curve_confusion_and_receptive_fields_then_restores_the_best(view):
    train_until_done(view)
    shown = view.snapshot
    assert shown.status == "done" and view.train_button.name == "Train"
    assert list(view.curve_source.data["samples"]) == [50, 100]
    assert list(view.test_source.data["samples"]) == [50, 100]  # a check at 50, the epoch's end at 100
    assert all(0.1 < a <= 1.0 for a in view.test_source.data["test"])  # above chance (10 %)
    assert sum(view.confusion_source.data["count"]) == 30
    image = view.fields_source.data["image"][0]
    assert image.shape == (8, 20 * 9 - 1) and np.nanmax(image) == pytest.approx(1.0)
    assert "synaptic operations per classified sample" in view.note.object
    assert shown.energy["synaptic_operations_per_sample"] > 0 and shown.energy["dense_macs_per_sample"] > 0
    assert not view.restore_button.disabled
    best_samples, best_accuracy = shown.best
    view.restore_button.clicks += 1
    assert view.snapshot.status == "restored" and f"{best_accuracy:.1%}" in view.note.object
    np.testing.assert_array_equal(view.job.trainer.receptive_fields(), view.snapshot.fields)
    rows = list(csv.DictReader(io.StringIO(export_bytes(view.snapshot, "learning_curve").decode())))
    assert [int(r["samples"]) for r in rows] == [50, 100] and float(rows[-1]["accuracy_test"]) >= 0
    fields = list(csv.reader(io.StringIO(export_bytes(view.snapshot, "receptive_fields").decode())))
    assert len(fields) == 21 and len(fields[0]) == 2 + 64
    confusion = list(csv.reader(io.StringIO(export_bytes(view.snapshot, "confusion_matrix").decode())))
    assert confusion[0][0] == "true_class" and len(confusion) == 11


def test_stop_ends_the_training_thread_and_a_design_without_a_learner_is_refused(view):
    view.samples.value = 0
    view.train_button.clicks += 1
    time.sleep(0.5)
    view.train_button.clicks += 1  # Stop
    view.job.stop(timeout=60.0)
    view.tick()
    assert not any(t.name.startswith(THREAD_PREFIX) and t.is_alive() for t in threading.enumerate())
    assert view.train_button.name == "Train"
    plain = load_network("assets/examples/ei_network.json")
    view.session.state.network = plain
    assert view.train_button.disabled


def test_the_mosaic_puts_each_field_in_its_tile_scaled_to_its_own_maximum():
    fields = np.arange(3 * 2 * 2, dtype=float).reshape(3, 2, 2) + 1
    image = np.flipud(mosaic(fields, per_row=2))
    assert image.shape == (5, 5)
    np.testing.assert_allclose(image[0:2, 0:2], fields[0] / 4)
    np.testing.assert_allclose(image[0:2, 3:5], fields[1] / 8)
    np.testing.assert_allclose(image[3:5, 0:2], fields[2] / 12)
    assert np.isnan(image[2]).all() and np.isnan(image[3:5, 3:5]).all()
