package httpx

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/precinct-cad/precinct/internal/cad"
)

// BindJSON decodes the request body into dst and answers every way it can go
// wrong with a message a client can act on: no body, not JSON, malformed
// JSON (with the byte offset), a field of the wrong type, or trailing data.
// A body over the limit surfaces as the limit's own error (413). Unknown
// fields are ignored: the FiveM resources send more than Precinct reads, and
// request types list only what a caller may set (R63).
func BindJSON(c *echo.Context, dst any) error {
	req := c.Request()
	if ct := req.Header.Get(echo.HeaderContentType); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != echo.MIMEApplicationJSON && !strings.HasSuffix(mt, "+json")) {
			return cad.Errorf(cad.EINVALID, "Content-Type must be application/json")
		}
	}
	dec := json.NewDecoder(req.Body)
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil && IsTooLarge(err) {
			return err
		}
		return cad.Errorf(cad.EINVALID, "Malformed JSON body: unexpected data after the JSON value")
	}
	return nil
}

// ReadBody reads a whole request body, which the body limit bounds. A body
// that cannot be read (a malformed chunk size, a client that stopped
// sending inside a chunk) is the caller's fault, a 400; a body over the
// limit keeps the limit's own error (413).
func ReadBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil && !IsTooLarge(err) {
		return nil, cad.Wrap(cad.EINVALID, err, "The request body could not be read (malformed or cut short)")
	}
	return b, err
}

// IsTooLarge reports whether err is the body limit's refusal (a 413).
func IsTooLarge(err error) bool { return errors.Is(err, echo.ErrStatusRequestEntityTooLarge) }

func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var own *cad.Error
	switch {
	case errors.As(err, &own):
		// A field's own rule (an amount with three decimals): its message.
		return own
	case IsTooLarge(err):
		return err
	case errors.Is(err, io.EOF):
		return cad.Errorf(cad.EINVALID, "Request body is required (JSON)")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return cad.Errorf(cad.EINVALID, "Malformed JSON body: it ends too early")
	case errors.As(err, &syntax):
		return cad.Errorf(cad.EINVALID, "Malformed JSON body at byte %d: %s", syntax.Offset, syntax.Error())
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return cad.Errorf(cad.EINVALID, "Request body must be a JSON value of another kind: %s", expectedKind(typ))
		}
		return cad.Errorf(cad.EINVALID, "Field %q must be %s", field, expectedKind(typ))
	}
	return cad.Wrap(cad.EINVALID, err, "Malformed JSON body")
}

func expectedKind(e *json.UnmarshalTypeError) string {
	switch e.Type.Kind().String() {
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "a number"
	}
	return "of another type"
}
