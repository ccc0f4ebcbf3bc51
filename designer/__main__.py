"""`python -m designer` serves the app (same as scripts/serve without the set-up)."""
from engine.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["serve"]))
