-- Civil records: characters, their license history, vehicles, bank
-- accounts and ledger, stored images, and the first answers of money
-- requests sent with an idempotency key. Same layout as 0001: the record
-- whole in doc, a generated column per queried field, community_id first
-- in every tenant index.

CREATE TABLE characters (
    id             TEXT PRIMARY KEY,
    community_id   TEXT NOT NULL REFERENCES communities (id),
    doc            TEXT NOT NULL CHECK (json_valid(doc)),
    ssn            TEXT GENERATED ALWAYS AS (doc->>'ssn') VIRTUAL,
    identifier     TEXT GENERATED ALWAYS AS (doc->>'identifier') VIRTUAL,
    owner_id       TEXT GENERATED ALWAYS AS (doc->>'ownerId') VIRTUAL,
    discord_id     TEXT GENERATED ALWAYS AS (doc->>'discordId') VIRTUAL,
    first_key      TEXT GENERATED ALWAYS AS (doc->>'firstKey') VIRTUAL,
    last_key       TEXT GENERATED ALWAYS AS (doc->>'lastKey') VIRTUAL,
    date_of_birth  TEXT GENERATED ALWAYS AS (doc->>'dateOfBirth') VIRTUAL,
    missing_person INTEGER GENERATED ALWAYS AS (doc->>'missingPerson') VIRTUAL,
    dl_status      TEXT GENERATED ALWAYS AS (doc->>'dlStatus') VIRTUAL
) STRICT;
CREATE UNIQUE INDEX characters_community_ssn ON characters (community_id, ssn);
CREATE INDEX characters_community_identifier ON characters (community_id, identifier);
CREATE INDEX characters_community_owner ON characters (community_id, owner_id, id);
CREATE INDEX characters_community_discord ON characters (community_id, discord_id, id);
CREATE INDEX characters_community_last_first ON characters (community_id, last_key, first_key, id);
CREATE INDEX characters_community_first_last ON characters (community_id, first_key, last_key, id);
CREATE INDEX characters_community_dob ON characters (community_id, date_of_birth, id);
CREATE INDEX characters_community_missing ON characters (community_id, missing_person, id);
CREATE INDEX characters_community_dl ON characters (community_id, dl_status, id);

CREATE TABLE license_history (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities (id),
    doc          TEXT NOT NULL CHECK (json_valid(doc)),
    character_id TEXT GENERATED ALWAYS AS (doc->>'characterId') VIRTUAL,
    time         TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', doc->>'time')) VIRTUAL
) STRICT;
CREATE INDEX license_history_character_time ON license_history (community_id, character_id, time DESC, id DESC);

CREATE TABLE vehicles (
    id                   TEXT PRIMARY KEY,
    community_id         TEXT NOT NULL REFERENCES communities (id),
    doc                  TEXT NOT NULL CHECK (json_valid(doc)),
    plate_key            TEXT GENERATED ALWAYS AS (doc->>'plateKey') VIRTUAL,
    vin                  TEXT GENERATED ALWAYS AS (doc->>'vin') VIRTUAL,
    owner_id             TEXT GENERATED ALWAYS AS (doc->>'ownerId') VIRTUAL,
    owner_user_id        TEXT GENERATED ALWAYS AS (doc->>'ownerUserId') VIRTUAL,
    stolen               INTEGER GENERATED ALWAYS AS (doc->>'stolen') VIRTUAL,
    registration_status  TEXT GENERATED ALWAYS AS (doc->>'registrationStatus') VIRTUAL,
    registration_expires TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', doc->>'registrationExpires')) VIRTUAL,
    insurance_status     TEXT GENERATED ALWAYS AS (doc->>'insuranceStatus') VIRTUAL,
    insurance_expires    TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', doc->>'insuranceExpires')) VIRTUAL,
    plate_design_id      TEXT GENERATED ALWAYS AS (doc->>'plateDesignId') VIRTUAL
) STRICT;
CREATE UNIQUE INDEX vehicles_community_plate ON vehicles (community_id, plate_key);
CREATE UNIQUE INDEX vehicles_community_vin ON vehicles (community_id, vin);
CREATE INDEX vehicles_community_owner ON vehicles (community_id, owner_id, id);
CREATE INDEX vehicles_community_owner_user ON vehicles (community_id, owner_user_id, id);
CREATE INDEX vehicles_community_stolen ON vehicles (community_id, stolen, id);
CREATE INDEX vehicles_community_registration ON vehicles (community_id, registration_status, id);
CREATE INDEX vehicles_community_registration_expires ON vehicles (community_id, registration_expires, id);
CREATE INDEX vehicles_community_insurance ON vehicles (community_id, insurance_status, id);
CREATE INDEX vehicles_community_insurance_expires ON vehicles (community_id, insurance_expires, id);
CREATE INDEX vehicles_community_design ON vehicles (community_id, plate_design_id, id);

CREATE TABLE bank_accounts (
    id             TEXT PRIMARY KEY,
    community_id   TEXT NOT NULL REFERENCES communities (id),
    doc            TEXT NOT NULL CHECK (json_valid(doc)),
    account_number TEXT GENERATED ALWAYS AS (doc->>'accountNumber') VIRTUAL,
    character_id   TEXT GENERATED ALWAYS AS (doc->>'characterId') VIRTUAL
) STRICT;
CREATE UNIQUE INDEX bank_accounts_community_number ON bank_accounts (community_id, account_number);
CREATE UNIQUE INDEX bank_accounts_community_character ON bank_accounts (community_id, character_id);

CREATE TABLE bank_ledger (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities (id),
    doc          TEXT NOT NULL CHECK (json_valid(doc)),
    account_id   TEXT GENERATED ALWAYS AS (doc->>'accountId') VIRTUAL,
    time         TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', doc->>'time')) VIRTUAL
) STRICT;
CREATE INDEX bank_ledger_account_time ON bank_ledger (community_id, account_id, time DESC, id DESC);

CREATE TABLE idempotency (
    id         TEXT PRIMARY KEY,
    doc        TEXT NOT NULL CHECK (json_valid(doc)),
    expires_at TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', doc->>'expiresAt')) VIRTUAL
) STRICT;
CREATE INDEX idempotency_expires ON idempotency (expires_at);

CREATE TABLE media (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities (id),
    doc          TEXT NOT NULL CHECK (json_valid(doc)),
    owner_id     TEXT GENERATED ALWAYS AS (doc->>'ownerId') VIRTUAL
) STRICT;
CREATE INDEX media_community_owner ON media (community_id, owner_id);
