"""Metrics derived from the logged ones: confusion counts to precision/recall/F1/MCC, per-class
families, user expressions (histplot.yaml ``derive:``). ``derive.derive`` is the entry point."""
