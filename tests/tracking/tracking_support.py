"""Helpers for the tracking tests: log small scikit-learn models to the session's MLflow server."""

from __future__ import annotations

from typing import Any


def log_iris(name: str | None = None, *, metric: float | None = None, experiment: str = "tests") -> tuple[str, Any]:
    """Fit a small iris classifier, log it (and a param and a metric) to MLflow; returns (run id, model info).

    ``pip_requirements`` is given so MLflow does not spend seconds inferring them.
    """
    import mlflow
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True)
    mlflow.set_experiment(experiment)
    with mlflow.start_run() as run:
        clf = LogisticRegression(max_iter=300).fit(X, y)
        mlflow.log_param("max_iter", 300)
        mlflow.log_metric("accuracy", metric if metric is not None else float(clf.score(X, y)))
        info = mlflow.sklearn.log_model(
            clf, name="model", registered_model_name=name, pip_requirements=["scikit-learn"]
        )
    return run.info.run_id, info
