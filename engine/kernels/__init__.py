"""Numba kernels: arrays and scalars in, preallocated buffers out. Imports only numpy and numba."""
