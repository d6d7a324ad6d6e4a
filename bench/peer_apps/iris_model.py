"""The one model every serving peer loads: scikit-learn's SVC fitted on the iris data scikit-learn ships.

Each peer fits it in its own virtualenv at start-up (a few milliseconds), so no pickle crosses scikit-learn
versions; ``python iris_model.py PATH`` writes it with joblib for servers that load a file (MLServer).
"""

from __future__ import annotations

import sys

from sklearn import datasets, svm


def fit() -> svm.SVC:
    iris = datasets.load_iris()
    return svm.SVC(gamma="scale").fit(iris.data, iris.target)


if __name__ == "__main__":
    import joblib

    joblib.dump(fit(), sys.argv[1])
