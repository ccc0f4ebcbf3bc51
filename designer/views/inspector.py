"""Inspector: the form of the selected population, device or projection.

Forms are generated from the model's own parameter metadata (unit in the
label, bounds, default, doc as the tooltip). A refused value shows its error
under the field; the model keeps its last valid value.

A form is built again only when its STRUCTURE changes (another selection, model,
synapse model, connection rule, a value turning into a distribution...). A change of
values only (an edit, undo/redo) keeps the widgets, so the one being typed in or
dragged stays, and puts the design's values into them; those updates are not edits.
The fields the running simulation takes live are LiveSliders: their values reach
Python in one message, without Panel's debounce.
"""
from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import panel as pn
import param
from panel.viewable import Viewer

from engine import (
    CONNECTION_RULES, MEMRISTOR_MAPPINGS, SYNAPSE_MODELS, Connectivity, Distribution, Memristor, Projection,
    ValidationError, initial_state_spec, load_memristor_presets,
)

from designer.classroom.locks import LOCK_NOTE
from designer.forms import WEIGHT_SCALE, widget_for
from designer.per_neuron import describe, histogram_svg, neuron_values_of
from designer.state import DesignState
from designer.views.live_slider import LiveSlider

RULE_FIELD = {"pairwise_bernoulli": ("p", "Connection probability p", float),
              "fixed_indegree": ("indegree", "Inputs per target neuron", int),
              "fixed_outdegree": ("outdegree", "Targets per source neuron", int),
              "fixed_total_number": ("N", "Number of synapses", int)}

NO_PRESET = "—"
NO_DEVICE = "none (plain synapses)"
CUSTOM_DEVICE = "custom"


def text(value: str, tag: str = "span", css_class: str = "", stylesheets=()) -> pn.pane.HTML:
    """User text shown as text: escaped, never interpreted as HTML."""
    cls = f' class="{css_class}"' if css_class else ""
    return pn.pane.HTML(f"<{tag}{cls}>{html.escape(str(value))}</{tag}>", margin=(2, 10), stylesheets=list(stylesheets))


@dataclass
class _Field:
    """A widget of the form shown, with how to read the design's value for it."""

    widget: Any
    read: Callable[[], Any]
    error: pn.pane.HTML


def _shape(value) -> Any:
    """What a value looks like to the form: a number is edited in a field; anything else
    (a Distribution, per-synapse values) is shown as text, so its value is structure."""
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return "number"
    return value


class Inspector(Viewer):
    state = param.ClassSelector(class_=DesignState)
    html_stylesheets = param.List(default=[], doc="""
        Stylesheets for the form's HTML (titles, inline errors): each HTML pane has its own
        shadow root, and forms are built after the page, so the app's CSS must be passed in.""")

    def __init__(self, state: DesignState, **params):
        super().__init__(state=state, **params)
        self._body = pn.Column(sizing_mode="stretch_width", name="inspector")
        self._shown = None  # the structure of the form shown
        self._fields: list[_Field] = []
        self._syncing = False  # putting the design's values into the widgets: not edits
        self._wire()
        self._refresh()

    def _wire(self) -> None:
        self.state.param.watch(self._on_change, ["selection", "network", "locks"])

    def _on_change(self, *_events) -> None:
        # one call with several events when selection and network change in one batch
        self._refresh()

    def __panel__(self):
        return self._body

    def flush(self) -> None:
        """The sliders' model updates that wait until the frame with their change went out."""
        for field in self._fields:
            if isinstance(field.widget, LiveSlider):
                field.widget.flush()

    # -- building forms, or updating their values --------------------------------------------
    def _structure(self) -> tuple:
        """What the form shows, without the values its fields edit."""
        sel = self.state.selection
        net = self.state.network
        if sel.get("kind") == "node" and sel.get("id") in {p.name for p in net.populations}:
            pop = net.population(sel["id"])
            return ("node", pop.name, pop.model, _shape(pop.initial.get("V_m")),
                    tuple((key, pop.params[key]) for key in pop.varying_params),  # shown as a whole, not edited
                    self._locked_fields(pop.name))
        if sel.get("kind") == "edge" and sel.get("id") in {p.name for p in net.projections}:
            proj = net.projection(sel["id"])
            pre, post = net.population(proj.pre), net.population(proj.post)
            return ("edge", proj.name, pre.name, pre.model, post.name, post.model, proj.rule.rule,
                    _shape(proj.weight), _shape(proj.delay), proj.synapse, proj.memristor is None,
                    self._locked_fields(proj.name))
        return ("network", net.name)  # the name is the form's title

    def _refresh(self) -> None:
        key = self._structure()
        if key == self._shown:
            self._sync_values()
            return
        self._fields = []
        if key[0] == "node":
            items = self._population_form(self.state.network.population(key[1]))
        elif key[0] == "edge":
            items = self._projection_form(self.state.network.projection(key[1]))
        else:
            items = self._network_form()
        self._body.objects = items
        self._shown = key

    def _sync_values(self) -> None:
        """The design's values into the widgets shown; a value that changes hides its field's
        (now stale) error."""
        self._syncing = True
        try:
            for field in self._fields:
                value = field.read()
                if isinstance(field.widget, LiveSlider):
                    if value != field.widget.value:
                        field.error.visible = False
                    field.widget.set_value(value)
                elif field.widget.value != value:
                    field.widget.value = value
                    field.error.visible = False
        finally:
            self._syncing = False

    def _html(self, obj: str, **params) -> pn.pane.HTML:
        return pn.pane.HTML(obj, stylesheets=list(self.html_stylesheets), **params)

    def _show_result(self, error: pn.pane.HTML, ok: bool) -> None:
        message = "" if ok else f'<span class="field-error">{html.escape(self.state.error)}</span>'
        if error.object != message:
            error.object = message
        if error.visible != (not ok):
            error.visible = not ok

    def _field(self, widget, apply, read: Callable[[], Any]) -> pn.Column:
        """A widget plus its inline error line; `apply(value) -> bool` edits the state,
        `read()` gives the design's value as the widget shows it."""
        error = self._html("", margin=(0, 10), css_classes=["field-error"], visible=False)

        def changed(event):
            if self._syncing:
                return
            self._show_result(error, apply(event.new))

        widget.param.watch(changed, "value")
        self._fields.append(_Field(widget, read, error))
        return pn.Column(widget, error, margin=0, sizing_mode="stretch_width")

    def _distribution_fields(self, name: str, field: str, value: Distribution, unit: str) -> list:
        """A drawn weight or delay: its law as text, its scale (sign included: a lognormal law
        times -5 gives inhibitory weights) and, when it has bounds, whether a draw outside them
        is drawn again (NEST's redraw) or set to the bound (clamp)."""
        state = self.state

        def set_distribution(**changes) -> bool:
            try:
                changed = replace(getattr(self._projection(name), field), **changes)
            except ValidationError as error:  # e.g. scale 0, or bounds a redraw could never meet
                state.error = f"projection '{name}': {field}: {error}"
                return False
            return state.set_projection_field(name, field, changed)

        low = "-inf" if value.clip_low is None else f"{value.clip_low:g}"
        high = "inf" if value.clip_high is None else f"{value.clip_high:g}"
        bounds = f", bounds [{low}, {high}]" if value.clip_low is not None or value.clip_high is not None else ""
        law = ", ".join(f"{k}={v:g}" for k, v in value.params.items())
        items = [text(f"{field}: {value.scale:g} x {value.kind}({law}) ({unit}){bounds}, drawn per synapse", "div",
                      stylesheets=self.html_stylesheets)]
        items.append(self._field(
            pn.widgets.FloatInput(label=f"{field.capitalize()} scale", value=value.scale, format="0[.]0000",
                                  description="The value is scale x a draw of the law; negative: inhibitory"),
            lambda v: set_distribution(scale=v), lambda: getattr(self._projection(name), field).scale))
        if bounds:
            items.append(self._field(
                pn.widgets.Select(label=f"{field.capitalize()} draws outside the bounds", value=value.clip,
                                  options=list(Distribution.CLIP_MODES),
                                  description="redraw: drawn again until inside (NEST's nest.math.redraw); "
                                              "clamp: set to the nearer bound (piles values up there)"),
                lambda v: set_distribution(clip=v), lambda: getattr(self._projection(name), field).clip))
        return items

    def _quantity_field(self, target: str, quantity, value, apply, read: Callable[[], Any], **widget_options) -> pn.Column:
        """The field `widget_for` gives a quantity, plus its inline error line. `apply(value, coalesce)
        -> bool` edits the state (one slider drag, one coalesce key, is one undo step); `read()`
        gives the design's value."""
        widget, kind = widget_for(quantity, value, **widget_options)
        shown = lambda: kind.shown(read())  # noqa: E731 -- the design's value as this widget shows it
        locked = (target, quantity.name) in self.state.locks
        if locked:  # the state refuses changes anyway; the form says so before the user tries
            widget.param.update(**{"locked" if kind.live else "disabled": True})
        if not kind.live:
            return self._with_lock_note(self._field(widget, lambda v: apply(kind.parsed(v), None), shown), locked)
        error = self._html("", margin=(0, 10), css_classes=["field-error"], visible=False)

        def changed(new, drag, final):
            ok = apply(new, None if drag is None else ("drag", target, widget.label, drag))
            self._show_result(error, ok)
            return ok

        widget.on_value(changed)
        self._fields.append(_Field(widget, shown, error))
        return self._with_lock_note(pn.Column(widget, error, margin=0, sizing_mode="stretch_width"), locked)

    def _with_lock_note(self, column: pn.Column, locked: bool) -> pn.Column:
        if locked:
            column.append(self._html(f"<span class='locked-note'>{LOCK_NOTE}</span>", margin=(0, 10)))
        return column

    def _locked_fields(self, target: str) -> tuple:
        return tuple(sorted(field for name, field in self.state.locks if name == target))

    def _population(self, name: str):
        return self.state.network.population(name)

    def _projection(self, name: str):
        return self.state.network.projection(name)

    def _population_form(self, pop) -> list:
        model = pop.model_class
        state = self.state
        name = pop.name
        current = self._population
        items = [
            self._html(f"<h3 class='inspector-title'>{html.escape(name)}</h3>"
                         f"<div class='inspector-sub'>{html.escape(model.name)} · {html.escape(model.summary)}</div>",
                         margin=(0, 10)),
            self._field(pn.widgets.TextInput(label="Name", value=name, description="Shown on the canvas and in plots"),
                        lambda v: state.rename_population(name, v), lambda: current(name).name),
            self._field(pn.widgets.IntInput(label="Size (neurons)" if model.category == "neuron" else "Instances",
                                            value=pop.size, start=1, description="How many neurons (or device instances)"),
                        lambda v: state.set_population_field(name, "size", v), lambda: current(name).size),
        ]
        if model.presets:
            items.append(self._field(
                pn.widgets.Select(label="Preset (firing pattern)", options=[NO_PRESET] + list(model.presets),
                                  value=NO_PRESET,
                                  description="Set the published parameters of a firing pattern in one step"),
                lambda v: True if v == NO_PRESET else state.apply_preset(name, v), lambda: NO_PRESET))
        for q, quantity in model.parameters.items():
            if q in pop.varying_params:
                items += self._varying_field(pop, quantity)
                continue
            items.append(self._quantity_field(
                name, quantity, pop.params[q], lambda v, key, q=q: state.set_population_field(name, q, v, coalesce=key),
                lambda q=q: current(name).params[q]))
        if "spike_times" in model.extra_parameters():
            widget = pn.widgets.TextAreaInput(
                label="Spike times (ms; one line per neuron)", height=80, value=_trains_text(pop.params["spike_times"]),
                description="Comma-separated times, one line per neuron (one line: shared by all)")
            items.append(self._field(widget, lambda v: state.set_population_field(name, "spike_times", _parse_trains(v)),
                                     lambda: _trains_text(current(name).params["spike_times"])))
        for times_name, values_name, label in (("amplitude_times", "amplitude_values", "Current steps (ms: pA), one per line"),
                                               ("rate_times", "rate_values", "Rate changes (ms: Hz), one per line")):
            if times_name in model.extra_parameters():
                widget = pn.widgets.TextAreaInput(label=label, value=_schedule_text(pop.params, times_name, values_name),
                                                  height=80, placeholder="e.g. 100: 300",
                                                  description="From each time on, the value holds until the next line")
                items.append(self._field(widget, lambda v, tn=times_name, vn=values_name: state.set_population_params(
                    name, dict(zip((tn, vn), _parse_schedule(v)))),
                    lambda tn=times_name, vn=values_name: _schedule_text(current(name).params, tn, vn)))
        if model.category == "neuron" and model.parameters:
            items.append(self._vary_field(pop))
        if model.category == "neuron":
            if "V_m" in model.state_variables and isinstance(_initial_v(pop), float):  # not drawn, not per neuron
                widget = pn.widgets.FloatInput(label="Initial V_m (mV)", value=_initial_v(pop),
                                               description="Membrane potential at t = 0")
                items.append(self._field(widget, lambda v: state.set_population_field(name, "initial.V_m", v),
                                         lambda: _initial_v(current(name))))
            items.append(self._html("<b>Recording</b>", margin=(8, 10, 0, 10)))
            items.append(self._field(pn.widgets.Checkbox(label="Record spikes", value=pop.record.spikes),
                                     lambda v: state.set_population_field(name, "record.spikes", v),
                                     lambda: current(name).record.spikes))
            if model.recordables:
                widget = pn.widgets.TextInput(label="Membrane traces of neurons", value=_ints_text(pop.record.traces),
                                              placeholder="e.g. 0, 1, 5", description="Neuron indices (from 0) whose V_m is plotted")
                items.append(self._field(widget, lambda v: state.set_population_field(name, "record.traces", _parse_ints(v)),
                                         lambda: _ints_text(current(name).record.traces)))
        return items

    def _vary_field(self, pop) -> pn.Column:
        """Make any parameter vary per neuron: 'V_th = normal(-55, 1)', or a list of values."""
        name, state = pop.name, self.state

        def apply(text: str) -> bool:
            if not text.strip():
                return True
            field, _, values = text.partition("=")
            if field.strip() not in pop.model_class.parameters or not values.strip():
                state.error = (f"population '{name}': write a parameter, '=' and its values, e.g. "
                               f"'{next(iter(pop.model_class.parameters))} = normal(10, 1)'")
                return False
            return state.replace_population_param(name, field.strip(), values)

        return self._field(pn.widgets.TextInput(
            label="Vary per neuron", value="", placeholder="V_th = normal(-55, 1)",
            description="A parameter = a list (one value per neuron) or normal/uniform/lognormal(a, b)"),
            apply, lambda: "")

    def _varying_field(self, pop, quantity) -> list:
        """A parameter that varies per neuron: what it is, a histogram of the neurons' values and
        two edits of the whole (scale by a factor; replace by a number, a list or a distribution)."""
        name, q, unit, state = pop.name, quantity.name, quantity.unit, self.state
        label = f"{q} ({unit})" if unit else q
        try:
            picture = histogram_svg(neuron_values_of(pop, q, state.network.seed), unit)
        except ValidationError as error:  # drawn values that break a bound or a constraint
            picture = f'<span class="field-error">{html.escape(str(error))}</span>'
        return [
            self._html(f"<div class='varies-per-neuron'><b>{html.escape(label)}</b>: varies per neuron<br>"
                       f"<span class='per-neuron-summary'>{html.escape(describe(pop.params[q], unit))}</span></div>",
                       margin=(6, 10, 0, 10)),
            self._html(picture, margin=(0, 10)),
            self._field(pn.widgets.FloatInput(label=f"Scale every {q} by", value=1.0, step=0.05, format="0[.]000",
                                              description="Multiply the whole (each value, or the distribution)"),
                        lambda v: v == 1.0 or state.scale_population_param(name, q, v), lambda: 1.0),
            self._field(pn.widgets.TextInput(label=f"Replace {q}", value="", placeholder="-55 · normal(-55, 1) · a list",
                                             description="One number for all, a list (one per neuron) or "
                                                         "normal/uniform/lognormal(a, b) drawn per neuron"),
                        lambda v: not v.strip() or state.replace_population_param(name, q, v), lambda: ""),
        ]

    def _projection_form(self, proj) -> list:
        state = self.state
        name = proj.name
        current = self._projection
        post = state.network.population(proj.post)
        pre = state.network.population(proj.pre)
        weight_unit = "pA" if pre.model_class.emits == "current" else post.model_class.weight_unit

        def set_rule(**changes) -> bool:
            return state.set_projection_field(name, "rule", _rule_with(current(name).rule, post=post, pre=pre, **changes))

        items = [
            self._html(f"<h3 class='inspector-title'>{html.escape(name)}</h3>"
                         f"<div class='inspector-sub'>{html.escape(proj.pre)} → {html.escape(proj.post)}</div>", margin=(0, 10)),
            self._field(pn.widgets.TextInput(label="Name", value=name), lambda v: state.set_projection_field(name, "name", v),
                        lambda: current(name).name),
            self._field(pn.widgets.Select(label="Connection rule", value=proj.rule.rule,
                                          options=[r for r in CONNECTION_RULES
                                                   if r != "explicit" or proj.rule.rule == "explicit"],
                                          description="How source and target neurons are paired (NEST's rules)"),
                        lambda v: set_rule(rule=v), lambda: current(name).rule.rule),
        ]
        if proj.rule.rule in RULE_FIELD:
            field, label, kind = RULE_FIELD[proj.rule.rule]
            widget_class = pn.widgets.FloatInput if kind is float else pn.widgets.IntInput
            items.append(self._field(widget_class(label=label, value=getattr(proj.rule, field)),
                                     lambda v, f=field: set_rule(**{f: v}),
                                     lambda f=field: getattr(current(name).rule, f)))
        items.append(self._field(pn.widgets.Checkbox(label="Allow autapses (self-connections)", value=proj.rule.allow_autapses),
                                 lambda v: set_rule(allow_autapses=v), lambda: current(name).rule.allow_autapses))
        items.append(self._field(pn.widgets.Checkbox(label="Allow multapses (repeated pairs)", value=proj.rule.allow_multapses),
                                 lambda v: set_rule(allow_multapses=v), lambda: current(name).rule.allow_multapses))
        return items + self._projection_values(proj, weight_unit) + self._synapse_form(proj)

    def _projection_values(self, proj, weight_unit: str) -> list:
        """Weight (live: a slider) and delay; a drawn or listed value is described, not edited."""
        state, name, current = self.state, proj.name, self._projection
        items = []
        for field, quantity in Projection.quantities.items():  # weight, delay
            unit = weight_unit if field == "weight" else quantity.unit
            value = getattr(proj, field)
            if isinstance(value, Distribution):
                items += self._distribution_fields(name, field, value, unit)
                continue
            if isinstance(value, tuple):
                items.append(text(f"{field}: {len(value)} listed values ({unit}), mean {sum(value) / max(len(value), 1):.4g}",
                                  "div", stylesheets=self.html_stylesheets))
                continue
            items.append(self._quantity_field(
                name, quantity, value, lambda v, key, f=field: state.set_projection_field(name, f, v, coalesce=key),
                lambda f=field: getattr(current(name), f), label=f"{field.capitalize()} ({unit})", unit=unit,
                scale=WEIGHT_SCALE.get(unit, 1.0), number_format="0[.]0000"))
        return items

    def _synapse_form(self, proj) -> list:
        """The synapse model and its parameters (the live ones with sliders)."""
        state, name, current = self.state, proj.name, self._projection
        summaries = "; ".join(f"{model_name}: {model.summary}" for model_name, model in SYNAPSE_MODELS.items())
        items = [self._field(pn.widgets.Select(label="Synapse model", value=proj.synapse, options=list(SYNAPSE_MODELS),
                                               description=summaries),
                             lambda v: state.set_projection_field(name, "synapse", v), lambda: current(name).synapse)]
        synapse = SYNAPSE_MODELS[proj.synapse]
        for quantity in synapse.parameters.values():
            value = proj.synapse_params[quantity.name]
            q = quantity.name
            if q == "learning":
                widget = pn.widgets.Checkbox(label="Learning on (live)", value=bool(value))
                items.append(self._field(widget, lambda v: state.set_projection_field(name, "synapse_params.learning",
                                                                                       1.0 if v else 0.0),
                                         lambda: bool(current(name).synapse_params["learning"])))
                continue
            items.append(self._quantity_field(
                name, quantity, value,
                lambda v, key, q=q: state.set_projection_field(name, f"synapse_params.{q}", v, coalesce=key),
                lambda q=q: current(name).synapse_params[q], number_format="0[.]0000"))
        if "pairing" in synapse.extra_parameters():
            items.append(self._field(pn.widgets.Select(label="Spike pairing", value=proj.synapse_params["pairing"],
                                                       options=["all_to_all", "nearest"]),
                                     lambda v: state.set_projection_field(name, "synapse_params.pairing", v),
                                     lambda: current(name).synapse_params["pairing"]))
        if synapse.plastic:
            items += self._memristor_form(proj)
        return items

    def _memristor_form(self, proj) -> list:
        """The weights' memristive device: a preset, then its parameters (a change rebuilds)."""
        state, name, current = self.state, proj.name, self._projection
        presets = load_memristor_presets()

        def preset_of(device) -> str:
            if device is None:
                return NO_DEVICE
            return next((key for key, entry in presets.items() if Memristor(**entry["values"]) == device), CUSTOM_DEVICE)

        def choose(key: str) -> bool:
            if key == CUSTOM_DEVICE:
                return True
            device = None if key == NO_DEVICE else Memristor(**presets[key]["values"])
            return state.set_projection_field(name, "memristor", device)

        labels = {NO_DEVICE: NO_DEVICE, CUSTOM_DEVICE: CUSTOM_DEVICE, **{k: e["label"] for k, e in presets.items()}}
        hover = "; ".join(f"{e['label']}: {e['source']}" for e in presets.values())
        items = [self._html("<b>Memristive device</b>", margin=(8, 10, 0, 10)),
                 self._field(pn.widgets.Select(label="Device preset", options={v: k for k, v in labels.items()},
                                               value=preset_of(proj.memristor),
                                               description=f"Weights held in resistive devices. Sources: {hover}"),
                             choose, lambda: preset_of(current(name).memristor))]
        if proj.memristor is None:
            return items

        def set_device(**changes) -> bool:
            return state.set_projection_field(name, "memristor", replace(current(name).memristor, **changes))

        for key, quantity in Memristor.quantities.items():
            items.append(self._quantity_field(name, quantity, getattr(proj.memristor, key),
                                              lambda v, _key, k=key: set_device(**{k: v}),
                                              lambda k=key: getattr(current(name).memristor, k),
                                              number_format="0[.]0000"))
        items.append(self._field(pn.widgets.Select(label="Weight mapping", options=list(MEMRISTOR_MAPPINGS),
                                                   value=proj.memristor.mapping,
                                                   description="single: G - g_min; differential: G+ - G- (a pair)"),
                                 lambda v: set_device(mapping=v), lambda: current(name).memristor.mapping))
        return items

    def _network_form(self) -> list:
        state = self.state
        net = state.network

        def current():
            return self.state.network

        return [
            self._html(f"<h3 class='inspector-title'>{html.escape(net.name)}</h3>"
                         "<div class='inspector-sub'>Network · select a node or an edge to edit it</div>", margin=(0, 10)),
            self._field(pn.widgets.TextInput(label="Network name", value=net.name), lambda v: state.set_network_field("name", v),
                        lambda: current().name),
            self._field(pn.widgets.TextAreaInput(label="Description", value=net.description, height=110),
                        lambda v: state.set_network_field("description", v), lambda: current().description),
            self._field(pn.widgets.FloatInput(label="Time step dt (ms)", value=net.dt, description="Integration step"),
                        lambda v: state.set_network_field("dt", v), lambda: current().dt),
            self._field(pn.widgets.IntInput(label="Seed", value=net.seed, description="Same seed, same network, same spikes"),
                        lambda v: state.set_network_field("seed", v), lambda: current().seed),
        ]


def _trains_text(trains) -> str:
    return "\n".join(", ".join(f"{t:g}" for t in train) for train in trains)


def _schedule_text(params: dict, times_name: str, values_name: str) -> str:
    return "\n".join(f"{t:g}: {v:g}" for t, v in zip(params[times_name], params[values_name]))


def _initial_v(pop) -> float:
    return initial_state_spec(pop)["V_m"]


def _ints_text(values) -> str:
    return ", ".join(map(str, values))


def _rule_with(rule: Connectivity, /, post=None, pre=None, **changes) -> Connectivity:
    new_rule = changes.get("rule", rule.rule)
    values = {"rule": new_rule, "allow_autapses": rule.allow_autapses, "allow_multapses": rule.allow_multapses}
    values.update({k: v for k, v in changes.items() if k in ("allow_autapses", "allow_multapses")})
    for field in ("p", "indegree", "outdegree", "N"):
        if field in CONNECTION_RULES[new_rule]:
            current = changes.get(field, getattr(rule, field))
            if current is None:  # a sensible start for a newly picked rule
                current = {"p": 0.1, "indegree": max(1, (pre.size if pre else 10) // 10),
                           "outdegree": max(1, (post.size if post else 10) // 10),
                           "N": max(1, (pre.size if pre else 10) * (post.size if post else 10) // 10)}[field]
            values[field] = current
    return Connectivity(**values)


def _parse_schedule(value: str):
    """Lines "time: value" -> (times, values); a malformed line is passed on for the model to refuse."""
    times, values = [], []
    for line in (value or "").strip().splitlines():
        if not line.strip():
            continue
        parts = line.replace(",", ":").split(":")
        try:
            times.append(float(parts[0]))
            values.append(float(parts[1]))
        except (ValueError, IndexError):
            return [line], []
    return times, values


def _parse_ints(value: str):
    parts = [p.strip() for p in (value or "").replace(";", ",").split(",") if p.strip()]
    out = []
    for part in parts:
        try:
            out.append(int(part))
        except ValueError:
            return [part]  # refused by the model, naming the bad entry
    return tuple(out)


def _parse_trains(value: str):
    trains = []
    for line in (value or "").strip().splitlines():
        times = []
        for part in line.replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            try:
                number = float(part)
            except ValueError:
                return [[part]]
            times.append(number if math.isfinite(number) else part)
        trains.append(times)
    return trains
