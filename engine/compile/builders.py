"""The registry entries: for every model, the kernel that runs it, its constants row by
column name and where its state starts (engine/compile/registry.py explains the fields).

Adding a model: declare it in engine/model (parameters, equations), write its kernel in
engine/kernels, and add its entry here. Formulas follow NEST's update functions.
A neuron model's constants function takes numbers or, for a population whose parameters vary,
arrays with one value per neuron (use propagators.exp/expm1/steps_of, which take both).
"""
from __future__ import annotations

import math

import numpy as np

from engine.compile.propagators import alpha_propagators, exp, exp_propagator, expm1, steps_of
from engine.compile.registry import DeviceBuilder, NeuronBuilder, SynapseBuilder, register, register_neuron
from engine.kernels import devices, hh, lif, ode_neurons, plasticity, short_term, step
from engine.model import models, synapses

V_AT_E_L = {"V_m": "E_L"}  # NEST users set V_m explicitly; E_L is the natural start where a model has one
CURRENT_SYNAPSE_TRACES = {"V_m": "v", "I_syn_ex": "i_syn_ex", "I_syn_in": "i_syn_in"}
CONDUCTANCE_TRACES = {"V_m": "v", "g_ex": "g_ex", "g_in": "g_in"}


def _leaky_constants(p: dict, dt: float) -> dict:
    """Columns shared by the exact-integration LIF schemas (potentials relative to E_L)."""
    return {"THETA": p["V_th"] - p["E_L"], "V_RESET": p["V_reset"] - p["E_L"], "I_E": p["I_e"],
            "REFRACTORY_STEPS": steps_of(p["t_ref"], dt)}


@register_neuron(models.iaf_psc_delta, code=step.IAF_PSC_DELTA, kernel=lif.update_iaf_psc_delta,
                 columns=lif.IafPscDeltaConstants, variables={"V_m": "v"}, initial=V_AT_E_L, v_reference="E_L")
def iaf_psc_delta_constants(p: dict, dt: float) -> dict:
    tau_m = p["tau_m"]
    return {**_leaky_constants(p, dt), "P33": exp(-dt / tau_m), "P30": -tau_m / p["C_m"] * expm1(-dt / tau_m)}


@register_neuron(models.iaf_psc_exp, code=step.IAF_PSC_EXP, kernel=lif.update_iaf_psc_exp,
                 columns=lif.IafPscExpConstants, variables=CURRENT_SYNAPSE_TRACES, initial=V_AT_E_L,
                 v_reference="E_L")
def iaf_psc_exp_constants(p: dict, dt: float) -> dict:
    tau_m, c_m = p["tau_m"], p["C_m"]
    p22 = exp(-dt / tau_m)
    values = {**_leaky_constants(p, dt), "P22": p22, "P20": tau_m / c_m * (1.0 - p22)}
    for side in ("ex", "in"):
        tau_syn = p[f"tau_syn_{side}"]
        values[f"P11_{side.upper()}"] = exp(-dt / tau_syn)
        values[f"P21_{side.upper()}"] = exp_propagator(tau_syn, tau_m, c_m, dt)
    return values


@register_neuron(models.iaf_psc_alpha, code=step.IAF_PSC_ALPHA, kernel=lif.update_iaf_psc_alpha,
                 columns=lif.IafPscAlphaConstants, variables=CURRENT_SYNAPSE_TRACES, initial=V_AT_E_L,
                 state=("di_syn_ex", "di_syn_in"), v_reference="E_L")
def iaf_psc_alpha_constants(p: dict, dt: float) -> dict:
    tau_m, c_m = p["tau_m"], p["C_m"]
    values = {**_leaky_constants(p, dt), "EXPM1_TAU_M": expm1(-dt / tau_m),
              "P30": -tau_m / c_m * expm1(-dt / tau_m)}
    for side in ("ex", "in"):
        tau_syn, upper = p[f"tau_syn_{side}"], side.upper()
        values[f"P11_{upper}"] = exp(-dt / tau_syn)
        values[f"P21_{upper}"] = dt * values[f"P11_{upper}"]
        values[f"P31_{upper}"], values[f"P32_{upper}"] = alpha_propagators(tau_syn, tau_m, c_m, dt)
        values[f"PSC_INIT_{upper}"] = math.e / tau_syn
    return values


def _conductance_constants(p: dict, dt: float) -> dict:
    """ConductanceConstants of the conductance LIF models: no adaptation; NEST's
    gsl_odeiv_control_y_new(1e-3, 0.0) (absolute error 1e-3 per component)."""
    return {"E_L": p["E_L"], "C_M": p["C_m"], "G_L": p["g_L"], "E_EX": p["E_ex"], "E_IN": p["E_in"],
            "TAU_EX": p["tau_syn_ex"], "TAU_IN": p["tau_syn_in"], "V_TH": p["V_th"], "V_RESET": p["V_reset"],
            "I_E": p["I_e"], "REFRACTORY_STEPS": steps_of(p["t_ref"], dt),
            "PSC_INIT_EX": math.e / p["tau_syn_ex"], "PSC_INIT_IN": math.e / p["tau_syn_in"],
            "ADAPT_A": 0.0, "ADAPT_B": 0.0, "DELTA_T": 0.0, "TAU_W": 0.0, "V_PEAK": 0.0,
            "EPS_ABS": 1e-3, "EPS_REL": 0.0, "A_DYDT": 0.0, "DT": dt}


register(NeuronBuilder(models.iaf_cond_exp, code=step.IAF_COND_EXP, kernel=ode_neurons.update_iaf_cond_exp,
                       columns=ode_neurons.ConductanceConstants, constants=_conductance_constants,
                       variables=CONDUCTANCE_TRACES, initial=V_AT_E_L))
register(NeuronBuilder(models.iaf_cond_alpha, code=step.IAF_COND_ALPHA, kernel=ode_neurons.update_iaf_cond_alpha,
                       columns=ode_neurons.ConductanceConstants, constants=_conductance_constants,
                       variables=CONDUCTANCE_TRACES, initial=V_AT_E_L, state=("dg_ex", "dg_in", "ode_step")))


@register_neuron(models.aeif_cond_exp, code=step.AEIF_COND_EXP, kernel=ode_neurons.update_aeif_cond_exp,
                 columns=ode_neurons.ConductanceConstants, variables={**CONDUCTANCE_TRACES, "w": "w"},
                 initial={**V_AT_E_L, "w": 0.0}, state=("ode_step",))
def aeif_cond_exp_constants(p: dict, dt: float) -> dict:
    # NEST: gsl_odeiv_control_yp_new(tol, tol): absolute and relative, scaled by |y| and h|y'|
    return {**_conductance_constants(p, dt), "ADAPT_A": p["a"], "ADAPT_B": p["b"], "DELTA_T": p["Delta_T"],
            "TAU_W": p["tau_w"], "V_PEAK": np.where(np.asarray(p["Delta_T"]) > 0, p["V_peak"], p["V_th"]),
            "EPS_ABS": p["gsl_error_tol"], "EPS_REL": p["gsl_error_tol"], "A_DYDT": 1.0}


@register_neuron(models.izhikevich, code=step.IZHIKEVICH, kernel=ode_neurons.update_izhikevich,
                 columns=ode_neurons.IzhikevichConstants, variables={"V_m": "v", "U_m": "u"},
                 initial={"V_m": -65.0, "U_m": -13.0})
def izhikevich_constants(p: dict, dt: float) -> dict:
    return {"A": p["a"], "B": p["b"], "C": p["c"], "D": p["d"], "V_TH": p["V_th"], "V_MIN": p["V_min"],
            "I_E": p["I_e"], "DT": dt}


HH_TRACES = {"V_m": "v", "I_syn_ex": "i_syn_ex", "I_syn_in": "i_syn_in", "Act_m": "act_m", "Inact_h": "inact_h",
             "Act_n": "act_n"}
# NEST starts every hh_psc_alpha at -65 mV (not at E_L) with its gates at rest there,
# x = alpha_x / (alpha_x + beta_x) at -65 mV (tests/kernels/test_hh.py checks them against the kernel's rates)
HH_INITIAL_STATE = {"V_m": -65.0, "Act_m": 0.05293248525724958, "Inact_h": 0.5961207535084603,
                    "Act_n": 0.3176769140606974}


@register_neuron(models.hh_psc_alpha, code=step.HH_PSC_ALPHA, kernel=hh.update_hh_psc_alpha,
                 columns=hh.HhPscAlphaConstants, variables=HH_TRACES, initial=HH_INITIAL_STATE,
                 state=("di_syn_ex", "di_syn_in", "ode_step"))
def hh_psc_alpha_constants(p: dict, dt: float) -> dict:
    return {"G_NA": p["g_Na"], "G_K": p["g_K"], "G_L": p["g_L"], "E_NA": p["E_Na"], "E_K": p["E_K"],
            "E_L": p["E_L"], "C_M": p["C_m"], "TAU_EX": p["tau_syn_ex"], "TAU_IN": p["tau_syn_in"], "I_E": p["I_e"],
            "REFRACTORY_STEPS": steps_of(p["t_ref"], dt), "PSC_INIT_EX": math.e / p["tau_syn_ex"],
            "PSC_INIT_IN": math.e / p["tau_syn_in"], "DT": dt}


register(NeuronBuilder(models.parrot_neuron, code=step.PARROT, kernel=step.update_parrot))


# -- devices -----------------------------------------------------------------------------
def _spikes_per_step(rate_hz: float, dt: float) -> float:
    return rate_hz * dt * 1e-3


register(DeviceBuilder(models.poisson_generator, kernel=devices.drive_poisson,
                       rate_schedule=lambda p, dt: [(0, _spikes_per_step(p["rate"], dt))]))
register(DeviceBuilder(
    models.inhomogeneous_poisson_generator, kernel=devices.drive_poisson,
    rate_schedule=lambda p, dt: [(0, 0.0)] + [(steps_of(t, dt), _spikes_per_step(r, dt))
                                              for t, r in zip(p["rate_times"], p["rate_values"])]))
register(DeviceBuilder(models.dc_generator, kernel=devices.drive_currents, current_kind=devices.CURRENT_DC,
                       current_values=lambda p, dt: {"amplitude": p["amplitude"]}))
register(DeviceBuilder(
    models.step_current_generator, kernel=devices.drive_currents, current_kind=devices.CURRENT_STEP,
    current_values=lambda p, dt: {},
    current_schedule=lambda p, dt: [(steps_of(t, dt), value) for t, value in zip(p["amplitude_times"],
                                                                                 p["amplitude_values"])]))
register(DeviceBuilder(
    models.ac_generator, kernel=devices.drive_currents, current_kind=devices.CURRENT_AC,
    current_values=lambda p, dt: {"amplitude": p["amplitude"], "offset": p["offset"],
                                  "omega_dt": 2.0 * math.pi * p["frequency"] * 1e-3 * dt,
                                  "phase": math.radians(p["phase"])}))
register(DeviceBuilder(
    models.noise_generator, kernel=devices.drive_currents, current_kind=devices.CURRENT_NOISE,
    current_values=lambda p, dt: {"mean": p["mean"], "std": p["std"], "noise_steps": max(1, steps_of(p["dt"], dt))}))
def spike_generator_steps(p: dict, size: int, dt: float) -> list[np.ndarray]:
    """Emission steps per neuron: a spike at time T is emitted in step T/dt - 1, so it is stamped T,
    as NEST's spike_generator; only spikes with start < T <= stop are sent (NEST's window for
    spike-emitting devices). One train is shared by all; neurons without a train stay silent."""
    trains, start, stop = p["spike_times"], p["start"], p["stop"]
    per_neuron = []
    for i in range(size):
        if len(trains) > 1:
            times = trains[i] if i < len(trains) else []
        else:
            times = trains[0] if trains else []
        times = [t for t in times if t > start and (stop is None or t <= stop)]
        emit = np.array([steps_of(t, dt) - 1 for t in times], dtype=np.int64)
        per_neuron.append(emit[emit >= 0])
    return per_neuron


register(DeviceBuilder(models.spike_generator, kernel=step.emit_spike_trains, spike_steps=spike_generator_steps))


# -- synapses ----------------------------------------------------------------------------
register(SynapseBuilder(synapses.static_synapse, kernel=step.deliver))


def stdp_constants(sp: dict, dt: float) -> dict:
    return {"TAU_PLUS": sp["tau_plus"], "LAMBDA": sp["lambda"], "ALPHA": sp["alpha"], "MU_PLUS": sp["mu_plus"],
            "MU_MINUS": sp["mu_minus"], "WMAX": sp["Wmax"], "NEAREST": 1.0 if sp["pairing"] == "nearest" else 0.0,
            "LEARNING": sp["learning"]}


register(SynapseBuilder(synapses.stdp_synapse, kernel=plasticity.deliver_plastic,
                        columns=plasticity.StdpConstants, constants=stdp_constants))


def tsodyks2_constants(sp: dict, dt: float) -> dict:
    return {"U": sp["U"], "TAU_REC": sp["tau_rec"], "TAU_FAC": sp["tau_fac"]}


register(SynapseBuilder(synapses.tsodyks2_synapse, kernel=short_term.deliver_tsodyks2,
                        columns=short_term.Tsodyks2Constants, constants=tsodyks2_constants))
