"""The browser id cookie (designer/store/browser_cookie.py, the server's auth module): a browser
keeps its id; one without (or with a forged one) gets a new random id as an HttpOnly, SameSite
cookie that the session built by the same request already sees; `snn-designer serve` uses it."""
from __future__ import annotations

import os
import sys
from http.cookies import SimpleCookie
from pathlib import Path

from tornado.websocket import WebSocketHandler

from designer.store import BROWSER_COOKIE, is_browser_id, new_browser_id
from designer.store.browser_cookie import get_user
import engine.runtime
from engine.cli import build_parser, main


class Request:
    def __init__(self, cookie: str | None, protocol: str = "http"):
        self.cookies = SimpleCookie()
        if cookie is not None:
            self.cookies[BROWSER_COOKIE] = cookie
        self.protocol = protocol


class Handler:
    """The part of tornado's RequestHandler the module uses."""

    def __init__(self, cookie: str | None, protocol: str = "http"):
        self.request = Request(cookie, protocol)
        self.set_cookies: list[tuple[str, str, dict]] = []

    def get_cookie(self, name):
        return self.request.cookies[name].value if name in self.request.cookies else None

    def set_cookie(self, name, value, **options):
        self.set_cookies.append((name, value, options))


class SocketHandler(Handler, WebSocketHandler):
    def __init__(self, cookie):  # no tornado application behind it
        Handler.__init__(self, cookie)


def test_a_browser_keeps_its_id():
    known = new_browser_id()
    handler = Handler(known)
    assert get_user(handler) == known and handler.set_cookies == []


def test_a_first_visit_gets_a_new_id_as_an_httponly_samesite_cookie_its_session_sees():
    handler = Handler(None)
    given = get_user(handler)
    assert is_browser_id(given)
    [(name, value, options)] = handler.set_cookies
    assert (name, value) == (BROWSER_COOKIE, given)
    assert options["httponly"] and options["samesite"] == "Lax" and options["path"] == "/"
    assert options["expires_days"] == 400 and not options["secure"]
    assert handler.get_cookie(BROWSER_COOKIE) == given  # the session this request builds reads it here
    assert get_user(Handler(None)) != given  # each browser its own
    https = Handler(None, protocol="https")
    get_user(https)
    assert https.set_cookies[0][2]["secure"]


def test_a_forged_id_is_replaced_and_a_websocket_answer_sets_no_cookie():
    for forged in ("../../etc/passwd", "<script>", "", "a" * 31):
        handler = Handler(forged)
        assert get_user(handler) != forged and is_browser_id(handler.set_cookies[0][1])
    socket = SocketHandler(None)
    assert is_browser_id(get_user(socket)) and socket.set_cookies == []


def test_snn_designer_serve_gives_browsers_ids_and_takes_the_stores_place():
    from designer.server import ServeOptions, server_settings

    module = Path(server_settings(ServeOptions(port=5123))["auth_provider"]._module.__file__)
    assert module.name == "browser_cookie.py" and module.is_file()
    args = build_parser().parse_args(["serve", "--data-dir", "/srv/class", "--database-url", "postgresql://db/snn"])
    assert (args.data_dir, args.database_url) == ("/srv/class", "postgresql://db/snn")


def test_serve_hands_the_stores_place_to_the_server_process(tmp_path, monkeypatch):
    for name in ("SNN_DESIGNER_DATA_DIR", "SNN_DESIGNER_DATABASE_URL"):
        monkeypatch.setenv(name, "")  # restored after the test
    started = []
    monkeypatch.setattr(engine.runtime, "warm_up", lambda: 0.0)
    monkeypatch.setattr("os.execv", lambda program, command: started.append(command))
    main(["serve", "--data-dir", str(tmp_path / "class"), "--database-url", "postgresql://db.school.lan/snn"])
    assert started and started[0][1:3] == ["-m", "designer.server"]  # the launcher gives browsers ids
    assert os.environ["SNN_DESIGNER_DATA_DIR"] == str(tmp_path / "class")
    assert os.environ["SNN_DESIGNER_DATABASE_URL"] == "postgresql://db.school.lan/snn"
