-- The products sold most, by units (cancellation lines excluded).
WITH source AS (
    SELECT f.stock_code, p.description, f.quantity
    FROM fact_order_line f
    JOIN dim_product p ON p.stock_code = f.stock_code
    WHERE NOT f.is_cancellation
),
final AS (
    SELECT stock_code, MAX(description) AS description, SUM(quantity) AS units
    FROM source
    GROUP BY stock_code
)
SELECT description, units FROM final ORDER BY units DESC, description LIMIT 15
