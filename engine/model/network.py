"""The declarative network description: pure, immutable, validated data.

Objects are frozen dataclasses; an edit makes a new object (`dataclasses.replace`
or the `Network.with_*` helpers), which is what makes undo/redo trivial.
Identity is by name: `Projection(pre="exc", post="inh")`.
Every constructor validates and raises `ValidationError` naming object and field.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Union

import numpy as np

from engine.errors import ValidationError
from engine.model.memristor import Memristor
from engine.model.models import get_model
from engine.model.parameters import Quantity, finite_number, shown
from engine.model.synapses import get_synapse
from engine.units import MAX_TIME_MS, MS

DISTRIBUTIONS = {
    "normal": ("mean", "std"),
    "uniform": ("low", "high"),
    "lognormal": ("mean", "sigma"),  # parameters of the underlying normal, as numpy
}
CLIP_MODES = ("redraw", "clamp")  # NEST's nest.math.redraw, and nest.math.min/max
MAX_POPULATION_SIZE = 10**8  # 100 million neurons (~20 GB of state): beyond any machine this runs on
MAX_SYNAPSE_COUNT = 10**12  # a rule's indegree, outdegree or N: far beyond any machine's memory
# The magnitude of a drawn value's law (parameters, bounds, scale): far beyond any parameter in the model's
# units, and far enough from float64's 1.8e308 that drawing and scaling never overflow
MAX_DRAWN_MAGNITUDE = 1e15
REDRAW_MIN_PROBABILITY = 1e-6  # below this, redrawing would hardly ever end (NEST gives up after 1000 draws)
RULES = {
    "all_to_all": (),
    "one_to_one": (),
    "pairwise_bernoulli": ("p",),
    "fixed_indegree": ("indegree",),
    "fixed_outdegree": ("outdegree",),
    "fixed_total_number": ("N",),
    "explicit": ("pre_indices", "post_indices"),
}


def _finite(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(f"{where} must be a finite number, got {shown(value)}")
    return finite_number(value, where)


def _bound_text(bound: float | None, missing: str) -> str:
    return missing if bound is None else f"{bound:g}"


def _check_name(name: Any, what: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValidationError(f"{what}: name must be a non-empty text, got {name!r}")
    if len(name) > 100:
        raise ValidationError(f"{what} '{name[:20]}…': name is longer than 100 characters")
    return name


@dataclass(frozen=True)
class Distribution:
    """A random value per synapse or neuron: `scale` times a draw of normal(mean, std),
    uniform(low, high) or lognormal(mean, sigma) of the underlying normal; optionally kept
    inside [clip_low, clip_high] (bounds on the scaled value). clip "redraw" (the default, as
    NEST's nest.math.redraw) draws a value again until it is inside, which is the law
    truncated to the bounds; clip "clamp" moves a value outside onto the nearer bound (as
    nest.math.min/max), which piles the outside mass up at the bounds. A negative scale
    turns a lognormal law into inhibitory weights (a lognormal law times -5)."""

    kind: str
    params: dict = field(default_factory=dict)
    clip_low: float | None = None
    clip_high: float | None = None
    clip: str = "redraw"
    scale: float = 1.0
    CLIP_MODES: ClassVar[tuple[str, ...]] = CLIP_MODES

    def __post_init__(self):
        where = f"distribution '{self.kind}'"
        if self.kind not in DISTRIBUTIONS:
            raise ValidationError(f"{where}: unknown kind (choose from {', '.join(DISTRIBUTIONS)})")
        needed = DISTRIBUTIONS[self.kind]
        missing = [p for p in needed if p not in self.params]
        extra = [p for p in self.params if p not in needed]
        if missing or extra:
            raise ValidationError(f"{where}: needs exactly the parameters {', '.join(needed)}")
        values = {p: _finite(self.params[p], f"{where}: parameter '{p}'") for p in needed}
        object.__setattr__(self, "params", values)
        if self.kind == "normal" and values["std"] < 0:
            raise ValidationError(f"{where}: parameter 'std' must be >= 0")
        if self.kind == "lognormal" and values["sigma"] < 0:
            raise ValidationError(f"{where}: parameter 'sigma' must be >= 0")
        if self.kind == "uniform" and values["high"] < values["low"]:
            raise ValidationError(f"{where}: parameter 'high' must be >= low")
        for bound in ("clip_low", "clip_high"):
            if getattr(self, bound) is not None:
                _finite(getattr(self, bound), f"{where}: {bound}")
        if self.clip_low is not None and self.clip_high is not None and self.clip_high < self.clip_low:
            raise ValidationError(f"{where}: clip_high must be >= clip_low")
        if self.clip not in CLIP_MODES:
            raise ValidationError(f"{where}: clip must be one of {', '.join(CLIP_MODES)} "
                                  f"(redraw: draw again until inside the bounds; clamp: move onto the bound), "
                                  f"got {self.clip!r}")
        scale = _finite(self.scale, f"{where}: scale")
        if scale == 0:
            raise ValidationError(f"{where}: scale must not be 0 (use a constant 0 instead)")
        object.__setattr__(self, "scale", scale)
        self._check_magnitudes(where)
        if self.clip == "redraw" and self.inside_probability() <= REDRAW_MIN_PROBABILITY:
            low, high = self.law_bounds()
            raise ValidationError(
                f"{where}: the bounds [{_bound_text(self.clip_low, '-inf')}, {_bound_text(self.clip_high, 'inf')}] "
                f"leave (almost) no values of the law ({low:g} .. {high:g}) to redraw from; widen them or use clip "
                f"'clamp'")

    def _check_magnitudes(self, where: str) -> None:
        """Every number of the law within MAX_DRAWN_MAGNITUDE; a lognormal law's scaled mean too (exp overflows)."""
        numbers = {**{f"parameter '{p}'": v for p, v in self.params.items()},
                   "clip_low": self.clip_low, "clip_high": self.clip_high, "scale": self.scale}
        for name, value in numbers.items():
            if value is not None and abs(value) > MAX_DRAWN_MAGNITUDE:
                raise ValidationError(f"{where}: {name} must be between {-MAX_DRAWN_MAGNITUDE:g} and "
                                      f"{MAX_DRAWN_MAGNITUDE:g}, got {value:g}")
        if self.kind == "lognormal":
            log_mean = self.params["mean"] + 0.5 * self.params["sigma"] ** 2 + math.log(abs(self.scale))
            if log_mean > math.log(MAX_DRAWN_MAGNITUDE):
                raise ValidationError(f"{where}: the law's mean (scale * exp(mean + sigma^2 / 2)) must be at most "
                                      f"{MAX_DRAWN_MAGNITUDE:g}; lower 'mean' or 'sigma'")

    @property
    def mean(self) -> float:
        """Expected value of the scaled law before clipping (used for summaries and sign)."""
        p = self.params
        if self.kind == "normal":
            return self.scale * p["mean"]
        if self.kind == "uniform":
            return self.scale * 0.5 * (p["low"] + p["high"])
        return self.scale * math.exp(p["mean"] + 0.5 * p["sigma"] ** 2)

    def law_bounds(self) -> tuple[float, float]:
        """The smallest and largest value of the scaled law, before clipping."""
        p = self.params
        if self.kind == "uniform":
            low, high = p["low"], p["high"]
        elif self.kind == "lognormal":
            low, high = (0.0, math.inf) if p["sigma"] > 0 else (math.exp(p["mean"]),) * 2
        else:
            low, high = (-math.inf, math.inf) if p["std"] > 0 else (p["mean"], p["mean"])
        return tuple(sorted((self.scale * low, self.scale * high)))

    def law_cdf(self, x: float) -> float:
        """P(scaled law <= x)."""
        p = self.params
        if self.scale < 0:
            return 1.0 - Distribution(self.kind, p, scale=-self.scale, clip="clamp").law_cdf(-x)
        x = x / self.scale
        if self.kind == "uniform":
            width = p["high"] - p["low"]
            return float(x >= p["low"]) if width == 0 else min(1.0, max(0.0, (x - p["low"]) / width))
        if self.kind == "lognormal":
            if x <= 0:
                return 0.0
            x, mu, sd = math.log(x), p["mean"], p["sigma"]
        else:
            mu, sd = p["mean"], p["std"]
        return float(x >= mu) if sd == 0 else 0.5 * (1.0 + math.erf((x - mu) / (sd * math.sqrt(2.0))))

    def inside_probability(self) -> float:
        """Probability that one draw of the scaled law lies inside [clip_low, clip_high]."""
        low, high = self.law_bounds()
        if low == high:  # a point mass: inside or not
            return float((self.clip_low is None or self.clip_low <= low) and (self.clip_high is None or low <= self.clip_high))
        above = 1.0 if self.clip_high is None else self.law_cdf(self.clip_high)
        below = 0.0 if self.clip_low is None else self.law_cdf(self.clip_low)
        return max(0.0, above - below)

    def bounds(self) -> tuple[float, float]:
        """The smallest and largest value the distribution can produce (after clipping)."""
        low, high = self.law_bounds()
        if self.clip_low is not None:
            low = max(low, self.clip_low)
        if self.clip_high is not None:
            high = min(high, self.clip_high)
        return low, high


Value = Union[float, Distribution, tuple]  # a tuple: one value per synapse (explicit connections)


def varies_per_neuron(value: Any) -> bool:
    """Whether a population's parameter value differs between its neurons: a Distribution (drawn
    per neuron) or a list with one value per neuron."""
    return isinstance(value, (Distribution, tuple, list, np.ndarray))


def _validate_params(model, params: dict, size: int, where: str) -> dict:
    """The model's validation, where a neuron model's parameter may vary per neuron: a list of
    `size` numbers (each checked, the cross-field constraints per neuron) or a Distribution (its
    mean stands in for the checks here; the drawn values are checked when drawn, engine.compile)."""
    varying = {name: value for name, value in params.items()
               if name in model.parameters and varies_per_neuron(value)}
    if not varying:
        return model.validate(params, where)
    if model.category != "neuron":
        raise ValidationError(f"{where}: parameter '{next(iter(varying))}' must be a number (a {model.name} "
                              "takes one value per parameter; only neuron parameters may vary per neuron)")
    stand_in, lists, kept = {}, {}, {}
    for name, value in varying.items():
        if isinstance(value, Distribution):
            low, high = value.bounds()
            stand_in[name] = min(max(value.mean, low), high)
            kept[name] = value
            continue
        if len(value) != size:
            raise ValidationError(f"{where}: parameter '{name}' must be a number or a list of one value per "
                                  f"neuron; it has {len(value)} values for {size} neurons")
        lists[name] = model.parameters[name].check_per_neuron(value, where)
        stand_in[name] = float(lists[name][0])
        kept[name] = tuple(lists[name].tolist())
    values = model.validate({**params, **stand_in}, where, per_neuron=lists)
    return {**values, **kept}


def _check_value(value: Any, where: str, per_synapse_ok: bool = False) -> Value:
    if isinstance(value, Distribution):
        return value
    if isinstance(value, (list, tuple)) and per_synapse_ok:
        return tuple(_finite(v, f"{where}[{i}]") for i, v in enumerate(value))
    return _finite(value, where)


def value_bounds(value: Value) -> tuple[float, float]:
    if isinstance(value, Distribution):
        return value.bounds()
    if isinstance(value, tuple):
        return (min(value), max(value)) if value else (0.0, 0.0)
    return value, value


def value_mean(value: Value) -> float:
    if isinstance(value, Distribution):
        return value.mean
    if isinstance(value, tuple):
        return sum(value) / len(value) if value else 0.0
    return value


@dataclass(frozen=True)
class Connectivity:
    """How pre and post neurons are paired (NEST's connection rules and their names).

    all_to_all; one_to_one (equal sizes); pairwise_bernoulli with probability p;
    fixed_indegree (each post neuron gets `indegree` inputs); fixed_outdegree;
    fixed_total_number (N synapses in all); explicit: the synapses listed as
    (pre_indices[k], post_indices[k]) (e.g. learned or imported connectivity).
    Autapses/multapses allowed by default, as NEST.
    """

    rule: str = "all_to_all"
    p: float | None = None
    indegree: int | None = None
    outdegree: int | None = None
    N: int | None = None
    allow_autapses: bool = True
    allow_multapses: bool = True
    pre_indices: tuple[int, ...] | None = None
    post_indices: tuple[int, ...] | None = None

    def __post_init__(self):
        where = f"connection rule '{self.rule}'"
        if self.rule not in RULES:
            raise ValidationError(f"{where}: unknown rule (choose from {', '.join(RULES)})")
        for name in ("pre_indices", "post_indices"):
            value = getattr(self, name)
            if self.rule != "explicit":
                if value is not None:
                    raise ValidationError(f"{where}: parameter '{name}' belongs to the explicit rule only")
                continue
            if not isinstance(value, (list, tuple)):
                raise ValidationError(f"{where}: parameter '{name}' must be a list of neuron indices")
            if any(isinstance(i, bool) or not isinstance(i, int) or i < 0 for i in value):
                raise ValidationError(f"{where}: parameter '{name}' must hold whole numbers >= 0")
            object.__setattr__(self, name, tuple(value))
        if self.rule == "explicit" and len(self.pre_indices) != len(self.post_indices):
            raise ValidationError(f"{where}: pre_indices and post_indices must have the same length "
                                  f"({len(self.pre_indices)} and {len(self.post_indices)})")
        for name in ("p", "indegree", "outdegree", "N"):
            value = getattr(self, name)
            if name in RULES[self.rule]:
                if value is None:
                    raise ValidationError(f"{where}: parameter '{name}' is required")
                value = _finite(value, f"{where}: parameter '{name}'")
                if name == "p":
                    if not 0.0 <= value <= 1.0:
                        raise ValidationError(f"{where}: parameter 'p' must be between 0 and 1, got {value:g}")
                else:
                    if value < 0 or value != int(value):
                        raise ValidationError(f"{where}: parameter '{name}' must be a whole number >= 0, got {value:g}")
                    if value > MAX_SYNAPSE_COUNT:
                        raise ValidationError(f"{where}: parameter '{name}' must be at most {MAX_SYNAPSE_COUNT:.0e} "
                                              f"(far more synapses than any machine holds), got {value:g}")
                    value = int(value)
                object.__setattr__(self, name, value)
            elif value is not None:
                raise ValidationError(f"{where}: parameter '{name}' does not belong to this rule")
        for flag in ("allow_autapses", "allow_multapses"):
            if not isinstance(getattr(self, flag), bool):
                raise ValidationError(f"{where}: {flag} must be true or false")

    def short_label(self) -> str:
        return {
            "all_to_all": "all→all",
            "one_to_one": "1→1",
            "pairwise_bernoulli": f"p={self.p:g}" if self.p is not None else "p",
            "fixed_indegree": f"in={self.indegree}",
            "fixed_outdegree": f"out={self.outdegree}",
            "fixed_total_number": f"N={self.N}",
            "explicit": f"{len(self.pre_indices or ())} listed",
        }[self.rule]


@dataclass(frozen=True)
class Recording:
    """What to record of a population: spikes (all neurons) and traces of chosen neurons."""

    spikes: bool = True
    traces: tuple[int, ...] = ()
    variables: tuple[str, ...] = ("V_m",)

    def __post_init__(self):
        if not isinstance(self.spikes, bool):
            raise ValidationError("recording: 'spikes' must be true or false")
        traces = tuple(self.traces)
        for index in traces:
            if isinstance(index, bool) or not isinstance(index, int) or index < 0:
                raise ValidationError(f"recording: trace neuron {index!r} must be an index >= 0")
        object.__setattr__(self, "traces", tuple(dict.fromkeys(traces)))
        object.__setattr__(self, "variables", tuple(self.variables))


@dataclass(frozen=True)
class Population:
    """A group of `size` neurons (or device instances) of one model.

    `params` holds the model's parameters (missing ones take defaults); `initial`
    the initial state per variable (a number or a Distribution, e.g. V_m);
    `position` is where the designer draws it (layout only, not simulated).
    """

    name: str
    model: str
    size: int = 1
    params: dict = field(default_factory=dict)
    initial: dict = field(default_factory=dict)
    record: Recording = field(default_factory=Recording)
    position: tuple[float, float] = (0.0, 0.0)

    def __post_init__(self):
        _check_name(self.name, "population")
        where = f"population '{self.name}'"
        model = get_model(self.model, where) if isinstance(self.model, str) else None
        if model is None:
            raise ValidationError(f"{where}: model must be a model name, got {self.model!r}")
        whole = isinstance(self.size, int) or (isinstance(self.size, float) and self.size.is_integer())
        if isinstance(self.size, bool) or not whole:
            raise ValidationError(f"{where}: size must be a whole number, got {shown(self.size)}")
        if self.size < 1:
            raise ValidationError(f"{where}: size must be at least 1, got {shown(self.size)}")
        if self.size > MAX_POPULATION_SIZE:
            raise ValidationError(f"{where}: size must be a whole number from 1 to {MAX_POPULATION_SIZE:,}, "
                                  f"got {shown(self.size)}")
        object.__setattr__(self, "size", int(self.size))
        if not isinstance(self.params, dict):
            raise ValidationError(f"{where}: params must be a mapping of parameter names to values")
        object.__setattr__(self, "params", _validate_params(model, self.params, self.size, where))
        if not isinstance(self.initial, dict):
            raise ValidationError(f"{where}: initial must be a mapping of state variables to values (e.g. "
                                  f"{{\"V_m\": -65}})")
        unknown_state = sorted(set(self.initial) - set(model.state_variables))
        if unknown_state:
            raise ValidationError(f"{where}: unknown state variable '{unknown_state[0]}' in initial")
        object.__setattr__(
            self, "initial",
            {k: _check_value(v, f"{where}: initial '{k}'") for k, v in self.initial.items()},
        )
        if not isinstance(self.record, Recording):
            raise ValidationError(f"{where}: record must be a Recording")
        bad = [i for i in self.record.traces if i >= self.size]
        if bad:
            raise ValidationError(f"{where}: recording: trace neuron {bad[0]} is outside 0..{self.size - 1}")
        unknown_var = [v for v in self.record.variables if v not in model.recordables]
        if self.record.traces and unknown_var:
            raise ValidationError(f"{where}: recording: model {self.model} cannot record '{unknown_var[0]}'")
        x, y = self.position
        object.__setattr__(self, "position", (_finite(x, f"{where}: position x"), _finite(y, f"{where}: position y")))

    @property
    def model_class(self):
        return get_model(self.model)

    @property
    def is_device(self) -> bool:
        return self.model_class.category == "device"

    @property
    def varying_params(self) -> tuple[str, ...]:
        """The parameters that differ between this population's neurons (a list or a Distribution)."""
        scalar = self.model_class.parameters
        return tuple(name for name, value in self.params.items() if name in scalar and varies_per_neuron(value))


@dataclass(frozen=True)
class Projection:
    """Synapses from population `pre` to population `post`.

    Weight unit follows the target model (mV for iaf_psc_delta, pA for current
    synapses); a negative weight is inhibitory. Delay in ms (>= dt).
    """

    pre: str
    post: str
    rule: Connectivity = field(default_factory=Connectivity)
    weight: Value = 1.0
    delay: Value = 1.0
    synapse: str = "static_synapse"
    name: str = ""
    synapse_params: dict = field(default_factory=dict)
    memristor: Memristor | None = None  # weights held in memristive devices (engine/model/memristor.py)
    # Metadata of the synaptic fields (values may also be a Distribution or, for listed synapses, a tuple)
    quantities: ClassVar[dict[str, Quantity]] = {
        "weight": Quantity(1.0, doc="Synaptic weight, in the unit of the target model; negative: inhibitory",
                           live=True, name="weight"),
        "delay": Quantity(1.0, MS, (0.0, None), "Synaptic delay (at least one time step)", live=False,
                          exclusive_low=True, name="delay"),
    }

    def __post_init__(self):
        if not self.name:
            object.__setattr__(self, "name", f"{self.pre}→{self.post}")
        _check_name(self.name, "projection")
        where = f"projection '{self.name}'"
        if not isinstance(self.rule, Connectivity):
            raise ValidationError(f"{where}: rule must be a Connectivity")
        explicit = isinstance(self.rule, Connectivity) and self.rule.rule == "explicit"
        object.__setattr__(self, "weight", _check_value(self.weight, f"{where}: weight", per_synapse_ok=explicit))
        if isinstance(self.weight, tuple) and len(self.weight) != len(self.rule.pre_indices):
            raise ValidationError(f"{where}: {len(self.weight)} weights for {len(self.rule.pre_indices)} listed synapses")
        object.__setattr__(self, "delay", _check_value(self.delay, f"{where}: delay"))
        low, _ = value_bounds(self.delay)
        if low <= 0:
            raise ValidationError(f"{where}: delay must be > 0 ms (clip a drawn delay with clip_low)")
        if isinstance(self.delay, float) and self.delay > MAX_TIME_MS:  # drawn delays are checked when drawn
            raise ValidationError(f"{where}: delay must be at most {MAX_TIME_MS:g} ms, got {self.delay:g}")
        synapse_model = get_synapse(self.synapse, where)
        object.__setattr__(self, "synapse_params", synapse_model.validate(self.synapse_params, where))
        if self.memristor is not None:
            self._check_memristor(synapse_model, where)
        if synapse_model.plastic:
            w_low, w_high = value_bounds(self.weight)
            wmax = self.synapse_params["Wmax"]
            if w_low < 0 or w_high > wmax:
                raise ValidationError(
                    f"{where}: weight must lie between 0 and Wmax ({wmax:g}) for {self.synapse}; "
                    "use a positive weight (plastic inhibition is not supported yet)")

    def _check_memristor(self, synapse_model, where: str) -> None:
        if not isinstance(self.memristor, Memristor):
            raise ValidationError(f"{where}: memristor must be a Memristor (engine.model.memristor), "
                                  f"got {type(self.memristor).__name__}")
        if not synapse_model.plastic:
            raise ValidationError(f"{where}: a memristive device needs the weight range of a plastic synapse; "
                                  f"use stdp_synapse (with learning 0 for fixed weights) instead of {self.synapse}")

    @property
    def sign(self) -> int:
        mean = value_mean(self.weight)
        return 1 if mean > 0 else (-1 if mean < 0 else 0)


@dataclass(frozen=True)
class Network:
    """A whole network: populations (neurons and devices), projections, and defaults
    for simulating it (dt and seed in ms and as an integer)."""

    name: str = "network"
    populations: tuple[Population, ...] = ()
    projections: tuple[Projection, ...] = ()
    description: str = ""
    dt: float = 0.1
    seed: int = 1
    t_sim: float = 1000.0

    def __post_init__(self):
        object.__setattr__(self, "populations", tuple(self.populations))
        object.__setattr__(self, "projections", tuple(self.projections))
        _check_name(self.name, "network")
        if not isinstance(self.description, str):
            raise ValidationError("network: description must be text")
        dt = _finite(self.dt, "network: dt")
        if not 0.001 <= dt <= 10.0:
            raise ValidationError(f"network: dt must be between 0.001 and 10 ms, got {dt:g}")
        object.__setattr__(self, "dt", dt)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**32:
            raise ValidationError(f"network: seed must be a whole number between 0 and 2^32-1, got {self.seed!r}")
        t_sim = _finite(self.t_sim, "network: t_sim")
        if t_sim <= 0:
            raise ValidationError(f"network: t_sim must be > 0 ms, got {t_sim:g}")
        if t_sim > MAX_TIME_MS:
            raise ValidationError(f"network: t_sim must be at most {MAX_TIME_MS:g} ms, got {t_sim:g}")
        object.__setattr__(self, "t_sim", t_sim)
        names = {}
        for pop in self.populations:
            if not isinstance(pop, Population):
                raise ValidationError(f"network: {pop!r} is not a Population")
            if pop.name in names:
                raise ValidationError(f"population '{pop.name}': name is used twice")
            names[pop.name] = pop
        seen = set()
        for proj in self.projections:
            if not isinstance(proj, Projection):
                raise ValidationError(f"network: {proj!r} is not a Projection")
            if proj.name in seen:
                raise ValidationError(f"projection '{proj.name}': name is used twice")
            seen.add(proj.name)
            self._check_projection(proj, names)

    @staticmethod
    def _check_projection(proj: Projection, names: dict[str, Population]) -> None:
        where = f"projection '{proj.name}'"
        for end in ("pre", "post"):
            pop_name = getattr(proj, end)
            if pop_name not in names:
                import difflib

                close = difflib.get_close_matches(pop_name, list(names), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise ValidationError(f"{where}: unknown population '{pop_name}' in {end}{hint}")
        pre, post = names[proj.pre], names[proj.post]
        post_model = post.model_class
        pre_model = pre.model_class
        if pre_model.emits == "current":
            if not post_model.receives_current:
                raise ValidationError(f"{where}: {post.model} '{post.name}' cannot receive a current")
        elif not post_model.receives_spikes:
            raise ValidationError(f"{where}: '{post.name}' is a {post.model}, which cannot receive spikes")
        get_synapse(proj.synapse, where).check_source(pre, where)
        if proj.synapse_params and get_synapse(proj.synapse, where).plastic and pre_model.category != "neuron":
            raise ValidationError(
                f"{where}: {proj.synapse} needs a neuron as source, but '{pre.name}' is a {pre.model}; "
                "relay the device through a parrot_neuron population")
        rule = proj.rule
        if rule.rule == "explicit":
            for end, indices, pop in (("pre", rule.pre_indices, pre), ("post", rule.post_indices, post)):
                if indices and max(indices) >= pop.size:
                    raise ValidationError(f"{where}: {end}_indices has neuron {max(indices)}, but '{pop.name}' "
                                          f"has only {pop.size} (0..{pop.size - 1})")
        if rule.rule == "one_to_one" and pre.size != post.size:
            raise ValidationError(
                f"{where}: rule one_to_one needs equal sizes, but '{pre.name}' has {pre.size} and '{post.name}' {post.size}"
            )
        same = pre.name == post.name
        if not rule.allow_multapses:
            if rule.rule == "fixed_indegree" and rule.indegree > pre.size - (1 if same and not rule.allow_autapses else 0):
                raise ValidationError(f"{where}: indegree {rule.indegree} exceeds the {pre.size} possible sources without multapses")
            if rule.rule == "fixed_outdegree" and rule.outdegree > post.size - (1 if same and not rule.allow_autapses else 0):
                raise ValidationError(f"{where}: outdegree {rule.outdegree} exceeds the {post.size} possible targets without multapses")
            pairs = pre.size * post.size - (pre.size if same and not rule.allow_autapses else 0)
            if rule.rule == "fixed_total_number" and rule.N > pairs:
                raise ValidationError(f"{where}: N {rule.N} exceeds the {pairs} possible pairs without multapses")
        if same and not rule.allow_autapses and pre.size == 1 and rule.rule in ("fixed_indegree", "fixed_outdegree", "fixed_total_number"):
            if (rule.indegree or rule.outdegree or rule.N or 0) > 0:
                raise ValidationError(f"{where}: a population of one neuron cannot connect to itself without autapses")

    # -- lookups ----------------------------------------------------------
    def population(self, name: str) -> Population:
        for pop in self.populations:
            if pop.name == name:
                return pop
        raise ValidationError(f"network: no population named '{name}'")

    def projection(self, name: str) -> Projection:
        for proj in self.projections:
            if proj.name == name:
                return proj
        raise ValidationError(f"network: no projection named '{name}'")

    def quantity_of(self, target: str, field: str) -> Quantity | None:
        """The Quantity declaring `field` of population or projection `target`: a model parameter,
        a projection's weight or delay, or a synapse-model parameter. None for a field without one
        (size, model, rule, schedules...). Its `live` says whether a running simulation takes it."""
        if any(pop.name == target for pop in self.populations):
            return self.population(target).model_class.parameters.get(field)
        proj = self.projection(target)
        if field in Projection.quantities:
            return Projection.quantities[field]
        return get_synapse(proj.synapse, f"projection '{target}'").parameters.get(field)

    def is_live(self, target: str, field: str) -> bool:
        """Whether a running simulation takes a new value of this field without a rebuild."""
        quantity = self.quantity_of(target, field)
        return quantity is not None and quantity.live

    @property
    def n_neurons(self) -> int:
        return sum(p.size for p in self.populations)

    # -- edits: each returns a new, validated Network --------------------------
    def with_population(self, population: Population) -> "Network":
        return replace(self, populations=self.populations + (population,))

    def with_projection(self, projection: Projection) -> "Network":
        return replace(self, projections=self.projections + (projection,))

    def replace_population(self, name: str, /, **changes) -> "Network":
        """Change fields of one population; a rename also renames its projections' ends."""
        old = self.population(name)
        new = replace(old, **changes)
        pops = tuple(new if p.name == name else p for p in self.populations)
        projs = self.projections
        if new.name != name:
            projs = tuple(_rename_ends(p, name, new.name) for p in projs)
        return replace(self, populations=pops, projections=projs)

    def replace_projection(self, name: str, /, **changes) -> "Network":
        self.projection(name)
        return replace(
            self, projections=tuple(replace(p, **changes) if p.name == name else p for p in self.projections)
        )

    def replace_param(self, target: str, field: str, value: Any) -> "Network":
        """One parameter changed, named as `Simulator.set_param` names it: a population's
        model parameter, or a projection's field (weight, ...) or synapse parameter."""
        if target in {p.name for p in self.populations}:
            pop = self.population(target)
            return self.replace_population(target, params={**pop.params, field: value})
        proj = self.projection(target)
        if field in proj.synapse_params:  # learning, lambda, ... live in the synapse model's parameters
            if field == "learning" and isinstance(value, bool):
                value = float(value)
            return self.replace_projection(target, synapse_params={**proj.synapse_params, field: value})
        return self.replace_projection(target, **{field: value})

    def without(self, populations=(), projections=()) -> "Network":
        """Remove populations (and every projection touching them) and projections."""
        populations, projections = set(populations), set(projections)
        return replace(
            self,
            populations=tuple(p for p in self.populations if p.name not in populations),
            projections=tuple(
                p for p in self.projections
                if p.name not in projections and p.pre not in populations and p.post not in populations
            ),
        )


def _rename_ends(proj: Projection, old: str, new: str) -> Projection:
    if old not in (proj.pre, proj.post):
        return proj
    pre = new if proj.pre == old else proj.pre
    post = new if proj.post == old else proj.post
    default_name = proj.name == f"{proj.pre}→{proj.post}"
    return replace(proj, pre=pre, post=post, name=f"{pre}→{post}" if default_name else proj.name)
