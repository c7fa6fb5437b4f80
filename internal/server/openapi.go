package server

import (
	_ "embed"
	"net/http"
)

// openapi is the OpenAPI document of Handler's routes; TestOpenAPI checks
// it lists exactly the routes the handler serves.
//
//go:embed openapi.json
var openapi []byte

func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openapi)
}
