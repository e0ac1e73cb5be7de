//! `pupilmatch disclosure trust`, and how the other disclosure commands speak of the other
//! side's key: whether the fingerprint its coordinator read out by phone was recorded, and
//! whether the key the hub publishes matches it. Never the hub's fingerprint of another
//! authority's key itself: shown, it invites copying it instead of checking it by phone (issue
//! #22 item 11). This authority's own fingerprint is shown, labelled as ours, to be read out.

use anyhow::Context;

use super::hub_args::HubArgs;
use crate::client::{AuthorityNames, HubClient, PublishedKey};
use crate::disclosure::PublicKey;
use crate::local::{FingerprintBook, FingerprintCheck, Workspace};

/// The fingerprints this authority recorded, and who it is.
pub struct Trust {
    /// This authority's code (`None` when the hub could not say).
    own: Option<String>,
    /// Its fingerprint book (`None` without a workspace).
    book: Option<FingerprintBook>,
}

impl Trust {
    /// This authority's fingerprint book, found through the hub (`GET /v1/me`); empty when
    /// the hub cannot say who this authority is.
    pub fn fetch(runtime: &tokio::runtime::Runtime, client: &HubClient) -> Trust {
        let Ok(me) = runtime.block_on(client.me()) else {
            return Trust {
                own: None,
                book: None,
            };
        };
        let book = Workspace::for_authority(&me.authority.code)
            .ok()
            .map(|w| w.fingerprints());
        Trust {
            own: Some(me.authority.code),
            book,
        }
    }

    /// Whether `authority` is this authority.
    pub fn is_own(&self, authority: &str) -> bool {
        self.own.as_deref() == Some(authority)
    }

    /// The fingerprint recorded for `authority`, if any.
    pub fn recorded(&self, authority: &str) -> anyhow::Result<Option<String>> {
        let Some(book) = &self.book else {
            return Ok(None);
        };
        Ok(book.load()?.remove(authority).map(|c| c.fingerprint))
    }

    /// `authority`'s key in words: registered or not, and whether the fingerprint read out by
    /// phone matches the key published (`public_key`, base64url).
    pub fn words(&self, authority: &str, public_key: Option<&str>) -> String {
        let Some(public_key) = public_key else {
            return "not registered yet".into();
        };
        let published = match PublicKey::parse(public_key) {
            Ok(key) => key.fingerprint(),
            Err(e) => return format!("the hub publishes an unusable key: {e}"),
        };
        if self.is_own(authority) {
            return format!("yours, {published} (read it out to the other side's coordinator)");
        }
        let check = match &self.book {
            Some(book) => book.check(authority, &published),
            None => Ok(FingerprintCheck::NotChecked),
        };
        match check {
            Ok(FingerprintCheck::Matches(on)) => format!("checked by phone on {on}: matches"),
            Ok(FingerprintCheck::Differs(on)) => format!(
                "checked by phone on {on}: DOES NOT MATCH the key the hub publishes; do not \
                 confirm, ring their coordinator and report it to the hub's operator"
            ),
            Ok(FingerprintCheck::NotChecked) => format!(
                "not yet checked: ask their coordinator to read theirs out, then run \
                 `pupilmatch disclosure trust --authority {authority} --fingerprint …`"
            ),
            Err(e) => format!("cannot read the fingerprints recorded: {e}"),
        }
    }
}

/// Runs `disclosure trust`: records `authority`'s fingerprint as read out today, then says
/// whether the key the hub publishes for it matches.
pub fn run_trust(
    runtime: &tokio::runtime::Runtime,
    hub: &HubArgs,
    authority: &str,
    fingerprint: &str,
) -> anyhow::Result<()> {
    let client = hub.client()?;
    let me = runtime
        .block_on(client.me())
        .context("asking the hub which authority this API key belongs to")?;
    anyhow::ensure!(
        authority != me.authority.code,
        "{authority} is your own authority: record the fingerprints the other members' \
         coordinators read out to you"
    );
    let names = AuthorityNames::from(&me);
    let workspace = Workspace::for_authority(&me.authority.code)?;
    workspace.ensure_dir()?;
    let today = chrono::Local::now().date_naive();
    let book = workspace.fingerprints();
    book.record(authority, fingerprint, today)?;
    println!(
        "recorded the fingerprint {}'s coordinator read out on {today} (in {})",
        names.show(authority),
        book.path().display()
    );
    let mut published: Option<PublishedKey> = None;
    for agreement in &me.agreements {
        let keys = runtime.block_on(client.disclosure_keys(&agreement.id))?;
        published = published.or(keys.into_iter().find(|k| k.authority == authority));
    }
    let trust = Trust {
        own: Some(me.authority.code.clone()),
        book: Some(book),
    };
    println!(
        "their key: {}",
        trust.words(authority, published.as_ref().map(|k| k.public_key.as_str()))
    );
    Ok(())
}
