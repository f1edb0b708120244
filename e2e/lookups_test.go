package e2e

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/precinct-cad/precinct/internal/e2etest"
)

// Issue 16: the real binary answers a plate look-up only once its audit
// entry is stored, and a SIGTERM in the middle of a stream of look-ups
// loses none of the answered ones: the server writes what waits for its
// group commit before it closes the database.
func TestAnsweredLookupsSurviveShutdown(t *testing.T) {
	dir := shortTemp(t)
	env := map[string]string{"PRECINCT_DATA_DIR": dir}
	code, out, errOut := e2etest.RunSplit(t, []string{"seed", "--communities", "1", "--members", "5", "--civilians", "5", "--vehicles", "5", "--password", seedPassword}, env, time.Minute)
	if code != 0 {
		t.Fatalf("seed: %d %s", code, errOut)
	}
	var res seeded
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Communities) != 1 {
		t.Fatalf("seed printed %q: %v", out, err)
	}
	srv := e2etest.Start(t, e2etest.Options{DataDir: dir, Env: map[string]string{"PRECINCT_RATE_LIMIT_FIVEM": "1000000/1s"}})
	var answered atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 5 * time.Second}
			for {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/civilian/fivem-plate-lookup/AAA0000", nil)
				req.Header.Set("x-api-key", res.Communities[0].APIKey)
				resp, err := client.Do(req)
				if err != nil {
					continue // the server is going away
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					answered.Add(1)
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	if c := srv.Stop(t); c != 0 {
		t.Fatalf("exit %d", c)
	}
	close(stop)
	wg.Wait()
	if answered.Load() < 100 {
		t.Fatalf("only %d look-ups answered", answered.Load())
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "precinct.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var stored int64
	if err := db.QueryRow(`SELECT count(*) FROM lookup_audit WHERE kind = 'plate' AND doc->>'query' = 'AAA0000'`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d look-ups answered before the shutdown, %d entries stored", answered.Load(), stored)
	if stored < answered.Load() {
		t.Fatalf("%d look-ups were answered, only %d entries are stored", answered.Load(), stored)
	}
}
