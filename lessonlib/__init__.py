"""lessonlib: the routines behind the *Mathematics for AI* executable book.

Submodules are imported on first use, so ``import lessonlib`` is cheap and compiles
nothing. Chapters import the submodules they use explicitly, for example::

    from lessonlib import linalg, fmt
    from lessonlib.levy import simulate_search

(The book's build reads those import lines to know which chapters to re-execute when a
module changes; a bare ``import lessonlib`` counts as depending on all of it.)

Topic modules
-------------
fmt        exact arithmetic and a teacher's number formatting
latex      arrays, exact numbers and sympy expressions as LaTeX
plotting   the book's figure style
book       glue helpers (work with or without myst-nb)
linalg     vectors, matrices, linear models (chapter 1.1, lecture 1)
ica        mixing, whitening, FastICA and mutual information (lecture 1)
learning   parametric models, costs and fits (lecture 1)
matrices   exact rank, null space, eigenpairs, SVD and linear maps (chapter 1.2)
tensors    tensor slices, unfoldings, mode products, CP and Tucker (chapter 1.2)
stochastic probability, noise, Markov chains, SDEs, SPDEs (chapter 1.3)
llm        tokenizers, attention, scaling laws, alignment losses (chapter 1.4)
timeseries ARMA, Kalman, HMM, spectra and neural sequence models (chapter 1.5)
autoresearch the keep-or-revert experiment loop (chapter 7.3)
levy       Lévy-walk blind search, numba engine and statistics (thesis note)
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_SUBMODULES = (
    "fmt",
    "latex",
    "plotting",
    "book",
    "linalg",
    "ica",
    "learning",
    "matrices",
    "tensors",
    "stochastic",
    "llm",
    "timeseries",
    "autoresearch",
    "levy",
)

__all__ = list(_SUBMODULES) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'lessonlib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_SUBMODULES))
