"""Recorded data to CSV/NPZ and back, holding exactly the engine's spikes and traces; figures
as SVG and PNG with labelled axes."""
import xml.etree.ElementTree as ET
from io import BytesIO

import numpy as np
import pytest
from PIL import Image

from engine import Recording, Simulator, ValidationError
from engine.io.data import (
    load_npz, load_spikes_csv, load_traces_csv, save_npz, spikes_to_csv, traces_to_csv,
)
from engine.io.export.figures import figures_from_simulator, nice_ticks, raster_figure, rates_figure, traces_figure
from export_helpers import example, zoo


@pytest.fixture(scope="module")
def sim():
    network = zoo(exclude=("inhomogeneous_poisson_generator",))
    network = network.replace_population("exp", record=Recording(traces=(0, 2), variables=("V_m", "I_syn_ex")))
    simulator = Simulator(network, seed=4)
    simulator.run(100.0)
    return simulator


def test_spikes_csv_loads_with_numpy_and_holds_the_engines_spikes(sim, tmp_path):
    path = spikes_to_csv(sim, tmp_path / "spikes.csv")
    header = path.read_text().splitlines()[0]
    assert header == "population,neuron,time_ms"
    names = np.loadtxt(path, delimiter=",", skiprows=1, usecols=0, dtype=str)
    neuron, times = np.loadtxt(path, delimiter=",", skiprows=1, usecols=(1, 2), unpack=True)
    loaded = load_spikes_csv(path)
    recorded = [p.name for p in sim.network.populations if not p.is_device and p.record.spikes]
    assert list(loaded) == [name for name in recorded if sim.spikes(name)[0].size]
    assert "cond_alpha" not in loaded  # it does not record spikes
    for name in recorded:
        engine_neuron, engine_times = sim.spikes(name)
        keep = names == name
        np.testing.assert_array_equal(neuron[keep], engine_neuron)
        np.testing.assert_array_equal(times[keep], np.round(engine_times, 9))
        np.testing.assert_array_equal(loaded[name][0], engine_neuron)
        np.testing.assert_array_equal(np.rint(loaded[name][1] / sim.dt), np.rint(engine_times / sim.dt))


def test_traces_csv_has_units_in_its_columns_and_exact_values(sim, tmp_path):
    path = traces_to_csv(sim, tmp_path / "traces.csv")
    header = path.read_text().splitlines()[0].split(",")
    assert header == ["time_ms", "delta[0].V_m_mV", "exp[0].V_m_mV", "exp[0].I_syn_ex_pA", "exp[2].V_m_mV",
                      "exp[2].I_syn_ex_pA"]
    table = np.loadtxt(path, delimiter=",", skiprows=1)
    times, traces = sim.traces()
    np.testing.assert_array_equal(table[:, 0], np.round(times, 9))
    for column, values in zip(table.T[1:], traces.values()):
        np.testing.assert_array_equal(column, values)  # repr round-trips float64 exactly
    loaded_times, loaded = load_traces_csv(path)
    assert list(loaded) == [(r.population, r.neuron, r.variable) for r in traces]
    np.testing.assert_array_equal(loaded[("exp", 2, "I_syn_ex")], table[:, 5])


def test_npz_holds_everything_exactly_and_loads_without_pickles(sim, tmp_path):
    path = save_npz(sim, tmp_path / "data.npz")
    with np.load(path, allow_pickle=False) as raw:
        assert {"spike_time_ms", "trace_values", "rate_hz", "network_json"} <= set(raw.files)
        assert raw["dt_ms"] == 0.1 and raw["seed"] == 4 and raw["t_ms"] == pytest.approx(100.0)
    data = load_npz(path)
    for pop in sim.network.populations:
        if pop.is_device:
            continue
        neuron, times = sim.spikes(pop.name)
        got = data["spikes"].get(pop.name, (np.zeros(0), np.zeros(0)))
        np.testing.assert_array_equal(got[0], neuron)
        np.testing.assert_array_equal(got[1], times)
    times, traces = sim.traces()
    np.testing.assert_array_equal(data["trace_values"], np.column_stack(list(traces.values())))
    rate_times, rates = sim.rates(5.0)
    np.testing.assert_array_equal(data["rate_hz"][:, list(data["population_names"]).index("exp")], rates["exp"])
    from engine.io import network_from_json
    assert network_from_json(str(data["network_json"])) == sim.network


def test_loaders_refuse_other_files(tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(ValidationError, match="not a spikes file"):
        load_spikes_csv(other)
    with pytest.raises(ValidationError, match="not a traces file"):
        load_traces_csv(other)
    with pytest.raises(ValidationError, match="not a readable .npz"):
        load_npz(other)


def test_ticks_are_round_numbers():
    assert nice_ticks(0, 1000) == [0, 200, 400, 600, 800, 1000]
    assert nice_ticks(-70.3, -49.8, target=5) == [-70, -65, -60, -55, -50]


def _svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [el.text for el in root.iter("{http://www.w3.org/2000/svg}text")]


def test_figures_are_valid_svg_and_png_with_labelled_axes(tmp_path):
    network = example("one_neuron")
    simulator = Simulator(network)
    simulator.run(200.0)
    written = figures_from_simulator(simulator, tmp_path)
    assert sorted(p.name for p in written) == ["raster.png", "raster.svg", "rates.png", "rates.svg", "traces.png",
                                               "traces.svg"]
    texts = _svg_texts((tmp_path / "raster.svg").read_text())
    assert {"Spike raster", "time (ms)", "neuron", "neuron"} <= set(texts) and "200" in texts
    texts = _svg_texts((tmp_path / "traces.svg").read_text())
    assert {"Membrane traces", "membrane potential (mV)", "neuron[0] V_m"} <= set(texts)
    assert "rate (Hz)" in _svg_texts((tmp_path / "rates.svg").read_text())
    for name in ("raster", "traces", "rates"):
        image = Image.open(tmp_path / f"{name}.png")
        assert image.size == (800, 420)
        pixels = np.asarray(image.convert("L"))
        assert (pixels < 128).mean() > 0.002  # something is drawn, on a white page
        assert pixels.mean() > 200


def test_figures_from_plain_arrays_and_large_rasters_stay_small():
    rng = np.random.default_rng(1)
    spikes = {"exc": (rng.integers(0, 1000, 400_000), rng.uniform(0, 1000, 400_000))}
    fig = raster_figure(spikes, {"exc": 1000}, t_stop=1000.0)
    svg = fig.svg()
    assert len(svg) < 8_000_000 and "1 in 2 of 400,000 spikes shown" in svg
    png = fig.png()
    assert Image.open(BytesIO(png)).format == "PNG"
    t = np.arange(0, 1000, 0.1)
    assert "<polyline" in traces_figure(t, {"v": np.sin(t)}).svg()
    assert "<polyline" in rates_figure(t[::50], {"exc": np.abs(np.sin(t[::50]))}).svg()
    with pytest.raises(ValidationError, match=".svg or .png"):
        fig.save("figure.pdf")
