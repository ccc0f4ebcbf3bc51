"""The one place for Numba options: every kernel is declared through `kernel`."""
import numba

# cache=True: compiled once per machine, loaded from disk afterwards.
# nogil=True: the Runner's thread simulates while the server's event loop stays responsive.
# error_model="numpy": division by zero gives inf/nan (caught by the fault check), not an exception.
kernel = numba.njit(cache=True, nogil=True, fastmath=False, error_model="numpy")

# The multi-threaded step (engine.kernels.parallel): the same options plus prange over threads.
parallel_kernel = numba.njit(cache=True, nogil=True, fastmath=False, error_model="numpy", parallel=True)

# Small helpers called once per synapse: inlined into their caller (Numba IR), so a call does not cost a
# function call and the reference counting of every array it takes (measured: ~27 ns a synapse).
inline_kernel = numba.njit(cache=True, nogil=True, fastmath=False, error_model="numpy", inline="always")
