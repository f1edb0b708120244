package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

var callTypes = []string{"911 Call", "Traffic Stop", "Shots Fired", "Robbery", "Medical Emergency", "Structure Fire", "Suspicious Vehicle", "Noise Complaint"}

// seedCalls makes a community's call history: closed, cancelled and
// expired calls over the last 90 days, with incident numbers from the
// community's sequence, a unit and a note each.
func seedCalls(ctx context.Context, s Store, o Options, c *cad.Community, owners []owner) error {
	now := time.Now().UTC().Truncate(time.Millisecond)
	for start := 0; start < o.Calls; start += seedBatch {
		err := s.Tx(ctx, func(ctx context.Context) error {
			for n := start; n < min(start+seedBatch, o.Calls); n++ {
				r := randUint()
				seq, err := s.NextSequence(ctx, c.ID, "incident")
				if err != nil {
					return err
				}
				created := now.Add(-time.Duration(r%(90*24*60)) * time.Minute)
				status := []string{cad.CallClosed, cad.CallClosed, cad.CallClosed, cad.CallCancelled, cad.CallExpired}[r/7%5]
				unit := owners[n%len(owners)].id
				closed := created.Add(time.Duration(5+r%55) * time.Minute)
				call := &cad.Call{IncidentNumber: fmt.Sprintf("%d-%06d", created.Year(), seq), Seq: seq, CallType: callTypes[r/3%uint64(len(callTypes))],
					Location: fmt.Sprintf("%d Strawberry Ave", 1+r%900), Postal: fmt.Sprint(7000 + r%900), Coordinates: &cad.Coords{X: float64(r%4000) - 2000, Y: float64(r/5%6000) - 3000, Z: 30},
					CallerName: "Seeded Caller", Description: "Seeded history", Priority: []string{"low", "normal", "normal", "medium", "high"}[r/11%5],
					Source: []string{"player", "npc", "cctv", "dispatcher"}[r/13%4], Status: status, Units: []string{unit}, PrimaryUnit: unit,
					Notes:     []cad.CallNote{{ID: fmt.Sprint("n", n), AuthorID: unit, Author: "seed", Text: "Handled", Time: closed}},
					Timeline:  []cad.CallStep{{Time: created, ActorID: "seed", Action: "created"}, {Time: closed, ActorID: unit, Action: "status", Detail: status}},
					CreatedBy: "seed", CreatedAt: created, UpdatedAt: closed, ClosedAt: &closed, ExpiresAt: closed}
				if err := s.CreateCall(ctx, c.ID, call); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
