"""Files: the native JSON format, lessons (a network with a text and checked steps), and the exporters (EXPORTERS: PyNEST, PyNN, Brian2, NIR)."""
from engine.io.export.registry import EXPORTERS, Exporter
from engine.io.lessons import (
    LESSON_FORMAT, LESSON_VERSION, STATISTICS, Condition, FICurve, Lesson, Measurement, Step, condition_names, evaluate_condition,
    lesson_from_json, lesson_to_json, measure_condition, list_lessons, load_lesson, save_lesson,
)
from engine.io.native import (
    FORMAT_NAME, FORMAT_VERSION, from_dict, load_network, network_from_json, network_to_json, save_network, to_dict,
)

__all__ = ["EXPORTERS", "Exporter", "LESSON_FORMAT", "LESSON_VERSION", "STATISTICS", "Condition", "FICurve", "Lesson", "Measurement",
           "Step", "condition_names", "evaluate_condition", "measure_condition", "lesson_from_json", "lesson_to_json", "list_lessons", "load_lesson", "save_lesson", "FORMAT_NAME", "FORMAT_VERSION", "from_dict", "load_network", "network_from_json",
           "network_to_json", "save_network", "to_dict"]
