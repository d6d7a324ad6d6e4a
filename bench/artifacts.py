"""Artifact round-trip benchmark: a 200 MB output saved and loaded on the local folder and on S3 (moto).

    python bench/artifacts.py [SIZE_MB]

Each case runs in a fresh Python process that measures its own peak RSS (``ru_maxrss``) before and after the
round trip, so "RSS growth" is what the save+load added: flat memory means it stays small whatever the size.
Save = archive (tar+gzip by default, or ``archive: none``) + upload, as the driver does after a step; load =
download + unpack, as before a step. Baseline (same run): a plain ``shutil.copyfile`` of the same file.
The S3 server is ``python -m moto.server`` on 127.0.0.1 (its own memory is not counted).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(case: str, data: str, work: str, endpoint: str) -> None:
    """Run one case in this (fresh) process and print a JSON line."""
    from argento.artifacts import LocalRepository, S3Repository
    from argento.artifacts.archive import pack, unpack
    from argento.artifacts.s3 import S3Credentials

    src = Path(data)
    root = Path(work)
    if case == "copy":
        base = _rss_mb()
        t0 = time.perf_counter()
        shutil.copyfile(src, root / "copy-out")
        t1 = time.perf_counter()
        shutil.copyfile(root / "copy-out", root / "copy-back")
        t2 = time.perf_counter()
        print(json.dumps({"save": t1 - t0, "load": t2 - t1, "base": base, "peak": _rss_mb()}))
        return
    kind, strategy = case.split("-")
    if kind == "local":
        repo = LocalRepository(root / "repo")
    else:
        import boto3

        boto3.client("s3", endpoint_url=f"http://{endpoint}", region_name="us-east-1",
                     aws_access_key_id="a", aws_secret_access_key="b").create_bucket(Bucket="bench")
        repo = S3Repository("bench", endpoint=endpoint, insecure=True, credentials=S3Credentials("a", "b"))
        _ = repo.client  # import boto3 before the baseline
    art = {"name": "big", "path": "/tmp/big.bin", **({"archive": {"none": {}}} if strategy == "none" else {})}
    base = _rss_mb()
    t0 = time.perf_counter()
    packed = pack(art, src, root / "stage")
    repo.put(f"wf/pod/{packed.file_name}", packed.path)
    if packed.temporary:
        packed.path.unlink()
    t1 = time.perf_counter()
    tmp = root / "download"
    repo.get(f"wf/pod/{packed.file_name}", tmp)
    unpack(art, tmp, root / "loaded")
    t2 = time.perf_counter()
    assert (root / "loaded").stat().st_size == src.stat().st_size
    print(json.dumps({"save": t1 - t0, "load": t2 - t1, "base": base, "peak": _rss_mb()}))


def main(size_mb: int) -> None:
    sys.path.insert(0, str(HERE.parent / "tests" / "artifacts"))
    from art_support import MotoServer

    with tempfile.TemporaryDirectory(prefix="argento-bench-artifacts-") as tmp:
        data = Path(tmp) / "big.bin"
        with open(data, "wb") as f:  # incompressible: the worst case for gzip
            for _ in range(size_mb):
                f.write(os.urandom(1 << 20))
        server = MotoServer().start()
        rows = []
        try:
            for case in ("copy", "local-tar", "local-none", "s3-tar", "s3-none"):
                work = Path(tmp) / case
                work.mkdir()
                out = subprocess.run([sys.executable, __file__, "--child", case, str(data), str(work), server.endpoint],
                                     capture_output=True, text=True, check=True)
                r = json.loads(out.stdout.strip().splitlines()[-1])
                rows.append((case, r))
                shutil.rmtree(work)
                server.reset()
        finally:
            server.stop()
    print(f"\n{size_mb} MB artifact round trip (save + load), peak RSS per process\n")
    print("| case | save s | load s | MB/s (round trip) | RSS before MB | peak RSS MB | RSS growth MB |")
    print("|---|---|---|---|---|---|---|")
    for case, r in rows:
        label = {"copy": "baseline: shutil.copyfile ×2", "local-tar": "local, tar+gzip (default)",
                 "local-none": "local, archive: none", "s3-tar": "S3 (moto), tar+gzip (default)",
                 "s3-none": "S3 (moto), archive: none"}[case]
        rate = 2 * size_mb / (r["save"] + r["load"])
        print(f"| {label} | {r['save']:.2f} | {r['load']:.2f} | {rate:.0f} | {r['base']:.0f} | {r['peak']:.0f} | "
              f"{r['peak'] - r['base']:.0f} |")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:6])
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
