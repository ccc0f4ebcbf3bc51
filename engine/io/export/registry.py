"""The exporters, one entry each: what the CLI's `export --to` and the app's Export menu offer.

    EXPORTERS["pynest"].check(network)              # raises ValidationError with the reason, else None
    EXPORTERS["pynest"].write(network, path, seed=None, t_sim=None)

A new export format adds one Exporter here; both the CLI and the Export menu list it.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from engine.errors import ValidationError
from engine.model.network import Network


@dataclass(frozen=True)
class Exporter:
    """One export format.

    name     the CLI's `--to` value              label   what the Export menu shows
    suffix   appended to the network's name for the file name ("_nest.py", ".nir")
    check    check(network) raises ValidationError naming the object and the reason when the
             network cannot be exported in this format
    write    write(network, path, seed, t_sim) writes the file (seed/t_sim None: the network's)
    run_hint how to run the written file ("{path}" is replaced), or "" for a data format
    uses_t_sim  whether the format has a simulated time (a NIR graph has none)
    """

    name: str
    label: str
    suffix: str
    check: Callable[[Network], None]
    write: Callable[..., None]
    run_hint: str = ""
    uses_t_sim: bool = True

    def file_name(self, network: Network) -> str:
        return f"{network.name}{self.suffix}"


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write atomically (a failed write leaves an existing file untouched); scripts executable."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent if str(path.parent) else ".")
    try:
        os.fchmod(fd, 0o755 if path.suffix == ".py" else 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _script_exporter(render: Callable[..., str]):
    """(check, write) of a script exporter: the renderer refuses what it cannot write, so a
    check is a render whose text is dropped (milliseconds for the app's designs)."""
    def check(network: Network) -> None:
        render(network)

    def write(network: Network, path, seed: int | None = None, t_sim: float | None = None) -> None:
        write_text(path, render(network, seed=seed, t_sim=t_sim))

    return check, write


def _write_nir(network: Network, path, seed: int | None = None, t_sim: float | None = None) -> None:
    from engine.io.nir_export import write_nir

    if t_sim is not None:
        raise ValidationError("NIR export: a graph has no simulation time (leave t_sim out)")
    write_nir(network, path, seed=seed)


def _check_nir(network: Network) -> None:
    from engine.io.nir_export import check_nir

    check_nir(network)


def _exporters() -> dict[str, Exporter]:
    from engine.io.export.brian2_script import export_brian2
    from engine.io.export.pynest_script import check_pynest, export_pynest
    from engine.io.export.pynn_script import export_pynn

    _, write_pynest = _script_exporter(export_pynest)
    entries = [
        Exporter("pynest", "PyNEST script", "_nest.py", check_pynest, write_pynest,
                 "python {path} --out DIR [--threads N]"),
        Exporter("pynn", "PyNN script", "_pynn.py", *_script_exporter(export_pynn),
                 "python {path} --out DIR --simulator nest"),
        Exporter("brian2", "Brian2 script", "_brian2.py", *_script_exporter(export_brian2), "python {path} --out DIR"),
        Exporter("nir", "NIR graph", ".nir", _check_nir, _write_nir, uses_t_sim=False),
    ]
    return {entry.name: entry for entry in entries}


EXPORTERS: dict[str, Exporter] = _exporters()


def get_exporter(name: str) -> Exporter:
    try:
        return EXPORTERS[name]
    except KeyError:
        raise ValidationError(f"unknown export format {name!r} (known: {', '.join(EXPORTERS)})") from None
