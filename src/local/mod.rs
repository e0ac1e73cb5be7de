//! What an authority keeps on its own machine, in one fixed directory per authority (its
//! workspace, `$XDG_CONFIG_HOME/pupilmatch/<authority>/`): the local key that turns record ids
//! into the opaque references the hub sees, a reference store that turns them back, and the
//! other authorities' disclosure-key fingerprints as read out by phone.
//!
//! Nothing here is ever sent to the hub. The directory mirrors how the hub finds its own key
//! (`hub::key_custody`): one place, created 0700, files 0600, never the current folder, so the
//! same children submitted from another folder keep their references.

pub mod fingerprints;
pub mod refs;
pub mod search_child;
pub mod workspace;

pub use fingerprints::{CheckedFingerprint, FingerprintBook, FingerprintCheck};
pub use refs::{RefEntry, RefStore};
pub use search_child::{check_child, ChildProblem, ChildRefused};
pub use workspace::{KeyOrigin, NewKeyPolicy, Workspace, WorkspaceError};
