pub mod arch;
pub mod server;
mod tls;
