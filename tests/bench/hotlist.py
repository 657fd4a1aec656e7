"""Hotlist matcher benchmark: python -m tests.bench.hotlist [--plates N] [--reads N]

Prints JSON lines. Throughput is CPU time of this process (one core, as the goals say), so a
busy shared machine slows it less than wall time would; build time is wall time. References are
measured in the same run on the same data: a bare dict build
and a bare dict lookup loop (the floor any Python matcher pays), so noisy shared machines show
up in both figures. Nothing is asserted here; the figures go in the issue note and docs.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import time
from collections.abc import Callable

from console.anpr.hotlist import Hotlist, HotlistEntry, MatchMode, no_gc

LETTERS = "ABCDEFGHJKLMNPRSTVWXYZ"
LISTS = ("A1", "A2", "C", "municipal")
CONFUSE = {"0": "O", "8": "B", "5": "S", "2": "Z", "6": "G", "1": "I", "B": "8", "S": "5",
           "Z": "2", "G": "6", "D": "0"}


def emit(metric: str, value: float, unit: str, goal: str = "",
         reference: float | None = None) -> None:
    row: dict[str, object] = {"bench": "hotlist", "metric": metric, "value": round(value, 4),
                              "unit": unit}
    if reference is not None:
        row["reference"] = round(reference, 4)
        row["ratio"] = round(value / reference, 3) if reference else None
    if goal:
        row["goal"] = goal
    print(json.dumps(row), flush=True)


def italian(rng: random.Random) -> str:
    return (rng.choice(LETTERS) + rng.choice(LETTERS) + f"{rng.randrange(1000):03d}"
            + rng.choice(LETTERS) + rng.choice(LETTERS))


def confuse(plate: str, rng: random.Random) -> str:
    chars = list(plate)
    spots = [i for i, ch in enumerate(chars) if ch in CONFUSE]
    for i in rng.sample(spots, min(2, len(spots))):
        chars[i] = CONFUSE[chars[i]]
    return "".join(chars)


def timed(fn: Callable[[], object]) -> float:
    """CPU seconds of this process: "reads/s on one core" even when the machine is shared."""
    started = time.process_time()
    fn()
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plates", type=int, default=1_000_000)
    parser.add_argument("--reads", type=int, default=200_000)
    args = parser.parse_args()
    rng = random.Random(6)
    plates = [italian(rng) for _ in range(args.plates - args.plates // 50)]
    plates += [f"{rng.choice('DFM')}{rng.choice(LETTERS)}{rng.randrange(10**5):05d}"
               for _ in range(args.plates // 50)]  # 2 % foreign formats
    rows = [(p, LISTS[i % 4]) for i, p in enumerate(plates)]

    gc.collect()
    started = time.perf_counter()
    _ = {p: i for i, p in enumerate(plates)}
    ref_build = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    with no_gc():
        entries = [HotlistEntry(p, lst) for p, lst in rows]
    hotlist = Hotlist(entries)
    build = time.perf_counter() - started
    emit("build_cpu_s", time.process_time() - cpu, "s", "<= 10")
    emit("index_only_wall_s", hotlist.stats.seconds, "s")
    emit("build_s", build, "s", "<= 10", ref_build)
    emit("edit1_keys", float(len(hotlist._del)), "keys")

    listed = set(plates)
    known = rng.sample(plates, args.reads // 10)
    reads = [confuse(p, rng) for p in known[: len(known) // 2]] + known[len(known) // 2 :]
    while len(reads) < args.reads:
        read = italian(rng)
        if read not in listed:
            reads.append(read)
    rng.shuffle(reads)

    ref_get = hotlist._exact.get  # the bare dict lookup every matcher pays at least
    ref = timed(lambda: [ref_get(r.encode()) for r in reads])
    exact_ocr = timed(lambda: hotlist.match_many(reads, edit1=False))
    emit("exact_ocr_reads_per_s", len(reads) / exact_ocr, "reads/s", ">= 500000", len(reads) / ref)
    # Real gate feeds hit far less often than this mix (10 % listed plates): a second figure with
    # 0.5 % hits shows the cost per read rather than the cost per hit.
    few = len(reads) // 200
    rare = [italian(rng) for _ in range(len(reads) - few)] + known[:few]
    rare_t = timed(lambda: hotlist.match_many(rare, edit1=False))
    emit("exact_ocr_reads_per_s_0.5pct_hits", len(rare) / rare_t, "reads/s", ">= 500000",
         len(reads) / ref)
    edit1 = timed(lambda: hotlist.match_many(reads, edit1=True))
    emit("edit1_reads_per_s", len(reads) / edit1, "reads/s", ">= 50000", len(reads) / ref)
    sample = reads[:20_000]
    single = timed(lambda: [hotlist.match(r) for r in sample])
    emit("single_match_reads_per_s", len(sample) / single, "reads/s")

    # Recall on reads made from listed plates with up to two confusable characters.
    confused = [confuse(p, rng) for p in rng.sample(plates[: len(plates) - len(plates) // 50],
                                                      10_000)]
    found = {n for n, _ in hotlist.match_many(confused, edit1=False)}
    emit("ocr_recall", len(found) / len(confused), "fraction", "1.0")
    # Recall of one missing / extra character on the lists that enable it (A1, C).
    edit_lists = [p for p, lst in rows[: len(rows) - len(rows) // 50] if lst in ("A1", "C")]
    dropped = []
    for p in rng.sample(edit_lists, 10_000):
        i = rng.randrange(len(p))
        dropped.append(p[:i] + p[i + 1 :] if i % 2 else p[:i] + rng.choice(LETTERS) + p[i:])
    found = {n for n, h in hotlist.match_many(dropped) if h.mode is MatchMode.EDIT1}
    emit("edit1_recall_A1_C", len(found) / len(dropped), "fraction", "1.0")

    # False positives: random reads that are not on any list (7 chars, and 6/8 chars for edit-1).
    randoms: list[str] = []
    while len(randoms) < 100_000:
        read = italian(rng)
        if read not in listed:
            randoms.append(read)
    odd = [r[:-1] if n % 2 else r + rng.choice(LETTERS) for n, r in enumerate(randoms[:50_000])]
    # Garbage: any 7 characters of [0-9A-Z] (a smudged plate, a sign read as a plate). Folding
    # maps look-alikes onto the AA000AA shape, so some garbage lands on a listed plate's key.
    alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    garbage = ["".join(rng.choice(alnum) for _ in range(7)) for _ in range(100_000)]
    garbage = [g for g in garbage if g not in listed]
    for name, batch in (("random_7char", randoms), ("random_6_8char", odd),
                        ("garbage_7char", garbage)):
        hits = hotlist.match_many(batch)
        by_mode: dict[str, set[int]] = {}
        for n, hit in hits:
            by_mode.setdefault(hit.mode.value, set()).add(n)
        any_hit = {n for n, _ in hits}
        emit(f"false_positive_rate_{name}", len(any_hit) / len(batch), "fraction")
        for mode, ids in sorted(by_mode.items()):
            emit(f"false_positive_rate_{name}_{mode}", len(ids) / len(batch), "fraction")


if __name__ == "__main__":
    main()
