//! `ferry completion bash|zsh|fish`: completion scripts written from the command table itself
//! (clap's `Command`), so a new command or flag completes without another edit. Each script
//! finds the command path typed so far (`cd sync`) and offers that command's subcommands, flags,
//! and the values of a flag that takes a fixed set (`-o wide|json|yaml|name`).

use anyhow::Result;
use clap::Args;

use crate::{write_stdout, Outcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Args)]
pub struct CompletionArgs {
    shell: Shell,
}

/// One command path and what completes after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The subcommands typed to get here, space-separated (`""` for the top level).
    pub path: String,
    pub subcommands: Vec<String>,
    pub flags: Vec<String>,
    /// Flags with a fixed set of values, and the values.
    pub values: Vec<(String, Vec<String>)>,
}

/// Every command path of the table, depth first.
pub fn entries(command: &clap::Command) -> Vec<Entry> {
    let mut out = Vec::new();
    walk(command, "", &mut out);
    out
}

fn walk(command: &clap::Command, path: &str, out: &mut Vec<Entry>) {
    let subcommands: Vec<&clap::Command> = command.get_subcommands().filter(|c| c.get_name() != "help").collect();
    let mut flags = Vec::new();
    let mut values = Vec::new();
    for arg in command.get_arguments() {
        let mut names = Vec::new();
        if let Some(long) = arg.get_long() {
            names.push(format!("--{long}"));
        }
        if let Some(short) = arg.get_short() {
            names.push(format!("-{short}"));
        }
        let possible: Vec<String> = arg
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| v.get_name().to_string())
            .collect();
        let takes_value = arg.get_action().takes_values();
        for name in &names {
            if takes_value && !possible.is_empty() && !is_bool(&possible) {
                values.push((name.clone(), possible.clone()));
            }
        }
        flags.extend(names);
    }
    flags.push("--help".into());
    out.push(Entry {
        path: path.to_string(),
        subcommands: subcommands.iter().map(|c| c.get_name().to_string()).collect(),
        flags,
        values,
    });
    for sub in subcommands {
        let child = if path.is_empty() {
            sub.get_name().to_string()
        } else {
            format!("{path} {}", sub.get_name())
        };
        walk(sub, &child, out);
    }
}

fn is_bool(values: &[String]) -> bool {
    values == ["true", "false"]
}

pub fn run(args: &CompletionArgs, command: clap::Command) -> Result<Outcome> {
    let table = entries(&command);
    let script = match args.shell {
        Shell::Bash => bash(&table),
        Shell::Zsh => zsh(&table),
        Shell::Fish => fish(&table),
    };
    write_stdout(&script)?;
    Ok(Outcome::Clean)
}

/// The shell function shared by bash and zsh: `_ferry_words PATH PREVIOUS` prints the candidates.
fn words_function(table: &[Entry]) -> String {
    let mut out = String::from("_ferry_words() {\n  case \"$1|$2\" in\n");
    for entry in table {
        for (flag, values) in &entry.values {
            out.push_str(&format!(
                "    '{}|{flag}') echo '{}' ;;\n",
                entry.path,
                values.join(" ")
            ));
        }
    }
    out.push_str("  esac | grep . && return\n  case \"$1\" in\n");
    for entry in table {
        let words: Vec<&str> = entry
            .subcommands
            .iter()
            .chain(&entry.flags)
            .map(String::as_str)
            .collect();
        out.push_str(&format!("    '{}') echo '{}' ;;\n", entry.path, words.join(" ")));
    }
    out.push_str("  esac\n}\n");
    out.push_str("_ferry_subcommands() {\n  case \"$1\" in\n");
    for entry in table {
        out.push_str(&format!(
            "    '{}') echo ' {} ' ;;\n",
            entry.path,
            entry.subcommands.join(" ")
        ));
    }
    out.push_str("  esac\n}\n");
    out
}

pub fn bash(table: &[Entry]) -> String {
    let mut out = String::from("# ferry completion for bash: source <(ferry completion bash)\n");
    out.push_str(&words_function(table));
    out.push_str(
        r#"_ferry() {
  local cur prev path w i
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  path=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="${COMP_WORDS[i]}"
    case "$(_ferry_subcommands "$path")" in
      *" $w "*) path="${path:+$path }$w" ;;
    esac
  done
  COMPREPLY=($(compgen -W "$(_ferry_words "$path" "$prev")" -- "$cur"))
}
complete -o default -F _ferry ferry
"#,
    );
    out
}

pub fn zsh(table: &[Entry]) -> String {
    let mut out =
        String::from("#compdef ferry\n# ferry completion for zsh: ferry completion zsh > \"${fpath[1]}/_ferry\"\n");
    out.push_str(&words_function(table));
    out.push_str(
        r#"_ferry() {
  local path_ w i
  path_=""
  for ((i = 2; i < CURRENT; i++)); do
    w="${words[i]}"
    case "$(_ferry_subcommands "$path_")" in
      *" $w "*) path_="${path_:+$path_ }$w" ;;
    esac
  done
  local -a candidates
  candidates=(${=$(_ferry_words "$path_" "${words[CURRENT-1]}")})
  compadd -- $candidates
}
if [ "$funcstack[1]" = "_ferry" ]; then _ferry "$@"; else compdef _ferry ferry; fi
"#,
    );
    out
}

pub fn fish(table: &[Entry]) -> String {
    let mut out =
        String::from("# ferry completion for fish: ferry completion fish > ~/.config/fish/completions/ferry.fish\n");
    out.push_str(
        "function __ferry_path\n  set -l path ''\n  for w in (commandline -opc)[2..-1]\n    switch \"$path\"\n",
    );
    for entry in table {
        if entry.subcommands.is_empty() {
            continue;
        }
        out.push_str(&format!("      case '{}'\n", entry.path));
        out.push_str(&format!(
            "        if contains -- $w {}\n          set path (string trim -- \"$path $w\")\n        end\n",
            entry.subcommands.join(" ")
        ));
    }
    out.push_str("    end\n  end\n  echo $path\nend\n");
    out.push_str("complete -c ferry -f\n");
    for entry in table {
        let condition = format!("test (__ferry_path) = '{}'", entry.path);
        for sub in &entry.subcommands {
            out.push_str(&format!("complete -c ferry -n \"{condition}\" -a {sub}\n"));
        }
        for flag in &entry.flags {
            let values = entry.values.iter().find(|(f, _)| f == flag).map(|(_, v)| v.join(" "));
            let option = match flag.strip_prefix("--") {
                Some(long) => format!("-l {long}"),
                None => format!("-s {}", flag.trim_start_matches('-')),
            };
            match values {
                Some(values) => out.push_str(&format!(
                    "complete -c ferry -n \"{condition}\" {option} -x -a '{values}'\n"
                )),
                None => out.push_str(&format!("complete -c ferry -n \"{condition}\" {option}\n")),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_every_command_and_flag() {
        let table = entries(&crate::command());
        let find = |path: &str| {
            table
                .iter()
                .find(|e| e.path == path)
                .unwrap_or_else(|| panic!("{path} in {table:?}"))
        };
        let top = find("");
        for sub in [
            "login",
            "logout",
            "whoami",
            "cd",
            "cluster",
            "repo",
            "completion",
            "diff",
            "health",
            "render",
        ] {
            assert!(top.subcommands.iter().any(|s| s == sub), "{sub}: {top:?}");
        }
        let cd = find("cd");
        for sub in [
            "list",
            "get",
            "create",
            "apply",
            "edit",
            "set-info",
            "sync",
            "diff",
            "history",
            "resources",
            "delete",
            "wait",
        ] {
            assert!(cd.subcommands.iter().any(|s| s == sub), "{sub}: {cd:?}");
        }
        let list = find("cd list");
        assert!(
            list.flags.contains(&"--health".to_string()) && list.flags.contains(&"-o".to_string()),
            "{list:?}"
        );
        assert!(
            list.values.contains(&(
                "-o".to_string(),
                vec!["wide".into(), "json".into(), "yaml".into(), "name".into()]
            )),
            "{list:?}"
        );
        assert!(find("cd sync")
            .flags
            .contains(&"--prune-propagation-policy".to_string()));
        assert!(find("cluster add").flags.contains(&"--kubeconfig".to_string()));
        assert!(
            find("completion").values.is_empty(),
            "a positional has no flag to complete after"
        );
    }

    #[test]
    fn every_shell_gets_the_same_table() {
        let table = entries(&crate::command());
        for script in [bash(&table), zsh(&table), fish(&table)] {
            for word in ["set-info", "kubeconfig", "wide json yaml name", "token-stdin"] {
                assert!(script.contains(word), "{word} in:\n{script}");
            }
        }
    }
}
