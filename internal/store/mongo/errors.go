package mongo

import (
	"context"
	"errors"
	"strings"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/store"
)

// mapErr turns a driver error into a cad.Error so that no driver text ever
// reaches a client: outages and timeouts become unavailable (503), duplicate
// keys conflict (409), and anything else internal (500). The original error
// is kept as the cause for logs.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var ce *cad.Error
	if errors.As(err, &ce) {
		return err
	}
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return store.ErrNotFound
	case mongo.IsDuplicateKeyError(err):
		return store.Conflict(err)
	case strings.Contains(err.Error(), "UNIQUE constraint failed"):
		// FerretDB (the test server) reports a unique index refusing an
		// update as an internal error with SQLite's text.
		return store.Conflict(err)
	case isUnavailable(err):
		return store.Unavailable(err)
	}
	return store.Internal(err)
}

func isUnavailable(err error) bool {
	if mongo.IsTimeout(err) || mongo.IsNetworkError(err) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, mongo.ErrClientDisconnected) {
		return true
	}
	var sse topology.ServerSelectionError
	return errors.As(err, &sse)
}
