// Starts node oidc-provider (OpenID Certified) on 127.0.0.1 for auth0kit's
// conformance suite. It prints "READY <issuer>" once listening and exits
// when stdin closes (so the Go test that spawned it never leaks it).
//
// Settings that make it behave like Auth0 where auth0kit relies on it:
//   - clients register dynamically (POST /reg), one per scenario;
//   - profile and email claims go into the ID token (conformIdTokenClaims off);
//   - refresh tokens rotate on every use (reuse revokes the grant);
//   - offline_access needs no explicit prompt=consent (added server-side:
//     oidc-provider drops offline_access without it, Auth0 does not);
//   - back-channel logout may call loopback URIs (its SSRF guard replaced).
import { generateKeyPairSync, randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import Provider, { errors } from 'oidc-provider';

// RAR_API is the resource server of Rich Authorization Requests.
const RAR_API = 'https://rar.example.com/';

const port = Number(process.env.OP_PORT || process.argv[2] || 0);

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'conformance-key', use: 'sig', alg: 'RS256' };

function account(id) {
  const email = String(id).toLowerCase();
  const local = email.split('@')[0];
  const [given, family] = local.split('.');
  const cap = (s) => (s ? s[0].toUpperCase() + s.slice(1) : undefined);
  return {
    accountId: id,
    async claims() {
      return {
        sub: id,
        email,
        email_verified: true,
        name: local,
        nickname: local,
        given_name: cap(given),
        family_name: cap(family),
        picture: 'https://example.invalid/avatar.png',
        updated_at: 1767225600,
      };
    },
  };
}

// mtls configures RFC 8705 client authentication for the HTTPS instance:
// the TLS socket asks for a certificate (verified against OP_CLIENT_CA
// but not required), and tls_client_auth compares the subject DN in
// RFC 2253 order (as Go's pkix.Name.String prints it).
const mtls = {
  enabled: true,
  tlsClientAuth: true,
  selfSignedTlsClientAuth: true,
  // Access and refresh tokens of mTLS clients are bound to the
  // certificate (cnf x5t#S256): a refresh must present the same one.
  certificateBoundAccessTokens: true,
  getCertificate(ctx) {
    const cert = ctx.socket.getPeerCertificate?.();
    if (!cert || !cert.raw) return undefined;
    return `-----BEGIN CERTIFICATE-----\n${cert.raw.toString('base64')}\n-----END CERTIFICATE-----`;
  },
  certificateAuthorized: (ctx) => ctx.socket.authorized === true,
  certificateSubjectMatches(ctx, property, expected) {
    if (property !== 'tls_client_auth_subject_dn') return false;
    const raw = ctx.socket.getPeerCertificate().raw;
    return new X509Certificate(raw).subject.split('\n').reverse().join(',') === expected;
  },
};

function start(issuer, server, tls = false) {
  const provider = new Provider(issuer, {
    jwks: { keys: [jwk] },
    cookies: { keys: ['conformance-cookie-key-0123456789'] },
    findAccount: (_ctx, id) => account(id),
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'nickname', 'given_name', 'family_name', 'picture', 'updated_at'],
    },
    conformIdTokenClaims: false,
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    features: {
      devInteractions: { enabled: true },
      // A client may choose its id and secret ("mcd-…"): the mcd/
      // scenarios register one app at two instances, as one Auth0 tenant
      // serves it on two custom domains.
      registration: {
        enabled: true,
        idFactory: (ctx) => (/^mcd-[\w-]{8,64}$/.test(String(ctx.oidc.body?.client_id)) ? ctx.oidc.body.client_id : randomUUID()),
        secretFactory: async (ctx) => (/^mcd-[\w-]{8,64}$/.test(String(ctx.oidc.body?.client_id)) && typeof ctx.oidc.body.client_secret === 'string'
          ? ctx.oidc.body.client_secret : randomBytes(64).toString('base64url')),
      },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      backchannelLogout: { enabled: true },
      // PAR (RFC 9126) is on by default; clients may register
      // require_pushed_authorization_requests.
      pushedAuthorizationRequests: { enabled: true },
      mTLS: tls ? mtls : { enabled: false },
      // DPoP (RFC 9449): clients registered with client_name "dpop-nonce"
      // must put a server nonce in their proofs.
      dPoP: {
        enabled: true,
        nonceSecret: randomBytes(32),
        requireNonce: (ctx) => ctx.oidc?.client?.clientName === 'dpop-nonce',
      },
      // Token introspection, for the conformance resource server to read
      // an opaque access token's DPoP binding (cnf.jkt).
      introspection: { enabled: true },
      // CIBA in poll mode, Auth0-style: the login_hint is
      // {"format":"iss_sub","iss":…,"sub":…}, and the simulated user
      // approves (with the requested authorization_details) after 1.2 s.
      ciba: {
        enabled: true,
        deliveryModes: ['poll'],
        processLoginHint(_ctx, loginHint) {
          try {
            const hint = JSON.parse(loginHint);
            if (hint.format === 'iss_sub' && typeof hint.sub === 'string') return hint.sub;
          } catch { /* a plain account id */ }
          return loginHint;
        },
        validateBindingMessage() {},
        validateRequestContext() {},
        verifyUserCode() {},
        async triggerAuthenticationDevice(ctx, request, account, client) {
          const { provider } = ctx.oidc;
          const raw = ctx.oidc.params.authorization_details;
          const rar = raw ? JSON.parse(raw) : undefined;
          setTimeout(async () => {
            const grant = new provider.Grant({ clientId: client.clientId, accountId: account.accountId });
            grant.addOIDCScope(request.scope);
            for (const detail of rar ?? []) grant.addRar(detail);
            await grant.save();
            await provider.backchannelResult(request, grant, { rar });
          }, 1200);
        },
      },
      // Rich Authorization Requests (RFC 9396): the types auth0kit's
      // scenarios use; what the user consented to is what is granted.
      richAuthorizationRequests: {
        enabled: true,
        types: {
          payment_initiation: { validate() {} },
          account_information: { validate() {} },
        },
        authorizationDetailsForGrantSource: (ctx) => ctx.oidc.grant?.rar,
        authorizationDetailsForAccessToken: (_ctx, _token, source) => source?.rar,
        authorizationDetailsForIntrospection: (_ctx, token) => token.rar,
      },
      // oidc-provider wants a resource with authorization_details; the
      // app sends none (Auth0 has no resource parameter), so one is
      // defaulted for RAR requests only.
      resourceIndicators: {
        enabled: true,
        defaultResource: (ctx, _client, oneOf) => oneOf
          ?? (ctx.oidc.params?.authorization_details !== undefined ? RAR_API : undefined),
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== RAR_API) throw new errors.InvalidTarget();
          return { scope: 'payments', audience: RAR_API, accessTokenFormat: 'opaque' };
        },
      },
    },
    clientAuthMethods: [
      'client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none',
      ...(tls ? ['tls_client_auth', 'self_signed_tls_client_auth'] : []),
    ],
    pkce: { required: () => true },
    rotateRefreshToken: () => true,
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
    ttl: { AccessToken: 3600, IdToken: 3600, RefreshToken: 86400 * 14, Session: 86400, Interaction: 600, Grant: 86400 * 14 },
    fetch: (url, options) => {
      delete options.dispatcher; // loopback back-channel logout URIs are the point here
      return globalThis.fetch(url, options);
    },
    renderError(ctx, out) {
      ctx.type = 'json';
      ctx.body = out;
    },
  });
  provider.proxy = false;
  provider.use(async (ctx, next) => {
    if (ctx.path === '/auth' && ctx.method === 'GET') {
      const q = new URLSearchParams(ctx.querystring);
      const scope = q.get('scope') || '';
      const prompt = (q.get('prompt') || '').split(' ').filter(Boolean);
      if (scope.split(' ').includes('offline_access') && !prompt.includes('consent') && !prompt.includes('none')) {
        prompt.push('consent');
        q.set('prompt', prompt.join(' '));
        ctx.querystring = q.toString();
      }
    }
    await next();
  });
  server.on('request', provider.callback());
  return provider;
}

import { createServer } from 'node:http';
import { createServer as createTLSServer } from 'node:https';

// With OP_TLS_CERT, OP_TLS_KEY and OP_CLIENT_CA (PEM texts), a second
// instance serves HTTPS with mutual-TLS client authentication; its issuer
// is announced first, as "READY_TLS <issuer>".
function startTLS(done) {
  const { OP_TLS_CERT: cert, OP_TLS_KEY: key, OP_CLIENT_CA: ca } = process.env;
  if (!cert || !key || !ca) return done();
  const tlsServer = createTLSServer({ cert, key, ca, requestCert: true, rejectUnauthorized: false });
  tlsServer.listen(0, '127.0.0.1', () => {
    const issuer = `https://127.0.0.1:${tlsServer.address().port}`;
    start(issuer, tlsServer, true);
    process.stdout.write(`READY_TLS ${issuer}\n`);
    done();
  });
}

const server = createServer();
server.listen(port, '127.0.0.1', () => {
  const { port: actual } = server.address();
  const issuer = `http://127.0.0.1:${actual}`;
  start(issuer, server);
  startTLS(() => process.stdout.write(`READY ${issuer}\n`));
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
