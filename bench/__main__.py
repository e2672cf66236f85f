"""``python -m bench``: every benchmark with its target, PASS/FAIL per row."""

import sys

from bench.run import main

sys.exit(main(sys.argv[1:]))
