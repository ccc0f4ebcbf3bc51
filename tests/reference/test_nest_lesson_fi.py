"""Lesson 1's f-I curve: NEST's iaf_psc_alpha under a dc_generator fires at the analytic LIF rate
(within 2 %, the grid), and at the engine's rate."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from nest_helpers import nest_single_neuron

from engine import analysis
from engine.io import load_lesson

pytestmark = pytest.mark.reference

LESSON = Path(__file__).resolve().parents[2] / "assets" / "lessons" / "lif_neuron.json"
LIF = {"E_L": -70.0, "C_m": 250.0, "tau_m": 10.0, "t_ref": 2.0, "V_th": -55.0, "V_reset": -70.0}


@pytest.mark.parametrize("current", [380.0, 400.0, 500.0, 700.0, 1000.0])
def test_nest_fires_at_the_analytic_rate_and_the_engines(current):
    from engine import Simulator

    _t, _v, nest_spikes = nest_single_neuron("iaf_psc_alpha", LIF, [], 1000.0, dc=(current, 0.0, None))
    network = load_lesson(LESSON).network.replace_param("current", "amplitude", current)
    sim = Simulator(network)
    sim.run(1000.0)
    ours = sim.spikes("neuron")[1]
    nest_rate = analysis.steady_rate(np.asarray(nest_spikes), settle_ms=50.0)
    assert nest_rate == pytest.approx(analysis.lif_rate(current, **LIF), rel=0.02)
    assert analysis.steady_rate(ours, settle_ms=50.0) == pytest.approx(nest_rate, rel=0.01)
