"""A Bokeh auth module (`panel serve --auth-module THIS_FILE`) that gives each browser an id.

Nobody logs in: `get_user` answers every request with the browser's id from the
`snn_browser` cookie, or, when it has none (or a malformed one), a new random id, which it
sets as an HttpOnly, SameSite=Lax cookie for 400 days (Lax: a link from another site to the
app still brings the student's id; a request made by another site's page does not). The
new id is also put into the request's cookies, so the session this very request builds
already has it (`pn.state.cookies`). Panel's own guest cookie works the same way.

Bokeh copies a request's cookies into the session token it writes into the page, so page
scripts can read the id there; HttpOnly stops nothing more than that. User text is always
shown as text (no script of a user's runs in the page).
"""
from __future__ import annotations

from tornado.websocket import WebSocketHandler

from designer.store import BROWSER_COOKIE, is_browser_id, new_browser_id

COOKIE_DAYS = 400  # the longest browsers keep a cookie
#: never visited: Bokeh asks for a login page only when get_user answers None, which it never does
login_url = "/"


def get_user(request_handler) -> str:
    value = request_handler.get_cookie(BROWSER_COOKIE)
    if is_browser_id(value):
        return value
    value = new_browser_id()
    request_handler.request.cookies[BROWSER_COOKIE] = value
    if not isinstance(request_handler, WebSocketHandler):  # a websocket's answer carries no cookie
        request_handler.set_cookie(BROWSER_COOKIE, value, expires_days=COOKIE_DAYS, path="/", httponly=True,
                                   samesite="Lax", secure=request_handler.request.protocol == "https")
    return value
