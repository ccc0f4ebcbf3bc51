"""SNN Designer's browser app (Panel). Uses only the engine's public API."""

#: Set to "1" (by the browser tests and benchmarks) to give the page a hidden `debug-state`
#: pane with what Python holds; an ordinary session carries no state for tests.
EXPOSE_STATE_ENV = "SNN_DESIGNER_EXPOSE_STATE"
