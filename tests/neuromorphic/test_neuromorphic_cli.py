"""`snn-designer run` writes efficiency metrics and energy into summary.json; `snn-designer fit`
prints the verdict and exits 0 (fits) or 1 (does not)."""
import json
import subprocess
import sys

import pytest

from engine.cli import main
from engine.io import save_network
from lens_helpers import driven_network, independent_out_degree, network


@pytest.fixture
def driven_file(tmp_path):
    path = tmp_path / "driven.json"
    save_network(driven_network(), path)
    return path


def test_run_writes_metrics_and_energy_into_the_summary(driven_file, tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(driven_file), "--out", str(out), "--t-sim", "200", "--inference-ms", "50"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    efficiency = summary["efficiency"]
    spikes = {}
    for line in (out / "spikes.csv").read_text().splitlines()[1:]:
        pop, neuron, _ = line.split(",")
        spikes.setdefault(pop, []).append(int(neuron))
    degree = independent_out_degree()
    expected = {pop: int(degree[pop][neurons].sum()) for pop, neurons in spikes.items() if pop in degree}
    for pop in ("a", "b"):
        assert efficiency["populations"][pop]["synaptic_operations"] == expected[pop]
    assert efficiency["populations"]["a"]["neuron_updates"] == 10 * 2000
    assert efficiency["total"]["synaptic_operations"] == summary["synaptic_events"]
    assert efficiency["total"]["neuron_updates"] == 16 * 2000
    assert efficiency["inferences"] == 4.0
    assert efficiency["per_inference"]["synaptic_operations"] == pytest.approx(summary["synaptic_events"] / 4)
    assert set(summary["energy"]) == {"loihi", "truenorth", "spinnaker", "spinnaker2", "dense_mac_45nm", "gpu_a100"}
    truenorth = summary["energy"]["truenorth"]
    assert truenorth["energy_j"] == pytest.approx(26e-12 * summary["synaptic_events"])
    assert truenorth["energy_j_per_inference"] == pytest.approx(truenorth["energy_j"] / 4)
    assert truenorth["disclaimer"] == "order of magnitude, not a measurement"


def test_fit_prints_the_verdict_and_exits_by_it(tmp_path, capsys):
    path = tmp_path / "probe.json"
    save_network(network(), path)
    assert main(["fit", str(path), "--target", "xylo"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "SynSense Xylo (Audio 2, SYNS61201): fits"
    big = tmp_path / "big.json"
    save_network(network(n_hidden=600), big)
    assert main(["fit", str(big), "--target", "brainscales2"]) == 1
    text = capsys.readouterr().out
    assert "BrainScaleS-2: does not fit" in text and "600 neurons, more than the 512" in text
    assert main(["fit", str(big), "--json"]) == 1
    verdicts = {v["target"]: v for v in json.loads(capsys.readouterr().out)}
    assert (verdicts["loihi"]["fits"], verdicts["xylo"]["fits"], verdicts["brainscales2"]["fits"]) == (True, True, False)
    assert verdicts["brainscales2"]["reasons"][0]["limit"] == "neurons_per_chip"


def test_fit_with_an_unknown_target_is_one_error_line(tmp_path):
    path = tmp_path / "probe.json"
    save_network(network(), path)
    done = subprocess.run([sys.executable, "-m", "engine", "fit", str(path), "--target", "loihi3"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: fit: unknown target 'loihi3' (known: loihi, spinnaker2, speck, xylo, brainscales2)"]


@pytest.mark.parametrize("bad", ["0", "-5", "nan", "inf", "fast"])
def test_a_bad_inference_duration_is_refused_before_simulating(driven_file, tmp_path, capsys, bad):
    assert main(["run", str(driven_file), "--out", str(tmp_path / "out"), "--inference-ms", bad]) == 2
    assert "--inference-ms: must be a finite number of ms > 0" in capsys.readouterr().err
    assert not (tmp_path / "out" / "summary.json").exists()
