package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/precinct-cad/precinct/internal/store"
)

// Migrations are SQL files named NNNN_what.sql, embedded in the binary and
// applied in order, each once, in a transaction of its own that also
// records it in schema_migrations. A file, once released, is never edited:
// a change of schema is a new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations lists the migrations this binary carries, in order.
func Migrations() ([]Migration, error) {
	entries, err := migrationFiles.ReadDir("migrations")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, en := range entries {
		name := en.Name()
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("migration file %s is not named NNNN_what.sql", name)
		}
		b, err := migrationFiles.ReadFile(path.Join("migrations", name))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: rest, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrations must be numbered 1, 2, 3...: found %04d where %04d belongs", m.Version, i+1)
		}
	}
	return out, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
) STRICT`

// ErrSchemaTooNew is returned when the database was migrated by a newer
// Precinct than this one.
var ErrSchemaTooNew = errors.New("the database schema is newer than this binary")

// SchemaVersion reports the database's schema version (0 for a new file)
// and the newest this binary knows.
func (e *Engine) SchemaVersion(ctx context.Context) (current, known int, err error) {
	ms, err := Migrations()
	if err != nil {
		return 0, 0, err
	}
	current, err = e.appliedVersion(ctx, e.r)
	return current, len(ms), err
}

func (e *Engine) appliedVersion(ctx context.Context, q querier) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n)
	if err != nil || n == 0 {
		return 0, mapErr(err)
	}
	var v sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, mapErr(err)
	}
	return int(v.Int64), nil
}

// Migrate applies every migration the database has not had and returns the
// ones it applied. A schema newer than this binary knows stops it with
// ErrSchemaTooNew, before anything is changed.
func (e *Engine) Migrate(ctx context.Context) ([]Migration, error) {
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	if _, err := e.w.ExecContext(ctx, createMigrationsTable); err != nil {
		return nil, mapErr(err)
	}
	var applied []Migration
	for _, m := range ms {
		done := false
		err := e.Tx(ctx, func(ctx context.Context) error {
			tx := e.writer(ctx)
			// Read inside the write lock: another process migrating the
			// same file at the same moment applies each step once.
			v, err := e.appliedVersion(ctx, tx)
			if err != nil {
				return err
			}
			if v > len(ms) {
				return fmt.Errorf("%w: the database is at version %d, this binary knows up to %d; run the newer Precinct, or restore a backup taken before it ran", ErrSchemaTooNew, v, len(ms))
			}
			if v >= m.Version {
				done = true
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.Version, m.Name, time.Now().UTC().Format(store.TimeLayout))
			return err
		})
		if err != nil {
			return applied, err
		}
		if !done {
			applied = append(applied, m)
		}
	}
	// Checked again for a database already at the newest version the
	// loop never looked at past.
	if v, err := e.appliedVersion(ctx, e.w); err != nil {
		return applied, err
	} else if v > len(ms) {
		return applied, fmt.Errorf("%w: the database is at version %d, this binary knows up to %d; run the newer Precinct, or restore a backup taken before it ran", ErrSchemaTooNew, v, len(ms))
	}
	return applied, nil
}

// Prepare migrates the database (store.Engine).
func (e *Engine) Prepare(ctx context.Context, _ []*store.Collection) error {
	_, err := e.Migrate(ctx)
	return err
}
