-- The Merkle tree over the quote log (RFC 6962): every complete node, level 0 being the leaf
-- hash of the record at sequence idx + 1, level k the aligned subtrees of 2^k leaves. Grown in
-- the transaction that appends the records; filled in from the records of a log older than it
-- when the service starts (`pg_log::grow_tree_from_records`).
CREATE TABLE log_tree (
    level SMALLINT NOT NULL,
    idx   BIGINT NOT NULL,
    hash  BYTEA NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
);
