"""Kernels used while compiling: turning synapse lists into CSR by presynaptic neuron."""
import numpy as np

from engine.kernels.options import kernel


@kernel
def csr_indptr(pre, n_neurons):
    """indptr such that synapses of neuron i are [indptr[i], indptr[i+1])."""
    indptr = np.zeros(n_neurons + 1, dtype=np.int64)
    for s in range(pre.shape[0]):
        indptr[pre[s] + 1] += 1
    for i in range(n_neurons):
        indptr[i + 1] += indptr[i]
    return indptr


@kernel
def csr_scatter(pre, indptr, values, out):
    """Stable counting sort of `values` into CSR order (`out` preallocated)."""
    cursor = indptr[:-1].copy()
    for s in range(pre.shape[0]):
        out[cursor[pre[s]]] = values[s]
        cursor[pre[s]] += 1


@kernel
def csr_positions(pre, indptr):
    """The CSR position of every synapse in input order (stable)."""
    cursor = indptr[:-1].copy()
    position = np.empty(pre.shape[0], dtype=np.int64)
    for s in range(pre.shape[0]):
        position[s] = cursor[pre[s]]
        cursor[pre[s]] += 1
    return position
