"""Reader benchmark: NTU parse throughput, NW-UCLA cache build/load time, peak memory.

Run from the repository root::

    OMP_NUM_THREADS=1 .venv/bin/python bench/readers.py [--data ../shared/data] [--repeat 30]

NTU: every ``.skeleton`` file of ``<data>/ntu`` is read ``--repeat`` times by the project
reader (``core.datasets.ntu``, full pipeline: file read, parse, body packing, record) and
by three simpler readers written here for comparison, producing the same arrays: two
straightforward line-by-line readers (one keeps every joint line as a dict of its 12
named fields, the shape of the widely copied reference NTU loaders; one as a list of
floats) and one that splits the whole file once and converts every number with numpy. Times are the median per
pass over all files; CPU time (``time.process_time``) is shown beside wall time because
the machine may be shared. The project's first-tier parser is named (``numba``, or
``line-by-line`` when numba cannot compile); numba's one-off cost is shown apart: the first call
in this process (a compile, or a load from numba's cache) and a cold compile in a child
process with an empty cache; throughput is timed after a warm-up call. The first tiers
alone (bytes in memory) are timed too, and the project reader is run on several files
at once by a thread pool (the numba scanner releases the GIL), reported apart from the
single-thread figures. NW-UCLA: the clip store of ``all_sqe.zip`` is built into a
temporary folder, then opened and every clip read. Peak memory: ``tracemalloc`` peak of
Python allocations for each step, and the process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from core.datasets.cache import ClipStore, prepare  # noqa: E402
from core.datasets.ntu import (  # noqa: E402
    _jit_scanner,
    parse_jit,
    parse_lines,
    read_skeleton_bytes,
)

COLD_COMPILE = """
import sys, time
sys.path.insert(0, {repo!r})
t0 = time.perf_counter()
from core.datasets.ntu import parse_jit
parse_jit(open({path!r}, "rb").read(), "x")
print(time.perf_counter() - t0)
"""

BODY_KEYS = ("bodyID", "clippedEdges", "handLeftConfidence", "handLeftState",
             "handRightConfidence", "handRightState", "isRestricted", "leanX", "leanY",
             "trackingState")  # fmt: skip
JOINT_KEYS = ("x", "y", "z", "depthX", "depthY", "colorX", "colorY", "orientationW",
              "orientationX", "orientationY", "orientationZ", "trackingState")  # fmt: skip


def baseline_dicts(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Line-by-line reader keeping every joint as a dict of its named fields.

    Returns ``(joints (T, M, 25, 3), color (T, M, 25, 2))`` for the first two bodies.
    """
    with open(path) as fh:
        num_frames = int(fh.readline())
        frames = []
        for _ in range(num_frames):
            bodies = []
            for _ in range(int(fh.readline())):
                body = dict(zip(BODY_KEYS, fh.readline().split()))
                body["joints"] = [
                    {k: float(v) for k, v in zip(JOINT_KEYS, fh.readline().split())}
                    for _ in range(int(fh.readline()))
                ]
                bodies.append(body)
            frames.append(bodies)
    m = max(1, min(2, max(len(b) for b in frames)))
    joints = np.zeros((num_frames, m, 25, 3), dtype=np.float32)
    color = np.zeros((num_frames, m, 25, 2), dtype=np.float32)
    for t, bodies in enumerate(frames):
        for b, body in enumerate(bodies[:m]):
            for j, jt in enumerate(body["joints"]):
                joints[t, b, j] = (jt["x"], jt["y"], jt["z"])
                color[t, b, j] = (jt["colorX"], jt["colorY"])
    return joints, color


def baseline_lists(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Line-by-line reader keeping joint lines as lists of floats, one array at the end."""
    with open(path) as fh:
        num_frames = int(fh.readline())
        rows: list[list[list[float]]] = []
        for _ in range(num_frames):
            bodies = []
            for _ in range(int(fh.readline())):
                fh.readline()
                bodies.append(
                    [
                        [float(v) for v in fh.readline().split()]
                        for _ in range(int(fh.readline()))
                    ]
                )
            rows.append(bodies)
    m = max(1, min(2, max(len(b) for b in rows)))
    table = np.zeros((num_frames, m, 25, 12), dtype=np.float32)
    for t, bodies in enumerate(rows):
        for b, body in enumerate(bodies[:m]):
            table[t, b] = body
    return table[..., :3].copy(), table[..., 5:7].copy()


def split_once_bulk(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Whole file split once, every number converted by numpy in bulk, counts walked."""
    tokens = path.read_bytes().split()
    values = np.array(tokens).astype(np.float64)  # bodyID fields convert too
    pos, num_frames = 1, int(tokens[0])
    blocks: list[tuple[int, int, int]] = []
    for t in range(num_frames):
        nb = int(tokens[pos])
        pos += 1
        for b in range(nb):
            nj = int(tokens[pos + 10])
            blocks.append((t, b, pos + 11))
            pos += 11 + 12 * nj
    m = max(1, min(2, max((b + 1 for _, b, _ in blocks), default=1)))
    joints = np.zeros((num_frames, m, 25, 3), dtype=np.float32)
    color = np.zeros((num_frames, m, 25, 2), dtype=np.float32)
    for t, b, start in blocks:
        if b < m:
            block = values[start : start + 300].reshape(25, 12)
            joints[t, b] = block[:, :3]
            color[t, b] = block[:, 5:7]
    return joints, color


def project_reader(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The project's reader (reads the file, parses, packs bodies)."""
    seq = read_skeleton_bytes(path.read_bytes(), str(path))
    assert seq is not None and seq.color_xy is not None
    return seq.joints, seq.color_xy


def time_passes(
    fn: Callable[[Path], object], files: list[Path], repeat: int
) -> tuple[float, float]:
    """Median wall and CPU seconds of one pass over ``files``."""
    walls, cpus = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        for f in files:
            fn(f)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus)


def peak_python_mb(fn: Callable[[], object]) -> float:
    """``tracemalloc`` peak (MB) of the Python allocations made by ``fn``."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def cold_compile_seconds(path: Path) -> float | None:
    """Import + first call of the numba parser in a child process with an empty cache."""
    with tempfile.TemporaryDirectory(prefix="ms2l-numba-") as tmp:
        env = dict(os.environ, NUMBA_CACHE_DIR=tmp)
        done = subprocess.run(
            [sys.executable, "-c", COLD_COMPILE.format(repo=str(REPO), path=str(path))],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    return float(done.stdout) if done.returncode == 0 else None


def time_threaded(
    fn: Callable[[Path], object], files: list[Path], repeat: int, threads: int
) -> tuple[float, float]:
    """Median wall and CPU seconds of one pass over ``files`` spread over threads."""
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(fn, files))  # start the threads before timing
        walls, cpus = [], []
        for _ in range(repeat):
            w0, c0 = time.perf_counter(), time.process_time()
            list(pool.map(fn, files))
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    data = Path(args.data)
    files = sorted((data / "ntu").glob("*.skeleton"))
    if not files:
        print(f"no .skeleton files in {data / 'ntu'}", file=sys.stderr)
        return 2
    size_mb = sum(f.stat().st_size for f in files) / 1e6
    first_tier = "numba" if _jit_scanner() is not None else "line-by-line"
    t0 = time.perf_counter()
    project_reader(files[0])  # numba: compiles, or loads its cache
    t_first = time.perf_counter() - t0
    for f in files:  # all readers must agree before they are timed
        ref = project_reader(f)
        for other in (baseline_dicts, baseline_lists, split_once_bulk):
            got = other(f)
            assert np.array_equal(got[0], ref[0]) and np.array_equal(got[1], ref[1]), f

    print(f"NTU RGB+D .skeleton parse: {len(files)} files, {size_mb:.2f} MB, "
          f"median of {args.repeat} passes; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")  # fmt: skip
    print(f"  project first-tier parser: {first_tier}; first call in this process "
          f"{t_first * 1e3:.0f} ms (not in the figures below)")  # fmt: skip
    if first_tier == "numba":
        cold = cold_compile_seconds(files[0])
        shown = "failed" if cold is None else f"{cold:.2f} s"
        print(
            f"  numba cold compile (empty cache, child process, incl. import): {shown}"
        )
    print(
        f"  {'reader':<36}{'ms/pass':>9}{'MB/s':>8}{'files/s':>9}{'CPU MB/s':>10}{'x':>7}"
    )
    results = {}
    for label, fn in (
        (f"project ({first_tier})", project_reader),
        ("line-by-line, dict per joint", baseline_dicts),
        ("line-by-line, list per joint", baseline_lists),
        ("split once + numpy bulk convert", split_once_bulk),
    ):
        results[label] = time_passes(fn, files, args.repeat)
    base_wall = results["line-by-line, dict per joint"][0]
    for label, (wall, cpu) in results.items():
        print(f"  {label:<36}{wall * 1e3:9.2f}{size_mb / wall:8.1f}{len(files) / wall:9.0f}"
              f"{size_mb / cpu:10.1f}{base_wall / wall:7.1f}")  # fmt: skip
    wall_p = results[f"project ({first_tier})"][0]
    print(
        f"  speed-up vs dict reader {base_wall / wall_p:.1f}x, "
        f"vs list reader {results['line-by-line, list per joint'][0] / wall_p:.1f}x"
    )
    print("  first tiers alone, bytes in memory (ms/pass, MB/s):")
    blobs = [(f.read_bytes(), str(f)) for f in files]
    tiers = [("line-by-line fallback", parse_lines)]
    if first_tier == "numba":
        tiers.insert(0, ("numba single pass", parse_jit))
    for label, tier in tiers:
        wall, _ = time_passes(lambda b, tier=tier: tier(*b), blobs, args.repeat)  # type: ignore[arg-type]
        print(f"    {label:<34}{wall * 1e3:9.2f}{size_mb / wall:8.1f}")
    if args.threads > 1:
        wall_t, cpu_t = time_threaded(project_reader, files, args.repeat, args.threads)
        print(f"  project ({first_tier}), {args.threads} threads over the files: "
              f"{wall_t * 1e3:.2f} ms/pass, {size_mb / wall_t:.1f} MB/s, "
              f"{base_wall / wall_t:.1f}x the dict reader (CPU {size_mb / cpu_t:.1f} "
              f"MB/s; single-thread figures above)")  # fmt: skip
    peak_ntu = peak_python_mb(lambda: [project_reader(f) for f in files])
    peak_base = peak_python_mb(lambda: [baseline_dicts(f) for f in files])
    print(
        f"  peak Python memory reading all files: project {peak_ntu:.1f} MB, "
        f"dict reader {peak_base:.1f} MB"
    )

    zip_path = data / "nw-ucla" / "all_sqe.zip"
    if zip_path.is_file():
        with tempfile.TemporaryDirectory(prefix="ms2l-bench-") as tmp:
            cache = Path(tmp)
            holder: dict[str, object] = {}

            def build() -> None:
                for event in prepare("nw-ucla", zip_path, cache, force=True):
                    holder["ready"] = event

            t0 = time.perf_counter()
            build()
            t_build = time.perf_counter() - t0
            peak_build = peak_python_mb(build)  # traced separately: tracing slows it
            ready = holder["ready"]
            t0 = time.perf_counter()
            store = ClipStore.open(ready.path)  # type: ignore[attr-defined]
            t_open = time.perf_counter() - t0
            t0 = time.perf_counter()
            total = sum(float(store[i].sum()) for i in range(len(store)))
            t_all = time.perf_counter() - t0
            t0 = time.perf_counter()
            again = list(prepare("nw-ucla", zip_path, cache))
            t_fresh = time.perf_counter() - t0
            size = sum(p.stat().st_size for p in Path(ready.path).iterdir()) / 1e6  # type: ignore[attr-defined]
            print(f"NW-UCLA cache ({zip_path.name}, {zip_path.stat().st_size / 1e6:.1f} MB zip): "
                  f"{len(store)} clips, {store.num_frames} frames, store {size:.1f} MB")  # fmt: skip
            print(
                f"  build {t_build:.2f} s (peak Python memory {peak_build:.1f} MB); "
                f"freshness check {t_fresh * 1e3:.0f} ms (rebuilt={again[-1].rebuilt})"
            )
            print(
                f"  open {t_open * 1e3:.1f} ms; read every clip from the map "
                f"{t_all * 1e3:.0f} ms ({total:.1f} checksum)"
            )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak resident memory: {rss:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
