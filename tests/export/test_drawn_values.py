"""Drawn values leave SNN Designer with their scale and their bounds: the scripts' draw() is the
engine's (same numpy calls, so the same values for the same generator), and PyNEST writes
redraw as nest.math.redraw and clamp as nest.math.min/max (NEST's statistics: tests/reference)."""
import math

import numpy as np
import pytest

from engine import Distribution, Network, Population, Projection
from engine.compile.connect import draw
from engine.io.export import export_pynest
from engine.io.export.common import DRAW_FUNCTION, spec_literal

LAWS = [
    Distribution("normal", {"mean": 2.0, "std": 1.0}, clip_low=1.0, clip_high=3.0),
    Distribution("normal", {"mean": 2.0, "std": 1.0}, clip_low=1.0, clip_high=3.0, clip="clamp"),
    Distribution("lognormal", {"mean": math.log(20.0), "sigma": 0.6}, scale=-5.0, clip_low=-400.0),
    Distribution("lognormal", {"mean": math.log(150.0), "sigma": 0.8}, clip_high=400.0, clip="clamp"),
    Distribution("uniform", {"low": -1.0, "high": 1.0}, scale=3.0, clip_high=2.0),
]


@pytest.mark.parametrize("law", LAWS, ids=lambda d: f"{d.kind}-{d.clip}-x{d.scale:g}")
def test_the_scripts_draw_is_the_engines(law):
    namespace = {"np": np}
    exec("\n".join(DRAW_FUNCTION), namespace)  # the function every script carries
    spec = eval(spec_literal(law), {"None": None})
    ours = draw(law, 5000, np.random.default_rng(11))
    script = namespace["draw"](spec, 5000, np.random.default_rng(11))
    np.testing.assert_array_equal(script, ours)
    low, high = law.bounds()
    assert low <= ours.min() and ours.max() <= high
    at_bound = np.mean((ours == law.clip_low) | (ours == law.clip_high))
    assert (at_bound > 0.05) if law.clip == "clamp" else (at_bound == 0)


def pynest_weight_code(weight: Distribution) -> str:
    net = Network(name="w", populations=(Population("a", "iaf_psc_exp", 3), Population("b", "iaf_psc_exp", 3)),
                  projections=(Projection("a", "b", weight=weight, delay=1.0),))
    text = export_pynest(net)
    return next(line for line in text.splitlines() if '"weight":' in line)


def test_pynest_writes_scale_and_both_ways_of_keeping_draws_inside():
    inhibitory = pynest_weight_code(LAWS[2])
    assert (f'"weight": nest.math.redraw(nest.random.lognormal(mean={math.log(20.0)!r}, std=0.6) * -5.0, '
            f"min=-400.0, max=math.inf)") in inhibitory
    capped = pynest_weight_code(LAWS[3])
    assert f'"weight": nest.math.min(nest.random.lognormal(mean={math.log(150.0)!r}, std=0.8), 400.0)' in capped
