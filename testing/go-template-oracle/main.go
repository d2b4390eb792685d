// go-template-oracle executes Go text/template with Sprig v3 functions (minus env/expandenv, as
// Helm removes them) over a batch of cases, so that the gotemplate crate can compare its output
// with Go's. Stdin: a JSON array of cases; stdout: a JSON array of results, one per case.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/template"
	"time"

	"github.com/Masterminds/sprig"
)

type testCase struct {
	// Templates are parsed in order, each as its own named template of one set (as Helm parses a
	// chart's files); the first is executed unless Execute names another.
	Templates  []namedText      `json:"templates"`
	Execute    string          `json:"execute"`
	Data       json.RawMessage `json:"data"`
	Numbers    string          `json:"numbers"`    // "float64" (encoding/json) or "int" (integers as int, like YAML)
	MissingKey string          `json:"missingkey"` // "", "default", "zero", "error"
	// Repeat > 0 executes the template that many more times and reports the time they took
	// (for benchmarks: execution alone, without parsing, decoding or encoding).
	Repeat int `json:"repeat"`
}

type namedText struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

type result struct {
	Output *string `json:"output,omitempty"`
	Error  *string `json:"error,omitempty"`
	// Phase says where Go failed: "parse" or "execute".
	Phase string `json:"phase,omitempty"`
	// ExecNanos is the time the Repeat executions took.
	ExecNanos int64 `json:"exec_nanos,omitempty"`
}

func funcMap() template.FuncMap {
	m := sprig.TxtFuncMap()
	delete(m, "env")
	delete(m, "expandenv")
	return m
}

func decode(raw json.RawMessage, numbers string) (interface{}, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if numbers == "int" {
		dec.UseNumber()
	}
	var v interface{}
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if numbers == "int" {
		v = convertNumbers(v)
	}
	return v, nil
}

func convertNumbers(v interface{}) interface{} {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return int(i)
		}
		f, _ := x.Float64()
		return f
	case []interface{}:
		for i := range x {
			x[i] = convertNumbers(x[i])
		}
	case map[string]interface{}:
		for k := range x {
			x[k] = convertNumbers(x[k])
		}
	}
	return v
}

func run(c testCase) (res result) {
	fail := func(phase string, err error) result {
		s := err.Error()
		return result{Error: &s, Phase: phase}
	}
	defer func() {
		if r := recover(); r != nil {
			res = fail("execute", fmt.Errorf("panic: %v", r))
		}
	}()
	data, err := decode(c.Data, c.Numbers)
	if err != nil {
		return fail("data", err)
	}
	if len(c.Templates) == 0 {
		return fail("parse", fmt.Errorf("no templates"))
	}
	root := template.New(c.Templates[0].Name).Funcs(funcMap())
	if c.MissingKey != "" {
		root.Option("missingkey=" + c.MissingKey)
	}
	for i, t := range c.Templates {
		var tmpl *template.Template
		if i == 0 {
			tmpl = root
		} else {
			tmpl = root.New(t.Name)
		}
		if _, err := tmpl.Parse(t.Text); err != nil {
			return fail("parse", err)
		}
	}
	name := c.Execute
	if name == "" {
		name = c.Templates[0].Name
	}
	var buf strings.Builder
	if err := root.ExecuteTemplate(&buf, name, data); err != nil {
		return fail("execute", err)
	}
	out := buf.String()
	res = result{Output: &out}
	if c.Repeat > 0 {
		start := time.Now()
		for i := 0; i < c.Repeat; i++ {
			var b strings.Builder
			if err := root.ExecuteTemplate(&b, name, data); err != nil {
				return fail("execute", err)
			}
		}
		res.ExecNanos = time.Since(start).Nanoseconds()
	}
	return res
}

func main() {
	var cases []testCase
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		fmt.Fprintln(os.Stderr, "go-template-oracle: reading cases:", err)
		os.Exit(2)
	}
	results := make([]result, len(cases))
	for i, c := range cases {
		results[i] = run(c)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(results); err != nil {
		fmt.Fprintln(os.Stderr, "go-template-oracle: writing results:", err)
		os.Exit(2)
	}
}
