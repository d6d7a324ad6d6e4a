"""Bentos, deployments, the gateway and deployment backends (SPEC §3.5, §3.6)."""
