-- The keyed hash of the insurer's own reference ('' for a quote asked without one), so that
-- `AuditService.ListQuotes` finds an insurer's quote by it. Rows written before this column
-- are filled in from their records when the service starts (`pg_log::index_references`).
ALTER TABLE quote_log ADD COLUMN insurer_reference TEXT;
CREATE INDEX quote_log_insurer_reference ON quote_log (tenant, insurer_reference)
    WHERE insurer_reference <> '';
