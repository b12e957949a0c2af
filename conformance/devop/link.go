package devop

import (
	"slices"
	"strings"
	"sync"
)

// Account linking, Auth0-style: an authorization request whose scope holds
// link_account (or unlink_account) asks to link (unlink) the identity of
// requested_connection to the user named by id_token_hint, who must be the
// user logging in. The ID tokens issued afterwards carry an "identities"
// claim listing the user's linked identities.

// linkRequest is the link or unlink part of an authorization request.
type linkRequest struct {
	action     string // "link" or "unlink"
	connection string
	connScope  string
	hintSub    string
}

// linkedIdentities are the users' linked connections, by sub.
type linkedIdentities struct {
	mu  sync.Mutex
	set map[string][]string
}

// parseLinkRequest reads the link/unlink parameters of an authorization
// request; nil when the request does not ask to link.
func (p *Provider) parseLinkRequest(scope []string, get func(string) string, clientID string) (*linkRequest, *authzError) {
	link, unlink := slices.Contains(scope, "link_account"), slices.Contains(scope, "unlink_account")
	if !link && !unlink {
		return nil, nil
	}
	if link && unlink {
		return nil, &authzError{"invalid_scope", "link_account and unlink_account cannot be combined"}
	}
	lr := &linkRequest{action: "link", connection: get("requested_connection"), connScope: get("requested_connection_scope")}
	if unlink {
		lr.action = "unlink"
		if lr.connScope != "" {
			return nil, &authzError{"invalid_request", "requested_connection_scope is for link_account only"}
		}
	}
	if lr.connection == "" || !slices.Contains(p.connections, lr.connection) {
		return nil, &authzError{"invalid_request", "requested_connection must name a known connection"}
	}
	hint := get("id_token_hint")
	if hint == "" {
		return nil, &authzError{"invalid_request", "id_token_hint is required to " + lr.action + " an account"}
	}
	if _, reason := p.checkIDTokenHint(hint, clientID); reason != "" {
		return nil, &authzError{"invalid_request", "the id_token_hint is not an ID token of this client"}
	}
	_, claims, _ := p.verifyJWT(hint)
	lr.hintSub, _ = claims["sub"].(string)
	return lr, nil
}

// applyLink links or unlinks for the user sub; it returns an error when the
// hint names another user or an unlinked identity is unlinked.
func (p *Provider) applyLink(lr *linkRequest, sub string) *authzError {
	if lr == nil {
		return nil
	}
	if lr.hintSub != sub {
		return &authzError{"access_denied", "the id_token_hint names another user"}
	}
	p.links.mu.Lock()
	defer p.links.mu.Unlock()
	if p.links.set == nil {
		p.links.set = map[string][]string{}
	}
	cur := p.links.set[sub]
	switch lr.action {
	case "link":
		if !slices.Contains(cur, lr.connection) {
			p.links.set[sub] = append(slices.Clone(cur), lr.connection)
		}
	case "unlink":
		i := slices.Index(cur, lr.connection)
		if i < 0 {
			return &authzError{"invalid_request", "the identity is not linked"}
		}
		p.links.set[sub] = slices.Delete(slices.Clone(cur), i, i+1)
	}
	p.log.Info("devop: account "+lr.action, "sub", sub, "connection", lr.connection, "scope", lr.connScope)
	return nil
}

// identities is the "identities" claim for sub (nil when none is linked).
func (p *Provider) identities(sub string) []map[string]any {
	p.links.mu.Lock()
	defer p.links.mu.Unlock()
	var out []map[string]any
	for _, c := range p.links.set[sub] {
		out = append(out, map[string]any{"connection": c, "provider": c, "user_id": strings.ReplaceAll(sub, "|", "_") + "-" + c})
	}
	return out
}

// LinkedConnections returns the connections linked to the user sub.
func (p *Provider) LinkedConnections(sub string) []string {
	p.links.mu.Lock()
	defer p.links.mu.Unlock()
	return slices.Clone(p.links.set[sub])
}
