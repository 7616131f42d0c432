package browser

import (
	"encoding/json"
	"fmt"
	"time"
)

// validateHAR checks a HAR file against the HAR 1.2 structure (the fields
// the specification requires, with their types), as Chrome DevTools'
// importer reads it.
func validateHAR(data []byte) error {
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	log, ok := doc["log"].(map[string]any)
	if !ok {
		return fmt.Errorf("no log object")
	}
	if log["version"] != "1.2" {
		return fmt.Errorf("log.version %v", log["version"])
	}
	if err := fields(log, "log", "creator", "object", "entries", "array"); err != nil {
		return err
	}
	if err := fields(log["creator"].(map[string]any), "creator", "name", "string", "version", "string"); err != nil {
		return err
	}
	pages := map[string]bool{}
	if ps, ok := log["pages"].([]any); ok {
		for i, p := range ps {
			pm, ok := p.(map[string]any)
			if !ok {
				return fmt.Errorf("pages[%d] not an object", i)
			}
			if err := fields(pm, fmt.Sprintf("pages[%d]", i), "startedDateTime", "date", "id", "string", "title", "string", "pageTimings", "object"); err != nil {
				return err
			}
			pages[pm["id"].(string)] = true
		}
	}
	entries := log["entries"].([]any)
	if len(entries) == 0 {
		return fmt.Errorf("no entries")
	}
	for i, e := range entries {
		em, ok := e.(map[string]any)
		if !ok {
			return fmt.Errorf("entries[%d] not an object", i)
		}
		where := fmt.Sprintf("entries[%d]", i)
		if err := fields(em, where, "startedDateTime", "date", "time", "number", "request", "object", "response", "object", "cache", "object", "timings", "object"); err != nil {
			return err
		}
		if ref, ok := em["pageref"].(string); ok && !pages[ref] {
			return fmt.Errorf("%s.pageref %q names no page", where, ref)
		}
		if err := fields(em["request"].(map[string]any), where+".request", "method", "string", "url", "string", "httpVersion", "string",
			"cookies", "array", "headers", "array", "queryString", "array", "headersSize", "number", "bodySize", "number"); err != nil {
			return err
		}
		resp := em["response"].(map[string]any)
		if err := fields(resp, where+".response", "status", "number", "statusText", "string", "httpVersion", "string",
			"cookies", "array", "headers", "array", "content", "object", "redirectURL", "string", "headersSize", "number", "bodySize", "number"); err != nil {
			return err
		}
		if err := fields(resp["content"].(map[string]any), where+".response.content", "size", "number", "mimeType", "string"); err != nil {
			return err
		}
		tm := em["timings"].(map[string]any)
		if err := fields(tm, where+".timings", "send", "number", "wait", "number", "receive", "number"); err != nil {
			return err
		}
		for _, k := range []string{"send", "wait", "receive"} {
			if tm[k].(float64) < 0 {
				return fmt.Errorf("%s.timings.%s is negative", where, k)
			}
		}
		for _, list := range []string{"headers", "queryString", "cookies"} {
			for j, h := range em["request"].(map[string]any)[list].([]any) {
				hm, ok := h.(map[string]any)
				if !ok {
					return fmt.Errorf("%s.request.%s[%d] not an object", where, list, j)
				}
				if err := fields(hm, where+".request."+list, "name", "string", "value", "string"); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// fields checks that m has each named field with the given JSON type
// (string, number, object, array, date: an ISO 8601 string).
func fields(m map[string]any, where string, spec ...string) error {
	for i := 0; i+1 < len(spec); i += 2 {
		name, typ := spec[i], spec[i+1]
		v, ok := m[name]
		if !ok {
			return fmt.Errorf("%s.%s missing", where, name)
		}
		good := false
		switch typ {
		case "string":
			_, good = v.(string)
		case "number":
			_, good = v.(float64)
		case "object":
			_, good = v.(map[string]any)
		case "array":
			_, good = v.([]any)
		case "date":
			s, isStr := v.(string)
			if isStr {
				_, err := time.Parse(time.RFC3339Nano, s)
				good = err == nil
			}
		}
		if !good {
			return fmt.Errorf("%s.%s: want %s, got %T %v", where, name, typ, v, v)
		}
	}
	return nil
}
