//! High-level Chatbase SDK (being built).
