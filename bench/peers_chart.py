"""Draw the chart of bench/peers.py from its JSON: ``python peers_chart.py peers.json out.png``.

Runs in the ``plot`` virtualenv of the peers (matplotlib is not a dependency of the project).
Left: serving throughput (higher is better), unpinned and pinned, with the min–max of the rounds. Right:
the 40-step workflow (lower is better, log scale). Argento's bars are the coloured ones.
"""

from __future__ import annotations

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

OURS, PEER, OURS_LIGHT, PEER_LIGHT = "#d9480f", "#868e96", "#ffa94d", "#ced4da"


def main(data_path: str, out: str) -> None:
    with open(data_path) as f:
        data = json.load(f)
    serving, flows = data["serving"], data["workflows"]
    panels = [p for p in (serving, flows) if p]
    fig, axes = plt.subplots(1, len(panels), figsize=(7 * len(panels), 5.2), squeeze=False)
    axes = list(axes[0])
    if serving:
        _serving(axes.pop(0), serving, data)
    if flows:
        _flows(axes.pop(0), flows)
    loads = data.get("load") or [0]
    fig.suptitle(
        f"Argento vs peers — {data['started']}, {data['cores']} cores, {data['machine']}\nload average "
        f"{min(loads):.1f}–{max(loads):.1f} during the run (a shared machine: compare within the run, not absolutes)",
        fontsize=9,
        color="#495057",
    )
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    fig.savefig(out, dpi=110)


def _serving(ax: plt.Axes, rows: list[dict], data: dict) -> None:
    names = list(dict.fromkeys(r["name"] for r in rows))
    by = {(r["name"], r["mode"]): r for r in rows}
    names.sort(key=lambda n: (by.get((n, "unpinned")) or by.get((n, "pinned")) or {"rps": 0})["rps"])
    height = 0.38
    for offset, mode in ((-height / 2, "unpinned"), (height / 2, "pinned")):
        for i, name in enumerate(names):
            row = by.get((name, mode))
            if row is None:
                continue
            ours = name.startswith("argento")
            color = (OURS if ours else PEER) if mode == "unpinned" else (OURS_LIGHT if ours else PEER_LIGHT)
            err = [[row["rps"] - row["rps_min"]], [row["rps_max"] - row["rps"]]]
            ax.barh(
                i + offset,
                row["rps"],
                height,
                xerr=err,
                color=color,
                ecolor="#343a40",
                capsize=2,
                label=mode if i == 0 else None,
            )
            ratio = f"  {row['ratio']:.2f}×" if row.get("ratio") else ""
            ax.text(row["rps_max"], i + offset, f" {row['rps']:,.0f}{ratio}", va="center", fontsize=7)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_xlabel("requests/s (median of rounds, bars: min–max); × = ratio to bare Starlette, same round")
    ax.set_title(
        f"Serving: iris SVC, 1 row, 1 worker, {data['connections']} connections (higher is better)",
        fontsize=10,
    )
    ax.set_xlim(0, max(r["rps_max"] for r in rows) * 1.3)
    from matplotlib.patches import Patch

    ax.legend(
        handles=[
            Patch(color=OURS, label="unpinned (as people run it)"),
            Patch(color=OURS_LIGHT, label="pinned: server core 0, wrk core 1"),
        ],
        loc="lower right",
        fontsize=7,
    )


def _flows(ax: plt.Axes, rows: list[dict]) -> None:
    rows = sorted(rows, key=lambda r: -r["seconds"])
    for i, row in enumerate(rows):
        ours = row["name"].startswith("argento")
        floor = row["name"].startswith("python")
        color = OURS if ours else ("#2b8a3e" if floor else PEER)
        err = [[row["seconds"] - row["min"]], [row["max"] - row["seconds"]]]
        ax.barh(i, row["seconds"], 0.6, xerr=err, color=color, ecolor="#343a40", capsize=2)
        ratio = f"  {row['ratio']:.1f}× floor" if row.get("ratio") and not floor else ""
        ax.text(row["max"] * 1.05, i, f"{row['seconds']:.2f} s{ratio}", va="center", fontsize=7)
    ax.set_xscale("log")
    ax.set_yticks(range(len(rows)), [r["name"] for r in rows], fontsize=8)
    ax.set_xlabel("seconds, log scale (median of rounds, bars: min–max)")
    ax.set_title("Workflows: 40 sequential `sh -c true` steps (lower is better)", fontsize=10)
    ax.set_xlim(min(r["min"] for r in rows) / 2, max(r["max"] for r in rows) * 6)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
