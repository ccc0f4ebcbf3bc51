"""Form widgets come from the quantity's metadata, through one table."""
import panel as pn

from engine import Quantity, get_model

from designer.forms import widget_for
from designer.views.live_slider import LiveSlider


def test_a_live_parameter_gets_a_slider_labelled_with_its_unit_and_bounded_like_the_model():
    tau_m = get_model("iaf_psc_alpha").parameters["tau_m"]
    widget, kind = widget_for(tau_m, 10.0)
    assert isinstance(widget, LiveSlider) and kind.live
    assert widget.label == "tau_m (ms)"
    assert widget.start > 0.0  # a time constant must stay > 0: the slider cannot reach 0
    assert widget.doc == tau_m.doc


def test_an_optional_parameter_is_a_text_box_where_empty_means_none():
    stop = Quantity(None, "ms", (0.0, None), "When the device stops", live=False, optional=True, name="stop")
    widget, kind = widget_for(stop, None)
    assert isinstance(widget, pn.widgets.TextInput) and widget.value == "" and widget.label == "stop (ms)"
    assert kind.parsed("") is None and kind.parsed(" 250 ") == 250.0
    assert kind.parsed("soon") == "soon"  # passed on, for the model to refuse with its message
    assert kind.shown(250.0) == "250"


def test_a_fixed_number_is_a_number_box_and_a_weight_takes_the_target_models_unit():
    delay = Quantity(1.0, "ms", (0.0, None), "Synaptic delay", live=False, name="delay")
    widget, kind = widget_for(delay, 1.5, number_format="0[.]0000")
    assert isinstance(widget, pn.widgets.FloatInput) and not kind.live
    assert (widget.value, widget.label, widget.format) == (1.5, "delay (ms)", "0[.]0000")
    weight = Quantity(1.0, doc="Synaptic weight", live=True, name="weight")
    slider, _ = widget_for(weight, 0.5, unit="nS", scale=1.0)
    assert slider.label == "weight (nS)"
