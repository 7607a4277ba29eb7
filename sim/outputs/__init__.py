"""Writing a run's results: tidy tables, figures, a plain-words report and a manifest, all or nothing."""
