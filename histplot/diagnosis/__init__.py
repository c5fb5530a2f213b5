"""Diagnosis: settings, the monitored series, the checks and criteria, findings, ranking, verdict text.

``run.diagnose`` is the entry point (``histplot.diagnose``).
"""
