"""Pipeline 5: the data warehouse and its visualisation (Glue crawler, Athena, Redshift + Spectrum, dashboard)."""
