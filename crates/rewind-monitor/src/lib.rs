pub mod signals;
