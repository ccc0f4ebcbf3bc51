"""The export/import subcommands (engine.io.export.cli, hooked into `snn-designer` by engine/cli.py)
and the results code every script carries, which must match `snn-designer run`'s."""
import argparse
import ast
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from engine import ValidationError
from engine.io import load_network
from engine.io.export import script_results
from engine.io.export.cli import add_backend_arguments, add_export_commands
from export_helpers import EXAMPLES


def parse(argv):
    parser = argparse.ArgumentParser(prog="snn-designer")
    commands = parser.add_subparsers(dest="command")
    add_export_commands(commands)
    run = commands.add_parser("run")
    run.add_argument("network")
    run.add_argument("--out")
    add_backend_arguments(run)
    return parser.parse_args(argv)


@pytest.mark.parametrize("target", ["pynest", "pynn", "brian2"])
def test_export_writes_a_script(tmp_path, target, capsys):
    out = tmp_path / f"cuba_{target}.py"
    args = parse(["export", str(EXAMPLES / "cuba.json"), "--to", target, "-o", str(out), "--seed", "9"])
    assert args.handler(args) == 0
    text = out.read_text()
    ast.parse(text)
    assert "SEED = 9" in text
    assert f"wrote {out}" in capsys.readouterr().out


def test_export_and_import_nir(tmp_path, capsys):
    graph = tmp_path / "cuba.nir"
    args = parse(["export", str(EXAMPLES / "one_neuron.json"), "--to", "nir", "-o", str(graph)])
    with pytest.raises(ValidationError, match="cannot be exported to NIR"):
        args.handler(args)
    small = tmp_path / "small.json"
    network = load_network(EXAMPLES / "cuba.json")
    network = network.replace_population("exc", size=40).replace_population("inh", size=10)
    from engine.io import save_network
    save_network(network, small)
    args = parse(["export", str(small), "--to", "nir", "-o", str(graph)])
    assert args.handler(args) == 0
    back = tmp_path / "back.json"
    args = parse(["import", str(graph), "-o", str(back)])
    assert args.handler(args) == 0
    assert load_network(back) == network
    assert "2 populations (50 neurons)" in capsys.readouterr().out


def test_bad_arguments_are_refused():
    with pytest.raises(SystemExit):
        parse(["export", "net.json", "--to", "sonata", "-o", "x"])
    with pytest.raises(SystemExit):
        parse(["run", "net.json", "--out", "d", "--backend", "nest", "--threads", "0"])
    args = parse(["run", "net.json", "--out", "d", "--backend", "nest", "--threads", "2"])
    assert args.backend == "nest" and args.threads == 2
    assert parse(["run", "net.json", "--out", "d"]).backend == "engine"


def test_results_code_matches_the_engine_cli():
    from engine.cli import cv_isi, spikes_csv

    rng = np.random.default_rng(3)
    for size in (1, 5, 40):
        neuron = rng.integers(0, size, 300)
        times = np.round(rng.uniform(0, 1000, 300), 1)
        ours, theirs = script_results.cv_isi(neuron, times, size), cv_isi(neuron, times, size)
        assert ours == pytest.approx(theirs) if theirs is not None else ours is None
    assert script_results.cv_isi(np.array([0, 0]), np.array([1.0, 2.0]), 1) is None
    spikes = [("exc", np.array([2, 0, 1]), np.array([0.30000000000000004, 0.1, 0.2])), ('a,"b"', np.array([0]), np.array([5.0]))]
    order = np.lexsort((spikes[0][1], spikes[0][2]))
    engine_text = spikes_csv([("exc", spikes[0][1][order], spikes[0][2][order]), spikes[1]])
    assert script_results.spikes_csv_text(spikes) == engine_text


def test_write_results_writes_the_summary_fields(tmp_path):
    pops = [["exc", "iaf_psc_exp", 4, True], ["inh", "iaf_psc_exp", 2, False]]
    spikes = {"exc": (np.array([0, 1, 0, 0]), np.array([1.0, 2.0, 3.0, 6.0])), "inh": (np.array([1]), np.array([4.0]))}
    script_results.write_results(str(tmp_path), pops, spikes, 100.0,
                                 {"network": "n", "build_s": 0.5, "sim_s": 0.25, "seed": 1})
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["bio_s_per_wall_s"] == pytest.approx(0.4) and summary["n_neurons"] == 6
    assert summary["populations"]["exc"] == {"model": "iaf_psc_exp", "size": 4, "recorded": True, "n_spikes": 4,
                                             "rate_hz": 10.0, "cv_isi": pytest.approx(0.2)}  # ISIs 2 and 3 ms
    assert summary["populations"]["inh"]["recorded"] is False
    assert (tmp_path / "spikes.csv").read_text().splitlines() == [
        "population,neuron,time_ms", "exc,0,1.0", "exc,1,2.0", "exc,0,3.0", "exc,0,6.0"]


def test_names_that_are_not_identifiers_survive_every_script():
    from engine import Network, Population, Projection
    from engine.io.export import export_brian2, export_pynest, export_pynn

    odd = 'E "quoted"\\ and\nnew line, comma'
    network = Network(name='net """ x', description='says """ and \\ too',
                      populations=(Population(odd, "iaf_psc_exp", 3), Population("β→γ", "iaf_psc_alpha", 2)),
                      projections=(Projection(odd, "β→γ", weight=5.0),))
    for exporter in (export_pynest, export_pynn, export_brian2):
        text = exporter(network)
        tree = ast.parse(text)
        names = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and node.value == odd]
        assert names, exporter.__name__


def test_the_export_commands_do_not_import_the_main_cli():
    """engine/cli.py imports engine/io/export/cli.py to add its commands; the other way round would be a cycle."""
    root = str(EXAMPLES.parents[1])
    code = "import sys, engine.io.export.cli; print('engine.cli' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=root,
                          env={**os.environ, "PYTHONPATH": root})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
