package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Cookie names: the __Host- prefix (Secure, Path=/, no Domain) whenever the
// public URL is https (R34).
const (
	cookieNameSecure = "__Host-precinct_session"
	cookieNamePlain  = "precinct_session"
	cookieSecretKey  = "secret"
)

// CookieStore is a gorilla/sessions Store whose cookie carries only the
// session's secret, authenticated and encrypted by securecookie. The session
// itself lives in the database (R31): a replayed cookie after logout
// decodes, but names a session that no longer exists.
type CookieStore struct {
	codecs []securecookie.Codec
	opts   sessions.Options
	name   string
}

// newCookieStore derives a hash key and a block key per stored secret (one
// key per purpose, R36, R39); the newest pair encodes and every pair
// decodes, so keys can rotate.
func newCookieStore(keys []cad.ServerKey, secure bool) *CookieStore {
	var codecs []securecookie.Codec
	for _, k := range keys {
		sc := securecookie.New(derive(k.Secret, "cookie-hash"), derive(k.Secret, "cookie-block"))
		// securecookie checks its own timestamp against this; gorilla's
		// Options.MaxAge alone would not update it (gorilla/sessions#48).
		// The longest a browser session lives; each cookie's own Max-Age
		// is its session's.
		sc.MaxAge(int(RememberFor.Seconds()))
		codecs = append(codecs, sc)
	}
	name := cookieNamePlain
	if secure {
		name = cookieNameSecure
	}
	return &CookieStore{
		codecs: codecs,
		name:   name,
		opts: sessions.Options{
			Path:     "/",
			MaxAge:   int(BrowserIdle.Seconds()),
			Secure:   secure,
			HttpOnly: true,
			SameSite: http.SameSiteLaxMode,
		},
	}
}

func derive(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// Name is the session cookie's name.
func (cs *CookieStore) Name() string { return cs.name }

// Get returns the request's session, cached per request by gorilla.
func (cs *CookieStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(cs, name)
}

// New decodes the cookie, if any. A cookie that does not decode (tampered,
// too old, made with a dropped key) yields a new, empty session and the
// error.
func (cs *CookieStore) New(r *http.Request, name string) (*sessions.Session, error) {
	s := sessions.NewSession(cs, name)
	opts := cs.opts
	s.Options = &opts
	c, err := r.Cookie(name)
	if err != nil {
		return s, nil
	}
	var secret string
	if err := securecookie.DecodeMulti(name, c.Value, &secret, cs.codecs...); err != nil {
		return s, err
	}
	s.Values[cookieSecretKey] = secret
	s.ID = hashToken(secret)
	s.IsNew = false
	return s, nil
}

// Save writes the cookie, or deletes it when Options.MaxAge < 0.
func (cs *CookieStore) Save(_ *http.Request, w http.ResponseWriter, s *sessions.Session) error {
	if s.Options.MaxAge < 0 {
		http.SetCookie(w, sessions.NewCookie(s.Name(), "", s.Options))
		return nil
	}
	secret, _ := s.Values[cookieSecretKey].(string)
	encoded, err := securecookie.EncodeMulti(s.Name(), secret, cs.codecs...)
	if err != nil {
		return err
	}
	http.SetCookie(w, sessions.NewCookie(s.Name(), encoded, s.Options))
	return nil
}

// SetCookie writes the cookie of a browser session, living maxAge.
func (cs *CookieStore) SetCookie(r *http.Request, w http.ResponseWriter, secret string, maxAge time.Duration) error {
	s := sessions.NewSession(cs, cs.name)
	opts := cs.opts
	opts.MaxAge = max(1, int((maxAge+time.Second-1)/time.Second))
	s.Options = &opts
	s.Values[cookieSecretKey] = secret
	return cs.Save(r, w, s)
}

// Renew writes the request's session cookie again, living maxAge: the
// Max-Age moves forward as the session is used.
func (cs *CookieStore) Renew(r *http.Request, w http.ResponseWriter, maxAge time.Duration) error {
	s, err := cs.New(r, cs.name)
	if err != nil || s.IsNew {
		return err
	}
	secret, _ := s.Values[cookieSecretKey].(string)
	return cs.SetCookie(r, w, secret, maxAge)
}

// ClearCookie deletes the session cookie from the browser.
func (cs *CookieStore) ClearCookie(r *http.Request, w http.ResponseWriter) {
	s := sessions.NewSession(cs, cs.name)
	opts := cs.opts
	opts.MaxAge = -1
	s.Options = &opts
	_ = cs.Save(r, w, s)
}

// SessionID returns the id of the session the request's cookie names, or ""
// when there is no cookie. A cookie that is present but does not decode is
// an error.
func (cs *CookieStore) SessionID(r *http.Request) (string, error) {
	if _, err := r.Cookie(cs.name); err != nil {
		return "", nil
	}
	s, err := cs.New(r, cs.name)
	if err != nil {
		return "", err
	}
	return s.ID, nil
}

// Short-lived cookies of the Discord sign-in: the flow's state and PKCE
// verifier, and a pending registration. Same keys as the session cookie;
// securecookie binds each value to its cookie's name.
const (
	oauthCookie        = "precinct_oauth"
	registrationCookie = "precinct_registration"
	flowCookieAge      = 10 * 60 // seconds (R34: at most 600)
)

func (cs *CookieStore) flowName(base string) string {
	if cs.opts.Secure {
		return "__Host-" + base
	}
	return base
}

// setFlowCookie writes a 10-minute HttpOnly, SameSite=Lax cookie holding v.
// Lax, not Strict: it must come back on the cross-site redirect from
// Discord (R34).
func (cs *CookieStore) setFlowCookie(w http.ResponseWriter, base string, v any) error {
	name := cs.flowName(base)
	enc, err := securecookie.EncodeMulti(name, v, cs.codecs...)
	if err != nil {
		return err
	}
	opts := cs.opts
	opts.MaxAge = flowCookieAge
	http.SetCookie(w, sessions.NewCookie(name, enc, &opts))
	return nil
}

// readFlowCookie decodes the cookie into dst; false when it is missing or
// does not decode.
func (cs *CookieStore) readFlowCookie(r *http.Request, base string, dst any) bool {
	name := cs.flowName(base)
	c, err := r.Cookie(name)
	if err != nil {
		return false
	}
	return securecookie.DecodeMulti(name, c.Value, dst, cs.codecs...) == nil
}

// clearFlowCookie deletes a flow cookie.
func (cs *CookieStore) clearFlowCookie(w http.ResponseWriter, base string) {
	opts := cs.opts
	opts.MaxAge = -1
	http.SetCookie(w, sessions.NewCookie(cs.flowName(base), "", &opts))
}
