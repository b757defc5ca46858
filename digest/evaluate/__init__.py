"""Measuring digest against people's work: summaries and headlines (summaries.py), translations
(translation.py), and the tables each measurement reports (reports.py)."""
