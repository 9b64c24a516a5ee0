//! Signing in: passwords (Argon2id), database-backed sessions, and bearer tokens.

use crate::error::AppError;
use crate::{Actor, App};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::user::User;
use rand::RngCore;
use sha2::{Digest, Sha256};
use store::sessions::Session;

/// A fresh random secret (256 bits), URL-safe.
pub(crate) fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Secrets are stored only as SHA-256: they are random and long, so a slow hash adds nothing.
pub(crate) fn secret_hash(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hashes a password with Argon2id (default parameters: m=19 MiB, t=2, p=1) off the async threads.
pub async fn hash_password(password: String) -> String {
    tokio::task::spawn_blocking(move || {
        Argon2::default().hash_password(password.as_bytes()).expect("argon2 with default parameters").to_string()
    })
    .await
    .expect("hashing task")
}

async fn verify_password(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match hash {
        Some(hash) => Argon2::default().verify_password(password.as_bytes(), hash.as_str()).is_ok(),
        None => {
            // Spend the same time for unknown users, so timing does not reveal who exists.
            let _ = Argon2::default().hash_password(password.as_bytes());
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// A new browser session. `id` goes into the cookie and is never stored; `csrf_token` goes into
/// every form.
#[derive(Clone, Debug)]
pub struct NewSession {
    pub id: String,
    pub csrf_token: String,
    pub user: User,
}

/// An authenticated browser request.
#[derive(Clone, Debug)]
pub struct SessionContext {
    pub actor: Actor,
    pub csrf_token: String,
}

impl App {
    /// Checks e-mail and password and opens a new session (a new id every time: no fixation).
    /// Fails the same way for an unknown address, a wrong password and an inactive account.
    pub async fn login(&self, email: &str, password: &str, client: &str) -> Result<NewSession, AppError> {
        let email = email.trim().to_lowercase();
        let now = self.clock.now_ms();
        let s = &self.settings;
        let email_key = format!("email:{email}");
        let client_key = format!("client:{client}");
        if self.limiter.is_blocked(&email_key, s.login_failures_allowed, s.login_window_ms, now)
            || self.limiter.is_blocked(&client_key, s.login_failures_allowed * 3, s.login_window_ms, now)
        {
            return Err(AppError::RateLimited);
        }
        let found = {
            let mut tx = self.store.begin_read().await?;
            store::users::credentials(&mut tx, &email).await?
        };
        let (user, hash) = match found {
            Some((user, hash)) => (Some(user), hash),
            None => (None, None),
        };
        let ok = verify_password(password.to_owned(), hash).await;
        let user = match user {
            Some(user) if ok && user.active => user,
            _ => {
                self.limiter.record_failure(&email_key, now);
                self.limiter.record_failure(&client_key, now);
                tracing::info!(target: "audit", "failed login");
                return Err(AppError::Unauthenticated);
            }
        };
        self.limiter.clear(&email_key);
        let id = random_secret();
        let session = Session {
            id_hash: secret_hash(&id),
            user_id: user.id,
            csrf_token: random_secret(),
            created_at: now,
            last_seen_at: now,
            expires_at: now + s.session_idle_ms,
        };
        let mut tx = self.store.begin_write().await?;
        store::sessions::delete_expired(&mut tx, now).await?;
        store::sessions::insert(&mut tx, &session).await?;
        tx.commit().await?;
        Ok(NewSession { id, csrf_token: session.csrf_token, user })
    }

    /// The signed-in person behind a session cookie, if the session is live and the person active.
    pub async fn session(&self, session_id: &str, request_id: Option<String>) -> Result<Option<SessionContext>, AppError> {
        let now = self.clock.now_ms();
        let id_hash = secret_hash(session_id);
        let mut tx = self.store.begin_read().await?;
        let Some(session) = store::sessions::get(&mut tx, &id_hash).await? else { return Ok(None) };
        if session.expires_at <= now {
            return Ok(None);
        }
        let Some(user) = store::users::get(&mut tx, session.user_id).await? else { return Ok(None) };
        if !user.active {
            return Ok(None);
        }
        let grants = store::role_assignments::grants_of(&mut tx, user.id).await?;
        drop(tx);
        // Extend the session at most once a minute, so every click is not a write.
        if now - session.last_seen_at > 60_000 {
            let mut tx = self.store.begin_write().await?;
            store::sessions::touch(&mut tx, &id_hash, now, now + self.settings.session_idle_ms).await?;
            tx.commit().await?;
        }
        Ok(Some(SessionContext {
            actor: Actor { user: Some(user), grants, request_id },
            csrf_token: session.csrf_token,
        }))
    }

    pub async fn logout(&self, session_id: &str) -> Result<(), AppError> {
        let mut tx = self.store.begin_write().await?;
        store::sessions::delete(&mut tx, &secret_hash(session_id)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The person behind an API bearer token.
    pub async fn token_actor(&self, token: &str, request_id: Option<String>) -> Result<Option<Actor>, AppError> {
        let hash = secret_hash(token.trim());
        let mut tx = self.store.begin_read().await?;
        let Some(found) = store::tokens::find_live(&mut tx, &hash).await? else { return Ok(None) };
        let Some(user) = store::users::get(&mut tx, found.user_id).await? else { return Ok(None) };
        if !user.active {
            return Ok(None);
        }
        let grants = store::role_assignments::grants_of(&mut tx, user.id).await?;
        drop(tx);
        let now = self.clock.now_ms();
        if found.last_used_at.is_none_or(|t| now - t > 60_000) {
            let mut tx = self.store.begin_write().await?;
            store::tokens::touch(&mut tx, found.id, now).await?;
            tx.commit().await?;
        }
        Ok(Some(Actor { user: Some(user), grants, request_id }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn password_hashes_are_argon2id_and_verify() {
        let hash = hash_password("korrekt häst batteri".into()).await;
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("korrekt häst batteri".into(), Some(hash.clone())).await);
        assert!(!verify_password("fel".into(), Some(hash)).await);
        assert!(!verify_password("fel".into(), None).await);
    }

    #[test]
    fn secrets_are_random_and_hashes_stable() {
        assert_ne!(random_secret(), random_secret());
        assert_eq!(secret_hash("abc").len(), 64);
        assert_eq!(secret_hash("abc"), secret_hash("abc"));
    }
}
