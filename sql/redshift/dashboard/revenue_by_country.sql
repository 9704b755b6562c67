-- Revenue by country from the star schema (cancellations count negative).
WITH source AS (
    SELECT country, revenue
    FROM fact_order_line
),
final AS (
    SELECT country, ROUND(SUM(revenue), 2) AS revenue
    FROM source
    GROUP BY country
)
SELECT country, revenue FROM final ORDER BY revenue DESC LIMIT 15
