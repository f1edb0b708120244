-- Dispatch: calls and their incident-number sequences, units on duty and
-- their duty periods, game-identifier links, BOLOs, ALPR cameras, hits,
-- one-time upload tokens and camera commands, and ERS call-outs. Same
-- layout as 0001.

CREATE TABLE sequences (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities (id),
    doc          TEXT NOT NULL CHECK (json_valid(doc)),
    name         TEXT GENERATED ALWAYS AS (doc->>'name') VIRTUAL
) STRICT;
CREATE UNIQUE INDEX sequences_community_name ON sequences (community_id, name);

CREATE TABLE calls (
    id              TEXT PRIMARY KEY,
    community_id    TEXT NOT NULL REFERENCES communities (id),
    doc             TEXT NOT NULL CHECK (json_valid(doc)),
    incident_number TEXT GENERATED ALWAYS AS (doc->>'incidentNumber') VIRTUAL,
    status          TEXT GENERATED ALWAYS AS (doc->>'status') VIRTUAL,
    open            INTEGER GENERATED ALWAYS AS (doc->>'open') VIRTUAL,
    ers_callout_id  TEXT GENERATED ALWAYS AS (doc->>'ersCalloutId') VIRTUAL,
    created_at      TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', doc->>'createdAt')) VIRTUAL,
    expires_at      TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', doc->>'expiresAt')) VIRTUAL
) STRICT;
CREATE UNIQUE INDEX calls_community_incident ON calls (community_id, incident_number);
CREATE INDEX calls_community_open_created ON calls (community_id, open, created_at DESC, id DESC);
CREATE INDEX calls_community_status_created ON calls (community_id, status, created_at DESC, id DESC);
CREATE INDEX calls_community_created ON calls (community_id, created_at DESC, id DESC);
CREATE INDEX calls_community_ers ON calls (community_id, ers_callout_id);
CREATE INDEX calls_open_expires ON calls (open, expires_at);

CREATE TABLE units (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities (id),
    doc          TEXT NOT NULL CHECK (json_valid(doc)),
    discord_id   TEXT GENERATED ALWAYS AS (doc->>'discordId') VIRTUAL,
    on_duty      INTEGER GENERATED ALWAYS AS (doc->>'onDuty') VIRTUAL,
    call_sign    TEXT GENERATED ALWAYS AS (doc->>'callSign') VIRTUAL
) STRICT;
CREATE INDEX units_community_discord ON units (community_id, discord_id);
CREATE INDEX units_community_duty_callsign ON units (community_id, on_duty, call_sign, id);

CREATE TABLE duty_periods (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities (id),
    doc          TEXT NOT NULL CHECK (json_valid(doc)),
    user_id      TEXT GENERATED ALWAYS AS (doc->>'userId') VIRTUAL,
    start        TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', doc->>'start')) VIRTUAL
) STRICT;
CREATE INDEX duty_periods_community_user_start ON duty_periods (community_id, user_id, start DESC, id DESC);
CREATE INDEX duty_periods_community_start ON duty_periods (community_id, start DESC, id DESC);

CREATE TABLE game_links (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities (id),
    doc          TEXT NOT NULL CHECK (json_valid(doc)),
    user_id      TEXT GENERATED ALWAYS AS (doc->>'userId') VIRTUAL
) STRICT;
CREATE INDEX game_links_community_user ON game_links (community_id, user_id);

CREATE TABLE bolos (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities (id),
    doc          TEXT NOT NULL CHECK (json_valid(doc)),
    active       INTEGER GENERATED ALWAYS AS (doc->>'active') VIRTUAL,
    plate_key    TEXT GENERATED ALWAYS AS (doc->>'plateKey') VIRTUAL,
    character_id TEXT GENERATED ALWAYS AS (doc->>'characterId') VIRTUAL,
    created_at   TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', doc->>'createdAt')) VIRTUAL
) STRICT;
CREATE INDEX bolos_community_active_created ON bolos (community_id, active, created_at DESC, id DESC);
CREATE INDEX bolos_community_created ON bolos (community_id, created_at DESC, id DESC);
CREATE INDEX bolos_community_plate ON bolos (community_id, plate_key);
CREATE INDEX bolos_community_character ON bolos (community_id, character_id);

CREATE TABLE alpr_cameras (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities (id),
    doc          TEXT NOT NULL CHECK (json_valid(doc)),
    cam_id       TEXT GENERATED ALWAYS AS (doc->>'camId') VIRTUAL
) STRICT;
CREATE UNIQUE INDEX alpr_cameras_community_cam ON alpr_cameras (community_id, cam_id);

CREATE TABLE alpr_hits (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities (id),
    doc          TEXT NOT NULL CHECK (json_valid(doc)),
    time         TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', doc->>'time')) VIRTUAL
) STRICT;
CREATE INDEX alpr_hits_community_time ON alpr_hits (community_id, time DESC, id DESC);

CREATE TABLE upload_tokens (
    id         TEXT PRIMARY KEY,
    doc        TEXT NOT NULL CHECK (json_valid(doc)),
    expires_at TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', doc->>'expiresAt')) VIRTUAL
) STRICT;
CREATE INDEX upload_tokens_expires ON upload_tokens (expires_at);

CREATE TABLE camera_commands (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities (id),
    doc          TEXT NOT NULL CHECK (json_valid(doc)),
    delivered    INTEGER GENERATED ALWAYS AS (doc->>'delivered') VIRTUAL
) STRICT;
CREATE INDEX camera_commands_community_delivered ON camera_commands (community_id, delivered, id);

CREATE TABLE ers_callouts (
    id             TEXT PRIMARY KEY,
    community_id   TEXT NOT NULL REFERENCES communities (id),
    doc            TEXT NOT NULL CHECK (json_valid(doc)),
    acknowledged   INTEGER GENERATED ALWAYS AS (doc->>'acknowledged') VIRTUAL,
    ers_callout_id TEXT GENERATED ALWAYS AS (doc->>'ersCalloutId') VIRTUAL
) STRICT;
CREATE INDEX ers_callouts_community_ack ON ers_callouts (community_id, acknowledged, id);
CREATE INDEX ers_callouts_community_ers ON ers_callouts (community_id, ers_callout_id);
