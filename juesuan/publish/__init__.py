"""Publication: DuckDB + Parquet, SQLite for Datasette, Datasette metadata."""
