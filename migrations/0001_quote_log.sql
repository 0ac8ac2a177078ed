-- The quote log: one row per record, one chain for the whole service.
CREATE TABLE quote_log (
    -- 1, 2, 3, ... with no gap; the chain's order.
    sequence      BIGINT PRIMARY KEY,
    recorded_at   TIMESTAMPTZ NOT NULL,
    -- The record as the file log keeps it: a fairquote.v1.LogRecord in protobuf.
    record        BYTEA NOT NULL,
    -- SHA-256(hash of the record before ‖ record); the first record links to 32 zero bytes.
    hash          BYTEA NOT NULL CHECK (length(hash) = 32),
    -- For quote records only: what audit queries search by.
    quote_id      UUID UNIQUE,
    product       INTEGER,
    decision      INTEGER,
    model_version TEXT,
    tenant        TEXT
);

CREATE INDEX quote_log_recorded_at ON quote_log (recorded_at);
CREATE INDEX quote_log_tenant ON quote_log (tenant, sequence) WHERE quote_id IS NOT NULL;
