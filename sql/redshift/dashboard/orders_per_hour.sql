-- Orders (distinct invoices) by hour of the day.
WITH source AS (
    SELECT LPAD(CAST(hour AS VARCHAR), 2, '0') AS hour, invoice_no
    FROM fact_order_line
),
final AS (
    SELECT hour, COUNT(DISTINCT invoice_no) AS orders
    FROM source
    GROUP BY hour
)
SELECT hour, orders FROM final ORDER BY hour
