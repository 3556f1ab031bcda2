"""`python -m sim` is the `exsim` command."""

import sys

from .cli import main

sys.exit(main())
