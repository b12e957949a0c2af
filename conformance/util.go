package conformance

import (
	"net/netip"
	"net/url"
)

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
