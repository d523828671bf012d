"""The seed examples (examples/python/*.py) run and print what the seeds say.

Each test runs one example through examples/python/run_examples.py (a fresh Python subprocess,
stdout compared with examples/python/expected/). An example marked `# requires: gpu` is skipped
when the module sees no GPU; with WEIR_PYTEST_MODULE=mlx.core (check the examples against real
MLX) an example marked `# mlx-lacks:` is skipped as well.

    python3 -m pytest python/tests/test_seeds.py
    WEIR_PYTEST_MODULE=mlx.core python3 -m pytest python/tests/test_seeds.py

EXAMPLE_TIMEOUT (seconds, default 300) bounds each example.
"""

import importlib.util
import os

import pytest

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_RUNNER_PATH = os.path.join(_REPO, "examples", "python", "run_examples.py")


def _load_runner():
    spec = importlib.util.spec_from_file_location("weir_seed_examples_runner", _RUNNER_PATH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


runner = _load_runner()
MODULE = os.environ.get("WEIR_PYTEST_MODULE") or runner.DEFAULT_MODULE


@pytest.mark.parametrize("name", runner.example_names())
def test_seed_example(name):
    result = runner.run_example(name, module=MODULE)
    if result.status == "skip":
        pytest.skip(result.message)
    assert result.status == "ok", f"{name} under {MODULE}: {result.message}"
