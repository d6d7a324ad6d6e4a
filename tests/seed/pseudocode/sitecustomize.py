"""Pseudo-code the seed guide leaves undefined, supplied as builtins to the processes of tests/seed.

The guide's blocks call ``train_model()`` and use a global ``model`` and ``data_chunks`` without defining them.
Python imports ``sitecustomize`` at start-up from the import path; tests/seed puts this folder first on
``PYTHONPATH`` (of the test's servers, ``argento exec`` sessions and, through the wrapping Workflow's
``templateDefaults``, steps), so the blocks run exactly as written. Nothing else is defined here.
"""

import builtins

#: Iris class centroids (sepal length/width, petal length/width): setosa, versicolor, virginica.
_CENTROIDS = (
    (5.006, 3.428, 1.462, 0.246),
    (5.936, 2.770, 4.260, 1.326),
    (6.588, 2.974, 5.552, 2.026),
)


class NearestCentroid:
    """The global ``model``: predicts the iris class of each row (numpy only, so it loads in any bento's env)."""

    def predict(self, rows):
        import numpy as np

        data = np.atleast_2d(np.asarray(rows, dtype=float))
        distances = ((data[:, None, :] - np.asarray(_CENTROIDS)[None, :, :]) ** 2).sum(axis=2)
        return distances.argmin(axis=1)


def train_model():
    """``train_model()``: a scikit-learn classifier fitted on iris."""
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    features, target = load_iris(return_X_y=True)
    return LogisticRegression(max_iter=500).fit(features, target)


#: ``data_chunks``: rows to predict, in chunks (plain lists: every ``model.predict`` takes them).
DATA_CHUNKS = [[[5.1, 3.5, 1.4, 0.2]], [[6.7, 3.0, 5.2, 2.3], [5.9, 3.0, 4.2, 1.5]]]

builtins.model = NearestCentroid()
builtins.train_model = train_model
builtins.data_chunks = DATA_CHUNKS
