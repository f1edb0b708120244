package cad

import "time"

// Invite is a link a Community Admin makes to bring people into a
// community: whoever holds its code may join, with its role and
// departments, until it expires or is used up; revoking it deletes it.
// Only the code's SHA-256 is stored (R68): the code is shown once.
type Invite struct {
	ID          string
	CommunityID string
	Digest      string // hex SHA-256 of the code
	Role        string
	Departments []string // codes
	MaxUses     int      // 0: no limit but the expiry
	Uses        int
	ExpiresAt   time.Time
	CreatedAt   time.Time
	CreatedBy   string // the maker's user id, or "cli"
}

// Admits reports whether the invite still lets someone in at now: not
// expired and not used up.
func (i *Invite) Admits(now time.Time) bool {
	return now.Before(i.ExpiresAt) && (i.MaxUses == 0 || i.Uses < i.MaxUses)
}

// Announcement is a Community Admin's message to the members' screens:
// stored, and sent live when it is posted.
type Announcement struct {
	ID          string `json:"_id"`
	CommunityID string `json:"communityId"`
	Title       string `json:"title"`
	Message     string `json:"message"`
	Priority    string `json:"priority"`
	AuthorID    string `json:"authorId"`
	// AuthorName is the author's username when it was posted.
	AuthorName string    `json:"authorName"`
	CreatedAt  time.Time `json:"createdAt"`
}
