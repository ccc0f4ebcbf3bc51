"""Files: the native JSON format, and the exporters (EXPORTERS: PyNEST, PyNN, Brian2, NIR)."""
from engine.io.export.registry import EXPORTERS, Exporter
from engine.io.native import (
    FORMAT_NAME, FORMAT_VERSION, from_dict, load_network, network_from_json, network_to_json, save_network, to_dict,
)

__all__ = ["EXPORTERS", "Exporter", "FORMAT_NAME", "FORMAT_VERSION", "from_dict", "load_network", "network_from_json",
           "network_to_json", "save_network", "to_dict"]
