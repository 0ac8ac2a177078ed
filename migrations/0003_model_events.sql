-- The records that are not quotes (model events, chain restarts) are few among millions of
-- quotes: `AuditService.ListModelEvents` finds them through this partial index.
CREATE INDEX quote_log_not_quotes ON quote_log (sequence) WHERE quote_id IS NULL;
