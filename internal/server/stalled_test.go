package server

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"testing"
)

// stalledPeer accepts connections, reads each request line and never
// answers: a peer that takes a node's connections and holds them.
type stalledPeer struct {
	ln    net.Listener
	mu    sync.Mutex
	paths []string
}

func newStalledPeer(t *testing.T) *stalledPeer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &stalledPeer{ln: ln}
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			conns = append(conns, c)
			s.mu.Unlock()
			go func() {
				line, _ := bufio.NewReader(c).ReadString('\n')
				s.mu.Lock()
				s.paths = append(s.paths, line)
				s.mu.Unlock()
			}()
		}
	}()
	return s
}

// count returns how many requests named path.
func (s *stalledPeer) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, l := range s.paths {
		if strings.Contains(l, " "+path+" ") {
			n++
		}
	}
	return n
}
