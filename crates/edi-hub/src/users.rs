//! `edi-hub user add|remove|list`: who may sign in to the dashboard with
//! single sign-on, and as what, straight on the store (it works while a hub
//! serves the same store; the hub follows within a few seconds).

use anyhow::bail;
use edi_hub_store::{Grant, Store, Subject, UserRecord};

use crate::cli::{UserCommand, Who};

pub async fn run(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add(args) => {
            let subject = subject(&args.who)?;
            let grant = Grant::new(args.role, args.organisation).map_err(anyhow::Error::msg)?;
            let store = Store::open(&args.store.location())?;
            let record = store.users().set(subject, grant, None).await?;
            println!("{}", describe(&record));
            Ok(())
        }
        UserCommand::Remove(args) => {
            let subject = subject(&args.who)?;
            let store = Store::open(&args.store.location())?;
            if !store.users().remove(&subject, None).await? {
                bail!("{} has no mapping", name(&subject));
            }
            println!("{} no longer has a role", name(&subject));
            Ok(())
        }
        UserCommand::List(store) => {
            let store = Store::open(&store.location())?;
            let (records, damaged) = store.users().list().await?;
            for record in &records {
                println!("{}", describe(record));
            }
            for path in &damaged {
                println!("cannot be read (whoever it maps is refused until set again): {path}");
            }
            if records.is_empty() && damaged.is_empty() {
                println!("nobody is mapped yet: `edi-hub user add --email ... --role ...`");
            }
            Ok(())
        }
    }
}

fn subject(who: &Who) -> anyhow::Result<Subject> {
    match (&who.email, &who.claim) {
        (Some(email), None) => Subject::email(email).map_err(anyhow::Error::msg),
        (None, Some(value)) => Subject::claim(value).map_err(anyhow::Error::msg),
        _ => bail!("give either --email or --claim"),
    }
}

fn name(subject: &Subject) -> String {
    match subject {
        Subject::Email(e) => e.clone(),
        Subject::Claim(v) => format!("role-claim value {v}"),
    }
}

/// "alex@harrow.gov.uk: submitter of E09000015 (Harrow)".
fn describe(record: &UserRecord) -> String {
    let organisation =
        record.grant.organisation.map(|o| format!(" of {} ({})", o.code(), o.name())).unwrap_or_default();
    format!("{}: {}{organisation}", name(&record.subject), record.grant.role.name())
}
