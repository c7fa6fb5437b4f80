package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// A server is one PostgreSQL server in a temporary directory.
type server struct {
	dir   string // the temporary directory: data/, sock/ and server.log
	port  int
	cred  *syscall.Credential // whom the server runs as, nil: this user
	admin *sql.DB             // connected to the postgres database
}

// startTimeout bounds pg_ctl's wait for the server to accept connections;
// on a loaded two-core machine start-up takes a few seconds.
const startTimeout = 60 * time.Second

func start() (*server, error) {
	dir, err := os.MkdirTemp("", "accord-pg-")
	if err != nil {
		return nil, err
	}
	s := &server{dir: dir}
	if err := s.setup(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

func (s *server) setup() error {
	if err := s.chooseUser(); err != nil {
		return err
	}
	for _, d := range []string{"data", "sock"} {
		if err := s.mkdir(filepath.Join(s.dir, d)); err != nil {
			return err
		}
	}
	if err := s.run("initdb", "-D", s.path("data"), "-U", "accord", "--auth=trust", "--no-locale", "-E", "UTF8", "--no-sync"); err != nil {
		return err
	}
	var err error
	for range 3 { // another process may take the free port first
		if s.port, err = freePort(); err != nil {
			return err
		}
		if err = s.ctl("start"); err == nil {
			break
		}
	}
	if err != nil {
		return err
	}
	s.admin, err = sql.Open("pgx", s.url("postgres"))
	return err
}

// chooseUser picks whom the server runs as: PostgreSQL refuses to run as
// root, so as root it runs as the postgres user, or failing that nobody.
func (s *server) chooseUser() error {
	if os.Geteuid() != 0 {
		return os.Chmod(s.dir, 0o700)
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		return s.mkdir(s.dir)
	}
	return fmt.Errorf("running as root, and no postgres or nobody user to run PostgreSQL as")
}

// mkdir creates dir (if missing) owned by the server's user.
func (s *server) mkdir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if s.cred == nil {
		return nil
	}
	return os.Chown(dir, int(s.cred.Uid), int(s.cred.Gid))
}

func (s *server) path(name string) string { return filepath.Join(s.dir, name) }

// ctl runs pg_ctl: start with the test settings, or stop.
func (s *server) ctl(action string) error {
	if action == "stop" {
		return s.run("pg_ctl", "-D", s.path("data"), "-m", "immediate", "-w", "stop")
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
		s.port, s.path("sock"))
	return s.run("pg_ctl", "-D", s.path("data"), "-l", s.path("server.log"), "-o", opts,
		"-t", strconv.Itoa(int(startTimeout/time.Second)), "-w", "start")
}

func (s *server) run(prog string, args ...string) error {
	bin, err := binary(prog)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*startTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = s.dir
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(s.path("server.log"))
		return fmt.Errorf("%s: %w\n%s%s", prog, err, out, log)
	}
	return nil
}

func (s *server) url(db string) string {
	return fmt.Sprintf("postgres://accord@127.0.0.1:%d/%s?sslmode=disable", s.port, db)
}

func (s *server) stop() {
	if s.admin != nil {
		s.admin.Close()
	}
	s.ctl("stop")
	os.RemoveAll(s.dir)
}

// freePort returns a loopback TCP port nobody listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
