//! The insurer's own reference for a quote is kept only as a keyed hash: the insurer can find
//! its quote again by hashing the same reference, and the log reveals nothing about it.

use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;

const KEY_FILE: &str = "reference.key";

#[derive(Clone)]
pub struct ReferenceHasher {
    key: Vec<u8>,
}

impl ReferenceHasher {
    pub fn new(key: impl Into<Vec<u8>>) -> Self {
        ReferenceHasher { key: key.into() }
    }

    /// Uses the configured key, or else the data folder's key file, made on first start.
    pub fn from_settings(configured: Option<&str>, data_dir: &Path) -> std::io::Result<Self> {
        if let Some(key) = configured.filter(|k| !k.is_empty()) {
            return Ok(Self::new(key.as_bytes()));
        }
        let path = data_dir.join(KEY_FILE);
        match std::fs::read(&path) {
            Ok(key) if !key.is_empty() => Ok(Self::new(key)),
            _ => {
                std::fs::create_dir_all(data_dir)?;
                let mut key = vec![0u8; 32];
                getrandom::fill(&mut key).map_err(|e| std::io::Error::other(e.to_string()))?;
                write_private(&path, &key)?;
                Ok(Self::new(key))
            }
        }
    }

    /// `hmac-sha256:<hex>`; an empty reference stays empty.
    pub fn hash(&self, reference: &str) -> String {
        if reference.is_empty() {
            return String::new();
        }
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            return String::new();
        };
        mac.update(reference.as_bytes());
        format!("hmac-sha256:{}", hex::encode(mac.finalize().into_bytes()))
    }
}

#[cfg(unix)]
pub(super) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .create_new(true)
        .write(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(not(unix))]
pub(super) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::ReferenceHasher;

    #[test]
    fn the_same_reference_and_key_give_the_same_hash() {
        let a = ReferenceHasher::new(b"key".to_vec());
        assert_eq!(a.hash("CASE-1"), a.hash("CASE-1"));
        assert!(a.hash("CASE-1").starts_with("hmac-sha256:"));
        assert!(!a.hash("CASE-1").contains("CASE-1"));
        assert_ne!(
            a.hash("CASE-1"),
            ReferenceHasher::new(b"other".to_vec()).hash("CASE-1")
        );
        assert_eq!(a.hash(""), "");
    }
}
