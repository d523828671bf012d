"""The scenarios of issue 7, in the order they run and print. Each module has NAME, a docstring
(what it measures), and run(ctx); see ../common.py for the context."""
from . import bandwidth, chain, cpu_gpu, expression, matmul, peak_memory, roundtrip, streams, transfer

ALL = [chain, roundtrip, bandwidth, expression, matmul, streams, transfer, cpu_gpu, peak_memory]
# Scenarios whose CPU figures are also taken with one thread, in a child process (weir reads
# WEIR_CPU_THREADS when it starts).
ONE_THREAD = {bandwidth.NAME}
