"""``python -m bentoml``: the ``bentoml`` command of Argento's compatibility layer."""

import sys

from argento.compat.bentoml.cli import main

sys.exit(main())
