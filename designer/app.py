"""The served script: a thin entry into the designer package (see shared/BROWSER_TESTING.md:
Bokeh clears this module's globals when a session ends, so nothing lives here)."""
from designer.main import create_app

create_app().servable(title="SNN Designer")
