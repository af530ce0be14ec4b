//! Passwords: the strength rule and argon2id hashing (m=19456 KiB, t=2, p=1). Hashing
//! is deliberately slow, so it runs on the blocking pool, at most one per core at a
//! time, and never stalls the request workers.

use std::sync::{
    Arc, LazyLock,
    atomic::{AtomicUsize, Ordering},
};

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 128;

static HASHING_SLOTS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    Arc::new(Semaphore::new(cores))
});

/// A hash of a password nobody has, checked when the login names no account, so an
/// unknown user costs the same time as a wrong password.
static DECOY_HASH: LazyLock<String> = LazyLock::new(|| {
    Argon2::default()
        .hash_password(b"decoy password that matches no account")
        .map(|hash| hash.to_string())
        .unwrap_or_default()
});

/// Refuses a password that is too short, too long or made of too few characters.
pub fn check_strength(password: &str) -> AppResult<()> {
    let length = password.chars().count();
    if !(MIN_LENGTH..=MAX_LENGTH).contains(&length) {
        return Err(AppError::BadUserInput(format!(
            "the password must be {MIN_LENGTH} to {MAX_LENGTH} characters long"
        )));
    }
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 5 {
        return Err(AppError::BadUserInput(
            "the password is too weak: use at least 5 different characters".into(),
        ));
    }
    Ok(())
}

/// Hashes (and verifications) being computed right now, for `/metrics`.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

pub fn hashes_in_flight() -> usize {
    IN_FLIGHT.load(Ordering::Relaxed)
}

/// Counts one hash in flight for as long as it lives, however its task ends.
struct InFlight;

impl InFlight {
    fn start() -> Self {
        IN_FLIGHT.fetch_add(1, Ordering::Relaxed);
        Self
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::Relaxed);
    }
}

async fn run_bounded<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    let _slot = HASHING_SLOTS
        .clone()
        .acquire_owned()
        .await
        .map_err(AppError::internal)?;
    Ok(tokio::task::spawn_blocking(move || {
        let _in_flight = InFlight::start();
        work()
    })
    .await?)
}

/// Hashes a password into a PHC string.
pub async fn hash(password: &str) -> AppResult<String> {
    let password = password.to_owned();
    run_bounded(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|error| AppError::internal(anyhow::anyhow!("hashing failed: {error}")))
    })
    .await?
}

/// Checks a password against a stored hash; with no hash, checks a decoy and fails.
pub async fn verify(password: &str, stored_hash: Option<&str>) -> AppResult<bool> {
    let password = password.to_owned();
    let (stored_hash, is_real) = match stored_hash {
        Some(hash) => (hash.to_owned(), true),
        None => (DECOY_HASH.clone(), false),
    };
    run_bounded(move || {
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), stored_hash.as_str())
            .is_ok();
        matches && is_real
    })
    .await
}
