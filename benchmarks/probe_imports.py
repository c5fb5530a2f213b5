"""Run the histplot CLI with the given arguments and say, on stderr, which heavy packages it imported.

Usage: probe_imports.py --help
"""

import atexit
import sys

HEAVY = ("pandas", "matplotlib", "numpy")


@atexit.register
def _report() -> None:
    loaded = [m for m in HEAVY if m in sys.modules]
    sys.__stderr__.write("imported: " + (",".join(loaded) or "-") + "\n")


from histplot.cli import main  # noqa: E402 - the probe must be in place before anything is imported

sys.argv = ["histplot", *sys.argv[1:]]
main()
