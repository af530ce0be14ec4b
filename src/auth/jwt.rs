//! Access tokens: HS256 JWTs that name the user and the session epoch they were
//! issued in. They are verified locally; the epoch check against the user row makes
//! a password change or deactivation end them before they expire.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::viewer::Rejection;
use crate::error::{AppError, AppResult};

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub iat: i64,
    pub exp: i64,
    /// The user's `session_epoch` when the token was issued.
    pub epoch: i32,
    /// The refresh-token family (the sign-in) it belongs to: logging out of that
    /// session ends the subscriptions opened with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Uuid>,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl JwtKeys {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        // Expiry is checked against the service's clock in `verify`.
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    pub fn issue(
        &self,
        user_id: Uuid,
        epoch: i32,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> AppResult<String> {
        self.issue_in_session(user_id, epoch, None, now, expires_at)
    }

    /// A token that names the session (refresh-token family) it was issued in.
    pub fn issue_in_session(
        &self,
        user_id: Uuid,
        epoch: i32,
        session: Option<Uuid>,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> AppResult<String> {
        let claims = Claims {
            sub: user_id,
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
            epoch,
            sid: session,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(AppError::internal)
    }

    /// The claims of a token signed with this key and not expired at `now`.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, Rejection> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|_| Rejection::invalid("the access token is not valid"))?;
        if claims.exp <= now.timestamp() {
            return Err(Rejection::expired(
                "the access token has expired: refresh it",
            ));
        }
        Ok(claims)
    }
}
