//! Secrets that must be stored for a while and then read back, which a digest
//! cannot do: the one-time link of an email waiting in the outbox. They are sealed
//! with XChaCha20-Poly1305 (random 192-bit nonces, so no nonce bookkeeping) under a
//! key derived with HKDF-SHA256 from `ROSTER_JWT_SECRET`, and bound to the row they
//! belong to, so a sealed value copied to another row does not open.
//!
//! Why encrypt instead of rendering a fresh secret at send time: the link must be
//! the one whose digest the invitation or verification already stores (one link per
//! request), and the digest cannot give the secret back.

use base64::{Engine, engine::general_purpose::STANDARD_NO_PAD};
use chacha20poly1305::{
    KeyInit, XChaCha20Poly1305, XNonce,
    aead::{Aead, Payload},
};
use hkdf::Hkdf;
use rand::RngCore;
use sha2::Sha256;

use crate::error::{AppError, AppResult};

const NONCE_LEN: usize = 24;
/// Separates this key from any other derived from the same secret.
const KEY_INFO: &[u8] = b"roster outbox seal v1";

pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl Sealer {
    /// A sealer whose key is derived from the service's secret.
    pub fn from_secret(secret: &[u8]) -> Self {
        let mut key = [0u8; 32];
        // 32 bytes is far below HKDF-SHA256's limit of 8160, so expanding cannot fail.
        let expanded = Hkdf::<Sha256>::new(None, secret).expand(KEY_INFO, &mut key);
        debug_assert!(expanded.is_ok());
        Self {
            cipher: XChaCha20Poly1305::new(&key.into()),
        }
    }

    /// `plaintext` encrypted and bound to `context` (e.g. the row's id), as text.
    pub fn seal(&self, context: &[u8], plaintext: &str) -> AppResult<String> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plaintext.as_bytes(),
            aad: context,
        };
        let sealed = self
            .cipher
            .encrypt(&XNonce::from(nonce), payload)
            .map_err(|_| AppError::internal(anyhow::anyhow!("sealing a secret failed")))?;
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        Ok(STANDARD_NO_PAD.encode(bytes))
    }

    /// The plaintext of `seal(context, …)`; an error when the key or the context
    /// differ or the text was altered.
    pub fn open(&self, context: &[u8], sealed: &str) -> anyhow::Result<String> {
        let bytes = STANDARD_NO_PAD.decode(sealed)?;
        if bytes.len() < NONCE_LEN {
            anyhow::bail!("a sealed secret is too short");
        }
        let (nonce, message) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into()?;
        let payload = Payload {
            msg: message,
            aad: context,
        };
        let plain = self
            .cipher
            .decrypt(&XNonce::from(nonce), payload)
            .map_err(|_| {
                anyhow::anyhow!(
                    "a sealed secret does not open: was ROSTER_JWT_SECRET changed since it was queued?"
                )
            })?;
        Ok(String::from_utf8(plain)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_context() {
        let sealer = Sealer::from_secret(b"a secret that is long enough for the test");
        let sealed = sealer.seal(b"row 1", "rsi_secret").expect("seal");
        assert!(!sealed.contains("rsi_secret"));
        assert_eq!(sealer.open(b"row 1", &sealed).expect("open"), "rsi_secret");
        assert!(sealer.open(b"row 2", &sealed).is_err());
        let other = Sealer::from_secret(b"another secret that is long enough too");
        assert!(other.open(b"row 1", &sealed).is_err());
    }
}
