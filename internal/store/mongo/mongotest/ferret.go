// Package mongotest starts a MongoDB-compatible server for tests of the
// MongoDB engine: FerretDB 1.x on its SQLite backend, inside the test
// process, reachable through a Unix socket. It is a test dependency only;
// nothing outside tests imports it, so FerretDB never reaches the binary.
//
// FerretDB has no transactions, no change streams and no atomic
// read-modify-write, and scans collections; tests that need those skip on
// it and run against a real MongoDB (PRECINCT_TEST_MONGODB_URI).
package mongotest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// maxSocketPath is the longest Unix socket path every supported OS accepts.
const maxSocketPath = 103

// Ferret is a FerretDB server running inside this process.
type Ferret struct {
	dir     string
	uri     string
	cancel  context.CancelFunc
	done    chan struct{}
	stopped bool
}

// StartFerret starts FerretDB with its files in dir (which must be short
// enough for a socket path) and no TCP port.
func StartFerret(dir string, logger *slog.Logger) (*Ferret, error) {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	socket := filepath.Join(dir, "ferret.sock")
	if len(socket) > maxSocketPath {
		return nil, fmt.Errorf("%s is too long for a socket path", socket)
	}
	if err := os.MkdirAll(filepath.Join(dir, "db"), 0o700); err != nil {
		return nil, err
	}
	if err := os.Remove(socket); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{Unix: socket},
		Handler:   "sqlite",
		SQLiteURL: "file:" + filepath.Join(dir, "db") + "/",
		Logger:    logger,
	})
	if err != nil {
		return nil, fmt.Errorf("starting FerretDB: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	fr := &Ferret{dir: dir, cancel: cancel, done: make(chan struct{}), uri: f.MongoDBURI()}
	go func() {
		defer close(fr.done)
		_ = f.Run(ctx)
	}()
	return fr, nil
}

// URI is the server's connection string.
func (f *Ferret) URI() string { return f.uri }

// SocketPath is the Unix socket the server listens on.
func (f *Ferret) SocketPath() string { return filepath.Join(f.dir, "ferret.sock") }

// Stop closes the listener and every connection. Close the clients first:
// FerretDB waits for open connections to go idle.
func (f *Ferret) Stop(ctx context.Context) error {
	if f.stopped {
		return nil
	}
	f.stopped = true
	f.cancel()
	select {
	case <-f.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("FerretDB did not stop in time: %w", ctx.Err())
	}
}
