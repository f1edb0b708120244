-- Look-ups get a compact table of their own (issue 16): who asked, what,
-- when, and whether it found anything, about 200 bytes a row instead of a
-- full audit entry, with two indexes (by kind, by actor). WITHOUT ROWID:
-- the rows are stored by id, so the id needs no index of its own (about
-- 40 bytes less a look-up). The look-up
-- entries already in community_audit move here, so that retention prunes
-- them too.

CREATE TABLE lookup_audit (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities (id),
    doc          TEXT NOT NULL CHECK (json_valid(doc)),
    kind         TEXT GENERATED ALWAYS AS (doc->>'kind') VIRTUAL,
    actor_id     TEXT GENERATED ALWAYS AS (doc->>'actorId') VIRTUAL,
    time         TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', doc->>'time')) VIRTUAL
) STRICT, WITHOUT ROWID;
CREATE INDEX lookup_audit_kind_time ON lookup_audit (community_id, kind, time DESC, id DESC);
CREATE INDEX lookup_audit_actor_time ON lookup_audit (community_id, actor_id, time DESC, id DESC);

INSERT INTO lookup_audit (id, community_id, doc)
SELECT id, community_id, json_remove(json_object(
        '_id', id,
        'communityId', community_id,
        'kind', substr(action, 8),
        'actorId', coalesce(doc->>'actorId', ''),
        'actorKind', coalesce(doc->>'actorKind', ''),
        'query', substr(CASE WHEN coalesce(doc->>'target', '') != '' THEN doc->>'target'
            ELSE trim(concat_ws(' ', nullif(trim(doc->>'$.after.name'), ''), nullif(doc->>'$.after.dob', ''), nullif(doc->>'$.after.ssn', ''))) END, 1, 100),
        'hit', json(CASE WHEN coalesce(doc->>'$.after.found', 1) THEN 'true' ELSE 'false' END),
        'time', doc->>'time'),
    CASE WHEN doc->>'actorKind' IN ('user', 'server') THEN '$.actorKind' ELSE '$.none' END)
FROM community_audit
WHERE action IN ('lookup.plate', 'lookup.person');

DELETE FROM community_audit WHERE action IN ('lookup.plate', 'lookup.person');
