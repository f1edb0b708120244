// Command fake-discord runs the fake Discord of the tests on loopback, so a
// person can try the whole Discord sign-in in a browser against `make run`
// with no Discord application and no internet:
//
//	go run ./scripts/fake-discord -addr 127.0.0.1:9999 -id 123456789012345678 -name alice -guilds 111,222
//
// It prints the settings to start Precinct with. Its authorize page
// approves at once, as a user clicking "Authorize" would.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/precinct-cad/precinct/internal/discordtest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9999", "loopback address to listen on")
	id := flag.String("id", "123456789012345678", "the Discord user id that signs in")
	name := flag.String("name", "alice", "the Discord username")
	guilds := flag.String("guilds", "", "comma-separated guild (server) ids the user is in")
	clientID := flag.String("client-id", "100000000000000001", "the application's client id")
	secret := flag.String("client-secret", "fake-discord-secret", "the application's client secret")
	flag.Parse()

	host, _, err := net.SplitHostPort(*addr)
	if err != nil || !(host == "localhost" || net.ParseIP(host) != nil && net.ParseIP(host).IsLoopback()) {
		log.Fatal("fake-discord: -addr must be a loopback host:port")
	}
	fake := discordtest.New(*clientID, *secret)
	u := discordtest.User{ID: *id, Username: *name, Discriminator: "0"}
	for _, g := range strings.Split(*guilds, ",") {
		if g = strings.TrimSpace(g); g != "" {
			u.GuildIDs = append(u.GuildIDs, g)
		}
	}
	fake.SignInAs(u)
	fmt.Printf("fake Discord on http://%s signing in %s (%s)\n\nStart Precinct with:\n\n", *addr, u.Username, u.ID)
	fmt.Printf("  PRECINCT_DISCORD_BASE_URL=http://%s PRECINCT_DISCORD_CLIENT_ID=%s PRECINCT_DISCORD_CLIENT_SECRET=%s make run\n\n", *addr, *clientID, *secret)
	fmt.Println("then open http://localhost:8080/api/auth/discord in a browser.")
	srv := &http.Server{Addr: *addr, Handler: fake, ReadHeaderTimeout: 5 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
