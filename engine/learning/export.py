"""The trained network as a fixed one, for hardware (NIR) and other simulators.

What training leaves is turned into plain parameters: the learned input weights become listed
static synapses from the input straight into the learner (a parrot relay between them is
dropped, its delay added to the synapses'), and the learner's adaptive thresholds become
per-neuron thresholds V_th + theta of an iaf_psc_exp (homeostasis frozen, as in evaluation).
The data_source becomes a silent spike_generator: NIR's Input, fed by whoever runs the graph.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.learning.trainer import Trainer
from engine.model.network import Connectivity, Network, Population, Projection

ADAPTIVE_ONLY = ("theta_plus", "tau_theta", "input_weight_total")


def inference_network(trainer: Trainer) -> Network:
    """The trained design with weights and thresholds fixed (see the module docstring)."""
    network, roles = trainer.network, trainer.roles
    learner = network.population(roles.learner)
    theta = trainer.sim.compiled.state.theta[trainer.sim.compiled.pop_slice(roles.learner)]
    params = {k: v for k, v in learner.params.items() if k not in ADAPTIVE_ONLY}
    params["V_th"] = [float(v) for v in np.asarray(learner.params["V_th"], float) + theta]
    relay_delay = 0.0
    if roles.inputs != roles.source:
        relay_delay = sum(float(p.delay) for p in network.projections if p.pre == roles.source and p.post == roles.inputs)
    pops = []
    for pop in network.populations:
        if pop.name == roles.inputs and roles.inputs != roles.source:
            continue
        if pop.name == roles.source:
            pop = Population(pop.name, "spike_generator", pop.size, position=pop.position)
        elif pop.name == roles.learner:
            pop = Population(pop.name, "iaf_psc_exp", pop.size, params=params, record=pop.record, position=pop.position)
        pops.append(pop)
    pre, post, weight = trainer.sim.projection_synapses(roles.projection)
    plastic = network.projection(roles.projection)
    learned = Projection(roles.source, roles.learner,
                         Connectivity("explicit", pre_indices=tuple(pre.tolist()), post_indices=tuple(post.tolist())),
                         weight=tuple(float(w) for w in weight), delay=float(plastic.delay) + relay_delay,
                         name=plastic.name)
    projs = [learned if p.name == roles.projection else p for p in network.projections
             if p.pre not in (roles.source, roles.inputs) or p.name == roles.projection]
    return Network(name=f"{network.name}_trained", populations=tuple(pops), projections=tuple(projs),
                   description=f"{network.name} after training: learned input weights and thresholds, fixed.",
                   dt=network.dt, seed=network.seed)


def write_trained_nir(trainer: Trainer, path: str | Path) -> Path:
    """The trained network (inference_network) as a NIR file."""
    from engine.io.nir_export import write_nir

    return write_nir(inference_network(trainer), path)
