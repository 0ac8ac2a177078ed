//! Signed checkpoints of the quote log: the tree size and root hash, signed with the service's
//! Ed25519 key, written as a signed note (the format of Go's checksum database and of C2SP's
//! `tlog-checkpoint` and `signed-note`), so that anyone can check one without our code:
//!
//! ```text
//! fairquote quote log            origin
//! 1234                           tree size, in decimal
//! 4Oi4…=                         root hash, standard base64
//! time 2026-12-01T12:00:00Z      when it was signed
//!                                a blank line
//! — fairquote AbCd…==            "— ", the key name, base64(key id ‖ Ed25519 signature)
//! ```
//!
//! The signature is over the note's text up to and including the newline before the blank
//! line. The key id is the first 4 bytes of SHA-256(key name ‖ "\n" ‖ 0x01 ‖ public key); the
//! verifier key is written `name+<key id in hex>+<base64(0x01 ‖ public key)>`.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

use super::merkle::Hash;

pub const ORIGIN: &str = "fairquote quote log";
pub const KEY_NAME: &str = "fairquote";
const KEY_FILE: &str = "checkpoint.key";
const ED25519: u8 = 0x01;

/// What a checkpoint states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub size: u64,
    pub root: Hash,
    /// RFC 3339, UTC, to the second.
    pub time: String,
}

impl Checkpoint {
    /// The signed part of the note.
    pub fn body(&self) -> String {
        format!(
            "{ORIGIN}\n{}\n{}\ntime {}\n",
            self.size,
            STANDARD.encode(self.root),
            self.time
        )
    }
}

/// The service's checkpoint key.
#[derive(Clone)]
pub struct CheckpointSigner {
    key: SigningKey,
}

fn key_id(public: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(KEY_NAME.as_bytes());
    h.update(b"\n");
    h.update([ED25519]);
    h.update(public.as_bytes());
    let digest = h.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

impl CheckpointSigner {
    pub fn from_seed(seed: [u8; 32]) -> Self {
        CheckpointSigner {
            key: SigningKey::from_bytes(&seed),
        }
    }

    /// The key a service on these settings signs with, without making one: for an auditor's
    /// command. `None` when there is none yet.
    pub fn existing(configured: &str, data_dir: &Path) -> std::io::Result<Option<Self>> {
        if configured.is_empty() && !data_dir.join(KEY_FILE).exists() {
            return Ok(None);
        }
        Self::from_settings(configured, data_dir).map(Some)
    }

    /// The configured key (64 hex digits: the Ed25519 seed, the same on every replica), or
    /// else the data folder's key file, made on first start.
    pub fn from_settings(configured: &str, data_dir: &Path) -> std::io::Result<Self> {
        let invalid =
            |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
        if !configured.is_empty() {
            let seed = hex::decode(configured)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or_else(|| invalid("audit.checkpoint_key is not 64 hexadecimal digits"))?;
            return Ok(Self::from_seed(seed));
        }
        let path = data_dir.join(KEY_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => {
                let seed = <[u8; 32]>::try_from(bytes.as_slice())
                    .map_err(|_| invalid("the checkpoint key file is not 32 bytes"))?;
                Ok(Self::from_seed(seed))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(data_dir)?;
                let mut seed = [0u8; 32];
                getrandom::fill(&mut seed).map_err(|e| std::io::Error::other(e.to_string()))?;
                super::reference::write_private(&path, &seed)?;
                Ok(Self::from_seed(seed))
            }
            Err(e) => Err(e),
        }
    }

    pub fn public_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// `fairquote+<key id>+<base64(0x01 ‖ public key)>`: what a verifier is given.
    pub fn verifier_key(&self) -> String {
        verifier_key(&self.public_key())
    }

    /// The whole signed note.
    pub fn sign(&self, checkpoint: &Checkpoint) -> String {
        let body = checkpoint.body();
        let signature = self.key.sign(body.as_bytes());
        let mut blob = key_id(&self.public_key()).to_vec();
        blob.extend_from_slice(&signature.to_bytes());
        format!("{body}\n— {KEY_NAME} {}\n", STANDARD.encode(blob))
    }
}

pub fn verifier_key(public: &VerifyingKey) -> String {
    let mut key = vec![ED25519];
    key.extend_from_slice(public.as_bytes());
    format!(
        "{KEY_NAME}+{}+{}",
        hex::encode(key_id(public)),
        STANDARD.encode(key)
    )
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("not a signed checkpoint: {0}")]
    Malformed(String),
    #[error("the verifier key is not one this service writes: {0}")]
    BadKey(String),
    #[error(
        "no signature by key {0} verifies: the checkpoint was not signed by it, or was changed"
    )]
    BadSignature(String),
}

/// Reads a signed note and checks its signature with a verifier key; the checkpoint it states.
pub fn verify(note: &str, verifier: &str) -> Result<Checkpoint, CheckpointError> {
    let malformed = |what: &str| CheckpointError::Malformed(what.to_owned());
    let mut parts = verifier.splitn(3, '+');
    let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(CheckpointError::BadKey(verifier.to_owned()));
    };
    let bad_key = || CheckpointError::BadKey(verifier.to_owned());
    let key = STANDARD.decode(key).map_err(|_| bad_key())?;
    let [ED25519, rest @ ..] = key.as_slice() else {
        return Err(bad_key());
    };
    let public = <[u8; 32]>::try_from(rest)
        .ok()
        .and_then(|k| VerifyingKey::from_bytes(&k).ok())
        .ok_or_else(bad_key)?;
    if hex::encode(key_id(&public)) != id || name != KEY_NAME {
        return Err(bad_key());
    }
    let (body, signatures) = note
        .split_once("\n\n")
        .ok_or_else(|| malformed("no blank line before the signatures"))?;
    let body = format!("{body}\n");
    let signed = signatures.lines().any(|line| {
        let Some(rest) = line.strip_prefix("— ") else {
            return false;
        };
        let Some((signer, blob)) = rest.split_once(' ') else {
            return false;
        };
        let Ok(blob) = STANDARD.decode(blob) else {
            return false;
        };
        signer == name
            && blob.len() == 68
            && blob[..4] == key_id(&public)
            && Signature::from_slice(&blob[4..])
                .is_ok_and(|s| public.verify(body.as_bytes(), &s).is_ok())
    });
    if !signed {
        return Err(CheckpointError::BadSignature(verifier.to_owned()));
    }
    let lines: Vec<&str> = body.lines().collect();
    let [origin, size, root, time, ..] = lines.as_slice() else {
        return Err(malformed("fewer than four lines"));
    };
    if *origin != ORIGIN {
        return Err(malformed("the origin is not this log's"));
    }
    let size = size.parse().map_err(|_| malformed("the tree size"))?;
    let root = STANDARD
        .decode(root)
        .ok()
        .and_then(|r| Hash::try_from(r).ok())
        .ok_or_else(|| malformed("the root hash"))?;
    let time = time
        .strip_prefix("time ")
        .ok_or_else(|| malformed("the time line"))?
        .to_owned();
    Ok(Checkpoint { size, root, time })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_checkpoint_verifies_and_a_changed_one_does_not() {
        let signer = CheckpointSigner::from_seed([7; 32]);
        let checkpoint = Checkpoint {
            size: 42,
            root: [9; 32],
            time: "2026-12-01T12:00:00Z".into(),
        };
        let note = signer.sign(&checkpoint);
        assert_eq!(verify(&note, &signer.verifier_key()), Ok(checkpoint));
        let forged = note.replacen("\n42\n", "\n41\n", 1);
        assert!(matches!(
            verify(&forged, &signer.verifier_key()),
            Err(CheckpointError::BadSignature(_))
        ));
        let other = CheckpointSigner::from_seed([8; 32]);
        assert!(verify(&note, &other.verifier_key()).is_err());
        assert!(signer.verifier_key().starts_with("fairquote+"));
    }
}

/// A checkpoint and its signed note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub checkpoint: Checkpoint,
    pub note: String,
}

/// The service's checkpoints: the latest is signed again whenever the log has grown since,
/// at least every second while quotes flow (`grpc::server`), on demand and at shutdown, and
/// kept in `file` (the data folder's `checkpoint`, where the log is kept there).
pub struct Checkpoints {
    signer: CheckpointSigner,
    latest: tokio::sync::Mutex<Option<Signed>>,
    keep: Keep,
    /// Signed every second and at shutdown; off only in a benchmark (`audit.transparency`).
    periodic: bool,
}

/// Where signed checkpoints are kept for an auditor's command to hand out.
pub enum Keep {
    /// The latest, in a file beside the log (`quote-log/checkpoint`).
    File(std::path::PathBuf),
    /// Each one, in the log's database (`log_checkpoints`).
    Database(sqlx::PgPool),
}

impl Checkpoints {
    pub fn new(signer: CheckpointSigner, keep: Keep) -> Self {
        Checkpoints {
            signer,
            latest: tokio::sync::Mutex::new(None),
            keep,
            periodic: true,
        }
    }

    /// Signed only on demand: for a benchmark measuring what the periodic signatures cost.
    pub fn on_demand_only(self) -> Self {
        Checkpoints {
            periodic: false,
            ..self
        }
    }

    /// Whether the service signs one every second while the log grows, and at shutdown.
    pub fn periodic(&self) -> bool {
        self.periodic
    }

    pub fn verifier_key(&self) -> String {
        self.signer.verifier_key()
    }

    /// The checkpoint of the log as it is now: the last one signed if the log has not grown
    /// since, else a new one.
    pub async fn latest(
        &self,
        log: &dyn super::LogRead,
    ) -> Result<Signed, super::proof::ProofError> {
        let mut latest = self.latest.lock().await;
        let size = log.tree_size().await?;
        if let Some(signed) = latest.as_ref().filter(|s| s.checkpoint.size == size) {
            return Ok(signed.clone());
        }
        let checkpoint = Checkpoint {
            size,
            root: super::proof::root(log, size).await?,
            time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        };
        let signed = Signed {
            note: self.signer.sign(&checkpoint),
            checkpoint,
        };
        match &self.keep {
            Keep::File(path) => {
                let partial = path.with_extension("partial");
                if let Err(e) = std::fs::write(&partial, &signed.note)
                    .and_then(|()| std::fs::rename(&partial, path))
                {
                    tracing::warn!(path = %path.display(), "the checkpoint could not be kept: {e}");
                }
            }
            Keep::Database(pool) => {
                let kept = sqlx::query(
                    "INSERT INTO log_checkpoints (tree_size, note) VALUES ($1, $2) \
                     ON CONFLICT (tree_size) DO NOTHING",
                )
                .bind(signed.checkpoint.size as i64)
                .bind(&signed.note)
                .execute(pool)
                .await;
                if let Err(e) = kept {
                    tracing::warn!("the checkpoint could not be kept: {e}");
                }
            }
        }
        *latest = Some(signed.clone());
        Ok(signed)
    }
}

/// The latest checkpoint kept where a service on these settings keeps them.
pub async fn kept(keep: &Keep) -> Result<Option<String>, super::LogError> {
    match keep {
        Keep::File(path) => match std::fs::read_to_string(path) {
            Ok(note) => Ok(Some(note)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(super::LogError::Read(format!("{}: {e}", path.display()))),
        },
        Keep::Database(pool) => {
            let row: Option<(String,)> =
                sqlx::query_as("SELECT note FROM log_checkpoints ORDER BY tree_size DESC LIMIT 1")
                    .fetch_optional(pool)
                    .await
                    .map_err(|e| super::LogError::Read(format!("the checkpoints: {e}")))?;
            Ok(row.map(|(note,)| note))
        }
    }
}
