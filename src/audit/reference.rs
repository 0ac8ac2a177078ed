//! The insurer's own reference for a quote is kept only as a keyed hash: the insurer can find
//! its quote again by hashing the same reference, and the log reveals nothing about it.

use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;

const KEY_FILE: &str = "reference.key";

/// The HMAC keyed once: its inner and outer states are made from the key when the hasher is,
/// not again for every quote (they were half of a reference's hashing).
#[derive(Clone)]
pub struct ReferenceHasher {
    keyed: Hmac<Sha256>,
}

impl ReferenceHasher {
    pub fn new(key: impl Into<Vec<u8>>) -> Self {
        let key = key.into();
        ReferenceHasher {
            // HMAC takes a key of any length (a long one is hashed first).
            keyed: Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes any key"),
        }
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
        const PREFIX: &str = "hmac-sha256:";
        let mut mac = self.keyed.clone();
        mac.update(reference.as_bytes());
        let mut digits = [0u8; 64];
        // 32 bytes always fill 64 hex digits.
        let _ = hex::encode_to_slice(mac.finalize().into_bytes(), &mut digits);
        let mut text = String::with_capacity(PREFIX.len() + digits.len());
        text.push_str(PREFIX);
        text.extend(digits.iter().map(|d| char::from(*d)));
        text
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

    /// RFC 4231's test case 2 (a key shorter than the block) and 6 (a key longer than it,
    /// hashed first): the keyed hash is HMAC-SHA256, whichever way it is computed.
    #[test]
    fn the_keyed_hash_is_hmac_sha256() {
        assert_eq!(
            ReferenceHasher::new(b"Jefe".to_vec()).hash("what do ya want for nothing?"),
            "hmac-sha256:5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            ReferenceHasher::new(vec![0xaa; 131])
                .hash("Test Using Larger Than Block-Size Key - Hash Key First"),
            "hmac-sha256:60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }
}
