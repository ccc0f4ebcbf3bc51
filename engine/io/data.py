"""Recorded data to files and back: spikes and traces as CSV, everything as one .npz.

Units are in the column and array names (`time_ms`, `V_m_mV`, `rate_hz`), so a file
explains itself to NumPy, pandas or a spreadsheet:

    spikes.csv   population,neuron,time_ms          (neuron = index within the population)
    traces.csv   time_ms,exc[0].V_m_mV,exc[0].I_syn_ex_pA,...
    data.npz     spike_population (index into population_names), spike_neuron, spike_time_ms,
                 spike_step, trace_time_ms, trace_values, trace_columns, rate_time_ms, rate_hz,
                 population_names, population_sizes, dt_ms, seed, t_ms, network_json

CSV times are rounded to 9 decimals (the grid is far coarser); CSV trace values and every
.npz array keep float64 exactly. Files are written atomically.
"""
from __future__ import annotations

import csv
import io
import math
import os
import re
import struct
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np

from engine.errors import ValidationError

VARIABLE_UNITS = {"V_m": "mV", "U_m": "mV", "I_syn_ex": "pA", "I_syn_in": "pA", "g_ex": "nS", "g_in": "nS", "w": "pA"}
TRACE_COLUMN = re.compile(r"^(?P<population>.*)\[(?P<neuron>\d+)\]\.(?P<variable>.+?)(?:_(?P<unit>mV|pA|nS|1))?$")


def _write_atomic(path: Path, data: bytes) -> Path:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent if str(path.parent) else ".")
    try:
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def trace_column(population: str, neuron: int, variable: str) -> str:
    """'exc[0].V_m_mV': population, neuron index, variable and unit."""
    return f"{population}[{neuron}].{variable}_{VARIABLE_UNITS.get(variable, '1')}"


def recorded_spikes(sim, populations=None) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """[(population, neuron index, time ms)] of the neuron populations that record spikes
    (or of the named ones), in network order, each in time order."""
    network = sim.network
    if populations is None:
        names = [p.name for p in network.populations if not p.is_device and p.record.spikes]
    else:
        names = list(populations)
        for name in names:
            if network.population(name).is_device:
                raise ValidationError(f"population '{name}': a device has no spikes to save")
    out = []
    for name in names:
        neuron, times = sim.spikes(name)
        out.append((name, np.asarray(neuron, np.int64), np.asarray(times, np.float64)))
    return out


def spikes_to_csv(sim, path, populations=None) -> Path:
    """Write `population,neuron,time_ms` rows of a Simulator's recorded spikes."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["population", "neuron", "time_ms"])
    for name, neuron, times in recorded_spikes(sim, populations):
        writer.writerows((name, n, t) for n, t in zip(neuron.tolist(), np.round(times, 9).tolist()))
    return _write_atomic(path, buffer.getvalue().encode("utf-8"))


def table_to_csv(header: list[str], rows) -> bytes:
    """A CSV of `header` and `rows` (sequences of values; floats written exactly, NaN as empty)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_csv_cell(v) for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def _csv_cell(value):
    if isinstance(value, (float, np.floating)):
        return "" if math.isnan(value) else repr(float(value))
    return int(value) if isinstance(value, np.integer) else value


def load_spikes_csv(path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{population: (neuron index int64, time ms float64)} from a spikes.csv."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as error:  # csv.Error: a field over csv's size limit
        raise ValidationError(f"{path}: cannot read ({error})") from None
    if not rows or rows[0] != ["population", "neuron", "time_ms"]:
        raise ValidationError(f"{path}: not a spikes file (expected the header population,neuron,time_ms)")
    grouped: dict[str, tuple[list, list]] = {}
    for line, row in enumerate(rows[1:], start=2):
        try:
            population, neuron, time = row
            grouped.setdefault(population, ([], []))
            grouped[population][0].append(int(neuron))
            grouped[population][1].append(float(time))
        except ValueError:
            raise ValidationError(f"{path}: line {line} is not population,neuron,time_ms") from None
    return {name: (np.array(n, np.int64), np.array(t, np.float64)) for name, (n, t) in grouped.items()}


def recorded_traces(sim) -> tuple[np.ndarray, list[str], np.ndarray]:
    """(times ms, column names, values (n_times, n_columns)) of a Simulator's traces."""
    times, traces = sim.traces()
    columns = [trace_column(req.population, req.neuron, req.variable) for req in traces]
    values = np.column_stack([traces[req] for req in traces]) if traces else np.zeros((len(times), 0))
    return np.asarray(times, np.float64), columns, values


def traces_to_csv(sim, path) -> Path:
    """Write time_ms and one column per recorded trace (`exc[0].V_m_mV`); values exact (repr)."""
    times, columns, values = recorded_traces(sim)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["time_ms", *columns])
    for t, row in zip(np.round(times, 9).tolist(), values.tolist()):
        writer.writerow([repr(t), *map(repr, row)])
    return _write_atomic(path, buffer.getvalue().encode("utf-8"))


def load_traces_csv(path) -> tuple[np.ndarray, dict[tuple[str, int, str], np.ndarray]]:
    """(times ms, {(population, neuron, variable): values}) from a traces.csv."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as error:  # csv.Error: a field over csv's size limit
        raise ValidationError(f"{path}: cannot read ({error})") from None
    if not rows or not rows[0] or rows[0][0] != "time_ms":
        raise ValidationError(f"{path}: not a traces file (the first column must be time_ms)")
    keys = []
    for column in rows[0][1:]:
        match = TRACE_COLUMN.match(column)
        if match is None:
            raise ValidationError(f"{path}: column '{column}' is not population[neuron].variable_unit")
        keys.append((match["population"], int(match["neuron"]), match["variable"]))
    try:
        data = np.array([[float(v) for v in row] for row in rows[1:]], np.float64).reshape(len(rows) - 1, len(rows[0]))
    except ValueError:
        raise ValidationError(f"{path}: every row must hold {len(rows[0])} numbers") from None
    return data[:, 0], {key: data[:, i + 1] for i, key in enumerate(keys)}


def save_npz(sim, path, rate_bin_ms: float = 5.0) -> Path:
    """Everything recorded (spikes of all neuron populations, traces, binned rates) and the
    network itself in one compressed .npz; loads with np.load(path) (no pickles)."""
    from engine.io.native import network_to_json

    network = sim.network
    names = [p.name for p in network.populations]
    index = {name: i for i, name in enumerate(names)}
    spikes = recorded_spikes(sim, [p.name for p in network.populations if not p.is_device])
    spike_population = np.concatenate([np.full(n.size, index[name], np.int32) for name, n, _ in spikes]) \
        if spikes else np.zeros(0, np.int32)
    spike_neuron = np.concatenate([n for _, n, _ in spikes]) if spikes else np.zeros(0, np.int64)
    spike_time = np.concatenate([t for _, _, t in spikes]) if spikes else np.zeros(0)
    trace_times, columns, values = recorded_traces(sim)
    rate_times, rates = sim.rates(rate_bin_ms)
    arrays = {
        "population_names": np.array(names, dtype=str),
        "population_sizes": np.array([p.size for p in network.populations], np.int64),
        "spike_population": spike_population,
        "spike_neuron": spike_neuron,
        "spike_time_ms": spike_time,
        "spike_step": np.rint(spike_time / sim.dt).astype(np.int64) - 1,
        "trace_time_ms": trace_times,
        "trace_values": values,
        "trace_columns": np.array(columns, dtype=str),
        "rate_time_ms": np.asarray(rate_times, np.float64),
        "rate_hz": np.column_stack([rates[name] for name in names]) if names else np.zeros((0, 0)),
        "rate_bin_ms": np.float64(rate_bin_ms),
        "dt_ms": np.float64(sim.dt),
        "seed": np.int64(sim.seed),
        "t_ms": np.float64(sim.t),
        "network_json": np.array(network_to_json(network)),
    }
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    path = Path(path)
    if path.suffix != ".npz":
        raise ValidationError(f"{path}: the file name must end in .npz")
    return _write_atomic(path, buffer.getvalue())


MAX_NPZ_BYTES = 2 * 2**30  # the arrays of one .npz, as their headers declare them, before anything is read
NPY_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def read_npz(path, label: str, max_bytes: int = MAX_NPZ_BYTES) -> dict[str, np.ndarray]:
    """The arrays of an .npz file that may come from anywhere: never unpickled (allow_pickle=False), and
    each member's header read first, so a small compressed file cannot claim terabytes (a zip bomb)."""
    try:
        with zipfile.ZipFile(path) as archive:
            declared = 0
            for member in archive.namelist():
                with archive.open(member) as f:
                    version = np.lib.format.read_magic(f)
                    if version not in NPY_HEADER_READERS:
                        raise ValidationError(f"{label}: array '{member}' has the unsupported .npy version {version}")
                    shape, _, dtype = NPY_HEADER_READERS[version](f, max_header_size=10_000)
                declared += math.prod(shape) * max(dtype.itemsize, 1)
                if declared > max_bytes:
                    raise ValidationError(f"{label}: the file declares more than {max_bytes / 2**30:g} GiB of arrays")
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except ValidationError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error, struct.error, NotImplementedError,
            UnicodeDecodeError) as error:  # NotImplementedError: zipfile's word for an unknown compression
        raise ValidationError(f"{label}: not a readable .npz file ({' '.join(str(error).split())[:200]})") from None


def _check_spike_arrays(arrays: dict[str, np.ndarray], path) -> None:
    """population_names: 1-d text; spike_population, spike_neuron, spike_time_ms: 1-d numbers of one length."""
    names = arrays["population_names"]
    if names.ndim != 1 or names.dtype.kind != "U":
        raise ValidationError(f"{path}: 'population_names' must be a list of texts, got {names.dtype} of shape {names.shape}")
    spike_arrays = [arrays[key] for key in ("spike_population", "spike_neuron", "spike_time_ms")]
    if any(a.ndim != 1 or a.dtype.kind not in "iuf" for a in spike_arrays) or len({a.size for a in spike_arrays}) > 1:
        raise ValidationError(f"{path}: 'spike_population', 'spike_neuron' and 'spike_time_ms' must be lists of "
                              f"numbers of one length (one entry per spike)")


def load_npz(path) -> dict[str, np.ndarray]:
    """The arrays of a save_npz file, plus 'spikes': {population: (neuron, time ms)}."""
    arrays = read_npz(path, str(path))
    needed = ("population_names", "spike_population", "spike_neuron", "spike_time_ms")
    missing = [key for key in needed if key not in arrays]
    if missing:
        raise ValidationError(f"{path}: not an SNN Designer data file (missing {', '.join(missing)})")
    _check_spike_arrays(arrays, path)
    names = arrays["population_names"].tolist()
    spikes = {}
    for i, name in enumerate(names):
        keep = arrays["spike_population"] == i
        if keep.any():
            spikes[name] = (arrays["spike_neuron"][keep], arrays["spike_time_ms"][keep])
    arrays["spikes"] = spikes
    return arrays
