"""Spark jobs of the sandbox: each exposes pure transform steps and a thin `main()`.

The jobs run unchanged under `spark-submit` on a cluster (the Docker stack's Spark master, EMR) and
in local mode inside the embedded stack; `spark_jobs.session` is the one place that builds a session.
"""
