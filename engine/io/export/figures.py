"""Figures of recorded data as SVG (text written here) and PNG (Pillow): raster, traces, rates.

Each figure is drawn once, on a small canvas interface with two backends, so the SVG and
the PNG show the same thing. Inputs are plain arrays (as a Simulator or the loaders in
engine.io.data return them), so figures can be made from saved files too.

    raster_figure(spikes, sizes, t_stop)     spikes: {population: (neuron, time ms)}
    traces_figure(times, traces)             traces: {label: values}
    rates_figure(times, rates)               rates: {population: Hz}
    histogram_figure(edges, counts, xlabel)  counts: {label: counts per bin}, drawn as outlines
    fig.svg() -> str ; fig.png() -> bytes ; fig.save(path)  (by suffix .svg / .png)
    figures_from_simulator(sim, out_dir)     raster, traces and rates as .svg and .png
"""
from __future__ import annotations

import math
from html import escape
from io import BytesIO
from pathlib import Path

import numpy as np

from engine.errors import ValidationError

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")
MAX_RASTER_DOTS = 200_000
MAX_LINE_POINTS = 4000
WIDTH, HEIGHT = 800, 420
MARGIN = {"left": 72, "right": 24, "top": 36, "bottom": 52}


def nice_ticks(low: float, high: float, target: int = 6) -> list[float]:
    """Round tick values covering [low, high] (1, 2, 5 times a power of ten)."""
    if not math.isfinite(low) or not math.isfinite(high):
        return []
    if high <= low:
        high = low + 1.0
    raw = (high - low) / max(target, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9 and len(ticks) < 50:
        ticks.append(round(value, 12))
        value += step
    return ticks


def _label(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e5 else f"{value:.3g}"


class Figure:
    """Axes with a title and labels, and marks in data coordinates."""

    def __init__(self, title: str, xlabel: str, ylabel: str, xlim: tuple[float, float], ylim: tuple[float, float],
                 width: int = WIDTH, height: int = HEIGHT):
        self.title, self.xlabel, self.ylabel = title, xlabel, ylabel
        self.xlim, self.ylim = (float(xlim[0]), float(xlim[1])), (float(ylim[0]), float(ylim[1]))
        if self.xlim[1] <= self.xlim[0]:
            self.xlim = (self.xlim[0], self.xlim[0] + 1.0)
        if self.ylim[1] <= self.ylim[0]:
            self.ylim = (self.ylim[0] - 0.5, self.ylim[0] + 0.5)
        self.width, self.height = width, height
        self.lines: list[tuple[np.ndarray, np.ndarray, str, str]] = []  # x, y, colour, legend label
        self.dots: list[tuple[np.ndarray, np.ndarray, str]] = []
        self.yticks: list[tuple[float, str]] | None = None
        self.bands: list[tuple[float, float, str]] = []  # y range and label of raster populations
        self.note = ""

    # -- coordinates --------------------------------------------------------------------------
    def _px(self, x):
        left, right = MARGIN["left"], self.width - MARGIN["right"]
        return left + (np.asarray(x, float) - self.xlim[0]) / (self.xlim[1] - self.xlim[0]) * (right - left)

    def _py(self, y):
        top, bottom = MARGIN["top"], self.height - MARGIN["bottom"]
        return bottom - (np.asarray(y, float) - self.ylim[0]) / (self.ylim[1] - self.ylim[0]) * (bottom - top)

    # -- drawing on any canvas ----------------------------------------------------------------
    def _draw(self, c) -> None:
        left, right = MARGIN["left"], self.width - MARGIN["right"]
        top, bottom = MARGIN["top"], self.height - MARGIN["bottom"]
        c.rect(0, 0, self.width, self.height, fill="#ffffff")
        for low, high, label in self.bands:
            c.text(left - 8, float(self._py((low + high) / 2)), label, anchor="end", size=12)
        for x, y, colour in self.dots:
            c.dots(self._px(x), self._py(y), colour)
        for x, y, colour, _ in self.lines:
            c.polyline(self._px(x), self._py(y), colour)
        c.line(left, bottom, right, bottom, "#333333")
        c.line(left, top, left, bottom, "#333333")
        for tick in nice_ticks(*self.xlim):
            x = float(self._px(tick))
            c.line(x, bottom, x, bottom + 5, "#333333")
            c.text(x, bottom + 19, _label(tick), anchor="middle", size=12)
        yticks = self.yticks if self.yticks is not None else [(t, _label(t)) for t in nice_ticks(*self.ylim, target=5)]
        for value, label in yticks:
            y = float(self._py(value))
            c.line(left - 5, y, left, y, "#333333")
            if not self.bands:
                c.text(left - 8, y + 4, label, anchor="end", size=12)
        c.text((left + right) / 2, self.height - 12, self.xlabel, anchor="middle", size=13)
        c.text(16, (top + bottom) / 2, self.ylabel, anchor="middle", size=13, rotate=True)
        c.text((left + right) / 2, 22, self.title, anchor="middle", size=15, bold=True)
        legend = [(label, colour) for _, _, colour, label in self.lines if label]
        for i, (label, colour) in enumerate(legend[:10]):
            y = top + 12 + 16 * i
            c.line(right - 150, y - 4, right - 130, y - 4, colour, width=2)
            c.text(right - 125, y, label, anchor="start", size=12)
        if self.note:
            c.text(right, bottom + 38, self.note, anchor="end", size=11, colour="#666666")

    def svg(self) -> str:
        canvas = _SvgCanvas(self.width, self.height)
        self._draw(canvas)
        return canvas.text_out()

    def png(self) -> bytes:
        canvas = _PngCanvas(self.width, self.height)
        self._draw(canvas)
        return canvas.bytes_out()

    def save(self, path) -> Path:
        path = Path(path)
        if path.suffix == ".svg":
            path.write_text(self.svg(), encoding="utf-8")
        elif path.suffix == ".png":
            path.write_bytes(self.png())
        else:
            raise ValidationError(f"{path}: figures are written as .svg or .png")
        return path


class _SvgCanvas:
    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        self.parts: list[str] = []

    def rect(self, x, y, w, h, fill):
        self.parts.append(f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}"/>')

    def line(self, x1, y1, x2, y2, colour, width=1):
        self.parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                          f'stroke="{colour}" stroke-width="{width}"/>')

    def polyline(self, xs, ys, colour):
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs.tolist(), ys.tolist()))
        self.parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.5"/>')

    def dots(self, xs, ys, colour):
        # one path of tiny squares: small files even with many spikes
        d = "".join(f"M{x:.1f} {y - 0.75:.1f}h1.5v1.5h-1.5z" for x, y in zip(xs.tolist(), ys.tolist()))
        if d:
            self.parts.append(f'<path d="{d}" fill="{colour}"/>')

    def text(self, x, y, text, anchor="start", size=12, rotate=False, bold=False, colour="#222222"):
        transform = f' transform="rotate(-90 {x:.1f} {y:.1f})"' if rotate else ""
        weight = ' font-weight="bold"' if bold else ""
        self.parts.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{colour}"'
                          f'{weight}{transform}>{escape(str(text))}</text>')

    def text_out(self) -> str:
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width}" height="{self.height}" '
                f'viewBox="0 0 {self.width} {self.height}" font-family="DejaVu Sans, Arial, sans-serif">')
        return head + "\n" + "\n".join(self.parts) + "\n</svg>\n"


class _PngCanvas:
    SCALE = 2  # draw at twice the size and shrink: smooth lines and text

    def __init__(self, width: int, height: int):
        from PIL import Image, ImageDraw

        self.width, self.height = width, height
        self.image = Image.new("RGB", (width * self.SCALE, height * self.SCALE), "#ffffff")
        self.draw = ImageDraw.Draw(self.image)
        self.fonts: dict[tuple[int, bool], object] = {}

    def _font(self, size: int, bold: bool):
        from PIL import ImageFont

        key = (size, bold)
        if key not in self.fonts:
            names = ("DejaVuSans-Bold.ttf",) if bold else ("DejaVuSans.ttf",)
            font = None
            for name in names:
                try:
                    font = ImageFont.truetype(name, size * self.SCALE)
                    break
                except OSError:
                    continue
            if font is None:
                try:
                    font = ImageFont.load_default(size=size * self.SCALE)
                except TypeError:  # Pillow < 10.1 has one bitmap size
                    font = ImageFont.load_default()
            self.fonts[key] = font
        return self.fonts[key]

    def rect(self, x, y, w, h, fill):
        s = self.SCALE
        self.draw.rectangle([x * s, y * s, (x + w) * s, (y + h) * s], fill=fill)

    def line(self, x1, y1, x2, y2, colour, width=1):
        s = self.SCALE
        self.draw.line([x1 * s, y1 * s, x2 * s, y2 * s], fill=colour, width=max(1, int(width * s)))

    def polyline(self, xs, ys, colour):
        s = self.SCALE
        points = list(zip((xs * s).tolist(), (ys * s).tolist()))
        if len(points) > 1:
            self.draw.line(points, fill=colour, width=3, joint="curve")

    def dots(self, xs, ys, colour):
        s = self.SCALE
        for x, y in zip((xs * s).tolist(), (ys * s).tolist()):
            self.draw.rectangle([x, y - 1.5, x + 2, y + 1.5], fill=colour)

    def text(self, x, y, text, anchor="start", size=12, rotate=False, bold=False, colour="#222222"):
        from PIL import Image, ImageDraw

        s = self.SCALE
        font = self._font(size, bold)
        pil_anchor = {"start": "ls", "middle": "ms", "end": "rs"}[anchor]
        if not rotate:
            self.draw.text((x * s, y * s), str(text), fill=colour, font=font, anchor=pil_anchor)
            return
        box = self.draw.textbbox((0, 0), str(text), font=font, anchor="lt")
        w, h = box[2] - box[0] + 4, box[3] - box[1] + 4
        label = Image.new("RGBA", (w, h), (255, 255, 255, 0))
        ImageDraw.Draw(label).text((2, 2), str(text), fill=colour, font=font, anchor="lt")
        label = label.rotate(90, expand=True)
        self.image.paste(label, (int(x * s - label.width / 2), int(y * s - label.height / 2)), label)

    def bytes_out(self) -> bytes:
        from PIL import Image

        out = BytesIO()
        self.image.resize((self.width, self.height), Image.LANCZOS).save(out, format="PNG", optimize=True)
        return out.getvalue()


def _thin(x: np.ndarray, y: np.ndarray, limit: int = MAX_LINE_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """At most `limit` points: keep each bucket's min and max so peaks (spikes) stay visible."""
    if x.size <= limit:
        return x, y
    buckets = limit // 2
    edges = np.linspace(0, x.size, buckets + 1).astype(int)
    keep = []
    for a, b in zip(edges[:-1], edges[1:]):
        if b > a:
            seg = y[a:b]
            i, j = a + int(np.argmin(seg)), a + int(np.argmax(seg))
            keep += sorted({i, j})
    keep = np.array(keep)
    return x[keep], y[keep]


def raster_figure(spikes: dict, sizes: dict, t_stop: float, t_start: float = 0.0, title: str = "Spike raster") -> Figure:
    """Populations stacked from the top; each dot a spike (neuron within its population, time)."""
    names = list(spikes)
    total = sum(int(sizes[name]) for name in names) or 1
    fig = Figure(title, "time (ms)", "neuron", (t_start, t_stop), (0, total))
    n_spikes = sum(len(spikes[name][1]) for name in names)
    stride = max(1, math.ceil(n_spikes / MAX_RASTER_DOTS))
    row = total
    for i, name in enumerate(names):
        neuron, times = (np.asarray(a) for a in spikes[name])
        size = int(sizes[name])
        keep = (times >= t_start) & (times <= t_stop)
        neuron, times = neuron[keep][::stride], times[keep][::stride]
        fig.dots.append((times, row - neuron - 0.5, PALETTE[i % len(PALETTE)]))
        fig.bands.append((row - size, row, name))
        row -= size
    fig.yticks = [(low, "") for low, _, _ in fig.bands] + [(total, "")]
    if stride > 1:
        fig.note = f"1 in {stride} of {n_spikes:,} spikes shown"
    return fig


def traces_figure(times, traces: dict, ylabel: str = "membrane potential (mV)", title: str = "Membrane traces") -> Figure:
    times = np.asarray(times, float)
    values = [np.asarray(v, float) for v in traces.values()]
    finite = np.concatenate([v[np.isfinite(v)] for v in values]) if values else np.zeros(0)
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    pad = 0.05 * (high - low or 1.0)
    t0, t1 = (float(times[0]), float(times[-1])) if times.size else (0.0, 1.0)
    fig = Figure(title, "time (ms)", ylabel, (t0, t1), (low - pad, high + pad))
    for i, (label, v) in enumerate(traces.items()):
        x, y = _thin(times, np.asarray(v, float))
        fig.lines.append((x, y, PALETTE[i % len(PALETTE)], str(label)))
    return fig


def rates_figure(times, rates: dict, title: str = "Population rates") -> Figure:
    times = np.asarray(times, float)
    high = max((float(np.max(r)) for r in rates.values() if len(r)), default=1.0)
    t0, t1 = (float(times[0]), float(times[-1])) if times.size else (0.0, 1.0)
    fig = Figure(title, "time (ms)", "rate (Hz)", (t0, t1), (0.0, high * 1.08 or 1.0))
    for i, (label, r) in enumerate(rates.items()):
        x, y = _thin(times, np.asarray(r, float))
        fig.lines.append((x, y, PALETTE[i % len(PALETTE)], str(label)))
    return fig


def histogram_figure(edges, counts: dict, xlabel: str, ylabel: str = "count", title: str = "Histogram") -> Figure:
    """Each series an outline of its bars (a step line), so overlapping series stay readable."""
    edges = np.asarray(edges, float)
    high = max((float(np.max(c)) for c in counts.values() if len(c)), default=1.0)
    fig = Figure(title, xlabel, ylabel, (float(edges[0]), float(edges[-1])), (0.0, high * 1.08 or 1.0))
    for i, (label, c) in enumerate(counts.items()):
        heights = np.asarray(c, float)
        x = np.repeat(edges, 2)
        y = np.concatenate([[0.0], np.repeat(heights, 2), [0.0]])
        fig.lines.append((x, y, PALETTE[i % len(PALETTE)], str(label)))
    return fig


def figures_from_simulator(sim, out_dir, formats=("svg", "png"), rate_bin_ms: float = 5.0) -> list[Path]:
    """raster, traces (if any are recorded) and rates of a Simulator as files in out_dir."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    network = sim.network
    recorded = [p for p in network.populations if not p.is_device and p.record.spikes]
    figures = {"raster": raster_figure({p.name: sim.spikes(p.name) for p in recorded},
                                       {p.name: p.size for p in recorded}, t_stop=sim.t)}
    times, traces = sim.traces()
    if traces:
        figures["traces"] = traces_figure(times, {f"{r.population}[{r.neuron}] {r.variable}": v for r, v in traces.items()},
                                          ylabel="value (mV, pA or nS)" if any(r.variable != "V_m" for r in traces)
                                          else "membrane potential (mV)")
    rate_times, rates = sim.rates(rate_bin_ms)
    neuron_names = {p.name for p in network.populations if not p.is_device}
    figures["rates"] = rates_figure(rate_times, {k: v for k, v in rates.items() if k in neuron_names})
    written = []
    for name, fig in figures.items():
        for fmt in formats:
            written.append(fig.save(out / f"{name}.{fmt}"))
    return written
