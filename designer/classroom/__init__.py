"""The classroom: one server's roster of student sessions and the teacher's console.

- `locks`: parameters the teacher locks, and how the design state keeps them.
- `roster`: the per-server roster (`class_roster()`), each student session's `Seat`.
- `student`: a student page's part: joining the roster, the teacher's offer as a prompt.
- `console`: the teacher's page at /teacher (needs the token printed at server start).
- `token`: that token, and its comparison in constant time.

Nothing here is module-level mutable state of the served scripts (Bokeh clears their
globals per session): the roster lives in `pn.state.cache`, once per server process.
"""
