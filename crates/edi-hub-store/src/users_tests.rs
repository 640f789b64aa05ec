//! Unit tests of the sign-in mappings.
use super::*;
use object_store::memory::InMemory;

fn grant(role: Role, organisation: Option<&str>) -> Grant {
    Grant::new(role, organisation.map(|o| o.parse().unwrap())).unwrap()
}

#[tokio::test]
async fn mappings_are_shared_replaced_and_removed() {
    let objects: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
    let a = UserRegistry::new(objects.clone());
    let alice = Subject::email(" Alice@Harrow.gov.uk ").unwrap();
    assert_eq!(alice, Subject::Email("alice@harrow.gov.uk".into()));
    a.set(alice.clone(), grant(Role::Submitter, Some("E09000015")), None).await.unwrap();
    let b = UserRegistry::new(objects.clone());
    let Resolution::Mapped(r) = b.resolve("ALICE@harrow.gov.uk", &[]).await.unwrap() else { panic!() };
    assert_eq!(r.grant, grant(Role::Submitter, Some("E09000015")));
    a.set(alice.clone(), grant(Role::Analyst, None), Some("steward".into())).await.unwrap();
    b.refresh().await.unwrap();
    let Resolution::Mapped(r) = b.resolve("alice@harrow.gov.uk", &[]).await.unwrap() else { panic!() };
    assert_eq!(r.grant.role, Role::Analyst);
    assert!(b.remove(&alice, None).await.unwrap());
    assert!(!b.remove(&alice, None).await.unwrap());
    a.refresh().await.unwrap();
    assert_eq!(a.resolve("alice@harrow.gov.uk", &[]).await.unwrap(), Resolution::Unmapped);
}

#[tokio::test]
async fn claim_values_map_unless_they_disagree() {
    let objects: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
    let r = UserRegistry::new(objects);
    r.set(Subject::claim("hr-harrow").unwrap(), grant(Role::Submitter, Some("E09000015")), None).await.unwrap();
    r.set(Subject::claim("analysts").unwrap(), grant(Role::Analyst, None), None).await.unwrap();
    let groups = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(
        matches!(r.resolve("x@y.uk", &groups(&["hr-harrow", "other"])).await.unwrap(), Resolution::Mapped(m) if m.grant.role == Role::Submitter)
    );
    assert_eq!(r.resolve("x@y.uk", &groups(&["hr-harrow", "analysts"])).await.unwrap(), Resolution::Conflict);
    // A person's own mapping wins.
    r.set(Subject::email("x@y.uk").unwrap(), grant(Role::Steward, None), None).await.unwrap();
    assert!(
        matches!(r.resolve("x@y.uk", &groups(&["hr-harrow", "analysts"])).await.unwrap(), Resolution::Mapped(m) if m.grant.role == Role::Steward)
    );
}

#[tokio::test]
async fn a_damaged_latest_entry_fails_closed() {
    let objects: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
    let r = UserRegistry::new(objects.clone());
    let bob = Subject::email("bob@camden.gov.uk").unwrap();
    r.set(bob.clone(), grant(Role::Steward, None), None).await.unwrap();
    let path = layout::slot(&Path::from(format!("{}/{}", layout::USERS, bob.key())), 2);
    objects.put(&path, PutPayload::from_static(b"{not json")).await.unwrap();
    let fresh = UserRegistry::new(objects.clone());
    assert!(matches!(fresh.resolve("bob@camden.gov.uk", &[]).await.unwrap(), Resolution::Damaged(_)));
    assert_eq!(fresh.list().await.unwrap().1.len(), 1);
    // A steward's new mapping repairs it.
    fresh.set(bob.clone(), grant(Role::Analyst, None), None).await.unwrap();
    let again = UserRegistry::new(objects);
    assert!(
        matches!(again.resolve("bob@camden.gov.uk", &[]).await.unwrap(), Resolution::Mapped(m) if m.grant.role == Role::Analyst)
    );
}

#[test]
fn subjects_are_checked() {
    for bad in ["", "no-at-sign", "@example.org", "a@", "a b@c.uk", "a@b@c", "a/b@c.uk"] {
        assert!(Subject::email(bad).is_err(), "{bad}");
    }
    assert!(Subject::claim("").is_err());
    assert!(Subject::claim("a\nb").is_err());
    assert!(Subject::claim("6f1c-44aa").is_ok());
}
