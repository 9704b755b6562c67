-- The course's sample query, "in Redshift": the same lake through Redshift Spectrum (schema
-- spectrum = Data Catalog database orderlogs). Data API parameters: :year ('2011'), :month ('05').
WITH source AS (
    SELECT description, country, quantity
    FROM spectrum.orders
    WHERE year = :year AND month = :month
),
france AS (
    SELECT description
    FROM source
    WHERE country = 'France'
),
final AS (
    SELECT description, COUNT(*) AS orders
    FROM france
    GROUP BY description
)
SELECT description, orders
FROM final
ORDER BY orders DESC, description
