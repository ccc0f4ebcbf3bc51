"""`snn-designer serve` serves the teacher console beside the app, with a token per start."""
import sys
from types import SimpleNamespace

from engine import cli


def fake_package(tmp_path, monkeypatch, with_teacher: bool):
    package = tmp_path / "designer"
    package.mkdir()
    (package / "app.py").write_text("")
    if with_teacher:
        (package / "teacher.py").write_text("")
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name: SimpleNamespace(submodule_search_locations=[str(package)]))
    return package


def test_the_teacher_page_is_served_beside_the_app(tmp_path, monkeypatch):
    package = fake_package(tmp_path, monkeypatch, with_teacher=True)
    command = cli.serve_command(5123, "127.0.0.1")
    assert command[:6] == [sys.executable, "-m", "panel", "serve", str(package / "app.py"), str(package / "teacher.py")]


def test_serve_prints_a_new_teacher_token_and_hands_it_to_the_server(tmp_path, monkeypatch, capsys):
    fake_package(tmp_path, monkeypatch, with_teacher=True)
    monkeypatch.setenv(cli.TEACHER_TOKEN_ENV, "old")  # recorded, so the test's own token is removed after it
    monkeypatch.delenv(cli.TEACHER_TOKEN_ENV)
    import engine.runtime

    monkeypatch.setattr(engine.runtime, "warm_up", lambda: 0.0)
    started = []
    monkeypatch.setattr(cli.os, "execv", lambda path, command: started.append(dict(cli.os.environ)))
    tokens = []
    for _ in range(2):
        cli.cmd_serve(SimpleNamespace(port=5123, address="127.0.0.1", data_dir=None, database_url=None))
        err = capsys.readouterr().err
        line = next(line for line in err.splitlines() if line.startswith("teacher console:"))
        tokens.append(line.split("token=", 1)[1])
        assert started[-1][cli.TEACHER_TOKEN_ENV] == tokens[-1]
    assert tokens[0] != tokens[1] and len(tokens[0]) >= 24


def test_the_launcher_and_the_designer_name_the_same_token_variable():
    import designer

    assert cli.TEACHER_TOKEN_ENV == designer.TEACHER_TOKEN_ENV
