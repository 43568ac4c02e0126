"""``python -m segmentation``: the command line."""

import sys

from .cli import main

sys.exit(main())
