//! Client configuration. (Lead's bootstrap version: the runtime engineer replaces this file.)

/// Per-client state shared by every call (no secrets).
#[derive(Clone, Debug, Default)]
pub struct ClientState {}
