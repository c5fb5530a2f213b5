"""Write the bundled sample histories: ``python scripts/make_samples.py [DIR]`` (default sample_histories/).

Every sample is made here from a seeded generator, so the files are reproducible and a test can
check that the committed ones are current. Each module in ``scripts/samples/`` defines
``SAMPLES: dict[file name, function(path)]``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def all_samples() -> dict:
    import samples

    table: dict = {}
    for mod in sorted(pkgutil.iter_modules(samples.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"samples.{mod.name}")
        for name, fn in getattr(module, "SAMPLES", {}).items():
            if name in table:
                raise SystemExit(f"sample {name} is defined twice")
            table[name] = fn
    return table


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else HERE.parent / "sample_histories"
    out.mkdir(parents=True, exist_ok=True)
    for name, fn in sorted(all_samples().items()):
        fn(out / name)
        print(out / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
