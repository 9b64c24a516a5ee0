//! API tokens for integrations: created by the user (settings page) or by the operator (CLI).

use crate::audit_log::Change;
use crate::auth::{random_secret, secret_hash};
use crate::error::AppError;
use crate::{Actor, App};
use domain::TokenId;
use domain::audit::{AuditAction, ObjectType};
use store::tokens::ApiToken;

/// A token just created: `secret` is shown once and never again.
#[derive(Clone, Debug)]
pub struct CreatedToken {
    pub token: ApiToken,
    pub secret: String,
}

impl App {
    /// Creates a token for the actor themselves.
    pub async fn create_own_token(&self, actor: &Actor, label: &str) -> Result<CreatedToken, AppError> {
        let user = actor.user.clone().ok_or(AppError::Forbidden)?;
        if !user.active {
            return Err(AppError::Forbidden);
        }
        self.create_token_for(actor, &user, label).await
    }

    /// Operator command: a token for the user with this e-mail.
    pub async fn create_token_for_email(&self, email: &str, label: &str) -> Result<CreatedToken, AppError> {
        let email = domain::user::parse_email("email", email)?;
        let user = {
            let mut tx = self.store.begin_read().await?;
            store::users::get_by_email(&mut tx, &email).await?.ok_or(AppError::NotFound)?
        };
        self.create_token_for(&Actor::system(), &user, label).await
    }

    async fn create_token_for(&self, actor: &Actor, user: &domain::user::User, label: &str) -> Result<CreatedToken, AppError> {
        let label = domain::validate::required_text("label", label, 100)?;
        let secret = format!("sb_{}", random_secret());
        let token = ApiToken {
            id: TokenId::new(),
            user_id: user.id,
            label,
            created_at: self.clock.now_ms(),
            last_used_at: None,
            revoked_at: None,
        };
        let mut tx = self.store.begin_write().await?;
        store::tokens::insert(&mut tx, &token, &secret_hash(&secret)).await?;
        self.record(
            &mut tx,
            actor,
            Change {
                action: AuditAction::Created,
                object_type: ObjectType::ApiToken,
                object_id: token.id.to_string(),
                label: &format!("{} ({})", token.label, user.email),
                unit: user.home_unit_id,
                before: None,
                after: Some(serde_json::json!({"label": token.label, "user": user.email})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(CreatedToken { token, secret })
    }

    pub async fn list_own_tokens(&self, actor: &Actor) -> Result<Vec<ApiToken>, AppError> {
        let user = actor.user.as_ref().ok_or(AppError::Forbidden)?;
        let mut tx = self.store.begin_read().await?;
        Ok(store::tokens::list_for_user(&mut tx, user.id).await?)
    }

    /// Revokes one of the actor's own tokens.
    pub async fn revoke_own_token(&self, actor: &Actor, id: TokenId) -> Result<(), AppError> {
        let user = actor.user.as_ref().ok_or(AppError::Forbidden)?;
        let mut tx = self.store.begin_write().await?;
        let token = store::tokens::get(&mut tx, id).await?.filter(|t| t.user_id == user.id).ok_or(AppError::NotFound)?;
        if token.revoked_at.is_some() {
            return Err(AppError::Conflict(crate::ConflictKind::AlreadyRevoked));
        }
        store::tokens::revoke(&mut tx, id, self.clock.now_ms()).await?;
        self.record(
            &mut tx,
            actor,
            Change {
                action: AuditAction::Revoked,
                object_type: ObjectType::ApiToken,
                object_id: id.to_string(),
                label: &format!("{} ({})", token.label, user.email),
                unit: user.home_unit_id,
                before: Some(serde_json::json!({"label": token.label, "revoked": false})),
                after: Some(serde_json::json!({"label": token.label, "revoked": true})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
