"""The one unit convention of the engine (NEST's): no unit library in the hot path.

Every parameter carries one of these unit strings as metadata; forms show it in
their labels and exporters can copy values into NEST scripts unchanged.
"""

MS = "ms"
MV = "mV"
PA = "pA"
NS = "nS"
PF = "pF"
HZ = "Hz"
DIMENSIONLESS = ""

ALL_UNITS = (MS, MV, PA, NS, PF, HZ, DIMENSIONLESS)

# Every time becomes a whole number of steps (int64) somewhere: 1e308 ms would overflow it. A
# billion ms (11.6 days of simulated time) is far beyond any run and leaves room at dt = 0.001 ms.
MAX_TIME_MS = 1e9
