"""Run a candidate ``train.py`` as a subprocess and read its metric from the log.

This is the executable form of the evaluator sketch in the chapter: the candidate
is an ordinary script, started in its own process with a timeout, its output goes
to ``run.log``, and the metric is parsed from a line ``val_bpb: <number>``. Four
outcomes are possible: ``ok``, ``parse_fail`` (the run finished but printed no
metric), ``timeout`` and ``crash`` (non-zero exit status).

:func:`toy_train_script` writes a ``train.py`` that trains the toy model of
:mod:`lessonlib.autoresearch.evaluator` and prints the upstream summary block, so the
harness can be exercised end to end without a GPU.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from .._validate import check_int, check_positive
from .evaluator import ToyConfig

__all__ = ["EvalResult", "run_candidate", "parse_metric", "toy_train_script"]

_METRIC_RE = re.compile(r"^val_bpb:\s*([0-9]+(?:\.[0-9]*)?)\s*$", re.M)
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class EvalResult:
    """Outcome of one candidate run."""

    ok: bool
    metric: float | None
    status: str
    log_path: Path


def parse_metric(text: str) -> float | None:
    """The value on the last line of the form ``val_bpb: <number>`` (``None`` if there is none)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    found = _METRIC_RE.findall(text)
    return float(found[-1]) if found else None


def run_candidate(
    repo_dir: Any,
    timeout_s: float = 600.0,
    *,
    command: Sequence[str] | None = None,
    env: dict[str, str] | None = None,
) -> EvalResult:
    """Run the candidate in ``repo_dir`` and classify the outcome.

    Parameters
    ----------
    repo_dir : path-like
        Directory holding the candidate (``train.py`` by default).
    timeout_s : float
        Wall-clock limit; the process is killed when it is exceeded (the upstream
        rule is twice the nominal budget, 600 s for a 300 s run).
    command : sequence of str, optional
        Argument list to execute (default ``[sys.executable, "train.py"]``). No shell
        is involved.
    env : dict, optional
        Environment of the child (default: this process's environment with the
        directory holding ``lessonlib`` prepended to ``PYTHONPATH``).

    Returns
    -------
    EvalResult
        ``status`` is ``"ok"``, ``"parse_fail"``, ``"timeout"`` or ``"crash"``.
    """
    repo = Path(repo_dir)
    if not repo.is_dir():
        raise ValueError(f"repo_dir must be an existing directory, got {repo}")
    timeout_s = check_positive(timeout_s, "timeout_s")
    cmd = list(command) if command is not None else [sys.executable, "train.py"]
    if not cmd or not all(isinstance(c, str) for c in cmd):
        raise TypeError("command must be a non-empty sequence of strings")
    if env is None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_PACKAGE_ROOT), env.get("PYTHONPATH", "")) if p)
    log_path = repo / "run.log"
    with open(log_path, "w", encoding="utf-8") as fh:
        try:
            proc = subprocess.run(cmd, cwd=repo, stdout=fh, stderr=subprocess.STDOUT, timeout=timeout_s, env=env)
        except subprocess.TimeoutExpired:
            return EvalResult(False, None, "timeout", log_path)
    if proc.returncode != 0:
        return EvalResult(False, None, "crash", log_path)
    metric = parse_metric(log_path.read_text(encoding="utf-8", errors="replace"))
    if metric is None:
        return EvalResult(False, None, "parse_fail", log_path)
    return EvalResult(True, metric, "ok", log_path)


def toy_train_script(config: ToyConfig, run_seed: int = 0) -> str:
    """Source of a ``train.py`` that trains the toy model once and prints the summary block.

    A run that runs out of memory raises ``MemoryError``; one whose loss explodes
    prints ``FAIL`` and exits with status 1, like the upstream fast-fail check.
    """
    if not isinstance(config, ToyConfig):
        raise TypeError(f"config must be a ToyConfig, got {type(config).__name__}")
    run_seed = check_int(run_seed, "run_seed", minimum=0)
    lines = [
        '"""train.py of the toy autoresearch repository: the only file the agent edits."""',
        "from lessonlib.autoresearch.evaluator import ToyConfig, ToyTrainingEvaluator",
        "",
        config.as_source(),
        "",
        "config = ToyConfig(" + ", ".join(f"{k}={k.upper()}" for k in config.as_dict()) + ")",
        "evaluator = ToyTrainingEvaluator()",
        f"result = evaluator.evaluate(config, run_seed={run_seed})",
        'if result.message == "out of memory":',
        '    raise MemoryError("modelled peak memory exceeds the device")',
        "if not result.ok:",
        '    print("FAIL")',
        "    raise SystemExit(1)",
        'print("---")',
        'print(f"val_bpb:          {result.val_bpb:.6f}")',
        'print(f"training_seconds: {evaluator.time_budget_s:.1f}")',
        'print(f"total_seconds:    {result.seconds:.1f}")',
        'print(f"peak_memory_gb:   {result.memory_gb:.1f}")',
        'print(f"num_steps:        {result.num_steps}")',
        'print(f"width:            {config.width}")',
    ]
    return "\n".join(lines) + "\n"
