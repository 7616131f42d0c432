// Package schemas publishes the JSON Schemas of vigie's file formats: the
// report (report.json, schema vigie.report/v1) for machines that read
// bundles, and the policy file (vigie.yaml) for editors that check it as
// it is typed. The files live beside this package for linking; they are
// embedded here for programs.
//
// report.schema.json is generated from the Go types and their doc comments
// (go test ./schemas -update); policy.schema.json is written by hand. Both
// are tested against real outputs.
package schemas

import _ "embed"

// Report is the JSON Schema (2020-12) of report.json.
//
//go:embed report.schema.json
var Report []byte

// Policy is the JSON Schema (2020-12) of the policy file (YAML).
//
//go:embed policy.schema.json
var Policy []byte

// Base is where the schemas are published, for $id and editors' links.
const Base = "https://raw.githubusercontent.com/vigie-scan/vigie/main/schemas/"
