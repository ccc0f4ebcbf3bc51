"""Per-neuron parameter values of a population and its constants rows.

A neuron model's parameter is a number (one for all neurons), a list (one value per
neuron) or a Distribution, drawn per neuron from the population's own stream for that
parameter (seeded from the network seed, the population's name and the parameter's name,
so editing one parameter's distribution never reshuffles another's).
A population whose parameters are all numbers has one constants row; one with a varying
parameter has a row per neuron of the same schema (engine.kernels.step.update_population).
"""
from __future__ import annotations

import numpy as np

from engine.compile.connect import draw, object_rng
from engine.compile.registry import NeuronBuilder
from engine.errors import ValidationError
from engine.model.network import Distribution, Population

PARAMETER_STREAM = 5  # object_rng purpose (0 connect, 1 weight, 2 delay, 3 state, 4 kernel seeds)


def neuron_values(population: Population, seed: int) -> dict:
    """The population's parameters with each varying one as a (size,) array: lists as given,
    Distributions drawn and checked (bounds, and the model's constraints neuron by neuron)."""
    values = dict(population.params)
    varying = population.varying_params
    if not varying:
        return values
    where = f"population '{population.name}'"
    model = population.model_class
    drawn = False
    for name in varying:
        value = values[name]
        if isinstance(value, Distribution):
            sample = draw(value, population.size, object_rng(seed, f"{population.name}.{name}", PARAMETER_STREAM))
            values[name] = model.parameters[name].check_per_neuron(sample, where, drawn=True)
            drawn = True
        else:
            values[name] = np.asarray(value, np.float64)
    if drawn:  # lists were checked when the population was made
        model.check(values, where)
    return values


def population_constants(population: Population, builder: NeuronBuilder, values: dict,
                         dt: float) -> tuple[np.ndarray, np.ndarray]:
    """(constants rows: one, or one per neuron where a parameter varies; (size,) v reference).
    Parameters so extreme that a propagator is not a finite number at this dt (a time constant of
    1e-9 ms, a capacitance of 1e308 pF) are refused naming the population."""
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # checked below, as a whole
            if population.varying_params:
                rows = builder.constants_rows(values, population.size, dt)
            else:
                rows = builder.constants_row(values, dt)[np.newaxis, :]
        finite = bool(np.isfinite(rows).all())
    except OverflowError:  # math.exp / expm1 of a scalar
        finite = False
    if not finite:
        raise ValidationError(f"population '{population.name}': its parameters are too extreme to integrate at "
                              f"dt = {dt:g} ms (a time constant far below dt, or a capacitance or conductance near "
                              f"0 or 1e308); bring them into a physical range")
    return rows, builder.v_offset(values, population.size)
