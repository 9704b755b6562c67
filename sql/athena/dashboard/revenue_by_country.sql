-- Revenue by country (cancellations count negative, as the data records them).
WITH source AS (
    SELECT country, quantity * unitprice AS revenue
    FROM orders
),
final AS (
    SELECT country, round(sum(revenue), 2) AS revenue
    FROM source
    GROUP BY country
)
SELECT country, revenue FROM final ORDER BY revenue DESC LIMIT 15
