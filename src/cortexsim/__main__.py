"""``python -m cortexsim``: the same as the ``cortexsim`` command."""

import sys

from .workflow.cli import main

sys.exit(main())
