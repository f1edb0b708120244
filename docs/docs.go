// Package docs holds Precinct's API description, embedded so that the binary
// serves exactly the document that is in the repository.
package docs

import _ "embed"

// OpenAPI is docs/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte
