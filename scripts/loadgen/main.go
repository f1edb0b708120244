// Command loadgen sends GET requests to a Precinct server on this machine
// from a fixed number of workers for a fixed time, and prints throughput,
// latency percentiles and status counts. It refuses any target that is not
// loopback: load is only ever aimed at a server of our own.
//
//	go run ./scripts/loadgen -url http://127.0.0.1:8080/healthz -c 32 -d 10s
//	go run ./scripts/loadgen -url http://127.0.0.1:8080/api/auth/tablet-login -bodies logins.jsonl -c 32 -d 20s
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	target := flag.String("url", "http://127.0.0.1:8080/healthz", "URL to GET (loopback only)")
	conc := flag.Int("c", 32, "concurrent workers (1-1024)")
	dur := flag.Duration("d", 10*time.Second, "how long to run (at most 5m)")
	header := flag.String("H", "", `one extra header, "Name: value"`)
	bodies := flag.String("bodies", "", "POST the lines of this file as JSON bodies, one per request, in turn (a login flood over many accounts)")
	flag.Parse()
	method, lines := http.MethodGet, []string(nil)
	if *bodies != "" {
		b, err := os.ReadFile(*bodies)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(2)
		}
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
		method = http.MethodPost
	}
	var next atomic.Uint64

	u, err := url.Parse(*target)
	if err != nil || !isLoopback(u.Hostname()) {
		fmt.Fprintln(os.Stderr, "loadgen: -url must be an http URL on loopback (127.0.0.0/8, ::1 or localhost)")
		os.Exit(2)
	}
	if *conc < 1 || *conc > 1024 || *dur <= 0 || *dur > 5*time.Minute {
		fmt.Fprintln(os.Stderr, "loadgen: -c must be 1-1024 and -d at most 5m")
		os.Exit(2)
	}
	var hName, hValue string
	if *header != "" {
		for i := 0; i < len(*header); i++ {
			if (*header)[i] == ':' {
				hName, hValue = (*header)[:i], trim((*header)[i+1:])
				break
			}
		}
	}

	tr := &http.Transport{MaxIdleConnsPerHost: *conc, MaxConnsPerHost: *conc}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), *dur)
	defer cancel()

	var mu sync.Mutex
	var lat []time.Duration
	status := map[int]int{}
	errs := 0
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < *conc; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			myStatus := map[int]int{}
			myErrs := 0
			for ctx.Err() == nil {
				var body io.Reader
				if len(lines) > 0 {
					body = strings.NewReader(lines[next.Add(1)%uint64(len(lines))])
				}
				req, _ := http.NewRequestWithContext(ctx, method, *target, body)
				if body != nil {
					req.Header.Set("Content-Type", "application/json")
				}
				if hName != "" {
					req.Header.Set(hName, hValue)
				}
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						myErrs++
					}
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				mine = append(mine, time.Since(t0))
				myStatus[res.StatusCode]++
			}
			mu.Lock()
			lat = append(lat, mine...)
			for k, v := range myStatus {
				status[k] += v
			}
			errs += myErrs
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	fmt.Printf("url=%s concurrency=%d duration=%s\n", *target, *conc, elapsed.Round(time.Millisecond))
	fmt.Printf("requests=%d rps=%.0f errors=%d statuses=%v\n", len(lat), float64(len(lat))/elapsed.Seconds(), errs, status)
	fmt.Printf("latency p50=%s p90=%s p99=%s max=%s\n", pct(.50), pct(.90), pct(.99), pct(1))
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func trim(s string) string {
	for len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	return s
}
