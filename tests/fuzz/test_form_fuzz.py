"""Fuzz: every field of the inspector's forms (designer/views/inspector.py, through designer/forms.py and
designer/per_neuron.py), typed into as a user types: hostile text, edge numbers, wrong types.

Per case: one field of the population, projection or network form shown gets a value. Either the
edit is taken (the design is valid, by construction), or it is refused: the design stays exactly as
it was and the field shows the error (as text). Never an exception out of the form.
"""
from __future__ import annotations

import random

import panel as pn
import pytest

from designer.forms import optional_number
from designer.per_neuron import parse_replacement
from designer.state import DesignState
from designer.views.inspector import Inspector
from designer.views.live_slider import LiveSlider
from engine import ValidationError

from fuzz_harness import tally
from fuzz_mutations import EDGE_NUMBERS, HOSTILE_TEXTS
from fuzz_seeds import zoo_network

CASES = 1200
FORM_TEXTS = HOSTILE_TEXTS + [
    "normal(10, 2)", "normal(1e308, 1e308)", "lognormal(800, 1)", "uniform(5, -5)", "normal(", "normal()",
    "normal(1, 2, 3)", "1, 2, 3", "1;2;3", "-55", "1e999", "nan", "inf", "0: 100\n5: nan", "1: 2: 3", "10\n5",
    "1, 1e308", "-1", "0", "2147483648", "99999999999999999999", "1.5, x", ":", ",,,",
]


class EditRefused(ValidationError):
    """The form refused the value (the state's error names why); raised only after the checks above passed."""


class FormUser:
    """Selects what to edit and types into one field of the form shown."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.state = DesignState(zoo_network())
        self.inspector = Inspector(self.state)

    def select_something(self) -> None:
        net = self.state.network
        pick = self.rng.random()
        if pick < 0.55 and net.populations:
            self.state.selection = {"kind": "node", "id": self.rng.choice(net.populations).name}
        elif pick < 0.9 and net.projections:
            self.state.selection = {"kind": "edge", "id": self.rng.choice(net.projections).name}
        else:
            self.state.selection = {}

    def value_for(self, widget):
        rng = self.rng
        if isinstance(widget, pn.widgets.Select):  # the page sends only one of the options
            options = list(widget.options.values()) if isinstance(widget.options, dict) else list(widget.options)
            return rng.choice(options)
        if isinstance(widget, (pn.widgets.TextInput, pn.widgets.TextAreaInput)) or rng.random() < 0.1:
            return rng.choice(FORM_TEXTS)
        if isinstance(widget, pn.widgets.Checkbox):
            return rng.choice([True, False])
        return rng.choice(EDGE_NUMBERS + [None, float("nan"), float("inf")])

    def type_into_a_field(self) -> None:
        fields = self.inspector._fields
        if not fields:
            return
        field = self.rng.choice(fields)
        before, value = self.state.network, self.value_for(field.widget)
        self.state.error = ""
        if isinstance(field.widget, LiveSlider):  # what the page sends for a typed value
            field.widget._handle_msg({"type": "value", "text": str(value), "drag": None, "final": True, "seq": 1})
            field.widget.flush()
        else:
            try:
                field.widget.value = value
            except ValueError:  # the widget itself refuses the type (param's check), as the page never sends it
                return
        if self.state.error:
            assert self.state.network is before, "a refused edit changed the design"
            assert "<script" not in field.error.object and "<img" not in field.error.object  # shown as text
            raise EditRefused(self.state.error)  # checked: counted as a clean refusal


def test_every_form_field_takes_a_value_or_shows_why_not():
    counts = tally("inspector form fields (designer/views/inspector.py, forms.py, per_neuron.py)")
    rng = random.Random("forms")
    user = FormUser(rng)
    for case in range(CASES):
        if case % 200 == 0:
            user = FormUser(rng)  # a fresh design now and then: edits pile up
        user.select_something()
        counts.run(f"form #{case} ({user.state.selection})", user.type_into_a_field)
    assert not counts.crashes, counts.report()


def test_the_text_parsers_pass_on_or_refuse_what_they_cannot_read():
    counts = tally("form text parsers (forms.optional_number, per_neuron.parse_replacement)")
    for text in FORM_TEXTS * 20:
        counts.run(f"optional_number({text!r:.30})", lambda: optional_number(text))
        counts.run(f"parse_replacement({text!r:.30})", lambda: parse_replacement(text, "population 'p': parameter 'x'"))
    assert not counts.crashes, counts.report()
    assert counts.cases >= 1000
    assert parse_replacement("normal(10, 2)", "p").params == {"mean": 10.0, "std": 2.0}
    with pytest.raises(ValidationError, match="lognormal"):  # exp(800) would overflow every draw
        parse_replacement("lognormal(800, 1)", "population 'p': parameter 'x'")
