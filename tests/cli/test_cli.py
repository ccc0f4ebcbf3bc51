"""The `snn-designer` command line: run, validate, models, serve; errors and exit codes.

In-process through engine.cli.main(argv) (fast, exact), and through real subprocesses
(`python -m engine`, the installed console script) for what only a process shows:
exit status, one-line stderr, no traceback.
"""
import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from engine import Connectivity, Distribution, MODELS, Network, Population, Projection, Recording, Simulator
from engine.cli import cv_isi, main, serve_command
from engine.io import load_network, network_to_json, save_network

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "assets" / "examples"


def small_network(t_sim: float = 300.0, seed: int = 5) -> Network:
    """Three kinds of population for the CSV rules: recorded, not recorded, and a device."""
    lif = {"C_m": 1.0, "tau_m": 20.0, "t_ref": 2.0, "E_L": 0.0, "V_reset": 10.0, "V_th": 20.0}
    return Network(
        name="small", t_sim=t_sim, seed=seed,
        populations=(
            Population("exc", "iaf_psc_delta", 80, params=lif,
                       initial={"V_m": Distribution("uniform", {"low": 0.0, "high": 20.0})}),
            Population("inh", "iaf_psc_delta", 20, params=lif, record=Recording(spikes=False)),
            Population("noise", "poisson_generator", 1, params={"rate": 15000.0}),
            Population("kick", "spike_generator", 1, params={"spike_times": [5.0, 6.0]}),
        ),
        projections=(
            Projection("noise", "exc", weight=0.1, delay=1.5),
            Projection("noise", "inh", weight=0.1, delay=1.5),
            Projection("kick", "exc", weight=5.0, delay=1.0),
            Projection("exc", "inh", Connectivity("fixed_indegree", indegree=20), weight=0.2, delay=1.5),
            Projection("inh", "exc", Connectivity("pairwise_bernoulli", p=0.5), weight=-0.5, delay=1.5),
        ),
    )


@pytest.fixture
def net_file(tmp_path) -> Path:
    path = tmp_path / "small.json"
    save_network(small_network(), path)
    return path


def read_spikes(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300)


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {stderr!r}"
    assert lines[0].startswith("error: ")
    assert "Traceback" not in stderr
    return lines[0]


# -- run ------------------------------------------------------------------------------
def test_run_writes_the_simulators_spikes_for_the_same_seed(net_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(net_file), "--t-sim", "250", "--seed", "11", "--out", str(out)]) == 0

    rows = read_spikes(out / "spikes.csv")
    assert (out / "spikes.csv").read_text().splitlines()[0] == "population,neuron,time_ms"
    assert {r["population"] for r in rows} == {"exc"}  # inh is not recorded, devices never are

    sim = Simulator(small_network(), seed=11)
    sim.run(250.0)
    neuron, times = sim.spikes("exc")
    assert len(rows) == neuron.size > 100
    np.testing.assert_array_equal([int(r["neuron"]) for r in rows], neuron)
    np.testing.assert_allclose([float(r["time_ms"]) for r in rows], times, rtol=0, atol=1e-9)
    assert "wrote" in capsys.readouterr().out


def test_run_summary_describes_the_run(net_file, tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(net_file), "--t-sim", "250", "--seed", "11", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())

    assert summary["t_sim_ms"] == pytest.approx(250.0)
    assert summary["dt_ms"] == 0.1 and summary["seed"] == 11
    assert summary["n_neurons"] == 100  # devices are not neurons
    assert summary["n_synapses"] - (80 + 20 + 80 + 20 * 20) == pytest.approx(0.5 * 20 * 80, rel=0.2)
    assert summary["build_s"] > 0 and summary["sim_s"] > 0
    assert summary["bio_s_per_wall_s"] == pytest.approx(0.25 / summary["sim_s"])
    assert set(summary["populations"]) == {"exc", "inh"}

    sim = Simulator(small_network(), seed=11)
    sim.run(250.0)
    for name, size in (("exc", 80), ("inh", 20)):
        pop = summary["populations"][name]
        neuron, times = sim.spikes(name)
        assert pop["size"] == size and pop["n_spikes"] == neuron.size > 0
        assert pop["rate_hz"] == pytest.approx(neuron.size / size / 0.25)
        # CV of each neuron's own ISIs (>= 3 spikes), averaged over neurons
        cvs = []
        for i in range(size):
            isi = np.diff(np.sort(times[neuron == i]))
            if isi.size >= 2:
                cvs.append(isi.std() / isi.mean())
        assert pop["cv_isi"] == pytest.approx(np.mean(cvs), rel=1e-12)
    assert summary["populations"]["inh"]["recorded"] is False


def test_run_takes_defaults_from_the_file_and_overrides_dt(net_file, tmp_path):
    assert main(["run", str(net_file), "--out", str(tmp_path / "a")]) == 0
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert (summary["t_sim_ms"], summary["seed"], summary["dt_ms"]) == (pytest.approx(300.0), 5, 0.1)

    assert main(["run", str(net_file), "--out", str(tmp_path / "b"), "--dt", "0.05", "--t-sim", "20"]) == 0
    summary = json.loads((tmp_path / "b" / "summary.json").read_text())
    assert summary["dt_ms"] == 0.05 and summary["t_sim_ms"] == pytest.approx(20.0)


def test_cv_isi_of_known_trains():
    # neuron 0 regular (CV 0), neuron 1 intervals 1 and 3 (CV 0.5), neuron 2 two spikes only (skipped)
    neuron = np.array([0, 0, 0, 1, 1, 1, 2, 2])
    times = np.array([1.0, 2.0, 3.0, 1.0, 2.0, 5.0, 1.0, 9.0])
    assert cv_isi(neuron, times, 3) == pytest.approx(0.25)
    assert cv_isi(np.array([0, 0]), np.array([1.0, 2.0]), 1) is None


def test_run_as_a_process_and_as_the_installed_command(net_file, tmp_path):
    done = run_cli("run", net_file, "--t-sim", "50", "--out", tmp_path / "p")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "p" / "spikes.csv").is_file() and (tmp_path / "p" / "summary.json").is_file()

    script = Path(sys.executable).parent / "snn-designer"
    assert script.exists(), f"`pip install -e .` puts the snn-designer command next to {sys.executable}"
    done = subprocess.run([str(script), "validate", str(net_file)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("OK small:")


# -- validate and models ----------------------------------------------------------------
@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_validate_gallery_networks(path, capsys):
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    network = load_network(path)
    assert len(out) == 1 and out[0].startswith(f"OK {network.name}: {len(network.populations)} populations")
    assert f"{len(network.projections)} projections" in out[0] and "synapses expected" in out[0]


def test_validate_reports_expected_synapses(capsys):
    assert main(["validate", str(EXAMPLES / "brunel.json")]) == 0
    assert "~15,637,500 synapses expected" in capsys.readouterr().out  # 12,500 x 1,250 + 12,500 Poisson


def test_models_lists_every_model_with_parameters(capsys):
    assert main(["models"]) == 0
    text = capsys.readouterr().out
    for name in [*MODELS, "stdp_synapse"]:
        assert re.search(rf"^{name} \((neuron|device|synapse)\)", text, re.M)
    assert re.search(r"^\s+tau_m\s+10\s+ms\s+> 0, <= 1e\+09\s+Membrane time constant", text, re.M)

    assert main(["models", "--json"]) == 0
    described = json.loads(capsys.readouterr().out)
    assert [m["model"] for m in described if m["category"] != "synapse"] == list(MODELS)
    assert {m["model"] for m in described if m["category"] == "synapse"} >= {"static_synapse", "stdp_synapse"}
    tau_m = next(p for p in described[0]["parameters"] if p["name"] == "tau_m")
    assert (tau_m["default"], tau_m["unit"], tau_m["min"], tau_m["min_exclusive"]) == (10.0, "ms", 0.0, True)
    assert all(p["doc"] for m in described for p in m["parameters"])


def test_model_docs_are_generated_from_the_metadata():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "update_model_docs.py"), "--check"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_model_docs_name_the_kernel_of_every_model_next_to_its_equations():
    text = (ROOT / "docs" / "models.md").read_text(encoding="utf-8")
    sections = re.findall(r"^### (\w+)\n(.*?)(?=^### |\Z)", text, re.S | re.M)
    named = {}
    for model, body in sections:
        match = re.search(r"```\n\n(?:Integrated|Emitted|Delivered) by `(engine/kernels/\w+\.py):(\w+)`", body)
        if match:
            named[model] = match.groups()
    assert set(named) >= set(MODELS) | {"static_synapse", "stdp_synapse"}
    assert named["iaf_psc_exp"] == ("engine/kernels/lif.py", "update_iaf_psc_exp")
    for path, function in named.values():
        assert f"def {function}(" in (ROOT / path).read_text(encoding="utf-8")


def test_the_file_format_example_is_a_valid_network(tmp_path, capsys):
    text = (ROOT / "docs" / "file-format.md").read_text(encoding="utf-8")
    example = max(re.findall(r"```json\n(.*?)```", text, re.S), key=len)
    (tmp_path / "tiny.json").write_text(example, encoding="utf-8")
    assert main(["validate", str(tmp_path / "tiny.json")]) == 0
    assert capsys.readouterr().out.startswith("OK tiny: 2 populations (100 neurons, 1 device)")


# -- errors --------------------------------------------------------------------------
def _broken(tmp_path: Path, kind: str) -> Path:
    text = network_to_json(small_network())
    path = tmp_path / f"{kind}.json"
    if kind == "malformed":
        text = text[: len(text) // 2]
    elif kind == "unknown_model":
        text = text.replace('"model": "iaf_psc_delta"', '"model": "iaf_psc_deltaa"', 1)
    elif kind == "negative_size":
        text = text.replace('"size": 80', '"size": -80', 1)
    elif kind == "nan":
        text = text.replace('"tau_m": 20.0', '"tau_m": NaN', 1)
    elif kind == "missing":
        return tmp_path / "does_not_exist.json"
    path.write_text(text, encoding="utf-8")
    return path


BAD_FILES = {
    "malformed": "not valid JSON",
    "unknown_model": "unknown model 'iaf_psc_deltaa'",
    "negative_size": "population 'exc': size must be at least 1, got -80",
    "nan": "NaN is not allowed",
    "missing": "does_not_exist.json: cannot read (No such file or directory)",
}


@pytest.mark.parametrize("kind", BAD_FILES)
@pytest.mark.parametrize("command", ["validate", "run"])
def test_bad_network_files_exit_2_with_one_line(kind, command, tmp_path, capsys):
    path = _broken(tmp_path, kind)
    argv = [command, str(path)] + (["--out", str(tmp_path / "out")] if command == "run" else [])
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert BAD_FILES[kind] in one_error_line(captured.err)
    assert captured.out == ""
    assert not (tmp_path / "out").exists()  # nothing is written for an invalid network


def test_bad_files_in_a_real_process(tmp_path):
    for kind in ("malformed", "missing"):
        done = run_cli("validate", _broken(tmp_path, kind))
        assert done.returncode == 2
        assert BAD_FILES[kind] in one_error_line(done.stderr)


@pytest.mark.parametrize("argv, message", [
    ([], "choose a command"),
    (["simulate"], "invalid choice: 'simulate'"),
    (["run", "NET"], "the following arguments are required: --out"),
    (["run", "NET", "--out", "o", "--t-sim", "nan"], "argument --t-sim: must be a finite number of ms > 0"),
    (["run", "NET", "--out", "o", "--t-sim", "-5"], "argument --t-sim: must be a finite number of ms > 0"),
    (["run", "NET", "--out", "o", "--seed", "abc"], "argument --seed: expected a whole number"),
    (["run", "NET", "--out", "o", "--dt", "0"], "argument --dt: must be a finite number of ms > 0"),
    (["models", "--json", "--markdown"], "not allowed with argument"),
    (["serve", "--port", "0"], "argument --port: must be between 1 and 65535"),
    (["serve", "--max-running", "0"], "argument --max-running: must be between 1 and"),
    (["serve", "--max-neurons", "lots"], "argument --max-neurons: expected a whole number of neurons, got 'lots'"),
    (["serve", "--hidden-pause-s", "-5"], "argument --hidden-pause-s: must be a finite number >= 0 (0: never)"),
    (["serve", "--idle-pause-min", "inf"], "argument --idle-pause-min: must be a finite number >= 0 (0: never)"),
    (["serve", "--max-upload-mb", "0"], "argument --max-upload-mb: must be a number of MB from more than 0 to 1024"),
])
def test_usage_errors_exit_2_with_one_line(argv, message, capsys):
    assert main(argv) == 2
    assert message in one_error_line(capsys.readouterr().err)


def test_usage_error_in_a_real_process():
    done = run_cli("run")
    assert done.returncode == 2
    assert "required" in one_error_line(done.stderr)


def test_dt_outside_the_allowed_range_is_a_validation_error(net_file, tmp_path, capsys):
    assert main(["run", str(net_file), "--out", str(tmp_path / "o"), "--dt", "20"]) == 2
    assert "dt must be between 0.001 and 10 ms" in one_error_line(capsys.readouterr().err)


def test_out_must_be_a_directory(net_file, capsys):
    assert main(["run", str(net_file), "--out", str(net_file)]) == 2
    assert "exists and is not a directory" in one_error_line(capsys.readouterr().err)


def test_network_too_large_for_the_machine_exits_1(net_file, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SNN_MAX_MEMORY_FRACTION", "1e-12")
    assert main(["validate", str(net_file)]) == 1
    assert "too large for this machine" in one_error_line(capsys.readouterr().err)
    assert main(["run", str(net_file), "--out", str(tmp_path / "o")]) == 1
    assert "too large for this machine" in one_error_line(capsys.readouterr().err)


def test_numerical_blow_up_exits_1(tmp_path, capsys):
    network = Network(
        name="blow_up",
        populations=(Population("n", "iaf_psc_delta", 2),
                     Population("dc", "dc_generator", 1, params={"amplitude": 1e308})),
        projections=(Projection("dc", "n", weight=10.0, delay=0.1),),
    )
    save_network(network, tmp_path / "blow_up.json")
    assert main(["run", str(tmp_path / "blow_up.json"), "--t-sim", "5", "--out", str(tmp_path / "o")]) == 1
    assert "became infinite or NaN" in one_error_line(capsys.readouterr().err)


def test_constant_delay_below_dt_is_caught_by_validate(tmp_path, capsys):
    network = Network(name="short", dt=1.0, populations=(Population("a", "iaf_psc_delta", 2),),
                      projections=(Projection("a", "a", weight=1.0, delay=0.4),))
    save_network(network, tmp_path / "short.json")
    assert main(["validate", str(tmp_path / "short.json")]) == 2
    assert "delay 0.4 ms is below the time step" in one_error_line(capsys.readouterr().err)


# -- serve ----------------------------------------------------------------------------
def test_serve_command_starts_the_installed_launcher_with_the_options(tmp_path, monkeypatch):
    package = tmp_path / "designer"
    package.mkdir()
    (package / "server.py").write_text("")
    import importlib.util
    from engine.cli import build_parser

    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name: SimpleNamespace(submodule_search_locations=[str(package)]))
    command = serve_command(build_parser().parse_args(["serve", "--port", "5123", "--max-running", "8"]))
    assert command[:3] == [sys.executable, "-m", "designer.server"]
    options = json.loads(command[3])
    assert (options["port"], options["address"], options["max_running"]) == (5123, "127.0.0.1", 8)


def test_serve_without_the_app_is_one_error_line(tmp_path, monkeypatch, capsys):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name: SimpleNamespace(submodule_search_locations=[str(tmp_path)]))
    assert main(["serve"]) == 1
    assert "the designer app is missing" in one_error_line(capsys.readouterr().err)
