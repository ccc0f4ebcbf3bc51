"""Lessons 11-16 of the course (circuits, learning, energy), written by scripts/make_lessons.py.

Each step's solution is checked by tests/io/test_lessons_circuits.py the way the app checks
it: in one running simulation, the condition measured over the window after the change.
"""
from __future__ import annotations

from engine import Connectivity, Distribution, Network, Population, Projection, Recording
from engine.io import Condition, Lesson, Step
from engine.io.lessons import LESION
from engine.model.patterns import pattern_in_noise

COURSE = "Circuits and learning"
SPIKES = Recording(spikes=True)
LIF = {"E_L": -70.0, "C_m": 250.0, "tau_m": 20.0, "t_ref": 2.0, "V_th": -50.0, "V_reset": -60.0}


def _step(title: str, target: str, field: str, solution: float, statistic: str, low: float | None = None,
          high: float | None = None, window_ms: float = 1000.0, **subject) -> Step:
    return Step(title, target, field, Condition(statistic, min=low, max=high, window_ms=window_ms, **subject), solution)


def _lesion_step(title: str, lesion: str, fraction: float, population: str, low: float | None = None,
                 high: float | None = None, window_ms: float = 1000.0) -> Step:
    """Lesion `fraction` of `lesion`'s neurons; the change (%) of `population`'s survivors' rate in [low, high]."""
    condition = Condition("survivor_rate_change", population, min=low, max=high, window_ms=window_ms,
                          lesion=lesion, lesioned_min=fraction)
    return Step(title, lesion, LESION, condition, fraction)


def half_centre_network() -> Network:
    """Two populations with self-limiting (adaptive-threshold) neurons, each driven by noise."""
    adapting = {**LIF, "tau_m": 10.0, "theta_plus": 2.0, "tau_theta": 400.0}
    indegree = Connectivity("fixed_indegree", indegree=20)
    return Network(
        name="half_centre", t_sim=60000.0, seed=13,
        description="A half-centre oscillator: two populations of adapting neurons that can inhibit each other.",
        populations=(
            Population("drive", "poisson_generator", 1, params={"rate": 6000.0}, position=(40, 180)),
            Population("left", "iaf_psc_exp_adaptive", 50, params=adapting, record=SPIKES, position=(300, 60)),
            Population("right", "iaf_psc_exp_adaptive", 50, params=adapting, record=SPIKES, position=(300, 300)),
        ),
        projections=(
            Projection("drive", "left", weight=60.0, delay=1.0),
            Projection("drive", "right", weight=60.0, delay=1.0),
            Projection("left", "right", indegree, weight=-20.0, delay=1.0),
            Projection("right", "left", indegree, weight=-20.0, delay=1.0),
        ),
    )


def half_centre() -> Lesson:
    text = r"""Walking, swimming and breathing are rhythms made by **central pattern generators**:
circuits in the spinal cord and brainstem that alternate without any rhythmic input. Graham
Brown (1911) proposed the simplest one, the **half-centre oscillator**: two groups of neurons
(flexor and extensor) that inhibit each other. Alone, mutual inhibition only picks a winner;
the rhythm needs something that makes the winner tire. Here it is an adaptive threshold: every
spike raises the neuron's threshold by $\theta_+$, which decays with $\tau_\theta$,

$$\tau_\theta \frac{d\theta}{dt} = -\theta, \qquad \theta \leftarrow \theta + \theta_+ \text{ at each spike}$$

so the active side slows down until the suppressed side escapes and takes over ("release",
Wang & Rinzel 1992; the adaptation-based half-centre of Matsuoka 1985). The period grows
with $\tau_\theta$ and with the strength of the inhibition.

The app measures **alternation**: minus the correlation of the two populations' spike counts
in 20 ms bins (1: perfect antiphase, 0: unrelated) and the **rate contrast**
$(r_{left} - r_{right}) / (r_{left} + r_{right})$.

Press **Run**: both sides fire at once, the weak inhibition between them changes little.
Select the edges between `left` and `right` to change their weights. A rhythm needs a
balance: the inhibition must be able to silence the other side, which too strong a drive
overrides (in the spinal cord, the descending drive sets the gait's speed only within a range)."""
    steps = (
        _step("Make left inhibit right strongly (weight of left→right about -400 pA): left gets the upper hand",
              "left→right", "weight", -400.0, "contrast", low=0.2, window_ms=2000.0, population="left", other="right"),
        _step("Now let right inhibit left as strongly (right→left): the two sides take turns", "right→left", "weight",
              -400.0, "alternation", low=0.8, window_ms=2000.0, population="left", other="right"),
        _step("Flood both sides with drive (raise the drive's rate to 40000 Hz): inhibition no longer silences "
              "the other side and the rhythm breaks", "drive", "rate", 40000.0, "alternation", high=0.4,
              window_ms=2000.0, population="left", other="right"),
    )
    return Lesson("half_centre", "A half-centre oscillator", "Two populations that inhibit each other take turns",
                  COURSE, 13, text, steps, half_centre_network())




CUE_EVERY_MS, CUE_MS, CUE_HZ = 3000.0, 100.0, 400.0


def cue_schedule(t_sim: float, first_ms: float = 500.0) -> dict:
    """An inhomogeneous Poisson schedule: CUE_HZ for CUE_MS every CUE_EVERY_MS, silent between."""
    times, values, onset = [], [], first_ms
    while onset + CUE_MS < t_sim:
        times += [onset, onset + CUE_MS]
        values += [CUE_HZ, 0.0]
        onset += CUE_EVERY_MS
    return {"rate_times": times, "rate_values": values}


def working_memory_network(t_sim: float = 120000.0) -> Network:
    """Recurrently coupled excitatory neurons with slow synapses, background noise, a repeating
    brief cue and an inhibitory 'erase' input (off at first)."""
    slow = {**LIF, "tau_syn_ex": 10.0, "tau_syn_in": 5.0}
    return Network(
        name="working_memory", t_sim=t_sim, seed=12,
        description="Working memory: recurrent excitation holds a brief cue as persistent activity.",
        populations=(
            Population("cue", "inhomogeneous_poisson_generator", 1, params=cue_schedule(t_sim), position=(40, 60)),
            Population("noise", "poisson_generator", 1, params={"rate": 5000.0}, position=(40, 200)),
            Population("erase", "poisson_generator", 1, params={"rate": 0.0}, position=(40, 340)),
            Population("memory", "iaf_psc_exp", 100, params=slow, record=SPIKES, position=(340, 200)),
        ),
        projections=(
            Projection("cue", "memory", weight=60.0, delay=1.0),
            Projection("noise", "memory", weight=3.6, delay=1.0),
            Projection("erase", "memory", weight=-50.0, delay=1.0),
            Projection("memory", "memory", Connectivity("fixed_indegree", indegree=50, allow_autapses=False),
                       weight=3.0, delay=2.0),
        ),
    )


def working_memory() -> Lesson:
    onsets = ", ".join(f"{0.5 + k * CUE_EVERY_MS / 1000:g}" for k in range(3))
    text = rf"""To remember a phone number for a few seconds, neurons in prefrontal cortex keep firing
after the number is gone (Fuster & Alexander 1971; Funahashi et al. 1989). A classic explanation is
**attractor dynamics** (Amit & Brunel 1997; Wang 2001): a population that excites itself strongly
enough has two stable states, silent and active. A brief cue kicks it from one to the other, and
recurrent excitation keeps it there,

$$\tau_m \frac{{dV_i}}{{dt}} = -(V_i - E_L) + \frac{{\tau_m}}{{C_m}}\Big(I_{{noise}} + \sum_j w\, s_j(t)\Big)$$

where $s_j$ is the synaptic current of neuron $j$ (slow, $\tau_{{syn}} = 10$ ms, as NMDA-like
synapses make persistent activity stable; Wang 1999). The active state needs enough gain: with $K$
inputs per neuron firing at rate $r$, the recurrent current is about $K w r \tau_{{syn}}$, and it must
carry the neurons above threshold on its own.

Here `memory` (100 neurons, 50 recurrent inputs each) gets background `noise` and a `cue`: a
100 ms burst every {CUE_EVERY_MS / 1000:g} s (at {onsets}, ... s). Press **Run**: with weak recurrent
weights the population answers each cue and falls silent again. (Without inhibition the active
state here fires fast, about 130 Hz; in cortex, inhibitory neurons hold it near 20-40 Hz: Compte et
al. 2000.)"""
    steps = (
        _step("Strengthen the recurrent weight memory→memory (to about 7 pA) until the activity outlasts the cue",
              "memory→memory", "weight", 7.0, "rate", low=20.0, window_ms=2000.0, population="memory"),
        _step("A memory must also be cleared: raise the rate of the inhibitory 'erase' input (to 2000 Hz)",
              "erase", "rate", 2000.0, "rate", high=2.0, window_ms=2000.0, population="memory"),
        _step("Switch 'erase' off again (rate 0): the next cue is stored and held", "erase", "rate", 0.0, "rate",
              low=20.0, window_ms=2000.0, population="memory"),
    )
    return Lesson("working_memory", "Working memory", "Persistent activity holds a cue after it is gone",
                  COURSE, 12, text, steps, working_memory_network())


TRIAL_MS, RESET_MS = 1500.0, 200.0
SELF_W, INH_W = 7.0, -20.0
EVIDENCE_HZ = 1500.0  # each choice's input rate at zero coherence


def trial_resets(t_sim: float) -> dict:
    """A strong inhibitory pulse at the start of every trial ends the last decision."""
    times, values, onset = [], [], TRIAL_MS - RESET_MS
    while onset + RESET_MS < t_sim:
        times += [onset, onset + RESET_MS]
        values += [3000.0, 0.0]
        onset += TRIAL_MS
    return {"rate_times": times, "rate_values": values}


def decision_network(rate_a: float = EVIDENCE_HZ, rate_b: float = EVIDENCE_HZ, t_sim: float = 120000.0,
                     seed: int = 11, w_self: float = SELF_W, w_inh: float = INH_W) -> Network:
    """Two excitatory populations A and B that excite themselves and inhibit each other; each gets
    its own evidence, all get background noise, and a reset pulse starts
    each trial (every TRIAL_MS)."""
    slow = {**LIF, "tau_syn_ex": 10.0, "tau_syn_in": 5.0}
    self_rule = Connectivity("fixed_indegree", indegree=50, allow_autapses=False)
    cross_rule = Connectivity("fixed_indegree", indegree=50)
    pops = [Population(name, "iaf_psc_exp", 100, params=slow, record=SPIKES, position=(340, y))
            for name, y in (("A", 60), ("B", 320))]
    return Network(
        name="decision", t_sim=t_sim, seed=seed,
        description="Decision making (after Wang 2002): two populations compete; the one with more evidence tends to win.",
        populations=(
            Population("evidence_A", "poisson_generator", 1, params={"rate": rate_a}, position=(40, 60)),
            Population("evidence_B", "poisson_generator", 1, params={"rate": rate_b}, position=(40, 320)),
            Population("noise", "poisson_generator", 1, params={"rate": 5000.0}, position=(40, 190)),
            Population("reset", "inhomogeneous_poisson_generator", 1, params=trial_resets(t_sim), position=(640, 40)),
            *pops,
        ),
        projections=(
            Projection("evidence_A", "A", weight=3.6, delay=1.0),
            Projection("evidence_B", "B", weight=3.6, delay=1.0),
            Projection("noise", "A", weight=3.6, delay=1.0), Projection("noise", "B", weight=3.6, delay=1.0),
            Projection("reset", "A", weight=-100.0, delay=1.0), Projection("reset", "B", weight=-100.0, delay=1.0),
            Projection("A", "A", self_rule, weight=w_self, delay=2.0),
            Projection("B", "B", self_rule, weight=w_self, delay=2.0),
            # competition: each side inhibits the other (in cortex through interneurons; here directly)
            Projection("A", "B", cross_rule, weight=w_inh, delay=1.0),
            Projection("B", "A", cross_rule, weight=w_inh, delay=1.0),
        ),
    )


def decision() -> Lesson:
    text = rf"""A monkey watches a cloud of moving dots and reports with its eyes whether most move left or
right; the fraction moving coherently (the **coherence** $c$) sets how hard the choice is. Neurons
in parietal cortex (area LIP) ramp up while the evidence accumulates and the choice is made when
one group reaches a threshold (Shadlen & Newsome 2001; Roitman & Shadlen 2002). Wang (2002) showed
that a spiking network explains it: two excitatory populations, one per choice, excite themselves
and inhibit each other, so only one can stay active. Each gets evidence at rate

$$\mu_A = \mu_0 (1 + c), \qquad \mu_B = \mu_0 (1 - c)$$

and the noise decides when the evidence is weak. Harder choices (small $c$) are less accurate and
slower: **accuracy rises and reaction time falls with the evidence**.

Here $\mu_0$ = {EVIDENCE_HZ:g} Hz (the rates of `evidence_A` and `evidence_B`). A `reset` pulse of
inhibition ends each trial, every {TRIAL_MS / 1000:g} s, and a new competition starts. (Wang's model
has NMDA synapses and shared inhibitory neurons; this one keeps the idea with slow 10 ms synapses
and direct inhibition between the two populations.) Press **Run**: at $c = 0$ the winner changes
from trial to trial at random. The steps measure the **rate contrast**
$(r_A - r_B)/(r_A + r_B)$ over five trials: +1 when A always wins, -1 when B does."""
    steps = (
        _step("Give A more evidence: raise evidence_A's rate (to about 1700 Hz) until A wins every trial",
              "evidence_A", "rate", 1700.0, "contrast", low=0.8, window_ms=5 * TRIAL_MS, population="A", other="B"),
        _step("Now make B's evidence the stronger one (evidence_B to about 1900 Hz): B wins every trial",
              "evidence_B", "rate", 1900.0, "contrast", high=-0.8, window_ms=5 * TRIAL_MS, population="A",
              other="B"),
    )
    return Lesson("decision", "Decision making", "Two populations compete; accuracy and reaction time follow the "
                  "evidence", COURSE, 11, text, steps, decision_network())




def energy_network() -> Network:
    """A small balanced E/I network (Brunel 2000 style) driven by Poisson noise."""
    rule_e, rule_i = Connectivity("fixed_indegree", indegree=40), Connectivity("fixed_indegree", indegree=10)
    neuron = {**LIF, "tau_m": 20.0, "V_reset": -60.0}
    return Network(
        name="energy", t_sim=120000.0, seed=16,
        description="Energy of a spiking network: every spike costs synaptic operations.",
        populations=(
            Population("noise", "poisson_generator", 1, params={"rate": 6000.0}, position=(40, 180)),
            Population("exc", "iaf_psc_exp", 400, params=neuron, record=SPIKES, position=(300, 80)),
            Population("inh", "iaf_psc_exp", 100, params=neuron, record=SPIKES, position=(300, 300)),
        ),
        projections=(
            Projection("noise", "exc", weight=20.0, delay=1.0), Projection("noise", "inh", weight=20.0, delay=1.0),
            *(Projection("exc", post, rule_e, weight=20.0, delay=1.5) for post in ("exc", "inh")),
            *(Projection("inh", post, rule_i, weight=-100.0, delay=1.5) for post in ("exc", "inh")),
        ),
    )


def energy() -> Lesson:
    text = r"""A brain runs on about 20 W; a spiking network on neuromorphic hardware spends energy mainly
when something happens: a spike, and the **synaptic operations** (SynOps) it causes, one per
target synapse. NeuroBench (Yik et al. 2025) counts a network's cost so:

$$\text{SynOps} = \sum_{\text{spikes}} \text{fan-out of the spiking neuron}, \qquad
E \approx e_{syn}\,\text{SynOps} + e_{upd}\,\text{neuron updates}$$

with $e_{syn}$ and $e_{upd}$ the energy per event of a chip (Loihi, SpiNNaker, TrueNorth figures
with their sources are in the **Energy** section). The same computation is cheaper when fewer
spikes carry it (**activation sparsity**, $1 - \text{spikes}/(\text{neurons} \times \text{steps})$).

Open the **Energy** section and press **Run**: the table counts this network's spikes and
SynOps per simulated second and what they would cost on each target. Then change the activity and
watch the cost follow it.

**Fault tolerance.** Chips and brains lose parts: a dead core, a stuck synapse, a neuron that dies.
A *balanced* network degrades gracefully: its rate is set by excitation and inhibition cancelling,
so when some excitatory neurons go, the survivors lose input but inhibition drops with it, and
they fire on much as before. Remove the inhibitory neurons instead and nothing holds the
excitation back: the same network is *fragile* there. Try it while the network runs: click a
population on the canvas, and in its **Lesion neurons** box under the inspector set the fraction
and press **Lesion fraction** (the lesioned rows turn grey in the raster; **Revive all** undoes).
Each lesion step compares the survivors' rate over the second before your lesion with the
newest second after it, and shows both. The lesions stay for the steps after them (with
fewer neurons, fewer spikes: watch SynOps/s fall); **Revive all** brings the neurons back."""
    steps = (
        _lesion_step("Lesion 20 % of the excitatory neurons (select exc, fraction 0.2): the survivors' rate "
                     "stays within 25 % of what it was", "exc", 0.2, "exc", low=-25.0, high=25.0),
        _lesion_step("Now lesion half of the inhibitory neurons (select inh, fraction 0.5): the balance breaks "
                     "and the excitatory survivors fire at least 30 % faster", "inh", 0.5, "exc", low=30.0),
        _step("Weaken inhibition (inh→exc weight to about -20 pA): activity, and the energy bill, rise above 15 Hz",
              "inh→exc", "weight", -20.0, "rate", low=15.0, population="exc"),
        _step("Now lower the noise rate (to about 3000 Hz) until the excitatory neurons fire below 5 Hz: "
              "see SynOps/s drop in the Energy section", "noise", "rate", 3000.0, "rate", high=5.0, population="exc"),
    )
    return Lesson("energy", "Energy and fault tolerance", "What a network's spikes would cost on neuromorphic chips",
                  COURSE, 16, text, steps, energy_network())



# after Song, Miller & Abbott (2000): excitatory Poisson inputs at 10 Hz through additive STDP onto one
# conductance-based LIF neuron (their neuron; conductances in nS, their units of g_L times g_L = 12.5 nS),
# inhibitory input as one Poisson train; a group of the inputs shares part of its spikes (their Fig. 5)
G_LEAK = 12.5
STDP_INPUTS, STDP_CORRELATED, STDP_RATE_HZ, STDP_SHARED_HZ = 200, 100, 10.0, 3.0
STDP_WMAX, STDP_INHIBITION_HZ = 0.94, 3000.0
SONG_NEURON = {"C_m": 250.0, "g_L": G_LEAK, "E_L": -70.0, "V_th": -54.0, "V_reset": -60.0, "t_ref": 1.0,
               "E_ex": 0.0, "E_in": -70.0, "tau_syn_ex": 5.0, "tau_syn_in": 5.0}


def stdp_network(learning: float = 0.0, lambda_: float = 0.05, alpha: float = 1.1, t_sim: float = 600000.0) -> Network:
    """STDP_INPUTS Poisson trains (relayed by parrots, so the synapses see presynaptic spikes) onto
    one neuron through additive STDP synapses, weights uniform in [0, Wmax]. The first
    STDP_CORRELATED relays also repeat one shared train: their spikes are correlated."""
    stdp = {"tau_plus": 20.0, "tau_minus": 20.0, "lambda": lambda_, "alpha": alpha, "mu_plus": 0.0, "mu_minus": 0.0,
            "Wmax": STDP_WMAX, "learning": learning}
    group = tuple(range(STDP_CORRELATED))
    return Network(
        name="stdp_weights", t_sim=t_sim, seed=14,
        description="STDP shapes a weight distribution (after Song, Miller & Abbott 2000).",
        populations=(
            Population("inputs", "poisson_generator", 1, params={"rate": STDP_RATE_HZ - STDP_SHARED_HZ},
                       position=(40, 100)),
            Population("shared", "poisson_generator", 1, params={"rate": STDP_SHARED_HZ}, position=(40, 300)),
            Population("shared_train", "parrot_neuron", 1, position=(240, 300)),
            Population("relay", "parrot_neuron", STDP_INPUTS, record=SPIKES, position=(440, 180)),
            Population("inhibition", "poisson_generator", 1, params={"rate": STDP_INHIBITION_HZ}, position=(440, 380)),
            Population("neuron", "iaf_cond_exp", 1, params=SONG_NEURON, record=Recording(spikes=True, traces=(0,)),
                       position=(680, 180)),
        ),
        projections=(
            Projection("inputs", "relay", weight=1.0, delay=0.1),
            Projection("shared", "shared_train", weight=1.0, delay=0.1),
            Projection("shared_train", "relay", Connectivity("explicit", pre_indices=(0,) * len(group),
                                                             post_indices=group), weight=1.0, delay=0.1),
            Projection("relay", "neuron", weight=Distribution("uniform", {"low": 0.0, "high": STDP_WMAX}), delay=1.0,
                       synapse="stdp_synapse", synapse_params=stdp),
            Projection("inhibition", "neuron", weight=-0.05 * G_LEAK, delay=1.0),
        ),
    )



def stdp_weights() -> Lesson:
    text = rf"""**Spike-timing dependent plasticity** (STDP; Markram et al. 1997, Bi & Poo 1998) changes a
synapse by the timing of its spikes: an input spike shortly *before* an output spike strengthens it,
one shortly *after* weakens it. With $\Delta t = t_{{post}} - t_{{pre}}$, the pair-based additive rule is

$$\Delta w = \begin{{cases}} \lambda\, W_{{max}}\, e^{{-\Delta t/\tau_+}} & \Delta t > 0 \\
-\alpha\, \lambda\, W_{{max}}\, e^{{\Delta t/\tau_-}} & \Delta t < 0 \end{{cases}}, \qquad 0 \le w \le W_{{max}}$$

Song, Miller & Abbott (2000) showed that with slightly stronger depression ($\alpha > 1$) the rule
makes synapses **compete**: the inputs that help the neuron fire are strengthened, which makes them
help even more, the others are weakened, and the weights are pushed to the two bounds, a **bimodal**
distribution. Inputs that fire together (correlated) win the competition (their Fig. 5).

Here {STDP_INPUTS} inputs fire at {STDP_RATE_HZ:g} Hz onto one neuron (their neuron model: $\tau_m$ = 20 ms,
conductance synapses, inhibitory background); the first {STDP_CORRELATED} also share a
{STDP_SHARED_HZ:g} Hz train of common spikes. Weights start uniform in $[0, W_{{max}}]$ and learning is
**off**. Watch the **Plastic weights** histogram; the steps measure Sarle's **bimodality coefficient**
$b = (g^2 + 1)/(k + 3)$ ($g$ skewness, $k$ excess kurtosis; $5/9$ for a uniform distribution, towards
1 for two peaks). The learning rate here, $\lambda$ = 0.05, is ten times the paper's, so that it
happens in seconds rather than minutes."""
    proj = "relay→neuron"
    steps = (
        _step("Switch learning on (learning = 1 on relay→neuron) and watch the weights split to the two bounds",
              proj, "learning", 1.0, "bimodality", low=0.65, window_ms=5000.0, projection=proj),
        _step("Switch the shared train off (shared: rate 0): the neuron hardly fires, it learned to detect the "
              "correlated group's coincidences", "shared", "rate", 0.0, "rate", high=5.0, window_ms=5000.0,
              population="neuron"),
        _step(f"Switch it on again (rate {STDP_SHARED_HZ:g} Hz): the neuron answers its group", "shared", "rate",
              STDP_SHARED_HZ, "rate", low=10.0, window_ms=5000.0, population="neuron"),
    )
    return Lesson("stdp_weights", "STDP shapes the weights", "Competing synapses become bimodal (Song, Miller & "
                  "Abbott 2000)", COURSE, 14, text, steps, stdp_network())


# Masquelier, Guyonneau & Thorpe (2008), scaled down: a 50 ms pattern in PATTERN_INPUTS Poisson trains
PATTERN_INPUTS, PATTERN_RATE_HZ, PATTERN_MS, PATTERN_EVERY_MS, PATTERN_T_MS = 400, 10.0, 50.0, 250.0, 40000.0
# the paper's STDP time constants and learning rate (2^-5); depression weaker than its 0.85 (our neuron
# is an LIF, not their SRM neuron: at 0.85 the weights collapsed before the pattern was found)
PATTERN_STDP = {"tau_plus": 16.8, "tau_minus": 33.7, "lambda": 0.03, "alpha": 0.6, "mu_plus": 0.0, "mu_minus": 0.0}
PATTERN_W0, PATTERN_WMAX, PATTERN_NEURON = 0.25, 100.0, {**LIF, "tau_m": 10.0, "tau_syn_ex": 5.0}


def pattern_network(learning: float = 0.0) -> tuple[Network, list[float]]:
    """The trains (a spike_generator, relayed by parrots so the synapses see presynaptic spikes)
    onto one neuron through additive STDP; returns the network and the pattern's onsets (ms)."""
    trains, onsets = pattern_in_noise(PATTERN_INPUTS, PATTERN_T_MS, rate_hz=PATTERN_RATE_HZ, pattern_ms=PATTERN_MS,
                                      pattern_every_ms=PATTERN_EVERY_MS, seed=15)
    stdp = {**PATTERN_STDP, "Wmax": PATTERN_WMAX, "learning": learning}
    network = Network(
        name="pattern_in_noise", t_sim=PATTERN_T_MS, seed=15,
        description="STDP finds a repeating pattern hidden in noise (Masquelier, Guyonneau & Thorpe 2008).",
        populations=(
            Population("inputs", "spike_generator", PATTERN_INPUTS, params={"spike_times": trains}, position=(40, 180)),
            Population("relay", "parrot_neuron", PATTERN_INPUTS, record=SPIKES, position=(260, 180)),
            Population("neuron", "iaf_psc_exp", 1, params=PATTERN_NEURON, record=Recording(spikes=True, traces=(0,)),
                       position=(520, 180)),
        ),
        projections=(
            Projection("inputs", "relay", Connectivity("one_to_one"), weight=1.0, delay=0.1),
            Projection("relay", "neuron", weight=PATTERN_W0 * PATTERN_WMAX, delay=1.0, synapse="stdp_synapse",
                       synapse_params=stdp),
        ),
    )
    return network, onsets



def pattern_lesson() -> Lesson:
    network, onsets = pattern_network()
    text = rf"""Can a neuron find a pattern nobody told it about? Masquelier, Guyonneau & Thorpe (2008) hid a
50 ms spatio-temporal spike pattern in the noise of many inputs: every input fires as a Poisson
process, and now and then the same 50 ms of all inputs' activity is pasted in again. The rate never
changes, only the timing repeats. A single neuron with STDP learns it without supervision: the inputs
that fire just before its spikes during the pattern are strengthened, so it fires a little earlier
in the next presentation, and so on, until it fires within a few ms of the pattern's start. The
**latency to the pattern** shrinks as the neuron learns,

$$\text{{latency}} = \frac{{1}}{{n}} \sum_{{k=1}}^{{n}} \min\{{t_{{spike}} - t_k : t_k < t_{{spike}} < t_k + {PATTERN_MS:g}\text{{ ms}}\}}$$

over the $n$ presentations $t_k$ of the last seconds (a presentation without a spike counts {PATTERN_MS:g} ms).

Here {PATTERN_INPUTS} inputs fire at {PATTERN_RATE_HZ:g} Hz and the pattern returns every
{PATTERN_EVERY_MS:g} ms on average ({len(onsets)} times in {PATTERN_T_MS / 1000:g} s: the inputs' spike
trains end then). STDP uses the paper's time constants ($\tau_+$ = 16.8 ms, $\tau_-$ = 33.7 ms) and
learning rate ($\lambda = 2^{{-5}}$); learning is **off** at first. Press **Run** and look at the
`neuron`'s spikes in the raster: they fall anywhere."""
    proj = "relay→neuron"
    pattern = {"population": "neuron", "onsets_ms": tuple(onsets), "pattern_ms": PATTERN_MS}
    steps = (
        _step("Switch learning on (learning = 1 on relay→neuron) and wait: the latency to the pattern drops "
              "below 10 ms", proj, "learning", 1.0, "pattern_latency", high=10.0, window_ms=2500.0, **pattern),
        _step("Lower the neuron's threshold V_th to -57 mV: the pattern is met even sooner, but now the noise "
              "alone makes it fire (above 60 Hz): a detector needs a threshold only the learned pattern reaches",
              "neuron", "V_th", -57.0, "rate", low=60.0, window_ms=2500.0, population="neuron"),
    )
    return Lesson("pattern_in_noise", "A pattern found in noise", "STDP finds a repeating spike pattern; the "
                  "latency shrinks (Masquelier et al. 2008)", COURSE, 15, text, steps, network)


LESSONS = (decision, working_memory, half_centre, stdp_weights, pattern_lesson, energy)
