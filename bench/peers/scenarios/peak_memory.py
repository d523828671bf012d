"""(9) Peak memory of a 20-op elementwise chain (10 x (x * 0.999 + 0.001)) on 16M float32
(64 MiB), the input and the result included, in MiB. What is measured, per peer:
  weir, MLX   mx.get_peak_memory() after mx.reset_peak_memory() (their own accounting: device
              memory on the GPU, host buffers on the CPU)
  torch GPU   torch.cuda.max_memory_allocated() after torch.cuda.reset_peak_memory_stats()
  torch CPU   the peak resident set: VmHWM after resetting it through /proc/self/clear_refs,
              minus the RSS before, plus the input (torch's CPU allocator returns large blocks)
  CuPy        bytes taken from its memory pool during the chain (a MemoryHook), plus the input
  numpy       tracemalloc's peak (numpy reports its buffers to it), plus the input
An eager library needs the input, the result and one temporary; a lazy one can donate buffers."""
NAME = "peak_memory"


def run(ctx):
    n = ctx.cfg.peak_elems
    for dev in ctx.devices(NAME):
        case = f"peak memory, 20-op chain on {n >> 20}M float32 [{dev}]"

        def fn(p):
            x = p.uniform((n,))
            p.finish(x)
            p.peak_begin()
            y = x
            for _ in range(10):
                y = y * 0.999 + 0.001
            p.finish(y)
            peak, how = p.peak_end(4 * n)
            del y
            return {case: (peak / 2**20, {"x input": peak / (4 * n), "measured": how})}

        ctx.each_peer(NAME, dev, "MiB", {case: "20-op chain, input and result included"}, fn)
