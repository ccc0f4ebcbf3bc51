"""The degradation sweep: rate of the surviving neurons against the lesioned fraction, repeatable
per seed, spread over seeds, in the expected direction; and `snn-designer lesion-sweep`."""
import json
from pathlib import Path

import numpy as np
import pytest

from engine import ValidationError
from engine.cli import main
from engine.io.native import load_network
from engine.neuromorphic import degradation_sweep

EI = Path(__file__).resolve().parents[2] / "assets" / "examples" / "ei_network.json"
FRACTIONS = (0.0, 0.25, 0.5)


@pytest.fixture(scope="module")
def sweep():
    return degradation_sweep(load_network(EI), "inh", "exc", FRACTIONS, seeds=(0, 1), window_ms=200.0,
                             warmup_ms=50.0)


def test_the_sweep_repeats_exactly_for_the_same_seeds(sweep):
    again = degradation_sweep(load_network(EI), "inh", "exc", FRACTIONS, seeds=(1, 0), window_ms=200.0,
                              warmup_ms=50.0)
    assert np.array_equal(sweep.values, again.values[:, ::-1])  # per seed, whatever the order of seeds


def test_lesioning_inhibition_raises_the_rate_and_seeds_spread_it(sweep):
    assert sweep.values.shape == (3, 2)
    assert sweep.mean[0] < sweep.mean[1] < sweep.mean[2]
    assert sweep.spread[0] == 0.0  # nothing lesioned: the seed picks nothing
    assert sweep.spread[2] > 0.0  # different inhibitory neurons fail for different seeds
    assert sweep.values[0, 0] == pytest.approx(85.0, rel=0.15)  # the intact E/I network's rate


def test_the_rate_counts_only_surviving_neurons():
    sweep = degradation_sweep(load_network(EI), "inh", "inh", (0.0, 0.5), seeds=(0,), window_ms=200.0,
                              warmup_ms=50.0)
    # half the inhibitory cells silent: the other half fire faster (less mutual inhibition), not half as much
    assert sweep.values[1, 0] > sweep.values[0, 0]


@pytest.mark.parametrize("kwargs, message", [
    ({"fractions": (0.0, 1.2)}, "fractions must be numbers from 0 to 1"),
    ({"seeds": (-1,)}, "seeds must be whole numbers"),
    ({"window_ms": 0.0}, "window_ms must be a finite number"),
    ({"measure": "nobody"}, "no population named 'nobody'"),
    ({"target": "noise"}, "is a device"),
])
def test_bad_sweeps_are_refused(kwargs, message):
    arguments = {"target": "inh", "measure": "exc", **kwargs}
    with pytest.raises(ValidationError, match=message):
        degradation_sweep(load_network(EI), **arguments)


def test_the_cli_prints_the_sweep_as_json(capsys):
    code = main(["lesion-sweep", str(EI), "--target", "inh", "--measure", "exc", "--fractions", "0,0.5",
                 "--seeds", "3", "--window-ms", "200", "--warmup-ms", "50", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert [p["fraction"] for p in result["points"]] == [0.0, 0.5]
    assert result["points"][1]["mean"] > result["points"][0]["mean"]
    assert main(["lesion-sweep", str(EI), "--target", "inh", "--measure", "exc", "--fractions", "0,x"]) == 2
