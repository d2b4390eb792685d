//! Gzip the console's files at build time: the component carries them compressed (they are most of
//! its static bytes, and the component must stay under 2 MiB), serves them as they are to browsers
//! that accept gzip, and inflates them for the rare client that does not.

use std::io::Write;
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("console");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    println!("cargo:rerun-if-changed=console");
    for entry in std::fs::read_dir(&dir).expect("components/api/console") {
        let path = entry.expect("console entry").path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        println!("cargo:rerun-if-changed=console/{name}");
        let bytes = std::fs::read(&path).expect("console file");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&bytes).unwrap();
        std::fs::write(out.join(format!("{name}.gz")), gz.finish().unwrap()).unwrap();
    }
}
