"""Compile (or load from Numba's cache) every kernel before serving: `python -m designer.warm`."""
from engine import warm_up

if __name__ == "__main__":
    print(f"kernels ready in {warm_up():.2f} s")
