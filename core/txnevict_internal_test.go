package auth0kit

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/auth0kit/auth0kit/core/adapter"
)

// TestTransactionEviction: when the transaction cookies would pass the
// cap, the oldest are deleted first, until the new one fits.
func TestTransactionEviction(t *testing.T) {
	c := newTestClient(t)
	r := httptest.NewRequest(http.MethodGet, "https://app.example.com/auth/login", nil)
	big := strings.Repeat("x", maxTxnCookieBytes/4)
	for i, ts := range []int64{300, 100, 200, 400} { // __txn_1 is the oldest, then __txn_2
		r.AddCookie(&http.Cookie{Name: "__txn_" + strconv.Itoa(i), Value: strconv.FormatInt(ts, 10) + "%3A" + big})
	}
	w := httptest.NewRecorder()
	c.evictTransactions(adapter.NewHTTPExchange(w, r), "__txn_new", 1000)
	var deleted []string
	for _, ck := range (&http.Response{Header: w.Header()}).Cookies() {
		if ck.MaxAge < 0 {
			deleted = append(deleted, ck.Name)
		}
	}
	if len(deleted) != 2 || deleted[0] != "__txn_1" || deleted[1] != "__txn_2" {
		t.Fatalf("evicted %v, want the two oldest", deleted)
	}
	w = httptest.NewRecorder()
	c.evictTransactions(adapter.NewHTTPExchange(w, httptest.NewRequest(http.MethodGet, "https://app.example.com/", nil)), "__txn_new", 1000)
	if len(w.Header()["Set-Cookie"]) != 0 {
		t.Fatal("evicted with room to spare")
	}
}
