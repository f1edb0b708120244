package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/precinct-cad/precinct/internal/cad"
)

// The list commands print a table for people, or with --json an array for
// scripts, whose fields are named as the API names them.

func jsonFlag(cmd *cobra.Command, asJSON *bool) {
	cmd.Flags().BoolVar(asJSON, "json", false, "print a JSON array instead of a table, for scripts")
}

// printList writes the views of items as a JSON array, or as a table:
// header, then one row of each view.
func printList[T, V any](w io.Writer, asJSON bool, items []T, view func(T) V, header []string, row func(V) []string) error {
	views := make([]V, len(items))
	for i, it := range items {
		views[i] = view(it)
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(views)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, v := range views {
		cells := row(v)
		for i, c := range cells {
			cells[i] = printable(c)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// printable keeps a cell on its line and the terminal as it is: names are
// chosen by members, and a tab, a newline or an escape sequence in one must
// not break the table or drive the operator's terminal.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func day(t time.Time) string    { return t.UTC().Format("2006-01-02") }
func minute(t time.Time) string { return t.UTC().Format("2006-01-02 15:04Z") }

// userOut is an account as user list shows it: never its hashes.
type userOut struct {
	ID              string    `json:"id"`
	Username        string    `json:"username"`
	SuperAdmin      bool      `json:"superAdmin"`
	Disabled        bool      `json:"disabled"`
	DiscordID       string    `json:"discordId,omitempty"`
	DiscordUsername string    `json:"discordUsername,omitempty"`
	CreatedAt       time.Time `json:"createdAt"`
}

func userView(u *cad.User) userOut {
	return userOut{ID: u.ID, Username: u.Username, SuperAdmin: u.SuperAdmin, Disabled: u.Disabled,
		DiscordID: u.DiscordID, DiscordUsername: u.DiscordUsername, CreatedAt: u.CreatedAt}
}

type communityOut struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	GuildID     string    `json:"guildId"`
	MemberCount int       `json:"memberCount"`
	AdminCount  int       `json:"adminCount"`
	CreatedAt   time.Time `json:"createdAt"`
}

func communityView(c *cad.Community) communityOut {
	return communityOut{ID: c.ID, Name: c.Name, GuildID: c.GuildID, MemberCount: c.MemberCount, AdminCount: c.AdminCount, CreatedAt: c.CreatedAt}
}

type departmentOut struct {
	ID               string    `json:"id"`
	Code             string    `json:"code"`
	Name             string    `json:"name"`
	Type             string    `json:"type"`
	CallSignTemplate string    `json:"callSignTemplate"`
	BlipColor        int       `json:"blipColor"`
	BlipSprite       int       `json:"blipSprite"`
	Paycheck         int64     `json:"paycheck"`
	CreatedAt        time.Time `json:"createdAt"`
}

func departmentView(d *cad.Department) departmentOut {
	return departmentOut{ID: d.ID, Code: d.Code, Name: d.Name, Type: d.Type, CallSignTemplate: d.CallSignTemplate,
		BlipColor: d.BlipColor, BlipSprite: d.BlipSprite, Paycheck: d.Paycheck, CreatedAt: d.CreatedAt}
}

type apiKeyOut struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"createdAt"`
	CreatedBy  string     `json:"createdBy"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
}

func apiKeyView(k *cad.APIKey) apiKeyOut {
	return apiKeyOut{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Scopes: k.Scopes, CreatedAt: k.CreatedAt, CreatedBy: k.CreatedBy, LastUsedAt: k.LastUsedAt}
}
