// Package community holds the rules of tenancy: communities, memberships
// and roles, departments, game-server keys, the scope a request runs in,
// and the per-community audit log. Every store call it makes names the
// community; nothing here can reach another community's data.
package community

import (
	"context"
	"log/slog"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Service is the tenancy service.
type Service struct {
	db   cad.TenancyStore
	keys Keys
	log  *slog.Logger
	now  func() time.Time
}

// Keys makes and revokes game-server keys: authentication owns the key
// format and its hashing (auth.Service does this). Its clock is the
// clock of the tenancy rules too.
type Keys interface {
	CreateAPIKey(ctx context.Context, communityID, name, createdBy string) (string, *cad.APIKey, error)
	RevokeAPIKey(ctx context.Context, communityID string, k *cad.APIKey) error
	Now() time.Time
}

// New returns the service. Joining users to communities after a Discord
// sign-in is AutoJoin, which the application hooks into the auth service.
func New(db cad.TenancyStore, keys Keys, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.Default()
	}
	return &Service{db: db, keys: keys, log: logger, now: keys.Now}
}

// CLIActor is the operator at the command line: a Super Admin.
func CLIActor() cad.Actor {
	return cad.Actor{Kind: "cli", UserID: "cli", Rank: cad.SuperAdminRank, SuperAdmin: true, IP: "cli"}
}

// Record writes an entry in a community's audit trail (and the process
// log) for another service: civil records log every look-up and change
// through it. Like audit, it never fails the caller.
func (s *Service) Record(ctx context.Context, a cad.Actor, communityID, action, target string, before, after any) {
	s.audit(ctx, a, communityID, action, target, before, after)
}

// RecordLookup writes a look-up's compact entry in a community's audit
// trail and returns once it is stored: a look-up whose entry cannot be
// stored fails, so that every answered look-up is in the trail. Entries
// are not repeated in the process log (the access log has the request).
func (s *Service) RecordLookup(ctx context.Context, a cad.Actor, communityID, kind, query string, hit bool) error {
	e := &cad.LookupEntry{CommunityID: communityID, Kind: kind, ActorID: a.UserID, ActorKind: a.Kind, Query: query, Hit: hit, Time: s.now()}
	if err := s.db.AddLookup(ctx, e); err != nil {
		s.log.ErrorContext(ctx, "storing a look-up's audit entry failed", "error", err.Error(), "kind", kind, "community", communityID)
		return err
	}
	return nil
}

// PruneLookups deletes the look-up entries older than retention in every
// community, batch by batch (each a short write), and says how many.
func (s *Service) PruneLookups(ctx context.Context, retention time.Duration) (int, error) {
	ids, err := s.db.CommunityIDs(ctx)
	if err != nil {
		return 0, err
	}
	cut := s.now().Add(-retention)
	total := 0
	for _, id := range ids {
		for {
			n, err := s.db.PruneLookups(ctx, id, cut, pruneBatch)
			total += n
			if err != nil {
				return total, err
			}
			if n < pruneBatch {
				break
			}
		}
	}
	return total, nil
}

// pruneBatch is how many look-up entries one delete removes: a write of a
// few milliseconds, so that requests never wait long behind the pruning.
const pruneBatch = 500

// RunLookupRetention prunes look-up entries older than retention every
// interval until ctx ends (docs/operations.md).
func (s *Service) RunLookupRetention(ctx context.Context, retention, every time.Duration) {
	cad.NowAndEvery(ctx, every, func(ctx context.Context) {
		if n, err := s.PruneLookups(ctx, retention); err != nil {
			if ctx.Err() == nil {
				s.log.WarnContext(ctx, "pruning look-up entries", "error", err.Error(), "removed", n)
			}
		} else if n > 0 {
			s.log.InfoContext(ctx, "pruned look-up entries past their retention", "removed", n, "retention", retention.String())
		}
	})
}

// audit records a change in a community's log and the process log. It never
// fails the change: the log line is written even when the insert is not.
func (s *Service) audit(ctx context.Context, a cad.Actor, communityID, action, target string, before, after any) {
	e := &cad.AuditEntry{CommunityID: communityID, Action: action, ActorID: a.UserID, ActorKind: a.Kind, IP: a.IP,
		RequestID: a.RequestID, Target: target, Before: before, After: after, Time: s.now()}
	if err := s.db.AddAudit(context.WithoutCancel(ctx), e); err != nil {
		s.log.ErrorContext(ctx, "storing a community audit entry failed", "error", err.Error(), "action", action)
	}
	s.log.InfoContext(ctx, "community audit", "action", action, "community", communityID, "actor", a.UserID,
		"actorKind", a.Kind, "target", target, "ip", a.IP, "requestId", a.RequestID)
}

// Audit lists a community's audit log, and the cursor of the next page.
func (s *Service) Audit(ctx context.Context, sc *cad.Scope, f cad.AuditFilter) ([]*cad.AuditEntry, string, error) {
	return s.db.Audit(ctx, sc.Community.ID, f)
}

// AuditSuperAdminEntry records that a Super Admin acted in a community
// they are not a member of.
func (s *Service) AuditSuperAdminEntry(ctx context.Context, a cad.Actor, communityID, route string) {
	s.audit(ctx, a, communityID, "superadmin.entry", route, nil, nil)
}
