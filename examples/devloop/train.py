"""A tiny nearest-centroid classifier; prints its training accuracy (the step's result)."""

import argparse
import csv

parser = argparse.ArgumentParser()
parser.add_argument("data")
parser.add_argument("--epochs", type=int, default=1)
args = parser.parse_args()

with open(args.data) as f:
    rows = [(float(r["x"]), float(r["y"]), int(r["label"])) for r in csv.DictReader(f)]
centroids: dict[int, tuple[float, float]] = {}
for _ in range(args.epochs):
    for label in {r[2] for r in rows}:
        points = [(x, y) for x, y, lab in rows if lab == label]
        centroids[label] = (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def predict(x: float, y: float) -> int:
    return min(centroids, key=lambda c: (centroids[c][0] - x) ** 2 + (centroids[c][1] - y) ** 2)


accuracy = sum(predict(x, y) == label for x, y, label in rows) / len(rows)
print(f"{accuracy:.3f}")
