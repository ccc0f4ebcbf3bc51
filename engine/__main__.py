"""`python -m engine ...` is the `snn-designer` command line (engine.cli)."""
from engine.cli import main

raise SystemExit(main())
