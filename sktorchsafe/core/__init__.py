"""The shared core: statistics, validation, messages, compatibility, Dask blocks.

The lowest floor of the package. It imports nothing from the floors above it
(``steps``, ``training``, ``face``) and never loads torch.
"""
