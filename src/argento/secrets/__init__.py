"""The local secret store (SPEC §2.10): ``argento secret create|list|delete`` and ``secretKeyRef`` resolution.

    store = SecretStore(settings.home)
    store.create("argo", "my-s3-credentials", {"accessKey": "…", "secretKey": "…"})
    SecretResolver(store).resolve("argo", {"name": "my-s3-credentials", "key": "accessKey"})
"""

from argento.secrets.store import SecretInfo, SecretNotFound, SecretResolver, SecretStore

__all__ = ["SecretInfo", "SecretNotFound", "SecretResolver", "SecretStore"]
