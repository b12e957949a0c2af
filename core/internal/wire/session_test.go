package wire

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestUserClaim(t *testing.T) {
	u := User{
		Sub: "auth0|1", Name: "Jane", EmailVerified: true,
		Extra: map[string]json.RawMessage{
			"updated_at": json.RawMessage(`"2026-01-01T00:00:00.000Z"`),
			"roles":      json.RawMessage(`["a","b"]`),
			"nickname":   json.RawMessage(`""`),
			"name":       json.RawMessage(`"shadowed"`),
		},
	}
	var s string
	if err := u.Claim("sub", &s); err != nil || s != "auth0|1" {
		t.Errorf("sub: %q %v", s, err)
	}
	if err := u.Claim("name", &s); err != nil || s != "Jane" {
		t.Errorf("name (typed wins): %q %v", s, err)
	}
	if err := u.Claim("nickname", &s); err != nil || s != "" {
		t.Errorf("nickname from Extra: %q %v", s, err)
	}
	if err := u.Claim("updated_at", &s); err != nil || s != "2026-01-01T00:00:00.000Z" {
		t.Errorf("updated_at: %q %v", s, err)
	}
	var roles []string
	if err := u.Claim("roles", &roles); err != nil || !reflect.DeepEqual(roles, []string{"a", "b"}) {
		t.Errorf("roles: %v %v", roles, err)
	}
	var b bool
	if err := u.Claim("email_verified", &b); err != nil || !b {
		t.Errorf("email_verified: %v %v", b, err)
	}
	var anyV any
	if err := u.Claim("email_verified", &anyV); err != nil || anyV != true {
		t.Errorf("email_verified any: %v %v", anyV, err)
	}
	if err := u.Claim("name", &anyV); err != nil || anyV != "Jane" {
		t.Errorf("name any: %v %v", anyV, err)
	}
	if err := u.Claim("email", &s); !errors.Is(err, ErrClaimNotFound) {
		t.Errorf("missing email: %v", err)
	}
	if err := u.Claim("nope", &s); !errors.Is(err, ErrClaimNotFound) {
		t.Errorf("missing claim: %v", err)
	}
	var n int
	if err := u.Claim("roles", &n); err == nil {
		t.Error("type mismatch not reported")
	}
	// sub is always present, even when empty.
	var empty User
	if err := empty.Claim("sub", &s); err != nil || s != "" {
		t.Errorf("empty sub: %q %v", s, err)
	}
}

func TestUserClaimsAndJSON(t *testing.T) {
	u := User{
		Sub: "s", Name: "n", Nickname: "nn", GivenName: "g", FamilyName: "f", Picture: "p", Email: "e", EmailVerified: true, OrgID: "o",
		Extra: map[string]json.RawMessage{"x": json.RawMessage(`{"y":[1,null]}`), "email": json.RawMessage(`"shadowed"`)},
	}
	want := map[string]any{
		"sub": "s", "name": "n", "nickname": "nn", "given_name": "g", "family_name": "f", "picture": "p",
		"email": "e", "email_verified": true, "org_id": "o", "x": map[string]any{"y": []any{1.0, nil}},
	}
	if got := u.Claims(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Claims = %#v", got)
	}
	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	var g map[string]any
	if err := json.Unmarshal(b, &g); err != nil || !reflect.DeepEqual(g, want) {
		t.Fatalf("MarshalJSON = %s (%v)", b, err)
	}
	// Pointer and embedded use go through MarshalJSON too.
	b2, _ := json.Marshal(struct{ U *User }{&u})
	if string(b2) != `{"U":`+string(b)+`}` {
		t.Fatalf("embedded: %s", b2)
	}

	var back User
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	u.Extra = map[string]json.RawMessage{"x": json.RawMessage(`{"y":[1,null]}`)}
	if !reflect.DeepEqual(back, u) {
		t.Fatalf("UnmarshalJSON = %#v", back)
	}
	if err := json.Unmarshal([]byte(`{"sub":1,"email_verified":false}`), &back); err != nil {
		t.Fatal(err)
	}
	if back.Sub != "" || string(back.Extra["sub"]) != "1" || string(back.Extra["email_verified"]) != "false" {
		t.Fatalf("UnmarshalJSON odd types = %#v", back)
	}
	if err := back.UnmarshalJSON([]byte(`{"sub":`)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("bad JSON: %v", err)
	}
	// Claims of a user with a non-string sub and a false email_verified.
	if c := back.Claims(); c["sub"] != 1.0 || c["email_verified"] != false || len(c) != 2 {
		t.Fatalf("Claims = %#v", c)
	}
	// Empty user: {"sub":""}.
	if b, _ := json.Marshal(User{}); string(b) != `{"sub":""}` {
		t.Fatalf("empty user: %s", b)
	}
}
