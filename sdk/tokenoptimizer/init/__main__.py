"""`python -m tokenoptimizer.init`: the SDK's own entry to `tokenoptimizer init`."""

import sys

from . import main

sys.exit(main())
