package conformance

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Provider kinds the suite runs against.
const (
	// DevProvider is the in-repo development provider (package devop),
	// with test hooks (tampering, counters, clock).
	DevProvider = "devop"
	// CertifiedProvider is node oidc-provider, OpenID Certified, run from
	// conformance/op on loopback.
	CertifiedProvider = "oidc-provider"
)

// certifiedOP is a running node oidc-provider process.
type certifiedOP struct {
	issuer string
	// tlsIssuer is the HTTPS instance with mutual-TLS client
	// authentication; its server certificate is issued by pki.
	tlsIssuer string
	pki       *testPKI
}

// opDir is conformance/op, found from this source file.
func opDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "op")
}

// startCertified starts node oidc-provider for the lifetime of t. It fails
// the test when node or the npm packages are missing: `npm ci` in
// conformance/op installs them (.ci/run does).
func startCertified(t *testing.T) *certifiedOP {
	t.Helper()
	dir := opDir()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "oidc-provider")); err != nil {
		t.Fatalf("node oidc-provider is not installed: run `npm ci` in %s (%v)", dir, err)
	}
	pki := newTestPKI(t)
	// node starts in about a second; on a machine running many test
	// binaries at once a start was seen to hang, so a second try follows.
	var errs []error
	for range 2 {
		op, err := tryStartCertified(t, dir, pki)
		if err == nil {
			return op
		}
		errs = append(errs, err)
	}
	t.Fatalf("node oidc-provider did not start: %v", errors.Join(errs...))
	return nil
}

// tryStartCertified starts one node process and waits for its READY line;
// on failure the process is stopped.
func tryStartCertified(t *testing.T, dir string, pki *testPKI) (*certifiedOP, error) {
	cmd := exec.Command("node", "server.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "OP_TLS_CERT="+pki.serverCertPEM, "OP_TLS_KEY="+pki.serverKeyPEM, "OP_CLIENT_CA="+pki.caPEM)
	cmd.Stderr = warningFilter{}
	stdin, err := cmd.StdinPipe() // the script exits when this closes
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting node: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	stop := func() {
		_ = stdin.Close()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	ready := make(chan string, 1)
	tlsReady := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			switch line := sc.Text(); {
			case strings.HasPrefix(line, "READY_TLS "):
				tlsReady <- strings.TrimPrefix(line, "READY_TLS ")
			case strings.HasPrefix(line, "READY "):
				ready <- strings.TrimPrefix(line, "READY ")
			}
		}
	}()
	select {
	case issuer := <-ready:
		t.Cleanup(stop)
		op := &certifiedOP{issuer: issuer, pki: pki}
		select { // announced before READY
		case op.tlsIssuer = <-tlsReady:
		default:
		}
		return op, nil
	case <-done:
		stop()
		return nil, fmt.Errorf("node exited before READY: %v", cmd.ProcessState)
	case <-time.After(30 * time.Second):
		stop()
		return nil, errors.New("no READY line within 30 s")
	}
}

// register creates a client for an app at appURL (dynamic client
// registration, RFC 7591) and returns its id and secret.
func (o *certifiedOP) register(t *testing.T, appURL string, reg clientReg) (id, secret string) {
	t.Helper()
	meta := map[string]any{
		"redirect_uris":                       []string{appURL + "/auth/callback", appURL + "/oauth/cb"},
		"post_logout_redirect_uris":           []string{appURL, appURL + "/"},
		"grant_types":                         []string{"authorization_code", "refresh_token"},
		"response_types":                      []string{"code"},
		"token_endpoint_auth_method":          "client_secret_post",
		"backchannel_logout_uri":              appURL + "/auth/backchannel-logout",
		"backchannel_logout_session_required": true,
		"id_token_signed_response_alg":        "RS256",
		"authorization_details_types":         []string{"payment_initiation", "account_information"},
	}
	reg.registration(t, meta)
	body, _ := json.Marshal(meta)
	issuer, hc := o.issuer, http.DefaultClient
	if reg.tls != nil {
		issuer, hc = o.tlsIssuer, &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: o.pki.roots, MinVersion: tls.VersionTLS12}}}
	}
	resp, err := hc.Post(issuer+"/reg", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("client registration: %v", err)
	}
	defer resp.Body.Close()
	var out struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
		Error        string `json:"error"`
		Description  string `json:"error_description"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("client registration: status %d, %v %s %s", resp.StatusCode, err, out.Error, out.Description)
	}
	return out.ClientID, out.ClientSecret
}

// warningFilter passes node's stderr on, minus oidc-provider's start-up
// warnings about development settings (which are the point here).
type warningFilter struct{}

func (warningFilter) Write(p []byte) (int, error) {
	for line := range strings.Lines(string(p)) {
		if !strings.HasPrefix(line, "oidc-provider WARNING") {
			_, _ = os.Stderr.WriteString(line)
		}
	}
	return len(p), nil
}
