//! Configuration: defaults → TOML file → `STYRBORD_*` environment variables. Secrets are never
//! printed (the database URL is shown with its password masked).

use anyhow::{Context, Result};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// `sqlite://…` or `postgres://…`; default: `styrbord.db` in the data directory.
    pub database_url: Option<String>,
    pub data_dir: PathBuf,
    pub listen: String,
    /// Mark cookies `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    /// The address people use, e.g. `https://styrbord.region.se` (form posts must come from it).
    pub public_url: Option<String>,
    /// Log filter, e.g. `info` or `web=debug,info`.
    pub log: String,
    /// Log as JSON lines.
    pub log_json: bool,
    /// Where reminder e-mail goes: `smtp://host:25`, `smtp://host:587?tls=required` (STARTTLS)
    /// or `smtps://user:password@host:465`. Unset: no e-mail is sent and no reminders are queued.
    pub smtp_url: Option<String>,
    /// The sender of e-mail, e.g. `Styrbord <styrbord@region.se>`.
    pub mail_from: String,
    /// How often (milliseconds) the server queues due reminders and runs due jobs.
    pub worker_interval_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: None,
            data_dir: PathBuf::from("./data"),
            listen: "127.0.0.1:8080".into(),
            secure_cookies: false,
            public_url: None,
            log: "info".into(),
            log_json: false,
            smtp_url: None,
            mail_from: "Styrbord <styrbord@localhost>".into(),
            worker_interval_ms: 30_000,
        }
    }
}

impl Config {
    pub fn load(file: Option<&Path>, data_dir: Option<&Path>) -> Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        figment = figment.merge(Env::prefixed("STYRBORD_").only(&[
            "database_url",
            "listen",
            "secure_cookies",
            "public_url",
            "log",
            "log_json",
            "data_dir",
            "smtp_url",
            "mail_from",
            "worker_interval_ms",
        ]));
        let mut config: Config = figment.extract().context("reading the configuration")?;
        if let Some(dir) = data_dir {
            config.data_dir = dir.to_owned();
        }
        Ok(config)
    }

    /// The database URL; for the default SQLite file the data directory is created.
    pub fn database_url(&self) -> Result<String> {
        match &self.database_url {
            Some(url) if !url.is_empty() => Ok(url.clone()),
            _ => {
                std::fs::create_dir_all(&self.data_dir)
                    .with_context(|| format!("creating the data directory {}", self.data_dir.display()))?;
                Ok(format!("sqlite://{}", self.data_dir.join("styrbord.db").display()))
            }
        }
    }

    /// The SMTP URL with any password replaced by `***`, for the log.
    pub fn smtp_url_redacted(&self) -> Option<String> {
        self.smtp_url.as_deref().map(redact)
    }

    /// The URL with any password replaced by `***`.
    pub fn database_url_redacted(&self) -> String {
        let url = self.database_url.clone().unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("styrbord.db").display()));
        redact(&url)
    }
}

fn redact(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((credentials, host)) = rest.split_once('@')
        && let Some((user, _password)) = credentials.split_once(':')
    {
        return format!("{scheme}://{user}:***@{host}");
    }
    url.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_masked() {
        assert_eq!(redact("postgres://app:hemligt@db:5432/styrbord"), "postgres://app:***@db:5432/styrbord");
        assert_eq!(redact("postgres://postgres@127.0.0.1/x"), "postgres://postgres@127.0.0.1/x");
        assert_eq!(redact("sqlite://data/styrbord.db"), "sqlite://data/styrbord.db");
    }
}
