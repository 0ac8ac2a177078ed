-- Model versions shared by replicas: the files of each published version (never changed once
-- written; the id is the SHA-256 of the files) and the ledger of what is in force.
CREATE TABLE model_files (
    version_id TEXT NOT NULL,
    product    TEXT NOT NULL,
    name       TEXT NOT NULL,
    bytes      BYTEA NOT NULL,
    PRIMARY KEY (version_id, name)
);

-- One row: the same JSON document the embedded store keeps in data/models/registry.json.
-- Every change is made under an advisory lock, then announced on the channel fairquote_models.
CREATE TABLE model_registry (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    ledger   TEXT NOT NULL,
    revision BIGINT NOT NULL
);
