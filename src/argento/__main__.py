"""``python -m argento …``: the ``argento`` command (for steps whose PATH has Python but not the script)."""

from argento.cli.main import main

main()
