"""Nothing in a loaded file is ever executed: no eval/exec/pickle anywhere in the app's code, every
np.load refuses pickles, and a file naming a Python object or holding code is only data."""
from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pytest

from engine import ValidationError, load_dataset
from engine.io import network_from_json
from engine.io.data import load_npz

from fuzz_seeds import network_documents

ROOT = Path(__file__).resolve().parents[2]
EXECUTING_CALLS = {"eval", "exec", "compile", "__import__"}
EXECUTING_MODULES = {"pickle", "cPickle", "dill", "marshal", "shelve", "yaml", "joblib", "cloudpickle"}


def app_sources() -> list[Path]:
    return sorted(p for folder in ("engine", "designer") for p in (ROOT / folder).rglob("*.py"))


def test_the_app_has_no_call_that_runs_code_or_unpickles():
    found = []
    for path in app_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in EXECUTING_CALLS:
                found.append(f"{where}: {node.func.id}()")
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [alias.name for alias in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) else [])
                found += [f"{where}: import {n}" for n in names if n and n.split(".")[0] in EXECUTING_MODULES]
    assert not found, found
    assert len(app_sources()) > 50  # the walk saw the app


def test_every_np_load_in_the_app_refuses_pickles():
    loads = []
    for path in app_sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "load"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id in ("np", "numpy")):
                pickles = [k.value for k in node.keywords if k.arg == "allow_pickle"]
                loads.append((f"{path.relative_to(ROOT)}:{node.lineno}", pickles))
    assert loads, "the app reads .npz files (engine/io/data.py)"
    assert all(len(p) == 1 and isinstance(p[0], ast.Constant) and p[0].value is False for _, p in loads), loads


def test_a_pickled_array_is_refused_and_its_code_never_runs(tmp_path):
    ran = tmp_path / "ran"

    class Payload:  # unpickling this would create the file `ran`
        def __reduce__(self):
            return (Path.touch, (ran,))

    path = tmp_path / "data.npz"
    np.savez(path, values=np.array([Payload(), None], dtype=object), labels=np.array([0, 1]),
             population_names=np.array([Payload()], dtype=object))
    for load in (lambda: load_dataset(str(path), "data_source"), lambda: load_npz(path)):
        with pytest.raises(ValidationError, match="not a readable .npz"):
            load()
    assert not ran.exists()


@pytest.mark.parametrize("tag", ["__class__", "os.system", "eval", "builtins.exec", "subprocess.Popen", "Path"])
def test_a_design_naming_a_python_object_is_refused(tag):
    doc = json.loads(json.dumps(network_documents()["one_neuron"]))
    doc["network"]["populations"][0]["record"] = {"type": tag, "args": ["touch /tmp/x"]}
    with pytest.raises(ValidationError, match=r"unknown object type .* \(known: Network, Population"):
        network_from_json(json.dumps(doc))


def test_code_in_a_name_or_description_is_kept_as_text(tmp_path):
    ran = tmp_path / "ran"
    code = f"__import__('pathlib').Path('{ran}').touch()"
    doc = json.loads(json.dumps(network_documents()["one_neuron"]))
    doc["network"]["description"] = code
    doc["network"]["name"] = "{{7*7}} ${7*7} <script>window.__pwned=1</script>"
    network = network_from_json(json.dumps(doc))
    assert network.description == code and network.name.startswith("{{7*7}} ${7*7}")
    assert not ran.exists()
