package redistest

// Real redis-server processes for tests that need to stop, kill and restart
// servers, or a Cluster or Sentinel deployment to fail over: things a shared
// server (redistest.URL) or miniredis cannot do.
//
// Every process runs in a process group of its own, so a kill also takes any
// fork (BGSAVE, AOF rewrite) with it. t.Cleanup kills each process by PID and
// removes its directory, and Main does the same for anything left over. No
// parent-death signal: Linux sends it when the thread that started the
// process exits, and Go retires threads, which killed restarted servers
// mid-test.

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	// readyTimeout bounds how long a process may take to answer PING.
	readyTimeout = 10 * time.Second
	// stopTimeout bounds how long Stop waits after SIGTERM before it kills.
	stopTimeout = 10 * time.Second
	// settleTimeout bounds the waits that have no deadline of the caller's:
	// forming a cluster, sentinels finding each other, a failover.
	settleTimeout = 30 * time.Second
	// busOffset is the distance from a cluster node's port to its bus port.
	busOffset = 10000
	// clusterSlots is the number of hash slots in a Redis Cluster.
	clusterSlots = 16384
)

// errPortInUse marks a start that failed because another process took the
// port between pickPort and the server's bind; launch then tries another.
var errPortInUse = errors.New("port already in use")

// live is every Server whose process may be running, for stopAll.
var live struct {
	sync.Mutex
	m map[*Server]struct{}
}

// stopAll kills every process this package started and removes their
// directories. Main calls it, so servers die even if a cleanup did not run.
func stopAll() {
	live.Lock()
	all := make([]*Server, 0, len(live.m))
	for s := range live.m {
		all = append(all, s)
	}
	live.Unlock()
	for _, s := range all {
		s.teardown()
	}
}

// ports remembers every port handed out (bus ports included), so two servers
// of one binary never get the same one while neither has bound it yet.
var ports struct {
	sync.Mutex
	taken map[int]bool
}

// The range pickPort draws from; with bus, port+busOffset stays below 32768.
const (
	portLow  = 12000
	portHigh = 32768 - busOffset
)

// pickPort returns a free loopback port not handed out before. With bus it
// also makes sure port+10000, where a cluster node listens for its bus, is
// free.
func pickPort(bus bool) (int, error) {
	ports.Lock()
	defer ports.Unlock()
	if ports.taken == nil {
		ports.taken = map[int]bool{}
	}
	var lastErr error
	for i := 0; i < 200; i++ {
		// Below the kernel's ephemeral range (32768 and up on Linux), and
		// the bus port too: while a server is stopped, the clients dialing
		// it get ephemeral local ports, and one could land on its port (a
		// TCP self-connect, or a bind that keeps it from coming back).
		p := portLow + rand.IntN(portHigh-portLow)
		if ports.taken[p] {
			continue
		}
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			lastErr = err
			continue
		}
		l.Close()
		if bus {
			b := p + busOffset
			if b > 65535 || ports.taken[b] {
				continue
			}
			l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(b))
			if err != nil {
				lastErr = err
				continue
			}
			l.Close()
			ports.taken[b] = true
		}
		ports.taken[p] = true
		return p, nil
	}
	return 0, fmt.Errorf("redistest: no free port (bus port too: %v) after 200 tries: %v", bus, lastErr)
}

// Server is one redis-server (or sentinel) process on a 127.0.0.1 port and
// in a temporary directory of its own. Both stay the same across Stop, Kill
// and Start, so a restarted server finds its data (AOF, RDB, nodes.conf).
type Server struct {
	t    testing.TB
	port int
	dir  string
	argv []string // the whole command line; Start reuses it

	mu     sync.Mutex
	cmd    *exec.Cmd     // nil when not started or stopped
	done   chan struct{} // closed once cmd has exited and been reaped
	client *redis.Client
	gone   bool // torn down: never start again
}

// StartServer starts a redis-server on a free port, with args (for example
// "--appendonly", "yes") after the package's defaults (no RDB snapshots, no
// AOF), and waits until it answers PING. t's cleanup kills it and removes its
// directory.
func StartServer(t testing.TB, args ...string) *Server {
	t.Helper()
	s, err := launch(t, false, func(port int, dir string) ([]string, error) {
		return serverArgv(port, dir, args)
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// serverArgv is the redis-server command line for port and dir, then extra;
// on the command line a later directive overrides an earlier one.
func serverArgv(port int, dir string, extra []string) ([]string, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("redistest: redis-server: %w", err)
	}
	argv := []string{bin,
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--dir", dir, "--logfile", filepath.Join(dir, "redis.log"), "--daemonize", "no",
		"--save", "", "--appendonly", "no",
	}
	return append(argv, extra...), nil
}

// launch makes a Server on a new port (with its bus port free when bus) and
// directory, using argv for its command line, and starts it. It tries other
// ports when the chosen one was taken before the server could bind it.
func launch(t testing.TB, bus bool, argv func(port int, dir string) ([]string, error)) (*Server, error) {
	t.Helper()
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := pickPort(bus)
		if err != nil {
			return nil, err
		}
		dir, err := os.MkdirTemp("", "redistest-"+strconv.Itoa(port)+"-")
		if err != nil {
			return nil, fmt.Errorf("redistest: temp dir: %w", err)
		}
		s := &Server{t: t, port: port, dir: dir}
		live.Lock()
		if live.m == nil {
			live.m = map[*Server]struct{}{}
		}
		live.m[s] = struct{}{}
		live.Unlock()
		if s.argv, err = argv(port, dir); err != nil {
			s.teardown()
			return nil, err
		}
		t.Cleanup(func() {
			s.mu.Lock()
			gone := s.gone
			s.mu.Unlock()
			if t.Failed() && !gone {
				t.Logf("redistest: %s (%s) log tail:\n%s", s.Addr(), filepath.Base(s.argv[0]), s.logTail(15))
			}
			s.teardown()
		})
		if lastErr = s.start(); lastErr == nil {
			return s, nil
		}
		s.teardown()
		if !errors.Is(lastErr, errPortInUse) {
			break
		}
	}
	return nil, lastErr
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Port is the server's TCP port; it does not change across restarts.
func (s *Server) Port() int { return s.port }

// Dir is the server's working directory (data, config and logs).
func (s *Server) Dir() string { return s.dir }

// PID is the running process's ID, or 0 when it is not running.
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || exited(s.done) {
		return 0
	}
	return s.cmd.Process.Pid
}

// running reports whether the process is up (it may not answer yet).
func (s *Server) running() bool { return s.PID() != 0 }

// Stop shuts the server down with SIGTERM, as an orderly shutdown would
// (the AOF is flushed), and waits for it to exit; after stopTimeout it is
// killed and the test fails.
func (s *Server) Stop() {
	if err := s.halt(syscall.SIGTERM); err != nil {
		s.t.Error(err)
	}
}

// Kill kills the server with SIGKILL, as a crash would (nothing is flushed),
// and waits for it to exit.
func (s *Server) Kill() {
	if err := s.halt(syscall.SIGKILL); err != nil {
		s.t.Error(err)
	}
}

// Start restarts a stopped or killed server on the same port and directory
// with the same arguments and waits until it answers PING. It does nothing
// to a running server. Like t.Fatal, call it from the test's goroutine.
func (s *Server) Start() {
	s.t.Helper()
	if err := s.start(); err != nil {
		s.t.Fatal(err)
	}
}

// Client is a go-redis client on the server, shared by callers and closed
// by t's cleanup. It reconnects by itself after a restart.
func (s *Server) Client() *redis.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client == nil {
		s.client = redis.NewClient(&redis.Options{
			Addr:                  s.Addr(),
			DialTimeout:           2 * time.Second,
			ContextTimeoutEnabled: true,
		})
	}
	return s.client
}

func (s *Server) start() error {
	s.mu.Lock()
	if s.gone {
		s.mu.Unlock()
		return fmt.Errorf("redistest: start %s: server was torn down", s.Addr())
	}
	if s.cmd != nil && !exited(s.done) {
		s.mu.Unlock()
		return nil
	}
	// stdout and stderr catch what the server says before it opens its
	// logfile, such as a bad argument.
	out, err := os.OpenFile(filepath.Join(s.dir, "output.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("redistest: start %s: %w", s.Addr(), err)
	}
	cmd := exec.Command(s.argv[0], s.argv[1:]...)
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = cmd.Start()
	out.Close()
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("redistest: start %s: %w", strings.Join(s.argv, " "), err)
	}
	done := make(chan struct{})
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	go func() {
		cmd.Wait()
		close(done)
	}()
	return s.waitReady(done)
}

// waitReady waits until the server answers PING (not LOADING), or fails
// with the end of its log when it exits or readyTimeout passes.
func (s *Server) waitReady(done chan struct{}) error {
	c := redis.NewClient(&redis.Options{
		Addr: s.Addr(), DialTimeout: time.Second, ReadTimeout: time.Second,
		MaxRetries: -1, PoolSize: 1,
	})
	defer c.Close()
	deadline := time.Now().Add(readyTimeout)
	var lastErr error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		lastErr = c.Ping(ctx).Err()
		cancel()
		if lastErr == nil {
			return nil
		}
		select {
		case <-done:
			tail := s.logTail(20)
			err := fmt.Errorf("redistest: %s exited before answering PING; log tail:\n%s", strings.Join(s.argv, " "), tail)
			if strings.Contains(tail, "Address already in use") {
				err = fmt.Errorf("%w: %w", errPortInUse, err)
			}
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
	s.halt(syscall.SIGKILL)
	return fmt.Errorf("redistest: %s did not answer PING within %v (last error: %v); log tail:\n%s",
		strings.Join(s.argv, " "), readyTimeout, lastErr, s.logTail(20))
}

// halt sends sig to the process and waits for it to exit. The SIGKILL goes
// to the whole process group, so forked children die too.
func (s *Server) halt(sig syscall.Signal) error {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	pid := cmd.Process.Pid
	var err error
	if !exited(done) {
		if sig == syscall.SIGKILL {
			syscall.Kill(-pid, syscall.SIGKILL)
		} else {
			cmd.Process.Signal(sig)
		}
		select {
		case <-done:
		case <-time.After(stopTimeout):
			syscall.Kill(-pid, syscall.SIGKILL)
			select {
			case <-done:
			case <-time.After(stopTimeout):
				return fmt.Errorf("redistest: %s (pid %d) still running %v after SIGKILL", s.Addr(), pid, stopTimeout)
			}
			err = fmt.Errorf("redistest: %s (pid %d) did not exit within %v of %v; killed it", s.Addr(), pid, stopTimeout, sig)
		}
	}
	// Children outliving their parent (a BGSAVE fork, say) go too.
	syscall.Kill(-pid, syscall.SIGKILL)
	s.mu.Lock()
	if s.cmd == cmd {
		s.cmd, s.done = nil, nil
	}
	s.mu.Unlock()
	return err
}

// teardown kills the process, closes the client and removes the directory.
// It is idempotent; nothing can start the server afterwards.
func (s *Server) teardown() {
	s.mu.Lock()
	s.gone = true
	s.mu.Unlock()
	s.halt(syscall.SIGKILL)
	s.mu.Lock()
	c := s.client
	s.client = nil
	s.mu.Unlock()
	if c != nil {
		c.Close()
	}
	os.RemoveAll(s.dir)
	live.Lock()
	delete(live.m, s)
	live.Unlock()
}

// logTail is the last n lines of the server's logfile and of what it wrote
// to stdout and stderr.
func (s *Server) logTail(n int) string {
	var b strings.Builder
	for _, name := range []string{"redis.log", "output.log"} {
		data, err := os.ReadFile(filepath.Join(s.dir, name))
		if err != nil || len(strings.TrimSpace(string(data))) == 0 {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		if len(lines) > n {
			lines = lines[len(lines)-n:]
		}
		fmt.Fprintf(&b, "--- %s\n%s\n", name, strings.Join(lines, "\n"))
	}
	if b.Len() == 0 {
		return "(no log output)"
	}
	return b.String()
}

func exited(done chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// poll calls check every 100 ms until it returns nil or ctx ends; the error
// then says what was awaited and what check last found wrong.
func poll(ctx context.Context, what string, check func(ctx context.Context) error) error {
	for {
		cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		err := check(cctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("redistest: %s: %w (last check: %v)", what, ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// bounded gives ctx the deadline d when it has none, so no wait is endless.
func bounded(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}

// infoField is the value of key in an INFO or CLUSTER INFO reply.
func infoField(info, key string) string {
	for _, line := range strings.Split(info, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && k == key {
			return v
		}
	}
	return ""
}

// role is the first element of the node's ROLE reply: "master", "slave" or
// "sentinel".
func role(ctx context.Context, c *redis.Client) (string, error) {
	r, err := c.Do(ctx, "ROLE").Slice()
	if err != nil {
		return "", err
	}
	if len(r) == 0 {
		return "", fmt.Errorf("empty ROLE reply")
	}
	name, ok := r[0].(string)
	if !ok {
		return "", fmt.Errorf("ROLE reply starts with %T", r[0])
	}
	return name, nil
}

// byPort finds the server among nodes listening on addr's port (all of them
// are on 127.0.0.1, and Redis may report the host differently).
func byPort(nodes []*Server, addr string) (*Server, error) {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("redistest: address %q: %w", addr, err)
	}
	for _, s := range nodes {
		if strconv.Itoa(s.port) == p {
			return s, nil
		}
	}
	return nil, fmt.Errorf("redistest: %s is none of this deployment's servers", addr)
}

// Cluster is a Redis Cluster of six nodes on 127.0.0.1: three masters with
// a replica each, node timeout 1 s so a failover takes a couple of seconds.
type Cluster struct {
	nodes []*Server

	mu     sync.Mutex
	client *redis.ClusterClient
}

// StartCluster starts six cluster-enabled redis-servers (with AOF), joins
// them with redis-cli --cluster create, one replica per master, and waits
// until every node reports cluster_state:ok with all 16384 slots served and
// every master has a replica in sync.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Fatalf("redistest: redis-cli: %v", err)
	}
	c := &Cluster{}
	for i := 0; i < 6; i++ {
		s, err := launch(t, true, func(port int, dir string) ([]string, error) {
			return serverArgv(port, dir, []string{
				"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
				"--cluster-node-timeout", "1000",
				// Fail over whatever the replica's data age: the default
				// factor can veto promotion on a slow test machine.
				"--cluster-replica-validity-factor", "0",
				"--appendonly", "yes",
				// Replicas sync at once, not after the default 5 s delay.
				"--repl-diskless-sync-delay", "0",
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		c.nodes = append(c.nodes, s)
	}
	t.Cleanup(c.close)

	ctx, cancel := context.WithTimeout(context.Background(), settleTimeout)
	defer cancel()
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", "1", "--cluster-yes")
	out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("redistest: redis-cli %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if err := poll(ctx, "cluster to form", func(ctx context.Context) error { return c.check(ctx, true) }); err != nil {
		t.Fatal(err)
	}
	return c
}

// Addrs is every node's host:port, masters and replicas alike.
func (c *Cluster) Addrs() []string {
	addrs := make([]string, len(c.nodes))
	for i, s := range c.nodes {
		addrs[i] = s.Addr()
	}
	return addrs
}

// Nodes is the six servers, in the order of Addrs.
func (c *Cluster) Nodes() []*Server { return append([]*Server(nil), c.nodes...) }

// Masters is the running nodes that answer ROLE as masters, by port.
func (c *Cluster) Masters(ctx context.Context) ([]*Server, error) {
	var masters []*Server
	var errs []error
	for _, s := range c.nodes {
		if !s.running() {
			continue
		}
		r, err := role(ctx, s.Client())
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.Addr(), err))
			continue
		}
		if r == "master" {
			masters = append(masters, s)
		}
	}
	if len(masters) == 0 {
		return nil, fmt.Errorf("redistest: no cluster node answers as master: %w", errors.Join(errs...))
	}
	sort.Slice(masters, func(i, j int) bool { return masters[i].port < masters[j].port })
	return masters, nil
}

// KillMasterOf SIGKILLs the master that owns key's hash slot (per CLUSTER
// KEYSLOT and CLUSTER SLOTS on a running node) and returns it.
func (c *Cluster) KillMasterOf(ctx context.Context, key string) (*Server, error) {
	m, err := c.masterOf(ctx, key)
	if err != nil {
		return nil, err
	}
	m.Kill()
	return m, nil
}

func (c *Cluster) masterOf(ctx context.Context, key string) (*Server, error) {
	var errs []error
	for _, s := range c.nodes {
		if !s.running() {
			continue
		}
		slot, err := s.Client().ClusterKeySlot(ctx, key).Result()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: CLUSTER KEYSLOT: %w", s.Addr(), err))
			continue
		}
		slots, err := s.Client().ClusterSlots(ctx).Result()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: CLUSTER SLOTS: %w", s.Addr(), err))
			continue
		}
		for _, r := range slots {
			if int64(r.Start) <= slot && slot <= int64(r.End) && len(r.Nodes) > 0 {
				return byPort(c.nodes, r.Nodes[0].Addr)
			}
		}
		return nil, fmt.Errorf("redistest: %s: no master serves slot %d of %q", s.Addr(), slot, key)
	}
	return nil, fmt.Errorf("redistest: find the master of %q: %w", key, errors.Join(errs...))
}

// WaitHealthy waits (30 s unless ctx has a deadline) until every running
// node reports cluster_state:ok and maps all 16384 slots to running masters,
// as after a failover, then refreshes Client's slot map so it uses the new
// masters at once. It does not wait for replicas: a promoted replica has
// none until its old master comes back.
func (c *Cluster) WaitHealthy(ctx context.Context) error {
	ctx, cancel := bounded(ctx, settleTimeout)
	defer cancel()
	return poll(ctx, "cluster to be healthy", func(ctx context.Context) error {
		if err := c.check(ctx, false); err != nil {
			return err
		}
		c.mu.Lock()
		cc := c.client
		c.mu.Unlock()
		if cc == nil {
			return nil
		}
		// ForEachMaster reloads the slot map before it runs.
		return cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
			return m.Ping(ctx).Err()
		})
	})
}

// check says what keeps the cluster from being healthy: a running node not
// ok, a slot not served by a running master or, with replicas, a master
// without a replica whose link is up.
func (c *Cluster) check(ctx context.Context, replicas bool) error {
	var run []*Server
	for _, s := range c.nodes {
		if s.running() {
			run = append(run, s)
		}
	}
	if len(run) == 0 {
		return fmt.Errorf("no node is running")
	}
	for _, s := range run {
		info, err := s.Client().ClusterInfo(ctx).Result()
		if err != nil {
			return fmt.Errorf("%s: CLUSTER INFO: %w", s.Addr(), err)
		}
		if st := infoField(info, "cluster_state"); st != "ok" {
			return fmt.Errorf("%s: cluster_state:%s", s.Addr(), st)
		}
		if ok := infoField(info, "cluster_slots_ok"); ok != strconv.Itoa(clusterSlots) {
			return fmt.Errorf("%s: cluster_slots_ok:%s", s.Addr(), ok)
		}
		slots, err := s.Client().ClusterSlots(ctx).Result()
		if err != nil {
			return fmt.Errorf("%s: CLUSTER SLOTS: %w", s.Addr(), err)
		}
		covered := 0
		for _, r := range slots {
			if len(r.Nodes) == 0 {
				return fmt.Errorf("%s: slots %d-%d have no master", s.Addr(), r.Start, r.End)
			}
			m, err := byPort(c.nodes, r.Nodes[0].Addr)
			if err != nil {
				return err
			}
			if !m.running() {
				return fmt.Errorf("%s: slots %d-%d still on %s, which is down", s.Addr(), r.Start, r.End, m.Addr())
			}
			covered += r.End - r.Start + 1
		}
		if covered != clusterSlots {
			return fmt.Errorf("%s: CLUSTER SLOTS covers %d slots", s.Addr(), covered)
		}
	}
	if !replicas {
		return nil
	}
	synced := map[string]int{} // master port -> replicas with link up
	var masters []*Server
	for _, s := range run {
		r, err := role(ctx, s.Client())
		if err != nil {
			return fmt.Errorf("%s: ROLE: %w", s.Addr(), err)
		}
		if r == "master" {
			masters = append(masters, s)
			continue
		}
		info, err := s.Client().Info(ctx, "replication").Result()
		if err != nil {
			return fmt.Errorf("%s: INFO replication: %w", s.Addr(), err)
		}
		if infoField(info, "master_link_status") == "up" {
			synced[infoField(info, "master_port")]++
		}
	}
	for _, m := range masters {
		if synced[strconv.Itoa(m.port)] == 0 {
			return fmt.Errorf("master %s has no replica in sync", m.Addr())
		}
	}
	return nil
}

// Client is a go-redis cluster client on all the nodes, shared by callers
// and closed by t's cleanup.
func (c *Cluster) Client() *redis.ClusterClient {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.client == nil {
		c.client = redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs(), DialTimeout: 2 * time.Second})
	}
	return c.client
}

func (c *Cluster) close() {
	c.mu.Lock()
	cc := c.client
	c.client = nil
	c.mu.Unlock()
	if cc != nil {
		cc.Close()
	}
}

// masterName is the name the sentinels monitor the master under.
const masterName = "mymaster"

// Sentinel is a master with two replicas watched by three sentinels (quorum
// 2, down after 1 s), so tests can kill the master and see a failover.
type Sentinel struct {
	data      []*Server // the master as started, then the two replicas
	sentinels []*Server
	sclients  []*redis.SentinelClient // one per sentinel, same order

	mu     sync.Mutex
	client *redis.Client
}

// StartSentinel starts the master, two replicas (--replicaof) and three
// sentinels (redis-sentinel when on PATH, else redis-server --sentinel),
// each sentinel with a sentinel.conf in its directory, which it rewrites.
// It waits until the replicas are in sync and every sentinel sees the
// master, both replicas and the two other sentinels.
func StartSentinel(t testing.TB) *Sentinel {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), settleTimeout)
	defer cancel()
	sn := &Sentinel{}
	// Replicas sync at once, not after the default 5 s delay.
	common := []string{"--repl-diskless-sync-delay", "0"}
	master := StartServer(t, common...)
	sn.data = append(sn.data, master)
	for i := 0; i < 2; i++ {
		args := append([]string{"--replicaof", "127.0.0.1", strconv.Itoa(master.port)}, common...)
		sn.data = append(sn.data, StartServer(t, args...))
	}
	// Sentinels learn the replicas from the master's INFO, so let them
	// attach first.
	err := poll(ctx, "replicas to sync", func(ctx context.Context) error {
		for _, r := range sn.data[1:] {
			info, err := r.Client().Info(ctx, "replication").Result()
			if err != nil {
				return fmt.Errorf("%s: INFO replication: %w", r.Addr(), err)
			}
			if st := infoField(info, "master_link_status"); st != "up" {
				return fmt.Errorf("%s: master_link_status:%s", r.Addr(), st)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	for i := 0; i < 3; i++ {
		s, err := launch(t, false, func(port int, dir string) ([]string, error) {
			return sentinelArgv(port, dir, master.port)
		})
		if err != nil {
			t.Fatal(err)
		}
		sn.sentinels = append(sn.sentinels, s)
		sn.sclients = append(sn.sclients, redis.NewSentinelClient(&redis.Options{
			Addr: s.Addr(), DialTimeout: 2 * time.Second, ContextTimeoutEnabled: true,
		}))
	}
	t.Cleanup(sn.close)

	err = poll(ctx, "sentinels to see the deployment", func(ctx context.Context) error {
		for i, sc := range sn.sclients {
			addr, err := sc.GetMasterAddrByName(ctx, masterName).Result()
			if err != nil {
				return fmt.Errorf("sentinel %s: GET-MASTER-ADDR-BY-NAME: %w", sn.sentinels[i].Addr(), err)
			}
			if len(addr) != 2 || addr[1] != strconv.Itoa(master.port) {
				return fmt.Errorf("sentinel %s: master is %v, want port %d", sn.sentinels[i].Addr(), addr, master.port)
			}
			reps, err := sc.Replicas(ctx, masterName).Result()
			if err != nil {
				return fmt.Errorf("sentinel %s: SENTINEL REPLICAS: %w", sn.sentinels[i].Addr(), err)
			}
			up := 0
			for _, r := range reps {
				if r["flags"] == "slave" {
					up++
				}
			}
			if up != 2 {
				return fmt.Errorf("sentinel %s: %d of %d replicas up: %v", sn.sentinels[i].Addr(), up, len(reps), reps)
			}
			peers, err := sc.Sentinels(ctx, masterName).Result()
			if err != nil {
				return fmt.Errorf("sentinel %s: SENTINEL SENTINELS: %w", sn.sentinels[i].Addr(), err)
			}
			if len(peers) != 2 {
				return fmt.Errorf("sentinel %s: sees %d other sentinels", sn.sentinels[i].Addr(), len(peers))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sn
}

// sentinelArgv writes dir/sentinel.conf and returns the command line that
// runs a sentinel on it.
func sentinelArgv(port int, dir string, masterPort int) ([]string, error) {
	conf := filepath.Join(dir, "sentinel.conf")
	text := fmt.Sprintf(`port %d
bind 127.0.0.1
daemonize no
dir %s
logfile %s
sentinel monitor %s 127.0.0.1 %d 2
sentinel down-after-milliseconds %[4]s 1000
sentinel failover-timeout %[4]s 5000
sentinel parallel-syncs %[4]s 1
`, port, dir, filepath.Join(dir, "redis.log"), masterName, masterPort)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		return nil, fmt.Errorf("redistest: write %s: %w", conf, err)
	}
	if bin, err := exec.LookPath("redis-sentinel"); err == nil {
		return []string{bin, conf}, nil
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("redistest: neither redis-sentinel nor redis-server on PATH: %w", err)
	}
	return []string{bin, conf, "--sentinel"}, nil
}

// MasterName is the name the sentinels know the master by.
func (sn *Sentinel) MasterName() string { return masterName }

// SentinelAddrs is the three sentinels' host:port.
func (sn *Sentinel) SentinelAddrs() []string {
	addrs := make([]string, len(sn.sentinels))
	for i, s := range sn.sentinels {
		addrs[i] = s.Addr()
	}
	return addrs
}

// Sentinels is the three sentinel processes, in the order of SentinelAddrs.
func (sn *Sentinel) Sentinels() []*Server { return append([]*Server(nil), sn.sentinels...) }

// Data is the master as started and its two replicas, whatever their roles
// now.
func (sn *Sentinel) Data() []*Server { return append([]*Server(nil), sn.data...) }

// Master is the current master, per the first running sentinel that answers
// SENTINEL GET-MASTER-ADDR-BY-NAME.
func (sn *Sentinel) Master(ctx context.Context) (*Server, error) {
	addr, err := sn.masterAddr(ctx)
	if err != nil {
		return nil, err
	}
	return byPort(sn.data, addr)
}

func (sn *Sentinel) masterAddr(ctx context.Context) (string, error) {
	var errs []error
	for i, sc := range sn.sclients {
		if !sn.sentinels[i].running() {
			continue
		}
		a, err := sc.GetMasterAddrByName(ctx, masterName).Result()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", sn.sentinels[i].Addr(), err))
			continue
		}
		if len(a) != 2 {
			errs = append(errs, fmt.Errorf("%s: GET-MASTER-ADDR-BY-NAME says %v", sn.sentinels[i].Addr(), a))
			continue
		}
		return net.JoinHostPort(a[0], a[1]), nil
	}
	return "", fmt.Errorf("redistest: ask the sentinels for %s: %w", masterName, errors.Join(errs...))
}

// KillMaster SIGKILLs the current master and returns it.
func (sn *Sentinel) KillMaster(ctx context.Context) (*Server, error) {
	m, err := sn.Master(ctx)
	if err != nil {
		return nil, err
	}
	m.Kill()
	return m, nil
}

// Failover asks a running sentinel to fail over now (SENTINEL FAILOVER),
// with no master down; WaitMasterChange tells when it is done.
func (sn *Sentinel) Failover(ctx context.Context) error {
	for i, sc := range sn.sclients {
		if !sn.sentinels[i].running() {
			continue
		}
		if err := sc.Failover(ctx, masterName).Err(); err != nil {
			return fmt.Errorf("redistest: SENTINEL FAILOVER %s on %s: %w", masterName, sn.sentinels[i].Addr(), err)
		}
		return nil
	}
	return fmt.Errorf("redistest: SENTINEL FAILOVER %s: no sentinel running", masterName)
}

// WaitMasterChange waits (30 s unless ctx has a deadline) until every
// running sentinel names the same master other than old (a host:port) and
// that server answers ROLE as master, and returns its address.
func (sn *Sentinel) WaitMasterChange(ctx context.Context, old string) (string, error) {
	ctx, cancel := bounded(ctx, settleTimeout)
	defer cancel()
	var addr string
	err := poll(ctx, "master to change from "+old, func(ctx context.Context) error {
		seen := ""
		for i, sc := range sn.sclients {
			if !sn.sentinels[i].running() {
				continue
			}
			a, err := sc.GetMasterAddrByName(ctx, masterName).Result()
			if err != nil {
				return fmt.Errorf("sentinel %s: %w", sn.sentinels[i].Addr(), err)
			}
			if len(a) != 2 {
				return fmt.Errorf("sentinel %s: GET-MASTER-ADDR-BY-NAME says %v", sn.sentinels[i].Addr(), a)
			}
			got := net.JoinHostPort(a[0], a[1])
			if got == old {
				return fmt.Errorf("sentinel %s: master still %s", sn.sentinels[i].Addr(), got)
			}
			if seen != "" && got != seen {
				return fmt.Errorf("sentinels disagree: %s and %s", seen, got)
			}
			seen = got
		}
		if seen == "" {
			return fmt.Errorf("no sentinel running")
		}
		m, err := byPort(sn.data, seen)
		if err != nil {
			return err
		}
		r, err := role(ctx, m.Client())
		if err != nil {
			return fmt.Errorf("%s: ROLE: %w", seen, err)
		}
		if r != "master" {
			return fmt.Errorf("%s: ROLE is %s", seen, r)
		}
		addr = seen
		return nil
	})
	return addr, err
}

// Client is a go-redis failover client (through the sentinels) on the
// master, shared by callers and closed by t's cleanup.
func (sn *Sentinel) Client() *redis.Client {
	sn.mu.Lock()
	defer sn.mu.Unlock()
	if sn.client == nil {
		sn.client = redis.NewFailoverClient(&redis.FailoverOptions{
			MasterName: masterName, SentinelAddrs: sn.SentinelAddrs(), DialTimeout: 2 * time.Second,
		})
	}
	return sn.client
}

func (sn *Sentinel) close() {
	sn.mu.Lock()
	c := sn.client
	sn.client = nil
	sn.mu.Unlock()
	if c != nil {
		c.Close()
	}
	for _, sc := range sn.sclients {
		sc.Close()
	}
}

// Proxy is a TCP proxy in front of a server, for fault tests: it can slow
// the traffic down, stall it as a hung network would, or cut connections.
type Proxy struct {
	target  string
	ln      net.Listener
	latency atomic.Int64 // time.Duration added to each chunk
	wg      sync.WaitGroup

	mu     sync.Mutex
	closed bool
	paused bool
	resume chan struct{} // closed by Resume, remade by Pause
	conns  map[*proxyConn]struct{}
}

// proxyConn is one client connection and its connection to the target.
type proxyConn struct {
	client, server net.Conn
	once           sync.Once
	done           chan struct{} // closed by close
}

func (pc *proxyConn) close() {
	pc.once.Do(func() {
		close(pc.done)
		pc.client.Close()
		pc.server.Close()
	})
}

// chunk is bytes read from one side, to be written to the other at due.
type chunk struct {
	b   []byte
	due time.Time
}

// NewProxy listens on a free 127.0.0.1 port and forwards every connection
// to target. t's cleanup closes it.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("redistest: proxy to %s: listen: %v", target, err)
	}
	p := &Proxy{target: target, ln: ln, resume: make(chan struct{}), conns: map[*proxyConn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.Close)
	return p
}

// Addr is the host:port clients should connect to instead of the target.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// SetLatency delays every chunk forwarded, either way, by d from when the
// proxy read it; order is kept. Zero turns the delay off.
func (p *Proxy) SetLatency(d time.Duration) { p.latency.Store(int64(d)) }

// Pause stalls the network: connections are still accepted and bytes still
// read, but nothing is forwarded either way until Resume.
func (p *Proxy) Pause() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.paused {
		p.paused = true
		p.resume = make(chan struct{})
	}
}

// Resume forwards what Pause held back, in order, and traffic flows again.
func (p *Proxy) Resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.paused {
		p.paused = false
		close(p.resume)
	}
}

// Drop closes every open connection, both sides, as a network cut would.
// New connections are accepted as before.
func (p *Proxy) Drop() {
	p.mu.Lock()
	conns := make([]*proxyConn, 0, len(p.conns))
	for pc := range p.conns {
		conns = append(conns, pc)
	}
	p.mu.Unlock()
	for _, pc := range conns {
		pc.close()
	}
}

// Close stops listening, drops every connection and waits for the proxy's
// goroutines to end.
func (p *Proxy) Close() {
	p.mu.Lock()
	first := !p.closed
	p.closed = true
	p.mu.Unlock()
	if first {
		p.ln.Close()
	}
	p.Drop()
	p.wg.Wait()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond) // out of file descriptors, say
			continue
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

// serve connects client to the target and forwards both ways until either
// side ends or the connection is dropped.
func (p *Proxy) serve(client net.Conn) {
	defer p.wg.Done()
	server, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		client.Close()
		return
	}
	pc := &proxyConn{client: client, server: server, done: make(chan struct{})}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		pc.close()
		return
	}
	p.conns[pc] = struct{}{}
	p.mu.Unlock()

	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.pipe(pc, client, server) }()
	go func() { defer wg.Done(); p.pipe(pc, server, client) }()
	wg.Wait()

	p.mu.Lock()
	delete(p.conns, pc)
	p.mu.Unlock()
}

// pipe forwards src to dst. A reader queues chunks with the time they are
// due; this goroutine writes them in order, holding each until it is due
// and the proxy is not paused. The bounded queue pushes back on the sender
// as a full TCP window would. When either side ends, both are closed.
func (p *Proxy) pipe(pc *proxyConn, src, dst net.Conn) {
	q := make(chan chunk, 64)
	go func() {
		defer close(q)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				select {
				case q <- chunk{b: buf[:n], due: time.Now().Add(time.Duration(p.latency.Load()))}:
				case <-pc.done:
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	for ch := range q {
		if !p.hold(pc, ch.due) {
			break
		}
		if _, err := dst.Write(ch.b); err != nil {
			break
		}
	}
	pc.close()
	for range q { // until the reader has seen the close and gone
	}
}

// hold waits until due and until the proxy is not paused; false means the
// connection was closed meanwhile.
func (p *Proxy) hold(pc *proxyConn, due time.Time) bool {
	for {
		p.mu.Lock()
		paused, resume := p.paused, p.resume
		p.mu.Unlock()
		if paused {
			select {
			case <-resume:
				continue
			case <-pc.done:
				return false
			}
		}
		d := time.Until(due)
		if d <= 0 {
			return true
		}
		timer := time.NewTimer(d)
		select {
		case <-timer.C:
		case <-pc.done:
			timer.Stop()
			return false
		}
	}
}
