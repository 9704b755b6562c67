-- Rebuild the star schema from the lake, in one transaction (BatchExecuteStatement): run it twice,
-- get the same tables. Staging is loaded with COPY; every dimension and the facts come from it as
-- named CTEs (source -> cleaned -> final).
DELETE FROM staging_order_lines;

-- The lake holds what producers sent, garbage included: MAXERROR skips lines that are not JSON objects.
COPY staging_order_lines
FROM 's3://cadabra-datalake/orders/'
IAM_ROLE 'arn:aws:iam::000000000000:role/cadabra-redshift-copy'
FORMAT AS JSON 'auto ignorecase'
GZIP
MAXERROR 100000;

DELETE FROM fact_order_line;
DELETE FROM dim_customer;
DELETE FROM dim_product;
DELETE FROM dim_date;

INSERT INTO fact_order_line
WITH source AS (
    SELECT invoiceno, lineno, stockcode, quantity, unitprice, customerid, country,
           TO_TIMESTAMP(invoicedate, 'MM/DD/YYYY HH24:MI') AS invoice_ts
    FROM staging_order_lines
    WHERE invoiceno IS NOT NULL AND stockcode IS NOT NULL AND quantity IS NOT NULL AND unitprice IS NOT NULL
),
final AS (
    SELECT invoiceno AS invoice_no, lineno AS line_no,
           CAST(TO_CHAR(invoice_ts, 'YYYYMMDD') AS INTEGER) AS date_key, invoice_ts,
           CAST(EXTRACT(HOUR FROM invoice_ts) AS SMALLINT) AS hour,
           customerid AS customer_id, stockcode AS stock_code, country, quantity,
           unitprice AS unit_price, quantity * unitprice AS revenue,
           invoiceno LIKE 'C%' AS is_cancellation
    FROM source
)
SELECT invoice_no, line_no, date_key, invoice_ts, hour, customer_id, stock_code, country, quantity,
       unit_price, revenue, is_cancellation
FROM final;

INSERT INTO dim_customer
WITH source AS (
    SELECT customer_id, country, invoice_ts,
           ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY invoice_ts, invoice_no, line_no) AS nth
    FROM fact_order_line
    WHERE customer_id IS NOT NULL
),
final AS (
    SELECT customer_id, country, invoice_ts AS first_order
    FROM source
    WHERE nth = 1
)
SELECT customer_id, country, first_order FROM final;

INSERT INTO dim_product
WITH source AS (
    SELECT stockcode AS stock_code, description, unitprice,
           ROW_NUMBER() OVER (PARTITION BY stockcode ORDER BY TO_TIMESTAMP(invoicedate, 'MM/DD/YYYY HH24:MI') DESC,
                                         invoiceno DESC, lineno DESC) AS nth
    FROM staging_order_lines
    WHERE stockcode IS NOT NULL
),
final AS (
    SELECT stock_code, description, unitprice AS list_price
    FROM source
    WHERE nth = 1
)
SELECT stock_code, description, list_price FROM final;

INSERT INTO dim_date
WITH source AS (
    SELECT DISTINCT date_key, CAST(invoice_ts AS DATE) AS full_date
    FROM fact_order_line
),
final AS (
    SELECT date_key, full_date,
           CAST(EXTRACT(YEAR FROM full_date) AS SMALLINT) AS year,
           CAST(EXTRACT(QUARTER FROM full_date) AS SMALLINT) AS quarter,
           CAST(EXTRACT(MONTH FROM full_date) AS SMALLINT) AS month,
           CAST(EXTRACT(DAY FROM full_date) AS SMALLINT) AS day,
           CAST(EXTRACT(DOW FROM full_date) AS SMALLINT) AS weekday
    FROM source
)
SELECT date_key, full_date, year, quarter, month, day, weekday FROM final
