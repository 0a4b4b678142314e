package config

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

func loadSchema(t *testing.T) map[string]any {
	t.Helper()
	var s map[string]any
	if err := json.Unmarshal(Schema(), &s); err != nil {
		t.Fatalf("rtos.schema.json: %v", err)
	}
	return s
}

// at follows a path of property names ("services", "queues", "[]") through
// the schema, resolving $ref.
func at(root map[string]any, path ...string) map[string]any {
	n := root
	for _, p := range path {
		n = resolveRef(root, n)
		if p == "[]" {
			n, _ = n["items"].(map[string]any)
		} else {
			props, _ := n["properties"].(map[string]any)
			n, _ = props[p].(map[string]any)
		}
		if n == nil {
			return nil
		}
	}
	return resolveRef(root, n)
}

func resolveRef(root, n map[string]any) map[string]any {
	for {
		ref, ok := n["$ref"].(string)
		if !ok {
			return n
		}
		defs, _ := root["$defs"].(map[string]any)
		n, _ = defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
	}
}

// TestSchemaMatchesParser: the schema names exactly the fields the parser
// accepts at each level, and states the parser's limits.
func TestSchemaMatchesParser(t *testing.T) {
	root := loadSchema(t)
	for _, c := range []struct {
		path   []string
		fields []string
	}{
		{nil, topFields},
		{[]string{"scheduler"}, schedulerFields},
		{[]string{"stack"}, stackFields},
		{[]string{"threads", "[]"}, threadFields},
		{[]string{"trace"}, traceFields},
		{[]string{"services"}, servicesFields},
		{[]string{"services", "semaphores", "[]"}, semaphoreFields},
		{[]string{"services", "mutexes", "[]"}, mutexFields},
		{[]string{"services", "queues", "[]"}, queueFields},
		{[]string{"services", "events", "[]"}, eventFields},
		{[]string{"services", "timers", "[]"}, timerFields},
	} {
		n := at(root, c.path...)
		props, _ := n["properties"].(map[string]any)
		var got []string
		for k := range props {
			got = append(got, k)
		}
		sort.Strings(got)
		want := slices.Sorted(slices.Values(c.fields))
		if !slices.Equal(got, want) {
			t.Errorf("schema %v has fields %v, the parser %v", c.path, got, want)
		}
		if n["additionalProperties"] != false {
			t.Errorf("schema %v allows unknown fields; the parser refuses them", c.path)
		}
	}
	for _, c := range []struct {
		path []string
		key  string
		want float64
	}{
		{[]string{"threads"}, "maxItems", MaxThreads},
		{[]string{"threads", "[]", "priority"}, "minimum", MinPriority},
		{[]string{"threads", "[]", "priority"}, "maximum", MaxPriority},

		{[]string{"services", "semaphores"}, "maxItems", MaxServices},
		{[]string{"services", "mutexes"}, "maxItems", MaxServices},
		{[]string{"services", "queues"}, "maxItems", MaxServices},
		{[]string{"services", "events"}, "maxItems", MaxServices},
		{[]string{"services", "semaphores", "[]", "initial"}, "maximum", MaxCount},
		{[]string{"services", "queues", "[]", "capacity"}, "maximum", MaxCapacity},
		{[]string{"services", "events", "[]", "initial"}, "maximum", 1<<32 - 1},
	} {
		if got, _ := at(root, c.path...)[c.key].(float64); got != c.want {
			t.Errorf("schema %v %s = %v, the parser's limit is %v", c.path, c.key, got, c.want)
		}
	}
	if ev, _ := at(root, "trace", "events")["anyOf"].([]any); len(ev) != 2 ||
		ev[1].(map[string]any)["minimum"] != float64(MinTraceEvents) || ev[1].(map[string]any)["maximum"] != float64(MaxTraceEvents) {
		t.Errorf("schema trace.events %v, the parser takes 0 or %d to %d", ev, MinTraceEvents, MaxTraceEvents)
	}
	if got := at(root, "threads", "[]", "name")["pattern"]; got != "^[a-z][a-z0-9_]*$" {
		t.Errorf("thread name pattern %v", got)
	}
}

// TestSchemaAgreesOnConfigs validates configs against the schema and parses
// them: the examples pass both, and each broken config fails both.
func TestSchemaAgreesOnConfigs(t *testing.T) {
	root := loadSchema(t)
	examples, _ := filepath.Glob("../../configs/*.yaml")
	if len(examples) == 0 {
		t.Fatal("no example configs")
	}
	opt := Options{SupportedArch: []string{"amd64", "arm64", "riscv64"}, PreemptionArch: []string{"amd64"},
		GCCollectArch: []string{"amd64", "arm64", "riscv64"}}
	for _, ex := range examples {
		data, err := os.ReadFile(ex)
		if err != nil {
			t.Fatal(err)
		}
		if errs := validate(t, root, data); len(errs) > 0 {
			t.Errorf("%s: the schema refuses an example: %v", ex, errs)
		}
		if _, err := Parse(ex, data, opt); err != nil {
			t.Errorf("%s: %v", ex, err)
		}
	}
	for _, bad := range []string{
		"package: p\nthreads: [{name: a, priority: 40}]\n",
		"package: p\nthreads: [{name: A}]\n",
		"package: p\nthreads: [{priority: 1}]\n",
		"package: p\nthreads: [{name: a}]\nstack: {gaurd: true}\n",
		"package: p\nthreads: [{name: a}]\ngc: sometimes\n",
		"package: p\nthreads: [{name: a}]\narch: [s390x]\n",
		"package: p\nthreads: [{name: a}]\nservices: {queues: [{name: q, capacity: 0, type: int}]}\n",
		"package: p\nthreads: [{name: a}]\nservices: {mutexes: [{name: m}]}\n",
		"threads: [{name: a}]\n",
		"package: p\nthreads: [{name: a, stack: 16KB}]\n",
		"package: p\nthreads: [{name: a}]\ntrace: {events: 8}\n",
		"package: p\nthreads: [{name: a}]\ntrace: {size: 8}\n",
	} {
		if errs := validate(t, root, []byte(bad)); len(errs) == 0 {
			t.Errorf("the schema accepts %q, which the parser refuses", bad)
		}
		if _, err := Parse("bad.yaml", []byte(bad), opt); err == nil {
			t.Errorf("the parser accepts %q", bad)
		}
	}
}

// validate checks a YAML document against the subset of JSON Schema that
// rtos.schema.json uses, and lists what fails.
func validate(t *testing.T, root map[string]any, data []byte) []string {
	t.Helper()
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return []string{err.Error()}
	}
	var errs []string
	check(root, root, doc, "", &errs)
	return errs
}

func check(root, s map[string]any, v any, at string, errs *[]string) {
	s = resolveRef(root, s)
	fail := func(format string, args ...any) { *errs = append(*errs, at+": "+fmt.Sprintf(format, args...)) }
	if alts, ok := s["anyOf"].([]any); ok {
		matched := false
		for _, a := range alts {
			var sub []string
			check(root, a.(map[string]any), v, at, &sub)
			matched = matched || len(sub) == 0
		}
		if !matched {
			fail("matches none of anyOf")
		}
	}
	if c, ok := s["const"]; ok && fmt.Sprint(num(v)) != fmt.Sprint(c) {
		fail("is %v, not %v", v, c)
	}
	if e, ok := s["enum"].([]any); ok && !slices.ContainsFunc(e, func(x any) bool { return fmt.Sprint(x) == fmt.Sprint(v) }) {
		fail("%v is not one of %v", v, e)
	}
	switch s["type"] {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			fail("is not an object")
			return
		}
		props, _ := s["properties"].(map[string]any)
		for _, r := range asSlice(s["required"]) {
			if _, ok := m[r.(string)]; !ok {
				fail("%s is required", r)
			}
		}
		for k, x := range m {
			if p, ok := props[k].(map[string]any); ok {
				check(root, p, x, at+"."+k, errs)
			} else if s["additionalProperties"] == false {
				fail("unknown field %s", k)
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			fail("is not an array")
			return
		}
		if n, ok := s["minItems"].(float64); ok && float64(len(a)) < n {
			fail("has %d items, fewer than %v", len(a), n)
		}
		if n, ok := s["maxItems"].(float64); ok && float64(len(a)) > n {
			fail("has %d items, more than %v", len(a), n)
		}
		for i, x := range a {
			if it, ok := s["items"].(map[string]any); ok {
				check(root, it, x, fmt.Sprintf("%s[%d]", at, i), errs)
			}
		}
	case "integer":
		f, ok := num(v).(float64)
		if !ok || f != float64(int64(f)) {
			fail("%v is not an integer", v)
			return
		}
		if n, ok := s["minimum"].(float64); ok && f < n {
			fail("%v is below %v", f, n)
		}
		if n, ok := s["maximum"].(float64); ok && f > n {
			fail("%v is above %v", f, n)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			fail("%v is not a string", v)
			return
		}
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(str) {
			fail("%q does not match %s", str, p)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			fail("%v is not a boolean", v)
		}
	}
}

func num(v any) any {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case uint64:
		return float64(x)
	}
	return v
}

func asSlice(v any) []any { s, _ := v.([]any); return s }
