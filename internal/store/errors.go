package store

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/precinct-cad/precinct/internal/cad"
)

// msgUnavailable is the message callers see when the database is down or too
// slow; the driver's own text stays in the logs.
const msgUnavailable = "Database unavailable"

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
		return cad.Wrap(cad.ENOTFOUND, err, "Not found")
	case mongo.IsDuplicateKeyError(err):
		return cad.Wrap(cad.ECONFLICT, err, "Already exists")
	case isUnavailable(err):
		return cad.Wrap(cad.EUNAVAILABLE, err, msgUnavailable)
	}
	return cad.Wrap(cad.EINTERNAL, err, "Internal server error")
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
