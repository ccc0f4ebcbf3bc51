"""The native file format: versioned JSON with one type-tagged to_dict/from_dict path.

    {"format": "snn-designer-network", "version": 2, "network": {"type": "Network", ...}}

Every model object is a frozen dataclass registered in TYPES; encoding walks
its fields, decoding looks the tag up and calls the constructor, so validation
is the constructors' (one reader that cannot drift from the writer).
Older versions are migrated step by step in MIGRATIONS, never refused.
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from engine.errors import ValidationError
from engine.model.memristor import Memristor
from engine.model.network import Connectivity, Distribution, Network, Population, Projection, Recording

FORMAT_NAME = "snn-designer-network"
FORMAT_VERSION = 2
TYPES = {cls.__name__: cls for cls in (Network, Population, Projection, Connectivity, Distribution, Recording,
                                       Memristor)}
OMITTED_WHEN_NONE = {"memristor"}  # newer optional fields: not written when unset, so older files stay as they were
MAX_FILE_BYTES = 64 * 2**20


def _migrate_0_to_1(doc: dict) -> dict:
    """Version 0 (drafts) kept populations as a name->object mapping."""
    net = doc["network"]
    if isinstance(net.get("populations"), dict):
        net["populations"] = [{"name": name, **pop} for name, pop in net["populations"].items()]
    return doc


def _migrate_1_to_2(doc: dict) -> dict:
    """Version 2 gave Distribution a `clip` mode whose default is "redraw" (NEST's usual
    nest.math.redraw); version-1 files clipped by clamping, so their bounded Distributions keep "clamp"."""
    def visit(item):
        if isinstance(item, dict):
            bounded = item.get("clip_low") is not None or item.get("clip_high") is not None
            if item.get("type") == "Distribution" and bounded:
                item.setdefault("clip", "clamp")
            for value in item.values():
                visit(value)
        elif isinstance(item, list):
            for value in item:
                visit(value)

    visit(doc["network"])
    return doc


MIGRATIONS = {0: _migrate_0_to_1, 1: _migrate_1_to_2}


def to_dict(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and type(obj).__name__ in TYPES:
        out = {"type": type(obj).__name__}
        for f in dataclasses.fields(obj):
            if f.name in OMITTED_WHEN_NONE and getattr(obj, f.name) is None:
                continue
            out[f.name] = to_dict(getattr(obj, f.name))
        return out
    if isinstance(obj, (list, tuple)):
        return [to_dict(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): to_dict(v) for k, v in obj.items()}
    if isinstance(obj, float) and not math.isfinite(obj):
        raise ValidationError(f"cannot save the non-finite number {obj}")
    return obj


def from_dict(data: Any, where: str = "network") -> Any:
    if isinstance(data, list):
        return [from_dict(v, f"{where}[{i}]") for i, v in enumerate(data)]
    if not isinstance(data, dict):
        return data
    if "type" not in data:
        return {k: from_dict(v, f"{where}.{k}") for k, v in data.items()}
    tag = data["type"]
    cls = TYPES.get(tag) if isinstance(tag, str) else None
    if cls is None:
        raise ValidationError(f"{where}: unknown object type {tag!r} (known: {', '.join(TYPES)})")
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names - {"type"})
    if unknown:
        raise ValidationError(f"{where}: {tag} has no field '{unknown[0]}'")
    kwargs = {k: from_dict(v, f"{where}.{k}") for k, v in data.items() if k != "type"}
    for tuple_field in ("populations", "projections", "traces", "variables", "position", "pre_indices",
                        "post_indices", "weight", "delay"):
        if tuple_field in kwargs and isinstance(kwargs[tuple_field], list):
            kwargs[tuple_field] = tuple(kwargs[tuple_field])
    try:
        return cls(**kwargs)
    except ValidationError:
        raise
    except (TypeError, ValueError) as error:
        raise ValidationError(f"{where}: invalid {tag}: {error}") from None


def network_to_json(network: Network) -> str:
    doc = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "network": to_dict(network)}
    return json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False)


def network_from_json(text: str | bytes, source: str = "file") -> Network:
    doc = parse_json(text, source)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT_NAME:
        raise ValidationError(f"{source}: not an SNN Designer network (missing \"format\": \"{FORMAT_NAME}\")")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise ValidationError(f"{source}: field 'version' must be a whole number >= 0")
    if version > FORMAT_VERSION:
        raise ValidationError(f"{source}: written by a newer SNN Designer (format version {version}; this one reads up to {FORMAT_VERSION})")
    if not isinstance(doc.get("network"), dict):
        raise ValidationError(f"{source}: field 'network' is missing or not an object")
    while version < FORMAT_VERSION:
        doc = MIGRATIONS[version](doc)
        version += 1
    network = from_dict(doc["network"], "network")
    if not isinstance(network, Network):
        raise ValidationError(f"{source}: field 'network' must be of type Network")
    return network


def parse_json(text: str | bytes, source: str) -> Any:
    """JSON text (or UTF-8 bytes of at most MAX_FILE_BYTES) to Python values; finite numbers only."""
    if isinstance(text, bytes):
        if len(text) > MAX_FILE_BYTES:
            raise ValidationError(f"{source}: file is larger than {MAX_FILE_BYTES // 2**20} MiB")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(f"{source}: not a text (UTF-8) file") from None
    try:
        doc = json.loads(text, parse_constant=lambda name: _refuse_constant(name, source))
    except json.JSONDecodeError as error:
        raise ValidationError(f"{source}: not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})") from None
    except RecursionError:
        raise ValidationError(f"{source}: JSON is nested too deeply") from None
    if _LONE_SURROGATE.search(text) and not _is_unicode(doc):
        raise ValidationError(f"{source}: a text holds a lone UTF-16 surrogate (an escape such as \\ud800 that "
                              f"is no character); it could not be saved again")
    return doc


_LONE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")  # only then can a decoded text hold a surrogate


def _is_unicode(value: Any) -> bool:
    """Every text in the parsed document (keys too) encodes to UTF-8."""
    if isinstance(value, str):
        return not any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, dict):
        return all(_is_unicode(k) and _is_unicode(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_is_unicode(v) for v in value)
    return True


def _refuse_constant(name: str, source: str):
    raise ValidationError(f"{source}: {name} is not allowed (numbers must be finite)")


def save_network(network: Network, path: str | os.PathLike) -> None:
    """Atomic save: a crash mid-write never leaves a truncated file behind."""
    write_atomic(path, network_to_json(network))


def write_atomic(path: str | os.PathLike, text: str) -> None:
    """Write the text to a temporary file beside `path`, then rename it over `path`."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would make shared files unreadable
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_network(path: str | os.PathLike) -> Network:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ValidationError(f"{path.name}: file is larger than {MAX_FILE_BYTES // 2**20} MiB")
        data = path.read_bytes()
    except OSError as error:
        raise ValidationError(f"{path}: cannot read ({error.strerror})") from None
    return network_from_json(data, source=path.name)
