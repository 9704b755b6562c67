-- Share of invoices that are cancellations, overall.
WITH source AS (
    SELECT DISTINCT invoice_no, is_cancellation
    FROM fact_order_line
),
final AS (
    SELECT COUNT(*) AS invoices, SUM(CASE WHEN is_cancellation THEN 1 ELSE 0 END) AS cancellations
    FROM source
)
SELECT invoices, cancellations, ROUND(100.0 * cancellations / invoices, 2) AS rate_percent FROM final
