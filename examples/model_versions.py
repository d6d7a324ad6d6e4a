"""Model versioning and tags (the seed guide's "model versioning" section), on the local model store.

    python examples/model_versions.py
    argento models list iris-versions && argento models history iris-versions
"""

from __future__ import annotations

from datetime import UTC, datetime

from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import argento


def main() -> None:
    X, y = load_iris(return_X_y=True)
    versions = []
    for c in (0.1, 1.0):  # two trainings → two immutable versions, sortable by time
        clf = LogisticRegression(C=c, max_iter=500).fit(X, y)
        model = argento.sklearn.save_model(
            "iris-versions", clf, labels={"team": "ml"}, metadata={"C": c, "accuracy": float(clf.score(X, y))}
        )
        versions.append(model)
        print(f"saved {model.tag}  accuracy={model.metadata['accuracy']:.3f}")
    first, second = versions
    argento.models.tag(first.tag, "production")  # a mutable alias…
    before = datetime.now(UTC)
    argento.models.tag(second.tag, "staging")
    argento.models.tag("iris-versions:staging", "production")  # …promoted: production moves to the second
    argento.models.set_labels(second.tag, {"stage": "prod"})
    print(f"aliases now: {argento.models.aliases('iris-versions')}")
    print(f"production before the promotion: {argento.models.resolve_at('iris-versions:production', before)}")
    print(f"latest: {argento.models.get('iris-versions:latest').tag}")
    for event in argento.models.history("iris-versions", "production"):
        print(f"  {event.time:%H:%M:%S} production: {event.from_version or '-'} → {event.to_version}")
    clf = argento.sklearn.load_model("iris-versions:production")
    print(f"production predicts {int(clf.predict(X[:1])[0])} for the first flower")


if __name__ == "__main__":
    main()
