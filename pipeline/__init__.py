"""Orchestration: inputs -> per-document stages -> validated tables -> files. The CLI is a thin
wrapper over ``pipeline.ingest.ingest``, ``pipeline.validate.validate_output``, ``pipeline.diff`` and
``schemas.datapackage.schema_text``."""

PIPELINE_VERSION = "0.1.0"
