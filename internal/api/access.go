package api

// Access says who may call a route. Every route declares one when it is
// registered (see Server.add); later features add kinds here.
type Access int

const (
	// Public routes answer without any credential: health, docs, the site
	// root that game resources probe.
	Public Access = iota + 1
)

func (a Access) String() string {
	switch a {
	case Public:
		return "public"
	}
	return "undeclared"
}
