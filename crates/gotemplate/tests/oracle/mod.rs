//! The Go oracle: `testing/go-template-oracle` (Go's text/template + Sprig 3.2 from Debian's
//! packages) built once into the target directory, fed cases in one batch.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use gotemplate::{MissingKey, Numbers, Template, Value};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Clone, Debug)]
pub struct NamedText {
    pub name: String,
    pub text: String,
}

#[derive(Serialize, Clone, Debug)]
pub struct Case {
    pub templates: Vec<NamedText>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub execute: String,
    pub data: serde_json::Value,
    pub numbers: String,
    pub missingkey: String,
}

impl Case {
    pub fn new(text: &str, data: serde_json::Value) -> Case {
        Case {
            templates: vec![NamedText {
                name: "t".into(),
                text: text.into(),
            }],
            execute: String::new(),
            data,
            numbers: "float64".into(),
            missingkey: String::new(),
        }
    }
}

#[derive(Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub output: Option<String>,
    pub error: Option<String>,
    #[serde(default)]
    pub phase: String,
}

fn target_dir() -> PathBuf {
    // target/<profile>/deps/<test binary>
    let exe = std::env::current_exe().expect("test binary path");
    exe.ancestors().nth(3).expect("target directory").to_path_buf()
}

fn oracle_binary() -> &'static PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let go = Command::new("go").arg("version").output();
        assert!(
            go.map(|o| o.status.success()).unwrap_or(false),
            "the Go oracle needs `go`: install the Debian package golang-go (apt-get install -y golang-go)"
        );
        let gopath = PathBuf::from("/usr/share/gocode");
        assert!(
            gopath.join("src/github.com/Masterminds/sprig/functions.go").exists(),
            "the Go oracle needs Sprig: install the Debian package golang-github-masterminds-sprig-dev"
        );
        let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testing/go-template-oracle");
        let out_dir = target_dir().join("go-oracle");
        std::fs::create_dir_all(&out_dir).expect("create target/go-oracle");
        let bin = out_dir.join("go-template-oracle");
        let status = Command::new("go")
            .args(["build", "-o"])
            .arg(&bin)
            .arg(".")
            .current_dir(&src)
            .env("GOPATH", &gopath)
            .env("GO111MODULE", "off")
            .env("GOFLAGS", "")
            .env("GOCACHE", out_dir.join("cache"))
            .status()
            .expect("run go build");
        assert!(status.success(), "building testing/go-template-oracle failed");
        bin
    })
}

/// Go's outcome for each case, in one oracle process.
pub fn go(cases: &[Case]) -> Vec<Outcome> {
    let mut child = Command::new(oracle_binary())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the Go oracle");
    let input = serde_json::to_vec(cases).expect("encode cases");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&input)
        .expect("write cases");
    let out = child.wait_with_output().expect("oracle output");
    assert!(out.status.success(), "the Go oracle failed");
    let results: Vec<Outcome> = serde_json::from_slice(&out.stdout).expect("decode oracle results");
    assert_eq!(results.len(), cases.len());
    results
}

/// Ferry's outcome for a case, shaped like the oracle's.
pub fn ferry(case: &Case) -> Outcome {
    let numbers = if case.numbers == "int" {
        Numbers::IntWhenIntegral
    } else {
        Numbers::Float64
    };
    let data = Value::from_json(&case.data, numbers);
    let mut t = Template::new(&case.templates[0].name).with_sprig();
    t.set_missing_key(match case.missingkey.as_str() {
        "zero" => MissingKey::Zero,
        "error" => MissingKey::Error,
        _ => MissingKey::Default,
    });
    for nt in &case.templates {
        if let Err(e) = t.parse_named(&nt.name, &nt.text) {
            return Outcome {
                output: None,
                error: Some(e.to_string()),
                phase: "parse".into(),
            };
        }
    }
    let name = if case.execute.is_empty() {
        &case.templates[0].name
    } else {
        &case.execute
    };
    match t.execute_template(name, &data) {
        Ok(s) => Outcome {
            output: Some(s),
            error: None,
            phase: String::new(),
        },
        Err(e) => Outcome {
            output: None,
            error: Some(e.to_string()),
            phase: "execute".into(),
        },
    }
}
