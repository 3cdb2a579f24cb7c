"""Run every `bench/bench_*.py` module's `main()` in turn."""

from __future__ import annotations

import importlib
import sys
import traceback
from pathlib import Path


def main() -> int:
    """Run each benchmark module; the exit status counts the failures."""
    failures = 0
    for path in sorted(Path(__file__).parent.glob("bench_*.py")):
        module = importlib.import_module(f"bench.{path.stem}")
        print(f"== {path.stem}", flush=True)
        try:
            module.main()
        except Exception:
            traceback.print_exc()
            print(f"benchmark {path.stem} failed", file=sys.stderr)
            failures += 1
    return failures


if __name__ == "__main__":
    sys.exit(main())
