"""Exporters: PyNEST, PyNN and Brian2 scripts, NIR graphs; running a network in NEST; figures.

    export_pynest(network, seed, t_sim) -> str     run_with_nest(network, t_sim, seed, out_dir, threads)
    export_pynn(network, seed, t_sim) -> str       export_brian2(network, seed, t_sim) -> str
    export_nir(network) -> nir.NIRGraph            write_nir(network, path); import_nir(path) -> Network
    raster_figure / traces_figure / rates_figure / histogram_figure -> Figure (.svg() / .png()); figures_from_simulator
    EXPORTERS: {name: Exporter(name, label, suffix, check, write)} for the CLI and the Export menu

Nothing here imports NEST, PyNN, Brian2 or nir at import time: the scripts run in their own
process, and nir is imported when a NIR function is called. See docs/export.md.
"""
from engine.io.export.brian2_script import export_brian2
from engine.io.export.figures import (
    Figure, figures_from_simulator, histogram_figure, raster_figure, rates_figure, traces_figure,
)
from engine.io.export.pynest_script import export_pynest, run_with_nest
from engine.io.export.pynn_script import export_pynn
from engine.io.export.registry import EXPORTERS, Exporter, get_exporter
from engine.io.nir_export import export_nir, write_nir
from engine.io.nir_import import import_nir

__all__ = ["EXPORTERS", "Exporter", "Figure", "get_exporter", "export_brian2", "export_nir", "export_pynest", "export_pynn",
           "figures_from_simulator", "histogram_figure", "import_nir", "raster_figure", "rates_figure", "run_with_nest",
           "traces_figure", "write_nir"]
