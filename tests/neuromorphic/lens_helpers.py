"""Networks shared by the neuromorphic-lens tests: one whose out-degrees are known from its
connectivity as written, and a small probe within the limits of most chips."""
import json
from pathlib import Path

import numpy as np

from engine import Connectivity, Network, Population, Projection

LIF = {"C_m": 1.0, "tau_m": 20.0, "t_ref": 2.0, "E_L": 0.0, "V_reset": 10.0, "V_th": 20.0}
EXPLICIT_PRE = (0, 0, 0, 1, 2, 2, 5, 7, 7, 7, 7, 9)  # out-degrees 3, 1, 2, 0, 0, 1, 0, 4, 0, 1
EXPLICIT_POST = (1, 4, 5, 0, 2, 3, 5, 0, 1, 2, 3, 4)


def driven_network(with_poisson: bool = False) -> Network:
    """Spike trains drive 'a'; 'a' drives 'b' (explicit, all-to-all) and 'b' drives 'a' one to one."""
    times = [float(t) for t in np.arange(2.0, 200.0, 3.0)]
    pops = [
        Population("kick", "spike_generator", 10, params={"spike_times": times}),
        Population("a", "iaf_psc_delta", 10, params=LIF),
        Population("b", "iaf_psc_delta", 6, params=LIF),
    ]
    projs = [
        Projection("kick", "a", Connectivity("one_to_one"), weight=25.0, delay=1.0),
        Projection("a", "b", Connectivity("explicit", pre_indices=EXPLICIT_PRE, post_indices=EXPLICIT_POST),
                   weight=12.0, delay=1.5),
        Projection("a", "b", Connectivity("all_to_all"), weight=1.0, delay=2.0, name="a→b dense"),
        Projection("b", "a", Connectivity("fixed_outdegree", outdegree=3), weight=-2.0, delay=1.0),
    ]
    if with_poisson:
        pops.append(Population("noise", "poisson_generator", 1, params={"rate": 8000.0}))
        projs.append(Projection("noise", "b", weight=0.5, delay=1.0))
    return Network(name="driven", populations=tuple(pops), projections=tuple(projs), seed=3)


def independent_out_degree() -> dict:
    """Out-degree of every neuron from the connectivity as written, not from the compiled arrays."""
    return {
        "kick": np.ones(10, np.int64),  # one_to_one
        "a": np.bincount(EXPLICIT_PRE, minlength=10) + 6,  # explicit + all_to_all onto 6
        "b": np.full(6, 3),  # fixed_outdegree
    }


CUBA = {"tau_syn_ex": 2.0, "tau_syn_in": 2.0}


def network(n_in: int = 4, n_hidden: int = 20, delay: float = 0.1, extra_pops=(), extra_projs=()) -> Network:
    """Spike inputs onto a small recurrent current-based LIF population: within every limit of FITTING."""
    pops = (Population("in", "spike_generator", n_in, params={"spike_times": [1.0, 2.0, 3.0]}),
            Population("hidden", "iaf_psc_exp", n_hidden, params=CUBA), *extra_pops)
    projs = (Projection("in", "hidden", weight=100.0, delay=delay),
             Projection("hidden", "hidden", Connectivity("fixed_indegree", indegree=5), weight=50.0, delay=0.1),
             *extra_projs)
    return Network(name="probe", populations=pops, projections=projs)


def broken_copy(source: Path, tmp_path: Path, change) -> Path:
    """A copy of a data file with `change(data)` applied, for the loaders' error messages."""
    data = json.loads(source.read_text())
    change(data)
    path = tmp_path / source.name
    path.write_text(json.dumps(data))
    return path
