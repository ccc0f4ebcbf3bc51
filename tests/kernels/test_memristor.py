"""Memristive synapses: the ideal device is the plain projection (identical spikes), levels put
weights on the device's grid, stuck fractions match their probabilities (4 sigma), updates follow
NeuroSim's nonlinear curve, read noise and drift act as their equations say, presets load with
sources, and bad devices are refused with the field named."""
from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from engine import Connectivity, Network, Population, Projection, Simulator, ValidationError
from engine.compile.memristors import level_grid
from engine.io.native import load_network, network_from_json, network_to_json
from engine.kernels import memristor as device_kernel
from engine.kernels.memristor import DeviceConstants
from engine.model.memristor import Memristor, load_presets, preset

EXAMPLES = Path(__file__).resolve().parents[2] / "assets" / "examples"
PATTERN = load_network(EXAMPLES / "stdp_pattern.json")
PLASTIC = next(p.name for p in PATTERN.projections if p.synapse == "stdp_synapse")
WMAX = PATTERN.projection(PLASTIC).synapse_params["Wmax"]


def with_device(device: Memristor, network: Network = PATTERN, name: str = PLASTIC) -> Network:
    return network.replace_projection(name, memristor=device)


def run(network: Network, t_ms: float = 500.0) -> Simulator:
    sim = Simulator(network, seed=2)
    sim.run(t_ms)
    return sim


def big_projection(device: Memristor) -> Network:
    """100 x 100 all to all (10,000 devices), weights spread over [0, Wmax]."""
    return Network(name="big", seed=5, populations=(
        Population("a", "iaf_psc_delta", 100), Population("b", "iaf_psc_delta", 100)), projections=(
        Projection("a", "b", Connectivity("all_to_all"), weight=0.5, synapse="stdp_synapse",
                   synapse_params={"Wmax": 1.0}, memristor=device),))


def test_the_ideal_device_gives_exactly_the_plain_projections_spikes_and_weights():
    plain, ideal = run(PATTERN), run(with_device(preset("ideal")))
    assert len(plain.spikes()[0]) > 1000
    for a, b in zip(plain.spikes(), ideal.spikes()):
        assert np.array_equal(a, b)
    assert np.array_equal(plain.projection_weights(PLASTIC), ideal.projection_weights(PLASTIC))


def test_a_device_changes_learning():
    plain = run(PATTERN).projection_weights(PLASTIC)
    faulty = run(with_device(preset("faulty"))).projection_weights(PLASTIC)
    assert not np.allclose(plain, faulty)


def test_levels_put_initial_and_learned_weights_on_the_grid():
    linear = Memristor(levels=64)
    sim = Simulator(with_device(linear), seed=2)
    start = sim.projection_weights(PLASTIC) / WMAX
    assert np.allclose(start * 64, np.round(start * 64), atol=1e-12)  # programmed to k / 64 of Wmax
    sim.run(500.0)
    learned = sim.projection_weights(PLASTIC) / WMAX
    assert not np.array_equal(learned, start)  # it learned, in whole pulses
    assert np.allclose(learned * 64, np.round(learned * 64), atol=1e-9)
    coarse = Simulator(with_device(Memristor(levels=8)), seed=2)
    before = coarse.projection_weights(PLASTIC)
    coarse.run(500.0)
    assert np.array_equal(coarse.projection_weights(PLASTIC), before)  # STDP's steps are under half a level
    nonlinear = Memristor(levels=10, a_ltp=0.5)
    grid = level_grid(nonlinear)
    programmed = Simulator(with_device(nonlinear), seed=2).projection_weights(PLASTIC) / WMAX
    assert np.abs(programmed[:, None] - grid[None, :]).min(axis=1).max() < 1e-12


def test_stuck_fractions_match_their_probabilities_within_four_sigma_and_never_move():
    p_on, p_off = 0.1, 0.05
    sim = Simulator(big_projection(Memristor(p_stuck_on=p_on, p_stuck_off=p_off)), seed=5)
    stuck = (sim.compiled.plastic.device_stuck & device_kernel.STUCK) != 0
    weights = sim.projection_weights("a→b")
    n = weights.size
    for count, p in (((weights == 1.0) & stuck).sum(), p_on), (((weights == 0.0) & stuck).sum(), p_off):
        assert abs(count - n * p) < 4 * math.sqrt(n * p * (1 - p))
    assert stuck.sum() == ((weights == 1.0) | (weights == 0.0)).sum()  # 0.5 elsewhere: only stuck ones moved
    device = sim.compiled.plastic.device[0]
    rng = sim.compiled.plastic.device_rng
    from engine.kernels.plasticity import program_device
    assert program_device(device, np.int8(device_kernel.STUCK), 1.0, 0.2, 1.0, rng) == 1.0


def neurosim_conductance(pulses: float, levels: int, a_normalised: float, g_min: float, g_max: float) -> float:
    """NeuroSim's NonlinearWeight: G = B (1 - exp(-P / A)) + G_min, B = (G_max - G_min) / (1 - exp(-P_max / A))."""
    a = a_normalised * levels
    b = (g_max - g_min) / (1 - math.exp(-levels / a))
    return b * (1 - math.exp(-pulses / a)) + g_min


def test_potentiation_and_depression_pulses_follow_neurosims_curves():
    device = preset("ag_a_si_rram")  # a_ltp 0.4992, a_ltd 0.2003, 97 levels
    row = np.zeros(device_kernel.N_DEVICE_PARAMS)
    row[[DeviceConstants.ON, DeviceConstants.LEVELS, DeviceConstants.A_LTP, DeviceConstants.A_LTD]] = (
        1.0, device.levels, device.a_ltp, device.a_ltd)
    rng = np.zeros((1, 4), np.uint64)
    span = device.g_max - device.g_min
    w, up = 0.0, []
    for _ in range(device.levels):  # one pulse's worth of update each time
        w = device_kernel.program(row, w, w + 1.0 / device.levels, 1.0, rng)
        up.append(w)
    expected = [(neurosim_conductance(k, device.levels, device.a_ltp, device.g_min, device.g_max) - device.g_min) / span
                for k in range(1, device.levels + 1)]
    assert np.allclose(up, expected, atol=1e-9)
    assert up[0] > 5 * (up[-1] - up[-2])  # nonlinear: big steps first, small ones near g_max (e^(1/a))
    w, down = 1.0, []
    for _ in range(device.levels):  # depression on its own (LTD) curve: NeuroSim's A is negative there
        w = device_kernel.program(row, w, w - 1.0 / device.levels, 1.0, rng)
        down.append(w)
    expected = [(neurosim_conductance(k, device.levels, -device.a_ltd, device.g_min, device.g_max) - device.g_min) / span
                for k in range(device.levels - 1, -1, -1)]
    assert np.allclose(down, expected, atol=1e-9)
    assert (1.0 - down[0]) > 10 * (down[-2] - down[-1])  # depression: big steps near g_max


def read_row(**columns) -> np.ndarray:
    row = np.zeros(device_kernel.N_DEVICE_PARAMS)
    row[DeviceConstants.ON] = 1.0
    row[DeviceConstants.DRIFT_T0] = 10.0
    for name, value in columns.items():
        row[DeviceConstants[name.upper()]] = value
    return row


def test_read_noise_and_drift_scale_the_conductance_as_their_equations_say():
    one = np.ones(1)
    stuck, programmed = np.zeros(1, np.int8), np.zeros(1)
    rng = np.array([[1, 2, 3, 4]], np.uint64)
    offset = 0.25  # g_min / (g_max - g_min)
    noisy = read_row(sigma_read=0.05, offset=offset)
    reads = np.array([device_kernel.read(noisy, 0.5, 1.0, one, stuck, programmed, 0, 0.0, rng) for _ in range(20000)])
    assert reads.mean() == pytest.approx(0.5, abs=0.002)
    assert reads.std() == pytest.approx(0.05 * (0.5 + offset), rel=0.05)  # noise on the whole conductance
    drifting = read_row(drift_nu=0.1, offset=offset)
    at_1000 = device_kernel.read(drifting, 0.5, 1.0, one, stuck, programmed, 0, 1000.0, rng)
    assert at_1000 == pytest.approx((0.5 + offset) * (1000.0 / 10.0) ** -0.1 - offset)
    assert device_kernel.read(drifting, 0.5, 1.0, one, stuck, programmed, 0, 5.0, rng) == 0.5  # before t0
    pair = read_row(differential=1.0, offset=offset)
    assert device_kernel.read(pair, 0.5, 1.0, one, stuck, programmed, 0, 0.0, rng) == pytest.approx(0.5)
    failed = np.array([device_kernel.PASSIVE_STUCK_ON], np.int8)
    assert device_kernel.read(pair, 0.5, 1.0, one, failed, programmed, 0, 0.0, rng) == pytest.approx(-0.5)


def test_device_to_device_spread_scales_each_devices_range():
    sim = Simulator(big_projection(Memristor(sigma_d2d=0.1)), seed=5)
    scale = sim.compiled.plastic.device_scale
    assert scale.std() == pytest.approx(0.1, rel=0.1) and scale.mean() == pytest.approx(1.0, abs=0.01)


def test_presets_load_with_sources_and_round_trip_in_a_saved_network():
    presets = load_presets()
    assert set(presets) == {"ideal", "ag_a_si_rram", "hfo2_rram", "pcm", "faulty"}
    assert all(entry["source"] for entry in presets.values())
    assert preset("ideal").ideal and not preset("faulty").ideal
    network = with_device(preset("pcm"))
    assert network_from_json(network_to_json(network)) == network
    assert "memristor" not in json.loads(network_to_json(PATTERN))["network"]["projections"][0]  # unset: not written


@pytest.mark.parametrize("change, message", [
    ({"g_min": 10.0, "g_max": 5.0}, "g_min .* must be below g_max"),
    ({"levels": 2.5}, "'levels' must be a whole number"),
    ({"p_stuck_on": 0.7, "p_stuck_off": 0.6}, "must not exceed 1"),
    ({"mapping": "triple"}, "mapping must be one of single, differential"),
    ({"sigma_read": -0.1}, "'sigma_read' must be >= 0"),
])
def test_bad_devices_are_refused_naming_the_field(change, message):
    with pytest.raises(ValidationError, match=message):
        replace(Memristor(), **change)


def test_a_static_projection_is_told_to_use_stdp_with_learning_off():
    with pytest.raises(ValidationError, match="use stdp_synapse .*learning 0"):
        PATTERN.replace_projection("inputs→relay", memristor=Memristor())
