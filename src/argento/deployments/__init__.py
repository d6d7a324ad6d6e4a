"""Bentos, deployments, the gateway and deployment backends (SPEC §3.5, §3.6).

The public function ``argento.deploy(...)`` (:func:`argento.client.platform.deploy`) creates a deployment through
the server; this package is what serves it.
"""
