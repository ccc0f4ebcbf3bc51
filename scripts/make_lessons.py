"""Writes the built-in lessons in assets/lessons/ (run after changing one; commit the JSON).

Each lesson's step solutions are checked by tests/io/test_lessons.py: met after the change a
step asks for, not met before it.
"""
from pathlib import Path

import numpy as np

from engine import Connectivity, Network, Population, Projection, Recording
from engine.io import Condition, FICurve, Lesson, Step, save_lesson
from engine.model.models import AEIF_PRESETS, IZHIKEVICH_PRESETS
from lessons_circuits import LESSONS as CIRCUIT_LESSONS

HERE = Path(__file__).resolve().parent.parent / "assets" / "lessons"
COURSE = "From one neuron to networks"
LIF = {"E_L": -70.0, "C_m": 250.0, "tau_m": 10.0, "t_ref": 2.0, "V_th": -55.0, "V_reset": -70.0}
TRACE = Recording(spikes=True, traces=(0,), variables=("V_m",))


def rate_step(title: str, target: str, field: str, population: str, solution: float, low: float | None = None,
              high: float | None = None, window_ms: float = 500.0) -> Step:
    return Step(title, target, field, Condition("rate", population, low, high, window_ms), solution)


def neuron_under_dc(name: str, model: str, params: dict, description: str, amplitude: float = 300.0) -> Network:
    """One neuron ('neuron') driven by a DC generator ('current', 300 pA unless told)."""
    return Network(
        name=name, t_sim=2000.0, description=description,
        populations=(
            Population("neuron", model, 1, params=params, record=TRACE, position=(360, 160)),
            Population("current", "dc_generator", 1, params={"amplitude": amplitude}, position=(60, 160)),
        ),
        projections=(Projection("current", "neuron", weight=1.0, delay=0.1),),
    )


def lif_neuron() -> Lesson:
    network = neuron_under_dc("lif_neuron", "iaf_psc_alpha", LIF,
                              "One leaky integrate-and-fire neuron under a constant (DC) current.")
    text = r"""The leaky integrate-and-fire (LIF) neuron is a capacitor $C_m$ in parallel with a leak:

$$C_m \frac{dV}{dt} = -\frac{C_m}{\tau_m}(V - E_L) + I$$

When $V$ reaches the threshold $V_{th}$ the neuron **spikes**, $V$ is set to $V_{reset}$ and held
there for the refractory period $t_{ref}$. Under a constant current $I$ the voltage climbs towards
$E_L + I \tau_m / C_m$: it fires only if that lies above threshold, that is for
$I > I_{rh} = (V_{th} - E_L)\, C_m / \tau_m = 375$ pA (the *rheobase*). Above it the rate is

$$f(I) = \left[t_{ref} + \tau_m \ln \frac{I \tau_m / C_m}{I \tau_m / C_m - (V_{th} - E_L)}\right]^{-1}$$

Press **Run** and watch the membrane trace: at 300 pA it settles below threshold. Select the
`current` node and move its `amplitude`: each current you run adds a point to the **f-I plot**
above this text, beside the analytic curve $f(I)$ (the rate is measured from the interspike
intervals, 100 ms after the change)."""
    steps = (
        rate_step("Raise the current's amplitude just above the rheobase until the neuron fires", "current",
                  "amplitude", "neuron", 376.0, low=1.0),
        rate_step("Make it fire between 20 and 40 Hz", "current", "amplitude", "neuron", 400.0, low=20.0, high=40.0),
        rate_step("Lengthen the neuron's refractory period t_ref until the rate falls below 20 Hz", "neuron", "t_ref",
                  "neuron", 30.0, low=5.0, high=20.0),
    )
    return Lesson("lif_neuron", "One LIF neuron under DC", "Threshold, reset, refractoriness and the f-I curve",
                  COURSE, 1, text, steps, network, plot=FICurve("current", "neuron"))


def synapses() -> Lesson:
    pace = {**LIF, "I_e": 400.0}  # fires regularly at 33 Hz: one input spike every 30 ms
    network = Network(
        name="synapses", t_sim=2000.0,
        description="One regular spike train onto four neurons with different synapses.",
        populations=(
            Population("pacemaker", "iaf_psc_delta", 1, params=pace, record=Recording(spikes=True), position=(40, 200)),
            Population("delta", "iaf_psc_delta", 1, params=LIF, record=TRACE, position=(360, 20)),
            Population("exponential", "iaf_psc_exp", 1, params=LIF, record=TRACE, position=(360, 140)),
            Population("alpha", "iaf_psc_alpha", 1, params=LIF, record=TRACE, position=(360, 260)),
            Population("conductance", "iaf_cond_exp", 1, params={k: v for k, v in LIF.items() if k != "tau_m"},
                       record=TRACE, position=(360, 380)),
        ),
        projections=(
            Projection("pacemaker", "delta", weight=5.0), Projection("pacemaker", "exponential", weight=2000.0),
            Projection("pacemaker", "alpha", weight=500.0), Projection("pacemaker", "conductance", weight=10.0),
        ),
    )
    text = r"""A presynaptic spike at $t = 0$ reaches each neuron through a different synapse:

| synapse | input current (or jump) |
|---|---|
| delta | $V \mathrel{+}= w$ (mV) at once |
| exponential | $I(t) = w\, e^{-t/\tau_{syn}}$ |
| alpha | $I(t) = w\, \frac{t}{\tau_{syn}}\, e^{1 - t/\tau_{syn}}$ |
| conductance | $I(t) = g(t)\,(E_{ex} - V)$, $g(t) = w\, e^{-t/\tau_{syn}}$ (nS) |

The membrane filters the current: the postsynaptic potential (PSP) rises with the synapse and
decays with $\tau_m$. Its size grows with the charge $\int I\,dt$: $w \tau_{syn}$ for the
exponential synapse, $e\, w\, \tau_{syn}$ for the alpha synapse. Run it and compare the traces."""
    steps = (
        rate_step("Raise the weight of pacemaker→alpha until every input spike makes 'alpha' fire", "pacemaker→alpha",
                  "weight", "alpha", 1500.0, low=30.0),
        rate_step("Keep the weight of the exponential synapse and lengthen tau_syn_ex of 'exponential' until it "
                  "fires with every input spike", "exponential", "tau_syn_ex", "exponential", 5.0, low=30.0),
        rate_step("Raise the delta weight (a jump in mV) until one spike crosses the 15 mV from rest to threshold",
                  "pacemaker→delta", "weight", "delta", 16.0, low=30.0),
    )
    return Lesson("synapses", "Synapses", "PSP shapes of delta, exponential, alpha and conductance synapses",
                  COURSE, 2, text, steps, network)


def short_term_plasticity() -> Lesson:
    network = Network(
        name="short_term_plasticity", t_sim=2000.0,
        description="A regular 84 Hz train through a depressing tsodyks2_synapse onto one neuron.",
        populations=(
            Population("pacemaker", "iaf_psc_delta", 1, params={**LIF, "I_e": 600.0}, record=Recording(spikes=True),
                       position=(40, 160)),
            Population("target", "iaf_psc_exp", 1, params=LIF, record=TRACE, position=(360, 160)),
        ),
        projections=(Projection("pacemaker", "target", weight=6000.0, delay=1.0, synapse="tsodyks2_synapse",
                                synapse_params={"U": 0.5, "tau_rec": 800.0, "tau_fac": 0.0}),),
    )
    text = r"""A synapse's strength changes with its recent use (Tsodyks & Markram 1997). Each spike
releases a fraction $u$ of the available resources $x$ and is sent with weight $w\,u\,x$.
Between spikes (interval $h$) the resources recover and $u$ relaxes back to $U$:

$$x \leftarrow 1 + (x - u x - 1)\, e^{-h/\tau_{rec}} \qquad u \leftarrow U + u (1 - U)\, e^{-h/\tau_{fac}}$$

With $U = 0.5$ and $\tau_{rec} = 800$ ms the synapse **depresses**: the first spike makes the
target fire, then $x$ runs out and the later PSPs shrink. A small $U$ with a long $\tau_{fac}$
**facilitates**: $u$ grows from spike to spike. Select the edge pacemaker→target to change it."""
    proj = "pacemaker→target"
    steps = (
        rate_step("Shorten tau_rec so the resources recover between spikes, until the target fires at 20 Hz or more",
                  proj, "tau_rec", "target", 20.0, low=20.0),
        rate_step("Lower U to 0.05: each spike now releases little, and the target falls silent", proj, "U",
                  "target", 0.05, high=2.0),
        rate_step("Raise tau_fac until facilitation builds u up and the target fires at 20 Hz again", proj, "tau_fac",
                  "target", 500.0, low=20.0),
    )
    return Lesson("short_term_plasticity", "Short-term plasticity", "Depression and facilitation of a train's PSCs",
                  COURSE, 3, text, steps, network)


def hodgkin_huxley() -> Lesson:
    network = neuron_under_dc("hodgkin_huxley", "hh_psc_alpha", {},
                              "One Hodgkin-Huxley neuron (hh_psc_alpha) under a constant current.")
    text = r"""Hodgkin and Huxley (1952) explained the action potential by voltage-gated sodium and
potassium channels:

$$\begin{aligned} C_m \frac{dV}{dt} = &-g_{Na} m^3 h (V - E_{Na}) \\ &- g_K n^4 (V - E_K) - g_L (V - E_L) + I \end{aligned}$$

Each gate $z \in \{m, h, n\}$ opens and closes as $\dot z = \alpha_z(V)(1 - z) - \beta_z(V) z$.
Unlike the LIF neuron (type I: the rate rises from zero), this model is **type II**: below a
current of about 620 pA it fires at most once, at the onset; above it, it jumps straight to
about 50 Hz. There is no slow firing in between. Move the `current` node's `amplitude`."""
    steps = (
        rate_step("Find the current where it starts firing repetitively (at least 40 Hz)", "current", "amplitude",
                  "neuron", 700.0, low=40.0),
        rate_step("Raise the current until it fires above 80 Hz", "current", "amplitude", "neuron", 2000.0, low=80.0),
    )
    return Lesson("hodgkin_huxley", "Hodgkin-Huxley", "The action potential from ion channels; type II onset",
                  COURSE, 4, text, steps, network)


# -- lessons 5-10 (wt/lessons-a) ----------------------------------------------------------------
def izhikevich_patterns() -> Lesson:
    network = neuron_under_dc("izhikevich_patterns", "izhikevich", IZHIKEVICH_PRESETS["regular spiking"],
                              "One Izhikevich neuron, regular spiking (RS), under a constant input of 10.",
                              amplitude=10.0)
    text = r"""Izhikevich (2003) reduced cortical neurons to two variables, the membrane potential $V$
(mV) and a recovery variable $U$:

$$\dot V = 0.04 V^2 + 5 V + 140 - U + I$$

$$\dot U = a\,(b V - U)$$

When $V \ge 30$ mV the neuron spikes: $V \leftarrow c$, $U \leftarrow U + d$. Four numbers give the
firing patterns of cortex (his Fig. 2; the inspector's presets):

| preset | $a$ | $b$ | $c$ (mV) | $d$ | pattern |
|---|---|---|---|---|---|
| regular spiking (RS) | 0.02 | 0.2 | −65 | 8 | spikes that slow down (adaptation) |
| intrinsically bursting (IB) | 0.02 | 0.2 | −55 | 4 | a burst, then single spikes |
| chattering (CH) | 0.02 | 0.2 | −50 | 2 | bursts, again and again |
| fast spiking (FS) | 0.1 | 0.2 | −65 | 2 | fast, without adaptation |

$d$ is how much each spike adds to the recovery $U$ (the adaptation); $c$ is where $V$ starts
again: a high reset starts the next spike at once, and the spikes come in **bursts** until $U$
has grown enough to stop them. A burst shows in the statistics as a high CV of the
interspike intervals (short ones in the burst, long ones between)."""
    steps = (
        rate_step("Lower d (the jump of U after a spike) from 8 to 2: less adaptation, faster firing (40 Hz or more)",
                  "neuron", "d", "neuron", 2.0, low=40.0),
        Step("Raise the reset c from -65 to -50 mV: chattering, bursts of spikes (CV of the ISIs above 0.5)",
             "neuron", "c", Condition("cv", "neuron", 0.5, None, 1000.0), -50.0),
        Step("Make U fast: raise a from 0.02 to 0.1, and the bursts give way to regular fast spiking (CV below 0.2)",
             "neuron", "a", Condition("cv", "neuron", None, 0.2, 1000.0), 0.1),
    )
    return Lesson("izhikevich_patterns", "Izhikevich firing patterns", "Regular spiking, bursting and fast spiking "
                  "from four numbers", COURSE, 5, text, steps, network)


def adex_patterns() -> Lesson:
    adapting = {**AEIF_PRESETS["adapting"], "I_e": 0.0}  # its 500 pA come from the 'current' node
    network = neuron_under_dc("adex_patterns", "aeif_cond_exp", adapting,
                              "One AdEx neuron with the 'adapting' parameters of Naud et al. (2008) under 500 pA.",
                              amplitude=500.0)
    text = r"""The adaptive exponential integrate-and-fire neuron (AdEx; Brette & Gerstner 2005) adds to
the LIF an exponential spike onset and an adaptation current $w$:

$$C_m \dot V = -g_L (V - E_L) + g_L \Delta_T\, e^{(V - V_{th})/\Delta_T} - w + I$$

$$\tau_w \dot w = a\,(V - E_L) - w$$

At a spike ($V \ge V_{peak}$) $V \leftarrow V_{reset}$ and $w \leftarrow w + b$. Naud et al. (2008)
showed that these few parameters give the firing patterns of real neurons (the inspector's
presets: tonic, adapting, initial burst, regular bursting, delayed, transient).

Here the neuron **adapts**: every spike adds $b = 60$ pA to $w$, which decays slowly
($\tau_w = 300$ ms), so the interval between spikes grows until it settles. Whether it bursts
depends on where the reset lies: a reset far below threshold needs time to climb back; a reset
close to $V_{th}$ fires again at once, until $w$ has grown enough to stop it."""
    steps = (
        Step("Make the adapting neuron burst: raise V_reset from -58 to -46 mV (CV of the ISIs above 0.8)",
             "neuron", "V_reset", Condition("cv", "neuron", 0.8, None, 1000.0), -46.0),
        Step("Switch spike-triggered adaptation off (b = 0): with nothing to end a burst, it fires tonically "
             "(CV below 0.2)", "neuron", "b", Condition("cv", "neuron", None, 0.2, 1000.0), 0.0),
    )
    return Lesson("adex_patterns", "AdEx firing patterns", "Adaptation and bursting in the adaptive exponential "
                  "neuron", COURSE, 6, text, steps, network)


ENCODERS = ("rate", "latency", "delta")


def encoding_populations(kind: str, dataset: str, size: int, row: int,
                         latency_gain: float) -> tuple[list[Population], list[Projection]]:
    """One data_source per encoder of `dataset`, each relayed by parrots ('<kind> <encoder> code')."""
    sources, relays, wires = [], [], []
    for column, encoder in enumerate(ENCODERS):
        source, code = f"{kind} → {encoder}", f"{kind} {encoder} code"
        y = 40 + 80 * (3 * row + column)
        sources.append(Population(source, "data_source", size, position=(40, y), params={
            "dataset": dataset, "encoder": encoder, "presentation": 350.0, "rest": 150.0, "latency_tau": 50.0,
            "delta_threshold": 0.1, "n_samples": 20, "order_seed": 1, "split": "train",
            "intensity": latency_gain if encoder == "latency" else 1.0}))
        relays.append(Population(code, "parrot_neuron", size, record=Recording(spikes=True), position=(280, y)))
        wires.append(Projection(source, code, rule=Connectivity("one_to_one"), weight=1.0, delay=0.1))
    return sources + relays, wires


def spike_encoding() -> Lesson:
    image, image_wires = encoding_populations("image", "digits", 64, 0, latency_gain=1.0)
    signal, signal_wires = encoding_populations("signal", "patterns", 32, 1, latency_gain=2.0)
    network = Network(name="spike_encoding", t_sim=2000.0, populations=tuple(image + signal),
                      projections=tuple(image_wires + signal_wires),
                      description="The same digits (8x8 images) and signals (32 channels x 10 frames) spike-encoded "
                                  "three ways: rate, latency and delta coding.")
    text = r"""A spiking network sees numbers only as spikes. Three ways to turn a value $x \in [0, 1]$ into
spikes (here $g$ is the source's `intensity`, live):

| code | spikes of a value $x$ |
|---|---|
| rate | Poisson, at $r = r_{max}\, g\, x$: brighter, more spikes |
| latency | one, $\tau \ln \frac{g x}{g x - 1}$ after the onset (none if $g x \le 1$): brighter, earlier |
| delta | one per level $k\,\theta$ that $g x$ crosses between frames: only where it changes |

The latency code is the time a leaky integrator with time constant $\tau$ and threshold 1 takes
to reach threshold when driven by $g x$: strong inputs cross first (Thorpe's rank order idea).
The top three rows of sources show handwritten digits (8 × 8 pixels, 350 ms each, 150 ms of
rest), the bottom three a signal of 32 channels over 10 frames of 35 ms. Look at the raster:
the rate code is dense and noisy; the latency code of the signal (intensity 2) one spike per
active channel and frame, while that of the image stays silent at intensity 1 (step 2); the
delta code fires for an image only at its onset (the change from nothing) and for the signal
wherever a channel changes."""
    steps = (
        rate_step("Brighten the rate-coded image: raise the intensity of 'image → rate' from 1 to 3 "
                  "(its code fires at 25 Hz or more)", "image → rate", "intensity", "image rate code", 3.0, low=25.0,
                  window_ms=1000.0),
        rate_step("At intensity 1 no pixel of the latency code reaches threshold (g x > 1 never holds). "
                  "Raise the intensity of 'image → latency' to 2", "image → latency", "intensity", "image latency code",
                  2.0, low=0.3, window_ms=1000.0),
        rate_step("Amplify the signal of the delta code: raise the intensity of 'signal → delta' to 3 "
                  "(each change of a channel crosses three times the levels: 150 Hz or more)", "signal → delta",
                  "intensity",
                  "signal delta code", 3.0, low=150.0, window_ms=1000.0),
    )
    return Lesson("spike_encoding", "Spike encoding", "Rate, latency and delta coding of an image and of a signal",
                  COURSE, 7, text, steps, network)


BRUNEL_N_E, BRUNEL_J, BRUNEL_DELAY = 2000, 0.5, 1.5  # Brunel's model A at 1/5 size: C_E = 200, J C_E = 100 mV
BRUNEL_NEURON = {"E_L": 0.0, "C_m": 1.0, "tau_m": 20.0, "t_ref": 2.0, "V_th": 20.0, "V_reset": 10.0}


def brunel_rate(eta: float) -> float:
    """Hz of the external Poisson drive at eta times the threshold rate nu_thr = V_th / (J C_E tau_m)."""
    c_e = BRUNEL_N_E // 10
    return eta * BRUNEL_NEURON["V_th"] / (BRUNEL_J * c_e * BRUNEL_NEURON["tau_m"]) * 1000.0 * c_e


def brunel_network(g: float, eta: float) -> Network:
    n_i = BRUNEL_N_E // 4
    spikes = Recording(spikes=True)
    indegree = {"exc": BRUNEL_N_E // 10, "inh": n_i // 10}
    weight = {"exc": BRUNEL_J, "inh": -g * BRUNEL_J}
    recurrent = tuple(Projection(pre, post, rule=Connectivity("fixed_indegree", indegree=indegree[pre]),
                                 weight=weight[pre], delay=BRUNEL_DELAY)
                      for pre in ("exc", "inh") for post in ("exc", "inh"))
    return Network(
        name="balanced_network", t_sim=2000.0,
        description="Brunel (2000) sparse E/I network of 2,000 + 500 LIF neurons with delta synapses.",
        populations=(
            Population("exc", "iaf_psc_delta", BRUNEL_N_E, params=BRUNEL_NEURON, initial={"V_m": 0.0}, record=spikes,
                       position=(320, 80)),
            Population("inh", "iaf_psc_delta", n_i, params=BRUNEL_NEURON, initial={"V_m": 0.0}, record=spikes,
                       position=(320, 320)),
            Population("input", "poisson_generator", 1, params={"rate": brunel_rate(eta)}, position=(40, 200)),
        ),
        projections=recurrent + (Projection("input", "exc", weight=BRUNEL_J, delay=BRUNEL_DELAY),
                                 Projection("input", "inh", weight=BRUNEL_J, delay=BRUNEL_DELAY)),
    )


def balanced_network() -> Lesson:
    network = brunel_network(g=5.0, eta=2.0)
    text = r"""Brunel (2000) studied a sparse network of $N_E$ excitatory and $N_I = N_E / 4$ inhibitory LIF
neurons. Each neuron receives $C_E = 0.1 N_E$ excitatory inputs of $J$ (mV, a jump in $V$) and
$C_I = 0.1 N_I$ inhibitory inputs of $-gJ$, plus an external Poisson drive at
$\eta$ times the rate that would just bring it to threshold:

$$\nu_{thr} = \frac{V_{th}}{J\, C_E\, \tau_m} \qquad \nu_{ext} = \eta\, \nu_{thr}$$

(the `input` node's rate is $C_E\, \nu_{ext}$: it stands for $C_E$ external neurons). With $g > 4$
inhibition wins over the fourfold more numerous excitatory inputs and the network settles in the
**asynchronous irregular** state (AI): neurons fire irregularly (CV of the ISIs near 1) and
independently. With $g < 4$ excitation wins: the neurons fire at a rate limited only by the
refractory period, in step: **synchronous regular** (SR). Brunel's phase diagram also has
synchronous irregular states with population oscillations (SI, for $g > 4$ at high or low input).

Two statistics tell them apart: the CV of each neuron's intervals (regularity) and the
synchrony $\chi^2 = \mathrm{Var}(A) / \overline{\mathrm{Var}(s_i)}$ of the spike counts in 2 ms bins
(Golomb 2007): 1 when all neurons fire together, about $1/N$ when they are independent.
Here $N_E = 2000$ (Brunel: 10,000) with $J = 0.5$ mV so that $J C_E$ is his. The projection
`inh→exc` carries $-gJ$ onto the excitatory neurons: $g = 5$ is $-2.5$ mV."""
    steps = (
        Step("Weaken inhibition: set the inh→exc weight to -1.5 mV (g = 3). The network locks into synchronous "
             "regular firing (synchrony χ² above 0.15)", "inh→exc", "weight",
             Condition("chi", "exc", 0.15, None, 500.0), -1.5),
        Step("Bring inhibition back: inh→exc weight -2.5 mV (g = 5). Asynchronous irregular again (CV above 0.9)",
             "inh→exc", "weight", Condition("cv", "exc", 0.9, None, 500.0), -2.5),
        Step("Double the external drive (input rate 8000 Hz, eta = 4): the irregular neurons fire faster "
             "(rate above 70 Hz) and stay irregular", "input", "rate", Condition("rate", "exc", 70.0, None, 500.0),
             brunel_rate(4.0)),
    )
    return Lesson("balanced_network", "The balanced E/I network", "Brunel (2000): synchronous-regular and "
                  "asynchronous-irregular states, by g and the input rate", COURSE, 8, text, steps, network)


SYNFIRE_GROUPS, SYNFIRE_WIDTH, PACKET_PERIOD, PACKET_SPAN = 6, 100, 200.0, 10_000.0
SYNFIRE_NEURON = {**LIF, "tau_syn_ex": 2.0, "tau_syn_in": 2.0}


def pulse_packets(first_ms: float, sigma_ms: float, seed: int) -> list[list[float]]:
    """One train per packet neuron: a spike in every packet (every PACKET_PERIOD ms from
    first_ms, for PACKET_SPAN ms), at the packet's centre plus a Gaussian jitter of sigma_ms."""
    rng = np.random.default_rng(seed)
    centres = np.arange(first_ms, PACKET_SPAN, PACKET_PERIOD)
    jittered = centres + sigma_ms * rng.standard_normal((SYNFIRE_WIDTH, centres.size))
    return [sorted(round(float(max(t, 0.1)), 1) for t in train) for train in jittered]


def synfire_chain() -> Lesson:
    groups = tuple(Population(f"group {k}", "iaf_psc_alpha", SYNFIRE_WIDTH, params=SYNFIRE_NEURON,
                              record=Recording(spikes=True),
                              position=(300 + 170 * ((k - 1) % 3), 60 + 200 * ((k - 1) // 3)))
                   for k in range(1, SYNFIRE_GROUPS + 1))
    sources = (
        Population("sharp packet", "spike_generator", SYNFIRE_WIDTH, position=(40, 40),
                   params={"spike_times": pulse_packets(50.0, 0.5, seed=1)}),
        Population("wide packet", "spike_generator", SYNFIRE_WIDTH, position=(40, 200),
                   params={"spike_times": pulse_packets(150.0, 5.0, seed=2)}),
        Population("background", "noise_generator", 1, params={"mean": 250.0, "std": 60.0, "dt": 1.0},
                   position=(40, 360)),
    )
    links = tuple(Projection(f"group {k}", f"group {k + 1}", weight=5.0, delay=2.0) for k in range(1, SYNFIRE_GROUPS))
    inputs = (Projection("sharp packet", "group 1", weight=5.0, delay=1.0),
              Projection("wide packet", "group 1", weight=5.0, delay=1.0))
    noise = tuple(Projection("background", group.name, weight=1.0, delay=0.1) for group in groups)
    network = Network(name="synfire_chain", t_sim=2000.0, populations=groups + sources,
                      projections=links + inputs + noise,
                      description="A chain of 6 groups of 100 LIF neurons, each group all-to-all onto the next, "
                                  "fed alternately a sharp and a wide pulse packet.")
    text = r"""A synfire chain (Abeles 1991) is a sequence of groups of neurons, each group connected to
all neurons of the next. Diesmann, Gewaltig & Aertsen (1999) asked when a volley of spikes, a
**pulse packet** of $a$ spikes spread in time by $\sigma$, travels down such a chain. Each group
answers the packet with a packet of its own $(a', \sigma')$, and the map
$(a, \sigma) \mapsto (a', \sigma')$ has two attractors: a strong, sharp packet converges to
$a' \approx$ the group size with $\sigma' \approx 0.5$ ms and **propagates**; a weak or wide one
shrinks from group to group and **dies**. The border between the two is sharp.

Here every neuron sits about 10 mV below threshold with background noise (the `background`
node), and receives the 100 neurons of the group before through PSPs of about 0.2 mV: only
input that arrives together adds up to the 15 mV to threshold. Two packets of 100 spikes
alternate every 100 ms (for 10 s; "Reset lesson" starts them again): the **sharp** one
($\sigma = 0.5$ ms) and the **wide** one ($\sigma = 5$ ms). Watch the raster: which reaches group 6?

The weight of `sharp packet→group 1` scales the packet's size: half the weight is like half the
spikes (each PSP half as large)."""
    steps = (
        rate_step("Shrink the sharp packet: lower the weight of sharp packet→group 1 from 5 to 4 pA. Now it dies "
                  "on its way too (group 6 at most 0.5 Hz)", "sharp packet→group 1", "weight", "group 6", 4.0,
                  high=0.5, window_ms=1000.0),
        rate_step("Enlarge the wide packet: raise the weight of wide packet→group 1 to 7 pA until even the wide "
                  "packet gets through (group 6 at 4 Hz or more)", "wide packet→group 1", "weight", "group 6", 7.0,
                  low=4.0, window_ms=1000.0),
    )
    return Lesson("synfire_chain", "A synfire chain", "Diesmann et al. (1999): a pulse packet propagates or dies "
                  "with its size and spread", COURSE, 9, text, steps, network)


WTA_NEURON = {**LIF, "tau_syn_ex": 2.0, "tau_syn_in": 2.0}


def winner_take_all() -> Lesson:
    spikes = Recording(spikes=True)
    populations = (
        Population("A", "iaf_psc_exp", 40, params=WTA_NEURON, record=spikes, position=(320, 40)),
        Population("B", "iaf_psc_exp", 40, params=WTA_NEURON, record=spikes, position=(320, 300)),
        Population("inh", "iaf_psc_exp", 20, params=WTA_NEURON, record=spikes, position=(560, 170)),
        Population("input A", "poisson_generator", 1, params={"rate": 12000.0}, position=(40, 40)),
        Population("input B", "poisson_generator", 1, params={"rate": 11000.0}, position=(40, 300)),
    )
    half = Connectivity("pairwise_bernoulli", p=0.5)
    projections = (
        Projection("input A", "A", weight=20.0, delay=1.0), Projection("input B", "B", weight=20.0, delay=1.0),
        Projection("A", "A", weight=100.0, delay=1.0), Projection("B", "B", weight=100.0, delay=1.0),
        Projection("A", "inh", rule=half, weight=250.0, delay=1.0),
        Projection("B", "inh", rule=half, weight=250.0, delay=1.0),
        Projection("inh", "A", weight=-1500.0, delay=1.0), Projection("inh", "B", weight=-1500.0, delay=1.0),
    )
    network = Network(name="winner_take_all", t_sim=2000.0, populations=populations, projections=projections,
                      description="Two excitatory groups that excite themselves and share one inhibitory pool.")
    text = r"""Two groups of neurons, A and B, each excite themselves and both drive a shared pool of
inhibitory neurons that inhibits them both. The group with the stronger input fires first,
recruits the inhibition, and the inhibition silences the other: **winner-take-all** (Amari &
Arbib 1977; Coultrip, Granger & Lynch 1992). A's input is 12 kHz of Poisson spikes of 20 pA,
B's 11 kHz: a difference of 8 %, and B is silent.

In rate terms, with $f$ the neurons' f-I curve, $w_{EE}$ the self-excitation and $w_{IE}$ the
inhibition,

$$r_A = f(I_A + w_{EE} r_A - w_{IE} r_I) \qquad r_B = f(I_B + w_{EE} r_B - w_{IE} r_I)$$

and the inhibitory rate $r_I$ grows with $r_A + r_B$: once the winner's activity drives $r_I$
high enough, the loser's net input falls below threshold, and stays there while the winner
keeps it so. Watch the raster: one group fires, the other is silent."""
    steps = (
        rate_step("Raise B's input rate (node 'input B') until B wins the competition (B fires at 15 Hz or more)",
                  "input B", "rate", "B", 14000.0, low=15.0),
        rate_step("Now A lost. Weaken the inhibition onto A (inh→A weight up towards 0) until A fires again "
                  "(20 Hz or more) beside B", "inh→A", "weight", "A", -100.0, low=20.0),
    )
    return Lesson("winner_take_all", "Winner-take-all", "Two groups compete through shared lateral inhibition",
                  COURSE, 10, text, steps, network)


LESSONS = (lif_neuron, synapses, short_term_plasticity, hodgkin_huxley,
           izhikevich_patterns, adex_patterns, spike_encoding, balanced_network, synfire_chain,
           winner_take_all, *CIRCUIT_LESSONS)

if __name__ == "__main__":
    HERE.mkdir(parents=True, exist_ok=True)
    for make in LESSONS:
        lesson = make()
        save_lesson(lesson, HERE / f"{lesson.name}.json")
        print("wrote", lesson.name)
