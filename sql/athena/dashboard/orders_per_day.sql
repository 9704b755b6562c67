-- Orders (distinct invoices) per day, from the lake's arrival partitions.
WITH source AS (
    SELECT year || '-' || month || '-' || day AS day, invoiceno
    FROM orders
),
final AS (
    SELECT day, count(DISTINCT invoiceno) AS orders
    FROM source
    GROUP BY day
)
SELECT day, orders FROM final ORDER BY day
