"""The server behind `snn-designer serve`: one process, one RunScheduler shared by its sessions.

`snn-designer serve` (engine/cli.py) checks its options and starts `python -m designer.server
OPTIONS_JSON`, which calls `serve(ServeOptions(**options))`. Safe defaults: this machine only
(127.0.0.1) unless an address is given; on any other address the URL for the students, the
websocket origins allowed and the limits are printed at start. Uploads are limited (the app
refuses larger files; the websocket refuses messages far beyond them).

Other pages (the teacher's console) join through `extra_pages`: a function of the running
`ClassServer` that returns {route: page function} and may add lines to `notes` (printed at start).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import json
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import panel as pn

from engine import ClassLimits, RunScheduler

ASSETS = Path(__file__).resolve().parent.parent / "assets"
BROWSER_ID_MODULE = Path(__file__).resolve().parent / "store" / "browser_cookie.py"  # each browser's id cookie
LOOPBACK = ("127.0.0.1", "localhost", "::1")
MB = 2**20
# A file arrives as base64 inside a JSON message: the websocket takes 4/3 of the upload limit and
# room for the message around it. Beyond that Tornado closes the tab's connection.
WEBSOCKET_HEADROOM_BYTES = 4 * MB
TRIM_EVERY_S = 20.0


@dataclass(frozen=True)
class ServeOptions:
    """`snn-designer serve`'s options (docs/classroom.md). 0 seconds: never pause."""

    port: int = 5006
    address: str = "127.0.0.1"
    allow_origins: tuple[str, ...] = ()  # extra HOST[:PORT] the students' browsers may use
    max_running: int = 30
    max_neurons: int = 50_000
    max_synapses: int = 20_000_000
    cpu_slots: int | None = None  # None: the cores this process may use
    idle_pause_s: float = 15 * 60.0
    hidden_pause_s: float = 120.0
    max_upload_mb: float = 10.0
    unused_session_s: float = 15.0  # a closed tab's session (and its Runner) ends this long after
    liveness: bool = True  # GET /liveness answers while the server runs (load tests, proxies)

    @property
    def limits(self) -> ClassLimits:
        return ClassLimits(max_running=self.max_running, max_neurons=self.max_neurons,
                           max_synapses=self.max_synapses, cpu_slots=self.cpu_slots,
                           idle_pause_s=self.idle_pause_s or None, hidden_pause_s=self.hidden_pause_s or None)

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * MB)

    @property
    def loopback(self) -> bool:
        return self.address in LOOPBACK


@dataclass
class ClassServer:
    """What the page functions of one server share."""

    options: ServeOptions
    scheduler: RunScheduler
    notes: list[str] = field(default_factory=list)  # printed at start (e.g. a teacher's token)


def this_machine_addresses() -> list[str]:
    """The address other machines reach this one at (no packet is sent), and its host name."""
    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))  # a UDP connect only picks the outgoing interface
            found.append(probe.getsockname()[0])
        except OSError:
            pass
    found.append(socket.gethostname())
    return [a for a in dict.fromkeys(found) if a and a not in LOOPBACK]


def public_hosts(options: ServeOptions) -> list[str]:
    """The hosts students type: the address itself, or this machine's for 0.0.0.0 / ::."""
    if options.loopback:
        return ["127.0.0.1"]
    if options.address in ("0.0.0.0", "::", ""):
        return this_machine_addresses() or ["127.0.0.1"]
    return [options.address]


def websocket_origins(options: ServeOptions) -> list[str]:
    """HOST:PORT values whose pages may open a session's websocket (Bokeh refuses the others)."""
    port = options.port
    hosts = [*public_hosts(options), "127.0.0.1", "localhost"]
    origins = [f"{host}:{port}" for host in hosts]
    origins += [origin if ":" in origin else f"{origin}:{port}" for origin in options.allow_origins]
    return list(dict.fromkeys(origins))


def startup_lines(options: ServeOptions, notes: list[str]) -> list[str]:
    """What `serve` prints: the URL; off loopback also the origins and the limits."""
    urls = [f"http://{host}:{options.port}/app" for host in public_hosts(options)]
    if options.loopback:
        return [f"serving on {urls[0]} (this machine only; --address 0.0.0.0 serves a class)", *notes]
    limits = options.limits
    pauses = ", ".join(part for part in (
        f"a hidden tab pauses after {options.hidden_pause_s:g} s" if limits.hidden_pause_s else "",
        f"an idle one after {options.idle_pause_s / 60:g} min" if limits.idle_pause_s else "") if part)
    return [
        f"serving a class on {options.address}:{options.port}; students open:",
        *(f"  {url}" for url in urls),
        f"websocket origins allowed: {', '.join(websocket_origins(options))} (add others with --allow-origin)",
        f"limits: {options.max_running} running networks at once; {options.max_neurons:,} neurons and "
        f"{options.max_synapses:,} synapses per network; uploads up to {options.max_upload_mb:g} MB"
        + (f"; {pauses}" if pauses else ""),
        *notes,
    ]


def return_free_memory_every(seconds: float) -> threading.Event:
    """A thread that hands the heap pages freed by closed sessions back to the system
    (glibc's malloc_trim; a ctypes call releases the GIL, so the event loop never waits).
    Without it the server kept its high-water mark: 4 ei_network sessions run and closed left
    395 MB against 308 MB idle, trimmed 320 MB (measured in-process). Set the event to stop."""
    stop = threading.Event()
    try:
        trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to do
        return stop

    def loop():
        while not stop.wait(seconds):
            trim(0)

    threading.Thread(target=loop, name="snn-return-free-memory", daemon=True).start()
    return stop


def build_pages(server: ClassServer, extra_pages: Callable[[ClassServer], dict] | None = None) -> dict:
    from designer.main import create_app

    def app_page():  # a function, not a partial: Panel serves only functions as per-session pages
        return create_app(scheduler=server.scheduler, max_upload_bytes=server.options.max_upload_bytes,
                          lesson_saving="anyone" if server.options.loopback else "teacher")

    pages = {"app": app_page}
    if extra_pages is not None:
        pages.update(extra_pages(server))
    return pages


def serve(options: ServeOptions, extra_pages: Callable[[ClassServer], dict] | None = None) -> None:
    """Serve the app until interrupted (blocks)."""
    from designer.main import ensure_warm

    ensure_warm()  # kernels loaded in this process before the first session (never on its Run)
    server = ClassServer(options, RunScheduler(options.limits))
    pages = build_pages(server, extra_pages)
    return_free_memory_every(TRIM_EVERY_S)
    for line in startup_lines(options, server.notes):
        print(line, file=sys.stderr, flush=True)
    pn.serve(pages, **server_settings(options))


def server_settings(options: ServeOptions) -> dict:
    """pn.serve's (and Bokeh's Server's) settings for these options."""
    from bokeh.server.auth_provider import AuthModule

    return dict(
        port=options.port, address=options.address, websocket_origin=websocket_origins(options),
        show=False, title="SNN Designer", static_dirs={"assets": str(ASSETS)} if ASSETS.is_dir() else {},
        liveness=options.liveness, auth_provider=AuthModule(str(BROWSER_ID_MODULE)),
        websocket_max_message_size=int(options.max_upload_bytes * 4 / 3) + WEBSOCKET_HEADROOM_BYTES,
        check_unused_sessions_milliseconds=max(500, int(options.unused_session_s * 500)),
        unused_session_lifetime_milliseconds=max(1000, int(options.unused_session_s * 1000)),
    )


def options_from_json(text: str) -> ServeOptions:
    values = json.loads(text)
    values["allow_origins"] = tuple(values.get("allow_origins", ()))
    return ServeOptions(**values)


def options_to_json(options: ServeOptions) -> str:
    return json.dumps(asdict(options))


if __name__ == "__main__":
    from designer.classroom.console import teacher_pages

    serve(options_from_json(sys.argv[1]) if len(sys.argv) > 1 else ServeOptions(), extra_pages=teacher_pages)
