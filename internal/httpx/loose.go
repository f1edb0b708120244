package httpx

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Loose types read what the FiveM resources send (Lua's json.encode, and
// values typed by players): a field arrives as a string or a number, a
// boolean as "true" or 1, a year as 2004 or "2026", an absent optional as
// nothing, an empty Lua table as []. Each type accepts exactly those
// forms and refuses the rest with a 400 that names the field; null is
// absent. They keep whether the field was present, so an update changes
// only what a request names.

// LooseString is a string, or a number or boolean written as one.
type LooseString struct {
	Set bool
	V   string
}

// UnmarshalJSON reads the forms LooseString accepts.
func (l *LooseString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*l = LooseString{}
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*l = LooseString{Set: true, V: s}
		return nil
	case string(b) == "true" || string(b) == "false":
		*l = LooseString{Set: true, V: string(b)}
		return nil
	case string(b) == "[]" || string(b) == "{}":
		// An empty Lua table: nothing.
		*l = LooseString{}
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return &json.UnmarshalTypeError{Value: "value", Type: stringType}
	}
	*l = LooseString{Set: true, V: n.String()}
	return nil
}

// Ptr is the value for an update: nil when absent.
func (l LooseString) Ptr() *string {
	if !l.Set {
		return nil
	}
	v := l.V
	return &v
}

// LooseInt is an integer, or a string holding one ("" is absent).
type LooseInt struct {
	Set bool
	V   int
}

// UnmarshalJSON reads the forms LooseInt accepts.
func (l *LooseInt) UnmarshalJSON(b []byte) error {
	var s LooseString
	if err := s.UnmarshalJSON(b); err != nil {
		return &json.UnmarshalTypeError{Value: "value", Type: intType}
	}
	v := strings.TrimSpace(s.V)
	if !s.Set || v == "" {
		*l = LooseInt{}
		return nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1e9 {
		return &json.UnmarshalTypeError{Value: "value", Type: intType}
	}
	*l = LooseInt{Set: true, V: int(f)}
	return nil
}

// Ptr is the value for an update: nil when absent.
func (l LooseInt) Ptr() *int {
	if !l.Set {
		return nil
	}
	v := l.V
	return &v
}

// LooseBool is a boolean, or "true"/"false"/"1"/"0"/"yes"/"no", or 1/0.
type LooseBool struct {
	Set bool
	V   bool
}

// UnmarshalJSON reads the forms LooseBool accepts.
func (l *LooseBool) UnmarshalJSON(b []byte) error {
	var s LooseString
	if err := s.UnmarshalJSON(b); err != nil {
		return &json.UnmarshalTypeError{Value: "value", Type: boolType}
	}
	if !s.Set {
		*l = LooseBool{}
		return nil
	}
	switch strings.ToLower(strings.TrimSpace(s.V)) {
	case "true", "1", "yes", "on":
		*l = LooseBool{Set: true, V: true}
	case "false", "0", "no", "off", "":
		*l = LooseBool{Set: true, V: false}
	default:
		return &json.UnmarshalTypeError{Value: "value", Type: boolType}
	}
	return nil
}

// Ptr is the value for an update: nil when absent.
func (l LooseBool) Ptr() *bool {
	if !l.Set {
		return nil
	}
	v := l.V
	return &v
}

// LooseTime is an RFC 3339 time, a date, or Unix seconds (or
// milliseconds) as a number or string.
type LooseTime struct {
	Set bool
	V   time.Time
}

// UnmarshalJSON reads the forms LooseTime accepts.
func (l *LooseTime) UnmarshalJSON(b []byte) error {
	var s LooseString
	if err := s.UnmarshalJSON(b); err != nil {
		return &json.UnmarshalTypeError{Value: "value", Type: timeType}
	}
	v := strings.TrimSpace(s.V)
	if !s.Set || v == "" {
		*l = LooseTime{}
		return nil
	}
	t, ok := ParseLooseTime(v)
	if !ok {
		return &json.UnmarshalTypeError{Value: "value", Type: timeType}
	}
	*l = LooseTime{Set: true, V: t}
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
func (l LooseTime) Ptr() *time.Time {
	if !l.Set {
		return nil
	}
	v := l.V
	return &v
}

// The types named in a loose field's 400 ("Field "year" must be a
// number").
var (
	stringType = reflect.TypeOf("")
	intType    = reflect.TypeOf(0)
	boolType   = reflect.TypeOf(false)
	timeType   = reflect.TypeOf("")
	amountType = reflect.TypeOf(0.0)
)

// LooseFloat is a number, or a string holding one.
type LooseFloat struct {
	Set bool
	V   float64
}

// UnmarshalJSON reads the forms LooseFloat accepts.
func (l *LooseFloat) UnmarshalJSON(b []byte) error {
	var s LooseString
	if err := s.UnmarshalJSON(b); err != nil || s.V == "true" || s.V == "false" {
		return &json.UnmarshalTypeError{Value: "value", Type: amountType}
	}
	v := strings.TrimSpace(s.V)
	if !s.Set || v == "" {
		*l = LooseFloat{}
		return nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e7 {
		return &json.UnmarshalTypeError{Value: "value", Type: amountType}
	}
	*l = LooseFloat{Set: true, V: f}
	return nil
}

// LooseCoords are coordinates as the resources send them: an object
// {x, y, z} (numbers or strings), or an array [x, y, z] (a Lua vector3).
type LooseCoords struct {
	Set     bool
	X, Y, Z float64
}

// UnmarshalJSON reads the forms LooseCoords accepts.
func (l *LooseCoords) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	bad := &json.UnmarshalTypeError{Value: "value", Type: reflect.TypeOf(map[string]any{})}
	switch {
	case string(b) == "null" || string(b) == "[]" || string(b) == "{}":
		*l = LooseCoords{}
		return nil
	case len(b) > 0 && b[0] == '[':
		var arr []LooseFloat
		if err := json.Unmarshal(b, &arr); err != nil || len(arr) < 2 || len(arr) > 3 {
			return bad
		}
		*l = LooseCoords{Set: true, X: arr[0].V, Y: arr[1].V}
		if len(arr) == 3 {
			l.Z = arr[2].V
		}
		return nil
	}
	var o struct {
		X, Y, Z LooseFloat
	}
	if err := json.Unmarshal(b, &o); err != nil || !o.X.Set || !o.Y.Set {
		return bad
	}
	*l = LooseCoords{Set: true, X: o.X.V, Y: o.Y.V, Z: o.Z.V}
	return nil
}

// CoordsOf picks the coordinates a body carries: coordinates, coords, or
// flat x, y, z.
func CoordsOf(cs []LooseCoords, x, y, z LooseFloat) *cad.Coords {
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
