"""`snn-designer serve`'s launcher: safe defaults, what it prints, its limits reaching the sessions."""
from __future__ import annotations

import time

import pytest

from engine import ClassLimits, RunScheduler
from engine.cli import build_parser, serve_command

from designer.main import DesignerApp
from designer.server import (
    ClassServer, ServeOptions, build_pages, options_from_json, startup_lines, websocket_origins,
)


def parsed(*argv: str):
    return build_parser().parse_args(["serve", *argv])


def test_the_command_lines_options_reach_the_launcher_unchanged():
    args = parsed("--port", "5123", "--max-running", "12", "--max-neurons", "20,000", "--idle-pause-min", "5",
                  "--hidden-pause-s", "0", "--max-upload-mb", "2.5", "--allow-origin", "class.example.org")
    command = serve_command(args)
    assert command[1:3] == ["-m", "designer.server"]
    options = options_from_json(command[3])
    assert options == ServeOptions(port=5123, max_running=12, max_neurons=20_000, idle_pause_s=300.0,
                                   hidden_pause_s=0.0, max_upload_mb=2.5, allow_origins=("class.example.org",))
    assert options.limits == ClassLimits(max_running=12, max_neurons=20_000, max_synapses=20_000_000,
                                         idle_pause_s=300.0, hidden_pause_s=None)  # 0 s: never
    assert options.max_upload_bytes == int(2.5 * 2**20)


def test_by_default_it_serves_this_machine_only_and_says_so():
    options = options_from_json(serve_command(parsed())[3])
    assert options.address == "127.0.0.1" and options.loopback
    assert startup_lines(options, []) == [
        "serving on http://127.0.0.1:5006/app (this machine only; --address 0.0.0.0 serves a class)"]
    assert websocket_origins(options) == ["127.0.0.1:5006", "localhost:5006"]


def test_on_a_network_address_it_prints_the_url_the_origins_and_the_limits():
    options = ServeOptions(address="192.168.1.20", port=8080, allow_origins=("class.example.org",))
    lines = startup_lines(options, ["teacher console: http://192.168.1.20:8080/teacher?token=..."])
    assert lines[:2] == ["serving a class on 192.168.1.20:8080; students open:", "  http://192.168.1.20:8080/app"]
    assert lines[2] == ("websocket origins allowed: 192.168.1.20:8080, 127.0.0.1:8080, localhost:8080, "
                        "class.example.org:8080 (add others with --allow-origin)")
    assert lines[3] == ("limits: 30 running networks at once; 50,000 neurons and 20,000,000 synapses per network; "
                        "uploads up to 10 MB; a hidden tab pauses after 120 s, an idle one after 15 min")
    assert lines[4].startswith("teacher console:")  # a page added by another part (extra_pages) prints its line


def test_all_interfaces_print_this_machines_address_not_0000():
    lines = startup_lines(ServeOptions(address="0.0.0.0"), [])
    urls = [line.strip() for line in lines if line.startswith("  http://")]
    assert urls and not any("0.0.0.0" in url for url in urls)


def test_extra_pages_join_the_app_and_share_the_scheduler():
    server = ClassServer(ServeOptions(), RunScheduler())
    seen = {}

    def teacher_pages(class_server):
        seen["scheduler"] = class_server.scheduler
        class_server.notes.append("teacher token: abc")
        return {"teacher": lambda: None}

    pages = build_pages(server, teacher_pages)
    assert set(pages) == {"app", "teacher"} and seen["scheduler"] is server.scheduler
    assert server.notes == ["teacher token: abc"]


@pytest.fixture
def capped_app():
    app = DesignerApp(example="ei_network", scheduler=RunScheduler(ClassLimits(max_neurons=500)),
                      max_upload_bytes=1000)
    yield app
    app.session.close()


def poll_until(app, predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        app.poll()
        time.sleep(0.02)


def test_a_design_over_the_servers_size_limit_shows_why_it_cannot_run(capped_app):
    session = capped_app.session
    poll_until(capped_app, lambda: session.limit_message)
    assert session.limit_message == ("this network has 1,001 neurons; the class limit is 500: make populations smaller")
    assert not session.fault  # a limit is not a crash
    capped_app.gallery.value = "one_neuron"  # small enough: builds, and the message goes
    poll_until(capped_app, lambda: not session.limit_message and session.status == "paused")


def test_a_file_over_the_upload_limit_is_refused_and_the_design_stays(capped_app):
    before = capped_app.state.network
    capped_app.file_input.filename = "huge.json"
    capped_app.file_input.value = b" " * 5000
    assert capped_app.state.network == before
    assert capped_app.state.error == "could not open huge.json: it has 5 kB; this server opens files up to 1 kB"


def test_a_closed_session_leaves_nothing_behind():
    """Panel's JS-callback registry held every closed session's whole app (the Open file button's
    callback): the server's memory grew by each session that had ever run."""
    import gc
    import weakref

    app = DesignerApp(example="ei_network")
    app.session.run()
    poll_until(app, lambda: app.session.t_ms > 20.0)
    kept = [weakref.ref(app), weakref.ref(app.session), weakref.ref(app.recorded)]
    app.close()
    del app
    gc.collect()
    assert [ref() for ref in kept] == [None, None, None]


def test_freed_memory_is_returned_by_a_thread_that_stops_when_told():
    import threading

    from designer.server import return_free_memory_every

    stop = return_free_memory_every(0.05)
    time.sleep(0.2)
    assert any(t.name == "snn-return-free-memory" for t in threading.enumerate())
    stop.set()
    time.sleep(0.2)
    assert not any(t.name == "snn-return-free-memory" for t in threading.enumerate())
