-- Orders (distinct invoices) per day, through the date dimension.
WITH source AS (
    SELECT d.full_date, f.invoice_no
    FROM fact_order_line f
    JOIN dim_date d ON d.date_key = f.date_key
),
final AS (
    SELECT TO_CHAR(full_date, 'YYYY-MM-DD') AS day, COUNT(DISTINCT invoice_no) AS orders
    FROM source
    GROUP BY full_date
)
SELECT day, orders FROM final ORDER BY day
