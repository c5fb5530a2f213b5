"""Baseline for the large case: ``pandas.read_csv`` of the file and nothing else.

Usage: read_csv.py METRICS.csv
"""

import sys

import pandas as pd

pd.read_csv(sys.argv[1])
