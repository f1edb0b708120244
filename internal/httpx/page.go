package httpx

import (
	"strconv"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/cad"
)

// ListParams are the time window and page of a log listing.
type ListParams struct {
	Since, Until time.Time
	Paging
}

// ListParamsOf reads since and until (RFC 3339), page and limit.
func ListParamsOf(c *echo.Context) (ListParams, error) {
	var lp ListParams
	var err error
	if lp.Since, err = queryTime(c, "since"); err != nil {
		return lp, err
	}
	if lp.Until, err = queryTime(c, "until"); err != nil {
		return lp, err
	}
	lp.Paging, err = PagingOf(c)
	return lp, err
}

func queryTime(c *echo.Context, name string) (time.Time, error) {
	v := c.QueryParam(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, cad.Errorf(cad.EINVALID, "%s must be an RFC 3339 time such as 2026-01-02T15:04:05Z", name)
	}
	return t, nil
}

// Pagination bounds every list (R73): the page size when none is asked
// for, and the largest.
const (
	DefaultPageSize = 50
	MaxPageSize     = 100
)

// Paging is a listing's page: the after cursor a previous page returned
// (which costs the same however deep), or a page number (kept for old
// clients; the store refuses offsets past 10,000), and the limit.
type Paging struct {
	Page, Limit int
	After       string
}

// Offset is the page number as an offset, for the stores that still take one.
func (p Paging) Offset() int { return (p.Page - 1) * p.Limit }

// Answer is a listing's body: the items under name, the page and limit, and
// nextCursor, the after of the next page (null on the last).
func (p Paging) Answer(name string, items any, next string) map[string]any {
	out := map[string]any{name: items, "page": p.Page, "limit": p.Limit, "nextCursor": nil}
	if next != "" {
		out["nextCursor"] = next
	}
	return out
}

// maxCursorLen bounds the after cursor; cursors the API makes are far
// shorter.
const maxCursorLen = 512

// PagingOf reads a listing's page, limit and after cursor from the query.
func PagingOf(c *echo.Context) (Paging, error) {
	p := Paging{Page: 1, Limit: DefaultPageSize}
	var err error
	if v := c.QueryParam("page"); v != "" {
		if p.Page, err = strconv.Atoi(v); err != nil || p.Page < 1 || p.Page > 100000 {
			return p, cad.Errorf(cad.EINVALID, "page must be a whole number from 1")
		}
	}
	if v := c.QueryParam("limit"); v != "" {
		if p.Limit, err = strconv.Atoi(v); err != nil || p.Limit < 1 || p.Limit > MaxPageSize {
			return p, cad.Errorf(cad.EINVALID, "limit must be a whole number from 1 to %d", MaxPageSize)
		}
	}
	if p.After = c.QueryParam("after"); len(p.After) > maxCursorLen {
		return p, cad.Errorf(cad.EINVALID, "after is not a cursor this listing returned")
	}
	return p, nil
}
