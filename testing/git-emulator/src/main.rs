//! `git-emulator [--port N] [DIR]`: serve the git repositories under DIR (default: a demo
//! repository in a temp dir) through every provider's API, and print the URLs.

use anyhow::{bail, Context};
use git_emulator::{GitEmulator, Provider, DEFAULT_BASIC, DEFAULT_TOKEN};

fn main() -> anyhow::Result<()> {
    let mut port = None;
    let mut dir = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                port = Some(
                    args.next()
                        .context("--port needs a number")?
                        .parse::<u16>()
                        .context("--port needs a number")?,
                )
            }
            "-h" | "--help" => {
                println!("usage: git-emulator [--port N] [DIR]\n\nServes every git repository under DIR (DIR/owner/name/.git) through\nGitHub, GitLab, Gitea, Forgejo, Gogs, Bitbucket Cloud, Bitbucket Data Center and\nAzure DevOps style APIs on consecutive ports from N (ephemeral when absent).");
                return Ok(());
            }
            other if other.starts_with('-') => bail!("unknown option {other}"),
            other => dir = Some(std::path::PathBuf::from(other)),
        }
    }
    let emulator = match dir {
        Some(dir) => GitEmulator::start_in(
            dir.canonicalize()
                .with_context(|| format!("no directory {}", dir.display()))?,
            port,
        )?,
        None => {
            let emulator = match port {
                Some(_) => {
                    let temp = std::env::temp_dir().join(format!("git-emulator-{}", std::process::id()));
                    GitEmulator::start_in(temp, port)?
                }
                None => GitEmulator::start()?,
            };
            let repo = emulator.create_repo("demo/guestbook").map_err(anyhow::Error::msg)?;
            repo.commit(
                "guestbook",
                &[(
                    "guestbook/configmap.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: guestbook\ndata:\n  greeting: hello\n",
                )],
            )
            .map_err(anyhow::Error::msg)?;
            emulator
        }
    };
    println!(
        "token: {DEFAULT_TOKEN}   basic: {}:{}",
        DEFAULT_BASIC.0, DEFAULT_BASIC.1
    );
    for provider in Provider::ALL {
        println!("{:<17} {}", provider.slug(), emulator.base_url(provider));
    }
    println!("{:<17} http://{}", "github codeload", emulator.codeload_authority());
    println!("repository URLs are <base>/owner/name; Bitbucket DC <base>/scm/OWNER/name.git; Azure <base>/org/project/_git/name");
    println!("press Ctrl-C to stop");
    loop {
        std::thread::park();
    }
}
