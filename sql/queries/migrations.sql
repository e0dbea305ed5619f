-- name: Placeholder
SELECT 1
