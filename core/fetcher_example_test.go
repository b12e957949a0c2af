package auth0kit_test

import (
	"fmt"
	"io"
	"net/http"

	auth0kit "github.com/auth0kit/auth0kit/core"
)

// A handler behind the adapter middleware calls an API as the user. The
// fetcher sends Bearer, or DPoP with a proof when the token is DPoP-bound,
// and refuses any origin but the base URL's.
func ExampleClient_Fetcher() {
	var client *auth0kit.Client // from auth0kit.New, shared by the app
	handler := func(w http.ResponseWriter, r *http.Request) {
		api, err := client.Fetcher(r.Context(), auth0kit.FetcherOptions{
			BaseURL:  "https://api.example.com/v1",
			Audience: "https://api.example.com/",
		})
		if err != nil {
			http.Error(w, "API unavailable", http.StatusInternalServerError)
			return
		}
		resp, err := api.Get("/orders") // https://api.example.com/v1/orders
		if err != nil {
			http.Error(w, "API unavailable", http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		_, _ = io.Copy(w, resp.Body)
	}
	_ = handler
	fmt.Println("ok")
	// Output: ok
}

// GenerateDPoPKey prints a key pair for AUTH0_DPOP_PUBLIC_KEY and
// AUTH0_DPOP_PRIVATE_KEY.
func ExampleGenerateDPoPKey() {
	pub, priv, err := auth0kit.GenerateDPoPKey()
	if err != nil {
		panic(err)
	}
	_, _ = pub, priv // print them into the environment of the app
	fmt.Println(pub[:26])
	// Output: -----BEGIN PUBLIC KEY-----
}
