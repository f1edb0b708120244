-- Game-identifier links the game must prove (issue 16): members' one-time
-- link codes, and the indexes of the links' keyset pages (a member's, and
-- an admin's list of the community's). Links made before stay as they
-- are: without a status they read as unconfirmed and find no one.

DROP INDEX game_links_community_user;
CREATE INDEX game_links_community_user ON game_links (community_id, user_id, id);
CREATE INDEX game_links_community ON game_links (community_id, id);

CREATE TABLE link_codes (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities (id),
    doc          TEXT NOT NULL CHECK (json_valid(doc)),
    user_id      TEXT GENERATED ALWAYS AS (doc->>'userId') VIRTUAL,
    expires_at   TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', doc->>'expiresAt')) VIRTUAL
) STRICT;
CREATE INDEX link_codes_community_user ON link_codes (community_id, user_id);
CREATE INDEX link_codes_expires ON link_codes (expires_at);
