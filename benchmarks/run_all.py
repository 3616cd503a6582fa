"""Run every benchmark script in this folder (``make bench``) and print their tables.

Each ``bench_*.py`` measures its own baseline in the same run and prints ratios, so the
numbers are comparable from one machine to another. Pass ``--quick`` to forward a
quick mode to the scripts that have one.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    status = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n=== {script.name} ===", flush=True)
        args = [a for a in argv if a == "--quick"] if "quick" in script.read_text() else []
        rc = subprocess.call([sys.executable, str(script), *args], cwd=HERE.parent)
        status = status or rc
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
