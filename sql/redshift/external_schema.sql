-- Redshift Spectrum: the Glue Data Catalog database the crawler fills, seen as schema `spectrum`.
CREATE EXTERNAL SCHEMA IF NOT EXISTS spectrum
FROM DATA CATALOG DATABASE 'orderlogs'
IAM_ROLE 'arn:aws:iam::000000000000:role/cadabra-redshift-spectrum'
CREATE EXTERNAL DATABASE IF NOT EXISTS
