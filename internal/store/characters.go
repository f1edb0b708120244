package store

import (
	"context"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/precinct-cad/precinct/internal/cad"
)

// characterRec is a character as stored: the domain record plus the keys
// look-ups use, which the store derives on every write.
type characterRec struct {
	cad.Character `bson:",inline"`
	FirstKey      string `json:"firstKey"`
	LastKey       string `json:"lastKey"`
	// DLStatus is the driver's license status, so that the owners whose
	// license is not valid are found by an index (flagged plates).
	DLStatus string `json:"dlStatus,omitempty"`
}

func (r *characterRec) DocID() string        { return r.ID }
func (r *characterRec) DocCommunity() string { return r.CommunityID }

func (r *characterRec) derive() {
	r.FirstKey, r.LastKey = FoldName(r.FirstName), FoldName(r.LastName)
	r.DLStatus = ""
	if l := r.License(cad.LicenseDrivers); l != nil {
		r.DLStatus = l.Status
	}
	if r.Licenses == nil {
		r.Licenses = []cad.License{}
	}
}

func (r *characterRec) character() *cad.Character {
	c := r.Character
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c
}

var (
	characterTable       = table[characterRec, *characterRec]{characters}
	licenseHistoryTable  = table[licenseChangeRec, *licenseChangeRec]{licenseHistory}
	errCharacterNotFound = cad.Errorf(cad.ENOTFOUND, "Civilian not found")
)

func dupCharacter(err error) error {
	if cad.ErrorCode(err) == cad.ECONFLICT {
		return cad.Wrap(cad.ECONFLICT, err, "A civilian with that SSN exists already in this community")
	}
	return err
}

// foldName is what name look-ups compare: lower case, accents removed,
// spaces squeezed ("Zoë  O'Brien" and "zoe o'brien" are equal).
var foldChain = transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)

// FoldName folds a name for look-ups: case- and accent-insensitive, inner
// whitespace squeezed, trimmed.
func FoldName(s string) string {
	out, _, err := transform.String(foldChain, s)
	if err != nil {
		out = s
	}
	return strings.Join(strings.Fields(strings.ToLower(out)), " ")
}

// CreateCharacter stores a new character; a taken SSN is a conflict.
func (s *Store) CreateCharacter(ctx context.Context, communityID string, c *cad.Character) error {
	r := &characterRec{Character: *c}
	r.ID, r.CommunityID = cad.NewID(), communityID
	now := Millis(time.Now())
	r.CreatedAt, r.UpdatedAt = now, now
	r.derive()
	if err := characterTable.insert(ctx, s.e, r); err != nil {
		return dupCharacter(err)
	}
	*c = *r.character()
	return nil
}

// Character returns one character of a community.
func (s *Store) Character(ctx context.Context, communityID, id string) (*cad.Character, error) {
	id, ok := normID(id)
	if !ok {
		return nil, errCharacterNotFound
	}
	return s.getCharacter(ctx, Where(Community(communityID), ID(id)))
}

// CharacterBySSN returns the character with an SSN in a community.
func (s *Store) CharacterBySSN(ctx context.Context, communityID, ssn string) (*cad.Character, error) {
	if ssn == "" {
		return nil, errCharacterNotFound
	}
	return s.getCharacter(ctx, Where(Community(communityID), Eq("ssn", ssn)))
}

// CharacterByIdentifier returns the (first) character with a framework
// identifier in a community.
func (s *Store) CharacterByIdentifier(ctx context.Context, communityID, identifier string) (*cad.Character, error) {
	if identifier == "" {
		return nil, errCharacterNotFound
	}
	return s.getCharacter(ctx, Where(Community(communityID), Eq("identifier", identifier)))
}

func (s *Store) getCharacter(ctx context.Context, q Query) (*cad.Character, error) {
	return getOne(ctx, characterTable, s.e, q, errCharacterNotFound, (*characterRec).character)
}

// UpdateCharacter changes a character in one transaction: fn gets the
// stored record and changes it; its id and community stay.
func (s *Store) UpdateCharacter(ctx context.Context, communityID, id string, fn func(*cad.Character) error) (*cad.Character, error) {
	id, ok := normID(id)
	if !ok {
		return nil, errCharacterNotFound
	}
	r, err := characterTable.modify(ctx, s, Where(Community(communityID), ID(id)), errCharacterNotFound, func(r *characterRec) error {
		created := r.CreatedAt
		if err := fn(&r.Character); err != nil {
			return err
		}
		r.ID, r.CommunityID, r.CreatedAt, r.UpdatedAt = id, communityID, created, Millis(time.Now())
		r.derive()
		return nil
	})
	if err != nil {
		return nil, dupCharacter(err)
	}
	return r.character(), nil
}

// DeleteCharacter deletes one character of a community (not what refers
// to it: the service does that in the same transaction).
func (s *Store) DeleteCharacter(ctx context.Context, communityID, id string) error {
	id, ok := normID(id)
	if !ok {
		return errCharacterNotFound
	}
	n, err := characterTable.delete(ctx, s.e, Where(Community(communityID), ID(id)))
	if err != nil {
		return err
	}
	if n == 0 {
		return errCharacterNotFound
	}
	return nil
}

// CharactersOf lists a user's characters in a community, oldest first.
func (s *Store) CharactersOf(ctx context.Context, communityID, ownerID string, limit int) ([]*cad.Character, error) {
	if ownerID == "" {
		return nil, nil
	}
	return s.findCharacters(ctx, Where(Community(communityID), Eq("ownerId", ownerID)).SortBy(Order(FieldID, false)).Take(limit))
}

// CountCharactersOf counts a user's characters in a community.
func (s *Store) CountCharactersOf(ctx context.Context, communityID, ownerID string) (int, error) {
	if err := characterTable.check(Where(Community(communityID), Eq("ownerId", ownerID))); err != nil {
		return 0, err
	}
	n, err := s.e.Count(ctx, characters, Where(Community(communityID), Eq("ownerId", ownerID)))
	return int(n), err
}

// CharactersByDiscord lists the characters of a Discord user in a
// community, oldest first.
func (s *Store) CharactersByDiscord(ctx context.Context, communityID, discordID string, limit int) ([]*cad.Character, error) {
	if discordID == "" {
		return nil, nil
	}
	return s.findCharacters(ctx, Where(Community(communityID), Eq("discordId", discordID)).SortBy(Order(FieldID, false)).Take(limit))
}

func (s *Store) findCharacters(ctx context.Context, q Query) ([]*cad.Character, error) {
	return findAll(ctx, characterTable, s.e, q, (*characterRec).character)
}

// prefixRange is the conditions of "field starts with p".
func prefixRange(field, p string) []Cond {
	return []Cond{Gte(field, p), Lt(field, p+"\U0010FFFF")}
}

// SearchCharacters finds characters by name prefixes (folded here) and
// date of birth, a page at a time, in name order. Each form walks one
// index: last name (then first), first name (then last), or date of birth.
func (s *Store) SearchCharacters(ctx context.Context, communityID string, f cad.CharacterFilter) ([]*cad.Character, string, error) {
	first, last := FoldName(f.FirstPrefix), FoldName(f.LastPrefix)
	q := Where(Community(communityID))
	var key func(r *characterRec) []any
	switch {
	case last != "":
		q.Where = append(q.Where, prefixRange("lastKey", last)...)
		if first != "" {
			q.Where = append(q.Where, prefixRange("firstKey", first)...)
		}
		q.Sort = []OrderKey{Order("lastKey", false), Order("firstKey", false), Order(FieldID, false)}
		key = func(r *characterRec) []any { return []any{r.LastKey, r.FirstKey, r.ID} }
	case first != "":
		q.Where = append(q.Where, prefixRange("firstKey", first)...)
		q.Sort = []OrderKey{Order("firstKey", false), Order("lastKey", false), Order(FieldID, false)}
		key = func(r *characterRec) []any { return []any{r.FirstKey, r.LastKey, r.ID} }
	case f.DateOfBirth != "":
		q.Sort = []OrderKey{Order("dateOfBirth", false), Order(FieldID, false)}
		key = func(r *characterRec) []any { return []any{r.DateOfBirth, r.ID} }
	default:
		return nil, "", cad.Errorf(cad.EINVALID, "Search by name, date of birth or SSN")
	}
	if f.DateOfBirth != "" {
		q.Where = append(q.Where, Eq("dateOfBirth", f.DateOfBirth))
	}
	q, err := page(characters, q, f.After, 0, f.Limit)
	if err != nil {
		return nil, "", err
	}
	list, err := characterTable.find(ctx, s.e, q)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Limit, key)
	out := make([]*cad.Character, len(list))
	for i, r := range list {
		out[i] = r.character()
	}
	return out, next, nil
}

// MissingCharacters lists a community's missing persons, a page at a time.
func (s *Store) MissingCharacters(ctx context.Context, communityID, after string, limit int) ([]*cad.Character, string, error) {
	q := Where(Community(communityID), Eq("missingPerson", true)).SortBy(Order(FieldID, false))
	q, err := page(characters, q, after, 0, limit)
	if err != nil {
		return nil, "", err
	}
	list, err := characterTable.find(ctx, s.e, q)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, limit, func(r *characterRec) []any { return []any{r.ID} })
	out := make([]*cad.Character, len(list))
	for i, r := range list {
		out[i] = r.character()
	}
	return out, next, nil
}

// CharactersWithLicenseStatus lists up to limit characters whose driver's
// license has one of the statuses.
func (s *Store) CharactersWithLicenseStatus(ctx context.Context, communityID string, statuses []string, limit int) ([]*cad.Character, error) {
	return s.findCharacters(ctx, Where(Community(communityID), In("dlStatus", statuses)).Take(limit))
}

type licenseChangeRec cad.LicenseChange

func (r *licenseChangeRec) DocID() string        { return r.ID }
func (r *licenseChangeRec) DocCommunity() string { return r.CommunityID }

// AddLicenseChange records one change of a license.
func (s *Store) AddLicenseChange(ctx context.Context, ch *cad.LicenseChange) error {
	r := licenseChangeRec(*ch)
	r.ID, r.Time = cad.NewID(), Millis(r.Time)
	if err := licenseHistoryTable.insert(ctx, s.e, &r); err != nil {
		return err
	}
	*ch = cad.LicenseChange(r)
	return nil
}

// LicenseHistory lists a character's license changes, newest first.
func (s *Store) LicenseHistory(ctx context.Context, communityID, characterID string, limit int) ([]*cad.LicenseChange, error) {
	list, err := licenseHistoryTable.find(ctx, s.e, Where(Community(communityID), Eq("characterId", characterID)).
		SortBy(Order("time", true), Order(FieldID, true)).Take(limit))
	if err != nil {
		return nil, err
	}
	out := make([]*cad.LicenseChange, len(list))
	for i, r := range list {
		ch := cad.LicenseChange(*r)
		ch.Time = ch.Time.UTC()
		out[i] = &ch
	}
	return out, nil
}
