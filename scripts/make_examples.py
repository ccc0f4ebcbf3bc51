"""Writes the gallery networks in assets/examples/ (run after changing one; commit the JSON)."""
from pathlib import Path

from engine import Connectivity, Distribution, Network, Population, Projection, Recording
from engine.io import save_network
from engine.model.patterns import pattern_in_noise

HERE = Path(__file__).resolve().parent.parent / "assets" / "examples"


def brunel(scale: float = 1.0, name: str = "brunel") -> Network:
    n_e, n_i = int(10000 * scale), int(2500 * scale)
    c_e, c_i = int(0.1 * n_e), int(0.1 * n_i)
    j, g, eta, delay, tau_m, theta = 0.1, 5.0, 2.0, 1.5, 20.0, 20.0
    nu_th = theta / (j * c_e * tau_m)  # kHz: the rate that alone drives V to threshold
    neuron = {"C_m": 1.0, "tau_m": tau_m, "t_ref": 2.0, "E_L": 0.0, "V_reset": 10.0, "V_th": theta}
    rec = Recording(spikes=True, traces=(0, 1))
    return Network(
        name=name,
        description=(
            "Brunel (2000) sparse balanced network: 80% excitatory and 20% inhibitory "
            "leaky integrate-and-fire neurons with delta synapses, each receiving 10% of the "
            "excitatory and inhibitory neurons as input plus an external Poisson drive at "
            f"eta={eta:g} times the threshold rate. Inhibition is g={g:g} times stronger than "
            "excitation, so recurrent input is balanced and the neurons fire irregularly."
        ),
        populations=(
            Population("exc", "iaf_psc_delta", n_e, params=neuron, initial={"V_m": 0.0}, record=rec, position=(320, 80)),
            Population("inh", "iaf_psc_delta", n_i, params=neuron, initial={"V_m": 0.0}, record=rec, position=(320, 320)),
            Population("noise", "poisson_generator", 1, params={"rate": eta * nu_th * 1000.0 * c_e}, position=(40, 200)),
        ),
        projections=(
            Projection("exc", "exc", Connectivity("fixed_indegree", indegree=c_e), weight=j, delay=delay),
            Projection("exc", "inh", Connectivity("fixed_indegree", indegree=c_e), weight=j, delay=delay),
            Projection("inh", "exc", Connectivity("fixed_indegree", indegree=c_i), weight=-g * j, delay=delay),
            Projection("inh", "inh", Connectivity("fixed_indegree", indegree=c_i), weight=-g * j, delay=delay),
            Projection("noise", "exc", weight=j, delay=delay),
            Projection("noise", "inh", weight=j, delay=delay),
        ),
    )


def cuba() -> Network:
    # Vogels & Abbott (2005) / Brette et al. (2007) CUBA; their voltage-valued synaptic
    # variables become currents I = g * C_m / tau_m (C_m = 250 pF, tau_m = 20 ms).
    scale = 250.0 / 20.0
    neuron = {"C_m": 250.0, "tau_m": 20.0, "t_ref": 5.0, "E_L": -49.0, "V_reset": -60.0, "V_th": -50.0,
              "tau_syn_ex": 5.0, "tau_syn_in": 10.0}
    v0 = Distribution("uniform", {"low": -60.0, "high": -50.0})
    rule = Connectivity("pairwise_bernoulli", p=0.02, allow_autapses=False)
    rec = Recording(spikes=True, traces=(0,))
    return Network(
        name="cuba",
        description=(
            "CUBA benchmark (Vogels & Abbott 2005; Brette et al. 2007): 3200 excitatory and 800 "
            "inhibitory LIF neurons with exponential current synapses, connected with probability 2%. "
            "No external input: the resting potential (-49 mV) lies above threshold, and recurrent "
            "inhibition keeps the network in a self-sustained asynchronous irregular state."
        ),
        populations=(
            Population("exc", "iaf_psc_exp", 3200, params=neuron, initial={"V_m": v0}, record=rec, position=(120, 80)),
            Population("inh", "iaf_psc_exp", 800, params=neuron, initial={"V_m": v0}, record=rec, position=(120, 320)),
        ),
        projections=(
            Projection("exc", "exc", rule, weight=1.62 * scale, delay=0.1),
            Projection("exc", "inh", rule, weight=1.62 * scale, delay=0.1),
            Projection("inh", "exc", rule, weight=-9.0 * scale, delay=0.1),
            Projection("inh", "inh", rule, weight=-9.0 * scale, delay=0.1),
        ),
    )


def coba() -> Network:
    """Vogels & Abbott (2005) / Brette et al. (2007) COBA benchmark, as in PyNN's VAbenchmarks."""
    neuron = {"C_m": 200.0, "g_L": 10.0, "E_L": -60.0, "V_th": -50.0, "V_reset": -60.0, "t_ref": 5.0,
              "E_ex": 0.0, "E_in": -80.0, "tau_syn_ex": 5.0, "tau_syn_in": 10.0}
    v0 = Distribution("uniform", {"low": -60.0, "high": -50.0})
    rule = Connectivity("pairwise_bernoulli", p=0.02, allow_autapses=False)
    rec = Recording(spikes=True, traces=(0,))
    return Network(
        name="coba",
        description=(
            "COBA benchmark (Vogels & Abbott 2005; Brette et al. 2007): 3200 excitatory and 800 inhibitory "
            "LIF neurons with exponential conductance synapses (4 nS excitatory, 51 nS inhibitory), connected "
            "with probability 2%. A 50 ms Poisson kick starts the activity, which then sustains itself."
        ),
        populations=(
            Population("exc", "iaf_cond_exp", 3200, params=neuron, initial={"V_m": v0}, record=rec, position=(300, 80)),
            Population("inh", "iaf_cond_exp", 800, params=neuron, initial={"V_m": v0}, record=rec, position=(300, 320)),
            Population("kick", "poisson_generator", 1, params={"rate": 1000.0, "stop": 50.0}, position=(40, 200)),
        ),
        projections=(
            Projection("exc", "exc", rule, weight=4.0, delay=0.1),
            Projection("exc", "inh", rule, weight=4.0, delay=0.1),
            Projection("inh", "exc", rule, weight=-51.0, delay=0.1),
            Projection("inh", "inh", rule, weight=-51.0, delay=0.1),
            Projection("kick", "exc", weight=4.0, delay=0.1),
            Projection("kick", "inh", weight=4.0, delay=0.1),
        ),
    )


def one_neuron() -> Network:
    return Network(
        name="one_neuron",
        description=(
            "A single leaky integrate-and-fire neuron (alpha-shaped current synapses) driven by a "
            "constant current and by excitatory and inhibitory Poisson input. Watch the membrane "
            "potential rise towards threshold, spike and reset; change the current amplitude or the "
            "input rates while it runs and see the firing rate follow."
        ),
        populations=(
            Population("neuron", "iaf_psc_alpha", 1, record=Recording(spikes=True, traces=(0,)), position=(360, 160)),
            Population("current", "dc_generator", 1, params={"amplitude": 300.0}, position=(60, 60)),
            Population("excitation", "poisson_generator", 1, params={"rate": 8000.0}, position=(60, 180)),
            Population("inhibition", "poisson_generator", 1, params={"rate": 2000.0}, position=(60, 300)),
        ),
        projections=(
            Projection("current", "neuron", weight=1.0, delay=0.1),
            Projection("excitation", "neuron", weight=20.0, delay=1.0),
            Projection("inhibition", "neuron", weight=-40.0, delay=1.0),
        ),
    )


def ei_small() -> Network:
    """The first-visit network: small, fast, visibly active."""
    net = brunel(scale=0.08, name="ei_network")
    return Network(
        name="ei_network", populations=net.populations, projections=net.projections,
        description=(
            "A small excitatory/inhibitory network (800 + 200 neurons) driven by Poisson noise: "
            "press Run to watch it fire. Make inhibition weaker (the inh→exc weight) and see "
            "activity grow and synchronise; make the noise rate lower and see it fall silent."
        ),
    )


def stdp_pattern() -> Network:
    """STDP finds a repeating pattern hidden in noise (Masquelier et al. 2008), scaled down."""
    trains, onsets = pattern_in_noise(200, 20000.0, rate_hz=8.0, pattern_ms=50.0, pattern_every_ms=300.0, seed=7)
    return Network(
        name="stdp_pattern", t_sim=20000.0,
        description=(
            "Spike-timing dependent plasticity at work: 200 inputs fire at random, and every ~300 ms the same "
            "50 ms spatio-temporal pattern repeats (the rate never changes, only the timing; "
            f"{len(onsets)} repetitions in 20 s). The readout neuron's synapses follow additive STDP with "
            "slightly stronger depression: watch the weights spread out and the readout's rate fall as "
            "uncorrelated inputs are weakened. Turn learning off to freeze the weights. (Making the readout "
            "lock onto the pattern, as Masquelier et al. 2008 showed, needs more inputs and tuning: a coming lesson.)"
        ),
        populations=(
            Population("inputs", "spike_generator", 200, params={"spike_times": trains}, position=(40, 160)),
            Population("relay", "parrot_neuron", 200, record=Recording(spikes=True), position=(260, 160)),
            Population("readout", "iaf_psc_exp", 1, params={"tau_m": 10.0, "V_th": -55.0, "t_ref": 2.0},
                       record=Recording(spikes=True, traces=(0,)), position=(500, 160)),
        ),
        projections=(
            Projection("inputs", "relay", Connectivity("one_to_one"), weight=1.0, delay=0.1),
            Projection("relay", "readout", weight=Distribution("uniform", {"low": 80.0, "high": 160.0}), delay=1.0,
                       synapse="stdp_synapse",
                       synapse_params={"tau_plus": 16.8, "tau_minus": 33.7, "lambda": 0.03, "alpha": 0.85,
                                       "mu_plus": 0.0, "mu_minus": 0.0, "Wmax": 200.0}),
        ),
    )


def digits(n_exc: int = 200, weight_total: float = 600.0, theta_plus: float = 0.5, inhibition: float = -1000.0,
           epochs: int = 1, learning_rate: float = 0.03, name: str = "digits") -> Network:
    """Diehl & Cook (2015) unsupervised digit learning, scaled to scikit-learn's 8x8 digits."""
    mean_weight = weight_total / 64
    excitatory = {"E_L": -65.0, "V_reset": -65.0, "V_th": -52.0, "tau_m": 100.0, "t_ref": 5.0, "tau_syn_ex": 5.0,
                  "tau_syn_in": 5.0, "theta_plus": theta_plus, "tau_theta": 1e7, "input_weight_total": weight_total}
    return Network(
        name=name, dt=0.5, t_sim=500.0 * 1347 * epochs,
        description=(
            f"Learning handwritten digits without labels (Diehl & Cook 2015): {n_exc} excitatory neurons see "
            "scikit-learn's 8x8 digits as Poisson trains (up to 63.75 Hz per pixel, 350 ms per digit, 150 ms "
            "rest) through STDP synapses. Each spike inhibits the others through a partner inhibitory neuron "
            "(lateral inhibition), raises the neuron's own threshold (homeostasis), and after every digit the "
            "input weights into each neuron are scaled to a fixed sum (normalisation), so the neurons come to "
            "specialise on different digits. Labels are only used afterwards: each neuron is named by the "
            "digit it answers most, and a held-out digit is classified by the vote of the named neurons."
        ),
        populations=(
            Population("digits", "data_source", 64, params={"dataset": "digits", "encoder": "rate", "epochs": epochs,
                                                            "split": "train"}, position=(40, 160)),
            Population("pixels", "parrot_neuron", 64, position=(170, 160)),
            Population("exc", "iaf_psc_exp_adaptive", n_exc, params=excitatory,
                       record=Recording(spikes=True), position=(300, 160)),
            Population("inh", "iaf_psc_exp", n_exc, params={"E_L": -60.0, "V_reset": -45.0, "V_th": -40.0,
                                                            "tau_m": 10.0, "t_ref": 2.0},
                       record=Recording(spikes=True), position=(540, 160)),
        ),
        projections=(
            Projection("digits", "pixels", Connectivity("one_to_one"), weight=1.0, delay=0.5),
            Projection("pixels", "exc", weight=Distribution("uniform", {"low": 0.0, "high": 2 * mean_weight}),
                       delay=1.0, synapse="stdp_synapse",
                       synapse_params={"tau_plus": 20.0, "tau_minus": 20.0, "lambda": learning_rate, "alpha": 1.0,
                                       "mu_plus": 1.0, "mu_minus": 1.0, "Wmax": 6 * mean_weight}),
            Projection("exc", "inh", Connectivity("one_to_one"), weight=10000.0, delay=0.5),
            Projection("inh", "exc", Connectivity("all_to_all"), weight=inhibition, delay=0.5),
        ),
    )


if __name__ == "__main__":
    HERE.mkdir(parents=True, exist_ok=True)
    for net in (brunel(), cuba(), coba(), one_neuron(), ei_small(), stdp_pattern(), digits()):
        save_network(net, HERE / f"{net.name}.json")
        print("wrote", HERE / f"{net.name}.json")
