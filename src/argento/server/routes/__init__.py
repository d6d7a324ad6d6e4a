"""Route modules, one per Argo service; each exposes an ``api`` (:class:`argento.server.api.Api`)."""
