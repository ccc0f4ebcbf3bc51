"""The native JSON format: every object round-trips; bad files give a clear ValidationError."""
import importlib.util
import inspect
import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from engine import (
    MODELS, Connectivity, Distribution, Network, Population, Projection, Recording, ValidationError,
)
from engine.io import (
    FORMAT_NAME, FORMAT_VERSION, from_dict, load_network, network_from_json, network_to_json, save_network, to_dict,
)
from engine.model.synapses import SYNAPSES

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "assets" / "examples").glob("*.json"))

DISTRIBUTIONS = [
    Distribution("normal", {"mean": 1.5, "std": 0.3}, clip_low=0.1),
    Distribution("uniform", {"low": -70.0, "high": -55.0}),
    Distribution("lognormal", {"mean": 0.0, "sigma": 0.5}, clip_low=0.2, clip_high=4.0),
]
RULES = [
    Connectivity(),
    Connectivity("one_to_one"),
    Connectivity("pairwise_bernoulli", p=0.1, allow_autapses=False),
    Connectivity("fixed_indegree", indegree=3, allow_multapses=False),
    Connectivity("fixed_outdegree", outdegree=2),
    Connectivity("fixed_total_number", N=40, allow_autapses=False, allow_multapses=False),
]


def every_kind_network() -> Network:
    """One population of every model, one projection per connection rule, every distribution kind."""
    pops = [
        Population("delta", "iaf_psc_delta", 10, params={"t_ref": 0.0, "I_e": 12.5},
                   initial={"V_m": DISTRIBUTIONS[1]}, record=Recording(traces=(0, 9)), position=(10.0, -20.5)),
        Population("exp", "iaf_psc_exp", 10, params={"tau_syn_ex": 1.5},
                   record=Recording(spikes=False, traces=(2,), variables=("V_m", "I_syn_ex", "I_syn_in"))),
        Population("alpha", "iaf_psc_alpha", 5, initial={"V_m": -65.0}),
        Population("relay", "parrot_neuron", 10),
        Population("noise", "poisson_generator", 1, params={"rate": 1234.5, "start": 10.0}),
        Population("step", "dc_generator", 1, params={"amplitude": -80.0, "start": 100.0, "stop": 300.0}),
        Population("stim", "spike_generator", 2, params={"spike_times": [[1.0, 2.5], [7.0]]}),
    ]
    covered = {p.model for p in pops}
    pops += [Population(f"more {name}", name, 2) for name in MODELS if name not in covered]  # models added later
    projs = [
        Projection("delta", "exp", RULES[0], weight=DISTRIBUTIONS[0], delay=DISTRIBUTIONS[2]),
        Projection("delta", "relay", RULES[1]),
        Projection("exp", "exp", RULES[2], weight=-20.0, delay=DISTRIBUTIONS[0]),
        Projection("delta", "alpha", RULES[3], weight=30.0, delay=0.5),
        Projection("alpha", "exp", RULES[4], name="feedback"),
        Projection("delta", "delta", RULES[5], weight=0.5, delay=2.0),
        Projection("noise", "delta", weight=0.1),
        Projection("step", "alpha"),
        Projection("stim", "relay", delay=0.3),
        Projection("delta", "exp", Connectivity("fixed_indegree", indegree=2), weight=20.0, synapse="stdp_synapse",
                   synapse_params={"pairing": "nearest", "Wmax": 50.0, "lambda": 0.02}, name="learning"),
        Projection("relay", "alpha", Connectivity("pairwise_bernoulli", p=0.5), weight=-40.0, synapse="tsodyks2_synapse",
                   synapse_params={"U": 0.2, "tau_rec": 300.0, "tau_fac": 40.0, "x": 0.9}, name="short-term"),
    ]
    return Network(name="everything", populations=pops, projections=projs, description="all kinds — ü",
                   dt=0.05, seed=123, t_sim=250.0)


def document(network=None, **changes) -> dict:
    doc = json.loads(network_to_json(network or every_kind_network()))
    doc.update(changes)
    return doc


def test_the_test_network_covers_every_model_rule_and_synapse():
    net = every_kind_network()
    assert {p.model for p in net.populations} == set(MODELS)
    assert {p.synapse for p in net.projections} == set(SYNAPSES)
    assert net.projection("learning").synapse_params["pairing"] == "nearest"
    assert net.projection("short-term").synapse_params["u"] is None  # unset initial u (= U) stays unset
    assert {p.rule.rule for p in net.projections} >= {r.rule for r in RULES}


@pytest.mark.parametrize("obj", [*DISTRIBUTIONS, *RULES, Recording(), Recording(spikes=False, traces=(3, 1), variables=("I_syn_ex",))],
                         ids=repr)
def test_small_objects_round_trip(obj):
    data = to_dict(obj)
    assert data["type"] == type(obj).__name__
    assert from_dict(data) == obj
    assert from_dict(json.loads(json.dumps(data))) == obj


def test_network_round_trips_through_dict_and_json_text():
    net = every_kind_network()
    assert from_dict(to_dict(net)) == net
    text = network_to_json(net)
    assert network_from_json(text) == net
    assert network_from_json(text.encode("utf-8")) == net
    assert network_to_json(network_from_json(text)) == text  # stable: no churn in saved files


def test_document_header():
    doc = document()
    assert doc["format"] == FORMAT_NAME == "snn-designer-network"
    assert doc["version"] == FORMAT_VERSION
    assert doc["network"]["type"] == "Network"
    assert doc["network"]["populations"][0]["initial"]["V_m"] == {
        "type": "Distribution", "kind": "uniform", "params": {"low": -70.0, "high": -55.0},
        "clip_low": None, "clip_high": None, "clip": "redraw", "scale": 1.0}


def test_save_and_load(tmp_path):
    net = every_kind_network()
    path = tmp_path / "net.json"
    save_network(net, path)
    assert load_network(path) == net
    assert load_network(str(path)) == net
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.json"]  # no temporary file left behind
    assert oct(path.stat().st_mode & 0o777) == "0o644"


def test_saving_over_an_existing_file_replaces_it(tmp_path):
    path = tmp_path / "net.json"
    save_network(Network(name="old"), path)
    save_network(every_kind_network(), path)
    assert load_network(path).name == "everything"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.json"]


def test_failed_save_leaves_the_existing_file_untouched(tmp_path):
    path = tmp_path / "net.json"
    save_network(Network(name="old"), path)
    before = path.read_bytes()
    broken = every_kind_network()
    broken.populations[0].params["tau_m"] = float("nan")  # corrupted in memory, bypassing validation
    with pytest.raises(ValidationError, match=r"cannot save the non-finite number nan"):
        save_network(broken, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.json"]


def test_crash_while_writing_leaves_the_existing_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "net.json"
    save_network(Network(name="old"), path)
    before = path.read_bytes()

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        save_network(every_kind_network(), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.json"]


# -- bad files ----------------------------------------------------------------------------------------

def load_text(tmp_path, text: str | bytes):
    path = tmp_path / "bad.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return load_network(path)


@pytest.mark.parametrize("text,expected", [
    ("{", r"bad.json: not valid JSON \(Expecting property name enclosed in double quotes at line 1, column 2\)"),
    ("", r"bad.json: not valid JSON \(Expecting value at line 1, column 1\)"),
    ("[1, 2]", r"bad.json: not an SNN Designer network \(missing \"format\": \"snn-designer-network\"\)"),
    ('{"format": "nest-network", "version": 1, "network": {}}', r"bad.json: not an SNN Designer network"),
    ('{"format": "snn-designer-network", "version": 99, "network": {}}',
     r"bad.json: written by a newer SNN Designer \(format version 99; this one reads up to 2\)"),
    ('{"format": "snn-designer-network", "version": "1", "network": {}}', r"bad.json: field 'version' must be a whole number"),
    ('{"format": "snn-designer-network", "version": true, "network": {}}', r"bad.json: field 'version' must be a whole number"),
    ('{"format": "snn-designer-network", "version": 1}', r"bad.json: field 'network' is missing or not an object"),
    ('{"format": "snn-designer-network", "version": 1, "network": {"type": "Recording"}}',
     r"bad.json: field 'network' must be of type Network"),
])
def test_malformed_file(tmp_path, text, expected):
    with pytest.raises(ValidationError, match=expected):
        load_text(tmp_path, text)


def test_truncated_file(tmp_path):
    text = network_to_json(every_kind_network())
    with pytest.raises(ValidationError, match=r"bad.json: not valid JSON \(.* at line \d+, column \d+\)"):
        load_text(tmp_path, text[: len(text) // 2])


def test_binary_file(tmp_path):
    with pytest.raises(ValidationError, match=r"bad.json: not a text \(UTF-8\) file"):
        load_text(tmp_path, b"\x89PNG\r\n\x1a\n\xff\xfe")


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_number_literal_is_refused(tmp_path, literal):
    text = network_to_json(every_kind_network()).replace('"I_e": 12.5', f'"I_e": {literal}')
    assert literal in text
    with pytest.raises(ValidationError, match=rf"bad.json: {literal} is not allowed \(numbers must be finite\)"):
        load_text(tmp_path, text)


def test_huge_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as f:
        f.truncate(64 * 2**20 + 1)  # sparse: no 64 MiB written
    with pytest.raises(ValidationError, match=r"huge.json: file is larger than 64 MiB"):
        load_network(path)
    with pytest.raises(ValidationError, match=r"upload: file is larger than 64 MiB"):
        network_from_json(b" " * (64 * 2**20 + 1), source="upload")


def test_missing_file(tmp_path):
    with pytest.raises(ValidationError, match=r"nothere.json: cannot read \(No such file or directory\)"):
        load_network(tmp_path / "nothere.json")


def population_doc(**changes) -> dict:
    doc = document()
    doc["network"]["populations"][0].update(changes)
    return doc


def projection_doc(**changes) -> dict:
    doc = document()
    doc["network"]["projections"][3].update(changes)
    return doc


@pytest.mark.parametrize("doc,expected", [
    (population_doc(type="Neuron"),
     r"network.populations\[0\]: unknown object type 'Neuron' \(known: Network, Population, Projection, Connectivity, Distribution, Recording, Memristor\)"),
    (population_doc(type=["Population"]), r"network.populations\[0\]: unknown object type \['Population'\]"),
    (population_doc(colour="red"), r"network.populations\[0\]: Population has no field 'colour'"),
    (projection_doc(rule={"type": "Connectivity", "rule": "fixed_indegree", "indegree": 3, "fan": 2}),
     r"network.projections\[3\].rule: Connectivity has no field 'fan'"),
])
def test_unknown_type_or_field_names_where(doc, expected):
    with pytest.raises(ValidationError, match=expected):
        network_from_json(json.dumps(doc))


@pytest.mark.parametrize("doc,expected", [
    (population_doc(size="ten"), r"population 'delta': size must be a whole number, got 'ten'"),
    (population_doc(size=-3), r"population 'delta': size must be at least 1, got -3"),
    (population_doc(params=[1, 2]), r"population 'delta': params must be a mapping of parameter names to values"),
    (population_doc(params={"tau_m": "10"}), r"population 'delta': parameter 'tau_m' must be a number, got '10'"),
    (population_doc(model=5), r"population 'delta': model must be a model name, got 5"),
    (population_doc(record={"spikes": True}), r"population 'delta': record must be a Recording"),
    (population_doc(position=[1, 2, 3]), r"network.populations\[0\]: invalid Population: too many values to unpack"),
    (population_doc(name=None), r"population: name must be a non-empty text, got None"),
    (projection_doc(weight="strong"), r"projection 'delta→alpha': weight must be a finite number, got 'strong'"),
    (projection_doc(rule="fixed_indegree"), r"projection 'delta→alpha': rule must be a Connectivity"),
    (projection_doc(delay=None), r"projection 'delta→alpha': delay must be a finite number, got None"),
    (projection_doc(post="alpah"), r"projection 'delta→alpha': unknown population 'alpah' in post \(did you mean 'alpha'\?\)"),
    (document(network={"type": "Network", "populations": 5}), r"network: invalid Network: 'int' object is not iterable"),
    (document(network={"type": "Network", "dt": "0.1"}), r"network: dt must be a finite number, got '0.1'"),
])
def test_wrong_types_give_a_message_naming_the_object(doc, expected):
    with pytest.raises(ValidationError, match=expected):
        network_from_json(json.dumps(doc))


def test_version_0_document_is_migrated():
    # version 0 kept populations as a name -> object mapping
    doc = document(version=0)
    net = every_kind_network()
    doc["network"]["populations"] = {p["name"]: {k: v for k, v in p.items() if k != "name"}
                                     for p in doc["network"]["populations"]}
    assert network_from_json(json.dumps(doc)) == net


def test_version_1_clipped_distributions_keep_clamping():
    """Version 1 clipped by clamping; version 2's default is NEST's redraw. An old file keeps its meaning."""
    weight = Distribution("normal", {"mean": -40.0, "std": 5.0}, clip_high=0.0)
    net = Network(populations=[Population("a", "iaf_psc_exp", 5)],
                  projections=[Projection("a", "a", weight=weight, delay=Distribution("uniform", {"low": 1.0, "high": 2.0}))])
    doc = json.loads(network_to_json(net))
    doc["version"] = 1
    for value in (doc["network"]["projections"][0]["weight"], doc["network"]["projections"][0]["delay"]):
        del value["clip"], value["scale"]
    loaded = network_from_json(json.dumps(doc)).projections[0]
    assert loaded.weight == replace(weight, clip="clamp")
    assert loaded.delay.clip == "redraw"  # unbounded: the mode means nothing, the default is kept
    assert net.projections[0].weight.clip == "redraw"


# -- the gallery ----------------------------------------------------------------------------------------

def gallery_networks() -> dict[str, Network]:
    """Every network scripts/make_examples.py builds with its default arguments, by name."""
    spec = importlib.util.spec_from_file_location("make_examples", REPO / "scripts" / "make_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    networks = {}
    for name, function in vars(module).items():
        if name.startswith("_") or not inspect.isfunction(function) or function.__module__ != module.__name__:
            continue
        if all(p.default is not p.empty for p in inspect.signature(function).parameters.values()):
            net = function()
            if isinstance(net, Network):
                networks[net.name] = net
    return networks


def test_gallery_is_what_make_examples_writes():
    assert {"brunel", "cuba", "ei_network", "one_neuron"} <= {p.stem for p in EXAMPLES}
    assert {p.stem for p in EXAMPLES} == set(gallery_networks())


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_loads_and_is_up_to_date(path):
    net = load_network(path)
    assert isinstance(net, Network) and net.name == path.stem
    assert net.description
    assert net == gallery_networks()[path.stem], f"{path.name} is stale: run scripts/make_examples.py"
    assert path.read_text(encoding="utf-8") == network_to_json(net)
