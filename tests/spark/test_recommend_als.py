"""spark_jobs.recommend_als: each transform step on small DataFrames; the metrics on hand-computed cases."""

from __future__ import annotations

import json
import math
from datetime import datetime

import pytest

from spark_jobs import recommend_als as job

COLUMNS = ("InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country", "LineNo")


def frame(spark, rows):
    return spark.createDataFrame(rows, "InvoiceNo string, StockCode string, Description string, Quantity bigint, "
                                       "InvoiceDate string, UnitPrice double, CustomerID bigint, Country string, LineNo bigint")


def line(invoice="536365", code="85123A", customer=17850, date="12/1/2010 8:26", quantity=6, price=2.55,
         description="WHITE HANGING HEART", line_no=1):
    return (invoice, code, description, quantity, date, price, customer, "United Kingdom", line_no)


def test_clean_keeps_product_purchases_by_known_customers_once(spark):
    rows = [
        line(),
        line(),  # delivered twice by Firehose (at-least-once): counted once
        line(invoice="C536379", quantity=-1),  # cancellation
        line(invoice="536380", quantity=0),
        line(invoice="536381", code="POST"),  # postage
        line(invoice="536382", code="gift_0001_20"),  # gift voucher
        line(invoice="536383", customer=None),  # guest
        line(invoice="536384", price=0.0),  # free adjustment
        line(invoice="536385", date="not a date"),
        line(invoice="536386", code="22752", line_no=2),
    ]
    cleaned = job.clean(frame(spark, rows)).orderBy("InvoiceNo").collect()
    assert [(r["InvoiceNo"], r["StockCode"]) for r in cleaned] == [("536365", "85123A"), ("536386", "22752")]
    assert cleaned[0]["InvoicedAt"] == datetime(2010, 12, 1, 8, 26)


def test_holdout_split_is_by_invoice_date(spark):
    rows = [line(invoice=str(n), date=f"12/{n}/2010 10:00") for n in range(1, 11)]
    train, test, cutoff = job.holdout_split(job.clean(frame(spark, rows)), days=3)
    assert cutoff == datetime(2010, 12, 7, 10, 0)
    assert sorted(r["InvoiceNo"] for r in test.collect()) == ["10", "7", "8", "9"]
    assert train.count() == 6
    with pytest.raises(job.TrainError, match="replay orders"):
        job.holdout_split(job.clean(frame(spark, [line(customer=None)])), days=3)


def test_products_get_dense_ids_and_their_usual_description(spark):
    rows = [line(code="PB", description="blue"), line(invoice="2", code="PB", description="Blue"),
            line(invoice="3", code="PB", description="Blue"), line(invoice="4", code="PA", description=None)]
    items = {r["StockCode"]: (r["item"], r["Description"]) for r in job.products(job.clean(frame(spark, rows))).collect()}
    assert items == {"PA": (1, None), "PB": (2, "Blue")}


@pytest.mark.parametrize("strength, expected", [
    ("invoices", 2.0), ("log_invoices", math.log1p(2)), ("log_quantity", math.log1p(6 + 6 + 10)),
])
def test_interaction_strength(spark, strength, expected):
    rows = [line(invoice="1"), line(invoice="1", line_no=2), line(invoice="2", quantity=10)]
    purchases = job.clean(frame(spark, rows))
    found = job.interactions(purchases, job.products(purchases), strength).collect()
    assert len(found) == 1 and found[0]["CustomerID"] == 17850
    assert found[0]["strength"] == pytest.approx(expected, rel=1e-6)


def test_popular_ranks_by_distinct_customers(spark):
    rows = [line(code="PA", customer=1), line(invoice="2", code="PA", customer=1), line(invoice="3", code="PB", customer=1),
            line(invoice="4", code="PB", customer=2), line(invoice="5", code="PC", customer=3)]
    purchases = job.clean(frame(spark, rows))
    top = job.popular(purchases, job.products(purchases), k=2).orderBy("rank").collect()
    assert [(r["rank"], r["StockCode"], r["customers"]) for r in top] == [(1, "PB", 2), (2, "PA", 1)]


def test_als_recommends_what_similar_customers_bought(spark):
    # customers 1-4 buy PA, PB, PC together; customer 5 bought PA and PB only: PC should come first for 5
    # ("B" alone is a non-product StockCode, so the test products are P-prefixed)
    rows = [line(invoice=f"{c}{p}", code=p, customer=c) for c in (1, 2, 3, 4) for p in ("PA", "PB", "PC")]
    rows += [line(invoice=f"5{p}", code=p, customer=5) for p in ("PA", "PB")]
    rows += [line(invoice=f"{c}{p}", code=p, customer=c) for c, p in ((6, "PX"), (6, "PY"), (7, "PX"), (7, "PY"))]
    purchases = job.clean(frame(spark, rows))
    items = job.products(purchases)
    model = job.fit(job.interactions(purchases, items), job.AlsConfig(rank=4, max_iter=10, reg_param=0.01, alpha=10))
    recs = {r["CustomerID"]: r["items"] for r in job.recommended(model, None, 5).collect()}
    ids = {r["StockCode"]: r["item"] for r in items.collect()}
    fifth = [i for i in recs[5] if i not in (ids["PA"], ids["PB"])]
    assert fifth[0] == ids["PC"]


def test_relevant_lists_each_customers_test_products(spark):
    rows = [line(code="PA"), line(invoice="2", code="PB"), line(invoice="3", code="PA", customer=2)]
    purchases = job.clean(frame(spark, rows))
    labels = {r["CustomerID"]: r["label"] for r in job.relevant(purchases, job.products(purchases)).collect()}
    assert labels == {17850: [1, 2], 2: [1]}


CASE = [([1, 2, 3], [1, 3, 4]), ([5, 6, 7], [7])]  # user 1: 2 hits of 3 relevant; user 2: its one item at 3


def test_ranking_metrics_on_a_hand_computed_case():
    got = job.ranking_metrics(CASE, k=3)
    log2 = math.log2
    ndcg1 = (1 + 1 / log2(4)) / (1 + 1 / log2(3) + 1 / log2(4))
    ndcg2 = (1 / log2(4)) / 1
    assert got["precision"] == pytest.approx((2 / 3 + 1 / 3) / 2)
    assert got["recall"] == pytest.approx((2 / 3 + 1) / 2)
    assert got["map"] == pytest.approx(((1 + 2 / 3) / 3 + (1 / 3) / 1) / 2)
    assert got["ndcg"] == pytest.approx((ndcg1 + ndcg2) / 2)
    assert job.ranking_metrics([([], [1])], k=10) == dict.fromkeys(job.METRICS, 0.0)  # no prediction: no hit
    assert job.ranking_metrics([([1], [])], k=10) == dict.fromkeys(job.METRICS, 0.0)  # nothing to find: not counted


def test_ranking_metrics_agree_with_mllib(spark):
    import random

    from pyspark.ml.evaluation import RankingEvaluator

    rng = random.Random(7)
    rows = [(rng.sample(range(30), 10), rng.sample(range(30), rng.randint(1, 12))) for _ in range(40)]
    frame_ = spark.createDataFrame([([float(i) for i in p], [float(i) for i in r]) for p, r in rows],
                                   "prediction array<double>, label array<double>")
    ours = job.ranking_metrics(rows + CASE, k=10)
    frame_ = frame_.union(spark.createDataFrame([([float(i) for i in p], [float(i) for i in r]) for p, r in CASE],
                                                "prediction array<double>, label array<double>"))
    for name, metric in job.METRICS.items():
        assert ours[name] == pytest.approx(RankingEvaluator(metricName=metric, k=10).evaluate(frame_), rel=1e-9), name


def test_config_file_loads_and_rejects_unknown_keys(tmp_path):
    config = job.AlsConfig.load()
    assert config.top_k == 10 and config.strength in job.STRENGTHS
    bad = tmp_path / "als.json"
    bad.write_text(json.dumps({"rank": 8, "ranks": 9}))
    with pytest.raises(job.TrainError, match="ranks"):
        job.AlsConfig.load(bad)
    bad.write_text(json.dumps({"strength": "quantity"}))
    with pytest.raises(job.TrainError, match="strength"):
        job.AlsConfig.load(bad)
