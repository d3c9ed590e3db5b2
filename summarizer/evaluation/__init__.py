"""Offline evaluation: detection (QE), repair and summaries, with baselines in the same run.

Every result carries a signature (what was run, on what, with which models) and every
item's output, so anyone can rescore it. ``summarizer eval --help`` for the commands.
"""
