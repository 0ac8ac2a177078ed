-- The log's signed checkpoints, as notes (docs/TRANSPARENCY.md): the latest is what an
-- auditor's `fairquote audit checkpoint` hands out; every one kept is a size the log must
-- extend.
CREATE TABLE log_checkpoints (
    tree_size BIGINT PRIMARY KEY,
    note      TEXT NOT NULL
);
