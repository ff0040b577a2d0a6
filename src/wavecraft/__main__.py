"""``python -m wavecraft`` runs the command line."""

import sys

from wavecraft.cli import main

sys.exit(main())
