"""Overfitting and its cures: a small training set opens a train/held-out gap the full one does
not; early stopping keeps (and restores) the weights of the best held-out check; dropout silences
a fraction of the learner per sample and leaves its thresholds as they were."""
import numpy as np
import pytest

from engine import ValidationError
from engine.learning import Trainer
from test_training import small_digits


@pytest.mark.slow
def test_a_small_training_set_shows_a_larger_train_held_out_gap_than_the_full_one():
    """Both measured with the final weights and labels, learning off: the first training digits seen
    (all 50 of the small set) and 200 held-out digits."""
    gaps = {}
    for n_samples in (50, 0):  # 50 digits, then the whole training split (1,348)
        trainer = Trainer(small_digits(n_exc=40))
        result = trainer.train_epoch(n_samples=n_samples, n_test=200)
        train = trainer.evaluate("train", 50 if n_samples else 200)
        gaps[n_samples] = train.accuracy_vote - result.test.accuracy_vote
        print(f"{result.n_samples} training digits: train {train.accuracy_vote:.1%}, "
              f"held-out {result.test.accuracy_vote:.1%}, gap {gaps[n_samples]:+.1%}")
    assert gaps[50] > gaps[0] + 0.1


def test_early_stopping_restores_the_weights_of_the_best_held_out_check():
    trainer = Trainer(small_digits(n_exc=20), check_every=50, n_check=40)
    seen = []  # (samples, held-out accuracy, receptive fields) at each check
    trainer.train_epoch(n_samples=200, n_test=40, on_progress=lambda p: seen.append(
        (p["samples"], p.get("accuracy_test"), trainer.receptive_fields().copy())))
    seen.append((200, trainer.checks[-1].accuracy_vote, trainer.receptive_fields().copy()))  # the epoch's end
    checked = [s for s in seen if s[1] is not None]
    assert [s[0] for s in checked] == [50, 100, 150, 200] and len(trainer.checks) == 4
    best = max(checked, key=lambda s: s[1])  # the first of the best: a later equal one is no better
    assert (trainer.best.samples, trainer.best.accuracy_test) == best[:2]
    restored = trainer.restore_best()
    assert restored is trainer.best
    np.testing.assert_array_equal(trainer.receptive_fields(), best[2])


def test_restoring_before_any_check_is_refused_and_options_are_checked():
    trainer = Trainer(small_digits(n_exc=10))
    with pytest.raises(ValidationError, match="no held-out check yet"):
        trainer.restore_best()
    with pytest.raises(ValidationError, match="dropout must lie between 0 and 0.9"):
        Trainer(small_digits(n_exc=10), dropout=1.0)
    with pytest.raises(ValidationError, match="check_every must be a whole number"):
        Trainer(small_digits(n_exc=10), check_every=-5)


def test_dropout_silences_a_fraction_of_the_learner_each_sample_and_puts_thresholds_back():
    trainer = Trainer(small_digits(n_exc=40), dropout=0.5)
    plan, steps, _ = trainer._present("train", 0, 30)
    shares, fired = [], 0
    for _ in plan.labels:
        index, _kept = trainer._drop_out()
        counts = trainer._sample_counts(steps)
        trainer._put_back((index, _kept), steps)
        assert counts[index - trainer._learner.start].sum() == 0  # silenced: not one spike
        shares.append(index.size / 40)
        fired += counts.sum()
    assert 0.4 < np.mean(shares) < 0.6 and fired > 0  # the others still answer
    theta = trainer.sim.compiled.state.theta[trainer._learner]
    assert theta.max() < 100.0 and theta.min() >= 0.0 and theta.max() > 0  # put back, and grown by spikes
