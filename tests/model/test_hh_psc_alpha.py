"""hh_psc_alpha's declaration: NEST's names and defaults, and bad parameters refused clearly."""
import pytest

from engine import Population, ValidationError, get_model

NEST_DEFAULTS = {"t_ref": 2.0, "g_Na": 12000.0, "g_K": 3600.0, "g_L": 30.0, "C_m": 100.0, "E_Na": 50.0,
                 "E_K": -77.0, "E_L": -54.402, "tau_syn_ex": 0.2, "tau_syn_in": 2.0, "I_e": 0.0}


def test_parameters_are_nests_with_nests_defaults():
    model = get_model("hh_psc_alpha")
    assert {name: q.default for name, q in model.parameters.items()} == NEST_DEFAULTS
    assert model.recordables == ("V_m", "I_syn_ex", "I_syn_in", "Act_m", "Inact_h", "Act_n")
    assert model.weight_unit == "pA"


@pytest.mark.parametrize("param,value,expected", [
    ("C_m", 0.0, r"'C_m' must be > 0 pF, got 0"),
    ("tau_syn_ex", 0.0, r"'tau_syn_ex' must be > 0 ms, got 0"),
    ("tau_syn_in", -2.0, r"'tau_syn_in' must be > 0 ms, got -2"),
    ("t_ref", -1.0, r"'t_ref' must be >= 0 ms, got -1"),
    ("g_Na", -1.0, r"'g_Na' must be >= 0 nS, got -1"),
    ("g_K", -3600.0, r"'g_K' must be >= 0 nS, got -3600"),
    ("g_L", -0.5, r"'g_L' must be >= 0 nS, got -0.5"),
])
def test_bad_parameter_is_refused_naming_population_parameter_and_bound(param, value, expected):
    with pytest.raises(ValidationError, match=rf"population 'hh': parameter {expected}"):
        Population("hh", "hh_psc_alpha", 1, params={param: value})


def test_a_parameter_of_another_model_is_refused_with_the_known_ones():
    with pytest.raises(ValidationError, match=r"population 'hh': unknown parameter 'V_th' for model hh_psc_alpha "
                                              r"\(known: t_ref, g_Na, g_K"):
        Population("hh", "hh_psc_alpha", 1, params={"V_th": -50.0})


def test_zero_conductances_are_allowed_as_in_nest():
    pop = Population("passive", "hh_psc_alpha", 1, params={"g_Na": 0.0, "g_K": 0.0})
    assert pop.params["g_Na"] == 0.0 and pop.params["g_K"] == 0.0


def test_unknown_initial_state_is_refused():
    with pytest.raises(ValidationError, match=r"population 'hh'.*unknown state variable 'm'"):
        Population("hh", "hh_psc_alpha", 1, initial={"m": 0.1})
