"""Helpers shared by the peer benchmark drivers (peers_cpu.py, peers_gpu.py): reading weir's
BENCH lines, timing medians, and the side-by-side table."""
import statistics
import time

now = time.perf_counter


def parse_bench(path, prefix=""):
    """BENCH lines of a weir benchmark's output whose name starts with prefix -> {name without
    prefix: value}."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[0] == "BENCH" and parts[1].startswith(prefix):
                try:
                    out[parts[1][len(prefix):]] = float(parts[2])
                except ValueError:
                    pass
    return out


def median_of(fn, runs, warmup=0):
    """Median of runs calls of fn (each returns a time), after warmup untimed calls."""
    for _ in range(warmup):
        fn()
    return statistics.median(fn() for _ in range(runs))


def fmt(v):
    if v is None:
        return "-"
    return f"{v:.3f}" if abs(v) < 100 else f"{v:.1f}"


def print_table(results, rows, width):
    """results: {peer: {key: (value, unit)}}; rows: (key, label, ...) in order."""
    names = list(results)
    print()
    print(f"| {'metric':<{width}} | " + " | ".join(f"{n:>10}" for n in names) + " |")
    print(f"|{'-' * (width + 2)}|" + "|".join("-" * 12 for _ in names) + "|")
    for row in rows:
        key, label = row[0], row[1]
        vals = [results[n].get(key, (None, ""))[0] for n in names]
        if all(v is None for v in vals):
            continue
        print(f"| {label:<{width}} | " + " | ".join(f"{fmt(v):>10}" for v in vals) + " |")
    print()
