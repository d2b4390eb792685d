//! Ferry's text/template + Sprig against Go's: a table of hand-written templates covering every
//! action and function class, each run by both; outputs must be equal, errors equal in text.

mod oracle;

use oracle::{Case, NamedText};
use serde_json::json;

fn c(text: &str, data: serde_json::Value) -> Case {
    Case::new(text, data)
}

fn ints(mut case: Case) -> Case {
    case.numbers = "int".into();
    case
}

fn mk(mut case: Case, mk: &str) -> Case {
    case.missingkey = mk.into();
    case
}

fn with_defs(text: &str, defs: &[(&str, &str)], data: serde_json::Value) -> Case {
    let mut case = Case::new(text, data);
    for (name, body) in defs {
        case.templates.push(NamedText { name: name.to_string(), text: body.to_string() });
    }
    case
}

fn data() -> serde_json::Value {
    json!({
        "s": "Hello, World", "e": "", "n": 3, "f": 1.5, "big": 1000000, "neg": -7, "t": true, "no": false,
        "list": ["b", "a", "c", "a"], "nums": [3, 1, 2], "empty": [], "nil": null,
        "m": {"x": 1, "y": "why", "z": {"deep": "down"}, "l": [1, 2]},
        "users": [{"name": "ann", "age": 31, "admin": true}, {"name": "bob", "age": 25, "admin": false}],
        "html": "<a href=\"x\">'&'</a>", "ver": "1.2.3", "csv": "a,b,,c", "pad": "  padded \t\n",
    })
}

fn language_cases() -> Vec<Case> {
    let d = data;
    let mut v = vec![
        // Text, actions, comments, trimming.
        c("plain text", d()),
        c("{{/* a comment */}}x{{- /* trimmed */ -}} y", d()),
        c("a  {{- .s -}}  b", d()),
        c("a\n  {{- .s }}\n  {{- .n -}}\n  z", d()),
        c("{{.s}} {{.n}} {{.f}} {{.big}} {{.neg}} {{.t}} {{.nil}} {{.missing}}", d()),
        c("{{.list}} {{.m}} {{.users}} {{.empty}}", d()),
        c("{{.m.z.deep}} {{.m.x}} {{.m.nope}} {{.m.nope.deeper}}", d()),
        mk(c("{{.m.nope}}", d()), "zero"),
        mk(c("{{.m.nope.deeper}}", d()), "zero"),
        mk(c("{{.m.nope}}", d()), "error"),
        c("{{.nil.x}}", d()),
        c("{{.s.x}}", d()),
        c("{{with .list}}{{.x}}{{end}}", d()),
        c("{{range .list}}{{.x}}{{end}}", d()),
        c("{{.}}", json!("top")),
        c("{{.x}}", json!("top")),
        c("{{1}} {{1.5}} {{1e3}} {{0x1F}} {{'a'}} {{-3}} {{+4}} {{1_000}} {{0o17}} {{0b101}} {{\"q\"}} {{`raw`}} {{true}}", d()),
        c("{{nil}}", d()),
        c("{{.s 1}}", d()),
        c("{{1 2}}", d()),
        // if / else if / else
        c("{{if .t}}T{{end}}{{if .no}}F{{else}}E{{end}}", d()),
        c("{{if .no}}1{{else if .e}}2{{else if .n}}3{{else}}4{{end}}", d()),
        c("{{if .empty}}x{{else}}empty{{end}} {{if .m}}m{{end}} {{if 0}}z{{end}} {{if 0.0}}z{{end}} {{if \"\"}}s{{end}}", d()),
        c("{{if .missing}}x{{else}}none{{end}}", d()),
        // with
        c("{{with .m}}{{.y}}{{end}} {{with .e}}x{{else}}empty{{end}}", d()),
        c("{{with $x := .m.z}}{{$x.deep}} {{.deep}}{{end}}", d()),
        // range
        c("{{range .list}}[{{.}}]{{end}}", d()),
        c("{{range $i, $v := .list}}{{$i}}={{$v}},{{end}}", d()),
        c("{{range $k, $v := .m}}{{$k}}:{{$v}};{{end}}", d()),
        c("{{range $v := .m}}{{$v}};{{end}}", d()),
        c("{{range .empty}}x{{else}}none{{end}} {{range .missing}}x{{else}}nothing{{end}}", d()),
        c("{{range .users}}{{.name}}({{.age}}){{if .admin}}*{{end}} {{end}}", d()),
        c("{{range $i, $u := .users}}{{if $i}}, {{end}}{{$u.name}}{{end}}", d()),
        c("{{range .nums}}{{if eq . 1.0}}{{continue}}{{end}}{{.}}{{end}}", d()),
        c("{{range .nums}}{{if eq . 1.0}}{{break}}{{end}}{{.}}{{end}}", d()),
        c("{{range .s}}x{{end}}", d()),
        c("{{range .t}}x{{end}}", d()),
        c("{{range $i, $v := .m}}{{end}}{{$i}}", d()),
        c("{{range $a, $b, $c := .m}}{{end}}", d()),
        c("{{range $k, $v := .m}}{{range $v}}{{.}}{{end}}{{end}}", d()),
        // variables
        c("{{$x := 1}}{{$x}} {{$x = 2}}{{$x}} {{$}}", json!("dot")),
        c("{{$x := .m}}{{$x.y}} {{$x.z.deep}}", d()),
        c("{{$x := 1}}{{if true}}{{$x = 2}}{{$y := 3}}{{end}}{{$x}}", d()),
        c("{{$y}}", d()),
        c("{{if true}}{{$y := 1}}{{end}}{{$y}}", d()),
        c("{{range .list}}{{$.s}}{{end}}", d()),
        c("{{with .m}}{{$.n}}{{end}}", d()),
        // define / template / block
        with_defs("{{template \"x\" .m}}|{{template \"x\"}}", &[("lib", "{{define \"x\"}}[{{.y}}]{{end}}")], d()),
        c("{{define \"a\"}}A{{.}}{{end}}{{template \"a\" 1}}{{template \"a\" \"b\"}}", d()),
        c("{{block \"b\" .s}}default {{.}}{{end}}", d()),
        with_defs("{{block \"b\" .s}}default {{.}}{{end}}", &[("over", "{{define \"b\"}}over {{.}}{{end}}")], d()),
        c("{{template \"nope\"}}", d()),
        c("{{define \"r\"}}{{if .}}{{.}}{{template \"r\" (slice . 1)}}{{end}}{{end}}{{template \"r\" .list}}", d()),
        c("{{define \"v\"}}{{$x}}{{end}}", d()),
        c("{{define \"a\"}}1{{end}}{{define \"a\"}}2{{end}}", d()),
        c("{{define \"a\"}}   {{end}}{{define \"a\"}}2{{end}}{{template \"a\"}}", d()),
        // pipelines and parens
        c("{{.s | printf \"%s!\"}} {{\"x\" | printf \"%s-%s\" \"y\"}}", d()),
        c("{{(.m).y}} {{(index .users 1).name}} {{ (print 1 2) | len }}", d()),
        c("{{.n | .s}}", d()),
        c("{{1 | 2}}", d()),
        // and / or / not
        c("{{and 1 0 .missing.x}} {{or 0 \"\" .s}} {{and .s .n}} {{or 0 .e}} {{not .e}} {{not .s}}", d()),
        c("{{and}}", d()),
        c("{{or .e .no .empty}}|{{.e | or .n}}|{{.n | and .t}}", d()),
        // comparisons
        c("{{eq 1 1}} {{eq .s \"Hello, World\"}} {{eq .n 3.0}} {{eq 1 2 3 1}} {{ne 1 2}} {{eq .t true}}", d()),
        c("{{eq 1 \"1\"}}", d()),
        c("{{eq .n 3}}", d()),
        c("{{eq .list .list}}", d()),
        c("{{eq .missing \"x\"}} {{eq .nil nil}}", d()),
        c("{{eq 1}}", d()),
        c("{{lt 1 2}} {{le 2 2}} {{gt 3 2}} {{ge 1 2}} {{lt \"a\" \"b\"}} {{lt 1.5 2.5}} {{lt .neg 0.0}}", d()),
        c("{{lt 1 2.5}}", d()),
        c("{{lt true false}}", d()),
        c("{{lt .nil 1}}", d()),
        ints(c("{{eq .n 3}} {{lt .n 4}} {{gt .big 10}} {{eq .n 3.0}}", d())),
        // index / slice / len
        c("{{index .list 1}} {{index .m \"y\"}} {{index .m \"z\" \"deep\"}} {{index .users 0 \"name\"}} {{index .m \"nope\"}}", d()),
        c("{{index .list 10}}", d()),
        c("{{index .list 4}}", d()),
        c("{{index .list -1}}", d()),
        c("{{index .list \"x\"}}", d()),
        c("{{index .m 1}}", d()),
        c("{{index .nil 1}}", d()),
        c("{{index .n 1}}", d()),
        c("{{index .s 0}}", d()),
        c("{{slice .list 1}} {{slice .list 1 3}} {{slice .s 0 5}} {{slice .list}}", d()),
        c("{{slice .list 3 1}}", d()),
        c("{{slice .s 1 2 3}}", d()),
        c("{{slice .n 1}}", d()),
        c("{{len .list}} {{len .s}} {{len .m}} {{len .empty}}", d()),
        c("{{len .n}}", d()),
        c("{{len .nil}}", d()),
        // print family
        c("{{print 1 2 \"a\" \"b\" 3 .t}}|{{println 1 \"a\"}}|{{print}}|{{print .nil}}", d()),
        c("{{printf \"%d %5d %-5d| %05d %x %X %o %b %c %q %U\" 42 42 42 42 255 255 8 5 65 65 65}}", d()),
        c("{{printf \"%s %q %v %10s|%-10s| %.2s %x\" .s .s .s \"r\" \"l\" .s \"hi\"}}", d()),
        c("{{printf \"%f %.2f %8.3f %e %g %v %.3g %G\" 3.14159 3.14159 2.5 1234.5678 0.000012 .big 1234.5678 1e21}}", d()),
        c("{{printf \"%t %v %T %T %T %T %T %T\" true .nil .n .s .list .m .t .nil}}", d()),
        c("{{printf \"%d %s\" \"x\" 1}} {{printf \"%d %d\" 1}} {{printf \"%d\" 1 2}} {{printf \"%!\"}} {{printf \"%\"}}", d()),
        c("{{printf \"%v %s %d\" .list .list .nums}}", d()),
        c("{{printf \"%+d % d %+.1f %#x %#o %x\" 5 5 2.25 255 8 -255}}", d()),
        c("{{printf \"%*d|%-*d|%.*f\" 5 1 4 2 2 3.14159}}", d()),
        c("{{printf \"%5.1f|%-8.2e|%08.3f|%+g\" 3.14159 1234.5 -3.5 1.0}}", d()),
        c("{{printf \"%6.2v|%q|%#q|%x|% x\" 3.14159 \"tab\\there\" \"raw\" \"hey\" \"hey\"}}", d()),
        c("{{printf 1}}", d()),
        // html / js / urlquery
        c("{{html .html}} {{html 1 \"<\" 2}} {{html .nil}}", d()),
        c("{{js .html}} {{js \"a=b\\n\"}} {{urlquery \"a b&c=d/é\"}} {{urlquery 1 2}}", d()),
        // call
        c("{{call .s}}", d()),
        c("{{call .nil}}", d()),
        // errors a user reads
        c("{{.s", d()),
        c("{{if .t}}unclosed", d()),
        c("{{end}}", d()),
        c("{{else}}", d()),
        c("{{if}}{{end}}", d()),
        c("{{range}}{{end}}", d()),
        c("{{nofunc 1}}", d()),
        c("{{break}}", d()),
        c("{{\"unterminated}}", d()),
        c("{{`unterminated}}", d()),
        c("{{.a-b}}", d()),
        c("{{3x}}", d()),
        c("{{(1}}", d()),
        c("{{1)}}", d()),
        c("{{.x | }}", d()),
        c("{{$x := }}", d()),
        c("{{template .x}}", d()),
        c("{{/* unclosed }}", d()),
        c("{{/* c */ x}}", d()),
        c("line1\nline2 {{.x}}\n{{if}}", d()),
        c("{{\n.s\n}}", d()),
        c("{{ .s |\n printf \"%s\" }}", d()),
        c("{{# bad}}", d()),
        c("{{ 1.2.3 }}", d()),
        c("{{ \"x\".y }}", d()),
        c("{{ 99999999999999999999 }}", d()),
        c("{{ $x := 1 }}{{ $x 2 }}", d()),
        c("{{ (1).x }}", d()),
        c("{{ nil.x }}", d()),
        c("{{ .m.y.z }}", d()),
        c("line\n{{ .m.nope | printf \"%d\" }}\n{{ index .list 9 }}", d()),
        c("{{with $x, $y := 1}}{{end}}", d()),
    ];
    v.push(c("{{define \"t2\"}}{{.nope.x}}{{end}}{{template \"t2\" .nil}}", d()));
    v.push(mk(c("{{define \"t2\"}}in t2 {{.nope.x}}{{end}}{{template \"t2\" .}}", d()), "zero"));
    v
}

fn run_table(cases: Vec<Case>) {
    let go = oracle::go(&cases);
    let mut failures = Vec::new();
    for (case, want) in cases.iter().zip(go) {
        let got = oracle::ferry(case);
        if got != want {
            failures.push(format!(
                "template {:?} (numbers {}, missingkey {:?})\n   go:    {:?}\n   ferry: {:?}",
                case.templates.iter().map(|t| t.text.as_str()).collect::<Vec<_>>(),
                case.numbers,
                case.missingkey,
                want,
                got
            ));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases differ from Go:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn the_template_language_matches_go() {
    run_table(language_cases());
}
