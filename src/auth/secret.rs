//! Opaque secrets (refresh tokens, API tokens, invitation tokens): random, shown once,
//! stored only as a SHA-256 digest. They carry 256 bits of entropy, so a fast hash is
//! enough; argon2 is for human-chosen passwords.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Prefix that marks an API token, so it is told apart from a JWT at a glance.
pub const API_TOKEN_PREFIX: &str = "rst_";
/// Characters of an API token shown back as its `prefix`.
pub const API_TOKEN_VISIBLE_CHARS: usize = 12;

/// A new random secret with the given prefix.
pub fn generate(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The digest under which a secret is stored and looked up.
pub fn digest(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}
