"""Run tests/core/training/test_cuda.py without pytest (a GPU machine with torch only).

    python3 benchmarks/cuda_tests.py

Each ``test_*`` function runs in file order; a failure prints its traceback. Exit 0 when all pass
(or there is no CUDA GPU: all skipped), 1 otherwise.
"""
from __future__ import annotations

import importlib.util
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
__import__("main").use_this_checkout()  # `convscope` is this checkout where it is not installed


def main() -> int:
    import torch

    path = ROOT / "tests" / "core" / "training" / "test_cuda.py"
    spec = importlib.util.spec_from_file_location("test_cuda", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tests = [(name, fn) for name, fn in vars(module).items() if name.startswith("test_") and callable(fn)]
    if not torch.cuda.is_available():
        print(f"{len(tests)} skipped: no CUDA GPU")
        return 0
    failed = 0
    for name, fn in tests:
        t0 = time.perf_counter()
        try:
            fn()
        except Exception:  # noqa: BLE001 - report every test
            failed += 1
            print(f"FAIL {name} ({time.perf_counter() - t0:.1f} s)")
            traceback.print_exc()
        else:
            print(f"ok   {name} ({time.perf_counter() - t0:.1f} s)")
    print(f"{len(tests) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
