"""What users call: the standard pipeline, streamed fits, diagnosis, the CLI."""
