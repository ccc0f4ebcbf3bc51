"""Writing a spike into the step's spike buffer (shared by every neuron kernel)."""
from engine.kernels.options import kernel

# buffers.counters
COUNT_SYNAPTIC_EVENTS = 0
COUNT_NEURON_UPDATES = 1
COUNT_LOST_SPIKES = 2


@kernel
def emit_spike(buffers, n_spikes, neuron, t):
    """Append (neuron, step t) to the spike buffer; returns the new spike count. A lesioned
    neuron's spike is dropped here: it is never recorded and never delivered."""
    if buffers.lesioned_neuron[neuron] != 0:
        return n_spikes
    buffers.spike_neuron[n_spikes] = neuron
    buffers.spike_step[n_spikes] = t
    return n_spikes + 1
