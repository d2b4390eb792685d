//! `ferry`: the command-line client.

fn main() -> anyhow::Result<()> {
    println!("ferry {}", ferry_engine::VERSION);
    Ok(())
}
