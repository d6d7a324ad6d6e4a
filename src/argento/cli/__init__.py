"""The ``argento`` command line: one module per command group, assembled in :mod:`argento.cli.main`."""
