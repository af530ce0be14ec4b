//! CSRF protection for the pages' forms: a double-submit cookie whose value the form
//! cannot be made to carry by another site. The cookie holds a random nonce
//! (`SameSite=Strict`, `HttpOnly`); the form holds an HMAC of that nonce and the
//! page's path (which holds the link's secret), under a key only the service knows.
//! A POST passes only when the two agree, so a form forged elsewhere, a replay on
//! another link, or a cookie planted without its MAC all fail.

use axum::http::{HeaderMap, HeaderValue, header};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// The cookie's name; the form field is `csrf`.
pub const COOKIE: &str = "roster_csrf";
const NONCE_BYTES: usize = 32;
/// The cookie lives an hour; a page shown without one sets a new one, so a form
/// refused for its age works on the page that refusal shows.
const COOKIE_MAX_AGE_SECS: u32 = 3600;

type HmacSha256 = Hmac<Sha256>;

pub struct Csrf {
    key: Vec<u8>,
    cookie_path: String,
    secure: bool,
}

/// What a page puts in its response (the cookie) and in its forms (the value).
pub struct Issued {
    pub set_cookie: Option<HeaderValue>,
    pub form_value: String,
}

impl Csrf {
    /// `secret` is the service's token-signing secret: instances that share it accept
    /// each other's forms.
    pub fn new(secret: &[u8], cookie_path: &str, secure: bool) -> Self {
        let mut mac = mac_for(secret);
        mac.update(b"roster pages csrf key");
        Self {
            key: mac.finalize().into_bytes().to_vec(),
            cookie_path: cookie_path.to_owned(),
            secure,
        }
    }

    /// The value for the forms of the page at `path`; reuses the browser's nonce
    /// when it sent one (several tabs then all work) and sets a new one otherwise.
    pub fn issue(&self, headers: &HeaderMap, path: &str) -> Issued {
        if let Some(nonce) = nonce_of(headers) {
            return Issued {
                set_cookie: None,
                form_value: self.form_value(&nonce, path),
            };
        }
        let mut bytes = [0u8; NONCE_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        let nonce = URL_SAFE_NO_PAD.encode(bytes);
        let secure = if self.secure { "; Secure" } else { "" };
        let cookie = format!(
            "{COOKIE}={nonce}; Path={}; Max-Age={COOKIE_MAX_AGE_SECS}; HttpOnly; SameSite=Strict{secure}",
            self.cookie_path
        );
        Issued {
            set_cookie: HeaderValue::from_str(&cookie).ok(),
            form_value: self.form_value(&nonce, path),
        }
    }

    /// Whether a form posted to `path` carries the value that belongs to its cookie.
    pub fn verify(&self, headers: &HeaderMap, path: &str, form_value: &str) -> bool {
        let Some(nonce) = nonce_of(headers) else {
            return false;
        };
        let Ok(presented) = URL_SAFE_NO_PAD.decode(form_value.trim()) else {
            return false;
        };
        self.mac(&nonce, path).verify_slice(&presented).is_ok()
    }

    fn form_value(&self, nonce: &str, path: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(nonce, path).finalize().into_bytes())
    }

    fn mac(&self, nonce: &str, path: &str) -> HmacSha256 {
        let mut mac = mac_for(&self.key);
        mac.update(nonce.as_bytes());
        mac.update(b"\0");
        mac.update(path.as_bytes());
        mac
    }
}

fn mac_for(key: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!())
}

/// The nonce of the request's CSRF cookie, when it has a well-formed one.
fn nonce_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|nonce| {
            URL_SAFE_NO_PAD
                .decode(nonce)
                .is_ok_and(|b| b.len() == NONCE_BYTES)
        })
}
