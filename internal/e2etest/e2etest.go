// Package e2etest runs the real precinct binary for end-to-end tests: it
// builds the binary once per test binary, starts it on a free loopback port
// with a temporary data directory, waits until /readyz answers, and stops it
// with a signal the way an operator or an orchestrator would.
package e2etest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var build struct {
	once sync.Once
	path string
	err  error
}

// Binary builds ./cmd/precinct once and returns the executable's path.
func Binary(t testing.TB) string {
	t.Helper()
	build.once.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			build.err = err
			return
		}
		dir, err := os.MkdirTemp("", "precinct-bin-")
		if err != nil {
			build.err = err
			return
		}
		build.path = filepath.Join(dir, "precinct")
		cmd := exec.Command("go", "build", "-o", build.path, "-ldflags", "-X main.version=e2e", "./cmd/precinct")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			build.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.path
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside the module")
	}
	return filepath.Dir(gomod), nil
}

// Options adjust one server process.
type Options struct {
	// Env holds PRECINCT_* settings; the caller's own PRECINCT_* variables
	// are never inherited.
	Env map[string]string
	// DataDir is reused when set (to test restarts); otherwise a temporary
	// directory is made and removed afterwards.
	DataDir string
	// Args are extra command-line arguments after "serve".
	Args []string
}

// Server is one running precinct process.
type Server struct {
	URL     string // http://127.0.0.1:PORT
	DataDir string
	cmd     *exec.Cmd
	out     *syncBuffer
	exited  chan struct{}
	exitErr error
}

// Command prepares a precinct process with a clean environment: only the
// given PRECINCT_* settings, plus what Go and the OS need.
func Command(t testing.TB, args []string, env map[string]string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(Binary(t), args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PRECINCT_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	return cmd, out
}

// Start runs `precinct serve` and waits until it is ready.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	dataDir := o.DataDir
	if dataDir == "" {
		d, err := os.MkdirTemp("", "pct-e2e-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(d) })
		dataDir = d
	}
	// The public URL must be known before the start (it goes into OAuth
	// redirects and token issuers), so a free port is picked here; the
	// moment between closing it and the server binding it is the only race.
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"PRECINCT_HTTP_ADDR":  "127.0.0.1:" + port,
		"PRECINCT_PUBLIC_URL": "http://127.0.0.1:" + port,
		"PRECINCT_DATA_DIR":   dataDir,
		"PRECINCT_LOG_FORMAT": "json",
	}
	for k, v := range o.Env {
		env[k] = v
	}
	cmd, out := Command(t, append([]string{"serve"}, o.Args...), env)
	s := &Server{DataDir: dataDir, cmd: cmd, out: out, exited: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.exitErr = cmd.Wait(); close(s.exited) }()
	t.Cleanup(func() {
		if s.Running() {
			s.Stop(t)
		}
		if t.Failed() {
			t.Logf("precinct output:\n%s", s.Output())
		}
	})

	// The server logs the address it really listens on.
	deadline := time.Now().Add(30 * time.Second)
	for s.URL == "" {
		if !s.Running() || time.Now().After(deadline) {
			t.Fatalf("precinct did not start listening:\n%s", s.Output())
		}
		if addr := listenAddr(out.String()); addr != "" {
			s.URL = "http://" + addr
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for {
		res, err := http.Get(s.URL + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		if !s.Running() || time.Now().After(deadline) {
			t.Fatalf("precinct did not become ready:\n%s", s.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	return port, err
}

func listenAddr(logs string) string {
	sc := bufio.NewScanner(strings.NewReader(logs))
	for sc.Scan() {
		var l struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "listening" {
			return l.Addr
		}
	}
	return ""
}

// Running reports whether the process has not exited.
func (s *Server) Running() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// Output is everything the process wrote so far.
func (s *Server) Output() string { return s.out.String() }

// Stop sends SIGTERM and waits for the exit; it returns the exit code.
func (s *Server) Stop(t testing.TB) int { return s.Signal(t, syscall.SIGTERM) }

// Signal sends sig and waits up to 30 s for the exit; it returns the exit
// code.
func (s *Server) Signal(t testing.TB, sig os.Signal) int {
	t.Helper()
	_ = s.cmd.Process.Signal(sig)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		t.Fatalf("precinct did not exit within 30 s of %v", sig)
	}
	return s.cmd.ProcessState.ExitCode()
}

// RunToExit runs precinct with args and env until it exits (within
// timeout), for tests of refused start-ups and one-shot commands. It returns
// the exit code, the combined output and how long it ran.
func RunToExit(t testing.TB, args []string, env map[string]string, timeout time.Duration) (int, string, time.Duration) {
	t.Helper()
	return RunWithInput(t, args, env, "", timeout)
}

// RunWithInput is RunToExit with text on standard input (a password).
func RunWithInput(t testing.TB, args []string, env map[string]string, stdin string, timeout time.Duration) (int, string, time.Duration) {
	t.Helper()
	cmd, out := Command(t, args, env)
	cmd.Stdin = strings.NewReader(stdin)
	start := time.Now()
	code := runToExit(t, cmd, timeout, out)
	return code, out.String(), time.Since(start)
}

// RunSplit is RunToExit with standard output and standard error apart,
// for commands whose output is data (seed's JSON, export's lines).
func RunSplit(t testing.TB, args []string, env map[string]string, timeout time.Duration) (code int, stdout, stderr string) {
	t.Helper()
	cmd, _ := Command(t, args, env)
	var out, errb syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	code = runToExit(t, cmd, timeout, &errb)
	return code, out.String(), errb.String()
}

// runToExit runs cmd to its end and returns its exit code; past timeout it
// is killed and the test fails, showing log.
func runToExit(t testing.TB, cmd *exec.Cmd, timeout time.Duration, log *syncBuffer) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("precinct %v still ran after %v:\n%s", cmd.Args[1:], timeout, log.String())
	}
	return cmd.ProcessState.ExitCode()
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Memory reads the process's peak and current resident memory, in bytes
// (VmHWM and VmRSS of /proc/<pid>/status; Linux only).
func (s *Server) Memory() (peak, now int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		var kb int64
		if _, err := fmt.Sscanf(line, "VmHWM: %d kB", &kb); err == nil {
			peak = kb << 10
		} else if _, err := fmt.Sscanf(line, "VmRSS: %d kB", &kb); err == nil {
			now = kb << 10
		}
	}
	if peak == 0 || now == 0 {
		return 0, 0, fmt.Errorf("no VmHWM or VmRSS in /proc/%d/status", s.cmd.Process.Pid)
	}
	return peak, now, nil
}
