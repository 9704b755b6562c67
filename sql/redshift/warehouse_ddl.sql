-- The warehouse's star schema (Redshift DDL): one fact table of order lines and three dimensions.
-- Dimensions are small and copied to every node (DISTSTYLE ALL); facts are spread by customer and
-- sorted by date, the usual filter. No PRIMARY KEY: Redshift does not enforce them.
CREATE TABLE IF NOT EXISTS dim_customer (
    customer_id  INTEGER      NOT NULL ENCODE az64,
    country      VARCHAR(64)  ENCODE zstd,
    first_order  TIMESTAMP    ENCODE az64
)
DISTSTYLE ALL
SORTKEY (customer_id);

CREATE TABLE IF NOT EXISTS dim_product (
    stock_code   VARCHAR(20)  NOT NULL ENCODE zstd,
    description  VARCHAR(256) ENCODE zstd,
    list_price   DECIMAL(10,3) ENCODE az64
)
DISTSTYLE ALL
SORTKEY (stock_code);

CREATE TABLE IF NOT EXISTS dim_date (
    date_key     INTEGER      NOT NULL ENCODE az64,
    full_date    DATE         NOT NULL,
    year         SMALLINT     NOT NULL,
    quarter      SMALLINT     NOT NULL,
    month        SMALLINT     NOT NULL,
    day          SMALLINT     NOT NULL,
    weekday      SMALLINT     NOT NULL
)
DISTSTYLE ALL
SORTKEY (date_key);

CREATE TABLE IF NOT EXISTS fact_order_line (
    invoice_no      VARCHAR(20)   NOT NULL ENCODE zstd,
    line_no         INTEGER       NOT NULL ENCODE az64,
    date_key        INTEGER       NOT NULL ENCODE az64,
    invoice_ts      TIMESTAMP     NOT NULL ENCODE az64,
    hour            SMALLINT      NOT NULL ENCODE az64,
    customer_id     INTEGER       ENCODE az64,
    stock_code      VARCHAR(20)   NOT NULL ENCODE zstd,
    country         VARCHAR(64)   ENCODE zstd,
    quantity        INTEGER       NOT NULL ENCODE az64,
    unit_price      DECIMAL(10,3) NOT NULL ENCODE az64,
    revenue         DECIMAL(14,3) NOT NULL ENCODE az64,
    is_cancellation BOOLEAN       NOT NULL
)
DISTKEY (customer_id)
COMPOUND SORTKEY (date_key, invoice_no)
