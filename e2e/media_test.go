package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image/png"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/precinct-cad/precinct/internal/apitest"
	"github.com/precinct-cad/precinct/internal/e2etest"
	"github.com/precinct-cad/precinct/pkg/client"
)

// Twenty ID cards drawn at once, each of a character whose mugshot was a
// real 16-megapixel image, keep the real binary under 512 MB resident at
// its peak (issue 16, acceptance; R73). Each card is another character or
// license type, so none comes from the cache. Before, each render decoded
// the whole upload: four at once reached 2.3 GB.
func TestConcurrentIDCardsStayBounded(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	dir := shortTemp(t)
	env := map[string]string{"PRECINCT_DATA_DIR": dir}
	srv := e2etest.Start(t, e2etest.Options{DataDir: dir})
	run := func(args ...string) string {
		t.Helper()
		code, out, _ := e2etest.RunWithInput(t, args, env, "", 60*time.Second)
		if code != 0 {
			t.Fatalf("%v: %d %s", args, code, out)
		}
		return out
	}
	code, out, _ := e2etest.RunWithInput(t, []string{"user", "create", "--username", "chief"}, env, "a chief's passphrase\n", time.Minute)
	if code != 0 {
		t.Fatal(out)
	}
	run("community", "create", "--name", "Los Santos RP", "--guild-id", "123456789012345678", "--admin", "chief")
	var key string
	for _, line := range strings.Split(run("apikey", "create", "--community", "123456789012345678", "--name", "main"), "\n") {
		if strings.HasPrefix(line, "fvm_") {
			key = strings.TrimSpace(line)
		}
	}
	game := client.New(srv.URL, client.WithAPIKey(key))

	var big bytes.Buffer
	if err := png.Encode(&big, apitest.Portrait(4096, 4096, 1)); err != nil {
		t.Fatal(err)
	}
	uri := "data:image/png;base64," + base64.StdEncoding.EncodeToString(big.Bytes())
	// The deadline starts after the preparations: encoding 16 MP under the
	// race detector alone takes many seconds on a busy machine.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const characters = 3
	for i := 0; i < characters; i++ {
		ssn := fmt.Sprint("E2E-", i)
		if _, err := game.FivemSyncCharacterWithResponse(ctx, nil, client.CivilianInput{FirstName: "Pat", LastName: fmt.Sprint("Card", i),
			DateOfBirth: "1990-05-15", Ssn: ssn}); err != nil {
			t.Fatal(err)
		}
		res, err := game.FivemUpdateCharacterWithResponse(ctx, ssn, nil, client.CivilianInput{MugshotURL: &uri})
		if err != nil || res.JSON200.Civilian.MugshotURL == nil || !strings.Contains(*res.JSON200.Civilian.MugshotURL, "/api/media/") {
			t.Fatalf("the 16 MP mugshot: %+v %v", res, err)
		}
	}
	before, _, err := srv.Memory()
	if err != nil {
		t.Fatal(err)
	}

	types := []string{"drivers", "motorcycle", "commercial", "boat", "pilot", "firearms", "hunting"}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ssn, typ := fmt.Sprintf("E2E-%d", i%characters), types[i/characters]
			card, err := game.FivemRenderLicenseWithResponse(ctx, ssn, typ, nil)
			if err != nil || !strings.HasPrefix(card.JSON200.DataURI, "data:image/png;base64,") {
				errs <- fmt.Errorf("%s %s: %v", ssn, typ, err)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	peak, now, err := srv.Memory()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("resident memory: peak %d MiB after the uploads, %d MiB after 20 cards at once (now %d MiB)", before>>20, peak>>20, now>>20)
	if peak >= 512<<20 {
		t.Fatalf("the process peaked at %d MiB", peak>>20)
	}
}
