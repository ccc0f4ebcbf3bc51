"""The neuromorphic lens: efficiency metrics counted during a run (metrics), their energy on
neuromorphic chips and conventional baselines (energy), and whether a design fits a chip
(hardware), and how it degrades when parts are lesioned (degradation). Figures and limits live in assets/neuromorphic/*.json with their sources."""
from engine.neuromorphic.degradation import DegradationSweep, degradation_sweep
from engine.neuromorphic.energy import DISCLAIMER, EnergyTarget, estimate_energy, load_energy_table
from engine.neuromorphic.hardware import (
    DesignFigures, FitVerdict, HardwareTarget, check_fit, design_figures, load_hardware_table, quantisation_error,
)
from engine.neuromorphic.metrics import (
    ConnectivityProfile, EfficiencyCounter, EfficiencyMetrics, connectivity_profile,
)

__all__ = [
    "DegradationSweep", "degradation_sweep", "DISCLAIMER", "EnergyTarget", "estimate_energy", "load_energy_table",
    "DesignFigures", "FitVerdict", "HardwareTarget", "check_fit", "design_figures", "load_hardware_table",
    "quantisation_error", "ConnectivityProfile", "EfficiencyCounter", "EfficiencyMetrics", "connectivity_profile",
]
