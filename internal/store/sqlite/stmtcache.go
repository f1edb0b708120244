package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Reads on a request path run prepared statements kept per read
// connection: the driver otherwise parses and plans every statement on
// every call, which measured a third of a look-up's CPU (issue 16). The
// statements are few (the store's queries, with placeholders), so each
// connection keeps those it has run, up to maxStmts.

// maxStmts bounds the statements one connection keeps; past it the
// connection's statements are closed and it starts over. A bound, not a
// policy: the store runs a few hundred distinct statements.
const maxStmts = 512

// stmtCache holds the prepared statements of each read connection, by the
// driver connection they belong to.
type stmtCache struct {
	mu    sync.Mutex
	conns map[driver.Conn]map[string]driver.Stmt
}

// stmt returns dc's prepared statement of q, preparing it on first use.
// Only the goroutine holding dc calls it for dc.
func (c *stmtCache) stmt(ctx context.Context, dc driver.Conn, q string) (driver.Stmt, error) {
	c.mu.Lock()
	if c.conns == nil {
		c.conns = map[driver.Conn]map[string]driver.Stmt{}
	}
	m := c.conns[dc]
	if m == nil {
		m = map[string]driver.Stmt{}
		c.conns[dc] = m
	}
	st := m[q]
	c.mu.Unlock()
	if st != nil {
		return st, nil
	}
	p, ok := dc.(driver.ConnPrepareContext)
	if !ok {
		return nil, errors.New("sqlite: the driver cannot prepare with a context")
	}
	st, err := p.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(m) >= maxStmts {
		for k, old := range m {
			_ = old.Close()
			delete(m, k)
		}
	}
	m[q] = st
	c.mu.Unlock()
	return st, nil
}

// close closes every kept statement (before the connections close).
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.conns {
		for _, st := range m {
			_ = st.Close()
		}
	}
	c.conns = nil
}

// readPrepared runs the read-only query q on a read connection with its
// kept statement and calls each with the first column of every row, as
// read does: the wait for a connection ends at ctx's deadline, the
// statement runs without ctx's cancellation.
func (e *Engine) readPrepared(ctx context.Context, q string, args []any, each func(v driver.Value) error) error {
	if err := ctx.Err(); err != nil {
		return mapErr(err)
	}
	conn, err := e.r.Conn(ctx)
	if err != nil {
		return mapErr(err)
	}
	defer conn.Close()
	named := make([]driver.NamedValue, len(args))
	for i, a := range args {
		if n, ok := a.(int); ok {
			a = int64(n)
		}
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	ctx = context.WithoutCancel(ctx)
	return conn.Raw(func(dc any) error {
		d, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("sqlite: unexpected driver connection %T", dc)
		}
		st, err := e.stmts.stmt(ctx, d, q)
		if err != nil {
			return mapErr(err)
		}
		sq, ok := st.(driver.StmtQueryContext)
		if !ok {
			return errors.New("sqlite: the driver cannot query with a context")
		}
		rows, err := sq.QueryContext(ctx, named)
		if err != nil {
			if errors.Is(err, driver.ErrBadConn) {
				return sql.ErrConnDone
			}
			return mapErr(err)
		}
		defer rows.Close()
		dest := make([]driver.Value, len(rows.Columns()))
		for {
			if err := rows.Next(dest); err != nil {
				if err == io.EOF {
					return nil
				}
				return mapErr(err)
			}
			if err := each(dest[0]); err != nil {
				return err
			}
		}
	})
}

// textOf is a TEXT column's value as a string.
func textOf(v driver.Value) (string, error) {
	switch s := v.(type) {
	case string:
		return s, nil
	case []byte:
		return string(s), nil
	}
	return "", fmt.Errorf("sqlite: a text column held %T", v)
}
