"""Anomaly scoring speed beside scikit-learn's IsolationForest on the same
features.

Usage: python3 bench/anomaly.py FEATURES.csv RUST.json REPORT.md

FEATURES.csv and RUST.json come from `cargo bench -p veredicto-anomaly
--bench score` (with VEREDICTO_BENCH_FEATURES set). Fits IsolationForest on
the warm-up rows, times scoring one row per call and the whole test phase in
one batch, and writes a Markdown report with the ratios.
"""

import csv
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.ensemble import IsolationForest


def main() -> None:
    features, rust_json, report = sys.argv[1:4]
    with open(features) as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    warm = np.array([[float(x) for x in r[1:]] for r in rows if r[0] == "warmup"])
    test = np.array([[float(x) for x in r[1:]] for r in rows if r[0] == "test"])
    rust = json.load(open(rust_json))

    started = time.perf_counter()
    forest = IsolationForest(n_estimators=100, random_state=0).fit(warm)
    fit = time.perf_counter() - started

    single = []
    for row in test[: min(len(test), 500)]:
        t = time.perf_counter()
        forest.score_samples(row.reshape(1, -1))
        single.append((time.perf_counter() - t) * 1e6)
    single.sort()
    p50 = single[len(single) // 2]
    p99 = single[int((len(single) - 1) * 0.99)]
    single_rate = len(single) / (sum(single) / 1e6)

    t = time.perf_counter()
    forest.score_samples(test)
    batch_rate = len(test) / (time.perf_counter() - t)

    lines = [
        "# Anomaly scoring: veredicto beside scikit-learn",
        "",
        f"{len(warm)} warm-up rows, {len(test)} test rows, {len(header) - 1} features; one core.",
        "veredicto's figures include feature extraction from the parsed document and",
        "issuer-state updates; scikit-learn's score precomputed feature rows only.",
        "",
        "| | veredicto | scikit-learn IsolationForest | ratio |",
        "|---|---:|---:|---:|",
        f"| fit (s) | {rust['fit_seconds']:.3f} | {fit:.3f} | {fit / max(rust['fit_seconds'], 1e-9):.1f}x |",
        f"| one per call (docs/s) | {rust['single_per_second']:.0f} | {single_rate:.0f} | "
        f"{rust['single_per_second'] / single_rate:.0f}x |",
        f"| p50 one per call (µs) | {rust['p50_us']:.1f} | {p50:.1f} | {p50 / rust['p50_us']:.0f}x |",
        f"| p99 one per call (µs) | {rust['p99_us']:.1f} | {p99:.1f} | {p99 / rust['p99_us']:.0f}x |",
        f"| batch (docs/s) | {rust['batch_per_second']:.0f} | {batch_rate:.0f} | "
        f"{rust['batch_per_second'] / batch_rate:.1f}x |",
        "",
        f"Issuer state: {rust['profile_bytes']} bytes per profile, {rust['bytes_per_issuer']} bytes per "
        f"issuer with the index, {rust['million_issuers_mib']} MiB for a million issuers.",
        "",
        f"scikit-learn {sklearn.__version__}, numpy {np.__version__}.",
    ]
    with open(report, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
