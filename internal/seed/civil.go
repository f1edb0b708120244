package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/civil"
)

// owner is a seeded member who plays characters.
type owner struct{ id, discordID string }

var (
	firstNames = []string{"John", "Maria", "Trevor", "Amanda", "Lamar", "Tracey", "Franklin", "Denise", "Lester", "Zoë", "José", "Chloé",
		"Michael", "Patricia", "Jimmy", "Tanisha", "Steve", "Karen", "Wade", "Molly", "Dave", "Ron", "Simeon", "Brad", "Lazlow", "Ursula"}
	lastNames = []string{"Doe", "Smith", "Philips", "De Santa", "Davis", "Clinton", "Crest", "Norton", "Hérnandez", "O'Brien", "Nguyen",
		"Kowalski", "Schmidt", "Yetarian", "Townley", "Haines", "Hebert", "Jakowski", "Chen", "Müller", "Ramírez", "Castillo", "Okafor"}
	makes  = [][2]string{{"Bravado", "Buffalo"}, {"Vapid", "Stanier"}, {"Declasse", "Vigero"}, {"Karin", "Sultan"}, {"Albany", "Emperor"}, {"Pegassi", "Zentorno"}, {"Benefactor", "Schafter"}, {"Obey", "Tailgater"}}
	colors = []string{"Black", "White", "Silver", "Red", "Blue", "Green", "Yellow", "Grey"}
)

// seedBatch is how many records one transaction writes.
const seedBatch = 500

// seedCivil makes a community's characters, their licenses, accounts and
// ledgers, and vehicles, in transactions of seedBatch records.
func seedCivil(ctx context.Context, s Store, o Options, c *cad.Community, owners []owner) error {
	if o.Civilians <= 0 {
		if o.Vehicles > 0 {
			return fmt.Errorf("vehicles need civilians to own them")
		}
		return nil
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	chars := make([]string, 0, o.Civilians)
	for start := 0; start < o.Civilians; start += seedBatch {
		err := s.Tx(ctx, func(ctx context.Context) error {
			for n := start; n < min(start+seedBatch, o.Civilians); n++ {
				ch, err := seedCharacter(ctx, s, c, owners[n%len(owners)], n, now)
				if err != nil {
					return err
				}
				chars = append(chars, ch.ID)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for start := 0; start < o.Vehicles; start += seedBatch {
		err := s.Tx(ctx, func(ctx context.Context) error {
			for n := start; n < min(start+seedBatch, o.Vehicles); n++ {
				if err := seedVehicle(ctx, s, c, chars[n%len(chars)], owners[(n%len(chars))%len(owners)].id, n, now); err != nil {
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

func seedCharacter(ctx context.Context, s Store, c *cad.Community, o owner, n int, now time.Time) (*cad.Character, error) {
	r := randUint()
	dob := time.Date(1950+int(r%55), time.Month(1+r/7%12), 1+int(r/97%28), 0, 0, 0, 0, time.UTC)
	ch := &cad.Character{OwnerID: o.id, DiscordID: o.discordID,
		// SSNs of seeded characters count up: unique, and never in the
		// generator's range (areas 9xx are never generated).
		SSN:       fmt.Sprintf("9%02d-%02d-%04d", n/1_000_000%100, n/10_000%100, n%10_000),
		FirstName: firstNames[r%uint64(len(firstNames))], LastName: lastNames[r/31%uint64(len(lastNames))],
		DateOfBirth: dob.Format("2006-01-02"), Gender: []string{"male", "female", "other"}[r/11%3],
		Address: fmt.Sprintf("%d Grove Street", 1+r%900), Phone: fmt.Sprintf("555-%04d", r%10000), Nationality: "American"}
	dl := cad.LicenseValid
	switch r / 1013 % 20 {
	case 0:
		dl = cad.LicenseSuspended
	case 1:
		dl = cad.LicenseRevoked
	case 2, 3:
		dl = ""
	}
	if dl != "" {
		ch.Licenses = append(ch.Licenses, cad.License{Type: cad.LicenseDrivers, Status: dl, UpdatedAt: now, UpdatedBy: "seed"})
	}
	if r%7 == 0 {
		ch.Licenses = append(ch.Licenses, cad.License{Type: cad.LicenseFirearms, Status: cad.LicenseValid, UpdatedAt: now, UpdatedBy: "seed"})
	}
	ch.MissingPerson = r%500 == 0
	if err := s.CreateCharacter(ctx, c.ID, ch); err != nil {
		return nil, err
	}
	balance := c.Settings.StartingBalance * 100
	a := &cad.BankAccount{CharacterID: ch.ID, Number: fmt.Sprintf("2%09d", n), Balance: balance}
	if err := s.CreateAccount(ctx, c.ID, a); err != nil {
		return nil, err
	}
	entries := []cad.LedgerEntry{{Type: cad.TxOpening, Amount: balance, Description: "Account opened"}}
	// Two paychecks and a withdrawal: a ledger that pages.
	for _, amt := range []int64{int64(50_000 + r%30_000), int64(50_000 + r/3%30_000), -int64(r % 20_000)} {
		typ := cad.TxPaycheck
		if amt < 0 {
			typ = cad.TxWithdrawal
		}
		entries = append(entries, cad.LedgerEntry{Type: typ, Amount: amt})
	}
	a.Balance = 0
	for k, e := range entries {
		a.Balance += e.Amount
		e.CommunityID, e.AccountID, e.BalanceAfter, e.ActorID, e.ActorKind, e.Time = c.ID, a.ID, a.Balance, "seed", "cli", now.Add(time.Duration(k)*time.Hour)
		if err := s.AddLedgerEntry(ctx, &e); err != nil {
			return nil, err
		}
	}
	return ch, s.SaveAccount(ctx, a)
}

func seedVehicle(ctx context.Context, s Store, c *cad.Community, ownerID, ownerUser string, n int, now time.Time) error {
	r := randUint()
	m := makes[r%uint64(len(makes))]
	expires := now.AddDate(1, 0, 0)
	v := &cad.Vehicle{OwnerID: ownerID, OwnerUserID: ownerUser, VIN: civil.NewVIN(), Make: m[0], Model: m[1],
		Color: colors[r/13%uint64(len(colors))], Year: 1990 + int(r/17%36),
		RegistrationStatus: cad.DocValid, RegistrationExpires: &expires, InsuranceStatus: cad.DocValid, InsuranceExpires: &expires}
	// Plates: three letters then four digits, unique by n.
	v.Plate = fmt.Sprintf("%c%c%c %04d", 'A'+n/260_000%26, 'A'+n/10_000%26, 'A'+(n/10_000/26/26)%26, n%10_000)
	v.PlateKey = cad.NormalizePlate(v.Plate)
	switch r / 7 % 100 {
	case 0:
		v.Stolen, v.StolenDescription = true, "Reported stolen"
	case 1, 2, 3:
		past := now.AddDate(0, -2, 0)
		v.RegistrationExpires = &past
	case 4, 5:
		v.InsuranceStatus, v.InsuranceExpires = cad.DocNone, nil
	}
	return s.CreateVehicle(ctx, c.ID, v)
}
