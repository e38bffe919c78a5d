//! Local Chatbase emulator (being built).
