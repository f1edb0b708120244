// Package safehttp makes outgoing HTTP requests to URLs that someone other
// than the operator chose (an outside mugshot a game server stored, later a
// community's webhook) without letting them reach what only the server can
// reach: its own loopback, the private network it sits in, the cloud's
// metadata address.
//
// The destination is checked where it cannot be dodged: on the IP address
// the connection is really made to, after DNS resolution, inside the dialer.
// A name that resolves to a public address when checked and to 127.0.0.1
// when dialled (DNS rebinding) is refused all the same, and so is every
// redirect's destination. No proxy from the environment is used (it would
// make the proxy the destination that is checked). Each request has a time
// limit and a cap on the bytes it reads.
package safehttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Options configure a Client. The zero value is the strict default:
// https only, public addresses only, no redirects, 10 s, 1 MiB.
type Options struct {
	// AllowHTTP lets requests use plain http:// (tests, closed networks).
	AllowHTTP bool
	// AllowPrivate lets requests reach loopback, private, link-local,
	// shared (CGNAT) and other non-public unicast addresses (tests, closed
	// networks). Multicast, broadcast and unspecified addresses are
	// refused even then.
	AllowPrivate bool
	// Timeout bounds a whole request: connecting, every redirect, and
	// reading the body. 0 means 10 s.
	Timeout time.Duration
	// MaxBytes caps the body read; a longer one is refused. 0 means 1 MiB.
	MaxBytes int64
	// MaxRedirects is how many redirects are followed, each checked as
	// the first request was; 0 follows none (a redirect is an error).
	MaxRedirects int
	// UserAgent is sent with every request; empty sends "Precinct".
	UserAgent string
}

// Errors a request can end with; Get wraps them with the detail.
var (
	// ErrURL: not an absolute URL of an allowed scheme, or one with user
	// info.
	ErrURL = errors.New("the URL is not allowed")
	// ErrDestination: the host resolves to an address that is not
	// allowed (loopback, private, link-local, multicast...).
	ErrDestination = errors.New("the destination address is not allowed")
	// ErrRedirect: a redirect, with none (or no more) allowed.
	ErrRedirect = errors.New("too many redirects")
	// ErrTooLarge: the body is over MaxBytes.
	ErrTooLarge = errors.New("the response is too large")
	// ErrStatus: an answer other than 2xx.
	ErrStatus = errors.New("the server did not answer 2xx")
)

// Response is a read answer.
type Response struct {
	StatusCode  int
	ContentType string
	Body        []byte
	// URL is where the body came from, after redirects.
	URL string
}

// Client makes checked requests. It is safe for concurrent use.
type Client struct {
	o  Options
	hc *http.Client
}

// New returns a client with options o.
func New(o Options) *Client {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 1 << 20
	}
	if o.UserAgent == "" {
		o.UserAgent = "Precinct"
	}
	c := &Client{o: o}
	dialer := &net.Dialer{Timeout: o.Timeout, Control: c.control}
	tr := &http.Transport{
		Proxy:                  nil, // never: the proxy would be the destination checked
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    o.Timeout,
		ResponseHeaderTimeout:  o.Timeout,
		MaxIdleConns:           16,
		MaxIdleConnsPerHost:    2,
		IdleConnTimeout:        30 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	c.hc = &http.Client{Transport: tr, Timeout: o.Timeout, CheckRedirect: c.checkRedirect}
	return c
}

// control runs after DNS resolution, just before each connection is made,
// with the address it is made to.
func (c *Client) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrDestination, address)
	}
	if !c.Allowed(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrDestination, ap.Addr())
	}
	return nil
}

// nonPublic are ranges that are not the public internet beyond what
// netip's predicates name: shared address space (CGNAT), IETF protocol
// assignments, benchmarking, documentation, reserved, 6to4 and NAT64
// (which can lead back to IPv4 addresses inside), and discard-only.
var nonPublic = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15", "198.51.100.0/24",
		"203.0.113.0/24", "240.0.0.0/4", "255.255.255.255/32",
		"64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001:db8::/32", "2002::/16",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// never are refused even with AllowPrivate: no request has business there.
func never(a netip.Addr) bool {
	return a.IsUnspecified() || a.IsMulticast() || a.IsInterfaceLocalMulticast() || a.IsLinkLocalMulticast() ||
		a == netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

// Allowed reports whether a request may connect to the address.
func (c *Client) Allowed(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || never(a) {
		return false
	}
	if c.o.AllowPrivate {
		return true
	}
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || !a.IsGlobalUnicast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// CheckURL reports whether raw is a URL the client would request: absolute,
// https (or http when allowed), a host, no user info. The address is
// checked when the request connects.
func (c *Client) CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Hostname() == "" || !u.IsAbs() {
		return nil, fmt.Errorf("%w: not an absolute URL", ErrURL)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !c.o.AllowHTTP {
			return nil, fmt.Errorf("%w: only https:// is allowed", ErrURL)
		}
	default:
		return nil, fmt.Errorf("%w: the scheme %q", ErrURL, u.Scheme)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: user info in the URL", ErrURL)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("%w: the port %q", ErrURL, p)
		}
	}
	return u, nil
}

func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > c.o.MaxRedirects {
		return fmt.Errorf("%w (at most %d)", ErrRedirect, c.o.MaxRedirects)
	}
	if _, err := c.CheckURL(req.URL.String()); err != nil {
		return fmt.Errorf("redirect: %w", err)
	}
	return nil
}

// Get fetches raw and reads its body, up to MaxBytes. Any answer but 2xx
// is an error (ErrStatus). Errors wrap the sentinels above, or the
// transport's own (a timeout, a refused connection).
func (c *Client) Get(ctx context.Context, raw string, accept string) (*Response, error) {
	u, err := c.CheckURL(raw)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrURL, err)
	}
	req.Header.Set("User-Agent", c.o.UserAgent)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, unwrapURLError(err)
	}
	defer res.Body.Close()
	if res.StatusCode < 200 || res.StatusCode > 299 {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 4<<10))
		return nil, fmt.Errorf("%w: %d", ErrStatus, res.StatusCode)
	}
	if res.ContentLength > c.o.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, res.ContentLength, c.o.MaxBytes)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, c.o.MaxBytes+1))
	if err != nil {
		return nil, unwrapURLError(err)
	}
	if int64(len(body)) > c.o.MaxBytes {
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, c.o.MaxBytes)
	}
	return &Response{StatusCode: res.StatusCode, ContentType: res.Header.Get("Content-Type"), Body: body, URL: res.Request.URL.String()}, nil
}

// unwrapURLError drops the *url.Error around a transport error: its text
// repeats the URL, which callers may not want in a message.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Reason is a short caller-safe description of a request's failure, naming
// the rule that refused it or what went wrong, never the address.
func Reason(err error) string {
	var ne net.Error
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrURL):
		return "the URL is not an allowed https URL"
	case errors.Is(err, ErrDestination):
		return "the address it leads to is not allowed"
	case errors.Is(err, ErrRedirect):
		return "it redirects"
	case errors.Is(err, ErrTooLarge):
		return "the answer is too large"
	case errors.Is(err, ErrStatus):
		return "the server did not answer 200 OK"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "it took too long"
	}
	return "it could not be reached"
}
