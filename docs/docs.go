// Package docs holds Precinct's API description, embedded so that the binary
// serves exactly the document that is in the repository.
package docs

import _ "embed"

// OpenAPI is docs/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte

// Redoc is the vendored Redoc bundle (vendor/redoc) that renders OpenAPI
// at /api/docs.
//
//go:embed vendor/redoc/redoc.standalone.js
var Redoc []byte
