//! Embeds the sample events (`tasks/contract/samples/*.json`) so `irctl start --sample NAME`
//! works from any directory.

use std::path::Path;

fn main() {
    // At run time, not `env!`: a build script compiled for another checkout sharing the target
    // directory (a CI clone) would otherwise read that checkout's samples.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("../tasks/contract/samples");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("samples folder")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".json").map(String::from))
        .collect();
    names.sort();
    let mut out = String::from("/// Sample events by name, embedded at build time.\npub const SAMPLES: &[(&str, &str)] = &[\n");
    for n in names {
        let path = dir.join(format!("{n}.json"));
        out.push_str(&format!(
            "    ({n:?}, include_str!({:?})),\n",
            path.canonicalize().unwrap().display().to_string()
        ));
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("samples.rs");
    std::fs::write(dest, out).unwrap();
}
