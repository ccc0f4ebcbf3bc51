"""Writes the built-in lessons in assets/lessons/ (run after changing one; commit the JSON).

Each lesson's step solutions are checked by tests/io/test_lessons.py: met after the change a
step asks for, not met before it.
"""
from pathlib import Path

from engine import Network, Population, Projection, Recording
from engine.io import Condition, Lesson, Step, save_lesson
from lessons_circuits import LESSONS as CIRCUIT_LESSONS

HERE = Path(__file__).resolve().parent.parent / "assets" / "lessons"
COURSE = "From one neuron to networks"
LIF = {"E_L": -70.0, "C_m": 250.0, "tau_m": 10.0, "t_ref": 2.0, "V_th": -55.0, "V_reset": -70.0}
TRACE = Recording(spikes=True, traces=(0,), variables=("V_m",))


def rate_step(title: str, target: str, field: str, population: str, solution: float, low: float | None = None,
              high: float | None = None, window_ms: float = 500.0) -> Step:
    return Step(title, target, field, Condition("rate", population, low, high, window_ms), solution)


def neuron_under_dc(name: str, model: str, params: dict, description: str) -> Network:
    """One neuron ('neuron') driven by a 300 pA DC generator ('current')."""
    return Network(
        name=name, t_sim=2000.0, description=description,
        populations=(
            Population("neuron", model, 1, params=params, record=TRACE, position=(360, 160)),
            Population("current", "dc_generator", 1, params={"amplitude": 300.0}, position=(60, 160)),
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
`current` node and move its `amplitude`."""
    steps = (
        rate_step("Raise the current's amplitude just above the rheobase until the neuron fires", "current",
                  "amplitude", "neuron", 376.0, low=1.0),
        rate_step("Make it fire between 20 and 40 Hz", "current", "amplitude", "neuron", 400.0, low=20.0, high=40.0),
        rate_step("Lengthen the neuron's refractory period t_ref until the rate falls below 20 Hz", "neuron", "t_ref",
                  "neuron", 30.0, low=5.0, high=20.0),
    )
    return Lesson("lif_neuron", "One LIF neuron under DC", "Threshold, reset, refractoriness and the f-I curve",
                  COURSE, 1, text, steps, network)


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

$$C_m \frac{dV}{dt} = -g_{Na} m^3 h (V - E_{Na}) - g_K n^4 (V - E_K) - g_L (V - E_L) + I$$

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


LESSONS = (lif_neuron, synapses, short_term_plasticity, hodgkin_huxley, *CIRCUIT_LESSONS)

if __name__ == "__main__":
    HERE.mkdir(parents=True, exist_ok=True)
    for make in LESSONS:
        lesson = make()
        save_lesson(lesson, HERE / f"{lesson.name}.json")
        print("wrote", lesson.name)
