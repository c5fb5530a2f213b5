"""Reports: many runs into CI artifacts (figures, summary.json, summary.md, index.html).

``build.build_report`` is the entry point; ``results`` holds the per-run work.
"""
