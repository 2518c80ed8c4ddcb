"""Benchmark of the model core (prints figures; not a pass/fail test).

  PYTHONPATH=. .venv/bin/python scripts/benchmark_core.py

Prints: one scenario uncached (fresh scenario values each time) and cached (memoized), and
10,000 variants through the batch path, with medians over repeats and peak memory.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc

import numpy as np

from lib.analysis.montecarlo import monte_carlo
from lib.analysis.sensitivity import sobol_indices, tornado
from lib.core.calendar import n_months_for
from lib.core.model import simulate
from lib.core.registry import registry
from lib.core.runs import run, run_values
from lib.core.scenario import Scenario, stack_values


def timed(func, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def main() -> None:
    run(Scenario())  # load data files and static tables once (start-up cost)
    values = Scenario().values()
    inputs = stack_values([values])
    n_months = n_months_for(values[registry().horizon.key])

    median, best = timed(lambda: simulate(inputs, n_months, detail=True), 50)
    print(f"one scenario, core only (simulate, detail=True): median {median*1e3:.2f} ms, "
          f"best {best*1e3:.2f} ms")
    counter = iter(range(10**6))

    def uncached():
        # a new value each call so the memo cannot answer
        run(Scenario.build(overrides={"smuggling_interdiction_share": next(counter) % 90 / 100}))
    run.cache_clear()
    median, best = timed(uncached, 50)
    print(f"one scenario via run(), uncached: median {median*1e3:.2f} ms, best {best*1e3:.2f} ms")
    scenario = Scenario.build(overrides={"smic_yield_2025": 0.3})
    run(scenario)
    median, best = timed(lambda: run(scenario), 1000)
    print(f"one scenario via run(), cached: median {median*1e6:.2f} us")

    rng = np.random.default_rng(0)
    batch = [values] * 10_000
    batch_inputs = stack_values(batch)
    for p in registry():  # vary every plausible range so the batch is real work
        if p.low < p.high and p.kind in ("scalar",):
            batch_inputs[p.key] = rng.uniform(p.low, p.high, 10_000)
    tracemalloc.start()
    median, best = timed(lambda: simulate(batch_inputs, n_months, detail=False), 5)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"10,000 variants (batch path, detail=False): median {median:.3f} s, best {best:.3f} s,"
          f" peak traced memory {peak/2**20:.0f} MiB")
    median, best = timed(lambda: stack_values(batch), 3)
    print(f"  stacking 10,000 resolved scenarios into arrays: median {median:.3f} s")
    median, best = timed(lambda: run_values(batch[:1000]), 3)
    print(f"1,000 scenarios via run_values (stack + simulate): median {median:.3f} s")



def benchmark_uncertainty() -> None:

    scenario = Scenario()
    monte_carlo(scenario, 100, 0)  # warm up
    for draws in (2_000, 10_000):
        tracemalloc.start()
        median, best = timed(lambda d=draws: monte_carlo(scenario, d, 0), 3)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"Monte Carlo {draws:,} draws (default horizon): median {median:.3f} s, "
              f"best {best:.3f} s, peak traced memory {peak/2**20:.0f} MiB")
    # __wrapped__: the function without its memo, so each call is timed
    median, _ = timed(lambda: tornado.__wrapped__(scenario, "race_gap_months", 2030), 5)
    print(f"tornado over every parameter (one batch): median {median*1e3:.1f} ms")
    median, _ = timed(lambda: sobol_indices.__wrapped__(scenario, "china_total", 2030,
                                                        base_samples=256), 1)
    print(f"Sobol indices, top 8 parameters, 256 base samples: {median:.2f} s")


if __name__ == "__main__":
    main()
    benchmark_uncertainty()
