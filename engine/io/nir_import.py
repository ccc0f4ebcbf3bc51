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
MAX_NODES = 2000
MAX_EDGES = 4000
MAX_PATHS = 20000
MAX_NEURONS = 5_000_000


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
                if counts["bytes"] > MAX_DATA_BYTES:
                    raise ValidationError(f"{label}: the file declares more than {MAX_DATA_BYTES >> 20} MiB of data")
                if item.dtype.kind not in "biufSOU":
                    raise ValidationError(f"{label}: dataset '{item.name}' has an unsupported type {item.dtype}")
                if key == "edges" and shape and shape[0] > MAX_EDGES:
                    raise ValidationError(f"{label}: a graph with {shape[0]} edges; at most {MAX_EDGES} can be imported")

    try:
        with h5py.File(path, "r") as f:
            if "node" not in f:
                raise ValidationError(f"{label}: not a NIR file (no 'node' group)")
            visit(f, 0)
    except ValidationError:
        raise
    except Exception as error:
        raise ValidationError(f"{label}: not a readable HDF5 file ({_short(error)})") from None


# ---------------------------------------------------------------------------------------------------------------
# Import: graph -> Network
def import_nir(source, approximate: bool = False, name: str | None = None, dt: float = 0.1) -> Network:
    """A Network from a NIR file (path) or a nir.NIRGraph.

    A graph written by SNN Designer and unchanged since gives back the same design. Any
    other graph is read as it is: LIF -> iaf_psc_delta, CubaLIF -> iaf_psc_exp, LIF fed by LI
    synapse filters -> iaf_psc_exp / iaf_psc_alpha, Input -> a silent spike_generator (set its
    times), Linear/Affine/Scale/Delay chains -> projections. A weight matrix becomes all-to-all
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
        reader = _GraphReader(graph, label, approximate, dt if stored is None else stored.dt, stored)
        return reader.network(name or (stored.name if stored is not None else default_name))
    except ValidationError:
        raise
    except RecursionError:
        raise ValidationError(f"{label}: the graph is nested too deeply") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, AssertionError, OverflowError) as error:
        raise ValidationError(f"{label}: cannot read the graph ({_short(error)})") from None


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

    def __init__(self, graph, label: str, approximate: bool, dt: float, stored: Network | None = None):
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
            if kind == "NIRGraph":
                raise ValidationError(f"node '{key}': nested NIR graphs (subgraphs) cannot be imported; flatten it first")
            if kind == "IF":
                raise ValidationError(f"node '{key}': IF (integrate-and-fire without leak) has no engine model")
            raise ValidationError(f"node '{key}': NIR node type {kind} cannot be imported (supported: LIF, CubaLIF, "
                                  "LI synapse filters, Input, Output, Linear, Affine, Scale, Delay)")

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
        paths = self._paths(populations, filters)
        # a hostile graph's NaN, inf or 1e308 flows into gains and weights: the Network's own checks
        # refuse what is not finite, naming the field, so NumPy's warnings on the way say nothing more
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return self._assemble(name, populations, filters, paths)

    def _neuron(self, key: str, node) -> dict:
        kind = self.kind[key]
        if kind == "CubaLIF":
            n = np.asarray(node.v_threshold).size
            _size_of(key, [n])
            tau_mem = _uniform(key, "tau_mem", _array(key, "tau_mem", node.tau_mem, n)) / S_PER_MS
            tau_syn = _uniform(key, "tau_syn", _array(key, "tau_syn", node.tau_syn, n)) / S_PER_MS
            w_in = _array(key, "w_in", node.w_in, n)
        else:
            n = np.asarray(node.v_threshold).size
            _size_of(key, [n])
            tau_mem = _uniform(key, "tau", _array(key, "tau", node.tau, n)) / S_PER_MS
            tau_syn = None
            w_in = None
        r = _uniform(key, "r", _array(key, "r", node.r, n))
        if tau_mem <= 0 or (tau_syn is not None and tau_syn <= 0):
            raise ValidationError(f"node '{key}': time constants must be > 0")
        if r <= 0:
            raise ValidationError(f"node '{key}': r must be > 0 (with r = 0 the neuron ignores its input)")
        params = {
            "E_L": _uniform(key, "v_leak", _array(key, "v_leak", node.v_leak, n)),
            "V_th": _uniform(key, "v_threshold", _array(key, "v_threshold", node.v_threshold, n)),
            "V_reset": _uniform(key, "v_reset", _array(key, "v_reset", node.v_reset, n)),
            "tau_m": _clean(tau_mem), "C_m": _clean(tau_mem / r), "t_ref": 0.0, "I_e": 0.0,
        }
        if tau_syn is not None:
            params["tau_syn_ex"] = params["tau_syn_in"] = _clean(tau_syn)
        return {"kind": kind, "size": n, "params": params, "r": r, "tau_s": tau_mem * S_PER_MS, "w_in": w_in,
                "tau_syn_s": None if tau_syn is None else tau_syn * S_PER_MS}

    # -- edges -> paths ------------------------------------------------------------------------------
    def _paths(self, populations: dict, filters: dict) -> list[dict]:
        """Every way a source population reaches a neuron population through wiring nodes."""
        nodes = self.graph.nodes
        found: list[dict] = []
        for source, info in populations.items():
            stack = [(source, None, 0.0, [], None)]  # (node, matrix or None = identity, delay s, wiring, bias)
            while stack:
                current, matrix, delay, wiring, bias = stack.pop()
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
                        found.append({"source": source, "target": target, "matrix": matrix, "delay": delay,
                                      "wiring": wiring, "size": info["size"]})
                        if len(found) > MAX_PATHS:
                            raise ValidationError(f"{self.label}: too many paths between populations to import")
                        continue
                    if target in wiring:
                        raise ValidationError(f"node '{target}': a loop of wiring nodes without neurons cannot be imported")
                    m, d = self._through(target, nodes[target], matrix, delay, info["size"])
                    stack.append((target, m, d, wiring + [target], bias))
                    if len(stack) > MAX_PATHS:
                        raise ValidationError(f"{self.label}: too many paths between populations to import")
        return found

    def _through(self, key: str, node, matrix, delay: float, n_source: int):
        width = n_source if matrix is None else matrix.shape[0]
        kind = self.kind[key]
        if kind in ("Linear", "Affine"):
            weight = _array(key, "weight", node.weight)
            if weight.ndim != 2 or weight.shape[1] != width:
                raise ValidationError(f"node '{key}': weight of shape {weight.shape} does not take {width} inputs")
            if kind == "Affine":
                bias = _array(key, "bias", node.bias)
                if bias.any():
                    raise ValidationError(f"node '{key}': Affine with a nonzero bias (a constant input) cannot be "
                                          "imported; fold it into the target's v_leak")
            return (weight if matrix is None else weight @ matrix), delay
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
            d = _uniform(key, "delay", values)
            if d < 0:
                raise ValidationError(f"node '{key}': delays must be >= 0")
            return matrix, delay + d
        return matrix, delay  # Identity

    # -- paths -> network ----------------------------------------------------------------------------
    def _assemble(self, name: str, populations: dict, filters: dict, paths: list[dict]) -> Network:
        gains = self._models_and_gains(populations, filters, paths)
        combined = self._combined_paths(populations, filters, paths, gains)
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
                gains[key] = pop["w_in"] / pop["tau_syn_s"]  # pA per unit of input
            else:
                pop["model"] = "iaf_psc_delta"
                gains[key] = np.full(pop["size"], pop["r"] / pop["tau_s"])  # mV per unit of input
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
            gains[f] = np.full(n, gain)
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
        pop["params"]["C_m"] = _clean(pop["params"]["tau_m"] / pop["r"])

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


def _clean(value: float) -> float:
    """Undo float noise from unit conversions (0.005 s -> 5.000000000000001 ms -> 5.0)."""
    value = float(value)
    if value == 0 or not math.isfinite(value):
        return value
    return float(f"{value:.12g}")
