"""The data_source device: encoders (rate, latency, delta), data sets, schedules, refused files."""
import math

import numpy as np
import pytest

from engine import Network, Population, Projection, Simulator, ValidationError
from engine.learning import datasets
from engine.learning.encoders import delta_spikes, latency_spikes, rate_spikes
from engine.learning.source import schedule, split_of


def source_params(**overrides):
    network = Network(populations=(Population("img", "data_source", 64, params=overrides),))
    return network.population("img").params


@pytest.mark.parametrize("gain", [0.5, 1.0, 2.0, 4.0])
def test_rate_encoder_counts_are_proportional_to_intensity_within_four_sigma(gain):
    frames = np.full((500, 1), 0.8)
    feature, times = rate_spikes(frames, 1000.0, gain, 50.0, np.random.default_rng(3))
    expected = 500 * 0.8 * gain * 50.0  # features x value x gain x max_rate x 1 s
    assert abs(feature.size - expected) < 4 * math.sqrt(expected)
    assert times.min() >= 0.0 and times.max() < 1000.0


def test_rate_encoder_gives_each_frame_its_own_rate():
    frames = np.tile([[1.0, 0.0]], (400, 1))  # on in the first half, off in the second
    _, times = rate_spikes(frames, 200.0, 1.0, 100.0, np.random.default_rng(1))
    assert times.size > 3000 and times.max() < 100.0


def test_latency_is_monotone_decreasing_in_intensity_and_follows_the_formula():
    frames = np.array([[0.5], [1.0]])
    latencies = []
    for gain in (2.5, 3.0, 5.0, 10.0, 40.0):
        feature, times = latency_spikes(frames, 350.0, gain, 50.0)
        assert list(feature) == [0, 1]
        latencies.append(times)
    first = np.array(latencies)[:, 0]
    assert np.all(np.diff(first) < 0)
    assert first[0] == pytest.approx(50.0 * math.log(1.25 / 0.25))
    silent, _ = latency_spikes(np.array([[0.5]]), 350.0, 2.0, 50.0)  # g x = 1 never reaches threshold
    assert silent.size == 0


def test_delta_spikes_once_at_each_threshold_crossing_exactly():
    signal = np.array([[0.05, 0.15, 0.25, 0.45, 0.25, 0.25]])  # levels of 0.1: 0, 1, 2, 4, 2, 2
    feature, times = delta_spikes(signal, 60.0, 1.0, 0.1)
    assert sorted(times.tolist()) == [10.0, 20.0, 30.0, 30.0, 40.0, 40.0]
    assert set(feature.tolist()) == {0}


def test_digits_split_is_fixed_by_seed_and_disjoint():
    digits = datasets.load_dataset("digits")
    assert digits.values.shape == (1797, 64) and digits.values.max() == 1.0
    train = split_of(digits, source_params(split="train", split_seed=4))
    test = split_of(digits, source_params(split="test", split_seed=4))
    assert len(set(train) & set(test)) == 0 and train.size + test.size == 1797
    assert np.array_equal(test, split_of(digits, source_params(split="test", split_seed=4)))
    plan = schedule(source_params(split="train", split_seed=4, epochs=2))
    assert plan.samples.size == 2 * train.size and not set(plan.samples) & set(test)
    assert not np.array_equal(plan.samples[:train.size], plan.samples[train.size:])  # a new order per epoch


def test_data_source_presents_samples_one_after_another_through_the_simulator():
    params = {"n_samples": 6, "presentation": 100.0, "rest": 50.0, "max_rate": 200.0}
    net = Network(populations=(Population("img", "data_source", 64, params=params),), t_sim=900.0)
    sim = Simulator(net, seed=1)
    sim.run(900.0)
    _, times = sim.spikes("img")
    phase = np.mod(times - 1e-9, 150.0)
    assert times.size > 500 and np.all(phase <= 100.0 + 1e-6)  # nothing in the rests
    plan = schedule(net.population("img").params)
    bright = datasets.load_dataset("digits").values[plan.samples[:6]].sum(axis=1)
    per_sample = np.histogram(times, bins=np.arange(0, 901, 150))[0]
    assert np.corrcoef(per_sample, bright)[0, 1] > 0.8  # brighter digits give more spikes


def test_intensity_is_live_and_scales_the_rate():
    net = Network(populations=(Population("img", "data_source", 64, params={"n_samples": 8}),))
    sim = Simulator(net, seed=1)
    sim.run(2000.0)
    before = sim.spikes("img")[0].size
    sim.set_param("img", "intensity", 2.0)
    sim.run(2000.0)
    after = sim.spikes("img")[0].size - before
    assert after / before == pytest.approx(2.0, rel=0.15)


def test_patterns_are_spatio_temporal_and_fit_a_32_neuron_source():
    patterns = datasets.load_dataset("patterns")
    assert patterns.values.shape == (500, 32, 10) and set(patterns.labels) == set(range(5))
    net = Network(populations=(Population("p", "data_source", 32, params={"dataset": "patterns", "n_samples": 3}),))
    sim = Simulator(net)
    sim.run(1500.0)
    assert sim.spikes("p")[0].size > 0


def test_wrong_population_size_is_refused_naming_the_features():
    net = Network(populations=(Population("img", "data_source", 10),))
    with pytest.raises(ValidationError, match="64 features.*size 64"):
        Simulator(net)


def _refusal(path) -> str:
    with pytest.raises(ValidationError) as refused:
        Network(populations=(Population("img", "data_source", 4, params={"dataset": str(path)}),))
    return str(refused.value)


def test_a_users_npz_and_csv_are_read_and_scaled(tmp_path):
    values = np.arange(40, dtype=float).reshape(10, 4)
    np.savez(tmp_path / "mine.npz", values=values, labels=np.arange(10) % 2)
    np.savetxt(tmp_path / "mine.csv", np.column_stack([values, np.arange(10) % 2]), delimiter=",")
    for name in ("mine.npz", "mine.csv"):
        data = datasets.load_dataset(str(tmp_path / name))
        assert data.values.shape == (10, 4) and data.values.max() == 1.0 and data.labels.tolist()[:3] == [0, 1, 0]


def test_bad_data_files_are_refused_with_the_problem_named(tmp_path, monkeypatch):
    np.savez(tmp_path / "nan.npz", values=np.array([[1.0, np.nan], [0.0, 1.0]]), labels=[0, 1])
    assert "finite; sample 0 holds nan" in _refusal(tmp_path / "nan.npz")
    np.savez(tmp_path / "flat.npz", values=np.zeros(5), labels=np.zeros(5))
    assert "shape (samples, features)" in _refusal(tmp_path / "flat.npz")
    np.savez(tmp_path / "labels.npz", values=np.zeros((4, 2)), labels=[0, 1])
    assert "one per sample (4)" in _refusal(tmp_path / "labels.npz")
    np.savez(tmp_path / "nolabels.npz", pixels=np.zeros((4, 2)))
    assert "needs arrays 'values' and 'labels' (found pixels)" in _refusal(tmp_path / "nolabels.npz")
    (tmp_path / "words.csv").write_text("1,2,cat\n3,4,dog\n")
    assert "numbers only" in _refusal(tmp_path / "words.csv")
    (tmp_path / "notes.txt").write_text("1,2")
    assert "must end in .npz or .csv" in _refusal(tmp_path / "notes.txt")
    assert "does not exist" in _refusal(tmp_path / "missing.npz")
    monkeypatch.setattr(datasets, "MAX_VALUES", 10)
    np.savez(tmp_path / "big.npz", values=np.zeros((6, 2)), labels=np.zeros(6))
    assert "12 values; at most 10" in _refusal(tmp_path / "big.npz")


def test_augmentation_shifts_and_noises_training_samples_only():
    from engine.learning.source import augmented

    image = np.zeros((64, 1))
    image[3 * 8 + 3] = 1.0  # one bright pixel at (3, 3)
    rng = np.random.default_rng(0)
    shifted = [augmented(image, source_params(augment_shift=2), rng) for _ in range(200)]
    rows_cols = {divmod(int(np.argmax(s)), 8) for s in shifted}
    assert all(abs(r - 3) <= 2 and abs(c - 3) <= 2 for r, c in rows_cols) and len(rows_cols) > 10
    assert all(s.sum() == 1.0 for s in shifted)  # shifted, not wrapped or smeared
    edge = np.zeros((64, 1))
    edge[7] = 1.0  # the top row's last pixel: shifted right it leaves the image
    gone = [augmented(edge, source_params(augment_shift=1), rng).sum() for _ in range(100)]
    assert 0.0 in gone and 1.0 in gone
    noisy = augmented(np.full((64, 1), 0.5), source_params(augment_noise=0.1), rng)
    assert 0.05 < noisy.std() < 0.15 and noisy.min() >= 0.0 and noisy.max() <= 1.0
    test_split = source_params(augment_shift=2, augment_noise=0.3, split="test")
    assert augmented(image, test_split, rng) is image
