"""Product recommendations: the lake's order lines → implicit-feedback ALS → DynamoDB CadabraRecommendations.

The course gave every purchase the rating 1.0 and reported RMSE, which measures nothing for implicit
feedback. Here (MLlib ALS with implicitPrefs, https://spark.apache.org/docs/latest/ml-collaborative-filtering.html):

- clean: cancellations (InvoiceNo C…, Quantity <= 0), non-product StockCodes (the order pipeline's
  list), guest lines (no CustomerID) and zero prices are dropped; a line Firehose delivered twice
  (at-least-once) counts once (InvoiceNo, StockCode, LineNo);
- strength of a customer × product pair: `log_invoices` = log(1 + invoices that hold the product)
  by default. Line counts double-count an invoice that lists a product twice; quantities are
  dominated by wholesalers buying hundreds; the log tames the few customers who re-order daily;
- time-based holdout: the last `holdout_days` of InvoiceDate are the test window; the metrics
  (precision, recall, MAP and NDCG at k, MLlib's RankingEvaluator) are measured for customers with
  history before the window, against the products they bought in it, beside a popularity baseline
  (the k products most customers bought before the window) on the same split. Products a customer
  bought before may be recommended again: wholesale customers re-order, and that is most of what
  they buy next;
- serving: refit on all the data (`refit_on_all`), write the top k per customer (StockCode,
  Description, score) to DynamoDB, plus the popular products under CustomerID 0 (no real customer
  has that id) for customers the model never saw; the run's parameters, lake statistics and
  metrics go to s3://<lake>/models/<run>/metrics.json.

Parameters come from spark_jobs/config/als.json (`--config` for another file).
`main()` is what spark-submit runs; `run()` is what `cadabra train` calls.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Collection, Iterable, Sequence

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from pipelines.order_history.handler import NON_PRODUCT_CODES, NON_PRODUCT_PREFIXES
from pipelines.recommendations import layout
from sandbox.settings import Settings

CONFIG_FILE = Path(__file__).parent / "config" / "als.json"
WRITERS = 4  # concurrent BatchWriteItem streams
POPULAR_CUSTOMER_ID = 0  # the item holding the popular products (customer ids start at 1)
DATE_PATTERN = "M/d/yyyy H:mm"  # InvoiceDate as the producer sends it
STRENGTHS = ("log_invoices", "invoices", "log_quantity")
METRICS = {"precision": "precisionAtK", "recall": "recallAtK", "map": "meanAveragePrecisionAtK", "ndcg": "ndcgAtK"}  # MLlib's names


class TrainError(RuntimeError):
    """Training cannot go on; the message names the fix."""


@dataclass(frozen=True)
class AlsConfig:
    rank: int = 32
    max_iter: int = 10
    reg_param: float = 0.1
    alpha: float = 10.0
    strength: str = "log_invoices"
    holdout_days: int = 28
    top_k: int = 10
    seed: int = 42
    refit_on_all: bool = True
    blocks: int = 4  # ALS user and item blocks: MLlib's 10 cost more in task overhead than they save locally

    @classmethod
    def load(cls, path: Path | str = CONFIG_FILE) -> "AlsConfig":
        doc = json.loads(Path(path).read_text())
        unknown = set(doc) - {f.name for f in fields(cls)}
        if unknown:
            raise TrainError(f"{path}: unknown ALS parameters {sorted(unknown)}; known: {[f.name for f in fields(cls)]}")
        config = cls(**doc)
        if config.strength not in STRENGTHS:
            raise TrainError(f"{path}: strength {config.strength!r} is not one of {STRENGTHS}")
        return config


# -- transform steps (pure: DataFrame in, DataFrame out) ----------------------------------------


def clean(orders: DataFrame) -> DataFrame:
    """Product purchases by known customers, each line once, with `InvoicedAt` (timestamp)."""
    code = F.upper(F.col("StockCode"))
    non_product = code.isin(*NON_PRODUCT_CODES)
    for prefix in NON_PRODUCT_PREFIXES:
        non_product = non_product | code.startswith(prefix)
    return (
        orders.where(F.col("CustomerID").isNotNull())
        .where(~F.upper(F.col("InvoiceNo")).startswith("C") & (F.col("Quantity") > 0))
        .where(~non_product & (F.col("UnitPrice") > 0))
        .withColumn("InvoicedAt", F.try_to_timestamp("InvoiceDate", F.lit(DATE_PATTERN)))
        .where(F.col("InvoicedAt").isNotNull())
        .dropDuplicates(["InvoiceNo", "StockCode", "LineNo"])
    )


def holdout_split(purchases: DataFrame, days: int) -> tuple[DataFrame, DataFrame, datetime]:
    """(before the cutoff, from the cutoff on, cutoff): the last `days` days of InvoiceDate are the test."""
    last = purchases.agg(F.max("InvoicedAt")).first()[0]
    if last is None:
        raise TrainError("the lake holds no product purchases by known customers: replay orders "
                         "(`cadabra replay orders`) or seed the lake (`cadabra lake seed`) first")
    cutoff = (last - timedelta(days=days)).replace(microsecond=0)
    return purchases.where(F.col("InvoicedAt") < F.lit(cutoff)), purchases.where(F.col("InvoicedAt") >= F.lit(cutoff)), cutoff


def products(purchases: DataFrame) -> DataFrame:
    """(item, StockCode, Description): a dense integer id per product (ALS needs ints), by StockCode,
    with the description most lines of the product carry."""
    described = purchases.where(F.length(F.trim(F.coalesce("Description", F.lit("")))) > 0)
    names = (described.groupBy("StockCode", "Description").count()
             .groupBy("StockCode").agg(F.max_by("Description", "count").alias("Description")))
    codes = purchases.select("StockCode").distinct()
    return (codes.join(names, "StockCode", "left")
            .withColumn("item", F.row_number().over(Window.orderBy("StockCode")).cast("int")))


def interactions(purchases: DataFrame, items: DataFrame, strength: str = "log_invoices") -> DataFrame:
    """(CustomerID int, item, strength): the implicit feedback of each customer × product pair."""
    if strength not in STRENGTHS:
        raise TrainError(f"strength {strength!r} is not one of {STRENGTHS}")
    grouped = purchases.join(items.select("StockCode", "item"), "StockCode").groupBy("CustomerID", "item")
    if strength == "log_quantity":
        value = F.log1p(F.sum("Quantity"))
    else:
        invoices = F.countDistinct("InvoiceNo")
        value = F.log1p(invoices) if strength == "log_invoices" else invoices
    return grouped.agg(value.cast("float").alias("strength")).withColumn("CustomerID", F.col("CustomerID").cast("int"))


def fit(feedback: DataFrame, config: AlsConfig) -> Any:
    """An implicit-feedback ALS model on (CustomerID, item, strength)."""
    from pyspark.ml.recommendation import ALS

    als = ALS(rank=config.rank, maxIter=config.max_iter, regParam=config.reg_param, alpha=config.alpha,
              implicitPrefs=True, userCol="CustomerID", itemCol="item", ratingCol="strength",
              coldStartStrategy="drop", seed=config.seed, numUserBlocks=config.blocks, numItemBlocks=config.blocks)
    return als.fit(feedback)


def popular(purchases: DataFrame, items: DataFrame, k: int) -> DataFrame:
    """(rank, item, StockCode, Description, customers): the k products most customers bought."""
    counts = (purchases.groupBy("StockCode").agg(F.countDistinct("CustomerID").alias("customers"))
              .join(items, "StockCode"))
    ranked = counts.orderBy(F.desc("customers"), "StockCode").limit(k)
    return ranked.withColumn("rank", F.row_number().over(Window.orderBy(F.desc("customers"), "StockCode")))


def recommended(model: Any, customers: DataFrame | None, k: int) -> DataFrame:
    """(CustomerID, items array<int>, scores array<float>): the model's top k, best first."""
    raw = model.recommendForAllUsers(k) if customers is None else model.recommendForUserSubset(customers, k)
    return raw.select("CustomerID", F.col("recommendations.item").alias("items"),
                      F.col("recommendations.rating").alias("scores"))


def relevant(test: DataFrame, items: DataFrame) -> DataFrame:
    """(CustomerID, label array<int>): the distinct products each customer bought in the test window."""
    return (test.join(items.select("StockCode", "item"), "StockCode")
            .groupBy(F.col("CustomerID").cast("int").alias("CustomerID"))
            .agg(F.array_sort(F.collect_set("item")).alias("label")))


def ranking_metrics(rows: Iterable[tuple[Sequence[int], Collection[int]]], k: int) -> dict[str, float]:
    """precision, recall, MAP and NDCG at k (binary relevance), averaged over (predicted, relevant) pairs.

    The definitions of MLlib's RankingEvaluator (precisionAtK divides by k, MAP@k by min(k, |relevant|),
    NDCG@k's ideal DCG over min(k, |relevant|)); the tests check both agree. Computed on the driver:
    the evaluator runs a Spark job per metric, and the rows are one per evaluated customer (thousands).
    """
    totals = dict.fromkeys(METRICS, 0.0)
    users = 0
    for predicted, relevant in rows:
        truth = set(relevant)
        if not truth:
            continue
        users += 1
        hits, precision_sum, dcg = 0, 0.0, 0.0
        for position, item in enumerate(list(predicted)[:k], 1):
            if item in truth:
                hits += 1
                precision_sum += hits / position
                dcg += 1 / math.log2(position + 1)
        ideal = sum(1 / math.log2(position + 1) for position in range(1, min(k, len(truth)) + 1))
        totals["precision"] += hits / k
        totals["recall"] += hits / len(truth)
        totals["map"] += precision_sum / min(k, len(truth))
        totals["ndcg"] += dcg / ideal
    return {name: value / users if users else 0.0 for name, value in totals.items()}


# -- the run --------------------------------------------------------------------------------------


@dataclass
class TrainResult:
    run_id: str
    trained_at: str
    config: dict[str, Any]
    lake: dict[str, Any]
    counts: dict[str, int]
    cutoff: str
    metrics: dict[str, dict[str, float]]  # {"als": {...}, "popularity": {...}}
    timings: dict[str, float] = field(default_factory=dict)
    popular: list[dict[str, Any]] = field(default_factory=list)
    written: int = 0
    metrics_uri: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate(train: DataFrame, test: DataFrame, items: DataFrame, config: AlsConfig,
             progress: Callable[[str], None]) -> tuple[dict[str, dict[str, float]], dict[str, int]]:
    """Fit on `train`, score ALS and the popularity baseline on `test`; (metrics, counts)."""
    feedback = interactions(train, items, config.strength).cache()
    labels = relevant(test, items).join(feedback.select("CustomerID").distinct(), "CustomerID").cache()
    warm = labels.count()
    counts = {"train_pairs": feedback.count(), "test_customers": warm,
              "cold_test_customers": relevant(test, items).count() - warm}
    if warm == 0:
        progress(f"no customer bought both before and within the last {config.holdout_days} days: "
                 "not evaluated (set a shorter holdout_days in the config for a short order history)")
        return {}, counts
    progress(f"fitting ALS on {counts['train_pairs']} customer × product pairs before the holdout")
    model = fit(feedback, config)
    progress(f"scoring {warm} customers who bought in the holdout window and before it")
    truth = {row["CustomerID"]: row["label"] for row in labels.collect()}
    als = {row["CustomerID"]: row["items"] for row in recommended(model, labels.select("CustomerID"), config.top_k).collect()}
    top_items = [row["item"] for row in popular(train, items, config.top_k).orderBy("rank").collect()]
    metrics = {
        "als": ranking_metrics(((als.get(user, []), label) for user, label in truth.items()), config.top_k),
        "popularity": ranking_metrics(((top_items, label) for label in truth.values()), config.top_k),
    }
    feedback.unpersist()
    labels.unpersist()
    return metrics, counts


def prepare(orders: DataFrame, config: AlsConfig) -> tuple[DataFrame, DataFrame, DataFrame, DataFrame, datetime]:
    """(purchases, products, train, test, cutoff) from the lake's order lines; purchases and products cached."""
    purchases = clean(orders).cache()
    items = products(purchases).cache()
    train, test, cutoff = holdout_split(purchases, config.holdout_days)
    return purchases, items, train, test, cutoff


def run(
    settings: Settings,
    config: AlsConfig | None = None,
    *,
    spark: SparkSession | None = None,
    progress: Callable[[str], None] = print,
    write: bool = True,
) -> TrainResult:
    """Read the lake, evaluate, refit, write recommendations and metrics; what `cadabra train` calls."""
    from spark_jobs import lake
    from spark_jobs.session import build_session

    config = config or AlsConfig.load()
    timings: dict[str, float] = {}
    started = clock = time.perf_counter()

    def step(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 2)
        clock = now

    if spark is None:
        progress("starting Spark")
        spark = build_session("cadabra-recommendations", master=_master(settings), shuffle_partitions=4)
        step("spark_start")
    progress(f"reading s3://{settings.names.datalake_bucket}/{layout.ORDERS_ROOT}")
    orders, stats = lake.read_orders(spark, settings)
    progress(stats.render())
    for example in stats.bad_examples:
        progress(f"  skipped: {example}")
    step("read_lake")
    purchases, items, train, test, cutoff = prepare(orders, config)
    progress(f"{purchases.count()} product purchases by known customers; holdout from {cutoff:%Y-%m-%d %H:%M}")
    step("clean")
    metrics, counts = evaluate(train, test, items, config, progress)
    step("evaluate")
    source = purchases if config.refit_on_all else train
    feedback = interactions(source, items, config.strength).cache()
    progress(f"refitting ALS on {'all' if config.refit_on_all else 'the training'} data ({feedback.count()} pairs)")
    model = fit(feedback, config)
    recommendations = recommended(model, None, config.top_k)
    serving_popular = popular(source, items, config.top_k).orderBy("rank").collect()
    step("refit")
    now = datetime.now(timezone.utc)
    result = TrainResult(
        run_id=f"als-{now:%Y%m%dT%H%M%SZ}", trained_at=now.isoformat(timespec="seconds"), config=asdict(config),
        lake=stats.as_dict(), counts={**counts, "purchases": purchases.count(), "products": items.count()},
        cutoff=cutoff.isoformat(), metrics=metrics, timings=timings,
        popular=[{"StockCode": r["StockCode"], "Description": r["Description"] or "", "customers": r["customers"]}
                 for r in serving_popular],
    )
    if write:
        result.written = write_recommendations(settings, result, recommendations, items)
        progress(f"wrote recommendations for {result.written} customers to {settings.names.recommendations_table}")
        step("write")
        timings["total"] = round(time.perf_counter() - started, 2)
        result.metrics_uri = write_metrics(settings, result)
        progress(f"metrics and parameters: {result.metrics_uri}")
    else:
        recommendations.count()
        step("recommend")
        timings["total"] = round(time.perf_counter() - started, 2)
    feedback.unpersist()
    purchases.unpersist()
    items.unpersist()
    return result


def _item(customer: int, run: TrainResult, kind: str, recs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"CustomerID": customer, "RunId": run.run_id, "TrainedAt": run.trained_at, "Source": kind,
            "Recommendations": recs}


def write_recommendations(settings: Settings, result: TrainResult, recommendations: DataFrame, items: DataFrame) -> int:
    """Top k per customer (+ the popular products under CustomerID 0) into the recommendations table."""
    from sandbox import aws

    catalog = {row["item"]: (row["StockCode"], row["Description"] or "") for row in items.collect()}
    items_out = [_item(POPULAR_CUSTOMER_ID, result, "popular", [
        {"StockCode": p["StockCode"], "Description": p["Description"], "Score": Decimal(p["customers"]), "Rank": rank}
        for rank, p in enumerate(result.popular, 1)])]
    for row in recommendations.collect():
        recs = [{"StockCode": catalog[item][0], "Description": catalog[item][1],
                 "Score": Decimal(f"{score:.6f}") if math.isfinite(score) else Decimal(0), "Rank": rank}
                for rank, (item, score) in enumerate(zip(row["items"], row["scores"]), 1)]
        items_out.append(_item(int(row["CustomerID"]), result, "als", recs))

    def put(chunk: list[dict[str, Any]]) -> None:
        table = aws.resource("dynamodb", settings).Table(settings.names.recommendations_table)  # one per thread
        with table.batch_writer(overwrite_by_pkeys=["CustomerID"]) as batch:  # retries unprocessed items
            for item in chunk:
                batch.put_item(Item=item)

    chunks = [items_out[i::WRITERS] for i in range(WRITERS)]
    with ThreadPoolExecutor(WRITERS, thread_name_prefix="recs-writer") as pool:
        list(pool.map(put, chunks))
    return len(items_out) - 1


def write_metrics(settings: Settings, result: TrainResult) -> str:
    """The run's parameters, lake statistics, counts and metrics as JSON under models/<run>/."""
    from sandbox import aws

    key = f"{layout.MODELS_ROOT}{result.run_id}/metrics.json"
    body = json.dumps({k: v for k, v in result.as_dict().items() if k != "metrics_uri"}, indent=2, default=str)
    aws.client("s3", settings).put_object(Bucket=settings.names.datalake_bucket, Key=key, Body=body.encode(),
                                          ContentType="application/json")
    return f"s3://{settings.names.datalake_bucket}/{key}"


def main(argv: list[str] | None = None) -> int:
    """spark-submit spark_jobs/recommend_als.py [--config FILE] (or python -m spark_jobs.recommend_als)"""
    from sandbox.settings import get_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(CONFIG_FILE), help="ALS parameters (JSON)")
    args = parser.parse_args(argv)
    result = run(get_settings(), AlsConfig.load(args.config))
    print(json.dumps(result.metrics, indent=2))
    return 0


def _master(settings: Settings) -> str | None:
    """None under spark-submit (it started the JVM and chose the master: EMR, the Docker stack's Spark),
    else the stack's master (CADABRA_SPARK_MASTER, local[2] with loopback bindings)."""
    from sandbox.settings import run_by_spark_submit

    return None if run_by_spark_submit() else settings.spark_master


if __name__ == "__main__":
    raise SystemExit(main())
