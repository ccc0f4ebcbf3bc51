"""The served script of /teacher: a thin entry into designer.classroom (Bokeh clears this
module's globals when a session ends, so nothing lives here)."""
from designer.classroom.console import create_console

create_console().servable(title="SNN Designer · Teacher console")
