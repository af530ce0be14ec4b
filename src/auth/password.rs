//! Passwords: the strength rule and argon2id hashing (m=19456 KiB, t=2, p=1). Hashing
//! is deliberately slow, so it runs on a few dedicated threads, one fewer than the
//! cores (at least one), and never stalls the request workers.

use std::{
    cell::RefCell,
    panic::AssertUnwindSafe,
    sync::{
        Arc, LazyLock, Mutex, OnceLock, PoisonError,
        atomic::{AtomicUsize, Ordering},
        mpsc,
    },
};

use argon2::{
    Algorithm, Argon2, Block, Params, Version,
    password_hash::phc::{Output, ParamsString, PasswordHash, Salt},
};
use rand::RngCore;

use crate::error::{AppError, AppResult};

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 128;

/// A hash of a password nobody has, checked when the login names no account, so an
/// unknown user costs the same time as a wrong password.
/// Computed on a hashing thread, the first time it is needed.
static DECOY_HASH: LazyLock<String> = LazyLock::new(|| {
    hash_in_work_memory(b"decoy password that matches no account").unwrap_or_default()
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

type Job = Box<dyn FnOnce() + Send>;

/// The threads that hash: a fixed few, living as long as the process. Fewer than the
/// cores, so that a burst of logins leaves a core to the requests; and always the
/// same threads, each hashing in its own work memory (`WORK_MEMORY`), so a burst of
/// logins allocates nothing (on short-lived blocking-pool threads, 50 concurrent
/// logins grew the process past 400 MB).
static HASHERS: OnceLock<mpsc::Sender<Job>> = OnceLock::new();

fn hashers() -> AppResult<&'static mpsc::Sender<Job>> {
    if let Some(hashers) = HASHERS.get() {
        return Ok(hashers);
    }
    let (sender, receiver) = mpsc::channel::<Job>();
    let receiver = Arc::new(Mutex::new(receiver));
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    for index in 0..cores.saturating_sub(1).max(1) {
        let receiver = receiver.clone();
        std::thread::Builder::new()
            .name(format!("roster-hash-{index}"))
            .spawn(move || {
                loop {
                    let job = match receiver
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .recv()
                    {
                        Ok(job) => job,
                        // Every sender is gone: the pool lost a race to start; stop.
                        Err(_) => return,
                    };
                    // A panicking job drops its result sender; the caller sees an error.
                    let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
                }
            })
            .map_err(AppError::internal)?;
    }
    Ok(HASHERS.get_or_init(|| sender))
}

/// Runs `work` on a hashing thread, in arrival order, and waits for its result.
async fn run_bounded<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _in_flight = InFlight::start();
        let _ = done.send(work());
    });
    hashers()?
        .send(job)
        .map_err(|_| AppError::internal(anyhow::anyhow!("the password hashers have stopped")))?;
    result
        .await
        .map_err(|_| AppError::internal(anyhow::anyhow!("a password hash failed to finish")))
}

/// Hashes a password into a PHC string.
pub async fn hash(password: &str) -> AppResult<String> {
    let password = password.to_owned();
    run_bounded(move || {
        hash_in_work_memory(password.as_bytes())
            .map_err(|error| AppError::internal(anyhow::anyhow!("hashing failed: {error}")))
    })
    .await?
}

/// Checks a password against a stored hash; with no hash, checks a decoy and fails.
pub async fn verify(password: &str, stored_hash: Option<&str>) -> AppResult<bool> {
    let password = password.to_owned();
    let stored_hash = stored_hash.map(str::to_owned);
    run_bounded(move || match stored_hash {
        Some(stored_hash) => verify_in_work_memory(password.as_bytes(), &stored_hash),
        None => {
            verify_in_work_memory(password.as_bytes(), &DECOY_HASH);
            false
        }
    })
    .await
}

thread_local! {
    /// This thread's argon2 work memory (19 MiB at the default cost), kept from one
    /// hash to the next. Allocated and freed per hash, the blocks stayed with the
    /// allocator after a burst of logins (RSS 145 MB after 100 logins, from 20 MB).
    static WORK_MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Runs argon2 with this thread's work memory, grown to what `argon2` needs.
fn argon2_into(
    argon2: &Argon2,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    WORK_MEMORY.with_borrow_mut(|memory| {
        memory.resize(argon2.params().block_count(), Block::new());
        argon2.hash_password_into_with_memory(password, salt, out, memory.as_mut_slice())
    })
}

/// A new PHC string for `password` (argon2id, default cost, a random 16-byte salt).
fn hash_in_work_memory(password: &[u8]) -> anyhow::Result<String> {
    let argon2 = Argon2::default();
    let mut salt = [0u8; Salt::RECOMMENDED_LENGTH];
    rand::rng().fill_bytes(&mut salt);
    let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon2_into(&argon2, password, &salt, &mut output).map_err(anyhow::Error::msg)?;
    let hash = PasswordHash {
        algorithm: Algorithm::default().ident(),
        version: Some(Version::default().into()),
        params: ParamsString::try_from(argon2.params()).map_err(anyhow::Error::msg)?,
        salt: Some(Salt::new(&salt).map_err(anyhow::Error::msg)?),
        hash: Some(Output::new(&output).map_err(anyhow::Error::msg)?),
    };
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `stored` (constant-time comparison). An
/// unreadable stored hash matches nothing.
fn verify_in_work_memory(password: &[u8], stored: &str) -> bool {
    let Ok(hash) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else {
        return false;
    };
    let algorithm = Algorithm::try_from(hash.algorithm.as_str());
    let version = hash
        .version
        .map_or(Ok(Version::default()), Version::try_from);
    let (Ok(algorithm), Ok(version), Ok(params)) = (algorithm, version, Params::try_from(&hash))
    else {
        return false;
    };
    let mut output = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params);
    argon2_into(&argon2, password, salt, &mut output).is_ok()
        && Output::new(&output).is_ok_and(|computed| computed == *expected)
}

#[cfg(test)]
mod tests {
    use argon2::{PasswordHasher, PasswordVerifier};

    use super::*;

    #[test]
    fn hashes_made_with_reused_work_memory_are_standard_phc_strings_both_ways() {
        let ours = hash_in_work_memory(b"a password of ours").expect("hash");
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        assert!(
            Argon2::default()
                .verify_password(b"a password of ours", ours.as_str())
                .is_ok()
        );
        let theirs = Argon2::default()
            .hash_password(b"a password of theirs")
            .expect("hash")
            .to_string();
        assert!(verify_in_work_memory(b"a password of theirs", &theirs));
        assert!(!verify_in_work_memory(b"a password of ours", &theirs));
        assert!(!verify_in_work_memory(b"a password of ours", "not a hash"));
    }
}
