"""Synapse models: static (fixed weight), pair-based STDP and short-term plasticity, with NEST's names."""
from __future__ import annotations

from typing import Any, ClassVar

from engine.errors import ValidationError
from engine.model.parameters import Quantity, collect_quantities, positive
from engine.units import MS

SYNAPSES: dict[str, type["SynapseModel"]] = {}
PAIRINGS = ("all_to_all", "nearest")


class SynapseModel:
    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    plastic: ClassVar[bool] = False
    parameters: ClassVar[dict[str, Quantity]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.parameters = collect_quantities(cls, {})
        if cls.name:
            SYNAPSES[cls.name] = cls

    @classmethod
    def validate(cls, params: Any, owner: str) -> dict:
        if not isinstance(params, dict):
            raise ValidationError(f"{owner}: synapse_params must be a mapping of names to values")
        known = set(cls.parameters) | set(cls.extra_parameters())
        unknown = sorted(set(params) - known)
        if unknown:
            raise ValidationError(f"{owner}: unknown parameter '{unknown[0]}' for synapse model {cls.name}"
                                  + (f" (known: {', '.join(sorted(known))})" if known else ""))
        values = {name: q.check(params.get(name, q.default), owner) for name, q in cls.parameters.items()}
        values.update(cls.check_extra(params, owner))
        return values

    @classmethod
    def extra_parameters(cls) -> tuple[str, ...]:
        return ()

    @classmethod
    def check_extra(cls, params: dict, owner: str) -> dict:
        return {}

    @classmethod
    def check_source(cls, pre, owner: str) -> None:
        """Refuse a presynaptic population this synapse model cannot take (default: any)."""

    @classmethod
    def describe(cls) -> dict:
        return {"synapse": cls.name, "summary": cls.summary, "plastic": cls.plastic,
                "equations": (cls.__doc__ or "").strip(),
                "parameters": [q.describe() for q in cls.parameters.values()]}


class static_synapse(SynapseModel):
    """Fixed weight and delay."""

    name = "static_synapse"
    summary = "Fixed weight"


class stdp_synapse(SynapseModel):
    """Pair-based spike-timing dependent plasticity (NEST's stdp_synapse / stdp_nn_symm_synapse).

    Pre spike at t (post spikes seen through the dendritic delay d = the synaptic delay):
      for each post spike t_post since the last pre spike:  w <- F(w, K_plus exp((t_last - t_post - d)/tau_plus))
      then                                                  w <- D(w, K_minus(t - d))
      K_plus <- K_plus exp((t_last - t)/tau_plus) + 1  (nearest pairing: only the last pre spike counts)
    F(w, k) = Wmax min(1, w/Wmax + lambda (1 - w/Wmax)^mu_plus k)        (potentiation)
    D(w, k) = Wmax max(0, w/Wmax - alpha lambda (w/Wmax)^mu_minus k)     (depression)
    mu = 0: additive; mu = 1: multiplicative. K_minus: post trace with tau_minus.
    `learning` off freezes the weights (traces keep running) without a rebuild.
    """

    name = "stdp_synapse"
    summary = "Pair-based STDP (plastic weights)"
    plastic = True
    tau_plus = positive(20.0, MS, "Time constant of the pre-synaptic trace (potentiation window)", live=False)
    tau_minus = positive(20.0, MS, "Time constant of the post-synaptic trace (depression window)", live=False)
    lambda_ = Quantity(0.01, "", (0.0, None), "Learning rate (potentiation step, relative to Wmax)")
    alpha = Quantity(1.0, "", (0.0, None), "Depression relative to potentiation")
    mu_plus = Quantity(1.0, "", (0.0, None), "Weight dependence of potentiation: 0 additive, 1 multiplicative")
    mu_minus = Quantity(1.0, "", (0.0, None), "Weight dependence of depression: 0 additive, 1 multiplicative")
    Wmax = positive(100.0, "", "Upper bound of the weight (same unit as the weight)")
    learning = Quantity(1.0, "", (0.0, 1.0), "Learning on (1) or frozen (0)", integer=True)

    @classmethod
    def extra_parameters(cls):
        return ("pairing",)

    @classmethod
    def check_extra(cls, params, owner):
        pairing = params.get("pairing", "all_to_all")
        if pairing not in PAIRINGS:
            raise ValidationError(f"{owner}: parameter 'pairing' must be one of {', '.join(PAIRINGS)}, got {pairing!r}")
        return {"pairing": pairing}


# 'lambda' is NEST's name but a Python keyword: the attribute is lambda_, the parameter 'lambda'.
stdp_synapse.parameters = {("lambda" if k == "lambda_" else k): Quantity(**{**q.__dict__, "name": "lambda" if k == "lambda_" else k})
                           for k, q in stdp_synapse.parameters.items()}


class tsodyks2_synapse(SynapseModel):
    """Short-term depression and facilitation (NEST's tsodyks2_synapse; Tsodyks & Markram 1997,
    Fuhrmann et al. 2002, update order of Maass & Markram 2002 eqs. 4-5).

    At each presynaptic spike, h = time since the synapse's previous spike (none before the first):
      x <- 1 + (x - x u - 1) exp(-h / tau_rec)               (recovery of resources, with the old u)
      u <- U + u (1 - U) exp(-h / tau_fac)                   (facilitation; tau_fac = 0: u <- U)
    then the spike is sent with weight * u * x (the updated values). The first spike is sent with
    the initial u and x. u, x and the last spike time are per synapse; U, tau_rec, tau_fac are live
    (a change acts from the next spike). Spikes in the same step (a parrot's repeats) each update
    u and x with h = 0, as in NEST, which delivers a spike's multiplicity as separate spikes.
    The source must be a neuron (NEST refuses generators: relay them through a parrot_neuron).
    """

    name = "tsodyks2_synapse"
    summary = "Short-term depression and facilitation (weight scaled by u x)"
    U = Quantity(0.5, "", (0.0, 1.0), "Increase of u at each spike (release probability after a long pause)")
    tau_rec = positive(800.0, MS, "Recovery time constant of the resources x (depression)")
    tau_fac = Quantity(0.0, MS, (0.0, None), "Facilitation time constant of u (0: no facilitation)")
    u = Quantity(None, "", (0.0, 1.0), "Initial release probability (none: U, as NEST advises)",
                 live=False, optional=True)
    x = Quantity(1.0, "", (0.0, 1.0), "Initial fraction of available resources", live=False)

    @classmethod
    def check_source(cls, pre, owner):
        if pre.model_class.category != "neuron":  # as NEST, which refuses devices as its source
            raise ValidationError(
                f"{owner}: {cls.name} needs a neuron as source (a parrot_neuron relays a generator), "
                f"but '{pre.name}' is a {pre.model}; connect the {pre.model} to a parrot_neuron population "
                f"and project from the parrots with {cls.name}")

    @staticmethod
    def initial_u(params: dict) -> float:
        """u at t = 0: the given u, else U (NEST's docs ask to set u with U; NEST's default u is 0.5)."""
        return params["U"] if params["u"] is None else params["u"]


def get_synapse(name: str, owner: str) -> type[SynapseModel]:
    try:
        return SYNAPSES[name]
    except KeyError:
        raise ValidationError(f"{owner}: unknown synapse model '{name}' (choose from {', '.join(SYNAPSES)})") from None
