"""The model's equations, once: plain functions over numpy arrays with an optional leading batch axis.

Each function works elementwise or reduces over the last (power) axis in a fixed order, so the Mesa
agents (one run, no batch axis) and the batch engine (N runs at once) get the same bits.
"""
