//! Opening the object store and keeping an up-to-date view of the ledger
//! and the tokens.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use futures::{StreamExt, TryStreamExt};
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};

use crate::layout;
use crate::ledger_cache::LedgerCache;
use crate::sessions::SessionRegistry;
use crate::snapshot::Snapshot;
use crate::targets::TargetCache;
use crate::tokens::TokenRegistry;
use crate::users::UserRegistry;
use crate::{Error, Result};

/// Where the hub keeps its data.
#[derive(Debug, Clone)]
pub enum StoreLocation {
    /// A local directory (created if missing): the embedded default.
    Directory(PathBuf),
    /// An object store URL such as `s3://bucket/prefix`, configured by the
    /// standard `AWS_*` environment variables.
    Url(String),
    /// An object store URL with explicit options (e.g. `aws_endpoint`)
    /// instead of the environment.
    UrlWithOptions(String, Vec<(String, String)>),
    /// In memory, for tests.
    Memory,
}

/// The hub's object store with its derived, cached views.
#[derive(Debug)]
pub struct Store {
    objects: Arc<dyn ObjectStore>,
    /// The store without the hub's prefix, and the prefix (for DataFusion,
    /// which needs object paths as the store itself names them).
    root: (Arc<dyn ObjectStore>, String),
    description: String,
    cache: tokio::sync::Mutex<LedgerCache>,
    snapshot: RwLock<Arc<Snapshot>>,
    tokens: TokenRegistry,
    users: UserRegistry,
    sessions: SessionRegistry,
    targets: TargetCache,
}

impl Store {
    /// Opens the store at `location`.
    pub fn open(location: &StoreLocation) -> Result<Store> {
        let opened = match location {
            StoreLocation::Directory(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| Error::Location(format!("cannot create data directory {}: {e}", dir.display())))?;
                let fs = LocalFileSystem::new_with_prefix(dir)?.with_automatic_cleanup(true);
                Opened::plain(Arc::new(fs), format!("directory {}", dir.display()))
            }
            StoreLocation::Url(url) => {
                let options: Vec<(String, String)> = std::env::vars()
                    .filter(|(k, _)| k.starts_with("AWS_"))
                    .map(|(k, v)| (k.to_ascii_lowercase(), v))
                    .collect();
                open_url(url, options)?
            }
            StoreLocation::UrlWithOptions(url, options) => open_url(url, options.clone())?,
            StoreLocation::Memory => Opened::plain(Arc::new(InMemory::new()), "in-memory store".to_string()),
        };
        Ok(Store::build(opened))
    }

    /// Wraps an existing object store.
    pub fn with_objects(objects: Arc<dyn ObjectStore>, description: String) -> Store {
        Store::build(Opened::plain(objects, description))
    }

    fn build(o: Opened) -> Store {
        Store {
            tokens: TokenRegistry::new(o.objects.clone()),
            users: UserRegistry::new(o.objects.clone()),
            sessions: SessionRegistry::new(o.objects.clone()),
            objects: o.objects,
            root: (o.root, o.prefix),
            description: o.description,
            cache: tokio::sync::Mutex::new(LedgerCache::default()),
            snapshot: RwLock::new(Arc::new(Snapshot::default())),
            targets: TargetCache::default(),
        }
    }

    /// The underlying object store (paths are relative to the hub's root).
    pub fn objects(&self) -> Arc<dyn ObjectStore> {
        self.objects.clone()
    }

    /// The store without the hub's prefix, and that prefix: a stored path
    /// `p` is `{prefix}/p` there (just `p` when the prefix is empty).
    pub fn root(&self) -> (Arc<dyn ObjectStore>, &str) {
        (self.root.0.clone(), &self.root.1)
    }

    /// Where the store is, for logs.
    pub fn describe(&self) -> &str {
        &self.description
    }

    pub fn tokens(&self) -> &TokenRegistry {
        &self.tokens
    }

    /// Who may sign in with single sign-on, and as what.
    pub fn users(&self) -> &UserRegistry {
        &self.users
    }

    /// Dashboard sessions of people signed in with single sign-on.
    pub fn sessions(&self) -> &SessionRegistry {
        &self.sessions
    }

    pub(crate) fn target_cache(&self) -> &TargetCache {
        &self.targets
    }

    /// The latest view of the ledger read by this process. The lock holds
    /// one `Arc`, replaced whole, so even a lock poisoned by a panic
    /// elsewhere holds a complete snapshot: the last one read, never an
    /// empty one (which would show the ledger without its withdrawals).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        match self.snapshot.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Whether the store answers (used by `/readyz`).
    pub async fn check_reachable(&self) -> Result<()> {
        let mut listing = self.objects.list(Some(&Path::from(layout::LEDGER)));
        match listing.next().await {
            Some(Err(e)) => Err(e.into()),
            _ => Ok(()),
        }
    }

    /// Reads the ledger again (written by any process, or changed or
    /// removed in the store by an operator) and rebuilds the snapshot if
    /// anything changed. A ledger entry that cannot be read withholds its
    /// key (see [`Snapshot::damaged`]).
    ///
    /// This lists every ledger object: the background refresher and
    /// requests use [`Store::refresh_recent`].
    pub async fn refresh(&self) -> Result<Arc<Snapshot>> {
        let mut cache = self.cache.lock().await;
        let snapshot = cache.refresh(&self.objects).await?;
        Ok(self.keep(snapshot))
    }

    /// Brings the snapshot in step with the ledger writes of the last few
    /// minutes, by their notices (see `ledger_changes`), listing every
    /// ledger object only now and then (a minute apart) or when the last
    /// refresh is long past: a store written by other processes is read
    /// at a cost that does not grow with its history.
    pub async fn refresh_recent(&self) -> Result<Arc<Snapshot>> {
        let mut cache = self.cache.lock().await;
        let snapshot = cache.refresh_changes(&self.objects, &[], true).await?;
        Ok(self.keep(snapshot))
    }

    /// After this process wrote ledger slots: reads them (and what others
    /// wrote meanwhile) into the snapshot.
    pub(crate) async fn refresh_written(&self, written: &[Path]) -> Result<Arc<Snapshot>> {
        let mut cache = self.cache.lock().await;
        let snapshot = cache.refresh_changes(&self.objects, written, false).await?;
        Ok(self.keep(snapshot))
    }

    /// How many times this process listed the ledgers whole.
    pub async fn full_listings(&self) -> u64 {
        self.cache.lock().await.full_listings
    }

    /// Serves `snapshot` from now on, if there is a new one; the snapshot served.
    fn keep(&self, snapshot: Option<Snapshot>) -> Arc<Snapshot> {
        if let Some(snapshot) = snapshot {
            let snapshot = Arc::new(snapshot);
            match self.snapshot.write() {
                Ok(mut s) => *s = snapshot,
                Err(poisoned) => *poisoned.into_inner() = snapshot,
            }
        }
        self.snapshot()
    }

    /// Writes a ledger slot (create-only) and announces it to other processes.
    pub(crate) async fn create_slot(&self, slot: &Path, body: bytes::Bytes) -> Result<(), object_store::Error> {
        self.create(slot, body).await?;
        self.announce(slot).await;
        Ok(())
    }

    /// Writes a new immutable object; fails if anything is already at `path`.
    pub(crate) async fn create(&self, path: &Path, bytes: bytes::Bytes) -> Result<(), object_store::Error> {
        let options = PutOptions { mode: PutMode::Create, ..Default::default() };
        self.objects.put_opts(path, PutPayload::from(bytes), options).await.map(|_| ())
    }

    /// The highest sequence number used in a ledger (0 when empty).
    pub(crate) async fn last_sequence(&self, ledger: &Path) -> Result<u64> {
        let max = self
            .objects
            .list(Some(ledger))
            .try_fold(0u64, |max, m| async move { Ok(max.max(layout::slot_sequence(&m.location).unwrap_or(0))) })
            .await?;
        Ok(max)
    }

    /// Writes a plain-text note at the store's top level (e.g. the demo marker).
    pub async fn put_note(&self, name: &str, text: &str) -> Result<()> {
        self.objects.put(&Path::from(name), PutPayload::from(bytes::Bytes::from(text.to_string()))).await?;
        Ok(())
    }

    /// Whether a top-level note exists.
    pub async fn has_note(&self, name: &str) -> bool {
        self.objects.head(&Path::from(name)).await.is_ok()
    }

    /// Reads an object whole.
    pub async fn read(&self, path: &str) -> Result<bytes::Bytes> {
        Ok(self.objects.get(&Path::from(path)).await?.bytes().await?)
    }
}

/// Opens an object store URL, rooted at its path.
fn open_url(url: &str, options: Vec<(String, String)>) -> Result<Opened> {
    let parsed = url::Url::parse(url).map_err(|e| Error::Location(format!("'{url}': {e}")))?;
    let (store, prefix) = object_store::parse_url_opts(&parsed, options)?;
    let root: Arc<dyn ObjectStore> = Arc::from(store);
    let objects: Arc<dyn ObjectStore> = if prefix.as_ref().is_empty() {
        root.clone()
    } else {
        Arc::new(PrefixStore::new(root.clone(), prefix.clone()))
    };
    Ok(Opened { objects, root, prefix: prefix.to_string(), description: format!("object store {url}") })
}

/// An opened location: the store rooted at the hub's prefix, and the
/// unprefixed store with the prefix (for readers that need whole paths).
struct Opened {
    objects: Arc<dyn ObjectStore>,
    root: Arc<dyn ObjectStore>,
    prefix: String,
    description: String,
}

impl Opened {
    fn plain(objects: Arc<dyn ObjectStore>, description: String) -> Opened {
        Opened { root: objects.clone(), objects, prefix: String::new(), description }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A panic while the snapshot lock is held leaves the last snapshot
    /// readable; it never turns into an empty ledger.
    #[tokio::test]
    async fn a_poisoned_snapshot_lock_keeps_the_last_snapshot() {
        let store = Store::open(&StoreLocation::Memory).unwrap();
        let sum = crate::checksum(b"x");
        let parquet = bytes::Bytes::from_static(b"not read here");
        let new = crate::NewSubmission {
            organisation: "E09000001".parse().unwrap(),
            dataset: edi_hub_core::Dataset::Casework,
            period: "2025-Q1".parse().unwrap(),
            parquet,
            rows: 1,
            checksum: sum,
            by: None,
        };
        store.submit(&new).await.unwrap();
        assert_eq!(store.refresh().await.unwrap().submissions.len(), 1);
        std::thread::scope(|scope| {
            let _ = scope
                .spawn(|| {
                    let _held = store.snapshot.write().unwrap();
                    panic!("a panic while the lock is held");
                })
                .join();
        });
        assert!(store.snapshot.is_poisoned());
        assert_eq!(store.snapshot().submissions.len(), 1, "the last snapshot, not an empty one");
        store.submit(&new).await.unwrap();
        assert_eq!(store.refresh().await.unwrap().submissions.len(), 2, "refresh still replaces it");
    }
}
