"""Edits make new, validated networks and keep projections consistent with populations."""
import pytest

from engine import Connectivity, Network, Population, Projection, ValidationError


@pytest.fixture
def net():
    return Network(
        populations=[Population("exc", "iaf_psc_delta", 80), Population("inh", "iaf_psc_delta", 20),
                     Population("noise", "poisson_generator", 1, params={"rate": 8000.0})],
        projections=[
            Projection("exc", "exc", Connectivity("fixed_indegree", indegree=8), weight=0.1),
            Projection("exc", "inh", Connectivity("fixed_indegree", indegree=8), weight=0.1),
            Projection("inh", "exc", Connectivity("fixed_indegree", indegree=2), weight=-0.5, name="inhibition"),
            Projection("noise", "exc", weight=0.1),
        ],
    )


def test_rename_updates_projection_ends_and_default_names(net):
    renamed = net.replace_population("exc", name="E")
    assert [p.name for p in renamed.populations] == ["E", "inh", "noise"]
    assert [(p.name, p.pre, p.post) for p in renamed.projections] == [
        ("E→E", "E", "E"), ("E→inh", "E", "inh"), ("inhibition", "inh", "E"), ("noise→E", "noise", "E"),
    ]
    # everything else about the projections is kept
    assert renamed.projection("E→inh").rule == net.projection("exc→inh").rule
    assert renamed.projection("inhibition").weight == -0.5


def test_edits_leave_the_original_unchanged(net):
    net.replace_population("exc", name="E", size=40)
    net.without(populations=["inh"])
    assert net.population("exc").size == 80
    assert [p.name for p in net.projections] == ["exc→exc", "exc→inh", "inhibition", "noise→exc"]


def test_replace_population_changes_fields_and_validates(net):
    bigger = net.replace_population("inh", size=50, params={"tau_m": 5.0})
    assert bigger.population("inh").size == 50
    assert bigger.population("inh").params["tau_m"] == 5.0
    assert bigger.n_neurons == 80 + 50 + 1
    with pytest.raises(ValidationError, match=r"population 'inh': parameter 'V_reset' \(-70 mV\) must be below V_th \(-80 mV\)"):
        net.replace_population("inh", params={"V_th": -80.0})
    with pytest.raises(ValidationError, match=r"population 'inh': name is used twice"):
        net.replace_population("exc", name="inh")
    with pytest.raises(ValidationError, match=r"network: no population named 'inhh'"):
        net.replace_population("inhh", size=3)


def test_resize_that_breaks_a_projection_is_refused():
    net = Network(populations=[Population("a", "parrot_neuron", 5), Population("b", "parrot_neuron", 5)],
                  projections=[Projection("a", "b", Connectivity("one_to_one"))])
    with pytest.raises(ValidationError, match=r"projection 'a→b': rule one_to_one needs equal sizes, but 'a' has 6 and 'b' 5"):
        net.replace_population("a", size=6)


def test_without_population_removes_every_projection_touching_it(net):
    smaller = net.without(populations=["inh"])
    assert [p.name for p in smaller.populations] == ["exc", "noise"]
    assert [p.name for p in smaller.projections] == ["exc→exc", "noise→exc"]
    alone = net.without(populations=["exc"])
    assert [p.name for p in alone.populations] == ["inh", "noise"]
    assert alone.projections == ()


def test_without_projection_keeps_the_populations(net):
    smaller = net.without(projections=["inhibition", "noise→exc"])
    assert [p.name for p in smaller.projections] == ["exc→exc", "exc→inh"]
    assert len(smaller.populations) == 3


def test_with_and_replace_projection(net):
    more = net.with_projection(Projection("noise", "inh", weight=0.1))
    assert more.projection("noise→inh").weight == 0.1
    with pytest.raises(ValidationError, match=r"projection 'noise→exc': name is used twice"):
        net.with_projection(Projection("noise", "exc"))
    weaker = net.replace_projection("inhibition", weight=-0.2)
    assert weaker.projection("inhibition").weight == -0.2
    assert net.projection("inhibition").weight == -0.5
    with pytest.raises(ValidationError, match=r"network: no projection named 'exc→noise'"):
        net.replace_projection("exc→noise", weight=1.0)
    with pytest.raises(ValidationError, match=r"projection 'inhibition': delay must be > 0 ms"):
        net.replace_projection("inhibition", delay=0.0)


def test_with_population_refuses_a_duplicate(net):
    assert net.with_population(Population("out", "parrot_neuron", 3)).population("out").size == 3
    with pytest.raises(ValidationError, match=r"population 'noise': name is used twice"):
        net.with_population(Population("noise", "poisson_generator", 1))


def test_rename_projection(net):
    renamed = net.replace_projection("exc→inh", name="drive")
    assert [p.name for p in renamed.projections] == ["exc→exc", "drive", "inhibition", "noise→exc"]
    assert (renamed.projection("drive").pre, renamed.projection("drive").post) == ("exc", "inh")
    with pytest.raises(ValidationError, match=r"projection 'inhibition': name is used twice"):
        net.replace_projection("exc→inh", name="inhibition")


def test_replace_param_names_fields_as_the_simulators_set_param_does(net):
    assert net.replace_param("inh", "tau_m", 5.0).population("inh").params["tau_m"] == 5.0
    assert net.replace_param("noise", "rate", 100.0).population("noise").params["rate"] == 100.0
    assert net.replace_param("inhibition", "weight", -0.2).projection("inhibition").weight == -0.2
    plastic = net.replace_projection("exc→exc", synapse="stdp_synapse")
    learned = plastic.replace_param("exc→exc", "learning", False).replace_param("exc→exc", "Wmax", 50.0)
    assert learned.projection("exc→exc").synapse_params["learning"] == 0.0
    assert learned.projection("exc→exc").synapse_params["Wmax"] == 50.0
    with pytest.raises(ValidationError, match=r"network: no projection named 'nobody'"):
        net.replace_param("nobody", "weight", 1.0)
