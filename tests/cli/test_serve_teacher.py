"""`snn-designer serve` serves the teacher console beside the app, with a token per start."""
from types import SimpleNamespace

from designer.classroom import console
from designer.classroom.token import teacher_token
from designer.server import ClassServer, ServeOptions, build_pages
from engine import ClassLimits, RunScheduler, cli


def test_the_launcher_serves_the_teacher_page_beside_the_app_and_prints_its_link():
    server = ClassServer(ServeOptions(port=5123), RunScheduler(ClassLimits()))
    pages = build_pages(server, console.teacher_pages)
    assert set(pages) == {"app", "teacher"}
    assert server.notes == [f"teacher console: http://127.0.0.1:5123/teacher?token={teacher_token()}"]


def test_serve_hands_a_new_teacher_token_to_each_server_it_starts(monkeypatch):
    monkeypatch.setenv(cli.TEACHER_TOKEN_ENV, "old")  # recorded, so the test's own token is removed after it
    monkeypatch.delenv(cli.TEACHER_TOKEN_ENV)
    started = []
    monkeypatch.setattr(cli.os, "execv", lambda path, command: started.append(dict(cli.os.environ)))
    args = SimpleNamespace(**{name: getattr(ServeOptions(), name) for name in cli.SERVE_OPTIONS},
                           data_dir=None, database_url=None)
    for _ in range(2):
        cli.cmd_serve(args)
    tokens = [env[cli.TEACHER_TOKEN_ENV] for env in started]
    assert tokens[0] != tokens[1] and len(tokens[0]) >= 24


def test_the_launcher_and_the_designer_name_the_same_token_variable():
    import designer

    assert cli.TEACHER_TOKEN_ENV == designer.TEACHER_TOKEN_ENV
