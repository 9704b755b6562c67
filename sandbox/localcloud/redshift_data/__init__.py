"""The Redshift Data API beyond moto: statements run on PostgreSQL, translated from Redshift SQL.

- extension.py: the entry LocalCloud installs (name ``redshift-data``); hooks.py:
  ``RedshiftDataAPIServiceResponse.call_action``
- engine.py: statements, states, typed results; translate.py: Redshift -> PostgreSQL (sqlglot);
  redshift_only.py: storage clauses and functions sqlglot leaves unreadable for PostgreSQL;
  copy.py: COPY from S3; spectrum.py: external schemas over the Data Catalog
"""
