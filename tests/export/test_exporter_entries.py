"""Each exporter keeps one entry per model (plan.NEST_SYNAPSES, pynn_script.PYNN_CELLS/PYNN_SYNAPSES,
brian2_script.BRIAN2_NEURONS/BRIAN2_SYNAPSES, nir_export.NIR_SYNAPSES): a model without an entry is
refused by the exporter's check, which names the model and the place to add it."""
import pytest

from engine import Network, Population, Projection, ValidationError
from engine.io import EXPORTERS
from engine.io import nir_export
from engine.io.export import brian2_script, plan, pynn_script


def stdp_network() -> Network:
    return Network(name="learning", populations=(Population("a", "iaf_psc_exp", 2, params={"I_e": 400.0}),
                                                 Population("b", "iaf_psc_exp", 2)),
                   projections=(Projection("a", "b", weight=100.0, synapse="stdp_synapse",
                                           synapse_params={"learning": 0.0}),))


@pytest.mark.parametrize("exporter, registry, place", [
    ("pynest", (plan, "NEST_SYNAPSES"), "engine/io/export/plan.py NEST_SYNAPSES"),
    ("pynn", (pynn_script, "PYNN_SYNAPSES"), "engine/io/export/pynn_script.py PYNN_SYNAPSES"),
    ("brian2", (brian2_script, "BRIAN2_SYNAPSES"), "engine/io/export/brian2_script.py BRIAN2_SYNAPSES"),
])
def test_a_synapse_model_without_an_entry_is_refused_naming_the_place(monkeypatch, exporter, registry, place):
    network = stdp_network()
    EXPORTERS[exporter].check(network)  # with its entry: exported
    module, name = registry
    monkeypatch.delitem(getattr(module, name), "stdp_synapse")
    with pytest.raises(ValidationError, match=f"projection 'a→b': synapse model stdp_synapse .*{place}"):
        EXPORTERS[exporter].check(network)


def test_nir_takes_only_fixed_weight_synapses(monkeypatch):
    EXPORTERS["nir"].check(stdp_network())
    monkeypatch.setattr(nir_export, "NIR_SYNAPSES", ("static_synapse",))
    with pytest.raises(ValidationError, match="projection 'a→b': stdp_synapse cannot be exported to NIR"):
        EXPORTERS["nir"].check(stdp_network())


@pytest.mark.parametrize("exporter, registry", [("pynn", (pynn_script, "PYNN_CELLS")),
                                                ("brian2", (brian2_script, "BRIAN2_NEURONS"))])
def test_a_neuron_model_without_an_entry_is_refused(monkeypatch, exporter, registry):
    module, name = registry
    monkeypatch.delitem(getattr(module, name), "iaf_psc_exp")
    with pytest.raises(ValidationError, match="population 'a': model iaf_psc_exp cannot be exported"):
        EXPORTERS[exporter].check(stdp_network())
