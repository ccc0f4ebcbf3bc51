"""The Export menu offers every exporter of engine.io.EXPORTERS, refuses with the exporter's own
check (its reason shown before any download) and writes what the CLI writes."""
from __future__ import annotations

import html

import pytest

from designer.recording import RecordedData
from designer.session import LiveSession
from designer.state import DesignState
from designer.views.export import FORMATS, NETWORK_EXPORTS, ExportMenu, export_bytes
from engine import Network, Population, Projection, ValidationError
from engine.cli import main
from engine.io import EXPORTERS, save_network


def relay_network() -> Network:
    """A parrot relay: NEST and Brian2 take it, PyNN and NIR have no relay neuron."""
    return Network(name="relay", t_sim=50.0, populations=(
        Population("input", "poisson_generator", 1, params={"rate": 100.0}),
        Population("relay", "parrot_neuron", 3),
        Population("out", "iaf_psc_exp", 2)),
        projections=(Projection("input", "relay", weight=1.0), Projection("relay", "out", weight=50.0)))


@pytest.fixture
def menu():
    state = DesignState(relay_network())
    session = LiveSession(state)
    yield ExportMenu(state, RecordedData(session))
    session.close()


def choose(menu: ExportMenu, name: str) -> None:
    menu.kind.value = next(label for label in menu.kind.options if FORMATS[label] == name)


def test_menu_lists_every_registered_exporter_with_its_label_and_suffix(menu):
    for exporter in EXPORTERS.values():
        choose(menu, exporter.name)
        assert menu.kind.value.startswith(exporter.label)
        assert menu.download.filename == f"relay{exporter.suffix}"


@pytest.mark.parametrize("name, reason", [
    ("pynest", ""), ("brian2", ""),
    ("pynn", "population 'relay': model parrot_neuron cannot be exported to PyNN"),
    ("nir", "population 'input': poisson_generator cannot be exported to NIR"),
])
def test_menu_refuses_with_the_exporters_own_reason(menu, name, reason):
    choose(menu, name)
    assert menu.download.disabled is bool(reason)
    if not reason:
        EXPORTERS[name].check(menu.state.network)  # no exception: the check agrees with the menu
        assert menu.message.object == ""
        return
    with pytest.raises(ValidationError, match=reason) as refused:
        EXPORTERS[name].check(menu.state.network)
    assert html.escape(str(refused.value)) in menu.message.object


def test_menu_and_cli_write_the_same_script(menu, tmp_path, capsys):
    path = tmp_path / "relay.json"
    save_network(menu.state.network, path)
    out = tmp_path / "relay_nest.py"
    assert main(["export", str(path), "--to", "pynest", "-o", str(out)]) == 0
    assert "PyNEST script of 'relay'" in capsys.readouterr().out
    assert export_bytes("pynest", menu.state, menu.recorded) == out.read_bytes()


def test_cli_offers_exactly_the_registered_formats(tmp_path, capsys):
    path = tmp_path / "relay.json"
    save_network(relay_network(), path)
    assert main(["export", str(path), "--to", "spreadsheet", "-o", str(tmp_path / "x")]) == 2
    error = capsys.readouterr().err
    for name in EXPORTERS:
        assert name in error
    assert main(["export", str(path), "--to", "pynn", "-o", str(tmp_path / "x.py")]) == 2
    assert "parrot_neuron cannot be exported to PyNN" in capsys.readouterr().err


def test_each_network_export_is_labelled_with_its_file_extension():
    labels = {name: label for label, (name, _) in NETWORK_EXPORTS.items()}
    assert labels["nir"] == "NIR graph (.nir)" and labels["pynest"] == "PyNEST script (.py)"
    assert all(label.endswith(")") and "()" not in label for label in labels.values())


def fit_network(n_out: int) -> Network:
    """Spike inputs onto current-based LIF neurons, delay one step: Loihi takes it; BrainScaleS-2
    has 512 neurons."""
    return Network(name="fit", t_sim=50.0, populations=(
        Population("input", "spike_generator", 4, params={"spike_times": [1.0, 2.0]}),
        Population("out", "iaf_psc_exp", n_out)),
        projections=(Projection("input", "out", weight=50.0, delay=0.1),))


def fit_entries(menu: ExportMenu) -> dict:
    """target -> (fits, its text) as the menu shows them."""
    import re

    text = menu.fit.object
    found = re.findall(r"<div class='fit-target' data-target='([^']+)' data-fits='(true|false)'[^>]*>(.*?)</ul></div>",
                       text, re.S)
    return {target: (fits == "true", html.unescape(body)) for target, fits, body in found}


def test_before_a_nir_export_the_menu_shows_each_targets_fit_with_its_reasons():
    state = DesignState(fit_network(600))
    session = LiveSession(state)
    menu = ExportMenu(state, RecordedData(session))
    try:
        assert not menu.fit.visible  # PyNEST: no chip takes it
        choose(menu, "nir")
        assert menu.fit.visible
        entries = fit_entries(menu)
        assert set(entries) == {"loihi", "spinnaker2", "speck", "xylo", "brainscales2"}
        assert "Hardware fit: 3 of 5 targets" in menu.fit.object
        fits, text = entries["brainscales2"]
        assert not fits and "neurons_per_chip" in text and "600 neurons, more than the 512" in text
        assert "(design: 600; limit: 512)" in text
        fits, text = entries["speck"]
        assert not fits and "iaf_psc_exp is not run by SynSense Speck" in text
        fits, text = entries["loihi"]
        assert fits and "not checked: fan_in (no public figure" in text
        state.replace_network(fit_network(20), "smaller")  # a new design: new verdicts
        assert fit_entries(menu)["brainscales2"][0]
        choose(menu, "pynest")
        assert not menu.fit.visible
    finally:
        session.close()


def test_the_fit_menu_shows_each_projections_quantisation_error_even_within_tolerance():
    from engine import Connectivity, Distribution
    from engine.neuromorphic import check_fit

    network = Network(name="spread", t_sim=50.0, populations=(
        Population("input", "spike_generator", 20, params={"spike_times": [1.0]}),
        Population("out", "iaf_psc_exp", 30)), projections=(
        Projection("input", "out", Connectivity("all_to_all"), weight=Distribution("normal", {"mean": 40.0, "std": 10.0}),
                   delay=0.1),))
    state = DesignState(network)
    session = LiveSession(state)
    menu = ExportMenu(state, RecordedData(session))
    try:
        choose(menu, "nir")
        entries = fit_entries(menu)
        for target in ("loihi", "brainscales2"):  # 9-bit weights: within the 1 % tolerance; 6-bit: beyond it
            error = check_fit(network, target).quantisation["input→out"]
            assert error > 0
            assert f"weights of input→out at the chip's precision: {100 * error:.3g} % RMS error" in entries[target][1]
        assert check_fit(network, "loihi").quantisation["input→out"] < 0.01 < check_fit(
            network, "brainscales2").quantisation["input→out"]
    finally:
        session.close()

