"""Neuron and device models: parameters (with metadata), state variables, equations.

Names and parameter names follow NEST, so a NEST user recognises them and the
exporters map them one to one. Units: ms, mV, pA, nS, pF, Hz (engine.units).
A model class is a description only; the kernels implement its equations.
"""
from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from engine.errors import ValidationError
from engine.model.parameters import Quantity, collect_quantities, is_finite_number, positive, shown
from engine.units import HZ, MAX_TIME_MS, MS, MV, NS, PA, PF

MODELS: dict[str, type["Model"]] = {}


class Model:
    """Base of every neuron and device model.

    Subclasses declare parameters as `Quantity` class attributes; they are
    collected, in order, into `parameters`.
    """

    name: ClassVar[str] = ""
    category: ClassVar[str] = "neuron"  # "neuron" or "device"
    summary: ClassVar[str] = ""
    state_variables: ClassVar[tuple[str, ...]] = ()  # per neuron; where each starts: engine.compile.builders
    recordables: ClassVar[tuple[str, ...]] = ()
    weight_unit: ClassVar[str] = ""  # unit of a weight on a projection INTO this model
    receives_spikes: ClassVar[bool] = True
    receives_current: ClassVar[bool] = True
    emits: ClassVar[str] = "spikes"  # "spikes", "current" or "poisson" (independent train per target)
    parameters: ClassVar[dict[str, Quantity]] = {}
    presets: ClassVar[dict[str, dict[str, float]]] = {}  # named parameter sets selectable in one step

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.parameters = collect_quantities(cls, getattr(cls, "parameters", {}))
        if cls.name:
            MODELS[cls.name] = cls

    @classmethod
    def validate(cls, params: dict[str, Any], owner: str, per_neuron: dict | None = None) -> dict[str, Any]:
        """Defaults filled in, every value checked; raises ValidationError naming owner and field.
        `per_neuron`: arrays of parameters that vary per neuron (their entry in params is one of
        the values); the cross-field constraints are checked with them, neuron by neuron."""
        unknown = sorted(set(params) - set(cls.parameters) - set(cls.extra_parameters()))
        if unknown:
            raise ValidationError(
                f"{owner}: unknown parameter '{unknown[0]}' for model {cls.name} "
                f"(known: {', '.join(cls.parameters)})"
            )
        values = {}
        for name, quantity in cls.parameters.items():
            values[name] = quantity.check(params.get(name, quantity.default), owner)
        values.update(cls.check_extra(params, owner))
        cls.check({**values, **(per_neuron or {})}, owner)
        return values

    @classmethod
    def extra_parameters(cls) -> tuple[str, ...]:
        """Non-scalar parameters (e.g. spike trains); validated by check_extra."""
        return ()

    @classmethod
    def check_extra(cls, params: dict[str, Any], owner: str) -> dict[str, Any]:
        return {}

    @classmethod
    def check(cls, values: dict[str, Any], owner: str) -> None:
        """Cross-field constraints (e.g. V_reset < V_th). A neuron model's values may be arrays (one
        value per neuron where a parameter varies): each constraint holds per neuron (see `require`)."""

    @classmethod
    def describe(cls) -> dict:
        return {
            "model": cls.name,
            "category": cls.category,
            "summary": cls.summary,
            "equations": (cls.__doc__ or "").strip(),
            "weight_unit": cls.weight_unit,
            "parameters": [q.describe() for q in cls.parameters.values()],
            "state": list(cls.state_variables),
            "recordables": list(cls.recordables),
            "presets": {name: dict(values) for name, values in cls.presets.items()},
        }


def require(values: dict, subject: str, relation: str, other: str, owner: str, unit: str = MV) -> None:
    """values[subject] <relation> values[other] ("<" or ">="), for every neuron where either varies
    per neuron (then values are arrays); the error names the first neuron that breaks it."""
    first, second = np.asarray(values[subject], float), np.asarray(values[other], float)
    bad = first >= second if relation == "<" else first < second
    if not bad.any():
        return
    at = ""
    if bad.ndim:
        neuron = int(np.flatnonzero(bad)[0])
        first, second = np.broadcast_to(first, bad.shape)[neuron], np.broadcast_to(second, bad.shape)[neuron]
        at = f" at neuron {neuron}"
    wording = "must be below" if relation == "<" else "must be >="
    raise ValidationError(f"{owner}: parameter '{subject}' ({float(first):g} {unit}) {wording} {other} "
                          f"({float(second):g} {unit}){at}")


def _check_reset_below_threshold(values: dict, owner: str) -> None:
    require(values, "V_reset", "<", "V_th", owner)


class _LeakyIntegrateAndFire(Model):
    """Shared parameters of the current-based LIF models."""

    E_L = Quantity(-70.0, MV, doc="Resting membrane potential")
    C_m = positive(250.0, PF, "Membrane capacitance")
    tau_m = positive(10.0, MS, "Membrane time constant")
    t_ref = Quantity(2.0, MS, (0.0, None), "Duration of the refractory period")
    V_th = Quantity(-55.0, MV, doc="Spike threshold")
    V_reset = Quantity(-70.0, MV, doc="Reset potential after a spike")
    I_e = Quantity(0.0, PA, doc="Constant external input current")
    state_variables = ("V_m",)
    recordables = ("V_m",)

    @classmethod
    def check(cls, values, owner):
        _check_reset_below_threshold(values, owner)


class iaf_psc_delta(_LeakyIntegrateAndFire):
    """Leaky integrate-and-fire with delta-shaped synaptic input (voltage jumps).

    C_m dV/dt = -(C_m/tau_m) (V - E_L) + I_e + I_stim(t)
    an incoming spike of weight w (mV) makes V jump by w;
    V >= V_th -> spike, V <- V_reset, clamped for t_ref (spikes arriving then are lost).
    Integrated exactly (Rotter & Diesmann 1999), as NEST's iaf_psc_delta.
    """

    name = "iaf_psc_delta"
    summary = "LIF, synaptic input makes the voltage jump"
    weight_unit = MV


class iaf_psc_exp(_LeakyIntegrateAndFire):
    """Leaky integrate-and-fire with exponentially decaying synaptic currents.

    C_m dV/dt = -(C_m/tau_m) (V - E_L) + I_ex + I_in + I_e + I_stim(t)
    dI_ex/dt = -I_ex / tau_syn_ex ;  dI_in/dt = -I_in / tau_syn_in
    a spike of weight w (pA) adds w to I_ex (w >= 0) or to I_in (w < 0);
    V >= V_th -> spike, V <- V_reset, clamped for t_ref.
    Integrated exactly, as NEST's iaf_psc_exp.
    """

    name = "iaf_psc_exp"
    summary = "LIF, exponential current synapses"
    weight_unit = PA
    tau_syn_ex = positive(2.0, MS, "Excitatory synaptic time constant")
    tau_syn_in = positive(2.0, MS, "Inhibitory synaptic time constant")
    recordables = ("V_m", "I_syn_ex", "I_syn_in")


class iaf_psc_alpha(_LeakyIntegrateAndFire):
    """Leaky integrate-and-fire with alpha-shaped synaptic currents.

    C_m dV/dt = -(C_m/tau_m) (V - E_L) + I_ex + I_in + I_e + I_stim(t)
    I_ex(t) = w e/tau_syn_ex * t exp(-t/tau_syn_ex) after a spike of weight w (pA), peak w at t = tau_syn_ex
    (same for I_in with tau_syn_in; w < 0 goes to the inhibitory synapse);
    V >= V_th -> spike, V <- V_reset, clamped for t_ref.
    Integrated exactly, as NEST's iaf_psc_alpha.
    """

    name = "iaf_psc_alpha"
    summary = "LIF, alpha-shaped current synapses"
    weight_unit = PA
    tau_syn_ex = positive(2.0, MS, "Rise time of the excitatory synaptic alpha function")
    tau_syn_in = positive(2.0, MS, "Rise time of the inhibitory synaptic alpha function")
    recordables = ("V_m", "I_syn_ex", "I_syn_in")


class iaf_psc_exp_adaptive(iaf_psc_exp):
    """iaf_psc_exp with an adaptive threshold (homeostasis, Diehl & Cook 2015, Front. Comput.
    Neurosci. 9:99, "adaptive membrane threshold").

    As iaf_psc_exp, but the neuron spikes at V >= V_th + theta, with
    dtheta/dt = -theta / tau_theta, and theta <- theta + theta_plus at each spike (theta starts at 0).
    A neuron that fires much raises its own threshold, so others get to win: with lateral
    inhibition, the neurons share the inputs out. theta_plus = 0 freezes the thresholds (testing).
    input_weight_total: if > 0, a trainer (engine.learning) scales the plastic input weights into
    each neuron after every sample so that they sum to it (the paper's weight normalisation).
    """

    name = "iaf_psc_exp_adaptive"
    summary = "LIF, exponential current synapses, adaptive threshold (Diehl & Cook 2015)"
    theta_plus = Quantity(0.05, MV, (0.0, None), "Threshold increase at each spike")
    tau_theta = positive(1e7, MS, "Decay time constant of the threshold increase")
    input_weight_total = Quantity(0.0, PA, (0.0, None), "Sum of plastic input weights per neuron kept "
                                  "after each sample (0: not normalised)")


class _ConductanceLIF(Model):
    """Shared parameters of the conductance-based LIF models (NEST defaults)."""

    V_th = Quantity(-55.0, MV, doc="Spike threshold")
    V_reset = Quantity(-60.0, MV, doc="Reset potential after a spike")
    t_ref = Quantity(2.0, MS, (0.0, None), "Duration of the refractory period")
    g_L = positive(16.6667, NS, "Leak conductance")
    C_m = positive(250.0, PF, "Membrane capacitance")
    E_ex = Quantity(0.0, MV, doc="Excitatory reversal potential")
    E_in = Quantity(-85.0, MV, doc="Inhibitory reversal potential")
    E_L = Quantity(-70.0, MV, doc="Leak reversal (resting) potential")
    tau_syn_ex = positive(0.2, MS, "Excitatory synaptic time constant")
    tau_syn_in = positive(2.0, MS, "Inhibitory synaptic time constant")
    I_e = Quantity(0.0, PA, doc="Constant external input current")
    state_variables = ("V_m",)
    recordables = ("V_m", "g_ex", "g_in")
    weight_unit = NS

    @classmethod
    def check(cls, values, owner):
        _check_reset_below_threshold(values, owner)


class iaf_cond_exp(_ConductanceLIF):
    """Leaky integrate-and-fire with exponentially decaying synaptic conductances.

    C_m dV/dt = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in) + I_e + I_stim(t)
    dg_ex/dt = -g_ex / tau_syn_ex ;  dg_in/dt = -g_in / tau_syn_in
    a spike of weight w (nS) adds w to g_ex (w > 0) or |w| to g_in (w < 0);
    V >= V_th -> spike, V <- V_reset, held for t_ref.
    Integrated with an exponential integrator (within 1e-3 mV of NEST's RKF45; see Integration above).
    """

    name = "iaf_cond_exp"
    summary = "LIF, exponential conductance synapses"


class iaf_cond_alpha(_ConductanceLIF):
    """Leaky integrate-and-fire with alpha-shaped synaptic conductances.

    C_m dV/dt = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in) + I_e + I_stim(t)
    g_ex(t) = w e/tau_syn_ex * t exp(-t/tau_syn_ex) after a spike of weight w (nS), peak w at t = tau_syn_ex
    (same for g_in with |w| of negative weights); V >= V_th -> spike, V <- V_reset, held for t_ref.
    Integrated with adaptive RKF45 and GSL's error control, as NEST's iaf_cond_alpha.
    """

    name = "iaf_cond_alpha"
    summary = "LIF, alpha-shaped conductance synapses"


IZHIKEVICH_PRESETS = {
    # Izhikevich (2003), Fig. 2
    "regular spiking": {"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0},
    "fast spiking": {"a": 0.1, "b": 0.2, "c": -65.0, "d": 2.0},
    "chattering": {"a": 0.02, "b": 0.2, "c": -50.0, "d": 2.0},
    "intrinsically bursting": {"a": 0.02, "b": 0.2, "c": -55.0, "d": 4.0},
}


class izhikevich(Model):
    """Izhikevich (2003) simple model.

    dV/dt = 0.04 V^2 + 5 V + 140 - U + I_e + I_stim(t) ;  dU/dt = a (b V - U)
    an incoming spike of weight w (mV) makes V jump by w;
    V >= V_th -> spike, V <- c, U <- U + d. Forward Euler from the old (V, U), as NEST's
    izhikevich with consistent_integration. Presets: IZHIKEVICH_PRESETS.
    """

    name = "izhikevich"
    summary = "Izhikevich simple model (many firing patterns)"
    a = Quantity(0.02, "", doc="Time scale of the recovery variable U")
    b = Quantity(0.2, "", doc="Sensitivity of U to V")
    c = Quantity(-65.0, MV, doc="Reset potential after a spike")
    d = Quantity(8.0, "", doc="Jump of U after a spike")
    V_th = Quantity(30.0, MV, doc="Spike cut-off")
    V_min = Quantity(-1000.0, MV, doc="Lower bound of the membrane potential")
    I_e = Quantity(0.0, PA, doc="Constant external input current")
    state_variables = ("V_m", "U_m")
    recordables = ("V_m", "U_m")
    weight_unit = MV
    presets = IZHIKEVICH_PRESETS


AEIF_PRESETS = {
    # Naud, Marcille, Clopath & Gerstner (2008), Table 1 (with the step current I_e they used)
    "tonic": {"C_m": 200.0, "g_L": 10.0, "E_L": -70.0, "V_th": -50.0, "Delta_T": 2.0, "a": 2.0, "tau_w": 30.0,
              "b": 0.0, "V_reset": -58.0, "I_e": 500.0},
    "adapting": {"C_m": 200.0, "g_L": 12.0, "E_L": -70.0, "V_th": -50.0, "Delta_T": 2.0, "a": 2.0, "tau_w": 300.0,
                 "b": 60.0, "V_reset": -58.0, "I_e": 500.0},
    "initial burst": {"C_m": 130.0, "g_L": 18.0, "E_L": -58.0, "V_th": -50.0, "Delta_T": 2.0, "a": 4.0,
                      "tau_w": 150.0, "b": 120.0, "V_reset": -50.0, "I_e": 400.0},
    "regular bursting": {"C_m": 200.0, "g_L": 10.0, "E_L": -58.0, "V_th": -50.0, "Delta_T": 2.0, "a": 2.0,
                         "tau_w": 120.0, "b": 100.0, "V_reset": -46.0, "I_e": 210.0},
    "delayed": {"C_m": 200.0, "g_L": 12.0, "E_L": -70.0, "V_th": -50.0, "Delta_T": 2.0, "a": -10.0,
                "tau_w": 300.0, "b": 0.0, "V_reset": -58.0, "I_e": 300.0},
    "transient": {"C_m": 100.0, "g_L": 10.0, "E_L": -65.0, "V_th": -50.0, "Delta_T": 2.0, "a": -10.0,
                  "tau_w": 90.0, "b": 30.0, "V_reset": -47.0, "I_e": 350.0},
}


class aeif_cond_exp(Model):
    """Adaptive exponential integrate-and-fire (AdEx, Brette & Gerstner 2005), conductance synapses.

    C_m dV/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_th)/Delta_T) - g_ex (V - E_ex) - g_in (V - E_in) - w + I_e + I_stim
    tau_w dw/dt = a (V - E_L) - w ;  dg_ex/dt = -g_ex/tau_syn_ex ;  dg_in/dt = -g_in/tau_syn_in
    V >= V_peak -> spike, V <- V_reset, w <- w + b, V held for t_ref.
    Adaptive RKF45 with spikes detected inside the step (tolerance gsl_error_tol), as NEST's aeif_cond_exp.
    Presets: AEIF_PRESETS (Naud et al. 2008 firing patterns).
    """

    name = "aeif_cond_exp"
    summary = "AdEx: adaptive exponential LIF, conductance synapses"
    C_m = positive(281.0, PF, "Membrane capacitance")
    t_ref = Quantity(0.0, MS, (0.0, None), "Duration of the refractory period")
    V_reset = Quantity(-60.0, MV, doc="Reset potential after a spike")
    E_L = Quantity(-70.6, MV, doc="Leak reversal potential")
    g_L = positive(30.0, NS, "Leak conductance")
    I_e = Quantity(0.0, PA, doc="Constant external input current")
    a = Quantity(4.0, NS, doc="Subthreshold adaptation")
    b = Quantity(80.5, PA, doc="Spike-triggered adaptation")
    Delta_T = Quantity(2.0, MV, (0.0, None), "Slope factor of the exponential")
    tau_w = positive(144.0, MS, "Adaptation time constant")
    V_th = Quantity(-50.4, MV, doc="Spike initiation threshold")
    V_peak = Quantity(0.0, MV, doc="Spike detection threshold")
    E_ex = Quantity(0.0, MV, doc="Excitatory reversal potential")
    E_in = Quantity(-85.0, MV, doc="Inhibitory reversal potential")
    tau_syn_ex = positive(0.2, MS, "Excitatory synaptic time constant")
    tau_syn_in = positive(2.0, MS, "Inhibitory synaptic time constant")
    gsl_error_tol = positive(1e-6, "", "Error tolerance of the adaptive integrator", live=False)
    state_variables = ("V_m", "w")
    recordables = ("V_m", "g_ex", "g_in", "w")
    weight_unit = NS
    presets = AEIF_PRESETS

    @classmethod
    def check(cls, values, owner):
        require(values, "V_peak", ">=", "V_th", owner)
        require(values, "V_reset", "<", "V_peak", owner)


class hh_psc_alpha(Model):
    """Hodgkin-Huxley (1952) neuron with alpha-shaped synaptic currents, as NEST's hh_psc_alpha.

    C_m dV/dt = -g_Na m^3 h (V - E_Na) - g_K n^4 (V - E_K) - g_L (V - E_L) + I_ex + I_in + I_e + I_stim(t)
    dx/dt = alpha_x(V) (1 - x) - beta_x(V) x  for the gates x = m (Act_m), h (Inact_h), n (Act_n), V in mV, 1/ms:
      alpha_m = 0.1 (V + 40) / (1 - exp(-(V + 40)/10)),   beta_m = 4 exp(-(V + 65)/18)
      alpha_h = 0.07 exp(-(V + 65)/20),                   beta_h = 1 / (1 + exp(-(V + 35)/10))
      alpha_n = 0.01 (V + 55) / (1 - exp(-(V + 55)/10)),  beta_n = 0.125 exp(-(V + 65)/80)
    I_ex(t) = w e/tau_syn_ex * t exp(-t/tau_syn_ex) after a spike of weight w (pA), peak w at t = tau_syn_ex
    (same for I_in with tau_syn_in; w < 0 goes to the inhibitory synapse).
    Spike: at the end of a step V >= 0 mV and V below its value at the step's start (just past the
    peak), unless within t_ref of the last spike; V is not reset (the gates repolarise it). With
    t_ref shorter than the falling phase above 0 mV (t_ref = 0), every step of it counts, as in NEST.
    Starts at V_m = -65 mV with the gates at rest there. Adaptive RKF45 with GSL's error control
    (absolute 1e-3), as NEST. Type II excitability: the f-I curve jumps from 0 to about 50 Hz.
    """

    name = "hh_psc_alpha"
    summary = "Hodgkin-Huxley, alpha-shaped current synapses"
    weight_unit = PA
    t_ref = Quantity(2.0, MS, (0.0, None), "Time after a spike in which no other spike is detected")
    g_Na = Quantity(12000.0, NS, (0.0, None), "Sodium peak conductance")
    g_K = Quantity(3600.0, NS, (0.0, None), "Potassium peak conductance")
    g_L = Quantity(30.0, NS, (0.0, None), "Leak conductance")
    C_m = positive(100.0, PF, "Membrane capacitance")
    E_Na = Quantity(50.0, MV, doc="Sodium reversal potential")
    E_K = Quantity(-77.0, MV, doc="Potassium reversal potential")
    E_L = Quantity(-54.402, MV, doc="Leak reversal potential")
    tau_syn_ex = positive(0.2, MS, "Rise time of the excitatory synaptic alpha function")
    tau_syn_in = positive(2.0, MS, "Rise time of the inhibitory synaptic alpha function")
    I_e = Quantity(0.0, PA, doc="Constant external input current")
    state_variables = ("V_m", "Act_m", "Inact_h", "Act_n")
    recordables = ("V_m", "I_syn_ex", "I_syn_in", "Act_m", "Inact_h", "Act_n")


class parrot_neuron(Model):
    """Relay: emits one spike for every spike it receives, at the same time step.

    Weights of incoming connections are ignored (each spike counts once).
    Used to give several targets the same Poisson train.
    """

    name = "parrot_neuron"
    summary = "Repeats every incoming spike"
    receives_current = False


class _Device(Model):
    category = "device"
    receives_spikes = False
    receives_current = False
    start = Quantity(0.0, MS, (0.0, None), "Time the device switches on")
    stop = Quantity(None, MS, (0.0, None), "Time the device switches off (empty: never)", optional=True)

    @classmethod
    def check(cls, values, owner):
        if values["stop"] is not None and values["stop"] < values["start"]:
            raise ValidationError(
                f"{owner}: parameter 'stop' ({values['stop']:g} ms) must not be before start ({values['start']:g} ms)"
            )


class poisson_generator(_Device):
    """Poisson spike source: every target receives its own independent train.

    P(k spikes in a step dt) = (rate dt)^k exp(-rate dt) / k!, drawn per target and step,
    while start <= t < stop. As NEST's poisson_generator.
    """

    name = "poisson_generator"
    summary = "Independent Poisson spike train to each target"
    emits = "poisson"
    rate = Quantity(10.0, HZ, (0.0, None), "Mean firing rate of each train")


class dc_generator(_Device):
    """Constant current I(t) = amplitude (times the connection weight) while start <= t < stop."""

    name = "dc_generator"
    summary = "Constant current injection"
    emits = "current"
    amplitude = Quantity(0.0, PA, doc="Current amplitude")


def _check_schedule(params, owner, times_name, values_name, value_low=None):
    """Two equal-length lists: strictly increasing times > 0 ms and finite values."""
    times = params.get(times_name, [])
    values = params.get(values_name, [])
    for name, seq in ((times_name, times), (values_name, values)):
        if not isinstance(seq, (list, tuple)):
            raise ValidationError(f"{owner}: parameter '{name}' must be a list of numbers")
        for v in seq:
            if not is_finite_number(v):
                raise ValidationError(f"{owner}: parameter '{name}' has {shown(v)}; it must hold finite numbers")
    if len(times) != len(values):
        raise ValidationError(f"{owner}: parameters '{times_name}' and '{values_name}' must have the same length "
                              f"({len(times)} and {len(values)})")
    if any(t <= 0 for t in times) or any(b <= a for a, b in zip(times, times[1:])):
        raise ValidationError(f"{owner}: parameter '{times_name}' must be strictly increasing times > 0 ms")
    if times and times[-1] > MAX_TIME_MS:
        raise ValidationError(f"{owner}: parameter '{times_name}' has {times[-1]:g} ms; times must be at most "
                              f"{MAX_TIME_MS:g} ms")
    if value_low is not None and any(v < value_low for v in values):
        raise ValidationError(f"{owner}: parameter '{values_name}' must not be negative")
    return {times_name: [float(t) for t in times], values_name: [float(v) for v in values]}


class step_current_generator(_Device):
    """Piecewise constant current: I(t) = amplitude_values[i] from amplitude_times[i] on (0 before the first)."""

    name = "step_current_generator"
    summary = "Current that steps to given values at given times"
    emits = "current"

    @classmethod
    def extra_parameters(cls):
        return ("amplitude_times", "amplitude_values")

    @classmethod
    def check_extra(cls, params, owner):
        return _check_schedule(params, owner, "amplitude_times", "amplitude_values")


class ac_generator(_Device):
    """Sinusoidal current I(t) = offset + amplitude sin(2 pi frequency t + phase)."""

    name = "ac_generator"
    summary = "Sinusoidal current"
    emits = "current"
    amplitude = Quantity(0.0, PA, doc="Amplitude of the sine")
    offset = Quantity(0.0, PA, doc="Constant offset")
    frequency = Quantity(10.0, HZ, (0.0, None), "Frequency")
    phase = Quantity(0.0, "deg", doc="Phase at t = 0, in degrees")


class noise_generator(_Device):
    """Gaussian white-ish noise current: every dt a new value mean + std * N(0, 1) per target
    (independent between targets), held constant in between. As NEST's noise_generator."""

    name = "noise_generator"
    summary = "Noisy current, independent for each target"
    emits = "current"
    mean = Quantity(0.0, PA, doc="Mean current")
    std = Quantity(0.0, PA, (0.0, None), "Standard deviation of the current")
    dt = positive(1.0, MS, "Interval between new noise values (rounded to whole steps)")


class inhomogeneous_poisson_generator(_Device):
    """Poisson trains (independent per target) with a rate that changes at given times:
    rate_values[i] (Hz) from rate_times[i] (ms) on, 0 before the first."""

    name = "inhomogeneous_poisson_generator"
    summary = "Poisson trains with a time-varying rate"
    emits = "poisson"

    @classmethod
    def extra_parameters(cls):
        return ("rate_times", "rate_values")

    @classmethod
    def check_extra(cls, params, owner):
        return _check_schedule(params, owner, "rate_times", "rate_values", value_low=0.0)


class spike_generator(_Device):
    """Emits spikes at given times. `spike_times` is a list of trains, one per neuron of
    the population (a single train is shared by all). Times are rounded to the grid."""

    name = "spike_generator"
    summary = "Spikes at explicit times"
    # the emission list is built once from the trains and this window: a change needs a rebuild
    start = Quantity(0.0, MS, (0.0, None), "Time the device switches on", live=False)
    stop = Quantity(None, MS, (0.0, None), "Time the device switches off (empty: never)", optional=True, live=False)

    @classmethod
    def extra_parameters(cls):
        return ("spike_times",)

    @classmethod
    def check_extra(cls, params, owner):
        trains = params.get("spike_times", [])
        if not isinstance(trains, (list, tuple)):
            raise ValidationError(f"{owner}: parameter 'spike_times' must be a list of times or of lists of times")
        if trains and all(isinstance(t, (int, float)) and not isinstance(t, bool) for t in trains):
            trains = [trains]
        cleaned = []
        for index, train in enumerate(trains):
            if not isinstance(train, (list, tuple)):
                raise ValidationError(f"{owner}: parameter 'spike_times'[{index}] must be a list of times in ms")
            times = []
            for t in train:
                if not is_finite_number(t) or not 0 < t <= MAX_TIME_MS:
                    raise ValidationError(
                        f"{owner}: parameter 'spike_times'[{index}] has {shown(t)}; times must be finite numbers > 0 ms "
                        f"(at most {MAX_TIME_MS:g} ms)")
                times.append(float(t))
            if times != sorted(times):
                raise ValidationError(f"{owner}: parameter 'spike_times'[{index}] must be sorted in time")
            cleaned.append(times)
        return {"spike_times": cleaned}


MAX_SOURCE_SPIKES = 1e8  # a data_source's whole schedule is encoded when the network is built
DATA_SOURCE_CHOICES = {"encoder": ("rate", "latency", "delta"), "split": ("train", "test", "all")}


class data_source(_Device):
    """Presents the samples of a data set one after another, one output neuron per feature.

    Sample k of the schedule is shown from t_k = start + k (presentation + rest) for `presentation`
    ms, then `rest` ms of silence; each epoch shows the split in a new order drawn from order_seed.
    The split (train/test, cut once from split_seed with test_fraction) never mixes: a test sample
    is never in a training schedule. With values x in [0, 1] and gain g = intensity, the encoder:
      rate     Poisson at r = max_rate * g * x (Hz)
      latency  one spike at t_k + latency_tau ln(g x / (g x - 1)) where g x > 1 (time to first spike)
      delta    one spike per level k * delta_threshold crossed by g x between frames (from 0)
    Augmentation (training split only, its own seeded stream): each sample shifted by up to
    augment_shift pixels (a square image; otherwise along the features), zeros shifted in, and
    x + N(0, augment_noise^2) clipped to [0, 1].
    dataset: "digits" (scikit-learn's 8x8 digits, 64 features), "patterns" (generated spatio-temporal
    patterns, 32 features, 10 frames) or the path of a .npz/.csv file (engine.learning.datasets).
    Equations of the encoders: engine/learning/encoders.py.
    """

    name = "data_source"
    summary = "Data set samples one after another, spike-encoded (rate, latency, delta)"
    presentation = Quantity(350.0, MS, (0.0, 60_000.0), "How long each sample is shown", live=False,
                            exclusive_low=True)
    rest = Quantity(150.0, MS, (0.0, 60_000.0), "Silence between samples", live=False)
    intensity = Quantity(1.0, "", (0.0, 100.0), "Gain on the sample values (brighter: more, earlier spikes)")
    max_rate = Quantity(63.75, HZ, (0.0, 10_000.0), "Rate encoder: rate of a value 1 at intensity 1", live=False)
    latency_tau = positive(50.0, MS, "Latency encoder: time constant of the time to first spike", live=False)
    delta_threshold = Quantity(0.1, "", (1e-3, None), "Delta encoder: level spacing of the signal", live=False)
    n_samples = Quantity(0, "", (0.0, None), "Samples per epoch: a fixed subset of the split (0: all of it)",
                         live=False, integer=True)
    epochs = Quantity(1, "", (1.0, 1000.0), "Passes over the samples", live=False, integer=True)
    order_seed = Quantity(1, "", (0.0, None), "Seed of the presentation order and rate spikes", live=False,
                          integer=True)
    split_seed = Quantity(1, "", (0.0, None), "Seed of the train/test cut", live=False, integer=True)
    test_fraction = Quantity(0.25, "", (0.0, 0.9), "Fraction of the data set held out for testing", live=False)
    augment_shift = Quantity(0, "", (0.0, 3.0), "Augmentation (training split only): each sample shifted by up "
                             "to this many pixels in x and y", live=False, integer=True)
    augment_noise = Quantity(0.0, "", (0.0, 1.0), "Augmentation (training split only): Gaussian noise of this "
                             "standard deviation added to the values (clipped to 0..1)", live=False)

    @classmethod
    def extra_parameters(cls):
        return ("dataset", "encoder", "split")

    @classmethod
    def check_extra(cls, params, owner):
        values = {"dataset": params.get("dataset", "digits"), "encoder": params.get("encoder", "rate"),
                  "split": params.get("split", "train")}
        for field, choices in DATA_SOURCE_CHOICES.items():
            if values[field] not in choices:
                raise ValidationError(f"{owner}: parameter '{field}' must be one of {', '.join(choices)}, "
                                      f"got {values[field]!r}")
        from engine.learning.datasets import load_dataset  # the file is read and checked once (cached)

        load_dataset(values["dataset"], owner)
        return values

    @classmethod
    def check(cls, values, owner):
        """Every spike of the whole schedule is made when the network is built: their expected number
        (all epochs, all samples, every feature at its highest rate) must fit MAX_SOURCE_SPIKES."""
        super().check(values, owner)
        from engine.learning.datasets import load_dataset

        n_samples, n_features = load_dataset(values["dataset"], owner).values.shape[:2]
        shown = min(int(values["n_samples"]) or n_samples, n_samples)
        rate_hz = values["max_rate"] * values["intensity"] if values["encoder"] == "rate" else 1000.0
        expected = values["epochs"] * shown * n_features * rate_hz * values["presentation"] / 1000.0
        if expected > MAX_SOURCE_SPIKES:
            raise ValidationError(f"{owner}: the schedule would make about {expected:.3g} spikes (epochs x samples x "
                                  f"features x rate x presentation), more than {MAX_SOURCE_SPIKES:.0e}; lower "
                                  f"'epochs', 'n_samples', 'presentation', 'max_rate' or 'intensity'")


def get_model(name: str, owner: str = "network") -> type[Model]:
    try:
        return MODELS[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, list(MODELS), n=1, cutoff=0.5)
        hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(MODELS)}"
        raise ValidationError(f"{owner}: unknown model '{name}' ({hint})") from None


def describe_models() -> list[dict]:
    return [model.describe() for model in MODELS.values()]
