//! Report tasks and reminders: which active reports a person must write or approve (their to-do
//! list), how often they want to be reminded, and the digest jobs that remind them.
//!
//! Every server calls [`App::schedule_digests`] now and then. It enqueues one job per person
//! and digest slot under an idempotency key, so however many servers schedule, each digest is
//! queued once; the queue's claim gives it to one worker. The job's handler (the `mail` crate)
//! asks [`App::digest`] what to send at the time of sending, so a report approved meanwhile is
//! not mentioned.

use crate::{Actor, App, AppError};
use domain::UserId;
use domain::job::NewJob;
use domain::reminder::{self, DigestFrequency, DigestItem, Task};
use domain::report::Report;
use domain::role::Role;
use domain::user::User;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use store::Tx;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

/// The job kind of a reminder digest.
pub const DIGEST_JOB: &str = "reminder-digest";

/// What a digest job carries: whom it is for and the day it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestJob {
    pub user: UserId,
    /// The slot's day (`YYYY-MM-DD`): deadlines are counted from it.
    pub day: String,
    pub frequency: DigestFrequency,
}

/// A digest to send.
#[derive(Clone, Debug, PartialEq)]
pub struct Digest {
    pub user: User,
    pub frequency: DigestFrequency,
    pub day: Date,
    pub items: Vec<DigestItem>,
}

/// The roles whose holders on a unit itself write its reports unless someone chooses others.
const DEFAULT_REPORTER_ROLES: [Role; 2] = [Role::User, Role::Manager];

/// Swedish local time at `now_ms`.
fn swedish_time(now_ms: i64) -> PrimitiveDateTime {
    let now = OffsetDateTime::from_unix_timestamp_nanos(i128::from(now_ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let local = now + time::Duration::hours(crate::clock::swedish_offset_hours(now_ms));
    PrimitiveDateTime::new(local.date(), local.time())
}

/// Gives a report that has no reporters the default ones (see [`default_reporters`]); a report
/// whose reporters were chosen keeps them.
pub(crate) async fn name_default_reporters(tx: &mut Tx, report: &Report) -> Result<(), AppError> {
    if store::reports::reporters(tx, report.id).await?.is_empty() {
        let reporters = default_reporters(tx, report).await?;
        store::reports::set_reporters(tx, report.id, &reporters).await?;
    }
    Ok(())
}

/// The default reporters of a unit's report: its manager and whoever has the user or manager
/// role on the unit itself (not those who inherit a role from a unit above).
async fn default_reporters(
    tx: &mut Tx,
    report: &Report,
) -> Result<Vec<UserId>, AppError> {
    let mut users: Vec<UserId> = store::reports::people_of_unit(tx, report.unit)
        .await?
        .into_iter()
        .filter(|(_, role)| DEFAULT_REPORTER_ROLES.contains(role))
        .map(|(user, _)| user)
        .collect();
    users.dedup();
    Ok(users)
}

/// The person's tasks on active reports: write (sections not yet ready) or approve (every
/// section ready, and the person approves). In deadline order.
async fn tasks_of(tx: &mut Tx, user: UserId) -> Result<Vec<DigestItem>, AppError> {
    let mut templates = HashMap::new();
    let mut units = HashMap::new();
    let mut items = Vec::new();
    for found in store::reports::active_reports_of_person(tx, user).await? {
        let report = found.report;
        let Some(deadline) = report.deadline else {
            continue;
        };
        if !templates.contains_key(&report.template) {
            let template = store::reports::template(tx, report.template)
                .await?
                .ok_or(AppError::NotFound)?;
            templates.insert(report.template, template);
        }
        let template = templates[&report.template].template.with_own_sections(&report.own_sections);
        let texts = store::reports::texts(tx, report.id).await?;
        let not_ready = template.sections_not_ready(&texts).len();
        let task = match (not_ready, found.writes, found.approves) {
            (0, _, true) => Task::Approve,
            (n, true, _) if n > 0 => {
                let sections = template.text_sections();
                Task::Write {
                    ready: sections - n,
                    sections,
                }
            }
            _ => continue,
        };
        if !units.contains_key(&report.unit) {
            let unit = store::org_units::get(tx, report.unit)
                .await?
                .ok_or(AppError::NotFound)?;
            units.insert(report.unit, unit.name);
        }
        items.push(DigestItem {
            report_id: report.id.to_string(),
            title: report.title,
            unit_name: units[&report.unit].clone(),
            deadline,
            task,
        });
    }
    reminder::sort_items(&mut items);
    Ok(items)
}

impl App {
    /// The active reports the signed-in person must write or approve, by deadline.
    pub async fn report_tasks(&self, actor: &Actor) -> Result<Vec<DigestItem>, AppError> {
        let Some(user) = &actor.user else {
            return Ok(Vec::new());
        };
        let mut tx = self.store.begin_read().await?;
        tasks_of(&mut tx, user.id).await
    }

    /// How often the signed-in person gets the reminder digest.
    pub async fn digest_frequency(&self, actor: &Actor) -> Result<DigestFrequency, AppError> {
        let Some(user) = &actor.user else {
            return Ok(DigestFrequency::Off);
        };
        let mut tx = self.store.begin_read().await?;
        Ok(store::users::digest(&mut tx, user.id).await?)
    }

    /// Sets how often the signed-in person gets the reminder digest (their own choice: no
    /// right needed, not audited as a change of the organisation).
    pub async fn set_digest_frequency(
        &self,
        actor: &Actor,
        frequency: DigestFrequency,
    ) -> Result<(), AppError> {
        let Some(user) = &actor.user else {
            return Err(AppError::Forbidden);
        };
        let mut tx = self.store.begin_write().await?;
        store::users::set_digest(&mut tx, user.id, frequency, self.clock.now_ms()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Queues the digest now due for every person with a report task whose deadline is near or
    /// passed. Safe to call from every server as often as wanted: a digest's idempotency key
    /// names the person and the slot, so it is queued once. Answers how many jobs were queued.
    pub async fn schedule_digests(&self) -> Result<usize, AppError> {
        let now = swedish_time(self.clock.now_ms());
        let due: Vec<NewJob> = {
            let mut tx = self.store.begin_read().await?;
            let mut due = Vec::new();
            for user in store::reports::people_with_report_tasks(&mut tx).await? {
                let frequency = store::users::digest(&mut tx, user).await?;
                let Some(slot) = reminder::current_slot(frequency, now) else {
                    continue;
                };
                // Queued already (by this server or another): nothing to work out again.
                let key = reminder::digest_key(user, frequency, &slot);
                if store::jobs::key_taken(&mut tx, &key).await? {
                    continue;
                }
                let items = tasks_of(&mut tx, user).await?;
                if !items
                    .iter()
                    .any(|i| reminder::is_due_soon(i.deadline, slot.day, frequency))
                {
                    continue;
                }
                let payload = serde_json::json!({ "user": user, "day": slot.day.to_string(), "frequency": frequency });
                due.push(
                    NewJob::new(DIGEST_JOB, payload)
                        .idempotency_key(key),
                );
            }
            due
        };
        let mut queued = 0;
        for job in &due {
            if self.enqueue_job(job).await?.1 {
                queued += 1;
            }
        }
        Ok(queued)
    }

    /// What a digest job sends, read when it is sent: None if the person is gone or inactive,
    /// has no e-mail reminders any more, or has nothing near its deadline left.
    pub async fn digest(&self, job: &DigestJob) -> Result<Option<Digest>, AppError> {
        let day = domain::validate::date("day", &job.day)?;
        let mut tx = self.store.begin_read().await?;
        let Some(user) = store::users::get(&mut tx, job.user).await? else {
            return Ok(None);
        };
        let frequency = store::users::digest(&mut tx, user.id).await?;
        if !user.active || frequency == DigestFrequency::Off {
            return Ok(None);
        }
        let items: Vec<DigestItem> = tasks_of(&mut tx, user.id)
            .await?
            .into_iter()
            .filter(|i| reminder::is_due_soon(i.deadline, day, job.frequency))
            .collect();
        Ok((!items.is_empty()).then_some(Digest {
            user,
            frequency: job.frequency,
            day,
            items,
        }))
    }
}
