-- Order lines as COPY loads them from the lake (JSON 'auto ignorecase': keys match these names).
CREATE TABLE IF NOT EXISTS staging_order_lines (
    invoiceno    VARCHAR(20)  ENCODE zstd,
    stockcode    VARCHAR(20)  ENCODE zstd,
    description  VARCHAR(256) ENCODE zstd,
    quantity     INTEGER      ENCODE az64,
    invoicedate  VARCHAR(20)  ENCODE zstd,
    unitprice    DECIMAL(10,3) ENCODE az64,
    customerid   INTEGER      ENCODE az64,
    country      VARCHAR(64)  ENCODE zstd,
    lineno       INTEGER      ENCODE az64
)
DISTSTYLE EVEN
SORTKEY (invoiceno)
