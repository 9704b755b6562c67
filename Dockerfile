# The `sandbox` image: this project, run by docker-compose.yml as the `sandbox` service.
#
# It serves the console and what LocalStack Community lacks (Glue crawler, Athena, Redshift Data
# API, the order-rate stream job). Python 3.11 matches the Spark images' executors
# (docker/spark/Dockerfile); a Java 17 runtime lets pyspark start its driver JVM; pyspark is
# pinned to the cluster's Spark version, because a driver and a cluster of different versions do
# not talk to each other reliably.
FROM python:3.11-slim-bookworm

ARG SPARK_VERSION=4.1.1

RUN set -eux; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jre-headless procps; \
    rm -rf /var/lib/apt/lists/*; \
    useradd --create-home --uid 1000 cadabra; \
    mkdir -p /var/lib/cadabra; \
    chown cadabra:cadabra /var/lib/cadabra

WORKDIR /opt/cadabra

# Dependencies first (a cached layer while only the code changes): install the project once from
# its metadata with empty packages, then again with the code and no dependency resolution.
COPY pyproject.toml README.md ./
RUN set -eux; \
    mkdir -p sandbox pipelines generators spark_jobs; \
    touch sandbox/__init__.py pipelines/__init__.py generators/__init__.py spark_jobs/__init__.py; \
    pip install --no-cache-dir . "pyspark==${SPARK_VERSION}"; \
    pip uninstall -y cadabra-sandbox; \
    rm -rf sandbox pipelines generators spark_jobs build *.egg-info

COPY sandbox ./sandbox
COPY pipelines ./pipelines
COPY generators ./generators
COPY data ./data
# Editable, so the code stays here beside sql/ and data/ (settings.PROJECT_ROOT is this folder).
RUN pip install --no-cache-dir --no-deps --editable .

# Inside a container the console must listen on all of the container's interfaces, or the port
# that compose publishes (on the host's 127.0.0.1 only) could not reach it. Only this image sets it;
# everywhere else the console binds to loopback.
ENV CADABRA_CONSOLE_BIND=0.0.0.0 \
    CADABRA_STATE_DIR=/var/lib/cadabra \
    PYSPARK_PYTHON=python3 \
    PYTHONUNBUFFERED=1

USER cadabra
EXPOSE 8080 4567
CMD ["cadabra", "serve-docker"]
