package auth0kit

import (
	"context"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Custom token exchange error codes (nextjs-auth0's CustomTokenExchangeError).
const (
	CodeMissingSubjectToken    = "missing_subject_token"
	CodeInvalidSubjectTokenTyp = "invalid_subject_token_type"
	CodeMissingActorTokenType  = "missing_actor_token_type"
	CodeInvalidActorTokenType  = "invalid_actor_token_type"
	CodeExchangeFailed         = "exchange_failed"
)

const grantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"

// CustomTokenExchangeOptions is an RFC 8693 token exchange request.
type CustomTokenExchangeOptions struct {
	SubjectToken     string // required
	SubjectTokenType string // required: a URI of 10–100 characters, e.g. "urn:acme:legacy-token"
	ActorToken       string
	ActorTokenType   string // required with ActorToken
	Audience         string
	Scope            string // merged with "openid profile email offline_access"
	Organization     string
	// AdditionalParams are sent as well; they cannot override the
	// parameters above.
	AdditionalParams map[string]string
}

// TokenExchangeResult is the provider's answer to a token exchange.
type TokenExchangeResult struct {
	AccessToken  string
	IDToken      string
	RefreshToken string
	TokenType    string
	ExpiresIn    time.Duration
	Scope        string
	// Act is the ID token's "act" claim (the actor), when there is one.
	Act json.RawMessage
}

// urnPattern is nextjs-auth0's URN rule for token types.
var urnPattern = regexp.MustCompile(`(?i)^urn:[a-z0-9][a-z0-9-]{0,31}:[a-z0-9()+,\-.:=@;$_!*'%/?#]+$`)

func validTokenTypeURI(s string) bool {
	if urnPattern.MatchString(s) {
		return true
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "") && !strings.ContainsAny(s, " \t\r\n")
}

// reservedExchangeParams cannot be set through AdditionalParams.
var reservedExchangeParams = map[string]bool{
	"grant_type": true, "client_id": true, "client_secret": true, "client_assertion": true,
	"client_assertion_type": true, "subject_token": true, "subject_token_type": true,
	"requested_token_type": true, "actor_token": true, "actor_token_type": true, "audience": true,
	"scope": true, "organization": true, "resource": true,
}

// CustomTokenExchange exchanges an external token for Auth0 tokens (Custom
// Token Exchange, RFC 8693). It creates no session: the caller decides what
// to do with the tokens. The request is validated first, with nextjs-auth0's
// rules and error codes (missing_subject_token, invalid_subject_token_type,
// missing_actor_token_type, invalid_actor_token_type); a provider refusal is
// exchange_failed wrapping its [*OAuthError], or [*MfaRequiredError]. A
// returned ID token is verified like a login's.
func (c *Client) CustomTokenExchange(ctx context.Context, opts CustomTokenExchangeOptions) (*TokenExchangeResult, error) {
	if err := validateTokenExchange(opts); err != nil {
		return nil, err
	}
	p, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	form := url.Values{}
	for k, v := range opts.AdditionalParams {
		if !reservedExchangeParams[k] && v != "" {
			form.Set(k, v)
		}
	}
	form.Set("grant_type", grantTokenExchange)
	form.Set("subject_token", opts.SubjectToken)
	form.Set("subject_token_type", opts.SubjectTokenType)
	scope := mergeScopes(DefaultScope, opts.Scope)
	form.Set("scope", scope)
	if opts.Audience != "" {
		form.Set("audience", opts.Audience)
	}
	if opts.Organization != "" {
		form.Set("organization", opts.Organization)
	}
	if opts.ActorToken != "" {
		form.Set("actor_token", opts.ActorToken)
		form.Set("actor_token_type", opts.ActorTokenType)
	}
	tr, err := c.tokenRequest(ctx, p, form)
	if err != nil {
		return nil, c.tokenError(err, mfaBinding{}, opts.Audience, scope, CodeExchangeFailed, "the token exchange failed")
	}
	res := &TokenExchangeResult{AccessToken: tr.AccessToken, IDToken: tr.IDToken, RefreshToken: tr.RefreshToken,
		TokenType: firstNonEmpty(tr.TokenType, "Bearer"), ExpiresIn: time.Duration(tr.expiresIn()) * time.Second,
		Scope: tr.Scope}
	if tr.IDToken != "" {
		idt, err := c.verifyIDToken(ctx, p, tr.IDToken, idTokenChecks{})
		if err != nil {
			return nil, &Error{Code: CodeExchangeFailed, Message: "the exchanged ID token is invalid", Err: err}
		}
		res.Act = idt.claims["act"]
	}
	return res, nil
}

func validateTokenExchange(o CustomTokenExchangeOptions) error {
	fail := func(code, msg string) error { return &Error{Code: code, Message: msg} }
	st := o.SubjectToken
	switch {
	case strings.TrimSpace(st) == "":
		return fail(CodeMissingSubjectToken, "the subject_token is required and cannot be empty")
	case st != strings.TrimSpace(st) || strings.HasPrefix(strings.ToLower(st), "bearer "):
		return fail(CodeMissingSubjectToken, "the subject_token must be the bare token, without whitespace or a Bearer prefix")
	case len(o.SubjectTokenType) < 10:
		return fail(CodeInvalidSubjectTokenTyp, "the subject_token_type must be at least 10 characters")
	case len(o.SubjectTokenType) > 100:
		return fail(CodeInvalidSubjectTokenTyp, "the subject_token_type must be at most 100 characters")
	case !validTokenTypeURI(o.SubjectTokenType):
		return fail(CodeInvalidSubjectTokenTyp, "the subject_token_type must be a valid URI (URL or URN format)")
	case o.ActorToken != "" && o.ActorTokenType == "":
		return fail(CodeMissingActorTokenType, "actor_token_type is required when actor_token is provided")
	case o.ActorTokenType != "" && !validTokenTypeURI(o.ActorTokenType):
		return fail(CodeInvalidActorTokenType, "the actor_token_type must be a valid URI (URL or URN format)")
	}
	return nil
}
