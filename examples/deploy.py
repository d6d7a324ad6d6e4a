"""Deploy the bento of examples/argento.yaml with replicas, as the seed guide does with Yatai's client.

    argento up -d                                # the server runs replicas and the gateway
    python examples/train_iris.py && argento build -f examples/argento.yaml
    python examples/deploy.py                    # or: argento deploy my-ml-service:latest --name iris --replicas 2
    curl -s localhost:2746/deployments/iris/predict -H 'content-type: application/json' \
         -d '{"features": [5.1, 3.5, 1.4, 0.2]}'
"""

from __future__ import annotations

import argento


def main() -> None:
    client = argento.Client()  # ARGENTO_SERVER (default http://127.0.0.1:2746), ARGENTO_TOKEN
    deployment = client.deployments.create(
        name="iris",
        bento="my-ml-service:latest",
        namespace="default",
        replicas=2,
        wait=True,
    )
    status = deployment["status"]
    print(f"{deployment['name']}: {status['phase']}, {sum(v['ready'] for v in status['variants'].values())} replicas ready")
    print(f"endpoint: {client.server}/deployments/{deployment['name']}/predict")


if __name__ == "__main__":
    main()
