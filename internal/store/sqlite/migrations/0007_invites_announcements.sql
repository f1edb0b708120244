-- Invite links and kept announcements (issue 18). Same layout as 0001:
-- the record in doc, the queried fields as generated columns. An invite
-- is found by the SHA-256 of its code (never the code), unique in its
-- community; both lists are newest first.

CREATE TABLE invites (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities (id),
    doc          TEXT NOT NULL CHECK (json_valid(doc)),
    digest       TEXT GENERATED ALWAYS AS (doc->>'digest') VIRTUAL,
    created_at   TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', doc->>'createdAt')) VIRTUAL,
    expires_at   TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', doc->>'expiresAt')) VIRTUAL
) STRICT;
CREATE UNIQUE INDEX invites_community_digest ON invites (community_id, digest);
CREATE INDEX invites_community_created ON invites (community_id, created_at DESC, id DESC);
CREATE INDEX invites_community_expires ON invites (community_id, expires_at);

CREATE TABLE announcements (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities (id),
    doc          TEXT NOT NULL CHECK (json_valid(doc)),
    created_at   TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', doc->>'createdAt')) VIRTUAL
) STRICT;
CREATE INDEX announcements_community_created ON announcements (community_id, created_at DESC, id DESC);
