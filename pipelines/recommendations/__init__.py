"""Pipeline 2: order lines → Firehose PurchaseLogs → S3 data lake → Spark ALS → CadabraRecommendations."""
