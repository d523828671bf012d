#!/usr/bin/env python3
"""Fuzzer for the argument parsing of the Python module weir.core.

Every public function of weir.core (and mx.random, the array's methods, properties and
operators, indexing, the Device/Stream/Dtype constructors) is called with arguments drawn at
random: ints (small, huge, negative), floats (inf, NaN, -0.0), None, strings, bytes, tuples
and lists (nested, ragged, self-referential), arrays of random dtypes and shapes, numpy arrays,
slices, Ellipsis, dtypes, devices, streams, objects whose __index__/__len__/__iter__/__float__
raise or lie, and keywords (known and unknown names). Each call must return or raise an ordinary
exception (TypeError, ValueError, IndexError, RuntimeError, MemoryError, ... with a message), never
SystemError, never a crash or a hang.

Two drivers share the generator (gen.py):
  fuzz_python.py --seconds 60 [--seed S]   seeded random driver: runs the calls in a child
                                           process, so a crash is caught and reported with the
                                           seed and iteration that reproduce it
  fuzz_python.py --iteration S:I           replays one iteration in this process
  fuzz_python.py --atheris [libFuzzer args] atheris (when installed) drives the same generator
                                           from libFuzzer's byte strings; corpus: fuzz/corpus/fuzz_python
"""
import argparse
import faulthandler
import os
import random
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

CALL_TIMEOUT = 60  # seconds one iteration may take before it counts as a hang
ADDRESS_SPACE = 16 << 30  # the child's limit: runaway memory is a MemoryError, not the OOM killer


def child(seed, seconds, start, report):
    """Runs iterations seed:start, seed:start+1, ... for `seconds`; writes progress lines."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    import gen

    faulthandler.enable()
    g = gen.Fuzz()
    deadline = time.monotonic() + seconds
    i = start
    calls = 0
    with open(report, "a", buffering=1) as out:
        while time.monotonic() < deadline:
            out.write(f"iteration {seed}:{i}\n")
            faulthandler.dump_traceback_later(CALL_TIMEOUT, exit=True)
            calls += g.iteration(gen.RandomSource(random.Random(f"{seed}:{i}")))
            faulthandler.cancel_dump_traceback_later()
            i += 1
        out.write(f"done {i - start} iterations {calls} calls {len(g.called)} entry points called, "
                  f"{len(g.returned)} returned normally\n")


def parent(args):
    """Runs the child until the time is up, restarting it after a finding; returns 0 if none."""
    seed = args.seed if args.seed is not None else random.randrange(1 << 32)
    report = args.report or os.path.join(os.environ.get("TMPDIR", "/tmp"), f"fuzz_python.{os.getpid()}.log")
    open(report, "w").close()
    deadline = time.monotonic() + args.seconds
    start, findings, iterations, calls, entry = 0, 0, 0, 0, ""
    print(f"fuzz_python: seed {seed}, {args.seconds} s, progress in {report}", flush=True)
    while True:
        left = deadline - time.monotonic()
        if left <= 1:
            break
        cmd = [sys.executable, os.path.abspath(__file__), "--child", str(seed), str(left), str(start), report]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=left + CALL_TIMEOUT + 60)
        lines = open(report).read().splitlines()
        its = [ln.split()[1] for ln in lines if ln.startswith("iteration ")]
        done = [ln for ln in lines if ln.startswith("done ")]
        if proc.returncode == 0 and done:
            iterations += int(done[-1].split()[1])
            calls += int(done[-1].split()[3])
            entry = " ".join(done[-1].split()[5:])
            break
        last = its[-1] if its else f"{seed}:{start}"
        findings += 1
        how = f"signal {-proc.returncode}" if proc.returncode < 0 else f"exit status {proc.returncode}"
        print(f"FINDING ({how}) in iteration {last}; replay: {sys.executable} {__file__} --iteration {last}")
        print(proc.stdout[-6000:], flush=True)
        iterations += len(its)
        start = int(last.split(":")[1]) + 1
        open(report, "w").close()
    print(f"fuzz_python: {iterations} iterations, {calls} calls, {findings} findings, seed {seed}"
          f"{'; last child: ' + entry if entry else ''}")
    if not findings and not args.report:
        os.remove(report)
    return 1 if findings else 0


def run_atheris(argv):
    import atheris

    with atheris.instrument_imports():
        import gen
    g = gen.Fuzz()

    def one(data):
        g.iteration(gen.BytesSource(atheris.FuzzedDataProvider(data)))

    atheris.Setup(argv, one)
    atheris.Fuzz()


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        seed, seconds, start, report = sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
        child(int(seed), seconds, start, report)
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "--atheris":
        run_atheris([sys.argv[0]] + sys.argv[2:])
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--seed", type=int)
    p.add_argument("--report", help="progress file (default: in $TMPDIR)")
    p.add_argument("--iteration", help="SEED:I: replay one iteration here, printing every call")
    args = p.parse_args()
    if args.iteration:
        import gen

        faulthandler.enable()
        gen.VERBOSE = True
        n = gen.Fuzz().iteration(gen.RandomSource(random.Random(args.iteration)))
        print(f"{n} calls, no finding")
        return 0
    signal.signal(signal.SIGINT, signal.default_int_handler)
    return parent(args)


if __name__ == "__main__":
    sys.exit(main())
