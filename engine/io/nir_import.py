"""NIR import: a graph (file or nir.NIRGraph) -> Network; the mapping is nir_export.py's, read back.

Import reads Linear/Affine chains as all_to_all / one_to_one where the matrix is one with a
single weight, and otherwise exactly as the explicit rule: one listed synapse per nonzero
entry with its weight (a pair reaching both synapse filters keeps both synapses). A graph
that SNN Designer wrote and nobody changed since gives back the design stored in its
metadata. Files are checked before they are read (size, HDF5 signature, object count,
nesting, declared data size), since a NIR file may come from anywhere.
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import replace
from pathlib import Path

import numpy as np

from engine.errors import ValidationError
from engine.io.nir_export import S_PER_MS, export_nir, require_nir
from engine.model.network import Connectivity, Distribution, Network, Population, Projection

MAX_FILE_BYTES = 1 << 30
MAX_DATA_BYTES = 768 * 2**20  # all datasets of a file, as declared, before anything is read
MAX_OBJECTS = 20000  # groups and datasets in a file
MAX_DEPTH = 24
MAX_TYPE_NAME_BYTES = 256
MAX_NODES = 2000
MAX_EDGES = 4000
MAX_PATHS = 20000
MAX_NEURONS = 5_000_000
SNNTORCH_DT_S = 1e-4  # the step snnTorch's NIR export assumes (snntorch/export_nir.py: dt = 1e-4)


# ---------------------------------------------------------------------------------------------------------------
# Import: reading a file safely
def read_nir_file(path: str | os.PathLike):
    """nir.read with the checks an untrusted file needs: size, HDF5 signature, object count,
    nesting and declared data size (so a tiny compressed file cannot claim terabytes)."""
    nir = require_nir()
    path = Path(path)
    label = path.name
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            signature = f.read(8)
    except OSError as error:
        raise ValidationError(f"{path}: cannot read ({error.strerror})") from None
    if size > MAX_FILE_BYTES:
        raise ValidationError(f"{label}: file is larger than {MAX_FILE_BYTES >> 20} MiB")
    if signature != b"\x89HDF\r\n\x1a\n":
        raise ValidationError(f"{label}: not a NIR file (NIR files are HDF5; this one does not start like one)")
    _prescan(path, label)
    try:
        return nir.read(path)
    except ValidationError:
        raise
    except Exception as error:  # a malformed file can fail anywhere inside h5py or nir
        raise ValidationError(f"{label}: not a readable NIR graph ({_short(error)})") from None


def _short(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) < 200 else text[:197] + "..."


def _prescan(path: Path, label: str) -> None:
    import h5py

    counts = {"objects": 0, "bytes": 0}

    def visit(group, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise ValidationError(f"{label}: groups are nested more than {MAX_DEPTH} deep")
        for key in group:
            counts["objects"] += 1
            if counts["objects"] > MAX_OBJECTS:
                raise ValidationError(f"{label}: more than {MAX_OBJECTS} objects in the file")
            item = group.get(key, getlink=False)
            if isinstance(item, h5py.Group):
                if key == "nodes" and len(item) > MAX_NODES:
                    raise ValidationError(f"{label}: a graph with {len(item)} nodes; at most {MAX_NODES} can be imported")
                _check_node_type(item, key, label, lengths)
                visit(item, depth + 1)
            elif isinstance(item, h5py.Dataset):
                shape = item.shape or ()
                if len(shape) > 8:
                    raise ValidationError(f"{label}: dataset '{item.name}' has {len(shape)} dimensions")
                n = 1
                for extent in shape:
                    n *= int(extent)
                itemsize = item.dtype.itemsize if item.dtype.kind not in "OSU" or item.dtype.itemsize else 64
                counts["bytes"] += n * max(itemsize, 1)
                if item.dtype.kind == "O" and counts["bytes"] <= MAX_DATA_BYTES:
                    counts["bytes"] += lengths.declared_bytes(item, n)
                if counts["bytes"] > MAX_DATA_BYTES:
                    raise ValidationError(f"{label}: the file declares more than {MAX_DATA_BYTES >> 20} MiB of data")
                if item.dtype.kind not in "biufSOU":
                    raise ValidationError(f"{label}: dataset '{item.name}' has an unsupported type {item.dtype}")
                if key == "edges" and shape and shape[0] > MAX_EDGES:
                    raise ValidationError(f"{label}: a graph with {shape[0]} edges; at most {MAX_EDGES} can be imported")

    try:
        with h5py.File(path, "r") as f, open(path, "rb") as raw:
            if "node" not in f:
                raise ValidationError(f"{label}: not a NIR file (no 'node' group)")
            lengths = _VariableLengths(f, raw)
            _check_node_type(f["node"], "node", label, lengths)
            visit(f, 0)
    except ValidationError:
        raise
    except Exception as error:
        truncated = re.search(r"truncated file: eof = (\d+).*stored_eof = (\d+)", str(error))
        if truncated:
            raise ValidationError(f"{label}: the file is truncated (it has {int(truncated[1]):,} of its "
                                  f"{int(truncated[2]):,} bytes); copy or download it again") from None
        raise ValidationError(f"{label}: not a readable HDF5 file ({_short(error)})") from None


class _VariableLengths:
    """What the elements of variable-length (string) datasets say they hold. HDF5 stores each element
    as a 4-byte length and a global-heap id, and allocates that length before it checks the heap: one
    flipped byte in a 100 kB file made it allocate 2.5 GB. Read from the file itself; checked for
    contiguous storage (what h5py, and so nir, writes); other layouts are left to HDF5."""

    def __init__(self, h5file, raw):
        self.raw = raw  # the same file opened for bytes
        sizeof_addr = h5file.id.get_create_plist().get_sizes()[0]
        self.element = np.dtype([("length", "<u4"), ("heap", f"V{sizeof_addr + 4}")])

    def declared_bytes(self, dataset, count: int) -> int:
        offset = dataset.id.get_offset()
        if offset is None or count == 0:
            return 0
        self.raw.seek(offset)
        data = self.raw.read(count * self.element.itemsize)
        whole = len(data) // self.element.itemsize * self.element.itemsize
        return int(np.frombuffer(data[:whole], dtype=self.element)["length"].sum(dtype=np.uint64))


def _check_node_type(group, key: str, label: str, lengths: _VariableLengths) -> None:
    """A node group whose type NIR does not know, named with its type (nir.read only asserts)."""
    import h5py

    stored = group.get("type", getlink=False)
    if not isinstance(stored, h5py.Dataset):
        return
    declared = lengths.declared_bytes(stored, 1) if stored.dtype.kind == "O" else 0
    if declared > MAX_TYPE_NAME_BYTES:
        raise ValidationError(f"{label}: node '{key}' has a type name of {declared:,} bytes "
                              "(a damaged file: NIR type names are short)")
    kind = stored[()]
    kind = kind.decode("utf-8", "replace") if isinstance(kind, bytes) else str(kind)
    nir = require_nir()
    known = {name for name in nir.ir.__all__ if isinstance(getattr(nir.ir, name, None), type)}
    if kind not in known:
        raise ValidationError(f"{label}: node '{key}' has the unknown NIR node type '{kind[:60]}' "
                              f"(NIR {nir.__version__} knows {', '.join(sorted(known))})")


# ---------------------------------------------------------------------------------------------------------------
# Import: graph -> Network
def import_nir(source, approximate: bool = False, name: str | None = None, dt: float = 0.1,
               convention: str = "auto") -> Network:
    """A Network from a NIR file (path) or a nir.NIRGraph.

    A graph written by SNN Designer and unchanged since gives back the same design. Any
    other graph is read as it is: LIF -> iaf_psc_delta, CubaLIF -> iaf_psc_exp, LIF fed by LI
    synapse filters -> iaf_psc_exp / iaf_psc_alpha, Input -> a silent spike_generator (set its
    times), Linear/Affine/Scale/Delay chains -> projections. Parameters that differ between a
    node's neurons become per-neuron parameters; an Affine's bias b becomes the target's constant
    current I_e (b into a LIF, w_in b into a CubaLIF: NIR's steady state, applied from t = 0, where
    NIR's rises through the synapse filter); a Delay with a delay per neuron becomes the synaptic
    delays of the projections through it (one projection per distinct delay). `convention`:
    'nir' (a spike is a Dirac pulse, NIR's equations), 'snntorch' (a spike is an input of 1 for one
    0.1 ms step) or 'auto' (snnTorch's where every neuron node has r = tau / 1e-4 s, as snnTorch
    writes them). A weight matrix becomes all-to-all
    or one-to-one where it is one with a single weight, otherwise the explicit rule: every nonzero
    entry one listed synapse with its weight (exact). approximate=True instead turns such a matrix
    into pairwise_bernoulli with its density and the mean/std of its weights (a rule that can be
    resized; noted in the description). Everything else raises ValidationError.
    """
    nir = require_nir()
    if isinstance(source, (str, os.PathLike)):
        label = Path(source).name
        graph = read_nir_file(source)
        default_name = Path(source).stem
    else:
        label = "NIR graph"
        graph = source
        default_name = "imported"
    if not isinstance(graph, nir.NIRGraph):
        raise ValidationError(f"{label}: expected a NIR graph, got {type(graph).__name__}")
    try:
        design, stored = _design_from_metadata(graph, label)
        if design is not None:
            return design if name is None else replace(design, name=name)
        graph = _flattened(graph, nir)
        reader = _GraphReader(graph, label, approximate, dt if stored is None else stored.dt, stored, convention)
        return reader.network(name or (stored.name if stored is not None else default_name))
    except ValidationError:
        raise
    except RecursionError:
        raise ValidationError(f"{label}: the graph is nested too deeply") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, AssertionError, OverflowError) as error:
        raise ValidationError(f"{label}: cannot read the graph ({_short(error)})") from None


def _flattened(graph, nir):
    """Subgraphs (snnTorch writes RLeaky/RSynaptic as a graph of input, lif, w_rec, output) inlined: their
    nodes as '<subgraph>.<node>', edges into a subgraph to what its Input feeds, out of it from what feeds
    its Output."""
    if not isinstance(graph.nodes, dict) or not any(isinstance(n, nir.NIRGraph) for n in graph.nodes.values()):
        return graph
    nodes, edges, entry, exit_ = {}, [], {}, {}
    for key, node in graph.nodes.items():
        if not isinstance(node, nir.NIRGraph):
            nodes[key] = node
            continue
        inner = _flattened(node, nir)
        ports = {k for k, n in inner.nodes.items() if isinstance(n, (nir.Input, nir.Output))}
        nodes.update({f"{key}.{k}": n for k, n in inner.nodes.items() if k not in ports})
        entry[key] = [f"{key}.{b}" for a, b in inner.edges if isinstance(inner.nodes[a], nir.Input) and b not in ports]
        exit_[key] = [f"{key}.{a}" for a, b in inner.edges if isinstance(inner.nodes[b], nir.Output) and a not in ports]
        edges += [(f"{key}.{a}", f"{key}.{b}") for a, b in inner.edges if a not in ports and b not in ports]
    for a, b in graph.edges:
        edges += [(x, y) for x in exit_.get(a, [a]) for y in entry.get(b, [b])]
    return nir.NIRGraph(nodes=nodes, edges=edges, type_check=False)


def _meta_text(node, key: str) -> str | None:
    meta = getattr(node, "metadata", None)
    if not isinstance(meta, dict) or key not in meta:
        return None
    value = meta[key]
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    return value if isinstance(value, str) else None


def _design_from_metadata(graph, label: str) -> tuple[Network | None, Network | None]:
    """(the stored design if the graph is still exactly what it exports to, the stored design)."""
    text = _meta_text(graph, "snn_designer_network")
    if text is None:
        return None, None
    from engine.io.native import network_from_json

    try:
        design = network_from_json(text, source=f"{label} (stored design)")
    except ValidationError:
        return None, None
    try:
        seed = int(np.asarray(graph.metadata.get("seed", design.seed)).item())
        expected = export_nir(design, seed)
    except (ValidationError, ValueError, TypeError):
        return None, design
    return (design if _same_graph(expected, graph) else None), design


def _same_graph(a, b) -> bool:
    if set(a.nodes) != set(b.nodes) or sorted(map(tuple, a.edges)) != sorted(map(tuple, b.edges)):
        return False
    for key, node in a.nodes.items():
        other = b.nodes[key]
        if type(node) is not type(other):
            return False
        for field in ("weight", "bias", "delay", "tau", "tau_mem", "tau_syn", "r", "v_leak", "v_threshold", "v_reset",
                      "w_in", "scale"):
            if hasattr(node, field) != hasattr(other, field):
                return False
            if hasattr(node, field):
                x, y = np.asarray(getattr(node, field)), np.asarray(getattr(other, field))
                if x.shape != y.shape or not np.array_equal(x.astype(np.float64), y.astype(np.float64)):
                    return False
        if type(node).__name__ in ("Input", "Output"):
            for port in ("input_type", "output_type"):
                x = list((getattr(node, port) or {}).values())
                y = list((getattr(other, port) or {}).values())
                if [np.asarray(v).tolist() for v in x] != [np.asarray(v).tolist() for v in y]:
                    return False
    return True


def _array(node_name: str, field: str, value, size: int | None = None) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValidationError(f"node '{node_name}': '{field}' must be numbers") from None
    if arr.ndim == 0 and size is not None:
        arr = np.full(size, float(arr))
    if not np.isfinite(arr).all():
        raise ValidationError(f"node '{node_name}': '{field}' has values that are not finite")
    if size is not None and arr.shape != (size,):
        raise ValidationError(f"node '{node_name}': '{field}' has shape {arr.shape}, expected ({size},)")
    return arr


def _uniform(node_name: str, field: str, arr: np.ndarray) -> float:
    if arr.size == 0:
        raise ValidationError(f"node '{node_name}': '{field}' is empty")
    if not np.all(arr == arr.flat[0]):
        raise ValidationError(
            f"node '{node_name}': '{field}' differs between neurons ({arr.min():g} .. {arr.max():g}); a population "
            "has one value per parameter, so split the node into groups of equal parameters")
    return float(arr.flat[0])


def _per_neuron(node_name: str, field: str, values: np.ndarray):
    """One number if all neurons share the value, else a list with one value per neuron
    (a per-neuron parameter, as training leaves them)."""
    if values.size == 0:
        raise ValidationError(f"node '{node_name}': '{field}' is empty")
    if np.all(values == values.flat[0]):
        return _clean(float(values.flat[0]))
    return [_clean(v) for v in values.tolist()]


def _size_of(node_name: str, shape) -> int:
    arr = np.asarray(shape).reshape(-1)
    if arr.size != 1:
        raise ValidationError(f"node '{node_name}': only one-dimensional nodes can be imported (shape {arr.tolist()})")
    size = int(arr[0])
    if not 1 <= size <= MAX_NEURONS:
        raise ValidationError(f"node '{node_name}': size {size} is outside 1..{MAX_NEURONS:,}")
    return size


class _GraphReader:
    """Reads a foreign NIR graph into populations and projections (see import_nir)."""

    NEURONS = ("LIF", "CubaLIF")
    WIRING = ("Linear", "Affine", "Scale", "Delay", "Identity")

    def __init__(self, graph, label: str, approximate: bool, dt: float, stored: Network | None = None,
                 convention: str = "auto"):
        self.graph, self.label, self.approximate, self.dt, self.stored = graph, label, approximate, dt, stored
        self.notes: list[str] = []
        if stored is not None:
            self.notes.append("The graph no longer matches the SNN Designer design stored in it (edited elsewhere?), "
                              "so it was read as NIR describes it: connections as given, no refractory periods")
        nodes = graph.nodes
        if not isinstance(nodes, dict) or not isinstance(graph.edges, (list, tuple)):
            raise ValidationError(f"{label}: the graph's nodes or edges are malformed")
        if len(nodes) > MAX_NODES or len(graph.edges) > MAX_EDGES:
            raise ValidationError(f"{label}: the graph has {len(nodes)} nodes and {len(graph.edges)} edges; "
                                  f"at most {MAX_NODES} and {MAX_EDGES} can be imported")
        self.kind = {key: type(node).__name__ for key, node in nodes.items()}
        self.out: dict[str, list[str]] = {key: [] for key in nodes}
        self.into: dict[str, list[str]] = {key: [] for key in nodes}
        for edge in graph.edges:
            if not isinstance(edge, (list, tuple)) or len(edge) != 2 or edge[0] not in nodes or edge[1] not in nodes:
                raise ValidationError(f"{label}: edge {edge!r} does not join two nodes of the graph")
            self.out[edge[0]].append(edge[1])
            self.into[edge[1]].append(edge[0])
        for key, kind in self.kind.items():
            if kind in self.NEURONS + self.WIRING + ("Input", "Output", "LI"):
                continue
            if kind == "IF":
                raise ValidationError(f"node '{key}': IF (integrate-and-fire without leak) has no engine model")
            raise ValidationError(f"node '{key}': NIR node type {kind} cannot be imported (supported: LIF, CubaLIF, "
                                  "LI synapse filters, Input, Output, Linear, Affine, Scale, Delay)")
        if not nodes:
            raise ValidationError(f"{label}: the graph is empty (no nodes); export the network again")
        self._choose_convention(convention)

    def _choose_convention(self, convention: str) -> None:
        """How much input one spike is. NIR's equations: a Dirac pulse (spike_area 1 s x 1/s). snnTorch
        writes the discrete update v <- beta v + W s as tau = dt / (1 - beta), r = tau / dt, w_in = tau_syn / dt
        with dt = 1e-4 s (snntorch/export_nir.py), i.e. a spike is an input of 1 for one step of dt."""
        if convention not in ("auto", "nir", "snntorch"):
            raise ValidationError(f"{self.label}: convention must be 'auto', 'nir' or 'snntorch', got {convention!r}")
        if convention == "auto":
            convention = "snntorch" if self._written_by_snntorch() else "nir"
        self.step_s = SNNTORCH_DT_S if convention == "snntorch" else None
        self.spike_area = SNNTORCH_DT_S if convention == "snntorch" else 1.0
        if self.step_s is not None:
            step_ms = SNNTORCH_DT_S / S_PER_MS
            self.notes.append(f"Read in snnTorch's convention (r = tau/dt, dt = {step_ms:g} ms): one spike adds its "
                              f"weight once, the time step is {step_ms:g} ms")
            self.dt = step_ms

    def _written_by_snntorch(self) -> bool:
        neurons = [node for key, node in self.graph.nodes.items() if self.kind[key] in self.NEURONS]
        for node in neurons:
            tau = np.asarray(node.tau_mem if type(node).__name__ == "CubaLIF" else node.tau, dtype=np.float64)
            r = np.asarray(node.r, dtype=np.float64)
            if tau.shape != r.shape or not np.allclose(r * SNNTORCH_DT_S, tau, rtol=1e-6, atol=0):
                return False
            if type(node).__name__ == "CubaLIF":
                w_in = np.asarray(node.w_in, dtype=np.float64)
                if not np.allclose(w_in * SNNTORCH_DT_S, np.asarray(node.tau_syn, np.float64), rtol=1e-6, atol=0):
                    return False
        return bool(neurons)

    # -- nodes -> populations ------------------------------------------------------------------------
    def _is_port(self, key: str) -> bool:
        return _meta_text(self.graph.nodes[key], "role") == "port"

    def _stored_trains(self, key: str, size: int) -> list:
        """Spike times are data, not part of the graph: keep the stored design's, if it has this generator."""
        if self.stored is None:
            return []
        for pop in self.stored.populations:
            if pop.name == key and pop.model == "spike_generator" and pop.size == size:
                return pop.params["spike_times"]
        return []

    def _filter_chain(self, key: str) -> tuple[str, list[str]]:
        """An LI node used as synapse filter: (the LIF it feeds, [LI stages from this one on])."""
        chain = [key]
        current = key
        while True:
            targets = self.out[current]
            if len(targets) != 1:
                raise ValidationError(f"node '{key}': an LI node can be imported only as a synapse filter that feeds "
                                      "exactly one LIF (a non-spiking readout has no engine model)")
            nxt = targets[0]
            if self.kind[nxt] == "LIF":
                return nxt, chain
            if self.kind[nxt] == "LI" and len(chain) < 2:
                chain.append(nxt)
                current = nxt
                continue
            raise ValidationError(f"node '{key}': an LI node feeding a {self.kind[nxt]} is a non-spiking readout, which "
                                  "has no engine model (LI nodes are imported only as synapse filters feeding a LIF)")

    def network(self, name: str) -> Network:
        # a hostile graph's NaN, inf or 1e308 flows into time constants, gains and weights: the
        # Network's own checks refuse what is not finite, naming the field, so NumPy's warnings on the
        # way say nothing more
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return self._network(name)

    def _network(self, name: str) -> Network:
        nodes = self.graph.nodes
        populations: dict[str, dict] = {}
        order = [k for k in nodes if self.kind[k] == "Input" and not self._is_port(k)]
        order += [k for k in nodes if self.kind[k] in self.NEURONS]
        for key in order:
            node = nodes[key]
            if self.kind[key] == "Input":
                size = _size_of(key, list(node.input_type.values())[0])
                trains = self._stored_trains(key, size)
                populations[key] = {"kind": "Input", "model": "spike_generator", "size": size,
                                    "params": {"spike_times": trains}}
                if not trains:
                    self.notes.append(f"'{key}' is a graph input: a spike_generator without spikes (give it spike times)")
            else:
                populations[key] = self._neuron(key, node)
        # filters: which LIF each LI feeds, and how (one or two stages)
        filters: dict[str, tuple[str, list[str]]] = {}
        for key in nodes:
            if self.kind[key] == "LI" and not any(self.kind[s] == "LI" for s in self.into[key]):
                filters[key] = self._filter_chain(key)
        if not any(kind in self.NEURONS for kind in self.kind.values()):
            raise ValidationError(f"{self.label}: the graph has no neurons (no LIF or CubaLIF node), nothing to "
                                  "simulate")
        paths = self._paths(populations, filters)
        return self._assemble(name, populations, filters, paths)

    def _neuron(self, key: str, node) -> dict:
        """A LIF or CubaLIF node's population: each parameter one number, or one per neuron where
        they differ. Arrays in SI units (s) are kept for the gains."""
        kind = self.kind[key]
        n = np.asarray(node.v_threshold).size
        _size_of(key, [n])
        tau_field = "tau_mem" if kind == "CubaLIF" else "tau"
        tau_s = _array(key, tau_field, getattr(node, tau_field), n)
        tau_syn_s = _array(key, "tau_syn", node.tau_syn, n) if kind == "CubaLIF" else None
        r = _array(key, "r", node.r, n)
        if (tau_s <= 0).any() or (tau_syn_s is not None and (tau_syn_s <= 0).any()):
            raise ValidationError(f"node '{key}': time constants must be > 0")
        if (r <= 0).any():
            raise ValidationError(f"node '{key}': r must be > 0 (with r = 0 the neuron ignores its input)")
        tau_m = self._engine_tau_ms(tau_s)
        params = {
            "E_L": _per_neuron(key, "v_leak", _array(key, "v_leak", node.v_leak, n)),
            "V_th": _per_neuron(key, "v_threshold", _array(key, "v_threshold", node.v_threshold, n)),
            "V_reset": _per_neuron(key, "v_reset", _array(key, "v_reset", node.v_reset, n)),
            "tau_m": _per_neuron(key, tau_field, tau_m), "C_m": _per_neuron(key, "r", tau_m / r), "t_ref": 0.0,
            "I_e": 0.0,
        }
        if tau_syn_s is not None:
            params["tau_syn_ex"] = params["tau_syn_in"] = _per_neuron(key, "tau_syn", self._engine_tau_ms(tau_syn_s))
        w_in = _array(key, "w_in", node.w_in, n) if kind == "CubaLIF" else None
        return {"kind": kind, "size": n, "params": params, "r": r, "tau_s": tau_s, "w_in": w_in,
                "tau_syn_s": tau_syn_s}

    def _engine_tau_ms(self, tau_s: np.ndarray) -> np.ndarray:
        """The engine's time constant (ms). NIR's continuous tau, except in snnTorch's convention, whose
        network is the discrete update v <- beta v + input with beta = 1 - dt/tau: there the engine's exact
        decay per step, exp(-dt/tau_m), is made equal to beta."""
        if self.step_s is None:
            return tau_s / S_PER_MS
        beta = 1.0 - self.step_s / tau_s
        if (beta <= 0).any():
            raise ValidationError(f"{self.label}: a time constant shorter than snnTorch's step ({self.step_s:g} s)")
        return -(self.step_s / S_PER_MS) / np.log(beta)

    # -- edges -> paths ------------------------------------------------------------------------------
    def _paths(self, populations: dict, filters: dict) -> list[dict]:
        """Every way a source population reaches a neuron population through wiring nodes."""
        nodes = self.graph.nodes
        found: list[dict] = []
        for source, info in populations.items():
            stack = [(source, None, 0.0, [])]  # (node, matrix or None = identity, delay s (or per entry), wiring)
            while stack:
                current, matrix, delay, wiring = stack.pop()
                for target in self.out[current]:
                    kind = self.kind[target]
                    if kind == "Output":
                        continue
                    if kind == "Input":
                        raise ValidationError(f"edge '{current}' -> '{target}': an Input node cannot receive input")
                    if kind == "LI" and target not in filters:
                        raise ValidationError(f"node '{target}': input into the second stage of a synapse filter "
                                              "cannot be imported")
                    if target in populations or kind == "LI":
                        found += _split_by_delay({"source": source, "target": target, "matrix": matrix,
                                                  "delay": delay, "wiring": wiring, "size": info["size"]})
                        if len(found) > MAX_PATHS:
                            raise ValidationError(f"{self.label}: too many paths between populations to import")
                        continue
                    if target in wiring:
                        raise ValidationError(f"node '{target}': a loop of wiring nodes without neurons cannot be imported")
                    m, d = self._through(target, nodes[target], matrix, delay, info["size"])
                    stack.append((target, m, d, wiring + [target]))
                    if len(stack) > MAX_PATHS:
                        raise ValidationError(f"{self.label}: too many paths between populations to import")
        return found

    def _through(self, key: str, node, matrix, delay, n_source: int):
        """A wiring node applied to (matrix, delay): delay is one number (s) or, after a Delay with a delay
        per neuron, one per matrix entry."""
        width = n_source if matrix is None else matrix.shape[0]
        kind = self.kind[key]
        if kind in ("Linear", "Affine"):
            weight = _array(key, "weight", node.weight)
            if weight.ndim != 2 or weight.shape[1] != width:
                raise ValidationError(f"node '{key}': weight of shape {weight.shape} does not take {width} inputs")
            if kind == "Affine":
                _array(key, "bias", node.bias, weight.shape[0])  # checked here, applied by _bias_currents
            combined = weight if matrix is None else weight @ matrix
            return combined, _mixed_delay(key, weight, matrix, delay)
        if kind == "Scale":
            scale = _array(key, "scale", node.scale)
            if scale.shape != (width,):
                raise ValidationError(f"node '{key}': scale of shape {scale.shape} does not fit {width} inputs")
            base = np.eye(width) if matrix is None else matrix
            return scale[:, None] * base, delay
        if kind == "Delay":
            values = _array(key, "delay", node.delay)
            if values.shape != (width,):
                raise ValidationError(f"node '{key}': delay of shape {values.shape} does not fit {width} inputs")
            if (values < 0).any():
                raise ValidationError(f"node '{key}': delays must be >= 0")
            if np.all(values == values[0]):
                return matrix, delay + float(values[0])
            return matrix, delay + values[:, None] * np.ones((1, n_source))  # per entry of the matrix
        return matrix, delay  # Identity

    def _bias_currents(self, populations: dict, filters: dict) -> dict[str, np.ndarray]:
        """Per target (population or synapse filter): the constant input the Affine biases upstream of it
        give (each bias carried through the wiring after its Affine, in NIR input units)."""
        nodes = self.graph.nodes
        found: dict[str, np.ndarray] = {}
        for key, kind in self.kind.items():
            if kind != "Affine":
                continue
            bias = _array(key, "bias", nodes[key].bias, np.asarray(nodes[key].weight).shape[0])
            if not bias.any():
                continue
            stack = [(key, bias, [key])]
            while stack:
                current, value, seen = stack.pop()
                for target in self.out[current]:
                    if self.kind[target] == "Output":
                        continue
                    if target in populations or target in filters:
                        if value.shape != (self._inputs_of(target, populations, filters),):
                            raise ValidationError(f"node '{key}': its bias of {value.size} values does not fit "
                                                  f"node '{target}'")
                        found[target] = found.get(target, 0) + value
                        continue
                    if target in seen:
                        continue
                    stack.append((target, self._bias_through(target, value), seen + [target]))
        return found

    def _bias_through(self, key: str, value: np.ndarray) -> np.ndarray:
        node, kind = self.graph.nodes[key], self.kind[key]
        if kind in ("Linear", "Affine"):
            return _array(key, "weight", node.weight) @ value  # shapes were checked on the spike paths
        if kind == "Scale":
            return _array(key, "scale", node.scale) * value
        return value  # Delay, Identity: a constant stays constant

    def _inputs_of(self, target: str, populations: dict, filters: dict) -> int:
        return populations[filters[target][0] if target in filters else target]["size"]

    # -- paths -> network ----------------------------------------------------------------------------
    def _assemble(self, name: str, populations: dict, filters: dict, paths: list[dict]) -> Network:
        gains = self._models_and_gains(populations, filters, paths)
        combined = self._combined_paths(populations, filters, paths, gains)
        self._apply_biases(populations, filters)
        pops = []
        for i, (key, pop) in enumerate(populations.items()):
            params = {k: v for k, v in pop["params"].items() if not (pop["model"] == "iaf_psc_delta" and k.startswith("tau_syn"))}
            if pop["model"] == "spike_generator":
                params = pop["params"]
            try:
                pops.append(Population(key, pop["model"], pop["size"], params=params, position=(40.0 + 280.0 * (pop["model"] != "spike_generator"), 80.0 + 140.0 * i)))
            except ValidationError as error:
                raise ValidationError(f"node '{key}': {error}") from None
        projs = []
        used = set()
        for (source, target, delay_ms), entry in combined.items():
            proj = self._projection(source, target, delay_ms, entry, used)
            if proj is not None:
                projs.append(proj)
        description = f"Imported from {self.label}."
        if self.notes:
            description += " " + " ".join(note.rstrip(".") + "." for note in self.notes)
        return Network(name=name[:100] or "imported", populations=tuple(pops), projections=tuple(projs),
                       description=description, dt=self.dt)

    def _apply_biases(self, populations: dict, filters: dict) -> None:
        """Affine biases as the constant current I_e (pA) of the neurons they reach: NIR's steady input
        current, b into a LIF, w_in b into a CubaLIF, r b through an LI filter (r1 r2 b through two)."""
        currents: dict[str, np.ndarray] = {}
        for target, bias in self._bias_currents(populations, filters).items():
            if target in filters:
                lif, chain = filters[target]
                factor = np.prod([_array(s, "r", self.graph.nodes[s].r, bias.size) for s in chain], axis=0)
            else:
                lif = target
                factor = populations[lif]["w_in"] if populations[lif]["kind"] == "CubaLIF" else 1.0
            currents[lif] = currents.get(lif, 0) + factor * bias
        for lif, current in currents.items():
            populations[lif]["params"]["I_e"] = _per_neuron(lif, "bias", np.asarray(current, np.float64))
            if populations[lif]["model"] != "iaf_psc_delta":
                self.notes.append(f"'{lif}': its bias current is on at full strength from t = 0 (in NIR it rises "
                                  "through the synapse filter over its first few tau_syn)")

    def _models_and_gains(self, populations: dict, filters: dict, paths: list[dict]) -> dict[str, np.ndarray]:
        """Choose each population's model (and synapse time constants) from what feeds it; returns
        per filter or population the per-neuron engine weight per unit of matrix."""
        direct = {k for k in populations if populations[k]["kind"] == "LIF" and
                  any(p["target"] == k for p in paths)}
        filtered: dict[str, list[str]] = {}
        for f, (lif, chain) in filters.items():
            filtered.setdefault(lif, []).append(f)
        for lif in filtered:
            if lif in direct:
                raise ValidationError(f"node '{lif}': a LIF fed both by spikes directly and through LI synapse "
                                      "filters has no engine model")
        gains: dict[str, np.ndarray] = {}
        for lif, fs in filtered.items():
            self._filtered_population(lif, populations[lif], fs, filters, paths, gains)
        for key, pop in populations.items():
            if "model" in pop:
                continue
            if pop["kind"] == "CubaLIF":
                pop["model"] = "iaf_psc_exp"
                gains[key] = self.spike_area * pop["w_in"] / pop["tau_syn_s"]  # pA per unit of input
            else:
                pop["model"] = "iaf_psc_delta"
                gains[key] = self.spike_area * pop["r"] / pop["tau_s"]  # mV per unit of input
        return gains

    def _filtered_population(self, lif: str, pop: dict, fs: list[str], filters: dict, paths: list[dict],
                             gains: dict) -> None:
        """A LIF fed through one or two LI filters (two stages each: alpha): iaf_psc_exp or iaf_psc_alpha."""
        stages = {len(filters[f][1]) for f in fs}
        if len(stages) != 1 or len(fs) > 2:
            raise ValidationError(f"node '{lif}': its synapse filters must be one or two of the same kind")
        alpha = stages.pop() == 2
        taus = {}
        for f in fs:
            chain = filters[f][1]
            n = pop["size"]
            tau = [_uniform(s, "tau", _array(s, "tau", self.graph.nodes[s].tau, n)) for s in chain]
            r = [_uniform(s, "r", _array(s, "r", self.graph.nodes[s].r, n)) for s in chain]
            for s in chain:
                if _array(s, "v_leak", self.graph.nodes[s].v_leak, n).any():
                    raise ValidationError(f"node '{s}': a synapse filter with v_leak != 0 cannot be imported")
            if min(tau) <= 0:
                raise ValidationError(f"node '{f}': time constants must be > 0")
            if alpha and tau[0] != tau[1]:
                raise ValidationError(f"node '{f}': a two-stage filter is an alpha synapse only with equal taus")
            taus[f] = tau[0]
            gain = r[0] / tau[0] if not alpha else r[0] * r[1] / (math.e * tau[0])
            gains[f] = np.full(n, self.spike_area * gain)
        signs = {f: self._sign_of(f, paths) for f in fs}
        ex = [f for f in fs if signs[f] > 0]
        inh = [f for f in fs if signs[f] < 0]
        if len(ex) > 1 or len(inh) > 1:
            raise ValidationError(f"node '{lif}': two synapse filters receive weights of the same sign; the engine "
                                  "has one excitatory and one inhibitory synapse")
        ex_f = ex[0] if ex else next((f for f in fs if f not in inh), fs[0])
        in_f = inh[0] if inh else next((f for f in fs if f != ex_f), ex_f)
        pop["model"] = "iaf_psc_alpha" if alpha else "iaf_psc_exp"
        pop["params"]["tau_syn_ex"] = _clean(taus[ex_f] / S_PER_MS)
        pop["params"]["tau_syn_in"] = _clean(taus[in_f] / S_PER_MS)
        pop["params"]["C_m"] = _per_neuron(lif, "r", self._engine_tau_ms(pop["tau_s"]) / pop["r"])

    @staticmethod
    def _combined_paths(populations: dict, filters: dict, paths: list[dict], gains: dict) -> dict:
        """The paths summed per (source, target population, delay), in engine weights."""
        combined: dict[tuple[str, str, float], dict] = {}
        for path in paths:
            target = path["target"]
            lif = filters[target][0] if target in filters else target
            matrix = path["matrix"] if path["matrix"] is not None else np.eye(path["size"])
            if matrix.shape != (populations[lif]["size"], populations[path["source"]]["size"]):
                raise ValidationError(f"node '{target}': receives {matrix.shape[0]} inputs but has "
                                      f"{populations[lif]['size']} neurons")
            effective = matrix * gains[target][:, None]
            key = (path["source"], lif, round(path["delay"] / S_PER_MS, 9))
            entry = combined.setdefault(key, {"matrix": np.zeros_like(effective), "by_input": {}, "wiring": []})
            entry["matrix"] = entry["matrix"] + effective
            # per input (the LIF itself or one synapse filter): the excitatory and inhibitory
            # synapses of one pair must not cancel, since they are filtered differently
            entry["by_input"][target] = entry["by_input"].get(target, 0) + effective
            entry["wiring"] += path["wiring"]
        return combined

    def _sign_of(self, f: str, paths: list[dict]) -> int:
        low, high = 0.0, 0.0
        for p in paths:
            if p["target"] != f:
                continue
            m = p["matrix"] if p["matrix"] is not None else np.eye(p["size"])
            low, high = min(low, float(m.min())), max(high, float(m.max()))
        if low < 0 < high:
            raise ValidationError(f"node '{f}': a synapse filter receives weights of both signs; the engine sends each "
                                  "synapse to the excitatory or inhibitory filter by its sign")
        return 1 if high > 0 else (-1 if low < 0 else 0)

    def _projection(self, source: str, target: str, delay_ms: float, entry: dict, used: set) -> Projection | None:
        matrix = entry["matrix"]
        parts = [m for m in entry["by_input"].values() if m.any()]
        if not parts:
            return None
        linear = [w for w in dict.fromkeys(entry["wiring"]) if self.kind[w] in ("Linear", "Affine")]
        name = linear[0] if len(linear) == 1 else f"{source}→{target}"
        base, k = name[:90], 2
        while name in used:
            name, k = f"{base} #{k}", k + 1
        used.add(name)
        if delay_ms < self.dt:
            if delay_ms > 0:
                self.notes.append(f"'{name}': delay {delay_ms:g} ms raised to one time step ({self.dt:g} ms)")
            else:
                self.notes.append(f"'{name}' had no delay; it got one time step ({self.dt:g} ms), the shortest the engine has")
            delay_ms = self.dt
        overlap = len(parts) > 1 and bool(np.logical_and.reduce([m != 0 for m in parts]).any())
        if overlap:  # a pair with both an excitatory and an inhibitory synapse: only a listing says it
            rule, weight = self._listed(parts)
        else:
            rule, weight = self._rule_and_weight(name, source == target, matrix)
        return Projection(source, target, rule, weight=weight, delay=_clean(delay_ms), name=name)

    @staticmethod
    def _listed(parts: list[np.ndarray]):
        """Every nonzero entry of the matrices as one listed synapse, ordered by pre then post neuron;
        one weight if they are all equal, else one weight per synapse."""
        pre_idx, post_idx, weights = [], [], []
        for matrix in parts:
            post_i, pre_i = np.nonzero(matrix)
            pre_idx.append(pre_i)
            post_idx.append(post_i)
            weights.append(matrix[post_i, pre_i])
        pre_idx, post_idx, weights = np.concatenate(pre_idx), np.concatenate(post_idx), np.concatenate(weights)
        order = np.lexsort((post_idx, pre_idx))
        pre_idx, post_idx, weights = pre_idx[order], post_idx[order], weights[order]
        rule = Connectivity("explicit", pre_indices=tuple(pre_idx.tolist()), post_indices=tuple(post_idx.tolist()))
        if np.all(weights == weights[0]):
            return rule, _clean(float(weights[0]))
        return rule, tuple(_clean(w) for w in weights.tolist())

    def _rule_and_weight(self, name: str, same: bool, matrix: np.ndarray):
        nonzero = matrix != 0
        values = matrix[nonzero]
        first = float(values[0])
        constant = bool(np.all(values == first))
        n_post, n_pre = matrix.shape
        if constant and nonzero.all():
            return Connectivity("all_to_all"), _clean(first)
        if constant and same and n_pre == n_post and not np.diagonal(nonzero).any() \
                and nonzero.sum() == n_pre * (n_pre - 1):
            return Connectivity("all_to_all", allow_autapses=False), _clean(first)
        if constant and n_pre == n_post and np.diagonal(nonzero).all() and nonzero.sum() == n_pre:
            return Connectivity("one_to_one"), _clean(first)
        if not self.approximate:  # the matrix exactly: one listed synapse per nonzero entry
            return self._listed([matrix])
        density = float(nonzero.mean())
        no_autapses = same and n_pre == n_post and not np.diagonal(nonzero).any()
        weight = _clean(first) if constant else Distribution(
            "normal", {"mean": _clean(float(values.mean())), "std": _clean(float(values.std()))})
        self.notes.append(f"'{name}': approximated by pairwise_bernoulli p = {density:.4g}"
                          + ("" if constant else f" with normal weights (mean {values.mean():.4g}, std {values.std():.4g})"))
        return Connectivity("pairwise_bernoulli", p=_clean(density), allow_autapses=not no_autapses), weight


def _mixed_delay(key: str, weight: np.ndarray, matrix, delay):
    """The delay per entry of weight @ matrix: each output mixes inputs, which must share one delay."""
    if np.ndim(delay) == 0:
        return delay
    base = matrix if matrix is not None else np.eye(delay.shape[0])
    low = np.full((weight.shape[0], base.shape[1]), np.inf)
    high = np.full_like(low, -np.inf)
    for j in range(weight.shape[1]):  # one inner index at a time: no (out, inner, source) array
        reaches = (weight[:, j, None] != 0) & (base[j, None, :] != 0)
        low = np.where(reaches, np.minimum(low, delay[j]), low)
        high = np.where(reaches, np.maximum(high, delay[j]), high)
    if (high > low).any():
        raise ValidationError(f"node '{key}': it sums inputs that arrive with different delays (from a Delay "
                              "with a delay per neuron before it); a synapse has one delay, so put the Delay after "
                              "the Linear")
    return np.where(np.isfinite(low), low, 0.0)


def _split_by_delay(path: dict) -> list[dict]:
    """A path whose delay differs per matrix entry as one path per distinct delay."""
    delay = path["delay"]
    if np.ndim(delay) == 0:
        return [path]
    matrix = path["matrix"] if path["matrix"] is not None else np.eye(path["size"])
    values = np.unique(delay[matrix != 0])
    return [{**path, "matrix": np.where(delay == d, matrix, 0.0), "delay": float(d)} for d in values]


def _clean(value: float) -> float:
    """Undo float noise from unit conversions (0.005 s -> 5.000000000000001 ms -> 5.0)."""
    value = float(value)
    if value == 0 or not math.isfinite(value):
        return value
    return float(f"{value:.12g}")
