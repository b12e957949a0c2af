package storetest

import (
	"testing"

	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// testCase is one behaviour of the suite.
type testCase struct {
	name string
	fn   func(t *testing.T, s sessionstore.Store)
}

// cases run one after the other, each on a store of its own.
var cases = []testCase{
	{"GetSetDelete", testGetSetDelete},
	{"UnknownID", testUnknownID},
	{"Overwrite", testOverwrite},
	{"OverwriteChangesSIDAndSub", testOverwriteChangesSIDAndSub},
	{"PastExpiry", testPastExpiry},
	{"LargeSession", testLargeSession},
	{"EveryFieldRoundTrips", testEveryFieldRoundTrips},
	{"IndependentCopies", testIndependentCopies},
	{"ExactMatch", testExactMatch},
	{"ConcurrentWriters", testConcurrentWriters},
	{"DeleteBySID", testDeleteBySID},
	{"DeleteBySub", testDeleteBySub},
	{"DeleteBySIDAndSub", testDeleteBySIDAndSub},
	{"DeleteByUnknown", testDeleteByUnknown},
	{"DeleteByEmptyClaims", testDeleteByEmptyClaims},
	{"DeleteByOtherDomainsToken", testDeleteByOtherDomainsToken},
	{"ContextCancelled", testContextCancelled},
	{"Lister/ListsOnlyTheUsersSessions", testListSessions},
	{"Lister/FollowsChanges", testListFollowsChanges},
	{"Lister/ContextCancelled", testListCancelled},
	{"Revocation/SID", testRevokeSID},
	{"Revocation/Sub", testRevokeSub},
	{"Revocation/SIDAndSub", testRevokeSIDAndSub},
	{"Revocation/KeepsLatest", testRevokeKeepsLatest},
	{"Revocation/PastUntil", testRevokePastUntil},
	{"Revocation/ContextCancelled", testRevokeCancelled},
	{"Locker/MutualExclusion", testLockMutualExclusion},
	{"Locker/IndependentKeys", testLockIndependentKeys},
	{"Locker/CancelWhileWaiting", testLockCancelWhileWaiting},
	{"Locker/UnlockTwice", testLockUnlockTwice},
	{"ReplayCache/MarkOnce", testReplayMarkOnce},
	{"ReplayCache/Concurrent", testReplayConcurrent},
	{"ReplayCache/ContextCancelled", testReplayCancelled},
}

// expiryCases wait for real time to pass; they run in parallel with each
// other so the suite waits at most about 1.7 s for all of them.
var expiryCases = []testCase{
	{"Session", testExpirySession},
	{"Revocation", testExpiryRevocation},
	{"Lock", testExpiryLock},
	{"ReplayCache", testExpiryReplay},
}

// Run runs the conformance suite against the stores made by newStore,
// which is called once per case (with that case's t, so it may register
// cleanups) and must return a working store. The cases use unique ids,
// sids and subs, so the stores may share a backend. Parts that need an
// optional interface ([sessionstore.Lister], [sessionstore.RevocationList],
// [sessionstore.Locker], [sessionstore.ReplayCache]) are skipped when the store does not implement it.
//
// What the suite requires, beyond the [sessionstore.Store] contract:
//   - Get returns (nil, nil) for unknown, deleted and expired ids, and a
//     session equal (reflect.DeepEqual) to the one stored, including every
//     field, custom Extra keys and 64 KiB of Extra; changing the session
//     passed to Set or returned by Get does not change the stored one;
//   - ids, sids and subs match exactly (case and spaces count);
//   - Set with an expiresAt in the past removes the session; a session is
//     readable until expiresAt and gone at most one second after it;
//   - DeleteByLogoutToken removes the sessions matching the sid, the sub,
//     or both, and nothing else (a session that remembers its custom domain
//     only for a token of its own issuer); empty claims remove nothing;
//   - a cancelled context makes every method fail with an error matching
//     [auth0kit.ErrSessionStore] or [context.Canceled], writing nothing;
//   - ListSessions lists the user's live sessions and only those;
//   - Revoke(sid) revokes that provider session; Revoke(sub) revokes the
//     sub's sessions created at or before at; Revoke(sid and sub) only the
//     sid; entries live until until, keep the latest at, and are not
//     written when until has passed;
//   - Lock excludes other holders of the key (and only of that key) until
//     unlock or ttl, returns when ctx ends while waiting, and a stale
//     unlock never releases another holder's lock;
//   - MarkUsed reports first exactly once per key (also under concurrent
//     calls) until the mark's until has passed; Used sees the mark.
func Run(t *testing.T, newStore func(t *testing.T) sessionstore.Store) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.fn(t, newStore(t))
		})
	}
	t.Run("Expiry", func(t *testing.T) {
		for _, c := range expiryCases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				c.fn(t, newStore(t))
			})
		}
	})
}
