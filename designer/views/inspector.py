"""Inspector: the form of the selected population, device or projection.

Forms are generated from the model's own parameter metadata (unit in the
label, bounds, default, doc as the tooltip). A refused value shows its error
under the field; the model keeps its last valid value.
"""
from __future__ import annotations

import html
import math

import panel as pn
import param
from panel.viewable import Viewer

from engine import Connectivity, get_model
from engine.model.network import RULES, Distribution
from engine.model.synapses import SYNAPSES

from designer.state import DesignState

RULE_FIELD = {"pairwise_bernoulli": ("p", "Connection probability p", float),
              "fixed_indegree": ("indegree", "Inputs per target neuron", int),
              "fixed_outdegree": ("outdegree", "Targets per source neuron", int),
              "fixed_total_number": ("N", "Number of synapses", int)}


def text(value: str, tag: str = "span", css_class: str = "", stylesheets=()) -> pn.pane.HTML:
    """User text shown as text: escaped, never interpreted as HTML."""
    cls = f' class="{css_class}"' if css_class else ""
    return pn.pane.HTML(f"<{tag}{cls}>{html.escape(str(value))}</{tag}>", margin=(2, 10), stylesheets=list(stylesheets))


class Inspector(Viewer):
    state = param.ClassSelector(class_=DesignState)
    html_stylesheets = param.List(default=[], doc="""
        Stylesheets for the form's HTML (titles, inline errors): each HTML pane has its own
        shadow root, and forms are built after the page, so the app's CSS must be passed in.""")

    def __init__(self, state: DesignState, **params):
        super().__init__(state=state, **params)
        self._body = pn.Column(sizing_mode="stretch_width", name="inspector")
        self._shown = None
        self._wire()
        self._rebuild()

    def _wire(self) -> None:
        self.state.param.watch(self._on_change, ["selection", "network"])

    def _on_change(self, *_events) -> None:
        # one call with several events when selection and network change in one batch
        self._rebuild()

    def __panel__(self):
        return self._body

    # -- building forms ------------------------------------------------------------------
    def _rebuild(self) -> None:
        sel = self.state.selection
        net = self.state.network
        if sel.get("kind") == "node" and sel.get("id") in {p.name for p in net.populations}:
            pop = net.population(sel["id"])
            key = ("node", pop)
            if key != self._shown:
                self._body.objects = self._population_form(pop)
        elif sel.get("kind") == "edge" and sel.get("id") in {p.name for p in net.projections}:
            proj = net.projection(sel["id"])
            key = ("edge", proj, net.population(proj.post).model)
            if key != self._shown:
                self._body.objects = self._projection_form(proj)
        else:
            key = ("network", net.name, net.description, net.dt, net.seed)
            if key != self._shown:
                self._body.objects = self._network_form()
        self._shown = key

    def _html(self, obj: str, **params) -> pn.pane.HTML:
        return pn.pane.HTML(obj, stylesheets=list(self.html_stylesheets), **params)

    def _field(self, widget, apply) -> pn.Column:
        """A widget plus its inline error line; `apply(value) -> bool` edits the state."""
        error = self._html("", margin=(0, 10), css_classes=["field-error"], visible=False)

        def changed(event):
            ok = apply(event.new)
            error.object = "" if ok else f'<span class="field-error">{html.escape(self.state.error)}</span>'
            error.visible = not ok

        widget.param.watch(changed, "value")
        return pn.Column(widget, error, margin=0, sizing_mode="stretch_width")

    def _population_form(self, pop) -> list:
        model = pop.model_class
        state = self.state
        name = pop.name
        items = [
            self._html(f"<h3 class='inspector-title'>{html.escape(name)}</h3>"
                         f"<div class='inspector-sub'>{html.escape(model.name)} · {html.escape(model.summary)}</div>",
                         margin=(0, 10)),
            self._field(pn.widgets.TextInput(name="Name", value=name, description="Shown on the canvas and in plots"),
                        lambda v: state.rename_population(name, v)),
            self._field(pn.widgets.IntInput(name="Size (neurons)" if model.category == "neuron" else "Instances",
                                            value=pop.size, start=1, description="How many neurons (or device instances)"),
                        lambda v: state.set_population_field(name, "size", v)),
        ]
        if model.presets:
            items.append(self._field(
                pn.widgets.Select(name="Preset (firing pattern)", options=["—"] + list(model.presets), value="—",
                                  description="Set the published parameters of a firing pattern in one step"),
                lambda v: True if v == "—" else state.apply_preset(name, v)))
        for quantity in model.parameters.values():
            label = f"{quantity.name} ({quantity.unit})" if quantity.unit else quantity.name
            value = pop.params[quantity.name]
            if quantity.optional:
                widget = pn.widgets.TextInput(name=label, value="" if value is None else f"{value:g}",
                                              placeholder="empty = never", description=quantity.doc)
                items.append(self._field(widget, lambda v, q=quantity.name: state.set_population_field(
                    name, q, _optional_number(v))))
                continue
            low, high = quantity.bounds
            widget = pn.widgets.FloatInput(name=label, value=value, description=quantity.doc, format="0[.]000")
            items.append(self._field(widget, lambda v, q=quantity.name: state.set_population_field(name, q, v)))
        if "spike_times" in model.extra_parameters():
            trains = pop.params["spike_times"]
            widget = pn.widgets.TextAreaInput(
                name="Spike times (ms; one line per neuron)", height=80,
                value="\n".join(", ".join(f"{t:g}" for t in train) for train in trains),
                description="Comma-separated times, one line per neuron (one line: shared by all)")
            items.append(self._field(widget, lambda v: state.set_population_field(name, "spike_times", _parse_trains(v))))
        for times_name, values_name, label in (("amplitude_times", "amplitude_values", "Current steps (ms: pA), one per line"),
                                               ("rate_times", "rate_values", "Rate changes (ms: Hz), one per line")):
            if times_name in model.extra_parameters():
                text_value = "\n".join(f"{t:g}: {v:g}" for t, v in zip(pop.params[times_name], pop.params[values_name]))
                widget = pn.widgets.TextAreaInput(name=label, value=text_value, height=80, placeholder="e.g. 100: 300",
                                                  description="From each time on, the value holds until the next line")
                items.append(self._field(widget, lambda v, tn=times_name, vn=values_name: state.set_population_params(
                    name, dict(zip((tn, vn), _parse_schedule(v))))))
        if model.category == "neuron":
            initial = pop.initial.get("V_m")
            if "V_m" in model.state_defaults and not isinstance(initial, Distribution):
                widget = pn.widgets.FloatInput(name="Initial V_m (mV)", value=pop.params.get("E_L", 0.0) if initial is None else initial,
                                               description="Membrane potential at t = 0")
                items.append(self._field(widget, lambda v: state.set_population_field(name, "initial.V_m", v)))
            items.append(self._html("<b>Recording</b>", margin=(8, 10, 0, 10)))
            items.append(self._field(pn.widgets.Checkbox(name="Record spikes", value=pop.record.spikes),
                                     lambda v: state.set_population_field(name, "record.spikes", v)))
            if model.recordables:
                widget = pn.widgets.TextInput(name="Membrane traces of neurons", value=", ".join(map(str, pop.record.traces)),
                                              placeholder="e.g. 0, 1, 5", description="Neuron indices (from 0) whose V_m is plotted")
                items.append(self._field(widget, lambda v: state.set_population_field(name, "record.traces", _parse_ints(v))))
        return items

    def _projection_form(self, proj) -> list:
        state = self.state
        name = proj.name
        post = state.network.population(proj.post)
        pre = state.network.population(proj.pre)
        weight_unit = "pA" if pre.model_class.emits == "current" else post.model_class.weight_unit
        items = [
            self._html(f"<h3 class='inspector-title'>{html.escape(name)}</h3>"
                         f"<div class='inspector-sub'>{html.escape(proj.pre)} → {html.escape(proj.post)}</div>", margin=(0, 10)),
            self._field(pn.widgets.TextInput(name="Name", value=name), lambda v: state.set_projection_field(name, "name", v)),
            self._field(pn.widgets.Select(name="Connection rule", value=proj.rule.rule,
                                          options=[r for r in RULES if r != "explicit" or proj.rule.rule == "explicit"],
                                          description="How source and target neurons are paired (NEST's rules)"),
                        lambda v: state.set_projection_field(name, "rule", _rule_with(proj.rule, rule=v, post=post, pre=pre))),
        ]
        if proj.rule.rule in RULE_FIELD:
            field, label, kind = RULE_FIELD[proj.rule.rule]
            widget_class = pn.widgets.FloatInput if kind is float else pn.widgets.IntInput
            items.append(self._field(widget_class(name=label, value=getattr(proj.rule, field)),
                                     lambda v, f=field: state.set_projection_field(name, "rule", _rule_with(proj.rule, **{f: v}))))
        items.append(self._field(pn.widgets.Checkbox(name="Allow autapses (self-connections)", value=proj.rule.allow_autapses),
                                 lambda v: state.set_projection_field(name, "rule", _rule_with(proj.rule, allow_autapses=v))))
        items.append(self._field(pn.widgets.Checkbox(name="Allow multapses (repeated pairs)", value=proj.rule.allow_multapses),
                                 lambda v: state.set_projection_field(name, "rule", _rule_with(proj.rule, allow_multapses=v))))
        for field, unit, doc in (("weight", weight_unit, "Synaptic weight; negative = inhibitory"),
                                 ("delay", "ms", "Transmission delay (at least one time step)")):
            value = getattr(proj, field)
            if isinstance(value, Distribution):
                items.append(text(f"{field}: {value.kind} {value.params} ({unit}), drawn per synapse", "div",
                                  stylesheets=self.html_stylesheets))
                continue
            if isinstance(value, tuple):
                items.append(text(f"{field}: {len(value)} listed values ({unit}), mean {sum(value) / max(len(value), 1):.4g}",
                                  "div", stylesheets=self.html_stylesheets))
                continue
            widget = pn.widgets.FloatInput(name=f"{field.capitalize()} ({unit})", value=value, description=doc, format="0[.]0000")
            items.append(self._field(widget, lambda v, f=field: state.set_projection_field(name, f, v)))
        items.append(self._field(pn.widgets.Select(name="Synapse model", value=proj.synapse, options=list(SYNAPSES),
                                                   description="static: fixed weight; stdp: weights learn from spike timing"),
                                 lambda v: state.set_projection_field(name, "synapse", v)))
        synapse = SYNAPSES[proj.synapse]
        for quantity in synapse.parameters.values():
            value = proj.synapse_params[quantity.name]
            if quantity.name == "learning":
                widget = pn.widgets.Checkbox(name="Learning on (live)", value=bool(value))
                items.append(self._field(widget, lambda v: state.set_projection_field(name, "synapse_params.learning",
                                                                                       1.0 if v else 0.0)))
                continue
            label = f"{quantity.name} ({quantity.unit})" if quantity.unit else quantity.name
            widget = pn.widgets.FloatInput(name=label, value=value, description=quantity.doc, format="0[.]0000")
            items.append(self._field(widget, lambda v, q=quantity.name: state.set_projection_field(
                name, f"synapse_params.{q}", v)))
        if "pairing" in synapse.extra_parameters():
            items.append(self._field(pn.widgets.Select(name="Spike pairing", value=proj.synapse_params["pairing"],
                                                       options=["all_to_all", "nearest"]),
                                     lambda v: state.set_projection_field(name, "synapse_params.pairing", v)))
        return items

    def _network_form(self) -> list:
        state = self.state
        net = state.network
        return [
            self._html(f"<h3 class='inspector-title'>{html.escape(net.name)}</h3>"
                         "<div class='inspector-sub'>Network · select a node or an edge to edit it</div>", margin=(0, 10)),
            self._field(pn.widgets.TextInput(name="Network name", value=net.name), lambda v: state.set_network_field("name", v)),
            self._field(pn.widgets.TextAreaInput(name="Description", value=net.description, height=110),
                        lambda v: state.set_network_field("description", v)),
            self._field(pn.widgets.FloatInput(name="Time step dt (ms)", value=net.dt, description="Integration step"),
                        lambda v: state.set_network_field("dt", v)),
            self._field(pn.widgets.IntInput(name="Seed", value=net.seed, description="Same seed, same network, same spikes"),
                        lambda v: state.set_network_field("seed", v)),
        ]


def _rule_with(rule: Connectivity, post=None, pre=None, **changes) -> Connectivity:
    new_rule = changes.get("rule", rule.rule)
    values = {"rule": new_rule, "allow_autapses": rule.allow_autapses, "allow_multapses": rule.allow_multapses}
    values.update({k: v for k, v in changes.items() if k in ("allow_autapses", "allow_multapses")})
    for field in ("p", "indegree", "outdegree", "N"):
        if field in RULES[new_rule]:
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


def _optional_number(value: str):
    value = (value or "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return value  # the model refuses it with a message naming the field


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
