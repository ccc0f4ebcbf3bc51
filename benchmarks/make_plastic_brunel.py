"""Writes the STDP benchmark network: Brunel (2000) with plastic E->E synapses (stdp_synapse,
multiplicative, Wmax = 2 J, as NEST's hpc_benchmark uses STDP on E->E), at a given scale.

    .venv/bin/python benchmarks/make_plastic_brunel.py 0.2 /tmp/brunel_stdp.json
    .venv/bin/python benchmarks/bench_engine.py --networks /tmp/brunel_stdp.json assets/examples/coba.json
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from make_examples import brunel  # noqa: E402

from engine.io import save_network  # noqa: E402


def plastic_brunel(scale: float):
    net = brunel(scale=scale, name=f"brunel_stdp_{scale:g}")
    j = net.projection("exc→exc").weight
    return net.replace_projection("exc→exc", synapse="stdp_synapse", synapse_params={
        "tau_plus": 20.0, "tau_minus": 20.0, "lambda": 0.01, "alpha": 1.0, "mu_plus": 1.0, "mu_minus": 1.0,
        "Wmax": 2.0 * j})


if __name__ == "__main__":
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 0.2
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(f"/tmp/brunel_stdp_{scale:g}.json")
    save_network(plastic_brunel(scale), out)
    print(out)
