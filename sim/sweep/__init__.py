"""Parameter sweeps: declared in sweep files (scenarios/sweeps/*.yaml), run in chunks on local processes or a
Dask cluster into a resumable result store, analysed with SALib (sensitivity) and PRIM (scenario discovery).
See docs/sweeps.md."""
