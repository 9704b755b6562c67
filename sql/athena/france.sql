-- The course's sample query: what France ordered in one month, and how often, by description.
-- Athena (Trino SQL) over the crawled table orderlogs.orders; year/month are partition columns,
-- so only that month's objects are read. Parameters: ? = year ('2011'), ? = month ('05').
WITH source AS (
    SELECT description, country, quantity
    FROM orderlogs.orders
    WHERE year = ? AND month = ?
),
france AS (
    SELECT description
    FROM source
    WHERE country = 'France'
),
final AS (
    SELECT description, count(*) AS orders
    FROM france
    GROUP BY description
)
SELECT description, orders
FROM final
ORDER BY orders DESC, description
