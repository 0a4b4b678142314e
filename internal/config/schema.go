package config

import _ "embed"

// schema is the config's JSON Schema (draft 2020-12), for editors: completion
// and validation of rtos.yaml as it is typed. The parser is the authority;
// schema_test.go keeps the two in step (fields, limits, the examples).
//
//go:embed rtos.schema.json
var schema []byte

// Schema returns the JSON Schema of the config (gthreadgen -schema prints it).
func Schema() []byte { return append([]byte(nil), schema...) }
