-- Stored images are normalised and counted (issue 16): each image records
-- the version of the normalisation it went through (none for images stored
-- before, which the janitor normalises through media_version), and
-- media_usage keeps what each community's counted images take, one record
-- per community, changed in the transaction that stores or deletes one.

ALTER TABLE media ADD COLUMN version INTEGER GENERATED ALWAYS AS (doc->>'version') VIRTUAL;
CREATE INDEX media_version ON media (version);

CREATE TABLE media_usage (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities (id),
    doc          TEXT NOT NULL CHECK (json_valid(doc))
) STRICT;
