package store

// The collections, each declared once: what queries may filter and sort on,
// and the indexes that serve them. Every index of a tenant collection starts
// with communityId (architecture rule 1; TestSchema checks it), and every
// index that serves a keyset page ends with _id.
//
// SQLite's migrations create these tables, columns and indexes; a test
// compares the migrated schema with this file, so the two cannot drift.

func asc(f string) IndexKey  { return IndexKey{Field: f} }
func desc(f string) IndexKey { return IndexKey{Field: f, Desc: true} }

func idx(name string, keys ...IndexKey) Index    { return Index{Name: name, Keys: keys} }
func unique(name string, keys ...IndexKey) Index { return Index{Name: name, Keys: keys, Unique: true} }

var (
	users = &Collection{
		Name: "users",
		Fields: []Field{
			{Name: "usernameKey", Column: "username_key", Kind: String},
			{Name: "discordId", Column: "discord_id", Kind: String},
		},
		Indexes: []Index{
			// One account per username in any letter case, and per
			// Discord account (R85).
			unique("users_username_key", asc("usernameKey")),
			{Name: "users_discord_id", Keys: []IndexKey{asc("discordId")}, Unique: true, Sparse: true},
		},
	}
	sessions = &Collection{
		Name: "sessions", Ephemeral: true, Expires: "expiresAt",
		Fields: []Field{
			{Name: "userId", Column: "user_id", Kind: String},
			{Name: "createdAt", Column: "created_at", Kind: Time},
			{Name: "expiresAt", Column: "expires_at", Kind: Time},
			{Name: "idleExpiresAt", Column: "idle_expires_at", Kind: Time},
		},
		Indexes: []Index{
			idx("sessions_user_created", asc("userId"), desc("createdAt")),
			idx("sessions_expires", asc("expiresAt")),
			idx("sessions_idle_expires", asc("idleExpiresAt")),
		},
	}
	resetTokens = &Collection{
		Name: "reset_tokens", Ephemeral: true, Expires: "expiresAt",
		Fields: []Field{
			{Name: "userId", Column: "user_id", Kind: String},
			{Name: "expiresAt", Column: "expires_at", Kind: Time},
		},
		Indexes: []Index{
			idx("reset_tokens_user", asc("userId")),
			idx("reset_tokens_expires", asc("expiresAt")),
		},
	}
	oauthStates = &Collection{
		Name: "oauth_states", Ephemeral: true, Expires: "expiresAt",
		Fields:  []Field{{Name: "expiresAt", Column: "expires_at", Kind: Time}},
		Indexes: []Index{idx("oauth_states_expires", asc("expiresAt"))},
	}
	pendingRegs = &Collection{
		Name: "pending_registrations", Ephemeral: true, Expires: "expiresAt",
		Fields:  []Field{{Name: "expiresAt", Column: "expires_at", Kind: Time}},
		Indexes: []Index{idx("pending_registrations_expires", asc("expiresAt"))},
	}
	counters = &Collection{
		Name: "counters", Ephemeral: true, Expires: "expiresAt",
		Fields: []Field{
			{Name: "count", Column: "count", Kind: Int},
			{Name: "expiresAt", Column: "expires_at", Kind: Time},
		},
		Indexes: []Index{idx("counters_expires", asc("expiresAt"))},
	}
	serverKeys = &Collection{
		Name: "server_keys", Ephemeral: true,
		Fields: []Field{
			{Name: "purpose", Column: "purpose", Kind: String},
			{Name: "createdAt", Column: "created_at", Kind: Time},
		},
		Indexes: []Index{idx("server_keys_purpose_created", asc("purpose"), desc("createdAt"), desc(FieldID))},
	}
	authEvents = &Collection{
		Name: "auth_events",
		Fields: []Field{
			{Name: "userId", Column: "user_id", Kind: String},
			{Name: "type", Column: "type", Kind: String},
			{Name: "time", Column: "time", Kind: Time},
		},
		Indexes: []Index{
			idx("auth_events_time", desc("time"), desc(FieldID)),
			idx("auth_events_user_time", asc("userId"), desc("time"), desc(FieldID)),
			idx("auth_events_type_time", asc("type"), desc("time"), desc(FieldID)),
		},
	}
	communities = &Collection{
		Name: "communities",
		Fields: []Field{
			{Name: "guildId", Column: "guild_id", Kind: String},
		},
		Indexes: []Index{unique("communities_guild", asc("guildId"))},
	}
	members = &Collection{
		Name: "members", Tenant: true,
		Fields: []Field{
			{Name: "userId", Column: "user_id", Kind: String},
			{Name: "usernameKey", Column: "username_key", Kind: String},
			{Name: "role", Column: "role", Kind: String},
			{Name: "status", Column: "status", Kind: String},
			{Name: "departments", Kind: Strings},
		},
		Indexes: []Index{
			idx("members_community_username", asc(FieldCommunity), asc("usernameKey"), asc(FieldID)),
			idx("members_community_role_username", asc(FieldCommunity), asc("role"), asc("usernameKey"), asc(FieldID)),
			// A user's memberships in every community (/api/auth/me).
			{Name: "members_user", Keys: []IndexKey{asc("userId")}, CrossTenant: true},
		},
	}
	departments = &Collection{
		Name: "departments", Tenant: true,
		Fields:  []Field{{Name: "code", Column: "code", Kind: String}},
		Indexes: []Index{unique("departments_community_code", asc(FieldCommunity), asc("code"))},
	}
	apiKeys = &Collection{
		Name: "api_keys", Tenant: true,
		Fields: []Field{
			{Name: "keyId", Column: "key_id", Kind: String},
			{Name: "createdAt", Column: "created_at", Kind: Time},
		},
		Indexes: []Index{
			unique("api_keys_community_key", asc(FieldCommunity), asc("keyId")),
			idx("api_keys_community_created", asc(FieldCommunity), desc("createdAt"), desc(FieldID)),
		},
	}
	audit = &Collection{
		Name: "community_audit", Tenant: true,
		Fields: []Field{
			{Name: "action", Column: "action", Kind: String},
			{Name: "actorId", Column: "actor_id", Kind: String},
			{Name: "time", Column: "time", Kind: Time},
		},
		Indexes: []Index{
			idx("community_audit_time", asc(FieldCommunity), desc("time"), desc(FieldID)),
			idx("community_audit_actor_time", asc(FieldCommunity), asc("actorId"), desc("time"), desc(FieldID)),
		},
	}
	// Look-ups (issue 16): one compact entry each, apart from the changes,
	// since the game's plate readers run one every few seconds per player.
	// Two indexes only: by kind and by actor, each newest first; the
	// community's whole list merges the kinds.
	lookups = &Collection{
		Name: "lookup_audit", Tenant: true,
		Fields: []Field{
			{Name: "kind", Column: "kind", Kind: String},
			{Name: "actorId", Column: "actor_id", Kind: String},
			{Name: "time", Column: "time", Kind: Time},
		},
		Indexes: []Index{
			idx("lookup_audit_kind_time", asc(FieldCommunity), asc("kind"), desc("time"), desc(FieldID)),
			idx("lookup_audit_actor_time", asc(FieldCommunity), asc("actorId"), desc("time"), desc(FieldID)),
		},
	}
	meta = &Collection{Name: "meta", Ephemeral: true}

	// Invite links and announcements (issue 18). An invite is found by
	// its code's digest (unique in its community; the code names the
	// community); the list is newest first; the live ones are counted
	// against a community's allowance by expiry.
	invites = &Collection{
		Name: "invites", Tenant: true,
		Fields: []Field{
			{Name: "digest", Column: "digest", Kind: String},
			{Name: "createdAt", Column: "created_at", Kind: Time},
			{Name: "expiresAt", Column: "expires_at", Kind: Time},
		},
		Indexes: []Index{
			unique("invites_community_digest", asc(FieldCommunity), asc("digest")),
			idx("invites_community_created", asc(FieldCommunity), desc("createdAt"), desc(FieldID)),
			idx("invites_community_expires", asc(FieldCommunity), asc("expiresAt")),
		},
	}
	announcements = &Collection{
		Name: "announcements", Tenant: true,
		Fields:  []Field{{Name: "createdAt", Column: "created_at", Kind: Time}},
		Indexes: []Index{idx("announcements_community_created", asc(FieldCommunity), desc("createdAt"), desc(FieldID))},
	}

	// Civil records (issue 9).
	characters = &Collection{
		Name: "characters", Tenant: true,
		Fields: []Field{
			{Name: "ssn", Column: "ssn", Kind: String},
			{Name: "identifier", Column: "identifier", Kind: String},
			{Name: "ownerId", Column: "owner_id", Kind: String},
			{Name: "discordId", Column: "discord_id", Kind: String},
			{Name: "firstKey", Column: "first_key", Kind: String},
			{Name: "lastKey", Column: "last_key", Kind: String},
			{Name: "dateOfBirth", Column: "date_of_birth", Kind: String},
			{Name: "missingPerson", Column: "missing_person", Kind: Bool},
			{Name: "dlStatus", Column: "dl_status", Kind: String},
		},
		Indexes: []Index{
			// The sync resources upsert by ssn (their framework id).
			unique("characters_community_ssn", asc(FieldCommunity), asc("ssn")),
			idx("characters_community_identifier", asc(FieldCommunity), asc("identifier")),
			idx("characters_community_owner", asc(FieldCommunity), asc("ownerId"), asc(FieldID)),
			idx("characters_community_discord", asc(FieldCommunity), asc("discordId"), asc(FieldID)),
			// Name search: by last name then first, or first then last.
			idx("characters_community_last_first", asc(FieldCommunity), asc("lastKey"), asc("firstKey"), asc(FieldID)),
			idx("characters_community_first_last", asc(FieldCommunity), asc("firstKey"), asc("lastKey"), asc(FieldID)),
			idx("characters_community_dob", asc(FieldCommunity), asc("dateOfBirth"), asc(FieldID)),
			idx("characters_community_missing", asc(FieldCommunity), asc("missingPerson"), asc(FieldID)),
			// Owners whose driver's license is not valid flag their plates.
			idx("characters_community_dl", asc(FieldCommunity), asc("dlStatus"), asc(FieldID)),
		},
	}
	licenseHistory = &Collection{
		Name: "license_history", Tenant: true,
		Fields: []Field{
			{Name: "characterId", Column: "character_id", Kind: String},
			{Name: "time", Column: "time", Kind: Time},
		},
		Indexes: []Index{idx("license_history_character_time", asc(FieldCommunity), asc("characterId"), desc("time"), desc(FieldID))},
	}
	vehicles = &Collection{
		Name: "vehicles", Tenant: true,
		Fields: []Field{
			{Name: "plateKey", Column: "plate_key", Kind: String},
			{Name: "vin", Column: "vin", Kind: String},
			{Name: "ownerId", Column: "owner_id", Kind: String},
			{Name: "ownerUserId", Column: "owner_user_id", Kind: String},
			{Name: "stolen", Column: "stolen", Kind: Bool},
			{Name: "registrationStatus", Column: "registration_status", Kind: String},
			{Name: "registrationExpires", Column: "registration_expires", Kind: Time},
			{Name: "insuranceStatus", Column: "insurance_status", Kind: String},
			{Name: "insuranceExpires", Column: "insurance_expires", Kind: Time},
			{Name: "plateDesignId", Column: "plate_design_id", Kind: String},
		},
		Indexes: []Index{
			unique("vehicles_community_plate", asc(FieldCommunity), asc("plateKey")),
			unique("vehicles_community_vin", asc(FieldCommunity), asc("vin")),
			idx("vehicles_community_owner", asc(FieldCommunity), asc("ownerId"), asc(FieldID)),
			idx("vehicles_community_owner_user", asc(FieldCommunity), asc("ownerUserId"), asc(FieldID)),
			// The flagged-plates list is the union of these ranges.
			idx("vehicles_community_stolen", asc(FieldCommunity), asc("stolen"), asc(FieldID)),
			idx("vehicles_community_registration", asc(FieldCommunity), asc("registrationStatus"), asc(FieldID)),
			idx("vehicles_community_registration_expires", asc(FieldCommunity), asc("registrationExpires"), asc(FieldID)),
			idx("vehicles_community_insurance", asc(FieldCommunity), asc("insuranceStatus"), asc(FieldID)),
			idx("vehicles_community_insurance_expires", asc(FieldCommunity), asc("insuranceExpires"), asc(FieldID)),
			idx("vehicles_community_design", asc(FieldCommunity), asc("plateDesignId"), asc(FieldID)),
		},
	}
	bankAccounts = &Collection{
		Name: "bank_accounts", Tenant: true,
		Fields: []Field{
			{Name: "accountNumber", Column: "account_number", Kind: String},
			{Name: "characterId", Column: "character_id", Kind: String},
		},
		Indexes: []Index{
			unique("bank_accounts_community_number", asc(FieldCommunity), asc("accountNumber")),
			unique("bank_accounts_community_character", asc(FieldCommunity), asc("characterId")),
		},
	}
	bankLedger = &Collection{
		Name: "bank_ledger", Tenant: true,
		Fields: []Field{
			{Name: "accountId", Column: "account_id", Kind: String},
			{Name: "time", Column: "time", Kind: Time},
		},
		Indexes: []Index{idx("bank_ledger_account_time", asc(FieldCommunity), asc("accountId"), desc("time"), desc(FieldID))},
	}
	// The first answers of money requests sent with an idempotency key.
	// The _id is a digest of the community, the caller and the key, so a
	// look-up by _id is bound to one community without a tenant index.
	idempotency = &Collection{
		Name: "idempotency", Ephemeral: true, Expires: "expiresAt",
		Fields:  []Field{{Name: "expiresAt", Column: "expires_at", Kind: Time}},
		Indexes: []Index{idx("idempotency_expires", asc("expiresAt"))},
	}
	media = &Collection{
		Name: "media", Tenant: true,
		Fields: []Field{
			{Name: "ownerId", Column: "owner_id", Kind: String},
			{Name: "version", Column: "version", Kind: Int},
		},
		Indexes: []Index{
			idx("media_community_owner", asc(FieldCommunity), asc("ownerId")),
			// The janitor finds the images stored before normalisation
			// (no version) in every community at once.
			{Name: "media_version", Keys: []IndexKey{asc("version")}, CrossTenant: true},
		},
	}
	// What each community's images take, one record per community (its
	// _id is the community's). Derived from the images: export leaves it
	// out, import adds what it brings.
	mediaUsage = &Collection{Name: "media_usage", Tenant: true, Ephemeral: true}

	// Dispatch (issue 10).
	// sequences hand out numbers never given twice (incident numbers);
	// the _id is the community and the sequence's name.
	sequences = &Collection{
		Name: "sequences", Tenant: true,
		Fields:  []Field{{Name: "name", Column: "name", Kind: String}},
		Indexes: []Index{unique("sequences_community_name", asc(FieldCommunity), asc("name"))},
	}
	calls = &Collection{
		Name: "calls", Tenant: true,
		Fields: []Field{
			{Name: "incidentNumber", Column: "incident_number", Kind: String},
			{Name: "status", Column: "status", Kind: String},
			{Name: "open", Column: "open", Kind: Bool},
			{Name: "ersCalloutId", Column: "ers_callout_id", Kind: String},
			{Name: "createdAt", Column: "created_at", Kind: Time},
			{Name: "expiresAt", Column: "expires_at", Kind: Time},
		},
		Indexes: []Index{
			unique("calls_community_incident", asc(FieldCommunity), asc("incidentNumber")),
			idx("calls_community_open_created", asc(FieldCommunity), asc("open"), desc("createdAt"), desc(FieldID)),
			idx("calls_community_status_created", asc(FieldCommunity), asc("status"), desc("createdAt"), desc(FieldID)),
			idx("calls_community_created", asc(FieldCommunity), desc("createdAt"), desc(FieldID)),
			idx("calls_community_ers", asc(FieldCommunity), asc("ersCalloutId")),
			// The janitor finds the open calls past their expiry in every
			// community at once.
			{Name: "calls_open_expires", Keys: []IndexKey{asc("open"), asc("expiresAt")}, CrossTenant: true},
		},
	}
	units = &Collection{
		Name: "units", Tenant: true,
		Fields: []Field{
			{Name: "discordId", Column: "discord_id", Kind: String},
			{Name: "onDuty", Column: "on_duty", Kind: Bool},
			{Name: "callSign", Column: "call_sign", Kind: String},
		},
		Indexes: []Index{
			idx("units_community_discord", asc(FieldCommunity), asc("discordId")),
			idx("units_community_duty_callsign", asc(FieldCommunity), asc("onDuty"), asc("callSign"), asc(FieldID)),
		},
	}
	dutyPeriods = &Collection{
		Name: "duty_periods", Tenant: true,
		Fields: []Field{
			{Name: "userId", Column: "user_id", Kind: String},
			{Name: "start", Column: "start", Kind: Time},
		},
		Indexes: []Index{
			idx("duty_periods_community_user_start", asc(FieldCommunity), asc("userId"), desc("start"), desc(FieldID)),
			idx("duty_periods_community_start", asc(FieldCommunity), desc("start"), desc(FieldID)),
		},
	}
	gameLinks = &Collection{
		Name: "game_links", Tenant: true,
		Fields: []Field{{Name: "userId", Column: "user_id", Kind: String}},
		Indexes: []Index{
			idx("game_links_community_user", asc(FieldCommunity), asc("userId"), asc(FieldID)),
			// An admin's list of every link of the community.
			idx("game_links_community", asc(FieldCommunity), asc(FieldID)),
		},
	}
	// Members' one-time link codes: the _id is the digest of the community
	// and the code.
	linkCodes = &Collection{
		Name: "link_codes", Tenant: true, Ephemeral: true, Expires: "expiresAt",
		Fields: []Field{
			{Name: "userId", Column: "user_id", Kind: String},
			{Name: "expiresAt", Column: "expires_at", Kind: Time},
		},
		Indexes: []Index{
			idx("link_codes_community_user", asc(FieldCommunity), asc("userId")),
			// The janitor deletes the expired codes of every community.
			{Name: "link_codes_expires", Keys: []IndexKey{asc("expiresAt")}, CrossTenant: true},
		},
	}
	bolos = &Collection{
		Name: "bolos", Tenant: true,
		Fields: []Field{
			{Name: "active", Column: "active", Kind: Bool},
			{Name: "plateKey", Column: "plate_key", Kind: String},
			{Name: "characterId", Column: "character_id", Kind: String},
			{Name: "createdAt", Column: "created_at", Kind: Time},
		},
		Indexes: []Index{
			idx("bolos_community_active_created", asc(FieldCommunity), asc("active"), desc("createdAt"), desc(FieldID)),
			idx("bolos_community_created", asc(FieldCommunity), desc("createdAt"), desc(FieldID)),
			idx("bolos_community_plate", asc(FieldCommunity), asc("plateKey")),
			idx("bolos_community_character", asc(FieldCommunity), asc("characterId")),
		},
	}
	cameras = &Collection{
		Name: "alpr_cameras", Tenant: true,
		Fields:  []Field{{Name: "camId", Column: "cam_id", Kind: String}},
		Indexes: []Index{unique("alpr_cameras_community_cam", asc(FieldCommunity), asc("camId"))},
	}
	alprHits = &Collection{
		Name: "alpr_hits", Tenant: true,
		Fields:  []Field{{Name: "time", Column: "time", Kind: Time}},
		Indexes: []Index{idx("alpr_hits_community_time", asc(FieldCommunity), desc("time"), desc(FieldID))},
	}
	// One-time upload tokens: the _id is the token's digest.
	uploadTokens = &Collection{
		Name: "upload_tokens", Ephemeral: true, Expires: "expiresAt",
		Fields:  []Field{{Name: "expiresAt", Column: "expires_at", Kind: Time}},
		Indexes: []Index{idx("upload_tokens_expires", asc("expiresAt"))},
	}
	cameraCommands = &Collection{
		Name: "camera_commands", Tenant: true,
		Fields:  []Field{{Name: "delivered", Column: "delivered", Kind: Bool}},
		Indexes: []Index{idx("camera_commands_community_delivered", asc(FieldCommunity), asc("delivered"), asc(FieldID))},
	}
	ersCallouts = &Collection{
		Name: "ers_callouts", Tenant: true,
		Fields: []Field{
			{Name: "acknowledged", Column: "acknowledged", Kind: Bool},
			{Name: "ersCalloutId", Column: "ers_callout_id", Kind: String},
		},
		Indexes: []Index{
			idx("ers_callouts_community_ack", asc(FieldCommunity), asc("acknowledged"), asc(FieldID)),
			idx("ers_callouts_community_ers", asc(FieldCommunity), asc("ersCalloutId")),
		},
	}
)

// Collections lists every collection, parents before the records that
// refer to them (the order import writes in).
func Collections() []*Collection {
	return []*Collection{
		users, communities, members, departments, apiKeys, audit, lookups, authEvents, invites, announcements,
		characters, licenseHistory, vehicles, bankAccounts, bankLedger, media,
		sequences, calls, units, dutyPeriods, gameLinks, bolos, cameras, alprHits, cameraCommands, ersCallouts,
		sessions, resetTokens, oauthStates, pendingRegs, counters, serverKeys, idempotency, uploadTokens, linkCodes, mediaUsage, meta,
	}
}

// CollectionByName finds a declared collection.
func CollectionByName(name string) (*Collection, bool) {
	for _, c := range Collections() {
		if c.Name == name {
			return c, true
		}
	}
	return nil, false
}
