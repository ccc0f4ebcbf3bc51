"""The session store against SQLite and a real PostgreSQL server: what a student saved comes back
whole (design, undo and redo, lesson progress), only to their own browser, and neither a failed
save nor a process killed mid-save nor two processes writing at once leaves a damaged design."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from designer.state import DesignState
from designer.store import SavedDesign, StoreError, new_browser_id, open_store
from designer.store.sqlite import SqliteStore
from engine import ValidationError
from engine.io import load_network, network_from_json, network_to_json
from throwaway_postgres import ThrowawayPostgres

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "assets/examples/ei_network.json"


@pytest.fixture(scope="module")
def postgres_url():
    folder = tempfile.mkdtemp(prefix="snn-pg-")  # not under pytest's 0700 folder: the server runs as `postgres`
    server = ThrowawayPostgres(Path(folder))
    try:
        yield server.start().url
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        opened = open_store(data_dir=tmp_path / "data")
    else:
        opened = open_store(request.getfixturevalue("postgres_url"))
    yield opened
    opened.close()


def edited_state() -> DesignState:
    """The E/I example after four edits, one of them undone (so there is a redo step too)."""
    state = DesignState(load_network(EXAMPLE))
    state.add_population("iaf_psc_exp", 10, 20)
    state.set_projection_field("exc→inh", "weight", 0.25)
    state.rename_population("inh", "interneurons")
    state.set_population_field("exc", "size", 321)
    state.undo()
    return state


def saved_from(state: DesignState, progress: dict | None = None) -> SavedDesign:
    undo, redo = state.history()
    return SavedDesign(current=network_to_json(state.network), undo=tuple((network_to_json(n), d) for n, d in undo),
                       redo=tuple((network_to_json(n), d) for n, d in redo), progress=progress or {},
                       network_name=state.network.name)


def test_a_save_comes_back_whole_with_its_undo_and_redo_history(store):
    state, browser = edited_state(), new_browser_id()
    progress = {"lesson": "lif_basics", "done": {"0": [12.5, "12.5 Hz"]}}
    assert store.save(browser, "workspace", saved_from(state, progress)) == 1
    back = store.load(browser, "workspace")
    assert network_from_json(back.current) == state.network
    undo, redo = state.history()
    assert [network_from_json(t) for t, _ in back.undo] == [n for n, _ in undo]
    assert [d for _, d in back.undo] == ["add iaf_psc_exp 'neurons'", "set exc→inh.weight", "rename 'inh' to 'interneurons'"]
    assert [(network_from_json(t), d) for t, d in back.redo] == redo
    assert back.progress == progress and back.revision == 1 and back.network_name == "ei_network"
    # a second save replaces the first (one design per slot) and counts up
    state.undo()
    assert store.save(browser, "workspace", saved_from(state)) == 2
    back = store.load(browser, "workspace")
    assert len(back.undo) == 2 and len(back.redo) == 2 and back.progress == {}


def test_another_browser_never_sees_a_design(store):
    alice, bob = new_browser_id(), new_browser_id()
    store.save(alice, "workspace", saved_from(edited_state()))
    store.save(alice, "lesson/lif_basics", saved_from(DesignState(load_network(EXAMPLE))))
    assert store.load(bob, "workspace") is None
    assert store.list_designs(bob) == []
    assert sorted(d.slot for d in store.list_designs(alice)) == ["lesson/lif_basics", "workspace"]
    assert store.list_designs(alice)[0].slot == "lesson/lif_basics"  # the latest save first
    assert {d.slot: d.undo_steps for d in store.list_designs(alice)} == {"workspace": 3, "lesson/lif_basics": 0}


HOSTILE_KEYS = ["../../etc/passwd", "x' OR '1'='1", "", "a" * 33, "é" * 32, "workspace/../../x", None, 42]


@pytest.mark.parametrize("key", HOSTILE_KEYS)
def test_keys_that_are_not_ids_or_slots_are_refused_before_any_query(store, key):
    design = saved_from(DesignState(load_network(EXAMPLE)))
    with pytest.raises(ValidationError, match="session store: browser id .* is not a valid id"):
        store.save(key, "workspace", design)
    with pytest.raises(ValidationError, match="session store: slot .* is not a valid slot"):
        store.load(new_browser_id(), key)
    with pytest.raises(ValidationError, match="browser id"):
        store.list_designs(key)


def test_the_sqlite_store_writes_files_only_under_its_data_folder(tmp_path):
    data = tmp_path / "data"
    store = SqliteStore(data)
    browser = new_browser_id()
    for slot in ("workspace", "lesson/..", "lesson/...etc", "lesson/a.b-c_d"):  # '..' is only text here
        store.save(browser, slot, saved_from(edited_state()))
    for key in HOSTILE_KEYS:
        with pytest.raises(ValidationError):
            store.save(new_browser_id(), key, saved_from(edited_state()))
    store.close()
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert set(written) <= {"data", "data/sessions.sqlite3", "data/sessions.sqlite3-wal", "data/sessions.sqlite3-shm"}
    assert oct(data.stat().st_mode & 0o777) == "0o700"
    assert len(SqliteStore(data).list_designs(browser)) == 4


def test_a_save_that_fails_halfway_leaves_the_previous_save_whole(store, monkeypatch):
    state, browser = edited_state(), new_browser_id()
    store.save(browser, "workspace", saved_from(state))
    before = store.load(browser, "workspace")
    state.set_population_field("exc", "size", 55)
    real_sql = store._sql

    def fail_on_networks(query):  # after the design row is written, inside the transaction
        if query.lstrip().startswith("INSERT INTO snn_networks"):
            raise store.driver_errors[0]("disk I/O error (simulated)")
        return real_sql(query)

    monkeypatch.setattr(store, "_sql", fail_on_networks)
    with pytest.raises(StoreError, match="could not save: disk I/O error"):
        store.save(browser, "workspace", saved_from(state))
    monkeypatch.setattr(store, "_sql", real_sql)
    assert store.load(browser, "workspace") == before  # nothing of the failed save, revision 1 still
    assert store.save(browser, "workspace", saved_from(state)) == 2  # and the store works on


# -- several processes -------------------------------------------------------------------------
WRITER = """
import sys
from designer.store import SavedDesign, open_store
target, browser, slot, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
store = open_store(target) if target.startswith("postgres") else open_store(data_dir=target)
print("ready", flush=True)
for i in range(count):
    # a design that knows how long its history must be: the check after a crash
    undo = tuple((f'{{"step": {j}, "pad": "{"x" * 2000}"}}', f"edit {j}") for j in range(i % 40))
    store.save(browser, slot, SavedDesign(current=f'{{"step": {i % 40}}}', undo=undo, network_name=f"n{i}"))
"""


def start_writer(target: str, browser: str, slot: str, count: int) -> subprocess.Popen:
    writer = subprocess.Popen([sys.executable, "-c", WRITER, target, browser, slot, str(count)], cwd=REPO,
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert writer.stdout.readline().strip() == "ready"
    return writer


def finish(writer: subprocess.Popen, kill: bool = False) -> int:
    if kill:
        writer.send_signal(signal.SIGKILL)
    code = writer.wait(120)
    writer.stdout.close()
    return code


def assert_whole(design: SavedDesign) -> None:
    step = int(design.current.split(":")[1].strip(" }"))
    assert [d for _, d in design.undo] == [f"edit {j}" for j in range(step)]


@pytest.mark.slow
def test_a_process_killed_mid_save_leaves_a_whole_design(tmp_path):
    store, browser = open_store(data_dir=tmp_path), new_browser_id()
    for delay in (0.3, 0.55, 0.8):
        writer = start_writer(str(tmp_path), browser, "workspace", 100_000)
        time.sleep(delay)
        assert finish(writer, kill=True) == -signal.SIGKILL
        saved = store.load(browser, "workspace")
        assert saved is not None and saved.revision > 0
        assert_whole(saved)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_processes_share_one_store(tmp_path, backend, request):
    target = str(tmp_path) if backend == "sqlite" else request.getfixturevalue("postgres_url")
    shared, alone = new_browser_id(), new_browser_id()
    writers = [start_writer(target, shared, "workspace", 60), start_writer(target, shared, "workspace", 60),
               start_writer(target, alone, "lesson/lif_basics", 30)]
    assert [finish(w) for w in writers] == [0, 0, 0]
    store = open_store(target) if backend == "postgresql" else open_store(data_dir=target)
    both = store.load(shared, "workspace")
    assert both.revision == 120  # every save of both processes counted: none lost to the other
    assert_whole(both)
    assert store.load(alone, "lesson/lif_basics").revision == 30
    assert [d.slot for d in store.list_designs(alone)] == ["lesson/lif_basics"]
    store.close()


def test_an_unreachable_database_is_tried_once_per_pause_not_at_every_save(postgres_url, monkeypatch):
    import psycopg

    from designer.store import postgres

    store, browser = open_store(postgres_url), new_browser_id()
    store.save(browser, "workspace", saved_from(edited_state()))
    store.close()  # as if the connection broke
    attempts = []

    def unreachable(*args, **kwargs):
        attempts.append(args)
        raise psycopg.OperationalError("connection timeout expired")

    monkeypatch.setattr(psycopg, "connect", unreachable)
    for _ in range(5):  # e.g. thirty sessions retrying: one connect attempt stalls the loop, not thirty
        with pytest.raises(StoreError, match="could not save"):
            store.save(browser, "workspace", saved_from(edited_state()))
    assert len(attempts) == 1
    monkeypatch.undo()
    monkeypatch.setattr(postgres, "RECONNECT_PAUSE_S", 0.0)  # the pause is over
    assert store.save(browser, "workspace", saved_from(edited_state())) == 2
    store.close()
