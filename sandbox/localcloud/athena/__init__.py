"""Athena beyond moto: StartQueryExecution runs the query on DuckDB over the catalog's S3 data.

- extension.py: the entry LocalCloud installs (name ``athena``); hooks.py: ``AthenaResponse.call_action``
- engine.py: executions, states, statistics, paging; query.py: translation (sqlglot), table
  resolution, partition pruning, DuckDB; trino.py: Trino functions DuckDB reads differently, the
  UTC session zone; results.py: types, text values, the result CSV
- reads tables with ``shared/catalog_tables.py``
"""
