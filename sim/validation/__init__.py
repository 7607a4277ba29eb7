"""Validation of the 1999-2008 replay: dated checkpoints, the fit to UN General Assembly voting, and
counterfactuals that drop a cause and check that its effect goes away (``python run.py validate``)."""
