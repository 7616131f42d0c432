package schemas

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// reportSchema compiles the report schema once.
var reportSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Report))
	if err != nil {
		return nil, fmt.Errorf("report.schema.json: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(Base+"report.schema.json", doc); err != nil {
		return nil, fmt.Errorf("report.schema.json: %w", err)
	}
	return c.Compile(Base + "report.schema.json")
})

// maxProblems bounds the problems ValidateReport names.
const maxProblems = 3

// ValidateReport checks a report.json against the published report schema
// and returns an error naming, on one line, where and how it departs from
// it (the first few problems); nil when it conforms.
func ValidateReport(data []byte) error {
	s, err := reportSchema()
	if err != nil {
		return err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	err = s.Validate(doc)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	var problems []string
	var leaves func(*jsonschema.ValidationError)
	leaves = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			problems = append(problems, strings.Join(strings.Fields(e.Error()), " "))
		}
		for _, c := range e.Causes {
			leaves(c)
		}
	}
	leaves(ve)
	msg := strings.Join(problems[:min(len(problems), maxProblems)], "; ")
	if n := len(problems) - maxProblems; n > 0 {
		msg += fmt.Sprintf("; and %d more", n)
	}
	return fmt.Errorf("does not conform to %s: %s", "report.schema.json", msg)
}
