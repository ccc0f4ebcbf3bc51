"""Data sets a data_source presents: built-in ones that need no download, and a user's own file.

A data set is `Dataset(values, labels, name)`: values (n_samples, n_features) for static samples
or (n_samples, n_features, n_frames) for signals over time, scaled to [0, 1]; labels (n_samples,)
whole numbers. Built in:
  "digits"    scikit-learn's 8x8 handwritten digits (1,797 samples, 64 pixels, 10 classes; shipped
              inside the scikit-learn package: Alpaydin & Kaynak 1998, UCI optdigits test set)
  "patterns"  generated spatio-temporal patterns: n_classes fixed random frames x features maps,
              each sample one of them with pixels flipped at random (seeded, no file)
A user's file: ".npz" with arrays `values` (or `x`/`X`) and `labels` (or `y`), or ".csv" with one
sample per row, the class label in the last column. Refused with a message naming the problem:
wrong shape, non-finite values, more than MAX_VALUES numbers, labels that are not whole numbers.
"""
from __future__ import annotations

import functools
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np

from engine.errors import ValidationError

BUILT_IN = ("digits", "patterns")
MAX_VALUES = 20_000_000  # 160 MB of float64: far beyond a browser session's use
MAX_FILE_BYTES = 200 * 2**20
MAX_LABEL = 2**31 - 1  # a class index; larger ones would not survive the cast to whole numbers


class Dataset(NamedTuple):
    values: np.ndarray  # (n_samples, n_features) or (n_samples, n_features, n_frames) float64 in [0, 1]
    labels: np.ndarray  # (n_samples,) int64
    name: str

    @property
    def n_features(self) -> int:
        return int(self.values.shape[1])

    @property
    def frames(self) -> np.ndarray:
        """Values as (n_samples, n_features, n_frames): a static sample is one frame."""
        return self.values if self.values.ndim == 3 else self.values[:, :, None]


def load_dataset(source: str, owner: str = "data set") -> Dataset:
    """A built-in data set by name or a user's .npz/.csv file by path (checked; see the module doc)."""
    if not isinstance(source, str) or not source:
        raise ValidationError(f"{owner}: parameter 'dataset' must be {' or '.join(map(repr, BUILT_IN))} "
                              f"or the path of a .npz or .csv file, got {source!r}")
    if source == "digits":
        return _digits()
    if source == "patterns":
        return generated_patterns()
    path = Path(source)
    if path.suffix.lower() not in (".npz", ".csv"):
        raise ValidationError(f"{owner}: data file '{source}' must end in .npz or .csv (or use "
                              f"{' or '.join(map(repr, BUILT_IN))})")
    if not path.is_file():
        raise ValidationError(f"{owner}: data file '{source}' does not exist")
    stat = path.stat()
    return _load_file(str(path.resolve()), stat.st_mtime_ns, stat.st_size, owner)


@functools.lru_cache(maxsize=1)
def _digits() -> Dataset:
    from sklearn.datasets import load_digits  # a file inside the scikit-learn package: no download

    digits = load_digits()
    return Dataset(digits.data / 16.0, digits.target.astype(np.int64), "digits")


@functools.lru_cache(maxsize=4)
def generated_patterns(n_classes: int = 5, n_features: int = 32, n_frames: int = 10, per_class: int = 100,
                       flip: float = 0.05, seed: int = 1) -> Dataset:
    """Spatio-temporal patterns: class c is a fixed random binary (features x frames) map with 20 %
    of its cells on; each sample copies it with a fraction `flip` of the cells flipped."""
    rng = np.random.default_rng(seed)
    prototypes = rng.random((n_classes, n_features, n_frames)) < 0.2
    labels = np.repeat(np.arange(n_classes), per_class)
    flips = rng.random((labels.size, n_features, n_frames)) < flip
    values = (prototypes[labels] ^ flips).astype(np.float64)
    order = rng.permutation(labels.size)
    return Dataset(values[order], labels[order].astype(np.int64), "patterns")


@functools.lru_cache(maxsize=4)
def _load_file(path: str, mtime_ns: int, size: int, owner: str) -> Dataset:
    """Read and check a user's file (cached by path, modification time and size)."""
    name = Path(path).name
    if size > MAX_FILE_BYTES:
        raise ValidationError(f"{owner}: data file '{name}' is {size / 2**20:.0f} MB; at most "
                              f"{MAX_FILE_BYTES / 2**20:.0f} MB are read")
    if path.lower().endswith(".npz"):
        values, labels = _read_npz(path, name, owner)
    else:
        values, labels = _read_csv(path, name, owner)
    return check_arrays(values, labels, name, owner)


def _read_npz(path: str, name: str, owner: str) -> tuple[np.ndarray, np.ndarray]:
    from engine.io.data import read_npz

    arrays = read_npz(path, f"{owner}: data file '{name}'", max_bytes=MAX_VALUES * 16)
    values_key = next((k for k in ("values", "x", "X") if k in arrays), None)
    labels_key = next((k for k in ("labels", "y") if k in arrays), None)
    if values_key is None or labels_key is None:
        raise ValidationError(f"{owner}: data file '{name}' needs arrays 'values' and 'labels' "
                              f"(found {', '.join(sorted(arrays)) or 'none'})")
    return arrays[values_key], arrays[labels_key]


def _read_csv(path: str, name: str, owner: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        with warnings.catch_warnings():  # an empty file: refused below, with a message, not a warning
            warnings.filterwarnings("ignore", "loadtxt: input contained no data", UserWarning)
            table = np.loadtxt(path, delimiter=",", ndmin=2, comments="#")
    except ValueError as error:
        raise ValidationError(f"{owner}: data file '{name}' must hold numbers only, one sample per row with "
                              f"the label last ({error})") from None
    if table.shape[0] == 0:
        raise ValidationError(f"{owner}: data file '{name}' holds no rows (one sample per row, the label last)")
    if table.shape[1] < 2:
        raise ValidationError(f"{owner}: data file '{name}' needs at least two columns (features, then the label)")
    return table[:, :-1], table[:, -1]


def check_arrays(values, labels, name: str, owner: str = "data set") -> Dataset:
    """Values and labels checked (shape, finiteness, size, whole labels) and values scaled to [0, 1]."""
    where = f"{owner}: data '{name}'"
    values, labels = np.asarray(values), np.asarray(labels)
    if values.dtype.kind not in "biuf" or labels.dtype.kind not in "biuf":
        raise ValidationError(f"{where}: values and labels must be numbers (got {values.dtype} and {labels.dtype})")
    if values.ndim not in (2, 3):
        raise ValidationError(f"{where}: values must have shape (samples, features) or (samples, features, "
                              f"frames), got shape {values.shape}")
    if values.size > MAX_VALUES:
        raise ValidationError(f"{where}: {values.size:,} values; at most {MAX_VALUES:,} are accepted")
    if values.shape[0] < 2 or values.shape[1] < 1:
        raise ValidationError(f"{where}: needs at least 2 samples and 1 feature, got shape {values.shape}")
    if labels.shape != (values.shape[0],):
        raise ValidationError(f"{where}: labels must be one per sample ({values.shape[0]}), got shape {labels.shape}")
    values = values.astype(np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        sample = int(np.argwhere(bad)[0][0])
        raise ValidationError(f"{where}: values must be finite; sample {sample} holds {values[bad][0]}")
    labels = labels.astype(np.float64)  # compared in one type (a float16's range ends at 65504)
    if (not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)) or np.any(labels < 0)
            or np.any(labels > MAX_LABEL)):
        raise ValidationError(f"{where}: labels must be whole numbers from 0 to {MAX_LABEL:,}")
    low, high = float(values.min()), float(values.max())
    # halves first: values from -1e308 to 1e308 span more than a float holds
    scaled = (values / 2 - low / 2) / (high / 2 - low / 2) if high > low else np.zeros_like(values)
    return Dataset(np.clip(scaled, 0.0, 1.0), labels.astype(np.int64), name)


def split_indices(n_samples: int, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) sample indices: a seeded permutation cut once, so no test sample is ever in training."""
    order = np.random.default_rng(seed).permutation(n_samples)
    n_test = int(round(n_samples * test_fraction))
    return np.sort(order[n_test:]), np.sort(order[:n_test])
