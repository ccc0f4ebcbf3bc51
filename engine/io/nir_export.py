"""NIR (Neuromorphic Intermediate Representation): export a Network as a graph (import: nir_import.py).

NIR describes continuous-time dynamics (spikes are Dirac pulses) without units and without
random connectivity, so the mapping fixes units and writes the drawn synapses out:

    units in the file   time in s, voltage in mV, current in pA, resistance in GOhm (mV/pA);
                        Linear weights are the engine's weights (mV jumps for iaf_psc_delta,
                        pA current jumps for iaf_psc_exp/alpha)
    iaf_psc_delta       LIF(tau = tau_m, r = tau_m, v_leak = E_L + I_e tau_m/C_m, v_threshold, v_reset)
    iaf_psc_exp         CubaLIF(tau_syn, tau_mem, r = tau_m/C_m, w_in = tau_syn, ...) when
                        tau_syn_ex == tau_syn_in; otherwise LIF(r = tau_m/C_m) fed by two LI
                        synapse filters '<pop>.I_ex' and '<pop>.I_in' (tau = r = tau_syn_*)
    iaf_psc_alpha       LIF fed by two-stage LI filters '<pop>.I_ex.rise' -> '<pop>.I_ex'
                        (tau = tau_syn, r = tau_syn then e): an alpha function, exactly
    spike_generator     Input '<pop>' (the times are the caller's data; kept in the metadata)
    projection          Linear '<proj>' (dense, n_post x n_pre: the synapses the engine draws
                        for this seed or lists (explicit rule), multapses summed) -> Delay
                        '<proj>.delay' -> target; split into '<proj>.ex' / '<proj>.in' (each
                        sign summed on its own) when weights take both signs and the target has
                        two synapse filters
    ports               every neuron population has an Input '<pop>.input' and an Output
                        '<pop>.output' (NIR needs graph inputs and outputs to check types); a
                        synapse filter no projection feeds gets an Input '<filter>.input'

What NIR cannot say, and other tools will therefore not do (listed in the graph's
metadata 'approximations'): refractory periods (t_ref), spikes lost while refractory
(iaf_psc_delta), the initial membrane potential, threshold crossing '>=' (NIR: '>').
The whole design (rules, distributions, positions, t_ref...) is kept in the graph
metadata 'snn_designer_network' as native JSON; `import_nir` uses it only when the
graph still matches it exactly (re-exported and compared), otherwise it reads the graph
as it is (so weights trained or edited in another tool are never silently replaced).

Refused with a ValidationError: poisson_generator and inhomogeneous_poisson_generator
(NIR has no random source), current generators (no current source: use I_e),
parrot_neuron (no relay node), conductance-based, AdEx and Izhikevich neurons, plastic
synapses, drawn delays, projections whose dense matrix would be too large.
"""
from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from engine.compile import neuron_values
from engine.compile.connect import connect, draw, object_rng
from engine.errors import ValidationError
from engine.model.network import Distribution, Network, Projection
from engine.model.synapses import get_synapse

S_PER_MS = 1e-3
MAX_DENSE_ENTRIES = 2**24  # per projection (64 MiB as float32)
MAX_TOTAL_DENSE_ENTRIES = 2**26
NIR_SYNAPSES = ("static_synapse", "stdp_synapse")  # fixed weights (stdp: with learning off)
NIR_MODELS = ("iaf_psc_delta", "iaf_psc_exp", "iaf_psc_alpha")
UNITS = "time s, voltage mV, current pA, resistance GOhm (mV/pA); Linear weights are the engine's (mV or pA)"
APPROXIMATIONS = {
    "t_ref": "refractory periods (t_ref) are not part of NIR's LIF/CubaLIF; other tools simulate without them",
    "delta_refractory": "iaf_psc_delta drops spikes that arrive while refractory; NIR's LIF does not",
    "initial": "the initial membrane potential is not part of NIR; other tools start from their default",
    "threshold": "a spike is emitted at V >= V_th (NIR: v > v_threshold)",
}
REFUSED = {
    "poisson_generator": "NIR has no random spike source; replace it by a spike_generator with explicit times, "
                         "or export to PyNEST, PyNN or Brian2",
    "inhomogeneous_poisson_generator": "NIR has no random spike source; export to PyNEST instead",
    "parrot_neuron": "NIR has no relay neuron; connect the source to the targets directly",
    "iaf_cond_exp": "NIR has no conductance-based neuron (use iaf_psc_exp)",
    "iaf_cond_alpha": "NIR has no conductance-based neuron (use iaf_psc_alpha)",
    "aeif_cond_exp": "NIR has no adaptive exponential neuron",
    "izhikevich": "NIR has no Izhikevich neuron",
    "hh_psc_alpha": "NIR has no Hodgkin-Huxley neuron (its nodes are leaky integrate-and-fire)",
}


def require_nir():
    """The nir package, or a ValidationError saying how to install it."""
    try:
        import nir
    except ImportError:
        raise ValidationError("NIR support needs the 'nir' package (pip install 'snn-designer[export]')") from None
    return nir


def check_nir(network: Network) -> None:
    """Raise ValidationError with the reason when `network` cannot be written as a NIR graph."""
    for pop in network.populations:
        where = f"population '{pop.name}'"
        if pop.model in NIR_MODELS or pop.model == "spike_generator":
            continue
        if pop.model in REFUSED:
            raise ValidationError(f"{where}: {pop.model} cannot be exported to NIR: {REFUSED[pop.model]}")
        if pop.model_class.emits == "current":
            raise ValidationError(f"{where}: {pop.model} cannot be exported to NIR: NIR has no current source; "
                                  "for a constant current set I_e of the target population instead")
        raise ValidationError(f"{where}: {pop.model} cannot be exported to NIR")
    for proj in network.projections:
        where = f"projection '{proj.name}'"
        if proj.synapse not in NIR_SYNAPSES:
            raise ValidationError(f"{where}: {proj.synapse} cannot be exported to NIR: NIR's Linear is a fixed weight "
                                  "(no entry in engine/io/nir_export.py NIR_SYNAPSES)")
        if get_synapse(proj.synapse, where).plastic and proj.synapse_params.get("learning", 1.0):
            raise ValidationError(f"{where}: {proj.synapse} cannot be exported to NIR: NIR has no plasticity "
                                  "(switch learning off to export the current weights)")
        if isinstance(proj.delay, Distribution):
            raise ValidationError(f"{where}: drawn delays cannot be exported to NIR (one Delay per projection); "
                                  "use a constant delay")
    total = 0
    sizes = {p.name: p.size for p in network.populations}
    for proj in network.projections:
        entries = sizes[proj.pre] * sizes[proj.post]
        total += entries
        if entries > MAX_DENSE_ENTRIES:
            raise ValidationError(
                f"projection '{proj.name}': NIR stores it as a dense {sizes[proj.post]:,} x {sizes[proj.pre]:,} "
                f"matrix ({entries:,} entries), more than the {MAX_DENSE_ENTRIES:,} allowed; make the populations smaller")
    if total > MAX_TOTAL_DENSE_ENTRIES:
        raise ValidationError(f"network '{network.name}': its dense NIR weight matrices would hold {total:,} entries "
                              f"in all, more than the {MAX_TOTAL_DENSE_ENTRIES:,} allowed; make the populations smaller")


def weight_matrices(network: Network, proj: Projection, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The projection's synapses as the engine draws them for `seed` (explicit: as listed), as two
    (n_post, n_pre) float32 matrices: the positive and the negative weights, multapses summed within
    each sign (the engine sends each synapse to the excitatory or inhibitory synapse by its sign)."""
    pre, post = network.population(proj.pre), network.population(proj.post)
    pre_idx, post_idx = connect(proj.rule, pre.size, post.size, pre.name == post.name, object_rng(seed, proj.name, 0))
    weights = draw(proj.weight, pre_idx.size, object_rng(seed, proj.name, 1))
    out = []
    for keep in (weights > 0, weights < 0):
        matrix = np.zeros((post.size, pre.size), np.float64)
        np.add.at(matrix, (post_idx[keep], pre_idx[keep]), weights[keep])
        out.append(matrix.astype(np.float32))
    return out[0], out[1]


def _filled(n: int):
    """A parameter as NIR's per-neuron array: a number repeated, or the per-neuron values."""
    return lambda value: np.array(np.broadcast_to(np.asarray(value, np.float64), (n,)))


def _plain(value):
    """A metadata value: a number, or a list where it varies per neuron."""
    return float(value) if np.ndim(value) == 0 else [float(v) for v in value]


class _Names:
    """Node names: HDF5 forbids '/', and every name must be unique."""

    def __init__(self):
        self.used: set[str] = set()

    def take(self, wanted: str) -> str:
        base = wanted.replace("/", "∕") or "_"
        if base in (".",):
            base = "_"
        name, k = base, 2
        while name in self.used:
            name, k = f"{base}#{k}", k + 1
        self.used.add(name)
        return name


def export_nir(network: Network, seed: int | None = None):
    """`network` as a nir.NIRGraph (see the module docstring for the mapping). Raises
    ValidationError naming the object for anything NIR cannot express."""
    nir = require_nir()
    if not isinstance(network, Network):
        raise ValidationError(f"NIR export: expected a Network, got {type(network).__name__}")
    seed = network.seed if seed is None else seed
    check_nir(network)
    from engine.io.native import network_to_json

    writer = _GraphWriter(nir, seed)
    for pop in network.populations:
        writer.population(pop)
    for proj in network.projections:
        writer.projection(network, proj, seed)
    writer.feed_unfed_filters()
    metadata = {
        "generator": "SNN Designer",
        "units": UNITS,
        "seed": int(seed),
        "approximations": "\n".join(APPROXIMATIONS[k] for k in sorted(writer.approximations)),
        "snn_designer_network": network_to_json(network),
    }
    return nir.NIRGraph(nodes=writer.nodes, edges=writer.edges, metadata=metadata)


class _GraphWriter:
    """Collects the nodes and edges of a graph, population by population, projection by projection."""

    def __init__(self, nir, seed: int):
        self.nir = nir
        self.seed = seed
        self.names = _Names()
        self.nodes: dict[str, Any] = {}
        self.edges: list[tuple[str, str]] = []
        self.approximations: set[str] = set()
        self.entry: dict[str, dict[str, str]] = {}  # population -> {"ex": node, "in": node} where its spikes go
        self.main_node: dict[str, str] = {}

    def values(self, pop) -> dict:
        """The population's parameters: numbers, or arrays where they vary per neuron (NIR's arrays
        are per neuron; drawn values are the engine's draws with the export's seed)."""
        return neuron_values(pop, self.seed)

    def population(self, pop) -> None:
        nir, n = self.nir, pop.size
        node = self.main_node[pop.name] = self.names.take(pop.name)
        if pop.model == "spike_generator":
            self.nodes[node] = nir.Input(input_type={"input": np.array([n])},
                                         metadata={"population": pop.name, "model": pop.model})
            return
        p = self.values(pop)
        r_m = p["tau_m"] / p["C_m"]  # GOhm = mV/pA
        v_leak = p["E_L"] + p["I_e"] * r_m  # a constant current is a shifted resting potential
        self._note_approximations(pop, v_leak)
        self._neuron_node(pop, node, r_m, v_leak)
        port_in, port_out = self.names.take(f"{pop.name}.input"), self.names.take(f"{pop.name}.output")
        self.nodes[port_in] = nir.Input(input_type={"input": np.array([n])},
                                        metadata={"role": "port", "population": pop.name})
        self.nodes[port_out] = nir.Output(output_type={"output": np.array([n])},
                                          metadata={"role": "port", "population": pop.name})
        self.edges += [(port_in, node), (node, port_out)]

    def _note_approximations(self, pop, v_leak: float) -> None:
        p = self.values(pop)
        if np.any(p["t_ref"] > 0):
            self.approximations.add("t_ref")
        if pop.model == "iaf_psc_delta" and np.any(p["t_ref"] > 0):
            self.approximations.add("delta_refractory")
        if pop.initial or np.any(p["E_L"] != v_leak):
            self.approximations.add("initial")
        self.approximations.add("threshold")

    def _neuron_node(self, pop, node: str, r_m: float, v_leak: float) -> None:
        nir, p, full = self.nir, self.values(pop), _filled(pop.size)
        tau_m_s = p["tau_m"] * S_PER_MS
        meta = {"population": pop.name, "model": pop.model, "t_ref_ms": _plain(p["t_ref"]), "E_L_mV": _plain(p["E_L"]),
                "I_e_pA": _plain(p["I_e"]), "C_m_pF": _plain(p["C_m"])}
        if pop.model == "iaf_psc_delta":
            self.nodes[node] = nir.LIF(tau=full(tau_m_s), r=full(tau_m_s), v_leak=full(v_leak),
                                       v_threshold=full(p["V_th"]), v_reset=full(p["V_reset"]), metadata=meta)
            self.entry[pop.name] = {"ex": node, "in": node}
        elif pop.model == "iaf_psc_exp" and np.array_equal(p["tau_syn_ex"], p["tau_syn_in"]):
            tau_syn_s = p["tau_syn_ex"] * S_PER_MS
            self.nodes[node] = nir.CubaLIF(tau_syn=full(tau_syn_s), tau_mem=full(tau_m_s), r=full(r_m),
                                           v_leak=full(v_leak), v_threshold=full(p["V_th"]), v_reset=full(p["V_reset"]),
                                           w_in=full(tau_syn_s), metadata=meta)
            self.entry[pop.name] = {"ex": node, "in": node}
        else:
            self.nodes[node] = nir.LIF(tau=full(tau_m_s), r=full(r_m), v_leak=full(v_leak), v_threshold=full(p["V_th"]),
                                       v_reset=full(p["V_reset"]), metadata=meta)
            self._synapse_filters(pop, node)

    def _synapse_filters(self, pop, node: str) -> None:
        """LI filters '<pop>.I_ex' / '<pop>.I_in' before the LIF (alpha: two equal stages)."""
        nir, p, full = self.nir, self.values(pop), _filled(pop.size)
        self.entry[pop.name] = {}
        sides = ("ex",) if np.array_equal(p["tau_syn_ex"], p["tau_syn_in"]) else ("ex", "in")
        for side in sides:
            tau_s = p[f"tau_syn_{side}"] * S_PER_MS
            filt = self.names.take(f"{pop.name}.I_{side}")
            role = {"role": "synapse", "population": pop.name, "side": side}
            self.nodes[filt] = nir.LI(tau=full(tau_s), r=full(tau_s), v_leak=full(0.0), metadata=role)
            self.edges.append((filt, node))
            first = filt
            if pop.model == "iaf_psc_alpha":  # two equal stages: x jumps by w, I = e/tau * t exp(-t/tau) * w
                first = self.names.take(f"{pop.name}.I_{side}.rise")
                self.nodes[first] = nir.LI(tau=full(tau_s), r=full(tau_s), v_leak=full(0.0),
                                           metadata={**role, "role": "synapse_rise"})
                self.nodes[filt].r = full(math.e)
                self.edges.append((first, filt))
            self.entry[pop.name][side] = first
        if len(sides) == 1:
            self.entry[pop.name]["in"] = self.entry[pop.name]["ex"]

    def projection(self, network: Network, proj: Projection, seed: int) -> None:
        """Linear '<proj>' -> Delay '<proj>.delay' -> target (split by sign where the target has two filters)."""
        positive, negative = weight_matrices(network, proj, seed)
        targets = self.entry[proj.post]
        delay_s = float(proj.delay) * S_PER_MS
        if targets["ex"] != targets["in"]:  # two synapse filters: each sign to its own, as the engine
            if negative.any() and positive.any():
                parts = [(".ex", positive, targets["ex"]), (".in", negative, targets["in"])]
            elif negative.any():
                parts = [("", negative, targets["in"])]
            else:
                parts = [("", positive, targets["ex"])]
        else:
            parts = [("", (positive.astype(np.float64) + negative).astype(np.float32), targets["ex"])]
        for suffix, part, target in parts:
            linear = self.names.take(proj.name + suffix)
            delay = self.names.take(f"{proj.name}{suffix}.delay")
            meta = {"projection": proj.name, "weight_unit": network.population(proj.post).model_class.weight_unit}
            self.nodes[linear] = self.nir.Linear(weight=part, metadata=meta)
            self.nodes[delay] = self.nir.Delay(delay=np.full(part.shape[0], delay_s), metadata={"projection": proj.name})
            self.edges += [(self.main_node[proj.pre], linear), (linear, delay), (delay, target)]

    def feed_unfed_filters(self) -> None:
        """A synapse filter no projection feeds still needs an input for NIR's type checks (nir would
        add a bare Input, which reads as a spike source); a port carries no data and is not imported."""
        fed = {target for _, target in self.edges}
        for pop_name, sides in self.entry.items():
            for first in dict.fromkeys(sides.values()):
                if first != self.main_node[pop_name] and first not in fed:
                    port = self.names.take(f"{first}.input")
                    size = np.asarray(self.nodes[first].tau).size
                    self.nodes[port] = self.nir.Input(input_type={"input": np.array([size])},
                                                      metadata={"role": "port", "population": pop_name})
                    self.edges.append((port, first))


def write_nir(network: Network, path: str | os.PathLike, seed: int | None = None) -> Path:
    """Export and write an .nir (HDF5) file atomically; returns the path."""
    nir = require_nir()
    graph = export_nir(network, seed)
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".nir", dir=path.parent if str(path.parent) else ".")
    os.close(fd)
    try:
        nir.write(tmp, graph)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
