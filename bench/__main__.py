import sys

from bench.run import main

try:
    sys.exit(main())
except KeyboardInterrupt:
    # Every process the bench started was stopped on the way out (bench/stack.py).
    print("\nbench interrupted; every process it started is stopped", file=sys.stderr)
    sys.exit(130)
