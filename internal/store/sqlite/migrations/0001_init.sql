-- Precinct's first schema: the records of sign-in, sessions, keys and
-- tenancy (communities, members, departments, game-server keys, audit).
--
-- Every record is stored whole as JSON in doc. Each field a query filters
-- or sorts on is a typed column generated from doc, with the indexes that
-- serve those queries; internal/store/schema.go declares the same columns
-- and indexes, and a test checks that the two agree. Times are columns of
-- fixed-width UTC text ('2006-01-02T15:04:05.000Z'), so text order is time
-- order. Tenant tables carry community_id as a real column, first in every
-- index.

CREATE TABLE users (
    id           TEXT PRIMARY KEY,
    doc          TEXT NOT NULL CHECK (json_valid(doc)),
    username_key TEXT GENERATED ALWAYS AS (doc->>'usernameKey') VIRTUAL,
    discord_id   TEXT GENERATED ALWAYS AS (doc->>'discordId') VIRTUAL
) STRICT;
CREATE UNIQUE INDEX users_username_key ON users (username_key);
CREATE UNIQUE INDEX users_discord_id ON users (discord_id) WHERE discord_id IS NOT NULL;

CREATE TABLE communities (
    id       TEXT PRIMARY KEY,
    doc      TEXT NOT NULL CHECK (json_valid(doc)),
    guild_id TEXT GENERATED ALWAYS AS (doc->>'guildId') VIRTUAL
) STRICT;
CREATE UNIQUE INDEX communities_guild ON communities (guild_id);

CREATE TABLE members (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities (id),
    doc          TEXT NOT NULL CHECK (json_valid(doc)),
    user_id      TEXT GENERATED ALWAYS AS (doc->>'userId') VIRTUAL REFERENCES users (id),
    username_key TEXT GENERATED ALWAYS AS (doc->>'usernameKey') VIRTUAL,
    role         TEXT GENERATED ALWAYS AS (doc->>'role') VIRTUAL,
    status       TEXT GENERATED ALWAYS AS (doc->>'status') VIRTUAL
) STRICT;
CREATE INDEX members_community_username ON members (community_id, username_key, id);
CREATE INDEX members_community_role_username ON members (community_id, role, username_key, id);
CREATE INDEX members_user ON members (user_id);

CREATE TABLE departments (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities (id),
    doc          TEXT NOT NULL CHECK (json_valid(doc)),
    code         TEXT GENERATED ALWAYS AS (doc->>'code') VIRTUAL
) STRICT;
CREATE UNIQUE INDEX departments_community_code ON departments (community_id, code);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities (id),
    doc          TEXT NOT NULL CHECK (json_valid(doc)),
    key_id       TEXT GENERATED ALWAYS AS (doc->>'keyId') VIRTUAL,
    created_at   TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', doc->>'createdAt')) VIRTUAL
) STRICT;
CREATE UNIQUE INDEX api_keys_community_key ON api_keys (community_id, key_id);
CREATE INDEX api_keys_community_created ON api_keys (community_id, created_at DESC, id DESC);

CREATE TABLE community_audit (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities (id),
    doc          TEXT NOT NULL CHECK (json_valid(doc)),
    action       TEXT GENERATED ALWAYS AS (doc->>'action') VIRTUAL,
    actor_id     TEXT GENERATED ALWAYS AS (doc->>'actorId') VIRTUAL,
    time         TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', doc->>'time')) VIRTUAL
) STRICT;
CREATE INDEX community_audit_time ON community_audit (community_id, time DESC, id DESC);
CREATE INDEX community_audit_actor_time ON community_audit (community_id, actor_id, time DESC, id DESC);

CREATE TABLE auth_events (
    id      TEXT PRIMARY KEY,
    doc     TEXT NOT NULL CHECK (json_valid(doc)),
    user_id TEXT GENERATED ALWAYS AS (doc->>'userId') VIRTUAL,
    type    TEXT GENERATED ALWAYS AS (doc->>'type') VIRTUAL,
    time    TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', doc->>'time')) VIRTUAL
) STRICT;
CREATE INDEX auth_events_time ON auth_events (time DESC, id DESC);
CREATE INDEX auth_events_user_time ON auth_events (user_id, time DESC, id DESC);
CREATE INDEX auth_events_type_time ON auth_events (type, time DESC, id DESC);

CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,
    doc             TEXT NOT NULL CHECK (json_valid(doc)),
    user_id         TEXT GENERATED ALWAYS AS (doc->>'userId') VIRTUAL REFERENCES users (id),
    created_at      TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', doc->>'createdAt')) VIRTUAL,
    expires_at      TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', doc->>'expiresAt')) VIRTUAL,
    idle_expires_at TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', doc->>'idleExpiresAt')) VIRTUAL
) STRICT;
CREATE INDEX sessions_user_created ON sessions (user_id, created_at DESC);
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_idle_expires ON sessions (idle_expires_at);

CREATE TABLE reset_tokens (
    id         TEXT PRIMARY KEY,
    doc        TEXT NOT NULL CHECK (json_valid(doc)),
    user_id    TEXT GENERATED ALWAYS AS (doc->>'userId') VIRTUAL REFERENCES users (id),
    expires_at TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', doc->>'expiresAt')) VIRTUAL
) STRICT;
CREATE INDEX reset_tokens_user ON reset_tokens (user_id);
CREATE INDEX reset_tokens_expires ON reset_tokens (expires_at);

CREATE TABLE oauth_states (
    id         TEXT PRIMARY KEY,
    doc        TEXT NOT NULL CHECK (json_valid(doc)),
    expires_at TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', doc->>'expiresAt')) VIRTUAL
) STRICT;
CREATE INDEX oauth_states_expires ON oauth_states (expires_at);

CREATE TABLE pending_registrations (
    id         TEXT PRIMARY KEY,
    doc        TEXT NOT NULL CHECK (json_valid(doc)),
    expires_at TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', doc->>'expiresAt')) VIRTUAL
) STRICT;
CREATE INDEX pending_registrations_expires ON pending_registrations (expires_at);

CREATE TABLE counters (
    id         TEXT PRIMARY KEY,
    doc        TEXT NOT NULL CHECK (json_valid(doc)),
    count      INTEGER GENERATED ALWAYS AS (doc->>'count') VIRTUAL,
    expires_at TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', doc->>'expiresAt')) VIRTUAL
) STRICT;
CREATE INDEX counters_expires ON counters (expires_at);

CREATE TABLE server_keys (
    id         TEXT PRIMARY KEY,
    doc        TEXT NOT NULL CHECK (json_valid(doc)),
    purpose    TEXT GENERATED ALWAYS AS (doc->>'purpose') VIRTUAL,
    created_at TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', doc->>'createdAt')) VIRTUAL
) STRICT;
CREATE INDEX server_keys_purpose_created ON server_keys (purpose, created_at DESC, id DESC);

CREATE TABLE meta (
    id  TEXT PRIMARY KEY,
    doc TEXT NOT NULL CHECK (json_valid(doc))
) STRICT;

-- Changes made by the admin commands (precinct user disable, ...) while a
-- server runs on the same file: the server reads them (a few times a
-- second) and drops what it cached of those records. The server's own
-- changes are not logged here; it drops its cache entries itself.
CREATE TABLE changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    collection TEXT NOT NULL,
    doc_id     TEXT NOT NULL,
    at         TEXT NOT NULL
) STRICT;
