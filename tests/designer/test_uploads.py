"""Opening a file parses it off the server's event loop: other sessions' work goes on while a
10 MB design parses, the parsed design is applied back on the session's own loop, a later file
wins over one still parsing, and a file that cannot be read leaves the design as it was."""
from __future__ import annotations

import asyncio
import threading

import pytest

from designer.main import DesignerApp
from designer.uploads import UploadParser, parse_error
from engine import Network, Population, ValidationError
from engine.io import network_to_json


def big_design_bytes() -> bytes:
    """~11 MB: a spike generator with 600,000 spike times (about a second to parse here)."""
    times = [0.1 * (i + 1) for i in range(600_000)]
    net = Network(name="big", populations=(Population("gen", "spike_generator", 1, params={"spike_times": times}),))
    return network_to_json(net).encode()


def small_design_bytes(name: str) -> bytes:
    return network_to_json(Network(name=name, populations=(Population("exc", "iaf_psc_delta", 3),))).encode()


@pytest.fixture
def app():
    app = DesignerApp(example="one_neuron")
    yield app
    app.session.close()


def run_on_a_loop(app, scenario) -> None:
    """`scenario(loop)` on an asyncio loop that stands for the server's, the app's parsed files
    delivered to it as Bokeh's add_next_tick_callback would."""

    async def main():
        loop = asyncio.get_running_loop()
        loop_thread = threading.get_ident()

        def deliver(action):
            loop.call_soon_threadsafe(lambda: (applied_on.append(threading.get_ident() == loop_thread), action()))

        applied_on: list[bool] = []
        app.uploads.deliver = deliver
        await scenario(loop)
        assert applied_on and all(applied_on)  # the result was applied on the loop, not in the worker

    asyncio.run(main())


def test_the_loop_keeps_running_other_work_while_a_big_file_parses(app):
    content = big_design_bytes()
    opened = asyncio.Event()
    ticks: list[int] = []
    ticks_when_opened: list[int] = []
    app.state.param.watch(lambda _e: (ticks_when_opened.append(len(ticks)), opened.set()), "network")

    async def scenario(loop):
        async def other_session():  # e.g. another student's frames, or /liveness
            while not opened.is_set():
                ticks.append(1)
                await asyncio.sleep(0.01)

        other = loop.create_task(other_session())
        app.file_input.filename = "big.json"
        app.file_input.value = content
        # the change handler returned at once: the file is still parsing, the design untouched
        assert app.state.network.name == "one_neuron"
        assert "Opening big.json" in app.upload_note.object
        await asyncio.wait_for(opened.wait(), timeout=60)
        await other

    run_on_a_loop(app, scenario)
    assert app.state.network.name == "big" and app.state.can_undo
    assert ticks_when_opened[0] >= 3  # the other session's callback ran again and again during the parse
    assert app.upload_note.object == ""


def test_a_later_file_wins_over_one_still_parsing(app):
    networks: list[str] = []
    app.state.param.watch(lambda e: networks.append(e.new.name), "network")

    async def scenario(_loop):
        app.file_input.filename = "big.json"
        app.file_input.value = big_design_bytes()
        app.file_input.filename = "small.json"
        app.file_input.value = small_design_bytes("small")
        first = app.uploads.pending
        await asyncio.sleep(0)
        await asyncio.wait_for(asyncio.wrap_future(first), timeout=60)
        for _ in range(3):  # let the delivered callbacks run
            await asyncio.sleep(0.01)

    run_on_a_loop(app, scenario)
    app.uploads.wait()
    assert networks == ["small"]  # the big file's result, arriving later, was dropped
    assert app.state.network.name == "small"


def test_a_file_that_cannot_be_read_leaves_the_design_and_says_why(app):
    before = app.state.network

    async def scenario(_loop):
        app.file_input.filename = "broken.json"
        app.file_input.value = b'{"format": "snn-designer-network", "version": 1, "network": {"type": '
        await asyncio.wait_for(asyncio.wrap_future(app.uploads.pending), timeout=30)
        await asyncio.sleep(0.01)

    run_on_a_loop(app, scenario)
    assert app.state.network is before
    assert app.state.error.startswith("could not open broken.json")


def test_a_parser_crash_is_an_error_message_not_a_dead_session():
    results = []
    parser = UploadParser()

    def crash(_content, _filename):
        raise RecursionError("maximum recursion depth exceeded")

    parser.submit(b"x", "deep.json", lambda network, error: results.append((network, error)), parse=crash)
    parser.wait()
    assert results == [(None, "could not open deep.json: RecursionError: maximum recursion depth exceeded")]
    assert parse_error("a.json", ValidationError("a.json: line 1: bad")) == "could not open a.json: line 1: bad"
