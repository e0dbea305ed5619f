-- Rows past their retention window that the purge has yet to reach, and how far past it
-- the oldest is: near zero while Deliver's purge keeps up (sql/migrations/0013_privacy.sql).
SELECT kind, overdue, oldest_overdue_by FROM retention_backlog
