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
