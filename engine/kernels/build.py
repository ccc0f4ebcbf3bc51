"""Kernels used while compiling (synapse lists into CSR by presynaptic neuron) and for
live changes of the stored synapses."""
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
def csr_count(key, counts):
    """counts[k + 1] += occurrences of k (so a cumulative sum gives indptr)."""
    for s in range(key.shape[0]):
        counts[key[s] + 1] += 1


@kernel
def csr_place(key, cursor, target_in, weight_in, delay_in, proj_in, target, weight, delay, proj):
    """Stable counting-sort placement of one part's synapses into the CSR arrays."""
    for s in range(key.shape[0]):
        position = cursor[key[s]]
        cursor[key[s]] += 1
        target[position] = target_in[s]
        weight[position] = weight_in[s]
        delay[position] = delay_in[s]
        proj[position] = proj_in[s]


@kernel
def write_weights(weight, target, index, values, n_neurons):
    """A live weight change of the synapses `index`: `values` holds one weight per synapse, or
    one for all. The sign also moves the target column: excitatory input goes to
    target < n_neurons, inhibitory input to target + n_neurons (see compile.arrays).
    One pass, no temporaries: brunel's exc->exc (8 M synapses) in NumPy took 0.5 s."""
    constant = values.shape[0] == 1
    for k in range(index.shape[0]):
        i = index[k]
        w = values[0] if constant else values[k]
        weight[i] = w
        column = target[i] % n_neurons
        target[i] = column + n_neurons if w < 0 else column
