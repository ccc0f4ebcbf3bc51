"""Files: the native JSON format (and, later, exporters/importers)."""
from engine.io.native import (
    FORMAT_NAME, FORMAT_VERSION, from_dict, load_network, network_from_json, network_to_json, save_network, to_dict,
)

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "from_dict", "load_network", "network_from_json",
           "network_to_json", "save_network", "to_dict"]
