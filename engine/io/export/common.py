"""Helpers shared by the script exporters: literals, comments, engine semantics, the results code.

The exported scripts must do what the engine does, so the few places where the engine
decides something implicitly (the initial membrane potential, spike times on the grid,
the simulated time in whole steps) are written down once, here.
"""
from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path

from engine.compile import initial_state_spec
from engine.compile.propagators import steps_of
from engine.errors import ValidationError
from engine.model.network import Distribution, Network, Population, Value, value_bounds

RESULTS_MARKER = "# ---- copied into the scripts from here on ----\n"


def results_code() -> str:
    """The source of script_results.py below its marker (cv_isi, spikes_csv_text, write_results)."""
    text = Path(__file__).with_name("script_results.py").read_text(encoding="utf-8")
    return text.split(RESULTS_MARKER, 1)[1]


def literal(value) -> str:
    """Python source for a number, text, bool, None, list or dict (floats round-trip exactly)."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(f"export: cannot write the non-finite number {value}")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # double quotes; JSON escapes are Python escapes
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    return repr(float(value))


DRAW_FUNCTION = [
    "def draw(spec, n, rng):",
    '    """n values of a constant or a distribution {kind, params, scale, clip_low, clip_high, clip}, as',
    '    SNN Designer draws: scale x the law, then values outside the bounds drawn again (clip "redraw")',
    '    or moved onto the bound (clip "clamp")."""',
    "    if not isinstance(spec, dict):",
    "        return np.full(n, float(spec))",
    "",
    "    def law(size):",
    '        p = spec["params"]',
    '        if spec["kind"] == "normal":',
    '            return spec["scale"] * rng.normal(p["mean"], p["std"], size=size)',
    '        if spec["kind"] == "uniform":',
    '            return spec["scale"] * rng.uniform(p["low"], p["high"], size=size)',
    '        return spec["scale"] * rng.lognormal(p["mean"], p["sigma"], size=size)',
    "",
    "    out = law(n)",
    '    low = -np.inf if spec["clip_low"] is None else spec["clip_low"]',
    '    high = np.inf if spec["clip_high"] is None else spec["clip_high"]',
    '    if spec["clip"] == "clamp":',
    "        return np.clip(out, low, high)",
    "    outside = np.flatnonzero((out < low) | (out > high))",
    "    for _ in range(1000):  # NEST's limit of redraws",
    "        if outside.size == 0:",
    "            break",
    "        fresh = law(outside.size)",
    "        out[outside] = fresh",
    "        outside = outside[(fresh < low) | (fresh > high)]",
    "    if outside.size:",
    '        raise ValueError(f"{outside.size} values still outside [{low}, {high}] after 1000 draws")',
    "    return out",
]


def spec_literal(value) -> str:
    """A value as the scripts' draw() understands it: a number or a distribution dict."""
    if not isinstance(value, Distribution):
        return literal(float(value))
    return literal({"kind": value.kind, "params": dict(value.params), "scale": value.scale,
                    "clip_low": value.clip_low, "clip_high": value.clip_high, "clip": value.clip})


def list_lines(values, indent: str, width: int = 100) -> list[str]:
    """A list literal over several lines (at most about `width` characters each): the first line
    is '[' plus values, the last ends with ']'. For the long index and weight lists of explicit
    projections, so a script stays readable line by line."""
    items = [literal(v) for v in values]
    lines, current = [], ""
    for item in items:
        piece = item + ", "
        if current and len(indent) + 1 + len(current) + len(piece) > width:
            lines.append(current.rstrip())
            current = ""
        current += piece
    lines.append(current.rstrip().rstrip(","))
    if len(lines) == 1:
        return [f"{indent}[{lines[0]}]"]
    return [f"{indent}[{lines[0]}"] + [f"{indent} {line}" for line in lines[1:-1]] + [f"{indent} {lines[-1]}]"]


def listed_block(name: str, entries: dict[str, dict[str, list]], comment: list[str]) -> list[str]:
    """`NAME = {label: {"pre": [...], "post": [...], ...}, ...}` with every list wrapped."""
    out = [f"# {line}" if line else "#" for line in comment]
    out.append(f"{name} = {{")
    for label, columns in entries.items():
        out.append(f"    {literal(label)}: {{")
        for key, values in columns.items():
            body = list_lines(values, "        ")
            body[0] = f"        {literal(key)}: " + body[0].lstrip()
            body[-1] += ","
            out += body
        out.append("    },")
    out.append("}")
    return out


def one_line(text: str) -> str:
    """Text safe inside a `#` comment: no line breaks or control characters."""
    return "".join(ch if ch.isprintable() else " " for ch in str(text))


def describe_value(value: Value, unit: str = "") -> str:
    """'20.25 pA', '3 listed values (-2 .. 3) pA' or '-5 x lognormal(mean=1, sigma=0.5) pA, redrawn inside
    [-400, inf]' for comments."""
    unit = f" {unit}" if unit else ""
    if isinstance(value, tuple):
        low, high = value_bounds(value)
        return f"{len(value)} listed values ({low:g} .. {high:g}){unit}"
    if not isinstance(value, Distribution):
        return f"{value:g}{unit}"
    args = ", ".join(f"{k}={v:g}" for k, v in value.params.items())
    text = f"{value.kind}({args})"
    if value.scale != 1.0:
        text = f"{value.scale:g} x {text}"
    text += unit
    if value.clip_low is not None or value.clip_high is not None:
        low = "-inf" if value.clip_low is None else f"{value.clip_low:g}"
        high = "inf" if value.clip_high is None else f"{value.clip_high:g}"
        how = "redrawn inside" if value.clip == "redraw" else "clamped to"
        text += f", {how} [{low}, {high}]"
    return text


def describe_rule(rule) -> str:
    if rule.rule == "explicit":  # the listed synapses are taken as they are: no autapse/multapse flags
        n = len(rule.pre_indices)
        return f"explicit, {n} listed synapse{'s' if n != 1 else ''}"
    parts = [rule.rule]
    for name in ("p", "indegree", "outdegree", "N"):
        if getattr(rule, name) is not None:
            parts.append(f"{name}={getattr(rule, name):g}")
    if rule.rule != "one_to_one":
        if not rule.allow_autapses:
            parts.append("no autapses")
        if not rule.allow_multapses:
            parts.append("no multapses")
    return ", ".join(parts)


def initial_state(pop: Population) -> dict[str, Value]:
    """The initial value of each state variable, as the engine's compiler chooses it."""
    return initial_state_spec(pop)


def spike_trains(pop: Population, dt: float) -> list[list[float]]:
    """Per neuron of a spike_generator: its spike times on the grid, as the engine emits them
    (a time T fires in the step that ends at round(T/dt)*dt; times that round to 0 are dropped)."""
    trains = pop.params.get("spike_times", [])
    out = []
    for i in range(pop.size):
        if len(trains) > 1:
            times = trains[i] if i < len(trains) else []
        else:
            times = trains[0] if trains else []
        out.append([on_grid(t, dt) for t in times if steps_of(t, dt) >= 1])
    return out


def on_grid(t: float, dt: float) -> float:
    return round(steps_of(t, dt) * dt, 10)


def simulated_time(t_sim: float, dt: float) -> float:
    """t_sim rounded to whole steps, as the engine's Simulator.run does."""
    return round(steps_of(t_sim, dt) * dt, 10)


def check_common(network: Network, seed: int | None, t_sim: float | None, target: str) -> tuple[int, float]:
    """Seed and simulated time with the network's defaults, both checked; delays of at least one step."""
    if not isinstance(network, Network):
        raise ValidationError(f"{target} export: expected a Network, got {type(network).__name__}")
    seed = network.seed if seed is None else seed
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise ValidationError(f"{target} export: seed must be a whole number between 0 and 2^32-1, got {seed!r}")
    t_sim = network.t_sim if t_sim is None else t_sim
    if isinstance(t_sim, bool) or not isinstance(t_sim, (int, float)) or not math.isfinite(t_sim) or t_sim <= 0:
        raise ValidationError(f"{target} export: t_sim must be a finite number of ms > 0, got {t_sim!r}")
    if not any(not p.is_device for p in network.populations):
        raise ValidationError(f"{target} export: network '{network.name}' has no neurons to simulate")
    for proj in network.projections:
        low, _ = value_bounds(proj.delay)
        if steps_of(low, network.dt) < 1:
            raise ValidationError(f"projection '{proj.name}': delay {low:g} ms is below the time step "
                                  f"dt = {network.dt:g} ms (minimum delay is one step)")
    return seed, float(t_sim)


def script_head(network: Network, tool: str, run_line: str, extra: list[str], imports: list[str],
                constants: list[str]) -> list[str]:
    """The start of a script: shebang, docstring, imports (one per line, "" for a blank line),
    then NETWORK, T_SIM, DT, SEED lines as given."""
    return ["#!/usr/bin/env python3", *header_docstring(network, tool, run_line, extra), *imports, "", *constants, "", ""]


def script_end(neurons, main_lines: list[str], listed: list[str], comment: list[str]) -> list[str]:
    """The end of a script after build(): the POPULATIONS table (`comment` above it), main(), the
    results code, the LISTED synapses (if any) and the __main__ guard."""
    out = ["", "", *[f"# {line}" for line in comment], "POPULATIONS = ["]
    out += [f"    {literal([p.name, p.model, p.size, p.record_spikes])}," for p in neurons]
    out += ["]", "", "", *main_lines, results_code().rstrip("\n")]
    if listed:
        out += ["", "", *listed]
    return out + ["", "", 'if __name__ == "__main__":', "    sys.exit(main())", ""]


def header_docstring(network: Network, tool: str, run_line: str, extra: list[str] = ()) -> list[str]:
    """The script's docstring: what it is, how to run it, what it writes."""
    title = one_line(network.name).replace('"""', "'''").replace("\\", "/")
    lines = [f'"""{title}: the SNN Designer network as a {tool} script.', ""]
    for line in textwrap.wrap(one_line(network.description), 84) if network.description.strip() else []:
        lines.append(line.replace('"""', "'''").replace("\\", "/"))
    if network.description.strip():
        lines.append("")
    lines += [
        "Run:",
        f"    {run_line}",
        "It writes DIR/spikes.csv (population,neuron,time_ms; neuron = index within its",
        "population from 0; populations that record spikes) and DIR/summary.json (per",
        "population: size, n_spikes, rate_hz, cv_isi; build_s, sim_s, bio_s_per_wall_s),",
        "as `snn-designer run` does. Random draws are the simulator's own, so results",
        "match the SNN Designer engine statistically, not spike for spike.",
    ]
    for line in extra:
        lines.append(line)
    lines.append('"""')
    return lines
