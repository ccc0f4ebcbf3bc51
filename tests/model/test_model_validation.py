"""Every model and network object refuses bad input with a message naming the object and field."""
import math

import pytest

from engine import (
    MODELS, Connectivity, Distribution, Network, Population, Projection, Recording, ValidationError, get_model,
)

NEURON_MODELS = sorted(name for name, model in MODELS.items() if model.category == "neuron")
LIF_MODELS = ["iaf_psc_delta", "iaf_psc_exp", "iaf_psc_alpha"]
SCALAR_PARAMETERS = [(model, param) for model in sorted(MODELS) for param in MODELS[model].parameters]


def lif(name="exc", size=10, model="iaf_psc_delta", **kw):
    return Population(name, model, size, **kw)


# -- parameters of every model --------------------------------------------------------------------

def test_every_model_builds_with_its_defaults():
    for name, model in MODELS.items():
        pop = Population("p", name, 3)
        assert set(pop.params) == set(model.parameters) | set(model.extra_parameters())
        for param, quantity in model.parameters.items():
            assert pop.params[param] == quantity.default


@pytest.mark.parametrize("model,param", SCALAR_PARAMETERS)
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_parameter_is_refused_naming_population_and_parameter(model, param, bad):
    with pytest.raises(ValidationError, match=rf"population 'p': parameter '{param}' must be a finite number"):
        Population("p", model, 1, params={param: bad})


@pytest.mark.parametrize("model,param", SCALAR_PARAMETERS)
@pytest.mark.parametrize("bad", ["1.0", True, [1.0]])
def test_non_number_parameter_is_refused(model, param, bad):
    # two neurons: a list of one value is not one value per neuron either
    with pytest.raises(ValidationError, match=rf"population 'p': parameter '{param}' must be a number"):
        Population("p", model, 2, params={param: bad})


@pytest.mark.parametrize("model,param,value,expected", [
    ("iaf_psc_delta", "tau_m", 0.0, r"'tau_m' must be > 0 ms, got 0"),
    ("iaf_psc_exp", "C_m", -250.0, r"'C_m' must be > 0 pF, got -250"),
    ("iaf_psc_alpha", "tau_syn_ex", 0.0, r"'tau_syn_ex' must be > 0 ms"),
    ("iaf_psc_exp", "tau_syn_in", -1.0, r"'tau_syn_in' must be > 0 ms"),
    ("iaf_psc_delta", "t_ref", -0.5, r"'t_ref' must be >= 0 ms, got -0.5"),
    ("poisson_generator", "rate", -10.0, r"'rate' must be >= 0 Hz, got -10"),
    ("dc_generator", "start", -1.0, r"'start' must be >= 0 ms"),
    ("spike_generator", "stop", -1.0, r"'stop' must be >= 0 ms"),
])
def test_out_of_bounds_parameter_names_the_bound_and_unit(model, param, value, expected):
    with pytest.raises(ValidationError, match=rf"population 'p': parameter {expected}"):
        Population("p", model, 1, params={param: value})


def test_zero_refractory_time_and_zero_rate_are_allowed():
    assert Population("p", "iaf_psc_delta", 1, params={"t_ref": 0.0}).params["t_ref"] == 0.0
    assert Population("g", "poisson_generator", 1, params={"rate": 0.0}).params["rate"] == 0.0


@pytest.mark.parametrize("model", LIF_MODELS)
@pytest.mark.parametrize("v_reset", [-55.0, -50.0])
def test_reset_at_or_above_threshold_is_refused(model, v_reset):
    with pytest.raises(ValidationError, match=r"population 'p': parameter 'V_reset' \(-5\d mV\) must be below V_th \(-55 mV\)"):
        Population("p", model, 1, params={"V_th": -55.0, "V_reset": v_reset})


@pytest.mark.parametrize("model", ["poisson_generator", "dc_generator", "spike_generator"])
def test_device_stop_before_start_is_refused(model):
    with pytest.raises(ValidationError, match=r"population 'gen': parameter 'stop' \(50 ms\) must not be before start \(100 ms\)"):
        Population("gen", model, 1, params={"start": 100.0, "stop": 50.0})


def test_device_stop_may_be_empty_meaning_never():
    assert Population("gen", "dc_generator", 1, params={"stop": None}).params["stop"] is None
    with pytest.raises(ValidationError, match=r"population 'n': parameter 'tau_m' must be a number, got nothing"):
        Population("n", "iaf_psc_delta", 1, params={"tau_m": None})


def test_unknown_parameter_lists_the_known_ones():
    with pytest.raises(ValidationError, match=r"population 'exc': unknown parameter 'tau_syn' for model iaf_psc_delta "
                                              r"\(known: E_L, C_m, tau_m, t_ref, V_th, V_reset, I_e\)"):
        lif(params={"tau_syn": 2.0})


@pytest.mark.parametrize("typo,suggestion", [
    ("iaf_psc_alfa", "iaf_psc_alpha"),
    ("iaf_psc_exp2", "iaf_psc_exp"),
    ("poisson_gen", "poisson_generator"),
    ("parrot", "parrot_neuron"),
    ("spike_generater", "spike_generator"),
])
def test_unknown_model_suggests_the_closest_name(typo, suggestion):
    with pytest.raises(ValidationError, match=rf"population 'p': unknown model '{typo}' \(did you mean '{suggestion}'\?\)"):
        Population("p", typo, 1)


def test_unknown_model_without_a_close_name_lists_all_models():
    with pytest.raises(ValidationError, match=r"unknown model 'hodgkin_huxley' \(known: iaf_psc_delta, .*parrot_neuron"):
        get_model("hodgkin_huxley")


def test_model_must_be_a_name():
    with pytest.raises(ValidationError, match=r"population 'p': model must be a model name, got 3"):
        Population("p", 3, 1)


# -- population size, state, recording -------------------------------------------------------------

@pytest.mark.parametrize("size,expected", [
    (-5, r"size must be at least 1, got -5"),
    (0, r"size must be at least 1, got 0"),
    (2.5, r"size must be a whole number, got 2.5"),
    (True, r"size must be a whole number, got True"),
    ("10", r"size must be a whole number, got '10'"),
])
def test_bad_size_is_refused(size, expected):
    with pytest.raises(ValidationError, match=rf"population 'exc': {expected}"):
        lif(size=size)


def test_whole_float_size_becomes_an_int():
    assert lif(size=10.0).size == 10 and isinstance(lif(size=10.0).size, int)


@pytest.mark.parametrize("name", ["", "   ", None, 7])
def test_population_needs_a_name(name):
    with pytest.raises(ValidationError, match=r"population: name must be a non-empty text"):
        Population(name, "iaf_psc_delta", 1)


def test_overlong_name_is_refused():
    with pytest.raises(ValidationError, match=r"population 'aaaaaaaaaaaaaaaaaaaa…': name is longer than 100 characters"):
        Population("a" * 101, "iaf_psc_delta", 1)


def test_initial_state_is_checked():
    with pytest.raises(ValidationError, match=r"population 'exc': unknown state variable 'I_syn' in initial"):
        lif(initial={"I_syn": 0.0})
    with pytest.raises(ValidationError, match=r"population 'exc': initial 'V_m' must be a finite number, got nan"):
        lif(initial={"V_m": math.nan})
    uniform = Distribution("uniform", {"low": -70.0, "high": -55.0})
    assert lif(initial={"V_m": uniform}).initial["V_m"] == uniform


def test_recording_is_checked_against_the_population():
    with pytest.raises(ValidationError, match=r"population 'exc': recording: trace neuron 10 is outside 0..9"):
        lif(record=Recording(traces=(0, 10)))
    with pytest.raises(ValidationError, match=r"population 'exc': recording: model iaf_psc_delta cannot record 'I_syn_ex'"):
        lif(record=Recording(traces=(0,), variables=("V_m", "I_syn_ex")))
    with pytest.raises(ValidationError, match=r"recording: trace neuron -1 must be an index >= 0"):
        Recording(traces=(-1,))
    with pytest.raises(ValidationError, match=r"recording: 'spikes' must be true or false"):
        Recording(spikes=1)
    assert lif(model="iaf_psc_exp", record=Recording(traces=(3, 3, 1), variables=("I_syn_ex",))).record.traces == (3, 1)


def test_position_must_be_finite():
    with pytest.raises(ValidationError, match=r"population 'exc': position y must be a finite number, got inf"):
        lif(position=(0.0, math.inf))


# -- spike_generator trains ------------------------------------------------------------------------

@pytest.mark.parametrize("times,expected", [
    ([5.0, 2.0, 9.0], r"parameter 'spike_times'\[0\] must be sorted in time"),
    ([[1.0, 2.0], [3.0, 1.0]], r"parameter 'spike_times'\[1\] must be sorted in time"),
    ([-1.0, 2.0], r"parameter 'spike_times'\[0\] has -1.0; times must be finite numbers > 0 ms"),
    ([0.0, 2.0], r"parameter 'spike_times'\[0\] has 0.0; times must be finite numbers > 0 ms"),
    ([1.0, math.nan], r"parameter 'spike_times'\[0\] has nan"),
    ([1.0, math.inf], r"parameter 'spike_times'\[0\] has inf"),
    ([[1.0], ["2"]], r"parameter 'spike_times'\[1\] has '2'"),
    ([[1.0], 2.0], r"parameter 'spike_times'\[1\] must be a list of times in ms"),
    ("1, 2", r"parameter 'spike_times' must be a list of times or of lists of times"),
])
def test_bad_spike_times_are_refused_naming_the_train(times, expected):
    with pytest.raises(ValidationError, match=rf"population 'stim': {expected}"):
        Population("stim", "spike_generator", 2, params={"spike_times": times})


def test_a_single_train_is_normalised_to_a_list_of_trains():
    assert Population("stim", "spike_generator", 3, params={"spike_times": [1, 2.5]}).params["spike_times"] == [[1.0, 2.5]]


def test_spike_times_belong_to_spike_generators_only():
    with pytest.raises(ValidationError, match=r"population 'gen': unknown parameter 'spike_times' for model poisson_generator"):
        Population("gen", "poisson_generator", 1, params={"spike_times": [1.0]})


# -- distributions and connectivity ----------------------------------------------------------------

@pytest.mark.parametrize("kwargs,expected", [
    (dict(kind="gaussian", params={}), r"distribution 'gaussian': unknown kind \(choose from normal, uniform, lognormal\)"),
    (dict(kind="normal", params={"mean": 1.0}), r"distribution 'normal': needs exactly the parameters mean, std"),
    (dict(kind="uniform", params={"low": 0.0, "high": 1.0, "mean": 0.5}), r"distribution 'uniform': needs exactly the parameters low, high"),
    (dict(kind="normal", params={"mean": 1.0, "std": -0.1}), r"distribution 'normal': parameter 'std' must be >= 0"),
    (dict(kind="lognormal", params={"mean": 0.0, "sigma": -1.0}), r"distribution 'lognormal': parameter 'sigma' must be >= 0"),
    (dict(kind="uniform", params={"low": 2.0, "high": 1.0}), r"distribution 'uniform': parameter 'high' must be >= low"),
    (dict(kind="normal", params={"mean": math.nan, "std": 1.0}), r"distribution 'normal': parameter 'mean' must be a finite number, got nan"),
    (dict(kind="normal", params={"mean": 0.0, "std": 1.0}, clip_low=math.inf), r"distribution 'normal': clip_low must be a finite number"),
    (dict(kind="normal", params={"mean": 0.0, "std": 1.0}, clip_low=2.0, clip_high=1.0), r"distribution 'normal': clip_high must be >= clip_low"),
])
def test_bad_distribution_is_refused(kwargs, expected):
    with pytest.raises(ValidationError, match=expected):
        Distribution(**kwargs)


def test_distribution_bounds_follow_clipping():
    assert Distribution("normal", {"mean": 1.0, "std": 0.5}, clip_low=0.2).bounds() == (0.2, math.inf)
    assert Distribution("uniform", {"low": 1.0, "high": 3.0}, clip_high=2.0).bounds() == (1.0, 2.0)
    assert Distribution("lognormal", {"mean": 0.0, "sigma": 1.0}).mean == pytest.approx(math.exp(0.5))


@pytest.mark.parametrize("kwargs,expected", [
    (dict(rule="random"), r"connection rule 'random': unknown rule \(choose from all_to_all, one_to_one, pairwise_bernoulli"),
    (dict(rule="pairwise_bernoulli"), r"connection rule 'pairwise_bernoulli': parameter 'p' is required"),
    (dict(rule="pairwise_bernoulli", p=1.5), r"connection rule 'pairwise_bernoulli': parameter 'p' must be between 0 and 1, got 1.5"),
    (dict(rule="pairwise_bernoulli", p=math.nan), r"parameter 'p' must be a finite number, got nan"),
    (dict(rule="fixed_indegree", indegree=-1), r"connection rule 'fixed_indegree': parameter 'indegree' must be a whole number >= 0, got -1"),
    (dict(rule="fixed_outdegree", outdegree=2.5), r"connection rule 'fixed_outdegree': parameter 'outdegree' must be a whole number >= 0, got 2.5"),
    (dict(rule="fixed_total_number", N=True), r"connection rule 'fixed_total_number': parameter 'N' must be a finite number, got True"),
    (dict(rule="all_to_all", p=0.1), r"connection rule 'all_to_all': parameter 'p' does not belong to this rule"),
    (dict(rule="one_to_one", allow_autapses="no"), r"connection rule 'one_to_one': allow_autapses must be true or false"),
])
def test_bad_connectivity_is_refused(kwargs, expected):
    with pytest.raises(ValidationError, match=expected):
        Connectivity(**kwargs)


def test_whole_float_degree_becomes_an_int():
    assert Connectivity("fixed_indegree", indegree=100.0).indegree == 100


# -- projections -------------------------------------------------------------------------------------

@pytest.mark.parametrize("delay", [0.0, -1.0])
def test_delay_must_be_positive(delay):
    with pytest.raises(ValidationError, match=r"projection 'exc→inh': delay must be > 0 ms"):
        Projection("exc", "inh", delay=delay)


def test_drawn_delay_that_can_be_negative_needs_clip_low():
    normal = Distribution("normal", {"mean": 1.5, "std": 0.5})
    with pytest.raises(ValidationError, match=r"projection 'exc→inh': delay must be > 0 ms \(clip a drawn delay with clip_low\)"):
        Projection("exc", "inh", delay=normal)
    clipped = Distribution("normal", {"mean": 1.5, "std": 0.5}, clip_low=0.1)
    assert Projection("exc", "inh", delay=clipped).delay == clipped


@pytest.mark.parametrize("field,value,expected", [
    ("weight", math.nan, r"projection 'exc→inh': weight must be a finite number, got nan"),
    ("weight", "strong", r"projection 'exc→inh': weight must be a finite number, got 'strong'"),
    ("delay", math.inf, r"projection 'exc→inh': delay must be a finite number, got inf"),
    ("rule", "all_to_all", r"projection 'exc→inh': rule must be a Connectivity"),
    ("synapse", "bogus_synapse", r"projection 'exc→inh': unknown synapse model 'bogus_synapse' \(choose from static_synapse"),
])
def test_bad_projection_field_is_refused(field, value, expected):
    with pytest.raises(ValidationError, match=expected):
        Projection("exc", "inh", **{field: value})


def test_projection_is_named_after_its_ends_unless_named():
    assert Projection("exc", "inh").name == "exc→inh"
    assert Projection("exc", "inh", name="E to I").name == "E to I"
    assert Projection("exc", "inh", weight=-2.0).sign == -1


def test_projection_to_unknown_population_suggests_the_closest():
    pops = [lif("exc"), lif("inh")]
    with pytest.raises(ValidationError, match=r"projection 'exc→inhh': unknown population 'inhh' in post \(did you mean 'inh'\?\)"):
        Network(populations=pops, projections=[Projection("exc", "inhh")])
    with pytest.raises(ValidationError, match=r"projection 'ecx→inh': unknown population 'ecx' in pre \(did you mean 'exc'\?\)"):
        Network(populations=pops, projections=[Projection("ecx", "inh")])
    with pytest.raises(ValidationError, match=r"projection 'exc→thalamus': unknown population 'thalamus' in post$"):
        Network(populations=pops, projections=[Projection("exc", "thalamus")])


def test_one_to_one_needs_equal_sizes():
    with pytest.raises(ValidationError, match=r"projection 'exc→inh': rule one_to_one needs equal sizes, "
                                              r"but 'exc' has 10 and 'inh' 4"):
        Network(populations=[lif("exc", 10), lif("inh", 4)],
                projections=[Projection("exc", "inh", Connectivity("one_to_one"))])


@pytest.mark.parametrize("rule,expected", [
    (Connectivity("fixed_indegree", indegree=11, allow_multapses=False), r"indegree 11 exceeds the 10 possible sources without multapses"),
    (Connectivity("fixed_outdegree", outdegree=5, allow_multapses=False), r"outdegree 5 exceeds the 4 possible targets without multapses"),
    (Connectivity("fixed_total_number", N=41, allow_multapses=False), r"N 41 exceeds the 40 possible pairs without multapses"),
])
def test_degree_beyond_the_possible_partners_without_multapses(rule, expected):
    net = Network(populations=[lif("exc", 10), lif("inh", 4)])
    with pytest.raises(ValidationError, match=rf"projection 'exc→inh': {expected}"):
        net.with_projection(Projection("exc", "inh", rule))
    # with multapses the same degree is fine
    net.with_projection(Projection("exc", "inh", Connectivity(rule.rule, **{
        k: getattr(rule, k) for k in ("indegree", "outdegree", "N") if getattr(rule, k) is not None})))


@pytest.mark.parametrize("rule,expected", [
    (Connectivity("fixed_indegree", indegree=10, allow_autapses=False, allow_multapses=False), r"indegree 10 exceeds"),
    (Connectivity("fixed_outdegree", outdegree=10, allow_autapses=False, allow_multapses=False), r"outdegree 10 exceeds"),
    (Connectivity("fixed_total_number", N=91, allow_autapses=False, allow_multapses=False), r"N 91 exceeds the 90 possible pairs"),
])
def test_without_autapses_a_neuron_has_one_partner_fewer(rule, expected):
    with pytest.raises(ValidationError, match=rf"projection 'exc→exc': {expected}"):
        Network(populations=[lif("exc", 10)], projections=[Projection("exc", "exc", rule)])


def test_single_neuron_cannot_connect_to_itself_without_autapses():
    with pytest.raises(ValidationError, match=r"projection 'n→n': a population of one neuron cannot connect to itself without autapses"):
        Network(populations=[lif("n", 1)],
                projections=[Projection("n", "n", Connectivity("fixed_indegree", indegree=1, allow_autapses=False))])


@pytest.mark.parametrize("source,target,expected", [
    ("iaf_psc_delta", "poisson_generator", r"projection 'src→dst': 'dst' is a poisson_generator, which cannot receive spikes"),
    ("spike_generator", "spike_generator", r"projection 'src→dst': 'dst' is a spike_generator, which cannot receive spikes"),
    ("parrot_neuron", "dc_generator", r"projection 'src→dst': 'dst' is a dc_generator, which cannot receive spikes"),
    ("dc_generator", "parrot_neuron", r"projection 'src→dst': parrot_neuron 'dst' cannot receive a current"),
    ("dc_generator", "dc_generator", r"projection 'src→dst': dc_generator 'dst' cannot receive a current"),
])
def test_devices_cannot_receive_input(source, target, expected):
    with pytest.raises(ValidationError, match=expected):
        Network(populations=[Population("src", source, 1), Population("dst", target, 1)],
                projections=[Projection("src", "dst")])


@pytest.mark.parametrize("source", ["poisson_generator", "spike_generator", "dc_generator", "iaf_psc_exp", "parrot_neuron"])
def test_neurons_receive_from_every_kind_of_source(source):
    net = Network(populations=[Population("src", source, 1), lif("dst", 2, model="iaf_psc_alpha")],
                  projections=[Projection("src", "dst")])
    assert net.projection("src→dst").post == "dst"


# -- the network ------------------------------------------------------------------------------------

def test_duplicate_population_name_is_refused():
    with pytest.raises(ValidationError, match=r"population 'exc': name is used twice"):
        Network(populations=[lif("exc"), lif("exc", model="iaf_psc_exp")])


def test_duplicate_projection_name_is_refused():
    with pytest.raises(ValidationError, match=r"projection 'exc→inh': name is used twice"):
        Network(populations=[lif("exc"), lif("inh")],
                projections=[Projection("exc", "inh"), Projection("exc", "inh", weight=-1.0)])
    with pytest.raises(ValidationError, match=r"projection 'drive': name is used twice"):
        Network(populations=[lif("exc"), lif("inh")],
                projections=[Projection("exc", "inh", name="drive"), Projection("inh", "exc", name="drive")])


@pytest.mark.parametrize("kwargs,expected", [
    (dict(dt=0.0), r"network: dt must be between 0.001 and 10 ms, got 0"),
    (dict(dt=20.0), r"network: dt must be between 0.001 and 10 ms, got 20"),
    (dict(dt=math.nan), r"network: dt must be a finite number, got nan"),
    (dict(seed=-1), r"network: seed must be a whole number between 0 and 2\^32-1, got -1"),
    (dict(seed=2**32), r"network: seed must be a whole number"),
    (dict(seed=1.0), r"network: seed must be a whole number"),
    (dict(t_sim=0.0), r"network: t_sim must be > 0 ms, got 0"),
    (dict(name=""), r"network: name must be a non-empty text"),
    (dict(description=None), r"network: description must be text"),
    (dict(populations=["exc"]), r"network: 'exc' is not a Population"),
    (dict(projections=[("exc", "inh")]), r"network: \('exc', 'inh'\) is not a Projection"),
])
def test_bad_network_field_is_refused(kwargs, expected):
    with pytest.raises(ValidationError, match=expected):
        Network(**kwargs)


def test_lookups_name_the_missing_object():
    net = Network(populations=[lif("exc")])
    with pytest.raises(ValidationError, match=r"network: no population named 'inh'"):
        net.population("inh")
    with pytest.raises(ValidationError, match=r"network: no projection named 'exc→exc'"):
        net.projection("exc→exc")


def test_objects_are_immutable():
    pop = lif()
    with pytest.raises(AttributeError):
        pop.size = 20
    with pytest.raises(AttributeError):
        Network().dt = 1.0
