pub mod arch;
pub mod server;
