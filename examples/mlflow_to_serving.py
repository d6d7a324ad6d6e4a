"""From MLflow's model registry to serving: import a registered model and serve or deploy it.

    argento up -d && argento run examples/mlflow-train.yaml      # registers models:/iris, alias candidate
    python examples/mlflow_to_serving.py                          # imports it, promotes it, prints what to run

The same from the CLI::

    argento models import-mlflow models:/iris@candidate --name iris_clf --alias production
    argento serve examples.service:MyMLService --port 3000        # serves iris_clf:production
    argento deploy --mlflow models:/iris@candidate --name iris --replicas 2
    argento deploy --name iris --canary models:/iris@challenger --weight 10    # a canary, one command

A service can also name the MLflow model directly: ``argento.models.ref("mlflow:models:/iris@candidate")``
(imported into the model store the first time it is resolved).
"""

from __future__ import annotations

import sys

import argento


def main(uri: str = "models:/iris@candidate") -> None:
    # Imported once per MLflow version, with its lineage; named as examples/service.py expects.
    model = argento.models.import_mlflow(uri, name="iris_clf", alias="production")
    lineage = model.metadata["mlflow"]
    print(f"imported {uri} as {model.tag} (framework {model.framework})")
    print(f"  run {lineage['run_id']}, metrics {model.metadata['metrics']}, params {model.metadata['params']}")
    print("serve it:   argento serve examples.service:MyMLService --port 3000")
    print(f"deploy it:  argento deploy --mlflow {uri} --name iris --replicas 2")


if __name__ == "__main__":
    main(*sys.argv[1:])
