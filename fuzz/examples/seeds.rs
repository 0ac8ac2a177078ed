//! Writes the starting corpus of every target into `fuzz/corpus/<target>/`.

use sha2::{Digest, Sha256};

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for (target, bytes) in fairquote_fuzz::seeds() {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).expect("the corpus folder");
        let name = hex(&Sha256::digest(&bytes));
        std::fs::write(dir.join(name), bytes).expect("a seed");
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
