-- Share of invoices that are cancellations (InvoiceNo starting with C), overall.
WITH source AS (
    SELECT DISTINCT invoiceno, invoiceno LIKE 'C%' AS cancelled
    FROM orders
),
final AS (
    SELECT count(*) AS invoices, count_if(cancelled) AS cancellations
    FROM source
)
SELECT invoices, cancellations, round(100.0 * cancellations / invoices, 2) AS rate_percent FROM final
