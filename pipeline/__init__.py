"""Orchestration: inputs -> per-document stages -> validated tables -> files. The CLI is a thin
wrapper over ``pipeline.ingest.ingest``, ``schemas.validation.validate_output_dir`` and
``schemas.datapackage.schema_text``."""

PIPELINE_VERSION = "0.1.0"
