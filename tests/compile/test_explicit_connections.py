"""Explicit (listed) synapses: imported connectivity and learned weights saved with the network."""
import numpy as np
import pytest

from engine import Connectivity, Network, Population, Projection, Simulator, ValidationError
from engine.io import load_network, network_from_json, network_to_json


def listed_network(weights=(1.5, -2.0, 3.0)) -> Network:
    rule = Connectivity("explicit", pre_indices=(0, 1, 1), post_indices=(2, 0, 2))
    return Network(name="listed", populations=[Population("a", "iaf_psc_delta", 2), Population("b", "iaf_psc_delta", 3)],
                   projections=[Projection("a", "b", rule, weight=weights, delay=1.0)])


def test_listed_synapses_are_built_exactly_with_their_weights():
    sim = Simulator(listed_network())
    pre, post, weight = sim.projection_synapses("a→b")
    got = sorted(zip(pre.tolist(), post.tolist(), np.round(weight, 6).tolist()))
    assert got == [(0, 2, 1.5), (1, 0, -2.0), (1, 2, 3.0)]


def test_listed_synapses_round_trip_through_json():
    network = listed_network()
    assert network_from_json(network_to_json(network)) == network


@pytest.mark.parametrize("change, message", [
    (dict(weight=(1.0, 2.0)), "2 weights for 3 listed synapses"),
    (dict(rule=Connectivity("explicit", pre_indices=(0, 5, 1), post_indices=(0, 1, 2))), "pre_indices has neuron 5"),
])
def test_listed_synapses_are_checked(change, message):
    network = listed_network()
    with pytest.raises(ValidationError, match=message):
        network.replace_projection("a→b", **change)


def test_unequal_index_lists_are_refused():
    with pytest.raises(ValidationError, match="same length"):
        Connectivity("explicit", pre_indices=(0, 1), post_indices=(0,))


def test_learned_weights_are_saved_with_the_network_and_come_back():
    network = load_network("assets/examples/stdp_pattern.json")
    sim = Simulator(network)
    sim.run(2000.0)
    learned = sim.projection_weights("relay→readout")
    assert not np.allclose(learned, Simulator(network).projection_weights("relay→readout"))
    reopened = network_from_json(network_to_json(sim.learned_network()))
    assert reopened.projection("relay→readout").rule.rule == "explicit"
    np.testing.assert_allclose(np.sort(Simulator(reopened).projection_weights("relay→readout")), np.sort(learned))
