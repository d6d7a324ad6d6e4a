"""Train the seed guide's iris classifier and save it to the model store (run before examples/service.py).

    python examples/train_iris.py            # saves iris_clf:<version> and points the alias production at it
"""

from __future__ import annotations

from sklearn import datasets, svm

import argento


def main() -> None:
    iris = datasets.load_iris()
    clf = svm.SVC(gamma="scale")
    clf.fit(iris.data, iris.target)
    model = argento.sklearn.save_model("iris_clf", clf, metadata={"accuracy": float(clf.score(iris.data, iris.target))})
    argento.models.tag(model.tag, "production")
    print(f"saved {model.tag} (alias iris_clf:production)")


if __name__ == "__main__":
    main()
