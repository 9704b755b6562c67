-- Orders (distinct invoices) by hour of the day, from the lake's arrival partitions.
WITH source AS (
    SELECT hour, invoiceno
    FROM orders
),
final AS (
    SELECT hour, count(DISTINCT invoiceno) AS orders
    FROM source
    GROUP BY hour
)
SELECT hour, orders FROM final ORDER BY hour
