"""Fixtures shared across the test packages. Package-specific fixtures live beside their tests."""

import os

# One OpenMP/BLAS thread per test process, set before numpy or scikit-learn load their thread
# pools: the models here are small, and on a 2-core machine shared with another process
# HistGradientBoosting's spinning OpenMP threads made one 1.6 s test take 9 s (134 s once,
# beside another pytest). Subprocesses started by the tests inherit it.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

from tests.openai_server import openai_server  # noqa: E402, F401
