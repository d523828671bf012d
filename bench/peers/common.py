"""Timing and bookkeeping shared by the scenarios of bench/peers: the median of timed runs after
warm-up, the per-case loop over peers in random order, and the record of every figure."""
import gc
import random
import statistics
import sys
import time

now = time.perf_counter


def median_time(fn, reps, warmup=1):
    """Median of reps calls of fn after warmup untimed calls. fn returns its own time in seconds
    (so that it can leave set-up out) or None, in which case the whole call is timed."""
    samples = []
    for i in range(warmup + reps):
        t0 = now()
        t = fn()
        if t is None:
            t = now() - t0
        if i >= warmup:
            samples.append(t)
    return statistics.median(samples), samples


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Context:
    """What a scenario sees: the config, the peers, and record/skip. Results are
    {case id: {"scenario", "device", "unit", "lower_is_better", "what", "peers": {peer: {...}}}}."""

    def __init__(self, cfg, peers, seed, threads_label, available, no_gpu_reason):
        self.cfg = cfg
        self.available = available  # devices to run on: ["cpu"] and/or ["gpu"]
        self.no_gpu_reason = no_gpu_reason
        self.peers = peers  # name -> adapter, in a fixed order
        self.rng = random.Random(seed)
        self.threads_label = threads_label  # "all threads" or "1 thread": CPU case names
        self.results = {}
        self.skipped = []  # (case or scenario, reason)

    def skip(self, what, reason):
        self.skipped.append({"what": what, "reason": reason})
        print(f"  skipped {what}: {reason}")

    def case(self, case_id, scenario, device, unit, what, lower_is_better=True):
        self.results.setdefault(case_id, {"scenario": scenario, "device": device, "unit": unit,
                                          "what": what, "lower_is_better": lower_is_better, "peers": {}})
        return self.results[case_id]

    def each_peer(self, scenario, device, unit, cases, fn, lower_is_better=True):
        """Runs fn(peer) for every peer that has device, in a random order. cases: {case id: what
        it measures}; fn returns {case id: value or (value, extra dict)} (a case it leaves out,
        or None, is not recorded for that peer). A peer that fails is reported and left out."""
        entries = {c: self.case(c, scenario, device, unit, what, lower_is_better) for c, what in cases.items()}
        names = [n for n, p in self.peers.items() if device in p.devices]
        self.rng.shuffle(names)
        for name in names:
            p = self.peers[name]
            try:
                p.use(device)
                out = fn(p)
            except Exception as e:  # one peer failing must not hide the others
                msg = f"{type(e).__name__}: {str(e)[:300]}"
                print(f"  {scenario} [{device}]: {name} failed: {msg}")
                for entry in entries.values():
                    entry["peers"][name] = {"error": msg}
                continue
            finally:
                gc.collect()
                try:
                    p.free()
                except Exception:
                    pass
            for c, v in out.items():
                if v is None:
                    continue
                value, extra = v if isinstance(v, tuple) else (v, {})
                entries[c]["peers"][name] = dict(value=value, **extra)
        for c, entry in entries.items():
            line = ", ".join(f"{n} {entry['peers'][n]['value']:.4g}" for n in names
                             if "value" in entry["peers"].get(n, {}))
            log(f"  {c} [{unit}]: {line}")

    def devices(self, scenario, want=("cpu", "gpu")):
        """The devices a scenario runs on here; says why the GPU part is skipped."""
        out = [d for d in want if d in self.available]
        if "gpu" in want and "gpu" not in self.available:
            self.skip(f"{scenario} [gpu]", self.no_gpu_reason)
        return out

    def cpu_tag(self):
        return f"cpu, {self.threads_label}"
