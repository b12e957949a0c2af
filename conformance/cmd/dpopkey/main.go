// Command dpopkey prints a new ES256 DPoP key pair as the environment
// variables auth0kit reads (AUTH0_DPOP_PUBLIC_KEY, AUTH0_DPOP_PRIVATE_KEY),
// in .env syntax with the PEM newlines written as \n:
//
//	cd conformance && go run ./cmd/dpopkey >> ../.env
package main

import (
	"fmt"
	"os"
	"strings"

	auth0kit "github.com/auth0kit/auth0kit/core"
)

func main() {
	pub, priv, err := auth0kit.GenerateDPoPKey()
	if err != nil {
		fmt.Fprintln(os.Stderr, "dpopkey:", err)
		os.Exit(1)
	}
	oneLine := func(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", `\n`) }
	fmt.Println("AUTH0_USE_DPOP=true")
	fmt.Printf("AUTH0_DPOP_PUBLIC_KEY=\"%s\"\n", oneLine(pub))
	fmt.Printf("AUTH0_DPOP_PRIVATE_KEY=\"%s\"\n", oneLine(priv))
}
