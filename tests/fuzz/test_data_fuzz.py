"""Fuzz: the data-file loaders: a user's data set (.npz / .csv, engine/learning/datasets.py) and the
recorded-data files read back (engine/io/data.py: data.npz, spikes.csv, traces.csv).

Per case: the mutated file loads (then a data set's values lie in [0, 1] with whole labels), or it
is refused with a ValidationError. Nothing in a file is unpickled: an object array is refused.
"""
from __future__ import annotations

import io
import random
import zipfile

import numpy as np
import pytest

from engine import ValidationError, load_dataset
from engine.io.data import load_npz, load_spikes_csv, load_traces_csv

from fuzz_harness import tally
from fuzz_mutations import EDGE_NUMBERS, HOSTILE_TEXTS, damage_bytes

CASES = 1000  # per loader
CSV_CELLS = ["", " ", "nan", "NaN", "inf", "-inf", "1e308", "-1e308", "1e999", "0x10", "1,5", "١٢", "1e-400", "#",
             '"1"', "True", "None", "2**63", "9223372036854775808", "-0", "1 2", "\x00", "\ufeff1"]
SPIKES_CSV = "population,neuron,time_ms\nexc,0,1.5\nexc,3,2.0\ninh,1,2.5\n"
TRACES_CSV = "time_ms,exc[0].V_m_mV,exc[1].V_m_mV\n0.1,-70.0,-69.5\n0.2,-69.0,-68.0\n"
DATASET_CSV = "".join(f"{i % 3},{(i * 7) % 5},{i % 2}\n" for i in range(6))


def mutated_csv(text: str, rng: random.Random) -> bytes:
    """Cells replaced, rows or columns added or cut, hostile text in headers, then sometimes damaged bytes."""
    rows = [line.split(",") for line in text.splitlines()]
    for _ in range(rng.choice([1, 1, 2, 3])):
        row = rng.choice(rows)
        pick = rng.random()
        if pick < 0.5 and row:
            row[rng.randrange(len(row))] = rng.choice(CSV_CELLS + [repr(rng.choice(EDGE_NUMBERS))] + HOSTILE_TEXTS[:14])
        elif pick < 0.65:
            row.append(rng.choice(CSV_CELLS))
        elif pick < 0.75 and row:
            row.pop()
        elif pick < 0.85:
            rows.insert(rng.randrange(len(rows) + 1), list(rng.choice(rows)))
        elif pick < 0.92:
            rows.extend([list(rows[-1])] * rng.choice([1_000, 50_000]))
        else:
            rows.remove(row)
    data = "\n".join(",".join(row) for row in rows).encode("utf-8", "surrogatepass")
    return damage_bytes(data, rng)[1] if rng.random() < 0.15 else data


def hostile_array(array: np.ndarray, rng: random.Random):
    if array.dtype.kind not in "biuf" or array.size == 0 or array.ndim == 0:  # a second edit of an odd array
        array = np.arange(6.0)
    pick = rng.random()
    if pick < 0.2:
        out = array.astype(float)
        out.flat[rng.randrange(out.size)] = rng.choice([np.nan, np.inf, -np.inf, 1e308, -1e308, 5e-324])
        return out
    if pick < 0.3:
        return np.array([{"x": 1}, None], dtype=object)  # needs a pickle: must never be loaded
    if pick < 0.4:
        with np.errstate(invalid="ignore", over="ignore"):  # NaN or 1e308 cast to whole numbers: whatever comes
            return array.astype(rng.choice([np.complex128, np.bool_, np.uint64, np.int8, np.float16, "U5", "S3"]))
    if pick < 0.55:
        return np.reshape(array, rng.choice([(-1,), (1, -1), (1, 1, -1), (1, 1, 1, -1), (-1, 1, 1)]))
    if pick < 0.65:
        return np.zeros(rng.choice([(0,), (0, 3), (2, 0), (1, 1), ()]))
    if pick < 0.75:
        return np.full(array.shape, rng.choice([2**63 - 1, -(2**63), -1]), dtype=np.int64)
    if pick < 0.85:
        return np.array(rng.choice(HOSTILE_TEXTS[:14]))
    return array[: rng.randrange(max(array.shape[0], 1) + 1)]


def mutated_npz(arrays: dict[str, np.ndarray], rng: random.Random) -> bytes:
    arrays = dict(arrays)
    for _ in range(rng.choice([1, 1, 2])):
        key = rng.choice(sorted(arrays))
        pick = rng.random()
        if pick < 0.7:
            arrays[key] = hostile_array(arrays[key], rng)
        elif pick < 0.85:
            del arrays[key]
        else:
            arrays[rng.choice(["x", "y", "X", "extra", "<b>"])] = hostile_array(next(iter(arrays.values())), rng)
        if not arrays:
            break
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)  # np.savez pickles object arrays: a hostile file would carry one
    data = buffer.getvalue()
    return damage_bytes(data, rng)[1] if rng.random() < 0.15 else data


def zip_bomb() -> bytes:
    """A small .npz whose header declares a terabyte array (nothing but the header is stored)."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**6)})
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("values.npy", header.getvalue() + bytes(1000))
        archive.writestr("labels.npy", _npy(np.zeros(10**6, np.int64)))
    return data.getvalue()


def _npy(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    np.save(out, array)
    return out.getvalue()


def check_dataset(path) -> None:
    dataset = load_dataset(str(path), "data_source")
    assert dataset.values.dtype == np.float64 and np.all((dataset.values >= 0) & (dataset.values <= 1))
    assert dataset.labels.shape == (dataset.values.shape[0],) and np.all(dataset.labels >= 0)


def recorded_arrays() -> dict[str, np.ndarray]:
    return {"population_names": np.array(["exc", "inh"]), "spike_population": np.array([0, 1, 0], np.int32),
            "spike_neuron": np.array([0, 2, 1]), "spike_time_ms": np.array([1.0, 1.5, 2.0]),
            "trace_values": np.zeros((3, 2))}


LOADERS = {
    "data set .csv (engine/learning/datasets.py)": (".csv", lambda rng: mutated_csv(DATASET_CSV, rng), check_dataset),
    "data set .npz (engine/learning/datasets.py)": (
        ".npz", lambda rng: mutated_npz({"values": np.arange(12.0).reshape(6, 2), "labels": np.arange(6) % 2}, rng),
        check_dataset),
    "recorded data.npz (engine/io/data.py load_npz)": (".npz", lambda rng: mutated_npz(recorded_arrays(), rng), load_npz),
    "recorded spikes.csv (engine/io/data.py)": (".csv", lambda rng: mutated_csv(SPIKES_CSV, rng), load_spikes_csv),
    "recorded traces.csv (engine/io/data.py)": (".csv", lambda rng: mutated_csv(TRACES_CSV, rng), load_traces_csv),
}


@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_every_mutated_data_file_loads_cleanly_or_is_refused_with_a_message(loader, tmp_path):
    suffix, make, load = LOADERS[loader]
    counts, rng = tally(loader), random.Random(f"data-{loader}")
    for case in range(CASES):
        path = tmp_path / f"case{case}{suffix}"  # a new path each: the data-set cache keys on it
        path.write_bytes(make(rng))
        counts.run(f"{loader} #{case}", lambda: load(path))
        path.unlink()
    assert not counts.crashes, counts.report()


def test_an_npz_that_declares_a_terabyte_is_refused_before_anything_is_read(tmp_path):
    path = tmp_path / "bomb.npz"
    path.write_bytes(zip_bomb())
    with pytest.raises(ValidationError, match="declares more than"):
        load_dataset(str(path), "data_source")
    with pytest.raises(ValidationError, match="declares more than"):
        load_npz(path)


def test_an_object_array_in_an_npz_is_never_unpickled(tmp_path):
    path = tmp_path / "pickled.npz"
    np.savez(path, values=np.array([{"run": "me"}, None], dtype=object), labels=np.array([0, 1]))
    for load in (lambda: load_dataset(str(path), "data_source"), lambda: load_npz(path)):
        with pytest.raises(ValidationError, match="not a readable .npz"):
            load()
