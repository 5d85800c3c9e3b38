# The README's two commands: `make run` (set-up + ingest seeds/ into output/) and `make test`.
.PHONY: run test setup bench lint fixtures clean

setup:
	@scripts/setup.sh

run: setup
	.venv/bin/keikaku ingest seeds/ --out output

test: setup
	.venv/bin/python -m pytest

bench: setup
	.venv/bin/python -m benchmarks $(BENCH)

# Regenerate tests/fixtures/ (needs LibreOffice Calc and IPA fonts; CI only reads the committed files).
fixtures: setup
	.venv/bin/python -m tests.fixture_generator

lint: setup
	.venv/bin/ruff check pipeline extractors schemas tests benchmarks

clean:
	rm -rf .venv output/*.csv output/*.parquet output/*.duckdb output/*.json output/*.txt
