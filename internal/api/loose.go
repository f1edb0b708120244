package api

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
	"github.com/precinct-cad/precinct/internal/civil"
)

// Loose types read what the FiveM resources send (Lua's json.encode, and
// values typed by players): a field arrives as a string or a number, a
// boolean as "true" or 1, a year as 2004 or "2026", an absent optional as
// nothing, an empty Lua table as []. Each type accepts exactly those
// forms and refuses the rest with a 400 that names the field; null is
// absent. They keep whether the field was present, so an update changes
// only what a request names.

// looseString is a string, or a number or boolean written as one.
type looseString struct {
	Set bool
	V   string
}

func (l *looseString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*l = looseString{}
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*l = looseString{Set: true, V: s}
		return nil
	case string(b) == "true" || string(b) == "false":
		*l = looseString{Set: true, V: string(b)}
		return nil
	case string(b) == "[]" || string(b) == "{}":
		// An empty Lua table: nothing.
		*l = looseString{}
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return &json.UnmarshalTypeError{Value: "value", Type: stringType}
	}
	*l = looseString{Set: true, V: n.String()}
	return nil
}

// Ptr is the value for an update: nil when absent.
func (l looseString) Ptr() *string {
	if !l.Set {
		return nil
	}
	v := l.V
	return &v
}

// looseInt is an integer, or a string holding one ("" is absent).
type looseInt struct {
	Set bool
	V   int
}

func (l *looseInt) UnmarshalJSON(b []byte) error {
	var s looseString
	if err := s.UnmarshalJSON(b); err != nil {
		return &json.UnmarshalTypeError{Value: "value", Type: intType}
	}
	v := strings.TrimSpace(s.V)
	if !s.Set || v == "" {
		*l = looseInt{}
		return nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1e9 {
		return &json.UnmarshalTypeError{Value: "value", Type: intType}
	}
	*l = looseInt{Set: true, V: int(f)}
	return nil
}

// Ptr is the value for an update: nil when absent.
func (l looseInt) Ptr() *int {
	if !l.Set {
		return nil
	}
	v := l.V
	return &v
}

// looseBool is a boolean, or "true"/"false"/"1"/"0"/"yes"/"no", or 1/0.
type looseBool struct {
	Set bool
	V   bool
}

func (l *looseBool) UnmarshalJSON(b []byte) error {
	var s looseString
	if err := s.UnmarshalJSON(b); err != nil {
		return &json.UnmarshalTypeError{Value: "value", Type: boolType}
	}
	if !s.Set {
		*l = looseBool{}
		return nil
	}
	switch strings.ToLower(strings.TrimSpace(s.V)) {
	case "true", "1", "yes", "on":
		*l = looseBool{Set: true, V: true}
	case "false", "0", "no", "off", "":
		*l = looseBool{Set: true, V: false}
	default:
		return &json.UnmarshalTypeError{Value: "value", Type: boolType}
	}
	return nil
}

// Ptr is the value for an update: nil when absent.
func (l looseBool) Ptr() *bool {
	if !l.Set {
		return nil
	}
	v := l.V
	return &v
}

// looseTime is an RFC 3339 time, a date, or Unix seconds (or
// milliseconds) as a number or string.
type looseTime struct {
	Set bool
	V   time.Time
}

func (l *looseTime) UnmarshalJSON(b []byte) error {
	var s looseString
	if err := s.UnmarshalJSON(b); err != nil {
		return &json.UnmarshalTypeError{Value: "value", Type: timeType}
	}
	v := strings.TrimSpace(s.V)
	if !s.Set || v == "" {
		*l = looseTime{}
		return nil
	}
	t, ok := ParseLooseTime(v)
	if !ok {
		return &json.UnmarshalTypeError{Value: "value", Type: timeType}
	}
	*l = looseTime{Set: true, V: t}
	return nil
}

// ParseLooseTime reads a time as clients send it: RFC 3339, a date, or
// Unix seconds or milliseconds. Years outside 1800-2200 are refused.
func ParseLooseTime(v string) (time.Time, bool) {
	var t time.Time
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		switch {
		case n > 1e11 && n < 1e14:
			t = time.UnixMilli(n)
		case n >= 0 && n <= 1e11:
			t = time.Unix(n, 0)
		default:
			return time.Time{}, false
		}
	} else if p, err := time.Parse(time.RFC3339Nano, v); err == nil {
		t = p
	} else if d, ok := cad.NormalizeDate(v); ok {
		t, _ = time.Parse("2006-01-02", d)
	} else {
		return time.Time{}, false
	}
	if y := t.Year(); y < 1800 || y > 2200 {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// Ptr is the value for an update: nil when absent.
func (l looseTime) Ptr() *time.Time {
	if !l.Set {
		return nil
	}
	v := l.V
	return &v
}

// looseAmount is money in dollars, a JSON number or a string holding one,
// read exactly into cents by civil.ParseAmount: digits with at most two
// decimals, nothing else (no sign, exponent, spaces or "$"; no FiveM
// resource sends them). "" is absent, as for the other loose types.
type looseAmount struct {
	Set   bool
	Cents int64
}

func (l *looseAmount) UnmarshalJSON(b []byte) error {
	var s looseString
	if err := s.UnmarshalJSON(b); err != nil || s.V == "true" || s.V == "false" {
		return &json.UnmarshalTypeError{Value: "value", Type: amountType}
	}
	if !s.Set || strings.TrimSpace(s.V) == "" {
		*l = looseAmount{}
		return nil
	}
	c, err := civil.ParseAmount(s.V)
	if err != nil {
		return err
	}
	*l = looseAmount{Set: true, Cents: c}
	return nil
}

// requireAmount is the amount of a money request, which must be there.
func requireAmount(a looseAmount) (int64, error) {
	if !a.Set {
		return 0, cad.Errorf(cad.EINVALID, "amount is required")
	}
	return a.Cents, nil
}

// money writes cents as a JSON number of dollars, exactly.
func money(cents int64) json.Number { return json.Number(civil.FormatAmount(cents)) }

// The types named in a loose field's 400 ("Field "year" must be a
// number").
var (
	stringType = reflect.TypeOf("")
	intType    = reflect.TypeOf(0)
	boolType   = reflect.TypeOf(false)
	timeType   = reflect.TypeOf("")
	amountType = reflect.TypeOf(0.0)
)

// looseFloat is a number, or a string holding one.
type looseFloat struct {
	Set bool
	V   float64
}

func (l *looseFloat) UnmarshalJSON(b []byte) error {
	var s looseString
	if err := s.UnmarshalJSON(b); err != nil || s.V == "true" || s.V == "false" {
		return &json.UnmarshalTypeError{Value: "value", Type: amountType}
	}
	v := strings.TrimSpace(s.V)
	if !s.Set || v == "" {
		*l = looseFloat{}
		return nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e7 {
		return &json.UnmarshalTypeError{Value: "value", Type: amountType}
	}
	*l = looseFloat{Set: true, V: f}
	return nil
}

// looseCoords are coordinates as the resources send them: an object
// {x, y, z} (numbers or strings), or an array [x, y, z] (a Lua vector3).
type looseCoords struct {
	Set     bool
	X, Y, Z float64
}

func (l *looseCoords) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	bad := &json.UnmarshalTypeError{Value: "value", Type: reflect.TypeOf(map[string]any{})}
	switch {
	case string(b) == "null" || string(b) == "[]" || string(b) == "{}":
		*l = looseCoords{}
		return nil
	case len(b) > 0 && b[0] == '[':
		var arr []looseFloat
		if err := json.Unmarshal(b, &arr); err != nil || len(arr) < 2 || len(arr) > 3 {
			return bad
		}
		*l = looseCoords{Set: true, X: arr[0].V, Y: arr[1].V}
		if len(arr) == 3 {
			l.Z = arr[2].V
		}
		return nil
	}
	var o struct {
		X, Y, Z looseFloat
	}
	if err := json.Unmarshal(b, &o); err != nil || !o.X.Set || !o.Y.Set {
		return bad
	}
	*l = looseCoords{Set: true, X: o.X.V, Y: o.Y.V, Z: o.Z.V}
	return nil
}

// coordsOf picks the coordinates a body carries: coordinates, coords, or
// flat x, y, z.
func coordsOf(cs []looseCoords, x, y, z looseFloat) *cad.Coords {
	for _, c := range cs {
		if c.Set {
			return &cad.Coords{X: c.X, Y: c.Y, Z: c.Z}
		}
	}
	if x.Set && y.Set {
		return &cad.Coords{X: x.V, Y: y.V, Z: z.V}
	}
	return nil
}
