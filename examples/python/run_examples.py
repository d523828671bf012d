#!/usr/bin/env python3
"""Runs the seed examples in Python and diffs their stdout with expected/<name>.txt.

    python3 examples/python/run_examples.py [--module mlx.core] [--timeout S] [NAME ...]

Each example (examples/python/<name>.py, or those named) runs in a fresh Python subprocess with
<repo>/python on PYTHONPATH, within EXAMPLE_TIMEOUT seconds (default 300; --timeout overrides).
It must exit with status 0 and print exactly expected/<name>.txt -- or expected/<name>.gpu.txt,
where that file exists and the module sees a GPU, with {NGPU} replaced by the GPU count. An
expected file whose first line is "#any" means machine-dependent output: exit status 0 is
enough.

Header comments of an example (the comment lines before its first line of code):
  # requires: gpu      the example uses the GPU for real work; weir never falls back to the CPU,
                       so it is skipped when the module sees no GPU
                       (mx.device_count(mx.gpu) == 0 or mx.is_available(mx.gpu) is False).
  # mlx-lacks: WHAT    the example uses a form that weir has and MLX lacks (DESIGN.md, "The seeds
                       ask for a little more than MLX has"); skipped with --module mlx.core.

--module M runs the examples with their line `import weir.core as mx` rewritten to
`import M as mx` (e.g. --module mlx.core, to check the examples against real MLX).

Prints one line per example (ok / FAIL with the reason and a diff / skip: reason), then a
summary. Exit status: 0 when nothing failed, 1 otherwise, 2 on bad usage.

The functions run_example() and example_names() are used by python/tests/test_seeds.py.
"""

import argparse
import difflib
import functools
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
EXPECTED_DIR = os.path.join(HERE, "expected")
DEFAULT_MODULE = "weir.core"
IMPORT_LINE = "import weir.core as mx"
DEFAULT_TIMEOUT = 300.0

_NAME_RE = re.compile(r"^\d\d_\d\d_\w+$")


@dataclass
class Result:
    name: str
    status: str  # "ok", "fail" or "skip"
    message: str = ""  # why it failed or was skipped; for "ok", a note (may be empty)
    stdout: str = ""
    stderr: str = ""

    @property
    def ok(self):
        return self.status == "ok"


def example_names():
    """The examples, sorted: every examples/python/NN_NN_<name>.py."""
    names = []
    for f in os.listdir(HERE):
        base, ext = os.path.splitext(f)
        if ext == ".py" and _NAME_RE.match(base):
            names.append(base)
    return sorted(names)


def example_path(name):
    return os.path.join(HERE, name + ".py")


def header(name):
    """The example's header tags: {'requires': [...], 'mlx-lacks': 'text' or None}."""
    tags = {"requires": [], "mlx-lacks": None}
    with open(example_path(name), encoding="utf-8") as f:
        for line in f:
            s = line.strip()
            if not s:
                continue
            if not s.startswith("#"):
                break
            m = re.match(r"#\s*requires:\s*(.+)$", s)
            if m:
                tags["requires"] += [w for w in re.split(r"[\s,]+", m.group(1)) if w]
            m = re.match(r"#\s*mlx-lacks:\s*(.+)$", s)
            if m:
                tags["mlx-lacks"] = m.group(1).strip()
    return tags


def _timeout(timeout):
    if timeout is not None:
        return float(timeout)
    env = os.environ.get("EXAMPLE_TIMEOUT")
    return float(env) if env else DEFAULT_TIMEOUT


def _python():
    return os.environ.get("EXAMPLE_PYTHON") or sys.executable or "python3"


def _env():
    env = dict(os.environ)
    paths = [os.path.join(REPO, "python")]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["PYTHONIOENCODING"] = "utf-8"
    return env


_PROBE = r"""
import importlib, json, sys
try:
    mx = importlib.import_module(sys.argv[1])
except BaseException as e:
    print(json.dumps({"error": f"cannot import {sys.argv[1]}: {type(e).__name__}: {e}"}))
    sys.exit(0)
n = 0
try:
    n = int(mx.device_count(mx.gpu))
except Exception:
    n = -1
try:
    avail = bool(mx.is_available(mx.gpu))
except Exception:
    avail = n > 0
if n < 0:  # no device_count: at least one GPU when it is available
    n = 1 if avail else 0
print(json.dumps({"ngpu": n if avail else 0}))
"""


@functools.lru_cache(maxsize=None)
def probe(module=DEFAULT_MODULE, timeout=None):
    """How many GPUs `module` sees, asked in a fresh subprocess.

    Returns (ngpu, error): error is None, or a message when the module cannot be imported or
    asked (ngpu is then None)."""
    try:
        p = subprocess.run([_python(), "-c", _PROBE, module], capture_output=True, text=True,
                           env=_env(), cwd=REPO, timeout=_timeout(timeout))
    except subprocess.TimeoutExpired:
        return None, f"asking {module} for its GPU count timed out"
    try:
        answer = json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        answer = None
    if p.returncode != 0 or not isinstance(answer, dict):
        tail = "\n".join(p.stderr.strip().splitlines()[-5:])
        return None, f"asking {module} for its GPU count failed (exit status {p.returncode}):\n{tail}"
    if "error" in answer:
        return None, answer["error"]
    return int(answer["ngpu"]), None


def source_for(name, module=DEFAULT_MODULE):
    """The example's source, its import line rewritten for `module`."""
    with open(example_path(name), encoding="utf-8") as f:
        src = f.read()
    if module == DEFAULT_MODULE:
        return src
    new, n = re.subn(r"^import weir\.core as mx$", f"import {module} as mx", src, flags=re.M)
    if n == 0:
        raise ValueError(f"{name}.py has no line '{IMPORT_LINE}'")
    return new


def expected_for(name, ngpu):
    """(path, text) of the expected stdout for a machine where the module sees `ngpu` GPUs."""
    path = os.path.join(EXPECTED_DIR, name + ".txt")
    gpu_path = os.path.join(EXPECTED_DIR, name + ".gpu.txt")
    if ngpu and ngpu > 0 and os.path.exists(gpu_path):
        path = gpu_path
    if not os.path.exists(path):
        return path, None
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return path, text.replace("{NGPU}", str(ngpu or 0))


def run_example(name, module=DEFAULT_MODULE, timeout=None):
    """Runs one example under `module`; returns a Result (status "ok", "fail" or "skip")."""
    if not os.path.exists(example_path(name)):
        return Result(name, "fail", f"no example {example_path(name)}")
    tags = header(name)
    ngpu, err = probe(module, timeout)
    if err is not None:
        return Result(name, "fail", err)
    if "gpu" in tags["requires"] and ngpu == 0:
        return Result(name, "skip", f"requires a GPU; {module} sees none")
    if module.startswith("mlx") and tags["mlx-lacks"]:
        return Result(name, "skip", f"{module} lacks {tags['mlx-lacks']}")
    exp_path, expected = expected_for(name, ngpu)
    if expected is None:
        return Result(name, "fail", f"no expected file {os.path.relpath(exp_path, REPO)}")

    src = source_for(name, module)
    with tempfile.TemporaryDirectory(prefix="weir-example-") as tmp:
        if module == DEFAULT_MODULE:
            script = example_path(name)
        else:
            script = os.path.join(tmp, name + ".py")
            with open(script, "w", encoding="utf-8") as f:
                f.write(src)
        t = _timeout(timeout)
        try:
            p = subprocess.run([_python(), script], capture_output=True, env=_env(), cwd=REPO,
                               timeout=t)
        except subprocess.TimeoutExpired as e:
            return Result(name, "fail", f"timed out after {t:g} s",
                          _decode(e.stdout), _decode(e.stderr))
    out, errout = _decode(p.stdout), _decode(p.stderr)
    if p.returncode != 0:
        return Result(name, "fail", f"exit status {p.returncode}\n" + _tail(errout), out, errout)
    if expected.split("\n", 1)[0].strip() == "#any":
        return Result(name, "ok", "output not compared: machine-dependent", out, errout)
    if out != expected:
        diff = difflib.unified_diff(expected.splitlines(keepends=True),
                                    out.splitlines(keepends=True),
                                    fromfile="expected/" + os.path.basename(exp_path),
                                    tofile="stdout")
        text = "".join(l if l.endswith("\n") else l + "\n\\ No newline at end of file\n"
                       for l in diff)
        return Result(name, "fail", f"stdout differs from {os.path.basename(exp_path)}\n{text}",
                      out, errout)
    return Result(name, "ok", "", out, errout)


def _decode(b):
    if b is None:
        return ""
    if isinstance(b, str):
        return b
    return b.decode("utf-8", errors="replace")


def _tail(text, n=20):
    lines = text.rstrip().splitlines()[-n:]
    return "\n".join("stderr: " + l for l in lines)


def _indent(text):
    return "\n".join("    " + l for l in text.rstrip("\n").splitlines())


def main(argv=None):
    ap = argparse.ArgumentParser(description="Run the seed examples and check their stdout.")
    ap.add_argument("names", nargs="*", metavar="NAME", help="examples to run (default: all)")
    ap.add_argument("--module", default=DEFAULT_MODULE,
                    help="module imported as mx (default weir.core; e.g. mlx.core)")
    ap.add_argument("--timeout", type=float, default=None,
                    help="seconds per example (default: $EXAMPLE_TIMEOUT, else 300)")
    args = ap.parse_args(argv)

    all_names = example_names()
    names = [os.path.basename(n)[:-3] if n.endswith(".py") else n for n in args.names] or all_names
    unknown = [n for n in names if n not in all_names]
    if unknown:
        print(f"unknown example(s): {' '.join(unknown)}", file=sys.stderr)
        return 2

    ngpu, err = probe(args.module, args.timeout)
    if err is None:
        print(f"{args.module} sees {ngpu} GPU(s)")
    else:
        print(f"{args.module}: {err}")
    counts = {"ok": 0, "fail": 0, "skip": 0}
    failed = []
    for name in names:
        r = run_example(name, args.module, args.timeout)
        counts[r.status] += 1
        if r.status == "ok":
            print(f"ok   {name}" + (f" ({r.message})" if r.message else ""))
        elif r.status == "skip":
            print(f"skip {name}: {r.message}")
        else:
            failed.append(name)
            first, _, rest = r.message.partition("\n")
            print(f"FAIL {name}: {first}")
            if rest:
                print(_indent(rest))
    print(f"examples: {counts['ok']} passed, {counts['fail']} failed, {counts['skip']} skipped")
    if failed:
        print(f"failed: {' '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
