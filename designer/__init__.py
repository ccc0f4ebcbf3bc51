"""SNN Designer's browser app (Panel). Uses only the engine's public API."""

#: Set to "1" (by the browser tests and benchmarks) to give the page a hidden `debug-state`
#: pane with what Python holds; an ordinary session carries no state for tests.
EXPOSE_STATE_ENV = "SNN_DESIGNER_EXPOSE_STATE"

#: The teacher console's token for this server process (random per start): `snn-designer serve`
#: (engine/cli.py, which cannot import the designer) puts it into the served process's environment.
TEACHER_TOKEN_ENV = "SNN_DESIGNER_TEACHER_TOKEN"
