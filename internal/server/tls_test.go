package server

import (
	"accord/internal/node"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTLS runs two parties under newstart over HTTPS with certificates
// the operators supply (tls_cert, tls_key) and a CA each trusts for its
// peers (tls_ca): the nodes follow, acknowledge and cosign each other as
// over HTTP, and a client that does not trust the CA, or speaks plain
// HTTP, gets nothing.
func TestTLS(t *testing.T) {
	ps := testNetwork(t, "newstart", useTLS, "USA", "RUS")
	usa := ps[0]
	_, err := http.Get(usa.url() + "log/checkpoint")
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("GET without the CA: %v, want an unknown authority error", err)
	}
	resp, err := http.Get("http://" + usa.addr + "/log/checkpoint")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("plain HTTP to the TLS listener: %s", resp.Status)
		}
	}
}

// useTLS issues each node a certificate for its loopback address from one
// test CA, configures every node to serve with it and to trust the CA,
// and points every peer at its https URL.
func useTLS(t *testing.T, ps []*proc) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "accord test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	for i, p := range ps {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(int64(2 + i)), Subject: pkix.Name{CommonName: p.party + " node"},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
			IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
			KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(p.dir, "tls")
		os.MkdirAll(dir, 0o700)
		for name, b := range map[string][]byte{
			"ca.pem":   caPEM,
			"cert.pem": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
			"key.pem":  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		} {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		p.tls = &tls.Config{RootCAs: pool}
	}
	for _, p := range ps {
		p.configure(func(c *node.Config) {
			c.TLSCert, c.TLSKey, c.TLSCA = "tls/cert.pem", "tls/key.pem", "tls/ca.pem"
			for i := range c.Peers {
				for _, q := range ps {
					if q.party == c.Peers[i].Party {
						c.Peers[i].URL = q.url()
					}
				}
				if !strings.HasPrefix(c.Peers[i].URL, "https://") {
					t.Fatalf("peer %s: %s", c.Peers[i].Party, c.Peers[i].URL)
				}
			}
		})
	}
}
