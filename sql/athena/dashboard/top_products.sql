-- The products sold most, by units (cancellation lines excluded).
WITH source AS (
    SELECT stockcode, description, quantity
    FROM orders
    WHERE invoiceno NOT LIKE 'C%'
),
final AS (
    SELECT stockcode, max(description) AS description, sum(quantity) AS units
    FROM source
    GROUP BY stockcode
)
SELECT description, units FROM final ORDER BY units DESC, description LIMIT 15
