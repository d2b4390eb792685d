//! The command the demo prints for making a push from the working clone.

use std::path::Path;

/// `git -C <clone> commit -am <message> && git -C <clone> push`, quoted for a POSIX shell.
pub fn push_command(clone: &Path, message: &str) -> String {
    let dir = shell_quote(&clone.to_string_lossy());
    format!("git -C {dir} commit -am {} && git -C {dir} push", shell_quote(message))
}

/// `word` as one POSIX shell word: as is when it has nothing a shell would interpret, otherwise
/// in single quotes (a single quote inside becomes `'\''`).
pub fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'_' | b'-' | b',' | b':' | b'=' | b'+' | b'@')
        });
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn quoted_words_reach_a_shell_unchanged() {
        let words = [
            "/tmp/ferry-demo-Ab12/nginx",
            "Change the demo app",
            "it's $HOME `date` \"quoted\" \\ back",
            "",
            "a;b&&c|d>e*f?",
        ];
        for word in words {
            let quoted = shell_quote(word);
            let out = Command::new("sh")
                .args(["-c", &format!("printf %s {quoted}")])
                .output()
                .unwrap();
            assert_eq!(String::from_utf8_lossy(&out.stdout), word, "{quoted}");
        }
        assert_eq!(shell_quote("/tmp/ferry-demo-Ab12/nginx"), "/tmp/ferry-demo-Ab12/nginx");
    }

    #[test]
    fn the_push_command_commits_then_pushes_the_clone() {
        assert_eq!(
            push_command(Path::new("/tmp/d x/nginx"), "Change the demo app"),
            "git -C '/tmp/d x/nginx' commit -am 'Change the demo app' && git -C '/tmp/d x/nginx' push"
        );
    }
}
